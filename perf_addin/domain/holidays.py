"""Holidays: the days no interview is planned on, as a block on the rules sheet.

The block sits beside the interview settings (J:L, ``interview_settings.py``),
in columns N:P from row 1, where no formula points:

====  ==========================================================================
row   N                      O               P
====  ==========================================================================
1     ``节假日 / holidays``  ``至 / to``     ``名称 / name``
2-    first day (a date)     last day (blank = that day only)   the holiday's name
====  ==========================================================================

The block ends at its first blank row: what follows lower in N:P is not a holiday
(older workbooks keep their budget table there, ``rules.py``).

A workbook without the block gets the defaults written there by the first
``schedule`` run, so HR sees and edits what is kept free: 元旦 (January 1) and
春节, from Chinese New Year's Eve (除夕, a statutory holiday since 2025) to the
seventh day of the first month (初七) – the span of the official holiday of
2025 and 2026 on working days – for 2026, 2027 and 2028. The State Council
announces each year's exact arrangement (extra days such as 2026-01-02, and the
weekend days worked in exchange); add those rows by hand. Weekends are already
no working days (``work_days``).

The defaults are written as text (``2026-02-16``): the column keeps Excel's default
width, in which a date cell would show as ``####``; a date typed there is read as well.
A bad cell is an error naming it, like every rule, in the workbook's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Sequence

from perf_addin.domain.rules import HOLIDAY_COLUMN, RulesError, a1
from perf_addin.xlsx import Cell, Style

HEADER = ("节假日 / holidays", "至 / to", "名称 / name")
_HEADER_WORDS = {"节假日 / holidays", "节假日/holidays", "节假日", "holidays", "holiday"}
MAX_SPAN_DAYS = 31  # a longer span is taken for a typing mistake
_ERRORS = {
    "en": {"date": "holidays: {value!r} is not a date like 2026-02-16",
           "first": "holidays: the first day is missing",
           "order": "holidays: the last day {last} is before the first day {first}",
           "span": "holidays: {first} to {last} is longer than {n} days; one row per holiday"},
    "zh": {"date": "节假日：{value!r} 不是日期（应如 2026-02-16）",
           "first": "节假日：缺少开始日期",
           "order": "节假日：结束日期 {last} 早于开始日期 {first}",
           "span": "节假日：{first} 至 {last} 超过 {n} 天；每个假日一行"},
}


@dataclass(frozen=True)
class Holiday:
    first: date
    last: date
    name: str

    def days(self) -> list[date]:
        return [self.first + timedelta(i) for i in range((self.last - self.first).days + 1)]


# (first, last, zh name, en name); see the module docstring for the choice
DEFAULTS: tuple[tuple[date, date, str, str], ...] = (
    (date(2026, 1, 1), date(2026, 1, 1), "元旦", "New Year's Day"),
    (date(2026, 2, 16), date(2026, 2, 23), "春节", "Spring Festival"),
    (date(2027, 1, 1), date(2027, 1, 1), "元旦", "New Year's Day"),
    (date(2027, 2, 5), date(2027, 2, 12), "春节", "Spring Festival"),
    (date(2028, 1, 1), date(2028, 1, 1), "元旦", "New Year's Day"),
    (date(2028, 1, 25), date(2028, 2, 1), "春节", "Spring Festival"),
)


def default_holidays(lang: str) -> list[Holiday]:
    return [Holiday(a, b, zh if lang == "zh" else en) for a, b, zh, en in DEFAULTS]


def has_block(grid: Sequence[Sequence[Any]] | None) -> bool:
    """Whether the rules-sheet grid carries the holiday block (its header in N1)."""
    if not grid or len(grid[0]) <= HOLIDAY_COLUMN:
        return False
    head = grid[0][HOLIDAY_COLUMN]
    return isinstance(head, str) and head.strip().casefold() in _HEADER_WORDS


def block_is_free(grid: Sequence[Sequence[Any]] | None, rows: int) -> bool:
    """Whether N1:P``rows`` is empty, so the default block may be written there."""
    for row in (grid or [])[:rows]:
        if any(v not in (None, "") for v in row[HOLIDAY_COLUMN:HOLIDAY_COLUMN + 3]):
            return False
    return True


_DATE_CHARS = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)}
                            | {"/": "-", ".": "-", "年": "-", "月": "-", "日": "", "－": "-", "／": "-"})


def day_from_text(text: str) -> date | None:
    """A day as people type it: 2026-12-07, 2026-12-7, 2026/12/7, 2026.12.7, 2026年12月7日
    (full-width digits too); None when it is not one."""
    parts = text.strip().translate(_DATE_CHARS).split("-")
    if len(parts) != 3 or not all(p.strip().isascii() and p.strip().isdigit() for p in parts) \
            or len(parts[0].strip()) != 4:
        return None
    try:
        return date(*(int(p) for p in parts))
    except ValueError:
        return None


def _day(value: Any, where: str, lang: str = "en") -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and (day := day_from_text(value)) is not None:
        return day
    raise RulesError(_ERRORS[lang]["date"].format(value=value), cell=where)


def holidays_from_grid(grid: Sequence[Sequence[Any]] | None, sheet: str, lang: str) -> list[Holiday]:
    """The block's holidays; the defaults when the sheet has no block.

    A row with a name or a last day but no first day, a last day before the first,
    or a span over a month raises ``RulesError`` naming the cell."""
    if not has_block(grid):
        return default_holidays(lang)
    err = _ERRORS.get(lang, _ERRORS["en"])
    out = []
    for r, row in enumerate(grid[1:], start=1):
        cells = list(row[HOLIDAY_COLUMN:HOLIDAY_COLUMN + 3]) + [None] * 3
        where = [f"{sheet}!{a1(r, HOLIDAY_COLUMN + c)}" for c in range(3)]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells[:3]):
            break  # a blank row ends the block
        first, last = _day(cells[0], where[0], lang), _day(cells[1], where[1], lang)
        name = "" if cells[2] is None else str(cells[2]).strip()
        if first is None:
            if last is not None or name:
                raise RulesError(err["first"], cell=where[0])
            break  # a blank row ends the block
        last = last or first
        if last < first:
            raise RulesError(err["order"].format(first=first, last=last), cell=where[1])
        if (last - first).days >= MAX_SPAN_DAYS:
            raise RulesError(err["span"].format(first=first, last=last, n=MAX_SPAN_DAYS), cell=where[1])
        out.append(Holiday(first, last, name))
    return out


HEAD_STYLE = Style(bold=True)


def default_block(lang: str) -> dict[str, Cell]:
    """The cells of the default block (N1:P7), for a workbook that has none."""
    cells = {f"{'NOP'[c]}1": Cell(text, HEAD_STYLE) for c, text in enumerate(HEADER)}
    for r, h in enumerate(default_holidays(lang), start=2):
        cells[f"N{r}"] = Cell(f"{h.first:%Y-%m-%d}")
        if h.last != h.first:
            cells[f"O{r}"] = Cell(f"{h.last:%Y-%m-%d}")
        cells[f"P{r}"] = Cell(h.name)
    return cells


def holiday_dates(holidays: Sequence[Holiday]) -> frozenset[date]:
    return frozenset(d for h in holidays for d in h.days())


__all__ = ["DEFAULTS", "HOLIDAY_COLUMN", "Holiday", "block_is_free", "default_block", "default_holidays",
           "has_block", "holiday_dates", "holidays_from_grid"]
