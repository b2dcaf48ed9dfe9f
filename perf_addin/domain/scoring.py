"""The scoring engine: one vectorized pass over a whole table of employees.

A single employee is a table of one, so the add-in's UDFs, the workbook
builder and the tests all go through the same code.  Every rounding step here
has a twin in ``formulas.py``; the two must stay in step:

* attainment % = ``ROUND(ROUND(actual/target*100, 9), decimals)``
* item points  = ``ROUND(clamp(weight + slope*(attainment-100)), 9)``
* rating points = ``ROUND((rating-min)*weight/(max-min), 9)``
* score        = ``ROUND(profit + tasks + rating, 9)``
* grade        = band lookup on ``ROUND(score, 9)``
* bonus        = ``ROUND(ROUND(base*multiplier, 9), 2)`` as exact integer cents

Each ROUND is the spreadsheet's ROUND as LibreOffice computes it, grace
included (``excel_round``), and ``+``/``-`` are its too (``sheet_add``), so
the cached values are what the formulas recalculate to; docs/rules.md states
every decision (the 15-digit grace, ratios beyond 10^300, cents beyond 2^52).
Rounding every intermediate to 9 decimals absorbs binary noise: 20 + 0.1*3 is
20.300000000000001, and a score of 100.00000000000001 would otherwise fall
into band A− instead of B.

Input errors never become zeros: a row with a blank, text, boolean,
non-positive target or out-of-range rating gets NaN numbers, no grade, a
reason in ``error`` and the offending input in ``error_field``; every other
row is still scored.  An unusable base bonus blanks only the bonus.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from functools import lru_cache
from typing import Any, Callable, Iterable, Literal, Mapping, TypeAlias

import numpy as np
import pandas as pd

from perf_addin.domain.rules import Item, Rules
from perf_addin.errors import UserError
from perf_addin.labels import FIELD_LABELS, header_aliases, is_chinese, label, normalise

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

# Points (and ratios) beyond this magnitude count as "too large": a double
# cannot hold them with room to spare, and LibreOffice (double) and Gnumeric
# (80-bit long double) would overflow at different places.
TOO_LARGE = 1e300
_NUMERIC_INFERRED = {"floating", "integer", "mixed-integer-float", "decimal", "empty"}


# ------------------------------------------------------------------ rounding
#
# The spreadsheet is the reference: the engine computes what LibreOffice
# computes for ROUND(x, d), bit for bit (sal/rtl math: rtl_math_round with
# rtl_math_RoundingMode_Corrected, LibreOffice 7.4):
#
# * d = 0: half away from zero on the binary value (C's round()), so
#   ROUND(201/200*100, 0) is 100: the quotient is 100.49999999999999.
# * d > 0: x unchanged when |x| >= 2^52 or x is a whole number; otherwise
#   d is capped at the decimals the binary exponent can hold, v = |x|*10^d,
#   and, when v < 2^52, v = floor(approx(v + 0.5)) where approx() rounds to
#   15 significant digits any value below 2^41 with more than 11 fraction
#   bits (a "grace" that absorbs binary noise); then v / 10^d, signed.
#
# ``+`` and ``-`` are LibreOffice's too: a sum of two nearly opposite values
# (equal within 2^-48 relative) is exactly 0.

_TWO52 = float(2 ** 52)
_TWO41 = 2199023255552.0
_E48 = 1.0 / (16777216.0 * 16777216.0)
_E44 = _E48 * 16.0


_POW10 = np.array([10.0 ** k for k in range(17)])  # exact literals 1e0 .. 1e16


def _pow10(n: np.ndarray) -> np.ndarray:
    """10^n for n >= 0 as LibreOffice's table has it (exact up to 1e16)."""
    n = np.asarray(n)
    out = _POW10[np.clip(n, 0, 16)]
    far = n > 16
    if far.any():
        out[far] = np.power(10.0, n[far].astype(np.float64))
    return out


def _is_whole(a: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (a < 2.0 ** 53) & (np.floor(a) == a)


def _approx_value(y: np.ndarray) -> np.ndarray:
    """LibreOffice's approxValue for y > 0: 15 significant digits below 2^41."""
    out = y.copy()
    with np.errstate(invalid="ignore"):
        scaled_bits = y * 2048.0  # exact: a power of two, and y <= 2^41
        # at most 11 binary digits after the point (whole numbers included): left alone
        todo = (y > 0) & (y <= _TWO41) & (np.floor(scaled_bits) != scaled_bits)
    if not todo.any():
        return out
    idx = np.flatnonzero(todo)
    v = y[idx]
    e = 14 - np.floor(np.log10(v)).astype(np.int64)
    f = _pow10(np.abs(e))
    scaled = np.where(e < 0, v / f, v * f)
    r = _round_half_away(scaled)
    back = np.where(e < 0, r * f, r / f)
    out[idx] = np.where(np.isfinite(back) & np.isfinite(scaled), back, v)
    return out


def _round_half_away(x: np.ndarray) -> np.ndarray:
    """C's round(): half away from zero, exact on the binary value."""
    t = np.trunc(x)
    with np.errstate(invalid="ignore"):
        return t + np.where(np.abs(x - t) >= 0.5, np.sign(x), 0.0)


def excel_round(x: Any, digits: int) -> np.ndarray:
    """The spreadsheet's ROUND(x, digits), as LibreOffice computes it (see above).

    Not the exact decimal rounding of the binary value: ROUND(2.675, 2) is
    2.68 although the double is 2.67499999999999982236431605997495353221893310546875,
    and 100.49999999949999 (= 1004999999995/1e12*100 in binary) rounds to
    100.5 at 9 decimals, because the 15-significant-digit grace sees the half.
    """
    if not 0 <= digits <= 15 or int(digits) != digits:
        raise ValueError(f"digits must be a whole number 0-15, found {digits}")
    x = np.asarray(x, dtype=np.float64)
    if digits == 0:
        return _round_half_away(x) + 0.0
    shape, x = x.shape, x.ravel()
    a = np.abs(x)
    with np.errstate(all="ignore"):
        passthrough = ~np.isfinite(a) | (a == 0) | (a >= _TWO52) | _is_whole(a)
        _, exp2 = np.frexp(a)
        capped = ~passthrough & (53 - exp2 < digits)  # fewer decimals than asked fit the exponent
        f = _POW10[digits] if not capped.any() else _pow10(np.where(capped, np.maximum(53 - exp2, 1), digits))
        v = a * f
        small = v < _TWO52
        v = np.where(small & ~passthrough, np.floor(_approx_value(np.where(passthrough, 1.0, v + 0.5))), v)
        out = v / f
        out = np.where(passthrough | ~np.isfinite(out), a, out)
    return (np.copysign(out, x) + 0.0).reshape(shape)  # + 0.0 turns -0.0 into 0.0


def _approx_equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        d = np.abs(a - b)
        aa, ab = np.abs(a), np.abs(b)
        close = np.isfinite(d) & (d <= aa * _E44) & (d <= ab * _E44) & (d < aa * _E48) & (d < ab * _E48)
        whole = _is_whole(d) & _is_whole(aa) & _is_whole(ab)
        return (a == b) | (close & (a != 0) & (b != 0) & ~whole)


def sheet_add(a: Any, b: Any) -> np.ndarray:
    """a + b as the spreadsheet adds: nearly opposite values give exactly 0."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    with np.errstate(all="ignore"):
        opposite = ((a < 0) & (b > 0)) | ((a > 0) & (b < 0))
        return np.where(opposite & _approx_equal(a, -b), 0.0, a + b)


def sheet_sub(a: Any, b: Any) -> np.ndarray:
    """a − b as the spreadsheet subtracts: nearly equal values give exactly 0."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    with np.errstate(all="ignore"):
        same = ((a < 0) & (b < 0)) | ((a > 0) & (b > 0))
        return np.where(same & _approx_equal(a, b), 0.0, a - b)


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


def _check_base(c: Checked) -> Checked:
    """A base bonus is >= 0 and small enough that base × multiplier is a number."""
    _check_non_negative(c)
    c.flag(c.values > TOO_LARGE, lambda v: f"base bonus is too large to compute, found {_fmt(v)}")
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


def _ratio_values(actual: np.ndarray, target: np.ndarray) -> np.ndarray:
    """actual / target × 100 in double; beyond ``TOO_LARGE`` it is ±inf (signed
    like the actual, the target being > 0), which the floor or cap may still clamp."""
    with np.errstate(all="ignore"):
        ratio = actual / target * 100
        return np.where(np.abs(ratio) > TOO_LARGE, np.copysign(np.inf, ratio), ratio)


def _attainment_values(actual: np.ndarray, target: np.ndarray, decimals: int | None) -> np.ndarray:
    ratio = _ratio_values(actual, target)
    if decimals is None:
        return ratio
    return excel_round(excel_round(ratio, 9), decimals)


def _points_values(att: np.ndarray, item: Item) -> np.ndarray:
    """ROUND(clamp(weight + slope × (att − 100)), 9); ±inf where it exceeds
    ``TOO_LARGE`` and no floor or cap catches it.  A slope of 0 gives the
    weight whatever the attainment (0 × an infinite ratio is 0, not NaN)."""
    with np.errstate(all="ignore"):
        step = np.where(item.slope == 0, 0.0, item.slope * sheet_sub(att, 100.0))
        raw = sheet_add(item.weight, step)
        raw = np.where(np.abs(raw) > TOO_LARGE, np.copysign(np.inf, raw), raw)
    if item.floor is not None:
        raw = np.maximum(item.floor, raw)
    if item.cap is not None:
        raw = np.minimum(item.cap, raw)
    return excel_round(raw, 9)


def _rating_values(rating: np.ndarray, rules: Rules) -> np.ndarray:
    r = rules.rating
    with np.errstate(all="ignore"):
        return excel_round(sheet_sub(rating, r.minimum) * r.weight / sheet_sub(r.maximum, r.minimum), 9)


def _score_values(profit: np.ndarray, tasks: np.ndarray, rating: np.ndarray) -> np.ndarray:
    """ROUND(profit + tasks + rating, 9), added left to right as the formula does."""
    with np.errstate(all="ignore"):
        return excel_round(sheet_add(sheet_add(profit, tasks), rating), 9)


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


# Below this (2^52 cents) the native formula rounds to whole cents and its
# double holds every cent; above it the formula leaves the product as it is.
_CENTS_EXACT_BELOW = 2.0 ** 52 / 100


def bonus_cents(base: np.ndarray, mult: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact whole cents of base × multiplier; (cents, valid).

    The cents are what the native formula ROUND(ROUND(base*mult, 9), 2) gives
    (``excel_round``, i.e. LibreOffice's ROUND), as integers.  From 2^52 cents
    (about 4.5 × 10^13) up the formula no longer rounds to cents (a double
    cannot hold them), so there the cents are the exact
    decimal product of the numbers as written (``repr``), half away from zero,
    in Python integers: a base of 1e17 is paid 1.1e19 cents, never an int64
    overflow.  ``cents`` is int64 while every value fits, else an object array
    of Python ints.
    """
    valid = np.isfinite(base) & np.isfinite(mult) & (base >= 0)
    b = np.where(valid, base, 0.0)
    m = np.where(valid, mult, 0.0)
    with np.errstate(all="ignore"):
        rounded = excel_round(excel_round(b * m, 9), 2)
    small = np.abs(rounded) < _CENTS_EXACT_BELOW
    if small.all():
        return np.rint(rounded * 100).astype(np.int64), valid
    cents = np.empty(b.shape, dtype=object)
    cents[small] = [int(v) for v in np.rint(rounded[small] * 100)]
    big = np.flatnonzero(~small)
    cents[big] = [_exact_cents(float(b[i]), float(m[i])) for i in big]
    return cents, valid


def _exact_cents(base: float, mult: float) -> int:
    with localcontext() as ctx:
        ctx.prec = 800
        product = Decimal(repr(base)) * Decimal(repr(mult)) * 100
        return int(product.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def cents_to_amount(cents: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Cents -> the nearest double of the amount (NaN where not valid)."""
    cents = np.asarray(cents)
    if cents.dtype != object and (np.abs(cents) < 2 ** 53).all():
        return np.where(valid, cents / 100, np.nan)  # int64 -> double is exact here
    out = np.full(len(cents), np.nan)
    idx = np.flatnonzero(valid)
    out[idx] = [int(c) / 100 for c in cents[idx]]  # int / int: correctly rounded
    return out


def bonus(base: Any, score: Any, rules: Rules | None = None) -> np.ndarray:
    """Bonus paid = base × multiplier, to the cent; NaN where inputs are unusable."""
    base_c = _check_base(check_numbers(base, "base_bonus"))
    score_c = check_numbers(score, "score")
    base_c, score_c = _aligned(base_c, score_c)
    cents, valid = bonus_cents(base_c.values, multiplier(score_c.values, rules))
    return cents_to_amount(cents, valid & ~base_c.bad)


UNKNOWN_GRADE = -2  # ``calibrated_index`` of a calibrated grade that is no band


def _grade_key(value: Any) -> str:
    """A grade as a spreadsheet compares ``TRIM(cell)=label``: spaces trimmed and
    collapsed, case ignored; a whole number as its digits."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(part for part in str(value).split(" ") if part).casefold()


def calibrated_index(values: Any, rules: Rules | None = None) -> np.ndarray:
    """Band index of each calibrated grade (its code, Chinese or English label), -1 for a
    blank, ``UNKNOWN_GRADE`` for anything else.

    The first band (best first) whose code or a label matches wins: that is the order
    of the native formula's IF chain (``formulas.calibrated_lookup_expr``), so the
    engine and a spreadsheet always pick the same band."""
    rules = rules or Rules.default()
    names: dict[str, int] = {}
    for i, b in enumerate(rules.bands):
        for name in (b.code, b.label_zh, b.label_en):
            names.setdefault(_grade_key(name), i)
    arr = np.asarray(values, dtype=object).reshape(-1)
    out = np.full(arr.shape, -1, dtype=np.intp)
    for value in pd.unique(arr[pd.notna(arr)]):
        key = _grade_key(value)
        if key:
            out[arr == value] = names.get(key, UNKNOWN_GRADE)
    return out


def _calibrated(idx: np.ndarray, cal: np.ndarray | None, scored: np.ndarray) -> np.ndarray:
    """The score's band, unless a calibrated grade is set for a scored row: then its
    band (none at all for an unknown grade, which is an input error)."""
    if cal is None:
        return idx
    idx = np.where(scored & (cal >= 0), cal, idx)
    return np.where(scored & (cal == UNKNOWN_GRADE), -1, idx)


def _grade_columns(score: np.ndarray, rules: Rules, base: Checked | None,
                   calibrated: np.ndarray | None = None) -> dict[str, Any]:
    own = band_index(score, rules)
    idx = _calibrated(own, calibrated, np.isfinite(score))
    bands = rules.bands
    out: dict[str, Any] = {
        "grade": _pick(idx, [b.code for b in bands], None, object),
        "label_zh": _pick(idx, [b.label_zh for b in bands], None, object),
        "label_en": _pick(idx, [b.label_en for b in bands], None, object),
        "multiplier": _pick(idx, [b.multiplier for b in bands], np.nan, np.float64),
    }
    if base is not None:
        cents, valid = bonus_cents(base.values, out["multiplier"])
        valid &= ~base.bad
        out["bonus"] = cents_to_amount(cents, valid)
        paid = np.full(len(valid), None, dtype=object)
        paid[valid] = cents[valid].astype(object)  # Python ints
        out["bonus_cents"] = paid  # Python ints: exact at any size
    if calibrated is not None:  # the score's own grade, for the calibration's audit
        out["score_grade"] = _pick(own, [b.code for b in bands], None, object)
    return out


# ------------------------------------------------------------------ tables


def _finish(frame: dict[str, Any], error: np.ndarray, field: np.ndarray, bad: np.ndarray,
            index: Any = None) -> pd.DataFrame:
    """Blank out every number of a row whose score is unusable, then attach the
    reasons.  The bonus columns are already blank where the base bonus (or the
    score) is unusable; a bad base bonus alone leaves score, grade and
    multiplier standing, as the native formulas do."""
    if bad.any():
        for key, col in frame.items():
            if isinstance(col, np.ndarray) and col.dtype.kind == "f":
                frame[key] = np.where(bad, np.nan, col)
            elif isinstance(col, np.ndarray) and col.dtype == object:
                col = col.copy()
                col[bad] = None
                frame[key] = col
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


def _shown(att: np.ndarray) -> np.ndarray:
    """An attainment beyond what a double holds is not shown (the points may
    still be the floor or cap)."""
    return np.where(np.isfinite(att), att, np.nan)


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
    return _finish({"attainment": _shown(att), "points": pts}, error, field, bad)


def _with_base_error(error: np.ndarray, field: np.ndarray, bad: np.ndarray,
                     base: Checked | None) -> None:
    """Rows whose only problem is the base bonus get its reason (in place)."""
    if base is None or base.reasons is None:
        return
    only = base.bad & ~bad
    error[only] = base.reasons[only]
    field[only] = base.field


def grade_table(score: Any, rules: Rules | None = None, base_bonus: Any = None,
                calibrated: Any = None) -> pd.DataFrame:
    """grade, labels, multiplier (and bonus) for given scores, with reasons.

    ``base_bonus=None`` means "no bonus wanted"; to ask for the bonus of a
    blank base, pass a column holding None (``[None]``). ``calibrated``: the
    grades set in a calibration meeting, which win over the score's."""
    rules = rules or Rules.default()
    score_c = check_numbers(score, "score")
    base = None
    if base_bonus is not None:
        score_c, base = _aligned(score_c, _check_base(check_numbers(base_bonus, "base_bonus")))
    error, field, bad = _first_errors([score_c], len(score_c.values))
    _with_base_error(error, field, bad, base)
    cal = None if calibrated is None else calibrated_index(calibrated, rules)
    if cal is not None and cal.shape != score_c.values.shape:
        cal = np.broadcast_to(cal, score_c.values.shape)
    values = np.where(bad, np.nan, score_c.values)
    _with_calibration_error(error, field, bad, cal, values)
    return _finish(_grade_columns(values, rules, base, cal), error, field, bad)


def _with_calibration_error(error: np.ndarray, field: np.ndarray, bad: np.ndarray, cal: np.ndarray | None,
                            score: np.ndarray) -> None:
    """Scored rows whose calibrated grade is no grade get that reason (in place)."""
    if cal is None:
        return
    unknown = (cal == UNKNOWN_GRADE) & np.isfinite(score) & ~bad & pd.isna(error)
    error[unknown] = "calibrated grade is not a grade"
    field[unknown] = "calibrated_grade"


class ColumnsError(UserError, KeyError):
    """The columns given to ``score_table`` do not name each input exactly once.

    A ``KeyError`` too, as a missing column always was; but shown as the plain
    one-line message (``KeyError`` alone would print it in quotes)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


_MISSING_COLUMNS = {"zh": "表格缺少必需的列：{names}（列标题可用中文、英文或字段名，如 {example}）",
                    "en": "the table lacks the required column(s) {names} (headers may be Chinese, English "
                          "or the field names, e.g. {example})"}
_TWICE = {"zh": "有两列都是{name}：{columns}；请删除或重命名其中一列",
          "en": "two columns both stand for {name}: {columns}; drop or rename one"}


@lru_cache(maxsize=1)
def _header_fields() -> dict[str, str]:
    """Every accepted header (the field key, its zh and en labels, other spellings) -> field."""
    return {normalise(alias): f for f in INPUT_FIELDS for alias in (f, *header_aliases(f))}


def input_column_names(columns: Iterable[Any]) -> dict[str, Any]:
    """field -> the column that holds it, for columns headed by field key, Chinese or
    English label (``平时表现``, ``Rating``, ``rating``); other columns are ignored.

    Raises ``ColumnsError`` naming every required input that is missing, or the two
    columns that claim one input, in the headers' language."""
    found: dict[str, list[Any]] = {}
    texts = [c for c in columns if isinstance(c, str)]
    for column in texts:
        field = _header_fields().get(normalise(column))
        if field is not None:
            found.setdefault(field, []).append(column)
    lang = "zh" if any(is_chinese(t) for t in texts) else "en"
    for field, hits in found.items():
        if len(hits) > 1:
            raise ColumnsError(_TWICE[lang].format(name=label(field, lang), columns=", ".join(map(repr, hits))))
    missing = [f for f in INPUT_FIELDS[:5] if f not in found]
    if missing:
        names = ("、" if lang == "zh" else ", ").join(label(f, lang) for f in missing)
        example = " / ".join((*FIELD_LABELS[missing[0]], missing[0]))
        raise ColumnsError(_MISSING_COLUMNS[lang].format(names=names, example=example))
    return {f: hits[0] for f, hits in found.items()}


def _input_columns(data: Mapping[str, Any] | pd.DataFrame) -> tuple[dict[str, np.ndarray], Any]:
    index = data.index if isinstance(data, pd.DataFrame) else None
    names = input_column_names(data.columns if isinstance(data, pd.DataFrame) else data.keys())
    cols = {f: as_column(data[column]) for f, column in names.items()}
    return _broadcast(cols), index


def score_table(data: Mapping[str, Any] | pd.DataFrame, rules: Rules | None = None) -> ScoreResult:
    """Score every row of ``data`` (a DataFrame or mapping of columns).

    Required columns: profit_actual, profit_target, tasks_done, tasks_target,
    rating; optional base_bonus (adds bonus and bonus_cents).  A column may be
    headed by the field key or by the workbook's own header in either language
    (实际盈利 / Profit actual, ``input_column_names``); other columns are ignored,
    and a missing input is a ``ColumnsError`` naming it.  Scalars are
    broadcast.  Returns one row per input row, same index.  A row with an
    unusable base bonus but good scoring inputs keeps its score, grade and
    multiplier; only its bonus is blank (and ``error`` says why).
    """
    rules = rules or Rules.default()
    cols, index = _input_columns(data)
    pa = check_numbers(cols["profit_actual"], "profit_actual")
    pt = _check_positive(check_numbers(cols["profit_target"], "profit_target"))
    td = check_numbers(cols["tasks_done"], "tasks_done")
    tt = _check_positive(check_numbers(cols["tasks_target"], "tasks_target"))
    rt = _check_rating(check_numbers(cols["rating"], "rating"), rules)
    base = None
    if "base_bonus" in cols:
        base = _check_base(check_numbers(cols["base_bonus"], "base_bonus"))

    p_att = _attainment_values(pa.values, pt.values, rules.attainment_decimals)
    p_pts = _points_values(p_att, rules.profit)
    t_att = _attainment_values(td.values, tt.values, rules.attainment_decimals)
    t_pts = _points_values(t_att, rules.tasks)
    r_pts = _rating_values(rt.values, rules)
    score = _score_values(p_pts, t_pts, r_pts)
    checks = [pa, pt, td, tt, rt,
              _overflow_check("profit_actual", p_pts, "profit points"),
              _overflow_check("tasks_done", t_pts, "task points"),
              _overflow_check("profit_actual", score, "score")]
    error, field, bad = _first_errors(checks, len(score))
    _with_base_error(error, field, bad, base)
    cal = _calibrated_column(data, len(score), rules)
    _with_calibration_error(error, field, bad, cal, np.where(bad, np.nan, score))
    frame: dict[str, Any] = {
        "profit_attainment": _shown(p_att), "profit_points": p_pts,
        "task_attainment": _shown(t_att), "task_points": t_pts,
        "rating": r_pts, "score": score,
    }
    frame.update(_grade_columns(np.where(bad, np.nan, score), rules, base, cal))
    return _finish(frame, error, field, bad, index)


def _calibrated_column(data: Mapping[str, Any] | pd.DataFrame, n: int, rules: Rules) -> np.ndarray | None:
    """``calibrated_index`` of the column headed 校准等级 / Calibrated grade /
    calibrated_grade, or None when there is none (the score's grade stands)."""
    keys = {normalise(a) for a in ("calibrated_grade", *header_aliases("calibrated_grade"))}
    columns = data.columns if isinstance(data, pd.DataFrame) else data.keys()
    hit = next((c for c in columns if isinstance(c, str) and normalise(c) in keys), None)
    if hit is None:
        return None
    values = np.asarray(data[hit], dtype=object).reshape(-1)
    return calibrated_index(np.broadcast_to(values, (n,)) if values.size == 1 else values, rules)
