"""Scoring rules as data, and the rules sheet (``规则``) as a plain grid.

DOMAIN.md sections 2 and 3 are the defaults (``Rules.default()``).  A company
changes them on the workbook's rules sheet, so the same values must be readable
by three consumers: the Python engine (``scoring.py``), native Excel formulas
(``formulas.py``, which reference the sheet by fixed cells) and people.
That is why the sheet layout is fixed and described once, here.

Rules sheet layout (the table starts at A1; 1-based rows):

====  =======================================================================
row   content
====  =======================================================================
1     header: ``key | value | 说明 | description``
2-14  one setting per row: key in A, value in B, Chinese text in C, English
      text in D (see ``SETTING_KEYS`` for the order; ``rule_cell`` gives B-cells).
      Row 14 (``rating_weak_below``) was an empty spacer row in sheets made
      before that rule existed: an empty row 14 means its default.
15    band header: ``grade | label_zh | label_en | lower | lower_inclusive |
      upper | upper_inclusive | multiplier`` (columns A-H)
16-   one grade band per row, highest band first, until the first row whose
      grade cell is empty
====  =======================================================================

Beside the scoring table, where no formula points, each other block of the rules
sheet has columns of its own, from row 1, so no two features ever claim the same
cells (a block ends at its first blank row):

=======  =====================================================================
columns  block
=======  =====================================================================
J:L      interview settings and the workbook language (``interview_settings.py``)
N:P      holidays (``holidays.py``; ``HOLIDAY_COLUMN``)
R:S      budgets: 预算/Budget header, department | amount, 合计/Total line
         (``reconcile.py``; ``BUDGET_COLUMN``). Workbooks made before the budget
         had its own columns keep it in N:O below the holidays
         (``LEGACY_BUDGET_COLUMN``): read and updated there.
U:W      quotas of the forced distribution: 强制分布/Quotas header in U1, a
         单位/Unit row, a 最少人数/Minimum head count row, then grades | bound
         per quota; W is free for notes (``quotas.quota_block``). Without the
         header calibration is off.
=======  =====================================================================

An optional value (a cap, the attainment decimals, an open band bound) is the
text ``none``; a blank cell is an error, so clearing a cell by accident never
silently changes a rule.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Sequence

from perf_addin.errors import UserError
from perf_addin.xlsx.refs import col_letter

RULES_SHEET = "规则"
NONE_TEXT = "none"
MAX_BANDS = 12
MAX_ATTAINMENT_DECIMALS = 9
MAX_MULTIPLIER_DECIMALS = 4

SETTINGS_HEADER = ("key", "value", "说明", "description")
BAND_COLUMNS = (
    "grade",
    "label_zh",
    "label_en",
    "lower",
    "lower_inclusive",
    "upper",
    "upper_inclusive",
    "multiplier",
)
TABLE_WIDTH = len(BAND_COLUMNS)

# key -> (说明, description); the order is the row order on the sheet.
_SETTING_TEXT: dict[str, tuple[str, str]] = {
    "attainment_decimals": (
        "达成率取整的小数位数（四舍五入）；none = 不取整",
        "Decimals the attainment % is rounded to (half away from zero); none = exact ratio",
    ),
    "profit_weight": ("公司盈利：达成100%时的得分", "Profit: points at 100 % of target"),
    "profit_slope": ("公司盈利：每高/低1%增/减的分数", "Profit: points per 1 % above/below target"),
    "profit_floor": ("公司盈利：最低分；none = 不设下限", "Profit: lowest points; none = no floor"),
    "profit_cap": ("公司盈利：最高分；none = 不封顶", "Profit: highest points; none = no cap"),
    "tasks_weight": ("任务必达成件数：达成100%时的得分", "Tasks: points at 100 % of target"),
    "tasks_slope": ("任务必达成件数：每高/低1%增/减的分数", "Tasks: points per 1 % above/below target"),
    "tasks_floor": ("任务必达成件数：最低分；none = 不设下限", "Tasks: lowest points; none = no floor"),
    "tasks_cap": ("任务必达成件数：最高分；none = 不封顶", "Tasks: highest points; none = no cap"),
    "rating_min": ("平时表现：最低可填分数", "Discretionary rating: lowest value allowed"),
    "rating_max": ("平时表现：最高可填分数", "Discretionary rating: highest value allowed"),
    "rating_weight": (
        "平时表现：填最高分时得到的分数（按比例折算）",
        "Discretionary rating: points at the highest rating (scaled linearly)",
    ),
    "rating_weak_below": (
        "平时表现：低于此分数为薄弱项，面谈中商定改进措施",
        "Discretionary rating: a rating below this is a weak item; the interview agrees remedies for it",
    ),
}
SETTING_KEYS: tuple[str, ...] = tuple(_SETTING_TEXT)
_OPTIONAL_SETTINGS = {"attainment_decimals", "profit_floor", "profit_cap", "tasks_floor", "tasks_cap"}
# Settings added after sheets were in use: their row may be empty there (the default applies).
_LATER_SETTINGS = {"rating_weak_below"}
WEAK_RATING_SHARE = 0.75  # default: below 15 of 20 (three quarters of the range) is a weak item

# the side blocks (0-based columns; see the module docstring)
HOLIDAY_COLUMN = 13  # N
BUDGET_COLUMN = 17  # R
LEGACY_BUDGET_COLUMN = 13  # N: where the budget was written before it had its own columns

FIRST_SETTING_ROW = 2  # 1-based sheet row of SETTING_KEYS[0]
BAND_HEADER_ROW = FIRST_SETTING_ROW + len(SETTING_KEYS)  # fixed at 15: formulas point at the bands
FIRST_BAND_ROW = BAND_HEADER_ROW + 1


class RulesError(UserError, ValueError):
    """A rule set that cannot be used; ``cell`` names where, when known.

    ``key`` identifies the offending setting (``"profit_weight"``) or band value
    (``("band", 2, "lower")``) so a sheet reader can translate it to a cell.
    """

    def __init__(self, message: str, cell: str | None = None, key: Any = None, kind: str | None = None,
                 **values: Any):
        self.message = message
        self.cell = cell
        self.key = key
        self.kind, self.values = kind, values  # to word it again in the workbook's language
        super().__init__(f"{cell}: {message}" if cell else message)


# kind -> (中文, English) of the settings' refusals; {field} is the setting's label on the
# rules sheet (its description column), {other} another setting's label.
SETTING_PROBLEMS: dict[str, tuple[str, str]] = {
    "blank": ("{field}为空", "{field} is blank"),
    "blank_none": ("{field}为空（填 none 可关闭此项）", "{field} is blank (write none to switch it off)"),
    "number": ("{field}必须是数字，现为 {value}", "{field} must be a number, found {value}"),
    "finite": ("{field}必须是有限的数字，现为 {value}", "{field} must be a finite number, found {value}"),
    "minimum": ("{field}不能小于 {minimum}，现为 {value}", "{field} must be >= {minimum}, found {value}"),
    "above": ("{field}必须大于{other}（{bound}），现为 {value}", "{field} must be > {other} ({bound}), found {value}"),
    "at_least": ("{field}不能小于{other}（{bound}），现为 {value}",
                 "{field} must be >= {other} ({bound}), found {value}"),
    "between": ("{field}必须在{other}（{low}）与{high_label}（{high}）之间，现为 {value}",
                "{field} must lie between {other} ({low}) and {high_label} ({high}), found {value}"),
    "whole": ("{field}必须是整数，现为 {value}", "{field} must be a whole number, found {value}"),
}


# kind -> (中文, English) of a band's or the grid's refusals ({code} the band's grade code,
# {column} a band column named as the sheet's header row shows it, translated in zh).
BAND_PROBLEMS: dict[str, tuple[str, str]] = {
    "band_text": ("第 {n} 档的{column}必须是非空文字，现为 {value}", "band {n} {column} must be non-empty text, found {value}"),
    "band_flag": ("等级 {code} 的{column}必须是 TRUE 或 FALSE，现为 {value}",
                  "band {code} {column} must be TRUE or FALSE, found {value}"),
    "band_open_flag": ("等级 {code} 没有{bound}，所以{column}必须是 FALSE",
                       "band {code} has no {bound_key} bound, so {column} must be FALSE"),
    "band_decimals": ("等级 {code} 的绩效倍数最多 {max} 位小数，现为 {value}",
                      "band {code} multiplier may have at most {max} decimals, found {value}"),
    "band_empty": ("等级 {code} 的分数区间为空：下限 {lower} 不低于上限 {upper}",
                   "band {code} is empty: lower {lower} is not below upper {upper}"),
    "no_bands": ("至少要有一个等级", "there must be at least one grade band"),
    "too_many_bands": ("最多允许 {max} 个等级，现有 {count} 个", "at most {max} grade bands are allowed, found {count}"),
    "duplicate_code": ("等级代码 {code} 出现了两次", "grade code {code!r} appears twice"),
    "top_bounded": ("最高的等级 {code} 不能有上限（填 none），现为 {value}",
                    "the highest band {code} must have no upper bound (none), found {value}"),
    "bottom_bounded": ("最低的等级 {code} 不能有下限（填 none），现为 {value}",
                       "the lowest band {code} must have no lower bound (none), found {value}"),
    "needs_lower": ("等级 {code} 需要下限：其后还有等级 {other}",
                    "band {code} needs a lower bound: band {other} follows it"),
    "needs_upper": ("等级 {code} 需要上限：其前还有等级 {other}",
                    "band {code} needs an upper bound: band {other} precedes it"),
    "gap": ("等级 {high}（下限 {lower}）与 {low}（上限 {upper}）之间有空隙：各等级须从高到低排列并首尾相接",
            "gap between bands {high} (lower {lower}) and {low} (upper {upper}): "
            "bands must be listed highest first and meet exactly"),
    "overlap": ("等级 {high}（下限 {lower}）与 {low}（上限 {upper}）重叠：各等级须从高到低排列并首尾相接",
                "overlap between bands {high} (lower {lower}) and {low} (upper {upper}): "
                "bands must be listed highest first and meet exactly"),
    "both_include": ("等级 {high} 与 {low} 都包含分数 {score}：{high} 的含下限与 {low} 的含上限须恰有一个为 TRUE",
                     "bands {high} and {low} both include the score {score}: "
                     "exactly one of {high} lower_inclusive / {low} upper_inclusive must be TRUE"),
    "neither_includes": ("等级 {high} 与 {low} 都不包含分数 {score}：{high} 的含下限与 {low} 的含上限须恰有一个为 TRUE",
                         "bands {high} and {low} neither includes the score {score}: "
                         "exactly one of {high} lower_inclusive / {low} upper_inclusive must be TRUE"),
    "header": ("此单元格应为表头 {expected!r}，现为 {value}", "expected the header {expected!r}, found {value}"),
    "band_header": ("此单元格应为等级表头 {expected!r}，现为 {value}",
                    "expected the band header {expected!r}, found {value}"),
    "setting_key": ("此单元格应为设置项 {expected!r}，现为 {value}",
                    "expected the setting {expected!r} in this cell, found {value}"),
    "decimals_range": ("达成率小数位数必须是 0 到 {max} 的整数或 none，现为 {value}",
                       "attainment_decimals must be a whole number 0-{max} or none, found {value}"),
}
# a band column as a zh reader sees it; the English text is the sheet's own header
BAND_COLUMN_ZH = {"grade": "等级代码", "label_zh": "中文名称", "label_en": "英文名称", "lower": "下限",
                  "lower_inclusive": "含下限", "upper": "上限", "upper_inclusive": "含上限",
                  "multiplier": "绩效倍数"}


def band_field(column: str, lang: str, code: str | None = None) -> str:
    """A band cell named for a reader: “等级 A+ 的下限” / ``band A+ lower``."""
    if lang == "zh":
        name = f"{BAND_COLUMN_ZH[column]}（{column}）"
        return f"等级 {code} 的{name}" if code else name
    return f"band {code} {column}" if code else column


def band_problem(kind: str, lang: str, **values: Any) -> str:
    """A band's or the grid's refusal worded in ``lang``."""
    if "column" in values:
        column = values["column"]
        values["column"] = f"{BAND_COLUMN_ZH[column]}（{column}）" if lang == "zh" else column
    if "bound_key" in values:
        values["bound"] = {"lower": "下限", "upper": "上限"}[values["bound_key"]]
    return BAND_PROBLEMS[kind][0 if lang == "zh" else 1].format(**values)


def _band_error(kind: str, key: Any, **values: Any) -> RulesError:
    return RulesError(band_problem(kind, "en", **values), key=key, kind=kind, **values)


def setting_label(key: str, lang: str) -> str:
    """A setting as the rules sheet describes it (its zh / en description column, up to
    the explanation of none), quoted: “公司盈利：达成100%时的得分”."""
    texts = _SETTING_TEXT.get(key)
    if texts is None:
        return key
    text = texts[0 if lang == "zh" else 1].split("；")[0].split("; ")[0]
    return f"“{text}”" if lang == "zh" else f"'{text}'"


def setting_problem(err: RulesError, lang: str) -> str:
    """``err``'s message in ``lang``, naming its setting by the sheet's label; its own
    message when it is not a setting's (a band's, say)."""
    if err.kind in BAND_PROBLEMS:
        return band_problem(err.kind, lang, **err.values)
    if err.kind not in SETTING_PROBLEMS:
        return err.message
    if isinstance(err.key, tuple):  # a band's number: ("band", i, column), its code in values
        values = dict(err.values)
        name = band_field(err.key[2], lang, values.pop("code", None))
        return SETTING_PROBLEMS[err.kind][0 if lang == "zh" else 1].format(field=name, **values)
    values = {k: setting_label(v, lang) if k in ("other", "high_label") else v for k, v in err.values.items()}
    template = SETTING_PROBLEMS[err.kind][0 if lang == "zh" else 1]
    return template.format(field=setting_label(err.key, lang), **values)


# --------------------------------------------------------------------------- data


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def _require_number(value: Any, key: Any, what: str, minimum: float | None = None, **where: Any) -> None:
    """``where`` (a band's ``code``) goes with the error so it can be worded again."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RulesError(f"{what} must be a finite number, found {_fmt(value)}", key=key, kind="finite",
                         value=_fmt(value), **where)
    if minimum is not None and value < minimum:
        raise RulesError(f"{what} must be >= {_fmt(minimum)}, found {_fmt(value)}", key=key, kind="minimum",
                         minimum=_fmt(minimum), value=_fmt(value), **where)


@dataclass(frozen=True)
class Item:
    """A measured item (profit, tasks): points = weight + slope × (attainment − 100).

    ``floor``/``cap`` clamp the points; ``None`` switches the clamp off.
    """

    weight: float
    slope: float
    floor: float | None = 0.0
    cap: float | None = None
    name: str = field(default="item", compare=False, repr=False)

    def __post_init__(self) -> None:
        n = self.name
        _require_number(self.weight, f"{n}_weight", f"{n}_weight", 0)
        _require_number(self.slope, f"{n}_slope", f"{n}_slope", 0)
        if self.floor is not None:
            _require_number(self.floor, f"{n}_floor", f"{n}_floor")
        if self.cap is not None:
            _require_number(self.cap, f"{n}_cap", f"{n}_cap")
            if self.floor is not None and self.cap < self.floor:
                raise RulesError(
                    f"{n}_cap must be >= {n}_floor ({_fmt(self.floor)}), found {_fmt(self.cap)}",
                    key=f"{n}_cap", kind="at_least", other=f"{n}_floor", bound=_fmt(self.floor), value=_fmt(self.cap),
                )


@dataclass(frozen=True)
class Rating:
    """The supervisor's discretionary rating.

    Points = (rating − minimum) × weight ÷ (maximum − minimum): a linear map of
    the allowed range onto 0..weight, which is the identity for the defaults
    (0–20 entered directly as 0–20 points).

    ``weak_below``: a rating below it is a weak item, which gets a remedy line in
    the interview (the maximum itself is no target a person must reach). None
    means three quarters of the range (15 of 20), so changing the range moves it;
    ``weak_threshold`` is the value in force, and what rule sets compare by.
    """

    minimum: float = 0.0
    maximum: float = 20.0
    weight: float = 20.0
    weak_below: float | None = field(default=None, compare=False)
    weak_threshold: float = field(init=False)

    def __post_init__(self) -> None:
        _require_number(self.minimum, "rating_min", "rating_min")
        _require_number(self.maximum, "rating_max", "rating_max")
        _require_number(self.weight, "rating_weight", "rating_weight", 0)
        if not self.minimum < self.maximum:
            raise RulesError(
                f"rating_max must be > rating_min ({_fmt(self.minimum)}), found {_fmt(self.maximum)}",
                key="rating_max", kind="above", other="rating_min", bound=_fmt(self.minimum), value=_fmt(self.maximum),
            )
        weak = self.weak_below
        if weak is None:
            weak = self.minimum + WEAK_RATING_SHARE * (self.maximum - self.minimum)
        _require_number(weak, "rating_weak_below", "rating_weak_below")
        if not self.minimum <= weak <= self.maximum:
            raise RulesError(
                f"rating_weak_below must lie between rating_min ({_fmt(self.minimum)}) and rating_max "
                f"({_fmt(self.maximum)}), found {_fmt(weak)}",
                key="rating_weak_below", kind="between", other="rating_min", low=_fmt(self.minimum),
                high_label="rating_max", high=_fmt(self.maximum), value=_fmt(weak),
            )
        object.__setattr__(self, "weak_threshold", float(weak))


@dataclass(frozen=True)
class Band:
    """One grade: scores between ``lower`` and ``upper`` (``None`` = unbounded)."""

    code: str
    label_zh: str
    label_en: str
    lower: float | None
    lower_inclusive: bool
    upper: float | None
    upper_inclusive: bool
    multiplier: float

    def contains(self, score: float) -> bool:
        """Scalar membership test; the engine uses the vectorized twin."""
        if self.lower is not None:
            if score < self.lower or (score == self.lower and not self.lower_inclusive):
                return False
        if self.upper is not None:
            if score > self.upper or (score == self.upper and not self.upper_inclusive):
                return False
        return True


def _validate_band(band: Band, i: int) -> None:
    for attr, column in (("code", "grade"), ("label_zh", "label_zh"), ("label_en", "label_en")):
        value = getattr(band, attr)
        if not isinstance(value, str) or not value.strip():
            raise _band_error("band_text", ("band", i, column), n=i + 1, column=column, value=_fmt(value))
    for attr in ("lower", "upper"):
        bound = getattr(band, attr)
        if bound is not None:
            _require_number(bound, ("band", i, attr), f"band {band.code} {attr}", code=band.code)
        flag = getattr(band, f"{attr}_inclusive")
        key = ("band", i, f"{attr}_inclusive")
        if not isinstance(flag, bool):
            raise _band_error("band_flag", key, code=band.code, column=f"{attr}_inclusive", value=_fmt(flag))
        if bound is None and flag:
            raise _band_error("band_open_flag", key, code=band.code, column=f"{attr}_inclusive", bound_key=attr)
    _require_number(band.multiplier, ("band", i, "multiplier"), f"band {band.code} multiplier", 0, code=band.code)
    if -Decimal(repr(float(band.multiplier))).as_tuple().exponent > MAX_MULTIPLIER_DECIMALS:
        raise _band_error("band_decimals", ("band", i, "multiplier"), code=band.code, max=MAX_MULTIPLIER_DECIMALS,
                          value=_fmt(band.multiplier))
    lo, hi = band.lower, band.upper
    if lo is not None and hi is not None:
        empty = lo > hi or (lo == hi and not (band.lower_inclusive and band.upper_inclusive))
        if empty:
            raise _band_error("band_empty", ("band", i, "lower"), code=band.code, lower=_fmt(lo), upper=_fmt(hi))


def _validate_coverage(bands: Sequence[Band]) -> None:
    """Bands, highest first, must meet exactly: no gap, no overlap, -inf..+inf."""
    if not bands:
        raise _band_error("no_bands", ("band", 0, "grade"))
    if len(bands) > MAX_BANDS:
        raise _band_error("too_many_bands", ("band", MAX_BANDS, "grade"), max=MAX_BANDS, count=len(bands))
    codes = [b.code for b in bands]
    for i, code in enumerate(codes):
        if code in codes[:i]:
            raise _band_error("duplicate_code", ("band", i, "grade"), code=code)
    if bands[0].upper is not None:
        raise _band_error("top_bounded", ("band", 0, "upper"), code=bands[0].code, value=_fmt(bands[0].upper))
    if bands[-1].lower is not None:
        raise _band_error("bottom_bounded", ("band", len(bands) - 1, "lower"), code=bands[-1].code,
                          value=_fmt(bands[-1].lower))
    for i in range(len(bands) - 1):
        _validate_meeting(bands[i], bands[i + 1], i)


def _validate_meeting(high: Band, low: Band, i: int) -> None:
    if high.lower is None:
        raise _band_error("needs_lower", ("band", i, "lower"), code=high.code, other=low.code)
    if low.upper is None:
        raise _band_error("needs_upper", ("band", i + 1, "upper"), code=low.code, other=high.code)
    if high.lower != low.upper:
        raise _band_error("gap" if high.lower > low.upper else "overlap", ("band", i + 1, "upper"),
                          high=high.code, lower=_fmt(high.lower), low=low.code, upper=_fmt(low.upper))
    if high.lower_inclusive == low.upper_inclusive:
        raise _band_error("both_include" if high.lower_inclusive else "neither_includes",
                          ("band", i + 1, "upper_inclusive"), high=high.code, low=low.code, score=_fmt(high.lower))


#: DOMAIN.md section 3: the grades, highest first
DEFAULT_BANDS: tuple[Band, ...] = (
    Band("A+", "优+", "Outstanding", 120.0, False, None, False, 1.2),
    Band("A−", "优-", "Excellent", 100.0, False, 120.0, True, 1.1),
    Band("B", "良好", "Good", 90.0, True, 100.0, True, 1.0),
    Band("C", "差", "Poor", 80.0, True, 90.0, False, 0.9),
    Band("D", "极差", "Very poor", None, False, 80.0, False, 0.8),
)


@dataclass(frozen=True)
class Rules:
    """Everything that decides a score, a grade and a multiplier.

    Plain data with the defaults of DOMAIN.md: ``Rules()`` is the default rule set,
    and ``Rules(rating=Rating(maximum=10, weight=20))`` changes one part of it.
    """

    profit: Item = field(default_factory=lambda: Item(weight=60.0, slope=1.0, floor=0.0, cap=None, name="profit"))
    tasks: Item = field(default_factory=lambda: Item(weight=20.0, slope=0.1, floor=0.0, cap=None, name="tasks"))
    rating: Rating = field(default_factory=Rating)
    bands: tuple[Band, ...] = field(default_factory=lambda: DEFAULT_BANDS)
    attainment_decimals: int | None = 0

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise ``RulesError`` naming the first problem; called on construction."""
        d = self.attainment_decimals
        if d is not None and (isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= MAX_ATTAINMENT_DECIMALS):
            raise _band_error("decimals_range", "attainment_decimals", max=MAX_ATTAINMENT_DECIMALS, value=_fmt(d))
        if not isinstance(self.bands, tuple):
            object.__setattr__(self, "bands", tuple(self.bands))
        for i, band in enumerate(self.bands):
            _validate_band(band, i)
        _validate_coverage(self.bands)

    @classmethod
    def default(cls) -> Rules:
        """DOMAIN.md sections 2 and 3 (the same as ``Rules()``)."""
        return cls()


# --------------------------------------------------------------------- sheet grid


def column_letter(col0: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 26 -> AA)."""
    return col_letter(col0 + 1)


def a1(row0: int, col0: int, absolute: bool = False) -> str:
    """0-based (row, col) -> ``B7`` or ``$B$7``."""
    d = "$" if absolute else ""
    return f"{d}{column_letter(col0)}{d}{row0 + 1}"


def rule_cell(key: str, band: int | None = None) -> str:
    """Absolute A1 address on the rules sheet of a setting or a band value.

    ``rule_cell("profit_weight") == "$B$3"``; ``rule_cell("multiplier", 0)`` is
    the top band's multiplier (``$H$16``).  Formulas reference these cells, so
    this function and ``rules_to_rows`` are the single statement of the layout.
    """
    if key in SETTING_KEYS:
        if band is not None:
            raise ValueError(f"{key} is a setting, not a band column")
        return a1(FIRST_SETTING_ROW - 1 + SETTING_KEYS.index(key), 1, absolute=True)
    if key in BAND_COLUMNS:
        if band is None or band < 0:
            raise ValueError(f"band column {key!r} needs a band index >= 0")
        return a1(FIRST_BAND_ROW - 1 + band, BAND_COLUMNS.index(key), absolute=True)
    raise KeyError(f"unknown rules key {key!r}")


def band_range(column: str, n_bands: int) -> str:
    """Absolute range of one band column, e.g. ``$H$16:$H$20``."""
    return f"{rule_cell(column, 0)}:{rule_cell(column, n_bands - 1)}"


def _opt(value: float | int | None) -> Any:
    return NONE_TEXT if value is None else value


def _setting_values(rules: Rules) -> dict[str, Any]:
    p, t, r = rules.profit, rules.tasks, rules.rating
    return {
        "attainment_decimals": _opt(rules.attainment_decimals),
        "profit_weight": p.weight,
        "profit_slope": p.slope,
        "profit_floor": _opt(p.floor),
        "profit_cap": _opt(p.cap),
        "tasks_weight": t.weight,
        "tasks_slope": t.slope,
        "tasks_floor": _opt(t.floor),
        "tasks_cap": _opt(t.cap),
        "rating_min": r.minimum,
        "rating_max": r.maximum,
        "rating_weight": r.weight,
        "rating_weak_below": r.weak_threshold,
    }


def _pad(row: list[Any]) -> list[Any]:
    return row + [None] * (TABLE_WIDTH - len(row))


def rules_to_rows(rules: Rules) -> list[list[Any]]:
    """The rules sheet as a rectangular grid (rows of ``TABLE_WIDTH`` cells)."""
    values = _setting_values(rules)
    rows = [_pad(list(SETTINGS_HEADER))]
    rows += [_pad([key, values[key], *_SETTING_TEXT[key]]) for key in SETTING_KEYS]
    rows.append(list(BAND_COLUMNS))
    for b in rules.bands:
        rows.append([
            b.code, b.label_zh, b.label_en,
            _opt(b.lower), b.lower_inclusive if b.lower is not None else None,
            _opt(b.upper), b.upper_inclusive if b.upper is not None else None,
            b.multiplier,
        ])
    return rows


class _Grid:
    """Reads cells of a reader's grid and names them ``sheet!A1`` in errors."""

    def __init__(self, rows: Sequence[Sequence[Any]], sheet: str, origin: tuple[int, int], lang: str = "en"):
        self.rows, self.sheet, self.origin, self.lang = rows, sheet, origin, lang

    def cell(self, r: int, c: int) -> str:
        return f"{self.sheet}!{a1(self.origin[0] + r, self.origin[1] + c)}"

    def get(self, r: int, c: int) -> Any:
        if r >= len(self.rows) or self.rows[r] is None or c >= len(self.rows[r]):
            return None
        value = self.rows[r][c]
        return None if isinstance(value, str) and not value.strip() else value

    def fail(self, r: int, c: int, message: str) -> RulesError:
        return RulesError(message, cell=self.cell(r, c))

    def refuse(self, r: int, c: int, key: str, kind: str, **values: Any) -> RulesError:
        """A setting's refusal at its cell, worded in the workbook's language."""
        err = RulesError("", key=key, kind=kind, **values)
        return self.fail(r, c, setting_problem(err, self.lang))

    def band_refuse(self, r: int, c: int, kind: str, code: str | None, **values: Any) -> RulesError:
        """A band cell's refusal (``SETTING_PROBLEMS`` wording) naming the band and column."""
        name = band_field(BAND_COLUMNS[c], self.lang, code)
        return self.fail(r, c, SETTING_PROBLEMS[kind][0 if self.lang == "zh" else 1].format(field=name, **values))

    def number(self, r: int, c: int, what: str, optional: bool = False, code: str | None = None) -> float | None:
        """A setting's number (``what`` is its key) or, with ``code``, a band's."""
        value = self.get(r, c)
        if optional and isinstance(value, str) and value.strip().lower() == NONE_TEXT:
            return None
        kind = ("blank_none" if optional else "blank") if value is None else (
            "number" if isinstance(value, bool) or not isinstance(value, (int, float)) else None)
        if kind is None:
            return float(value)
        shown = {} if value is None else {"value": _fmt(value)}
        if code is not None:
            raise self.band_refuse(r, c, kind, code, **shown)
        raise self.refuse(r, c, what, kind, **shown)

    def flag(self, r: int, c: int, code: str) -> bool:
        """A band's TRUE/FALSE cell: a bool, or the 1/0 some readers give; anything else
        (2 included) is refused, never read as TRUE."""
        value = self.get(r, c)
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        raise self.fail(r, c, band_problem("band_flag", self.lang, code=code, column=BAND_COLUMNS[c],
                                           value=_fmt(value)))

    def text(self, r: int, c: int, code: str | None) -> str:
        value = self.get(r, c)
        if value is None:
            raise self.band_refuse(r, c, "blank", code)
        return value if isinstance(value, str) else _fmt(value)


def _read_settings(g: _Grid) -> dict[str, Any]:
    if g.get(0, 0) != SETTINGS_HEADER[0]:
        raise g.fail(0, 0, band_problem("header", g.lang, expected=SETTINGS_HEADER[0], value=_fmt(g.get(0, 0))))
    values: dict[str, Any] = {}
    for i, key in enumerate(SETTING_KEYS):
        r = FIRST_SETTING_ROW - 1 + i
        if key in _LATER_SETTINGS and all(g.get(r, c) is None for c in range(len(SETTINGS_HEADER))):
            values[key] = None  # a sheet made before this rule: its default
            continue
        if g.get(r, 0) != key:
            raise g.fail(r, 0, band_problem("setting_key", g.lang, expected=key, value=_fmt(g.get(r, 0))))
        values[key] = g.number(r, 1, key, optional=key in _OPTIONAL_SETTINGS)
    d = values["attainment_decimals"]
    if d is not None:
        if not d.is_integer():
            raise g.refuse(FIRST_SETTING_ROW - 1, 1, "attainment_decimals", "whole", value=_fmt(d))
        values["attainment_decimals"] = int(d)
    return values


def _read_bands(g: _Grid) -> list[Band]:
    hr = BAND_HEADER_ROW - 1
    if g.get(hr, 0) != BAND_COLUMNS[0]:
        raise g.fail(hr, 0, band_problem("band_header", g.lang, expected=BAND_COLUMNS[0], value=_fmt(g.get(hr, 0))))
    bands: list[Band] = []
    r = hr + 1
    while g.get(r, 0) is not None:
        bands.append(_read_band(g, r))
        r += 1
    return bands


def _read_band(g: _Grid, r: int) -> Band:
    col = BAND_COLUMNS.index
    code = g.text(r, 0, None)
    lower = g.number(r, col("lower"), "lower", optional=True, code=code)
    upper = g.number(r, col("upper"), "upper", optional=True, code=code)
    lower_inc = g.flag(r, col("lower_inclusive"), code) if lower is not None else False
    upper_inc = g.flag(r, col("upper_inclusive"), code) if upper is not None else False
    return Band(
        code=code,
        label_zh=g.text(r, col("label_zh"), code),
        label_en=g.text(r, col("label_en"), code),
        lower=lower, lower_inclusive=lower_inc, upper=upper, upper_inclusive=upper_inc,
        multiplier=g.number(r, col("multiplier"), "multiplier", code=code),
    )


def _key_position(key: Any) -> tuple[int, int]:
    """0-based grid position of the value a RulesError.key points at."""
    if isinstance(key, tuple):
        _, i, column = key
        return FIRST_BAND_ROW - 1 + i, BAND_COLUMNS.index(column)
    return FIRST_SETTING_ROW - 1 + SETTING_KEYS.index(key), 1


def rules_from_rows(
    rows: Sequence[Sequence[Any]], sheet: str = RULES_SHEET, origin: tuple[int, int] = (0, 0), lang: str = "en"
) -> Rules:
    """Parse a grid laid out by ``rules_to_rows`` back into ``Rules``.

    ``rows`` are cell values as a reader gives them (numbers, text, bools,
    None).  ``origin`` is the 0-based sheet position of ``rows[0][0]``; it only
    affects the cell names in error messages; ``lang`` the language a setting's
    refusal is worded in, naming it by the sheet's own label.
    """
    g = _Grid(rows, sheet, origin, lang)
    s = _read_settings(g)
    bands = _read_bands(g)
    try:
        return Rules(
            profit=Item(s["profit_weight"], s["profit_slope"], s["profit_floor"], s["profit_cap"], name="profit"),
            tasks=Item(s["tasks_weight"], s["tasks_slope"], s["tasks_floor"], s["tasks_cap"], name="tasks"),
            rating=Rating(s["rating_min"], s["rating_max"], s["rating_weight"], s["rating_weak_below"]),
            bands=tuple(bands),
            attainment_decimals=s["attainment_decimals"],
        )
    except RulesError as err:
        if err.key is None:
            raise
        raise g.fail(*_key_position(err.key), setting_problem(err, lang)) from None
