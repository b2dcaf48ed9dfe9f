"""Interview settings: who facilitates, how long, where – a small table on the rules sheet.

The scoring layout of the rules sheet is fixed (``rules.py``: settings in A1:D13,
the band table from row 15 in columns A–H) because native formulas point at its
cells. The interview settings therefore live beside it, in columns J–L from row 1,
where they cannot disturb a formula:

====  ==========================================================================
row   J (key)              K (value)        L (说明 / description)
====  ==========================================================================
1     ``interview``        ``value``        ``说明 / description``
2-    one setting per row, in any order; unknown keys are ignored
====  ==========================================================================

Keys are looked up by name (not by row), so a company may reorder or delete
rows; a missing key or a blank value means the default. Reading is pure
(``settings_from_grid``); the job reads the grid with calamine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from perf_addin.domain.rules import RulesError, a1

SETTINGS_COLUMN = 9  # 0-based: column J
HEADER = ("interview", "value", "说明 / description")
DEFAULT_MINUTES = 60
REMEDY_SHARE = 0.8  # DOMAIN.md §4: about 80 % of the hour on remedies

DEFAULT_WORK_DAYS = (0, 1, 2, 3, 4)
DEFAULT_WORK_HOURS = ((9 * 60, 12 * 60), (13 * 60 + 30, 17 * 60 + 30))
DEFAULT_BREAK = 15
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ZH_DAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
# DOMAIN.md §4: a relaxed room, never the leader's office or a formal meeting room
OFFICE_WORDS = ("办公室", "会议室", "office", "meeting room", "conference room", "boardroom")

_PLACES = {"zh": ("会客室", "接待室"), "en": ("reception room", "meeting lounge")}
# key -> (说明 / description) shown in column L
_TEXT = {
    "cycle": "考核周期，如 2026 年度 / Appraisal cycle, e.g. 2026",
    "hr_specialist": "HR绩效专员姓名（主导中高层面谈）/ HR performance specialist (senior and middle managers)",
    "hr_clerk": "部门人事文员姓名（主导其他员工面谈）/ Department HR clerk (everyone else)",
    "minutes": "面谈时长（分钟）/ Interview length in minutes",
    "places": "建议地点，用、或 ; 分隔 / Suggested places, separated by ; or 、",
    "work_days": "面谈安排的工作日，如 Mon-Fri / Working days for interviews, e.g. Mon-Fri",
    "work_hours": "工作时间，如 09:00-12:00,13:30-17:30 / Working hours, e.g. 09:00-12:00,13:30-17:30",
    "break_minutes": "同一主导人两场面谈之间的休息（分钟）/ Break between two interviews of one facilitator",
    "rooms": "面谈房间（会客室、休息室等，不用办公室或会议室）/ Rooms (reception room, lounge; no office)",
}
KEYS = tuple(_TEXT)
# problem -> (中文, English); {cell_key} is the setting's key as column J shows it
PROBLEMS: dict[str, tuple[str, str]] = {
    "minutes_number": ("面谈时长（minutes）必须是数字，现为 {value!r}", "interview minutes must be a number, found {value!r}"),
    "minutes_range": ("面谈时长（minutes）必须是 10 到 480 的整数，现为 {value!r}",
                      "interview minutes must be a whole number 10-480, found {value!r}"),
    "weekday": ("工作日（work_days）：{value!r} 不是星期几（周一..周日 或 Mon..Sun）",
                "work_days: {value!r} is not a weekday (Mon..Sun or 周一..周日)"),
    "days_unreadable": ("工作日（work_days）：无法读取 {value!r}；请写成如 周一-周五",
                        "work_days: cannot read {value!r}; write e.g. Mon-Fri"),
    "clock": ("工作时间（work_hours）：{value!r} 不是 09:00 这样的时刻", "work_hours: {value!r} is not a time like 09:00"),
    "hours_unreadable": ("工作时间（work_hours）：无法读取 {value!r}；请写成如 09:00-12:00,13:30-17:30",
                         "work_hours: cannot read {value!r}; write e.g. 09:00-12:00,13:30-17:30"),
    "ends_first": ("工作时间（work_hours）：{value!r} 的结束早于开始", "work_hours: {value!r} ends before it starts"),
    "overlap": ("工作时间（work_hours）：{value!r} 中的时段互相重叠", "work_hours: the periods in {value!r} overlap"),
    "break": ("休息时间（break_minutes）必须是 0 到 240 的整数，现为 {value!r}",
              "break_minutes must be a whole number 0-240, found {value!r}"),
    "office": ("面谈房间（rooms）：{value} 像是办公室或正式会议室；面谈应在轻松的房间（会客室、休息室）进行",
               "rooms: {value} looks like an office or a formal meeting room; "
               "interviews take place in a relaxed room (reception room, lounge)"),
}


class _Where:
    """A setting's cell and the workbook's language: what every refusal needs."""

    def __init__(self, cell: str, lang: str) -> None:
        self.cell, self.lang = cell, lang

    def refuse(self, problem: str, value: Any) -> RulesError:
        text = PROBLEMS[problem][0 if self.lang == "zh" else 1].format(value=value)
        return RulesError(text, cell=self.cell)
# the rows the bundled workbooks carry; the scheduling keys are read when present
WRITTEN_KEYS = KEYS[:5]


@dataclass(frozen=True)
class InterviewSettings:
    """What the form needs besides the employee. Empty names mean "not set":
    the form then shows the role without a name, for the department to fill in."""

    cycle: str = ""
    hr_specialist: str = ""
    hr_clerk: str = ""
    minutes: int = DEFAULT_MINUTES
    places: tuple[str, ...] = ()  # empty: the language's default places
    work_days: tuple[int, ...] = DEFAULT_WORK_DAYS  # 0 = Monday, as ``date.weekday()``
    work_hours: tuple[tuple[int, int], ...] = DEFAULT_WORK_HOURS  # minutes after midnight
    break_minutes: int = DEFAULT_BREAK
    rooms: tuple[str, ...] = ()  # empty: the places, else the language's default places
    #: (key, cell) of every setting read from the sheet, so a later check can name the cell
    cells: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def cell(self, key: str) -> str | None:
        """Where a setting was read (``规则!K6``), None when it is the default."""
        return dict(self.cells).get(key)

    def places_for(self, lang: str) -> tuple[str, ...]:
        return self.places or _PLACES[lang]

    def rooms_for(self, lang: str) -> tuple[str, ...]:
        """The rooms the scheduler books: ``rooms``, else the suggested places."""
        return self.rooms or self.places_for(lang)


def settings_rows(settings: InterviewSettings, keys: Sequence[str] = ()) -> list[list[Any]]:
    """The J:L table for a workbook generator (header first)."""
    values = {"cycle": settings.cycle, "hr_specialist": settings.hr_specialist,
              "hr_clerk": settings.hr_clerk, "minutes": settings.minutes,
              "places": "、".join(settings.places), "work_days": days_text(settings.work_days),
              "work_hours": hours_text(settings.work_hours), "break_minutes": settings.break_minutes,
              "rooms": ";".join(settings.rooms)}
    return [list(HEADER)] + [[key, values[key], _TEXT[key]] for key in (keys or WRITTEN_KEYS)]


def _split_places(text: str) -> tuple[str, ...]:
    for sep in ("、", "；", ";", "，", ","):
        text = text.replace(sep, "\n")
    return tuple(p.strip() for p in text.splitlines() if p.strip())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _minutes(value: Any, where: _Where) -> int:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise where.refuse("minutes_number", value) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 10 <= value <= 480 or value != int(value):
        raise where.refuse("minutes_range", value)
    return int(value)


def days_text(days: Sequence[int]) -> str:
    return ",".join(DAY_NAMES[d].capitalize() for d in days)


def hours_text(hours: Sequence[tuple[int, int]]) -> str:
    return ",".join(f"{a // 60:02d}:{a % 60:02d}-{b // 60:02d}:{b % 60:02d}" for a, b in hours)


def _day(text: str, where: _Where) -> int:
    key = text.strip().casefold().removeprefix("周").removeprefix("星期")
    if key[:3] in DAY_NAMES and len(key) >= 3:
        return DAY_NAMES.index(key[:3])
    if key in _ZH_DAYS:
        return _ZH_DAYS[key]
    raise where.refuse("weekday", text)


def _work_days(text: str, where: _Where) -> tuple[int, ...]:
    """"Mon-Fri", "Mon,Wed,Fri" or "周一-周五" -> weekday numbers."""
    days: set[int] = set()
    for part in _split_places(text.replace("~", "-").replace("–", "-").replace("至", "-")):
        ends = [p for p in part.split("-") if p.strip()]
        if len(ends) == 1:
            days.add(_day(ends[0], where))
        elif len(ends) == 2:
            a, b = _day(ends[0], where), _day(ends[1], where)
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        else:
            raise where.refuse("days_unreadable", part)
    return tuple(sorted(days))


def _clock(text: str, where: _Where) -> int:
    parts = text.strip().replace("：", ":").split(":")
    if len(parts) == 2 and all(p.strip().isdigit() for p in parts):
        h, m = int(parts[0]), int(parts[1])
        if 0 <= h <= 24 and 0 <= m < 60 and h * 60 + m <= 24 * 60:
            return h * 60 + m
    raise where.refuse("clock", text)


def _work_hours(text: str, where: _Where) -> tuple[tuple[int, int], ...]:
    """"09:00-12:00,13:30-17:30" -> sorted, non-overlapping windows in minutes."""
    windows = []
    for part in _split_places(text.replace("~", "-").replace("–", "-")):
        ends = part.split("-")
        if len(ends) != 2:
            raise where.refuse("hours_unreadable", part)
        a, b = _clock(ends[0], where), _clock(ends[1], where)
        if a >= b:
            raise where.refuse("ends_first", part)
        windows.append((a, b))
    windows.sort()
    if any(b0 > a1 for (_, b0), (a1, _) in zip(windows, windows[1:])):
        raise where.refuse("overlap", text)
    return tuple(windows)


def _break(value: Any, where: _Where) -> int:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number) or not 0 <= number <= 240 or number != int(number):
        raise where.refuse("break", value)
    return int(number)


def office_like(room: str) -> bool:
    """A name that reads like an office or a formal meeting room (DOMAIN.md §4)."""
    folded = room.casefold()
    return any(word in folded for word in OFFICE_WORDS)


def _rooms(text: str, where: _Where) -> tuple[str, ...]:
    rooms = _split_places(text)
    bad = [r for r in rooms if office_like(r)]
    if bad:
        raise where.refuse("office", "、".join(bad) if where.lang == "zh" else ", ".join(bad))
    return rooms


def settings_from_grid(grid: Sequence[Sequence[Any]] | None, sheet: str = "规则",
                       lang: str = "en") -> InterviewSettings:
    """Parse the J:L table out of a rules-sheet grid (``grid[r][c]``, 0-based).

    A bad value raises ``RulesError`` naming its cell, worded in ``lang`` (the
    workbook's language), like any rule.
    """
    settings = InterviewSettings()
    if not grid:
        return settings
    found: dict[str, tuple[Any, str]] = {}
    for r, row in enumerate(grid):
        if len(row) > SETTINGS_COLUMN + 1 and isinstance(row[SETTINGS_COLUMN], str):
            key = row[SETTINGS_COLUMN].strip()
            if key in KEYS and key not in found:
                found[key] = (row[SETTINGS_COLUMN + 1], f"{sheet}!{a1(r, SETTINGS_COLUMN + 1)}")
    changes: dict[str, Any] = {}
    for key, (value, cell) in found.items():
        where = _Where(cell, lang)
        if _text(value) == "":
            continue
        if key == "minutes":
            changes[key] = _minutes(value, where)
        elif key == "places":
            changes[key] = _split_places(_text(value))
        elif key in _PARSERS:
            changes[key] = _PARSERS[key](value if key == "break_minutes" else _text(value), where)
        else:
            changes[key] = _text(value)
    return replace(settings, **changes, cells=tuple((k, cell) for k, (_, cell) in found.items()))


_PARSERS = {"work_days": _work_days, "work_hours": _work_hours, "break_minutes": _break, "rooms": _rooms}
