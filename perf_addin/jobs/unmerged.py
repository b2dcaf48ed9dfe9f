"""What a returned copy changed outside the interview tabs: listed, never merged.

``collect`` merges only the interview tabs' input fields: the employee table's
inputs (ratings, targets, bonus bases) are HR's, and the results are computed from
them. A portable copy or a pack can still come back with such a cell changed
(员工!J5 17 → 19, a pack's 结果!F2). Dropping that without a word would lose what a
person typed, so each value of the copy's table that differs from the master's, for
an employee both hold, is listed for HR to change in the master by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from perf_addin.book.department import EmployeeTable, employee_table
from perf_addin.book.session import DepartmentBook
from perf_addin.book.source import BookSource
from perf_addin.errors import UserError
from perf_addin.labels import label, shown

TEXTS = {"zh": "{eid} {field} 副本 {other} / 主表 {master} – 请在主表中修改（{file}）",
         "en": "{eid} {field}: copy {other} / master {master} – change it in the master ({file})"}
#: the columns compared: the ID is the key, the input check is text the tool writes
SKIPPED = {"employee_id", "check"}


@dataclass(frozen=True)
class Unmerged:
    """One employee-table value a returned copy holds differently from the master."""

    employee_id: str
    field: str
    master: Any
    other: Any
    source: str  # the returned file's name

    def line(self, lang: str) -> str:
        return TEXTS[lang].format(eid=self.employee_id, field=label(self.field, lang), other=shown(self.other, lang),
                                  master=shown(self.master, lang), file=self.source)


def table_values(path: Path | BookSource) -> dict[str, dict[str, Any]]:
    """Employee ID -> field -> the value as stored (formulas: their cached value) in
    the employee table of ``path`` (a pack's result sheet is such a table; a workbook
    already read is not read again); empty when the file has none."""
    try:
        if isinstance(path, BookSource):
            table, grid = _table_and_grid(path)
        else:
            with BookSource.open(path) as book:
                table, grid = _table_and_grid(book)
    except UserError:
        return {}
    columns = {**table.columns, **table.result_columns}
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(table.rows):
        line = grid[row - 1] if row - 1 < len(grid) else []
        eid = str(table.frame["employee_id"].iat[i])
        out[eid] = {f: _plain(line[c - 1] if c - 1 < len(line) else None) for f, c in columns.items()
                    if f not in SKIPPED}
    return out


def _table_and_grid(book: BookSource) -> tuple[EmployeeTable, list[list[Any]]]:
    table = book.table if isinstance(book, DepartmentBook) else employee_table(book)  # read once per file
    return table, book.grid(table.sheet) or []


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return value.strip()
    return value


def same(a: Any, b: Any) -> bool:
    """Equal as a person reads them: 19 and 19.0, a cached 1234.5600000001 and 1234.56."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return a == b


def differences(master: dict[str, dict[str, Any]], copy: dict[str, dict[str, Any]], source: str) -> list[Unmerged]:
    """Every value of ``copy`` that differs from ``master``, for the employees and
    fields both hold. Pure."""
    out = []
    for eid, theirs in copy.items():
        mine = master.get(eid)
        if mine is None:
            continue
        out += [Unmerged(eid, f, mine[f], v, source) for f, v in theirs.items() if f in mine and not same(mine[f], v)]
    return out


__all__ = ["Unmerged", "differences", "same", "table_values"]
