"""Native Excel formulas for the scoring rules, as text.

A workbook that is emailed must recompute without the add-in (a ``PERF_*``
call becomes ``#NAME?`` where the add-in is missing), so the score columns are
written as plain formulas that read the rules sheet.  Each builder here is the
twin of a step in ``scoring.py`` and rounds at exactly the same points.

Decisions:

* Every builder returns the formula **with** a leading ``=`` (what openpyxl
  needs to recognise a formula, and what XlsxWriter accepts).
* Invalid input yields ``NA()`` – the real ``#N/A`` error, not text: it is
  visible, propagates through arithmetic, makes a ``SUM`` of the column loud
  instead of silently smaller, and ``ISNA``/``IFERROR`` can find it.  The
  reason is reported by the add-in (``scoring.score_table``'s ``error``).
* A number is ``AND(ISNUMBER(x), NOT(ISLOGICAL(x)))``: LibreOffice counts a
  boolean cell as a number, Excel does not; the engine treats both as errors.
* Rules are absolute references into the rules sheet (``'规则'!$B$3``), the
  sheet name always quoted.  The band lookup is a chain of ``IF``s over the
  band rows, so the number of bands is fixed when the formula is written;
  bound values, inclusive flags, labels and multipliers are read live.
* Only functions that exist in Excel 2010, LibreOffice 7.4 and Gnumeric: IF,
  AND, OR, NOT, ISNUMBER, ISLOGICAL, ROUND, MAX, MIN, ABS, NA, TRIM.
* A grade set in the calibration meeting (the 校准等级 cell, ``calibrated``)
  wins over the score's: grade, multiplier and bonus read it first. It is
  matched as ``TRIM(cell)`` against each band's code and both labels, best
  band first – the order ``scoring.calibrated_index`` uses – and a text that is
  no grade gives ``NA()``. The score must still be a number: a row with an
  input error is not paid on a calibrated grade.
* Rounding is the spreadsheet's own ROUND; the engine reproduces what
  LibreOffice computes for it (``scoring.excel_round``; docs/rules.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from perf_addin.domain.rules import RULES_SHEET, Rules, rule_cell
from perf_addin.domain.scoring import TOO_LARGE
from perf_addin.xlsx.refs import quote_sheet

ERROR_MARKER = "NA()"
FUNCTIONS_USED = frozenset({"IF", "AND", "OR", "NOT", "ISNUMBER", "ISLOGICAL", "ROUND", "MAX", "MIN", "NA",
                            "ABS", "TRIM"})
LIMIT = f"{TOO_LARGE:.0E}"  # "1E+300", as a formula literal


@dataclass(frozen=True)
class RowRefs:
    """A1 references of one employee's input cells (same sheet or qualified)."""

    profit_actual: str
    profit_target: str
    tasks_done: str
    tasks_target: str
    rating: str
    base_bonus: str | None = None


def rule_ref(key: str, band: int | None = None, sheet: str = RULES_SHEET) -> str:
    """Sheet-qualified absolute reference of a rules value, e.g. ``'规则'!$B$3``."""
    return f"{quote_sheet(sheet)}!{rule_cell(key, band)}"


def _not_numbers(*refs: str) -> list[str]:
    return [p for r in refs for p in (f"NOT(ISNUMBER({r}))", f"ISLOGICAL({r})")]


def _guard(conditions: list[str], body: str) -> str:
    return f"=IF(OR({','.join(conditions)}),{ERROR_MARKER},{body})"


def _n_bands(bands: int | Rules) -> int:
    n = len(bands.bands) if isinstance(bands, Rules) else int(bands)
    if n < 1:
        raise ValueError("there must be at least one band")
    return n


# ------------------------------------------------------------ expressions


def attainment_expr(actual: str, target: str, sheet: str = RULES_SHEET) -> str:
    """ROUND(ROUND(a/t*100, 9), decimals), or the exact ratio when decimals is none."""
    d = rule_ref("attainment_decimals", sheet=sheet)
    ratio = f"{actual}/{target}*100"
    return f"IF(ISNUMBER({d}),ROUND(ROUND({ratio},9),{d}),{ratio})"


def points_expr(actual: str, target: str, item: Literal["profit", "tasks"], sheet: str = RULES_SHEET) -> str:
    """ROUND(clamp(weight + slope*(attainment-100), floor, cap), 9).

    A ratio or a point total beyond ±``TOO_LARGE`` (a ratio no double holds,
    e.g. 1e300/1e-10) is not computed: it stands for ±infinity, which the cap
    (above target) or the floor (below) clamps, else #N/A – what the engine
    does. Testing the size first keeps LibreOffice's overflow (#NUM!) and
    Gnumeric's wider long double out of the result. A slope of 0 ignores the
    attainment.
    """
    w, s, lo, hi = (rule_ref(f"{item}_{k}", sheet=sheet) for k in ("weight", "slope", "floor", "cap"))
    ratio = f"{actual}/{target}*100"
    raw = f"{w}+IF({s}=0,0,{s}*({attainment_expr(actual, target, sheet)}-100))"
    in_range = f"IF(ISNUMBER({ratio}),ABS({ratio})<={LIMIT},FALSE)"
    raw_ok = f"IF(ISNUMBER({raw}),ABS({raw})<={LIMIT},FALSE)"
    clamped = f"MIN(IF(ISNUMBER({hi}),{hi},{LIMIT}),MAX(IF(ISNUMBER({lo}),{lo},-{LIMIT}),{raw}))"
    beyond = f"IF({actual}>{target},IF(ISNUMBER({hi}),{hi},{ERROR_MARKER}),IF(ISNUMBER({lo}),{lo},{ERROR_MARKER}))"
    return f"ROUND(IF(IF(OR({s}=0,{in_range}),{raw_ok},FALSE),{clamped},{beyond}),9)"


def rating_expr(rating: str, sheet: str = RULES_SHEET) -> str:
    """ROUND((rating-min)*weight/(max-min), 9)."""
    lo, hi, w = (rule_ref(k, sheet=sheet) for k in ("rating_min", "rating_max", "rating_weight"))
    return f"ROUND(({rating}-{lo})*{w}/({hi}-{lo}),9)"


def _band_condition(score: str, i: int, sheet: str) -> str:
    s = f"ROUND({score},9)"
    lo, lo_inc, hi, hi_inc = (rule_ref(k, i, sheet) for k in ("lower", "lower_inclusive", "upper", "upper_inclusive"))
    lower_ok = f"IF(ISNUMBER({lo}),IF({lo_inc},{s}>={lo},{s}>{lo}),TRUE)"
    upper_ok = f"IF(ISNUMBER({hi}),IF({hi_inc},{s}<={hi},{s}<{hi}),TRUE)"
    return f"AND({lower_ok},{upper_ok})"


def band_lookup_expr(score: str, column: str, bands: int | Rules, sheet: str = RULES_SHEET) -> str:
    """The first band (top down) containing ROUND(score, 9) -> its ``column`` cell.

    A score in no band (possible only if someone breaks the table on the sheet)
    gives #N/A rather than a wrong grade.
    """
    expr = ERROR_MARKER
    for i in reversed(range(_n_bands(bands))):
        expr = f"IF({_band_condition(score, i, sheet)},{rule_ref(column, i, sheet)},{expr})"
    return expr


def calibrated_lookup_expr(calibrated: str, column: str, bands: int | Rules, sheet: str = RULES_SHEET) -> str:
    """The first band (top down) whose code or a label is ``TRIM(calibrated)`` -> its
    ``column`` cell; #N/A for a text that is no grade (spreadsheet text comparison
    ignores case, as ``scoring.calibrated_index`` does)."""
    text = f"TRIM({calibrated})"
    expr = ERROR_MARKER
    for i in reversed(range(_n_bands(bands))):
        names = ",".join(f"{text}={rule_ref(c, i, sheet)}" for c in ("grade", "label_zh", "label_en"))
        expr = f"IF(OR({names}),{rule_ref(column, i, sheet)},{expr})"
    return expr


def graded_expr(score: str, column: str, bands: int | Rules, sheet: str = RULES_SHEET,
                calibrated: str | None = None) -> str:
    """The band's ``column`` cell for the score, or for the calibrated grade when one is typed."""
    own = band_lookup_expr(score, column, bands, sheet)
    if calibrated is None:
        return own
    return f"IF(TRIM({calibrated})=\"\",{own},{calibrated_lookup_expr(calibrated, column, bands, sheet)})"


# --------------------------------------------------------------- formulas


def attainment_formula(actual: str, target: str, sheet: str = RULES_SHEET) -> str:
    """Attainment % of one item; #N/A for invalid input."""
    return _guard([*_not_numbers(actual, target), f"{target}<=0"], attainment_expr(actual, target, sheet))


def profit_points_formula(actual: str, target: str, sheet: str = RULES_SHEET) -> str:
    return _guard([*_not_numbers(actual, target), f"{target}<=0"], points_expr(actual, target, "profit", sheet))


def task_points_formula(done: str, target: str, sheet: str = RULES_SHEET) -> str:
    return _guard([*_not_numbers(done, target), f"{target}<=0"], points_expr(done, target, "tasks", sheet))


def rating_points_formula(rating: str, sheet: str = RULES_SHEET) -> str:
    lo, hi = rule_ref("rating_min", sheet=sheet), rule_ref("rating_max", sheet=sheet)
    return _guard([*_not_numbers(rating), f"{rating}<{lo}", f"{rating}>{hi}"], rating_expr(rating, sheet))


def score_formula(refs: RowRefs, sheet: str = RULES_SHEET) -> str:
    """Total score from the five inputs, self-contained (no helper cells)."""
    lo, hi = rule_ref("rating_min", sheet=sheet), rule_ref("rating_max", sheet=sheet)
    r = refs
    conditions = [
        *_not_numbers(r.profit_actual, r.profit_target, r.tasks_done, r.tasks_target, r.rating),
        f"{r.profit_target}<=0", f"{r.tasks_target}<=0", f"{r.rating}<{lo}", f"{r.rating}>{hi}",
    ]
    total = "+".join((
        points_expr(r.profit_actual, r.profit_target, "profit", sheet),
        points_expr(r.tasks_done, r.tasks_target, "tasks", sheet),
        rating_expr(r.rating, sheet),
    ))
    return _guard(conditions, f"ROUND({total},9)")


_LABEL_COLUMN = {"code": "grade", "zh": "label_zh", "en": "label_en"}


def grade_formula(score: str, bands: int | Rules, sheet: str = RULES_SHEET,
                  label: Literal["code", "zh", "en"] = "zh", calibrated: str | None = None) -> str:
    """Grade label (Chinese by default) of the score in cell ``score``, or of the
    calibrated grade in cell ``calibrated`` when one is typed there."""
    return _guard(_not_numbers(score), graded_expr(score, _LABEL_COLUMN[label], bands, sheet, calibrated))


def multiplier_formula(score: str, bands: int | Rules, sheet: str = RULES_SHEET, calibrated: str | None = None) -> str:
    return _guard(_not_numbers(score), graded_expr(score, "multiplier", bands, sheet, calibrated))


def bonus_formula(base: str, score: str, bands: int | Rules, sheet: str = RULES_SHEET,
                  calibrated: str | None = None) -> str:
    """ROUND(ROUND(base × multiplier, 9), 2): half away from zero to cents.

    The engine's cents are this formula's result as LibreOffice computes it
    (below 2^52 cents; above, a double cannot hold every cent and the engine
    keeps the exact decimal product); see scoring.bonus_cents.
    """
    mult = graded_expr(score, "multiplier", bands, sheet, calibrated)
    return _guard([*_not_numbers(base, score), f"{base}<0", f"{base}>{LIMIT}"],
                  f"ROUND(ROUND({base}*{mult},9),2)")
