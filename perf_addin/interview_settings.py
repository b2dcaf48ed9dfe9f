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
from dataclasses import dataclass, replace
from typing import Any, Sequence

from .rules import RulesError, a1

SETTINGS_COLUMN = 9  # 0-based: column J
HEADER = ("interview", "value", "说明 / description")
DEFAULT_MINUTES = 60
REMEDY_SHARE = 0.8  # DOMAIN.md §4: about 80 % of the hour on remedies

_PLACES = {"zh": ("会客室", "接待室"), "en": ("reception room", "meeting lounge")}
# key -> (说明 / description) shown in column L
_TEXT = {
    "cycle": "考核周期，如 2026 年度 / Appraisal cycle, e.g. 2026",
    "hr_specialist": "HR绩效专员姓名（主导中高层面谈）/ HR performance specialist (senior and middle managers)",
    "hr_clerk": "部门人事文员姓名（主导其他员工面谈）/ Department HR clerk (everyone else)",
    "minutes": "面谈时长（分钟）/ Interview length in minutes",
    "places": "建议地点，用、或 ; 分隔 / Suggested places, separated by ; or 、",
}
KEYS = tuple(_TEXT)


@dataclass(frozen=True)
class InterviewSettings:
    """What the form needs besides the employee. Empty names mean "not set":
    the form then shows the role without a name, for the department to fill in."""

    cycle: str = ""
    hr_specialist: str = ""
    hr_clerk: str = ""
    minutes: int = DEFAULT_MINUTES
    places: tuple[str, ...] = ()  # empty: the language's default places

    def places_for(self, lang: str) -> tuple[str, ...]:
        return self.places or _PLACES[lang]


def settings_rows(settings: InterviewSettings) -> list[list[Any]]:
    """The J:L table for a workbook generator (header first)."""
    values = {"cycle": settings.cycle, "hr_specialist": settings.hr_specialist,
              "hr_clerk": settings.hr_clerk, "minutes": settings.minutes,
              "places": "、".join(settings.places)}
    return [list(HEADER)] + [[key, values[key], _TEXT[key]] for key in KEYS]


def _split_places(text: str) -> tuple[str, ...]:
    for sep in ("、", "；", ";", "，", ","):
        text = text.replace(sep, "\n")
    return tuple(p.strip() for p in text.splitlines() if p.strip())


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value).strip()


def _minutes(value: Any, where: str) -> int:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise RulesError(f"interview minutes must be a number, found {value!r}", cell=where) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
            or not 10 <= value <= 480 or value != int(value):
        raise RulesError(f"interview minutes must be a whole number 10-480, found {value!r}", cell=where)
    return int(value)


def settings_from_grid(grid: Sequence[Sequence[Any]] | None, sheet: str = "规则") -> InterviewSettings:
    """Parse the J:L table out of a rules-sheet grid (``grid[r][c]``, 0-based).

    A bad minutes value raises ``RulesError`` naming its cell, like any rule.
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
    for key, (value, where) in found.items():
        if _text(value) == "":
            continue
        if key == "minutes":
            changes[key] = _minutes(value, where)
        elif key == "places":
            changes[key] = _split_places(_text(value))
        else:
            changes[key] = _text(value)
    return replace(settings, **changes)
