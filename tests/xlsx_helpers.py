"""Small helpers the writer tests share: make a workbook with XlsxWriter, read parts."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable

import xlsxwriter


def make_book(path: Path, build: Callable | None = None, sheet: str = "Data") -> Path:
    """A workbook written by XlsxWriter (a producer other than ours)."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(sheet)
    ws.write_row(0, 0, ["工号", "姓名", "得分"])
    ws.write_row(1, 0, [1024, "张伟", 88])
    if build:
        build(wb, ws)
    wb.close()
    return path


def parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def raw_entries(path: Path) -> dict[str, tuple[int, int, int]]:
    """(CRC, compressed size, method) per entry: equal when raw bytes were copied."""
    with zipfile.ZipFile(path) as z:
        return {i.filename: (i.CRC, i.compress_size, i.compress_type) for i in z.infolist()}
