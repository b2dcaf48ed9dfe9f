"""Every command reads its workbook once and saves it at most once.

Counted where the operating system is asked, not where the code means to: every
Python-level open of the workbook's path (``io.open`` – which ``pathlib``,
``zipfile`` and ``open`` go through – and ``os.open``), every python-calamine
open by path (it reads in Rust, past ``io.open``), every LibreOffice run given the
path itself, and every rename onto the path (``os.replace``: the atomic save).
The session module's own counter must agree.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import python_calamine

from perf_addin.book import session, source
from perf_addin.cli import SAMPLE, main


class Touches:
    """Opens and saves of one file, as the operating system sees them."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.opens: list[str] = []
        self.saves = 0

    def mine(self, target: object) -> bool:
        try:
            return isinstance(target, (str, os.PathLike)) and Path(os.fsdecode(target)).resolve() == self.path
        except (OSError, ValueError):
            return False


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch, path: Path) -> Iterator[Touches]:
    touches = Touches(path)
    real_io_open, real_os_open, real_replace = io.open, os.open, os.replace
    real_calamine, real_popen = python_calamine.CalamineWorkbook, subprocess.Popen.__init__

    def io_open(file, *args, **kwargs):  # noqa: ANN001, ANN202
        if touches.mine(file):
            touches.opens.append("open")
        return real_io_open(file, *args, **kwargs)

    def os_open(file, *args, **kwargs):  # noqa: ANN001, ANN202
        if touches.mine(file):
            touches.opens.append("os.open")
        return real_os_open(file, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):  # noqa: ANN001, ANN202
        if touches.mine(dst):
            touches.saves += 1
        return real_replace(src, dst, *args, **kwargs)

    class Calamine:
        """python-calamine as the code sees it, counting opens by path."""

        @staticmethod
        def from_path(file, *args, **kwargs):  # noqa: ANN001, ANN205
            if touches.mine(file):
                touches.opens.append("calamine")
            return real_calamine.from_path(file, *args, **kwargs)

        def __getattr__(self, name: str):  # noqa: ANN204
            return getattr(real_calamine, name)

    for name in ("from_filelike", "from_object"):
        setattr(Calamine, name, staticmethod(getattr(real_calamine, name)))

    def popen(self, args, *rest, **kwargs):  # noqa: ANN001, ANN202
        if any(touches.mine(a) for a in (args if isinstance(args, (list, tuple)) else [args])):
            touches.opens.append("libreoffice")
        return real_popen(self, args, *rest, **kwargs)

    monkeypatch.setattr(io, "open", io_open)
    monkeypatch.setattr("builtins.open", io_open)
    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(os, "replace", replace)
    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Calamine)
    monkeypatch.setattr(subprocess.Popen, "__init__", popen)
    reads_before = source.READS[touches.path]
    saves_before = session.SAVES[touches.path]
    yield touches
    touches.counted_reads = source.READS[touches.path] - reads_before
    touches.counted_saves = session.SAVES[touches.path] - saves_before


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    """The sample with interview tabs (what collect needs), made once."""
    path = tmp_path_factory.mktemp("scored") / "dept.xlsx"
    shutil.copyfile(SAMPLE, path)
    assert main(["interviews", str(path)]) == 0
    return path


COMMANDS = {
    "score": ["score", "{book}"],
    "score --lang en": ["score", "{book}", "--lang", "en"],
    "interviews": ["interviews", "{book}"],
    "interviews --only": ["interviews", "{book}", "--only", "1001", "1002"],
    "schedule": ["schedule", "{book}", "--from", "2026-03-02", "--to", "2026-03-13", "--ics", "{dir}/ics"],
    "share": ["share", "{book}", "--portable", "{dir}/portable.xlsx", "--packs", "{dir}/packs",
              "--generate-passwords"],
    "share --lang en": ["share", "{book}", "--portable", "{dir}/portable.xlsx", "--lang", "en"],
    "collect": ["collect", "{book}", "--reminders", "{dir}/reminders"],
    "collect returned": ["collect", "{book}", "{dir}/returned.xlsx"],
    "reconcile": ["reconcile", "{book}", "--budget", "50万"],
    "seal": ["seal", "{book}", "--key-file", "{dir}/seal.key", "--create-key"],
    "calibrate": ["calibrate", "{book}"],
    "calibrate --lang en": ["calibrate", "{book}", "--lang", "en"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_command_opens_its_workbook_once_and_saves_it_at_most_once(command, scored, tmp_path, monkeypatch,
                                                                        capsys):
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(scored, book)
    shutil.copyfile(scored, tmp_path / "returned.xlsx")
    argv = [a.format(book=book, dir=tmp_path) for a in COMMANDS[command]]
    with counting(monkeypatch, book) as touches:
        code = main(argv)
    out = capsys.readouterr()
    assert code in (0, 1), out.err
    assert touches.opens == ["open"], touches.opens  # one read of the bytes, nothing else
    assert touches.counted_reads == 1
    assert touches.saves <= 1 and touches.counted_saves == touches.saves


def test_the_demo_reads_its_copy_once_and_saves_it_once_after_copying(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "demo"
    book = folder / SAMPLE.name
    with counting(monkeypatch, book) as touches:
        code = main(["demo", "--dir", str(folder)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert touches.opens == ["open"], touches.opens
    assert touches.saves == 2  # the fresh copy of the sample, then the run's one save
    assert touches.counted_saves == 1


def test_a_second_save_in_one_session_is_refused(tmp_path):
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    with session.open_book(book) as opened:
        opened.writer.set_cells(opened.table.sheet, {"Z1": "note"})
        opened.save()
        with pytest.raises(RuntimeError, match="already saved"):
            opened.save()


def test_the_counter_sees_a_second_read(tmp_path, monkeypatch):
    """The check above can fail: two path-level reads are counted as two."""
    from perf_addin.book.department import read_employees, read_rules
    book = tmp_path / "dept.xlsx"
    shutil.copyfile(SAMPLE, book)
    with counting(monkeypatch, book) as touches:
        read_employees(book)
        read_rules(book)
    assert touches.opens == ["open", "open"] and touches.counted_reads == 2
