"""Opens and saves of the workbook per command, counted at the operating system.

    python benchmarks/bench_sessions.py [--employees N]

Runs every CLI command on a copy of the sample department (or a generated one of
N employees) and counts what touched the workbook's file: Python opens (``io.open``
and ``os.open``: the writer's sniff and zip, ``Path.read_bytes``), python-calamine
opens by path (it reads in Rust), and atomic saves (``os.replace`` onto the path);
plus the wall time. Only the standard library and the public CLI are used, so the
same script measures an older checkout (``PYTHONPATH=that/checkout``).

Measured on the 40-employee sample, 2 cores; "opens" = Python opens of the file +
python-calamine opens of it; the commands after the first two run on a copy that
already has results and interview tabs (so score and interviews find nothing to
change and save nothing):

    command              before: opens  saves     after: opens  saves
    score (new book)             4 + 2    1              1 + 0    1
    interviews (new)             2 + 3    1              1 + 0    1
    score (no change)            2 + 3    0              1 + 0    0
    score --lang en              6 + 5    2              1 + 0    1
    interviews (no change)       2 + 3    0              1 + 0    0
    schedule                     2 + 3    1              1 + 0    1
    share (copy + packs)         8 + 6    0              1 + 0    0
    collect --reminders          4 + 2    1              1 + 0    1
    reconcile --budget           2 + 4    1              1 + 0    1
    seal --create-key            4 + 4    1              1 + 0    1

Before, score also saved a second time when the workbook held a reconciliation tab
(the stale mark); now that colour goes into the one save.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import python_calamine

from perf_addin.cli import SAMPLE, main

COMMANDS = {
    "score (new book)": ["score", "{book}"],
    "interviews (new)": ["interviews", "{book}"],
    "score": ["score", "{book}"],
    "score --lang en": ["score", "{book}", "--lang", "en"],
    "interviews": ["interviews", "{book}"],
    "schedule": ["schedule", "{book}", "--from", "2026-03-02", "--to", "2026-03-13", "--ics", "{dir}/ics"],
    "share": ["share", "{book}", "--portable", "{dir}/portable.xlsx", "--packs", "{dir}/packs"],
    "collect": ["collect", "{book}", "--reminders", "{dir}/reminders"],
    "reconcile": ["reconcile", "{book}", "--budget", "50万"],
    "seal": ["seal", "{book}", "--key-file", "{dir}/seal.key", "--create-key"],
}


class Count:
    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.opens = self.calamine = self.saves = 0

    def mine(self, target: object) -> bool:
        try:
            return isinstance(target, (str, os.PathLike)) and Path(os.fsdecode(target)).resolve() == self.path
        except (OSError, ValueError):
            return False


@contextlib.contextmanager
def counting(path: Path):
    count = Count(path)
    real_io, real_os, real_replace = io.open, os.open, os.replace
    real_calamine = python_calamine.CalamineWorkbook
    import builtins

    def io_open(file, *a, **k):
        count.opens += count.mine(file)
        return real_io(file, *a, **k)

    def os_open(file, *a, **k):
        count.opens += count.mine(file)
        return real_os(file, *a, **k)

    def replace(src, dst, *a, **k):
        count.saves += count.mine(dst)
        return real_replace(src, dst, *a, **k)

    class Calamine:
        @staticmethod
        def from_path(file, *a, **k):
            count.calamine += count.mine(file)
            return real_calamine.from_path(file, *a, **k)

    for name in ("from_filelike", "from_object"):
        if hasattr(real_calamine, name):
            setattr(Calamine, name, staticmethod(getattr(real_calamine, name)))
    io.open = builtins.open = io_open
    os.open, os.replace = os_open, replace
    python_calamine.CalamineWorkbook = Calamine
    try:
        yield count
    finally:
        io.open = builtins.open = real_io
        os.open, os.replace = real_os, real_replace
        python_calamine.CalamineWorkbook = real_calamine


def run(argv: list[str]) -> int:
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        return main(argv)


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", type=Path, default=SAMPLE, help="the workbook to copy (default: the sample)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.xlsx"
        shutil.copyfile(args.book, base)
        run(["interviews", str(base)])  # collect needs interview tabs
        print(f"{'command':18} {'opens':>6} {'calamine':>9} {'saves':>6} {'seconds':>8}")
        for name, template in COMMANDS.items():
            folder = Path(tmp) / "".join(c if c.isalnum() else "_" for c in name)
            folder.mkdir()
            book = folder / "dept.xlsx"
            shutil.copyfile(args.book if "(new" in name else base, book)
            argv = [a.format(book=book, dir=folder) for a in template]
            start = time.perf_counter()
            with counting(book) as count:
                code = run(argv)
            took = time.perf_counter() - start
            print(f"{name:18} {count.opens:6d} {count.calamine:9d} {count.saves:6d} {took:8.2f}"
                  + ("" if code in (0, 1) else f"  (exit {code})"))
    sys.stdout.flush()


if __name__ == "__main__":
    main_bench()
