"""Benchmark ``perf-addin calibrate`` on a large workbook (a script, not a test).

    python benchmarks/bench_calibrate_workbook.py [--rows 100000] [--departments 200]

Builds a workbook of N employees in D departments (``bench_score_workbook.build``)
with a quota block on its rules sheet, scores it once (not timed), then times the
whole command – read, the meeting's columns added, score with calibrated-grade
formulas, forced fit, rater bias, 9-box, the 校准 tab with its COUNTIFS formulas,
atomic save – and a second run (the tab regenerated, the audit kept).
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from bench_score_workbook import build

from perf_addin.jobs.calibrate import calibrate_workbook
from perf_addin.jobs.score import score_workbook
from perf_addin.xlsx import Workbook

QUOTAS = {"U1": "强制分布", "U2": "单位", "V2": "部门", "U3": "最少人数", "V3": 20, "U4": "等级", "V4": "配额",
          "U5": "优+", "V5": "≤10%", "U6": "优+、优-", "V6": "≤30%", "U7": "良好", "V7": "30%-70%",
          "U8": "差、极差", "V8": "≥10%"}


def timed(label: str, run) -> tuple[float, object]:
    start = time.perf_counter()
    out = run()
    took = time.perf_counter() - start
    print(f"  {label:<52} {took:6.2f} s")
    return took, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--departments", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "calibrate.xlsx"
        build(path, args.rows, args.departments)
        wb = Workbook.open(path)
        wb.set_cells("规则", QUOTAS)
        wb.save(backup=False)
        score_workbook(path)
        print(f"calibrate on {args.rows:,} employees in {args.departments} departments:")
        _, report = timed("first run (adds the meeting's columns)",
                          lambda: calibrate_workbook(path, today=dt.date(2026, 12, 1)))
        print(f"    {report.groups} groups, {report.moved:,} proposed moves, {report.ties} ties")
        second, _ = timed("second run (tab regenerated)",
                          lambda: calibrate_workbook(path, today=dt.date(2026, 12, 2)))
        scored, _ = timed("for scale: score alone on the same workbook", lambda: score_workbook(path))
        print(f"  calibration's own share (second run − score)           {second - scored:6.2f} s")
        print(f"  file size {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
