"""What ``import perf_addin`` offers beyond the command line: score a table, read a
workbook, run a job.

Two calls are new here; everything else is the job's own path-level function,
re-exported by ``perf_addin/__init__.py`` as it is, so a script and the command line
never differ:

* ``score(frame, rules)`` – the engine on any table whose columns carry the workbook's
  own headers (Chinese or English) or the field names; nothing is read or written.
* ``read_workbook(path)`` – a department workbook as data (employee table, rules,
  input problems) without writing a byte, so a script can look before a job writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from perf_addin.book.department import EmployeeTable, Problem, all_problems, engine_reason
from perf_addin.book.session import open_book
from perf_addin.domain.rules import Rules
from perf_addin.domain.scoring import input_column_names, score_table
from perf_addin.labels import is_chinese


def score(data: pd.DataFrame | Mapping[str, Any], rules: Rules | None = None) -> pd.DataFrame:
    """Score every row: attainment, points, score, grade, multiplier and (with a base
    bonus column) the bonus, to the cent; one result row per input row, same index.

    The columns may be headed as in the workbook (``实际盈利`` or ``Profit actual``) or
    by field name (``profit_actual``); other columns are ignored. A missing input
    column is a ``ColumnsError`` (a ``UserError``) naming it. A row with unusable
    input gets no numbers and its reason in ``error``, never a 0 – worded in the
    headers' language (Chinese headers: Chinese reasons)."""
    rules = rules or Rules()
    result = score_table(data, rules)
    columns = list(data.columns if isinstance(data, pd.DataFrame) else data)
    if not any(is_chinese(c) for c in columns if isinstance(c, str)):
        return result
    where = input_column_names(columns)
    bad = result["error"].notna()
    result.loc[bad, "error"] = [
        engine_reason(field, _input_value(data, where.get(field), i), rules, "zh")
        for i, field in zip(np.flatnonzero(bad.to_numpy()), result.loc[bad, "error_field"])]
    return result


def _input_value(data: pd.DataFrame | Mapping[str, Any], column: Any, i: int) -> Any:
    """Row ``i`` of an input column as given (None when the field has no column)."""
    if column is None:
        return None
    values = data[column]
    value = values.iloc[i] if isinstance(values, pd.Series) else np.asarray(values, dtype=object).ravel()[i]
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True, eq=False)
class Department:
    """A department workbook as read: the employee table, the rules in force, and every
    input problem by cell. Reading never writes; the jobs do that."""

    path: Path
    table: EmployeeTable = field(repr=False)
    rules: Rules = field(repr=False)

    @property
    def language(self) -> str:
        """The workbook's language, "zh" or "en": every text the tool writes uses it."""
        return self.table.language

    @property
    def employees(self) -> pd.DataFrame:
        """The employee table, one row per employee, columns named by field
        (``employee_id``, ``profit_actual``, …); an unreadable value is NaN."""
        return self.table.frame

    @cached_property
    def scores(self) -> pd.DataFrame:
        """``score(employees, rules)``: what the Score command would compute."""
        return score_table(self.table.frame, self.rules)

    @cached_property
    def problems(self) -> list[Problem]:
        """Every input error, the reader's and the engine's, in sheet order, each naming
        its cell (``员工!G7``) and worded in the workbook's language."""
        return all_problems(self.table, self.scores, self.rules)

    def __repr__(self) -> str:
        return f"Department({self.path.name!r}, {len(self.table.rows)} employees, {self.language})"


def read_workbook(path: str | Path) -> Department:
    """Read a department workbook (``.xlsx``) without writing to it.

    Raises ``DepartmentError`` when it has no employee table and ``RulesError`` when a
    rule on its rules sheet is unusable, each naming the cell; bad values in the table
    are not raised but listed in ``problems``."""
    with open_book(path) as book:  # one read, as every command
        return Department(Path(path), book.table, book.rules)


__all__ = ["Department", "read_workbook", "score"]
