"""Benchmark ``perf-addin score`` on a large department workbook (a script, not a test).

    python benchmarks/bench_score_workbook.py [--rows 100000]

Builds a workbook of N employees (with XlsxWriter), then times the whole job –
read (python-calamine), score (vectorized engine), write the result columns as
shared formulas with cached values, atomic save – and a second run that finds
nothing to change. openpyxl's load + save of the same file is shown for scale.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

import openpyxl
import xlsxwriter

from perf_addin.book.department import read_employees
from perf_addin.jobs.score import score_workbook
from perf_addin.domain.rules import RULES_SHEET, Rules, rules_to_rows

HEADER = ["工号", "姓名", "部门", "职级", "直接上级", "实际盈利", "目标盈利", "完成件数",
          "目标件数", "平时表现", "奖金基数"]


def build(path: Path, rows: int, departments: int = 1) -> None:
    """A department workbook of ``rows`` employees (shared with bench_finance.py)."""
    rnd = random.Random(1)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("员工")
    ws.write_row(0, 0, HEADER)
    for r in range(1, rows + 1):
        target = rnd.choice([2400, 3200, 4000])
        department = "销售部" if departments == 1 else f"部门{r % departments}"
        ws.write_row(r, 0, [100000 + r, f"员工{r}", department, "员工", "王伟",
                            round(target * rnd.uniform(0.7, 1.3)), target,
                            rnd.randint(60, 140), 100, rnd.randint(10, 20), 10000 + r % 7 * 0.01])
    rs = wb.add_worksheet(RULES_SHEET)
    for i, row in enumerate(rules_to_rows(Rules.default())):
        for j, value in enumerate(row):
            if value is not None:
                rs.write(i, j, value)
    wb.close()


def timed(label: str, run) -> float:
    start = time.perf_counter()
    run()
    took = time.perf_counter() - start
    print(f"  {label:<52} {took:6.2f} s")
    return took


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.xlsx"
        build(path, args.rows)
        print(f"{args.rows:,} employees, {path.stat().st_size / 1e6:.1f} MB:")
        timed("read the table only (calamine + parsing)", lambda: read_employees(path))
        timed("perf-addin score: read, score, write, save", lambda: score_workbook(path))
        print(f"  (file is now {path.stat().st_size / 1e6:.1f} MB)")
        timed("second run: nothing to change, nothing written", lambda: score_workbook(path))
        timed("openpyxl load + save, for scale", lambda: openpyxl.load_workbook(path).save(
            Path(tmp) / "openpyxl.xlsx"))


if __name__ == "__main__":
    main()
