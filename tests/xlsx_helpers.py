"""Small helpers the writer tests share: make a workbook with XlsxWriter, read parts."""

from __future__ import annotations

import struct
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


def raw_streams(path: Path) -> dict[str, tuple[int, int, int, tuple, bytes]]:
    """(method, CRC, compressed size, time stamp, stored bytes) per entry.

    The stored bytes are read from the file at the entry's local header, still
    compressed: two packages agree here only where an entry's bytes were copied,
    not where the same text was decompressed and compressed again.
    """
    out = {}
    data = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        for i in z.infolist():
            head = data[i.header_offset:i.header_offset + 30]
            assert head[:4] == b"PK\x03\x04", i.filename
            name_len, extra_len = struct.unpack("<2H", head[26:30])
            start = i.header_offset + 30 + name_len + extra_len
            out[i.filename] = (i.compress_type, i.CRC, i.compress_size, i.date_time,
                               data[start:start + i.compress_size])
    return out


def repack_mixed(path: Path) -> Path:
    """Rewrite a package with entries stored, deflated fast and deflated best, in turn,
    and an old time stamp: what other producers write, and never what a fresh
    compression by the writer would give."""
    with zipfile.ZipFile(path) as z:
        entries = [(i, z.read(i)) for i in z.infolist()]
    kinds = [(zipfile.ZIP_STORED, None), (zipfile.ZIP_DEFLATED, 1), (zipfile.ZIP_DEFLATED, 9)]
    with zipfile.ZipFile(path, "w") as z:
        for n, (info, blob) in enumerate(entries):
            method, level = kinds[n % len(kinds)]
            item = zipfile.ZipInfo(info.filename, date_time=(2001, 2, 3, 4, 5, 6))
            item.compress_type = method
            z.writestr(item, blob, compress_type=method, compresslevel=level)
    return path
