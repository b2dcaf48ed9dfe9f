"""Which language a workbook speaks, decided in one place and remembered on the rules sheet.

The header row says it (实际盈利 is Chinese, Profit actual English) unless HR
chose otherwise with ``--lang``: that choice is written to the rules sheet so
every later run, the ribbon's included, speaks the same language without being
told again.  It sits in the settings table of columns J:K (``interview_settings``
keeps its keys there, looked up by name), as the row ``language | zh``.
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from perf_addin.labels import LANGUAGES, is_chinese
from perf_addin.domain.rules import RulesError, a1

KEY = "language"
KEY_COLUMN = 9  # 0-based: column J, beside the fixed scoring layout
SETTINGS_HEADER = ("interview", "value", "说明 / description")
DESCRIPTION = "工作簿语言：zh = 中文，en = English / Workbook language: zh = Chinese, en = English"
_SPELLINGS = {"zh": "zh", "中文": "zh", "chinese": "zh", "cn": "zh", "zh-cn": "zh", "汉语": "zh",
              "en": "en", "英文": "en", "english": "en", "英语": "en"}


def text_language(text: str) -> str:
    """The language a message is written in, for the lines around it when the workbook's
    own language cannot be known (the workbook could not be read): CJK text is zh."""
    return "zh" if is_chinese(text) else "en"


def decide_language(header_texts: Iterable[str], remembered: str | None = None) -> str:
    """The workbook's language: the one remembered on its rules sheet, else its headers'."""
    if remembered in LANGUAGES:
        return remembered
    return "zh" if any(is_chinese(t) for t in header_texts) else "en"


def _key_row(grid: Sequence[Sequence[Any]] | None) -> int | None:
    for r, row in enumerate(grid or ()):
        if len(row) > KEY_COLUMN and isinstance(row[KEY_COLUMN], str) and row[KEY_COLUMN].strip() == KEY:
            return r
    return None


def remembered_language(grid: Sequence[Sequence[Any]] | None, sheet: str = "规则") -> str | None:
    """The language row of a rules-sheet grid: "zh", "en", or None when there is none.

    A value that is neither is refused with its cell, like any bad rule.
    """
    r = _key_row(grid)
    if r is None:
        return None
    row = grid[r]
    value = row[KEY_COLUMN + 1] if len(row) > KEY_COLUMN + 1 else None
    text = str(value).strip().casefold() if value is not None else ""
    if not text:
        return None
    if text not in _SPELLINGS:
        raise RulesError(f"the workbook language must be zh or en (中文 / English), found {value!r}",
                         cell=f"{sheet}!{a1(r, KEY_COLUMN + 1)}")
    return _SPELLINGS[text]


def language_cells(grid: Sequence[Sequence[Any]] | None, lang: str) -> dict[str, Any]:
    """The cells that put ``lang`` on the rules sheet: the value of an existing row,
    or a new row under the settings table (with its header when there is none)."""
    r = _key_row(grid)
    if r is not None:
        return {a1(r, KEY_COLUMN + 1): lang}
    rows = list(grid or ())
    used = [i for i, row in enumerate(rows) if len(row) > KEY_COLUMN and str(row[KEY_COLUMN] or "").strip()]
    cells: dict[str, Any] = {}
    if not used:
        cells |= {a1(0, KEY_COLUMN + c): text for c, text in enumerate(SETTINGS_HEADER)}
        r = 1
    else:
        r = used[-1] + 1
    return cells | {a1(r, KEY_COLUMN): KEY, a1(r, KEY_COLUMN + 1): lang, a1(r, KEY_COLUMN + 2): DESCRIPTION}
