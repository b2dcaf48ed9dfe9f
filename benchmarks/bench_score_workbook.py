"""Benchmark ``perf-addin score`` on a large department workbook (a script, not a test).

    python benchmarks/bench_score_workbook.py [--rows 100000] [--no-openpyxl]

Builds a workbook of N employees (with XlsxWriter), then times the whole job –
read (python-calamine), score (vectorized engine), write the result columns as
shared formulas with cached values, atomic save – and a second run that finds
nothing to change, and ``perf-addin --help`` (what every ribbon press pays to
start). openpyxl's load + save of the same file is shown for scale.

The CPU seconds beside each time are what the step itself used: on a machine
others share, they move less than the wall-clock time.

Each step runs in a fresh child process, so its peak resident memory
(``ru_maxrss``, which counts lxml's and calamine's C allocations that
tracemalloc does not see) belongs to that step alone; the memory figure includes
the interpreter and the imports (about 100 MB with pandas), the time does not.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["工号", "姓名", "部门", "职级", "直接上级", "实际盈利", "目标盈利", "完成件数",
          "目标件数", "平时表现", "奖金基数"]

#: what each step runs in its child process (``path`` is the workbook): the imports,
#: not timed (``perf-addin --help`` below shows what starting costs), then the step
STEPS = {
    "read": ("from perf_addin.book.department import read_employees", "read_employees(path)"),
    "score": ("from perf_addin.jobs.score import score_workbook", "score_workbook(path)"),
    "openpyxl": ("import openpyxl", "openpyxl.load_workbook(path).save(path.with_name('openpyxl.xlsx'))"),
}
CHILD = """
import json, resource, sys, time
from pathlib import Path
path = Path(sys.argv[1])
{setup}
start, cpu = time.perf_counter(), time.process_time()
{run}
took, cpu = time.perf_counter() - start, time.process_time() - cpu
print(json.dumps({{"seconds": took, "cpu": cpu,
                   "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def build(path: Path, rows: int, departments: int = 1) -> None:
    """A department workbook of ``rows`` employees (shared with bench_finance.py)."""
    import xlsxwriter

    from perf_addin.domain.rules import RULES_SHEET, Rules, rules_to_rows

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
    """Time ``run`` in this process (the other benchmarks import this)."""
    start = time.perf_counter()
    run()
    took = time.perf_counter() - start
    print(f"  {label:<52} {took:6.2f} s")
    return took


def in_child(label: str, step: str, path: Path) -> dict:
    """Run one step in a fresh interpreter; its time (inside the child, without the
    interpreter's start) and its peak RSS."""
    setup, run = STEPS[step]
    out = subprocess.run([sys.executable, "-c", CHILD.format(setup=setup, run=run), str(path)],
                         check=True, capture_output=True, text=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {label:<52} {figures['seconds']:6.2f} s ({figures['cpu']:5.2f} s CPU) "
          f"{figures['peak_mb']:6.0f} MB peak")
    return figures


def cli_help() -> None:
    """``perf-addin --help`` as a ribbon press starts it: a whole new process, timed
    from start to exit, with that process's own peak RSS."""
    best, peak = float("inf"), 0.0
    for _ in range(3):
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "perf_addin.cli", "--help"],
                                 stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        best = min(best, time.perf_counter() - start)
        peak = max(peak, usage.ru_maxrss / 1024)
    print(f"  {'perf-addin --help (new process, best of 3)':<52} {best:6.2f} s {'':13} {peak:6.0f} MB peak")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-openpyxl", action="store_true", help="skip the slow openpyxl step")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"load average before: {load:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.xlsx"
        build(path, args.rows)
        print(f"{args.rows:,} employees, {path.stat().st_size / 1e6:.1f} MB:")
        in_child("read the table only (calamine + parsing)", "read", path)
        in_child("perf-addin score: read, score, write, save", "score", path)
        print(f"  (file is now {path.stat().st_size / 1e6:.1f} MB)")
        in_child("read the table only, now with the result columns", "read", path)
        before = path.stat().st_mtime_ns
        in_child("second run: nothing to change, nothing written", "score", path)
        print(f"  (second run {'left the file alone' if path.stat().st_mtime_ns == before else 'REWROTE the file'})")
        cli_help()
        if not args.no_openpyxl:
            in_child("openpyxl load + save, for scale", "openpyxl", path)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
