"""How fast are the interview tabs? A plain script, not a test.

For 100, 250 and 500 employees: a department workbook (the sample's layout, made
by ``workbook/make_workbooks.py``) is scored once, then ``write_interviews`` is
timed twice – writing every tab into the existing workbook, and regenerating
them all (reading back every tab's fields first). Then the 500 tabs are printed
to one-page PDFs in one LibreOffice run.

Run: ``python benchmarks/bench_interviews.py [--no-pdf]``.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "workbook"))

from make_workbooks import SAMPLE_SETTINGS, sample_rows, write_workbook  # noqa: E402

from perf_addin.jobs.interviews import print_tabs, write_interviews  # noqa: E402
from perf_addin.engines.libreoffice import LibreOffice, find_soffice  # noqa: E402
from perf_addin.jobs.score import score_workbook  # noqa: E402


def department(folder: Path, n: int) -> Path:
    """``n`` employees: the sample's 40 repeated with fresh IDs and a little noise."""
    rnd = random.Random(n)
    base = sample_rows()
    rows = []
    for i in range(n):
        row = list(base[i % len(base)])
        row[0] = 10001 + i
        row[5] = row[5] if isinstance(row[5], str) else round((row[5] or 0) * rnd.uniform(0.9, 1.1))
        rows.append(row)
    path = folder / f"dept-{n}.xlsx"
    write_workbook(path, rows, f"bench {n}", SAMPLE_SETTINGS)
    score_workbook(path)  # "an existing workbook": already scored once
    return path


def timed(label: str, run) -> tuple[float, object]:
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    print(f"  {label:<38} {seconds:6.2f} s")
    return seconds, result


def main(pdf: bool = True) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-interviews-") as tmp:
        folder = Path(tmp)
        book = None
        for n in (100, 250, 500):
            book = department(folder, n)
            size = book.stat().st_size
            print(f"{n} employees ({size / 1e6:.2f} MB before the tabs)")
            first, report = timed("write tabs into the workbook", lambda: write_interviews(book))
            again, _ = timed("regenerate them (fields read back)", lambda: write_interviews(book))
            print(f"  {'per tab':<38} {first / n * 1000:6.1f} ms, regenerating {again / n * 1000:.1f} ms"
                  f"; file {book.stat().st_size / 1e6:.2f} MB")
        if pdf and book is not None and find_soffice():
            tabs = [t.tab for t in report.tabs]
            with LibreOffice() as office:
                seconds, pdfs = timed(f"{len(tabs)} one-page PDFs",
                                      lambda: print_tabs(book, tabs, folder / "pdf", office))
                total = sum(p.stat().st_size for p in pdfs)
                print(f"  soffice runs: {office.launches}; {len(pdfs)} files, {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main(pdf="--no-pdf" not in sys.argv)
