"""Benchmark finance and sharing (a script, not a test).

    python benchmarks/bench_finance.py [--rows 100000] [--packs 500]

1. ``reconcile`` of a scored workbook of N employees in 8 departments: read,
   recompute, compare, totals, write the 对账 tab (N detail rows, formulas with
   cached values, a native chart), atomic save.
2. ``reconcile --fit-budget``: the same, plus every bonus scaled to the pool to
   the cent (largest remainder) and the fitted-bonus column; the fit alone too.
3. ``seal`` of the same workbook, and a reconcile that verifies the seal.
4. P per-employee packs, built from scratch and encrypted (agile AES, one
   process per core for the key derivation).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from bench_score_workbook import build as build_department
from perf_addin.jobs.reconcile import fit_pools, fit_reconciliation, reconcile_workbook
from perf_addin.jobs.score import score_workbook
from perf_addin.jobs.seal import seal_workbook
from perf_addin.jobs.share import write_packs

KEY = b"benchmark-key-0123456789abcdef"


def build(path: Path, rows: int) -> None:
    build_department(path, rows, departments=8)


def timed(label: str, job) -> object:  # noqa: ANN001
    start = time.perf_counter()
    result = job()
    print(f"{label:<46} {time.perf_counter() - start:7.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--packs", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.xlsx"
        build(big, args.rows)
        timed(f"score {args.rows:,} employees (setup)", lambda: score_workbook(big))
        report = timed(f"reconcile {args.rows:,} employees", lambda: reconcile_workbook(big, budget=10**9))
        print(f"  paid total {report.rec.paid_total:,.2f}")
        report = timed(f"reconcile --fit-budget {args.rows:,} employees",
                       lambda: reconcile_workbook(big, budget="1,000,000,000.00", fit_budget=True))
        rec = report.rec
        print(f"  fitted total {sum(g.fitted_cents for g in rec.fit.groups) / 100:,.2f}")
        timed("  the fit alone (pools, largest remainder)",
              lambda: fit_reconciliation(rec, *fit_pools(rec, {}, 10**9, "zh", "规则"), "zh"))
        timed(f"seal {args.rows:,} employees", lambda: seal_workbook(big, KEY))
        report = timed("reconcile again, verifying the seal", lambda: reconcile_workbook(big, key=KEY))
        print(f"  seal ok: {report.rec.seal.ok}")
        small = Path(tmp) / "packs.xlsx"
        build(small, args.packs)
        score_workbook(small)
        timed(f"{args.packs} packs, not encrypted", lambda: write_packs(small, Path(tmp) / "plain"))
        timed(f"{args.packs} packs, encrypted (generated passwords)",
              lambda: write_packs(small, Path(tmp) / "enc", generate=True))
        shutil.rmtree(Path(tmp) / "enc")


if __name__ == "__main__":
    main()
