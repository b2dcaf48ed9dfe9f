"""xlwings user-defined functions ``PERF_*`` – a thin shell over ``scoring``.

Each function takes single cells or ranges (what xlwings passes: numbers,
None for blanks, text, bools, lists of lists, numpy arrays), broadcasts single
cells against ranges, makes **one** vectorized call into ``scoring`` and
returns a value of the same shape.  The optional ``rules`` argument is the
rules sheet's table (``规则!A1:H20``, starting at A1); omitted, DOMAIN.md's
defaults apply.

Error marker: a row with unusable input returns the text
``"#N/A: <reason>"`` (``error_value``).  Classic xlwings UDFs cannot return a
real Excel error value: NaN is written as an empty string (which would hide
the problem), a VT_ERROR variant does not survive the VBA wrapper (xlwings
issue #776), and an exception fills the whole result with one message.  The
text starts with ``#N/A`` so it reads like the native formula's ``#N/A``, and
any arithmetic on it gives ``#VALUE!``. The add-in's VBA wrappers
(``vba_udfs.errors_function``) turn it into a real ``#N/A`` in the cell, so a SUM
over the column fails loudly instead of coming out short.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd
import xlwings as xw

from perf_addin.domain import scoring
from perf_addin.domain.rules import Rules, rules_from_rows
from perf_addin.excel.udf_specs import ERROR_PREFIX, UDF_SPECS

def _udf(f: Callable[..., Any]) -> Callable[..., Any]:
    """Apply the xlwings decorators from ``UDF_SPECS`` (the single source)."""
    spec = UDF_SPECS[f.__name__]
    f.__doc__ = spec.description  # xlwings shows the docstring as the description
    for arg, help_text in reversed(spec.args):
        options = {} if arg == "rules" else {"ndim": 2}  # ndim=2 keeps a column a column
        f = xw.arg(arg, doc=help_text, **options)(f)
    return xw.func(category=spec.category)(f)


# ------------------------------------------------------------------ shapes


def error_value(reason: str) -> str:
    """The one place that decides how a bad row looks in the sheet."""
    return ERROR_PREFIX + reason


def _grid(value: Any) -> tuple[np.ndarray, str]:
    """Input -> (2-D object array, kind) where kind restores the output shape."""
    if isinstance(value, np.ndarray):
        return np.atleast_2d(value.astype(object)), f"ndarray{value.ndim}"
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(r, (list, tuple)) for r in value):
            arr = np.empty((len(value), max(len(r) for r in value)), dtype=object)
            for i, r in enumerate(value):
                arr[i, : len(r)] = list(r)
            return arr, "list2"
        arr = np.empty((1, len(value)), dtype=object)
        arr[0, :] = list(value)
        return arr, "list1"
    arr = np.empty((1, 1), dtype=object)
    arr[0, 0] = value
    return arr, "scalar"


def _broadcast(*values: Any) -> tuple[list[np.ndarray], tuple[int, int], str]:
    grids = [_grid(v) for v in values]
    shapes = {g.shape for g, _ in grids if g.shape != (1, 1)}
    if len(shapes) > 1:
        raise ValueError("ranges must have the same shape or be single cells: "
                         + ", ".join(f"{r}x{c}" for r, c in sorted(shapes)))
    shape = shapes.pop() if shapes else (1, 1)
    kind = next((k for g, k in grids if g.shape == shape), grids[0][1])
    return [np.broadcast_to(g, shape).ravel() for g, _ in grids], shape, kind


def _shape_like(flat: np.ndarray, shape: tuple[int, int], kind: str) -> Any:
    grid = flat.reshape(shape)
    if kind == "scalar":
        return grid[0, 0]
    if kind == "list1":
        return grid[0].tolist()
    if kind == "list2":
        return grid.tolist()
    return grid if kind == "ndarray2" else grid.reshape(-1) if kind == "ndarray1" else grid[0, 0]


def _with_errors(values: pd.Series, errors: pd.Series) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values.tolist()  # Python floats/str: what xlwings writes most simply
    bad = np.flatnonzero(errors.notna().to_numpy())
    out[bad] = [error_value(e) for e in errors.to_numpy()[bad]]
    return out


def _rules(rules: Any) -> Rules:
    if rules is None:
        return Rules.default()
    grid, _ = _grid(rules)
    return rules_from_rows(grid.tolist())


# -------------------------------------------------------------------- UDFs


@_udf
def PERF_SCORE(profit_actual, profit_target, tasks_done, tasks_target, rating, rules=None):
    cols, shape, kind = _broadcast(profit_actual, profit_target, tasks_done, tasks_target, rating)
    names = ("profit_actual", "profit_target", "tasks_done", "tasks_target", "rating")
    result = scoring.score_table(dict(zip(names, cols)), _rules(rules))
    return _shape_like(_with_errors(result["score"], result["error"]), shape, kind)


def _item(actual: Any, target: Any, which: str, rules: Any) -> Any:
    cols, shape, kind = _broadcast(actual, target)
    result = scoring.item_table(cols[0], cols[1], which, _rules(rules))
    return _shape_like(_with_errors(result["points"], result["error"]), shape, kind)


@_udf
def PERF_PROFIT_POINTS(actual, target, rules=None):
    return _item(actual, target, "profit", rules)


@_udf
def PERF_TASK_POINTS(done, target, rules=None):
    return _item(done, target, "tasks", rules)


_NO_BASE = object()  # PERF_GRADE / PERF_MULTIPLIER: no base bonus at all (None is a blank cell)


def _graded(column: str, score: Any, rules: Any, base: Any = _NO_BASE) -> Any:
    with_base = base is not _NO_BASE
    cols, shape, kind = _broadcast(score, *([base] if with_base else []))
    result = scoring.grade_table(cols[0], _rules(rules), cols[1] if with_base else None)
    return _shape_like(_with_errors(result[column], result["error"]), shape, kind)


@_udf
def PERF_GRADE(score, rules=None):
    return _graded("label_zh", score, rules)


@_udf
def PERF_MULTIPLIER(score, rules=None):
    return _graded("multiplier", score, rules)


@_udf
def PERF_BONUS(base_bonus, score, rules=None):
    return _graded("bonus", score, rules, base=base_bonus)
