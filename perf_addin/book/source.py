"""A workbook file's content, read once, and the cells python-calamine reads from it.

Every reading of a department workbook goes through ``BookSource``: the file is
opened once, its bytes kept, and every sheet's cells parsed from those bytes on
first use and cached. A command that reads the table, the rules, the interview
tabs and the seal therefore reads the disk once, and all of them see the same
version of the file, even if someone saves it in Excel halfway through.

``READS`` counts the reads per file, so a test or a benchmark can tell how often a
command touched the disk.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import python_calamine as calamine

from perf_addin.errors import UserError

#: resolved path -> how many times its content was read through ``read_file``
READS: Counter[Path] = Counter()


class DepartmentError(UserError, ValueError):
    """The workbook cannot be read, or has no usable employee table."""


def read_file(path: str | Path) -> bytes:
    """The file's whole content: the one place a department workbook is read from disk."""
    p = Path(path)
    if not p.exists():
        raise DepartmentError(f"{p.name}: no such file (workbook not found: {p})",
                              zh=f"{p.name}：文件不存在（找不到工作簿：{p}）")
    if not p.is_file():
        raise DepartmentError(f"{p.name}: not a file", zh=f"{p.name}：不是文件")
    READS[p.resolve()] += 1
    return p.read_bytes()


class BookSource:
    """One version of a workbook file: its bytes and, lazily, its cells per sheet.

    Use it in a ``with`` block (or call ``close``): the reader holds its buffer.
    """

    def __init__(self, path: str | Path, data: bytes) -> None:
        self.path = Path(path)
        self.data = data
        self._reader: calamine.CalamineWorkbook | None = None
        self._grids: dict[str, list[list[Any]]] = {}

    @classmethod
    def open(cls, path: str | Path) -> "BookSource":
        return cls(path, read_file(path))

    def __enter__(self) -> "BookSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    @property
    def reader(self) -> calamine.CalamineWorkbook:
        """python-calamine on the bytes, its many failure types turned into one clear error."""
        if self._reader is None:
            name = self.path.name
            try:
                self._reader = calamine.CalamineWorkbook.from_filelike(io.BytesIO(self.data))
            except calamine.PasswordError as err:
                raise DepartmentError(f"cannot read {name}: the workbook is password-protected") from err
            except Exception as err:  # calamine raises CalamineError, ZipError, XmlError, OSError...
                raise DepartmentError(f"cannot read {name} as an Excel workbook "
                                      f"({type(err).__name__}: {err})") from err
        return self._reader

    @property
    def sheet_names(self) -> list[str]:
        """Every sheet, worksheets and others, in workbook order."""
        return [m.name for m in self.reader.sheets_metadata]

    @property
    def worksheets(self) -> list[str]:
        return [m.name for m in self.reader.sheets_metadata if m.typ == calamine.SheetTypeEnum.WorkSheet]

    def grid(self, sheet: str) -> list[list[Any]] | None:
        """Cell values with ``grid[r][c]`` at 0-based sheet row r, column c; None
        when the file has no such sheet.

        ``skip_empty_area=False`` makes calamine start the grid at A1 even when
        the first used cell is further down/right, so indices are sheet positions.
        """
        if sheet in self._grids:
            return self._grids[sheet]
        if sheet not in self.sheet_names:
            return None
        try:
            grid = self.reader.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        except Exception as err:
            raise DepartmentError(f"cannot read sheet {sheet!r} ({type(err).__name__}: {err})") from err
        self._grids[sheet] = grid
        return grid


__all__ = ["READS", "BookSource", "DepartmentError", "read_file"]
