"""What a department workbook holds *now*, per employee: inputs, results, overrides.

Reconciliation, sealing and the version diff all compare "what the workbook says"
with something else, so they share one reading of it: the employee table
(``department.read_employees``), the rules, and the raw cell values of the table's
sheet as the file stores them – for a formula cell that is its cached value, i.e.
what Excel showed when the file was last saved, which is what people saw and
what finance is asked to pay.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from perf_addin.book.department import EmployeeTable, parse_number_text, sheet_ref
from perf_addin.book.session import DepartmentBook, open_book
from perf_addin.labels import normalise
from perf_addin.domain.rules import Rules
from perf_addin.xlsx.values import number_text


@dataclass
class Snapshot:
    """One workbook as read; ``raw(field)[i]`` is employee i's cell value."""

    path: Path
    table: EmployeeTable
    rules: Rules
    grid: list[list[Any]]
    rules_sheet: str | None
    rules_grid: list[list[Any]] | None

    @property
    def n(self) -> int:
        return len(self.table.rows)

    def column_of(self, field: str) -> int | None:
        """1-based column of an input or result field, None when the table has none."""
        return self.table.columns.get(field, self.table.result_columns.get(field))

    def raw(self, field: str) -> np.ndarray | None:
        column = self.column_of(field)
        return None if column is None else self.raw_column(column)

    def raw_column(self, column: int) -> np.ndarray:
        out = np.empty(self.n, dtype=object)
        for i, row in enumerate(self.table.rows):
            line = self.grid[row - 1] if row - 1 < len(self.grid) else ()
            out[i] = line[column - 1] if column - 1 < len(line) else None
        return out

    def numbers(self, field: str) -> np.ndarray:
        """Numeric cells as floats; anything else (blank, text, error, boolean) is NaN."""
        raw = self.raw(field)
        return np.full(self.n, np.nan) if raw is None else as_numbers(raw)

    def texts(self, field: str) -> np.ndarray:
        if field in self.table.frame:
            return self.table.frame[field].to_numpy(dtype=object)
        return np.full(self.n, "", dtype=object)

    def header_column(self, header: str) -> int | None:
        """1-based column whose header cell reads ``header`` (NFKC, case and spaces ignored)."""
        wanted = normalise(header)
        line = self.grid[self.table.header_row - 1]
        hits = [c + 1 for c, v in enumerate(line) if isinstance(v, str) and normalise(v) == wanted]
        return hits[0] if hits else None


def as_numbers(raw: np.ndarray) -> np.ndarray:
    """Real numbers only: a boolean or text is not a number here (the cell may hold
    text like "1.1" typed by hand; reconciliation reports it rather than guessing)."""
    out = np.full(raw.size, np.nan)
    for i, v in enumerate(raw):
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out[i] = float(v)
    return out


def as_number_or_text(value: Any) -> float | None:
    """A typed override: a number, or text that reads as one ("1.1"); else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and value.strip():
        return parse_number_text(value)
    return None


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or \
        (isinstance(value, float) and math.isnan(value))


def canon(value: Any) -> Any:
    """A value as compared and signed: numbers as their shortest round-trip text,
    text stripped, blanks None."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return number_text(value) if math.isfinite(value) else None
    return str(value).strip()


def field_values(snap: Snapshot, fields: tuple[str, ...]) -> list[list[Any]]:
    """Per employee, the values of ``fields``: the reader's parsed number for a
    readable input (so "3,100" typed as text and 3100 agree), the raw cell otherwise."""
    frame = snap.table.frame
    columns = []
    for name in fields:
        raw = snap.raw(name)
        raw = [None] * snap.n if raw is None else list(raw)
        if name == "employee_id":
            columns.append([str(v) for v in frame["employee_id"]])
        elif name in frame and frame[name].dtype.kind == "f":
            parsed = frame[name].to_numpy(dtype=float)
            columns.append([float(p) if math.isfinite(p) else r for p, r in zip(parsed, raw)])
        else:
            columns.append(raw)
    return [list(row) for row in zip(*columns)]


def read_snapshot(path: str | Path) -> Snapshot:
    """Read the table, the rules and the raw grids (python-calamine, no Excel)."""
    with open_book(path) as book:
        return snapshot_of(book)


def snapshot_of(book: DepartmentBook) -> Snapshot:
    """``read_snapshot`` of a workbook a command has open (nothing read again)."""
    table = book.table
    grid = book.grid(table.sheet) or []
    rules_sheet = book.rules_sheet if book.rules_grid is not None else None
    return Snapshot(book.path, table, book.rules, grid, rules_sheet, book.rules_grid)


__all__ = ["Snapshot", "as_number_or_text", "as_numbers", "canon", "field_values", "is_blank",
           "read_snapshot", "sheet_ref", "snapshot_of"]
