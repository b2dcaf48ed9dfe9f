"""The scoring engine: one vectorized pass over a whole table of employees.

A single employee is a table of one, so the add-in's UDFs, the workbook
builder and the tests all go through the same code.  Every rounding step here
has a twin in ``excel_formulas.py``; the two must stay in step:

* attainment % = ``ROUND(ROUND(actual/target*100, 9), decimals)``
* item points  = ``ROUND(clamp(weight + slope*(attainment-100)), 9)``
* rating points = ``ROUND((rating-min)*weight/(max-min), 9)``
* score        = ``ROUND(profit + tasks + rating, 9)``
* grade        = band lookup on ``ROUND(score, 9)``
* bonus        = base × multiplier, half away from zero to cents

Rounding every intermediate to 9 decimals is deliberate: binary floating point
turns 20 + 0.1*3 into 20.300000000000001, and a score of
100.00000000000001 would otherwise fall into band A− instead of B.  Excel and
LibreOffice do the same IEEE arithmetic, so rounding at the same points in both
makes the grade independent of that noise (and of which program computed it).
The guarantee holds while values stay below about 10^6 (a float's error there
is ~1e-10, below the 9th decimal); scores of millions are not meaningful input.

Input errors never become zeros: a row with a blank, text, boolean,
non-positive target, out-of-range rating or negative base bonus gets NaN
numbers, no grade, a reason in ``error`` and the offending input in
``error_field``; every other row is still scored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Callable, Literal, Mapping, TypeAlias

import numpy as np
import pandas as pd

from .rules import Item, Rules

ScoreResult: TypeAlias = pd.DataFrame

INPUT_FIELDS = ("profit_actual", "profit_target", "tasks_done", "tasks_target", "rating", "base_bonus")
FIELD_TEXT = {
    "profit_actual": "profit actual",
    "profit_target": "profit target",
    "tasks_done": "tasks done",
    "tasks_target": "tasks target",
    "rating": "rating",
    "base_bonus": "base bonus",
    "score": "score",
}
ITEM_FIELDS = {"profit": ("profit_actual", "profit_target"), "tasks": ("tasks_done", "tasks_target")}

# Beyond this, |x| * 10**digits has too many digits for the float fast path
# of excel_round to be exact; such values take the Decimal path.
_FAST_ROUND_LIMIT = 1e14
_NUMERIC_INFERRED = {"floating", "integer", "mixed-integer-float", "decimal", "empty"}


# ------------------------------------------------------------------ rounding


def _decimal_round(value: float, digits: int) -> float:
    if not math.isfinite(value):
        return value
    with localcontext() as ctx:
        ctx.prec = 1000
        exact = Decimal(repr(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(exact) + 0.0


def excel_round(x: Any, digits: int) -> np.ndarray:
    """Excel's ROUND: half away from zero on the number as it is written.

    The reference is ``Decimal(repr(x)).quantize(10**-digits, ROUND_HALF_UP)``:
    1.005 rounds to 1.01 although its binary value is 1.00499999999999989…
    (naive ``floor(x*100 + 0.5)`` gives 1.00), and 2.5 rounds to 3 where
    ``np.round`` gives 2.  Method: with ``k = floor(|x|·10^d)`` the only
    boundary that matters is the decimal ``(k + ½)·10^-d``; ``(k + 0.5) / 10^d``
    is the double nearest to it (one correctly rounded division), and since a
    decimal of at most 15 significant digits maps to a unique double,
    ``|x| >= boundary`` decides exactly whether the written number reaches the
    half.  Values with more digits than that take the (rare) Decimal path.
    """
    if not 0 <= digits <= 15 or int(digits) != digits:
        raise ValueError(f"digits must be a whole number 0-15, found {digits}")
    x = np.asarray(x, dtype=np.float64)
    scale = 10.0 ** digits
    a = np.abs(x)
    with np.errstate(over="ignore", invalid="ignore"):
        y = a * scale
        k = np.floor(y)
        rounded = (k + (a >= (k + 0.5) / scale)) / scale
    out = np.copysign(rounded, x) + 0.0  # + 0.0 turns -0.0 into 0.0
    slow = ~(y < _FAST_ROUND_LIMIT) & ~np.isnan(x)
    if slow.any():
        out = np.array(out, dtype=np.float64, ndmin=1)
        flat_slow = np.flatnonzero(np.ravel(slow))
        flat_x = np.ravel(x)
        out.ravel()[flat_slow] = [_decimal_round(float(v), digits) for v in flat_x[flat_slow]]
        out = out.reshape(x.shape)
    return out


# ------------------------------------------------------------ input checking


def _fmt(value: Any) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _is_blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def _not_number_reason(name: str, value: Any) -> str:
    if _is_blank(value):
        return f"{name} is blank"
    if isinstance(value, (bool, np.bool_)):
        return f"{name} is {_fmt(value)}, not a number"
    if isinstance(value, str):
        return f"{name} is text {value!r}, not a number"
    if isinstance(value, (int, float, np.number)):
        return f"{name} must be a finite number, found {_fmt(value)}"
    return f"{name} is not a number: {value!r}"


def _is_number(value: Any) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.integer, np.floating, Decimal)):
        return math.isfinite(value)
    return False


def as_column(values: Any) -> np.ndarray:
    """Any scalar / sequence / Series / array -> 1-D array, never coercing text.

    ``np.asarray([1.0, "x"])`` would silently turn the number into text, so
    sequences are stored in an object array and classified later.
    """
    if isinstance(values, pd.Series):
        return values.to_numpy()
    if isinstance(values, np.ndarray):
        return values.ravel()
    if isinstance(values, (list, tuple)):
        arr = np.empty(len(values), dtype=object)
        arr[:] = list(values)
        return arr
    arr = np.empty(1, dtype=object)
    arr[0] = values
    return arr


@dataclass
class Checked:
    """One input column: its float values and, per row, why it is unusable."""

    field: str
    values: np.ndarray
    bad: np.ndarray
    reasons: np.ndarray | None  # object array, filled where ``bad``

    def flag(self, condition: np.ndarray, reason: Callable[[float], str]) -> None:
        """Mark rows (not already bad) where ``condition`` holds, with a reason."""
        new = condition & ~self.bad
        if not new.any():
            return
        if self.reasons is None:
            self.reasons = np.full(self.values.shape, None, dtype=object)
        idx = np.flatnonzero(new)
        self.reasons[idx] = [reason(v) for v in self.values[idx]]
        self.bad = self.bad | new


def _classify(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(float values with NaN where not a number, bad mask)."""
    kind = arr.dtype.kind
    if kind in "fiu":
        values = arr.astype(np.float64, copy=False)
        return values, ~np.isfinite(values)
    if kind == "O" and pd.api.types.infer_dtype(arr, skipna=True) in _NUMERIC_INFERRED:
        try:
            values = arr.astype(np.float64)
            return values, ~np.isfinite(values)
        except (TypeError, ValueError):
            pass
    if kind == "O":
        ok = np.fromiter((_is_number(v) for v in arr), dtype=bool, count=arr.size)
        values = np.full(arr.shape, np.nan)
        values[ok] = arr[ok].astype(np.float64)
        return values, ~ok
    return np.full(arr.shape, np.nan), np.ones(arr.shape, dtype=bool)


def check_numbers(values: Any, field: str) -> Checked:
    """Classify one input column; non-numbers get a reason naming the field."""
    arr = as_column(values)
    numbers, bad = _classify(arr)
    checked = Checked(field, np.where(bad, np.nan, numbers), np.zeros(arr.shape, dtype=bool), None)
    name = FIELD_TEXT.get(field, field)
    if bad.any():
        checked.reasons = np.full(arr.shape, None, dtype=object)
        idx = np.flatnonzero(bad)
        checked.reasons[idx] = [_not_number_reason(name, v) for v in arr[idx]]
        checked.bad = bad
    return checked


def _check_positive(c: Checked) -> Checked:
    name = FIELD_TEXT[c.field]
    c.flag(c.values <= 0, lambda v: f"{name} must be > 0, found {_fmt(v)}")
    return c


def _check_non_negative(c: Checked) -> Checked:
    name = FIELD_TEXT[c.field]
    c.flag(c.values < 0, lambda v: f"{name} must be >= 0, found {_fmt(v)}")
    return c


def _check_rating(c: Checked, rules: Rules) -> Checked:
    lo, hi = rules.rating.minimum, rules.rating.maximum
    c.flag((c.values < lo) | (c.values > hi),
           lambda v: f"rating must be between {_fmt(lo)} and {_fmt(hi)}, found {_fmt(v)}")
    return c


def _first_errors(checks: list[Checked], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the first failing check's reason and field, and an any-bad mask."""
    error = np.full(n, None, dtype=object)
    field = np.full(n, None, dtype=object)
    assigned = np.zeros(n, dtype=bool)
    for c in checks:
        if c.reasons is None:
            continue
        new = c.bad & ~assigned
        error[new] = c.reasons[new]
        field[new] = c.field
        assigned |= c.bad
    return error, field, assigned


def _broadcast(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    n = max(len(v) for v in columns.values())
    out = {}
    for key, v in columns.items():
        if len(v) not in (1, n):
            raise ValueError(f"column {key} has {len(v)} rows, expected {n} (or 1)")
        out[key] = np.repeat(v, n) if len(v) == 1 and n != 1 else v
    return out


# ------------------------------------------------------------- arithmetic


def _attainment_values(actual: np.ndarray, target: np.ndarray, decimals: int | None) -> np.ndarray:
    with np.errstate(all="ignore"):
        ratio = actual / target * 100
    if decimals is None:
        return ratio
    return excel_round(excel_round(ratio, 9), decimals)


def _points_values(att: np.ndarray, item: Item) -> np.ndarray:
    with np.errstate(all="ignore"):
        raw = item.weight + item.slope * (att - 100)
    if item.floor is not None:
        raw = np.maximum(item.floor, raw)
    if item.cap is not None:
        raw = np.minimum(item.cap, raw)
    return excel_round(raw, 9)


def _rating_values(rating: np.ndarray, rules: Rules) -> np.ndarray:
    r = rules.rating
    with np.errstate(all="ignore"):
        return excel_round((rating - r.minimum) * r.weight / (r.maximum - r.minimum), 9)


def attainment(actual: Any, target: Any, rules: Rules | None = None) -> np.ndarray:
    """Attainment % per row (NaN where the inputs are unusable)."""
    rules = rules or Rules.default()
    a = check_numbers(actual, "profit_actual")
    t = _check_positive(check_numbers(target, "profit_target"))
    a, t = _aligned(a, t)
    out = _attainment_values(a.values, t.values, rules.attainment_decimals)
    return np.where(a.bad | t.bad | ~np.isfinite(out), np.nan, out)


def item_points(attainment_pct: Any, item: Item) -> np.ndarray:
    """Item points from attainment %, clamped to floor/cap, rounded to 9 decimals."""
    att = check_numbers(attainment_pct, "attainment")
    return _points_values(att.values, item)


def _aligned(*checks: Checked) -> tuple[Checked, ...]:
    n = max(len(c.values) for c in checks)
    out = []
    for c in checks:
        if len(c.values) == n:
            out.append(c)
            continue
        if len(c.values) != 1:
            raise ValueError(f"{c.field} has {len(c.values)} rows, expected {n} (or 1)")
        reasons = None if c.reasons is None else np.repeat(c.reasons, n)
        out.append(Checked(c.field, np.repeat(c.values, n), np.repeat(c.bad, n), reasons))
    return tuple(out)


# ------------------------------------------------------------- grades, money


def band_index(score: Any, rules: Rules | None = None) -> np.ndarray:
    """Index into ``rules.bands`` per score, -1 where there is none (NaN).

    The score is rounded to 9 decimals first, exactly as the native formula
    does, so float noise such as 100.00000000000001 still counts as 100 (B).
    """
    rules = rules or Rules.default()
    s = excel_round(np.asarray(score, dtype=np.float64), 9)
    idx = np.full(s.shape, -1, dtype=np.intp)
    finite = np.isfinite(s)
    for i, b in enumerate(rules.bands):
        ok = finite & (idx < 0)
        if b.lower is not None:
            ok &= (s >= b.lower) if b.lower_inclusive else (s > b.lower)
        if b.upper is not None:
            ok &= (s <= b.upper) if b.upper_inclusive else (s < b.upper)
        idx[ok] = i
    return idx


def _pick(idx: np.ndarray, values: list[Any], missing: Any, dtype: Any) -> np.ndarray:
    table = np.array(values + [missing], dtype=dtype)
    return table[idx]  # idx -1 picks ``missing``


def grade(score: Any, rules: Rules | None = None, label: Literal["code", "zh", "en"] = "code") -> np.ndarray:
    """Grade code (or label) per score; None where there is no score."""
    rules = rules or Rules.default()
    attr = {"code": "code", "zh": "label_zh", "en": "label_en"}[label]
    idx = band_index(check_numbers(score, "score").values, rules)
    return _pick(idx, [getattr(b, attr) for b in rules.bands], None, object)


def multiplier(score: Any, rules: Rules | None = None) -> np.ndarray:
    """Bonus multiplier per score; NaN where there is no score."""
    rules = rules or Rules.default()
    idx = band_index(check_numbers(score, "score").values, rules)
    return _pick(idx, [b.multiplier for b in rules.bands], np.nan, np.float64)


def _bonus_cents(base: np.ndarray, mult: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact cents of base × multiplier, half away from zero; (cents, valid).

    Multipliers have at most 4 decimals (a rule), so when the base has at most
    4 decimals too the product is an exact int64 in units of 1e-8 and the cents
    are exact.  Other bases (sub-cent fractions, astronomic sums) use the same
    two-step rounding as the native formula, ROUND(ROUND(base*mult, 9), 2).
    """
    valid = np.isfinite(base) & np.isfinite(mult) & (base >= 0)
    b = np.where(valid, base, 0.0)
    m4 = np.rint(np.where(valid, mult, 0.0) * 1e4)
    with np.errstate(all="ignore"):
        b4 = np.rint(b * 1e4)
        exact = (excel_round(b, 4) == b) & (b4 * m4 < 9e18)
        units = np.where(exact, b4, 0).astype(np.int64) * m4.astype(np.int64)
    cents = (units + 500_000) // 1_000_000
    if not exact.all():
        slow = ~exact
        fallback = excel_round(excel_round(b[slow] * mult[slow], 9), 2)
        cents[slow] = np.rint(fallback * 100).astype(np.int64)
    return cents, valid


def bonus(base: Any, score: Any, rules: Rules | None = None) -> np.ndarray:
    """Bonus paid = base × multiplier, to the cent; NaN where inputs are unusable."""
    base_c = _check_non_negative(check_numbers(base, "base_bonus"))
    score_c = check_numbers(score, "score")
    base_c, score_c = _aligned(base_c, score_c)
    cents, valid = _bonus_cents(base_c.values, multiplier(score_c.values, rules))
    return np.where(valid & ~base_c.bad, cents / 100, np.nan)


def _grade_columns(score: np.ndarray, rules: Rules, base: np.ndarray | None) -> dict[str, Any]:
    idx = band_index(score, rules)
    bands = rules.bands
    out: dict[str, Any] = {
        "grade": _pick(idx, [b.code for b in bands], None, object),
        "label_zh": _pick(idx, [b.label_zh for b in bands], None, object),
        "label_en": _pick(idx, [b.label_en for b in bands], None, object),
        "multiplier": _pick(idx, [b.multiplier for b in bands], np.nan, np.float64),
    }
    if base is not None:
        cents, valid = _bonus_cents(base, out["multiplier"])
        out["bonus"] = np.where(valid, cents / 100, np.nan)
        out["bonus_cents"] = np.where(valid, cents, 0)  # masked by _finish
    return out


# ------------------------------------------------------------------ tables


def _finish(frame: dict[str, Any], error: np.ndarray, field: np.ndarray, bad: np.ndarray,
            index: Any = None) -> pd.DataFrame:
    """Blank out every number of a bad row, then attach the reasons."""
    if bad.any():
        for key, col in frame.items():
            if isinstance(col, np.ndarray) and col.dtype.kind == "f":
                frame[key] = np.where(bad, np.nan, col)
            elif isinstance(col, np.ndarray) and col.dtype == object:
                col = col.copy()
                col[bad] = None
                frame[key] = col
    if "bonus_cents" in frame:
        # Int64 with <NA>: cents must stay exact integers, NaN would force floats
        frame["bonus_cents"] = pd.arrays.IntegerArray(frame["bonus_cents"], np.isnan(frame["bonus"]))
    frame["error"] = error
    frame["error_field"] = field
    index = pd.RangeIndex(len(error)) if index is None else index
    for key, col in frame.items():
        if isinstance(col, np.ndarray) and col.dtype == object:
            # explicit object dtype: pandas 3 would infer ``str`` and turn None into NaN
            frame[key] = pd.Series(col, index=index, dtype=object, copy=False)
    return pd.DataFrame(frame, index=index, copy=False)


def _overflow_check(field: str, values: np.ndarray, what: str) -> Checked:
    c = Checked(field, values, np.zeros(values.shape, dtype=bool), None)
    c.flag(~np.isfinite(values), lambda v: f"{what} is too large to compute")
    return c


def item_table(actual: Any, target: Any, which: Literal["profit", "tasks"] = "profit",
               rules: Rules | None = None) -> pd.DataFrame:
    """attainment, points, error, error_field for one item (profit or tasks)."""
    rules = rules or Rules.default()
    fa, ft = ITEM_FIELDS[which]
    a, t = _aligned(check_numbers(actual, fa), _check_positive(check_numbers(target, ft)))
    att = _attainment_values(a.values, t.values, rules.attainment_decimals)
    pts = _points_values(att, getattr(rules, which))
    over = _overflow_check(fa, pts, f"{which} points")
    error, field, bad = _first_errors([a, t, over], len(att))
    return _finish({"attainment": att, "points": pts}, error, field, bad)


def grade_table(score: Any, rules: Rules | None = None, base_bonus: Any = None) -> pd.DataFrame:
    """grade, labels, multiplier (and bonus) for given scores, with reasons."""
    rules = rules or Rules.default()
    checks = [check_numbers(score, "score")]
    if base_bonus is not None:
        checks.append(_check_non_negative(check_numbers(base_bonus, "base_bonus")))
    checks = list(_aligned(*checks))
    s = checks[0].values
    base = checks[1].values if base_bonus is not None else None
    error, field, bad = _first_errors(checks, len(s))
    return _finish(_grade_columns(s, rules, base), error, field, bad)


def _input_columns(data: Mapping[str, Any] | pd.DataFrame) -> tuple[dict[str, np.ndarray], Any]:
    index = data.index if isinstance(data, pd.DataFrame) else None
    missing = [f for f in INPUT_FIELDS[:5] if f not in data]
    if missing:
        raise KeyError(f"score_table needs the columns {', '.join(missing)}")
    cols = {f: as_column(data[f]) for f in INPUT_FIELDS if f in data}
    return _broadcast(cols), index


def score_table(data: Mapping[str, Any] | pd.DataFrame, rules: Rules | None = None) -> ScoreResult:
    """Score every row of ``data`` (a DataFrame or mapping of columns).

    Required columns: profit_actual, profit_target, tasks_done, tasks_target,
    rating; optional base_bonus (adds bonus and bonus_cents).  Scalars are
    broadcast.  Returns one row per input row, same index.
    """
    rules = rules or Rules.default()
    cols, index = _input_columns(data)
    pa = check_numbers(cols["profit_actual"], "profit_actual")
    pt = _check_positive(check_numbers(cols["profit_target"], "profit_target"))
    td = check_numbers(cols["tasks_done"], "tasks_done")
    tt = _check_positive(check_numbers(cols["tasks_target"], "tasks_target"))
    rt = _check_rating(check_numbers(cols["rating"], "rating"), rules)
    checks = [pa, pt, td, tt, rt]
    base = None
    if "base_bonus" in cols:
        checks.append(_check_non_negative(check_numbers(cols["base_bonus"], "base_bonus")))
        base = checks[-1].values

    p_att = _attainment_values(pa.values, pt.values, rules.attainment_decimals)
    p_pts = _points_values(p_att, rules.profit)
    t_att = _attainment_values(td.values, tt.values, rules.attainment_decimals)
    t_pts = _points_values(t_att, rules.tasks)
    r_pts = _rating_values(rt.values, rules)
    with np.errstate(all="ignore"):
        score = excel_round(p_pts + t_pts + r_pts, 9)
    checks += [_overflow_check("profit_actual", p_pts, "profit points"),
               _overflow_check("tasks_done", t_pts, "task points"),
               _overflow_check("profit_actual", score, "score")]
    error, field, bad = _first_errors(checks, len(score))
    frame: dict[str, Any] = {
        "profit_attainment": p_att, "profit_points": p_pts,
        "task_attainment": t_att, "task_points": t_pts,
        "rating": r_pts, "score": score,
    }
    frame.update(_grade_columns(np.where(bad, np.nan, score), rules, base))
    return _finish(frame, error, field, bad, index)
