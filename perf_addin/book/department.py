"""Reading the department workbook: the employee table and the rules sheet.

HR keeps one workbook per department and edits it by hand, so the reader has
to find the table wherever it is and accept the ways people type numbers,
but it must never guess: every value it cannot read becomes a ``Problem``
naming the cell, and the row is still reported rather than dropped.
Reading only (python-calamine, no Excel needed); a separate writer writes.

Finding the table
    Sheets named 员工 / Employees are searched first; if one exists it *is*
    the table's sheet (a missing header there is an error, never a silent
    switch to another sheet that happens to look similar).  Otherwise the
    first worksheet (in workbook order, the rules sheet excluded) with a
    header row wins.  The header row must lie in the first
    ``HEADER_SCAN_ROWS`` rows and contain every required field; it may start
    in any column and have unrelated columns in between.

Header matching
    A header cell is normalised (NFKC, so full-width letters and brackets
    become ASCII; case-folded; ``_`` read as a space; whitespace collapsed)
    and matches an alias when it equals it, or starts with it followed by a
    bracketed unit: ``实际盈利(万元)``, ``Rating [0-20]``.  A bare prefix does
    not match, so 奖金基数 is never mistaken for 奖金.  A header unit of 万
    or 亿 (also 千, 十万, 百万, 千万) is remembered so that a cell typed as
    ``35万`` in a ``(万元)`` column reads as 35, not 350000.

Extent
    Data rows start below the header and end at the first run of
    ``BLANK_RUN`` consecutive rows whose field cells are all blank, or at the
    end of the sheet.  Blank rows inside the table are skipped.

Numbers
    Numeric cells are used as they are.  In text cells full-width digits and
    punctuation become ASCII, a Unicode minus becomes ``-``, and the text
    must then match ``NUMBER_PATTERN``: optional sign, optional ``¥``/``$``,
    digits with consistent ``,`` or space thousands separators, optional
    decimals and exponent, optional 万 (×10⁴) or 亿 (×10⁸) suffix, and
    ``(350)`` accounting negatives.  Anything else (``35%``, ``3,5``, TRUE,
    a date, a blank) is a problem.  python-calamine reads Excel error values
    (``#N/A``) as empty text, so the "blank" message mentions them.
    Range checks (target > 0, rating range) are the engine's; use
    ``problems_from_scores`` to turn its errors into cell-addressed problems.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd
from perf_addin.book.source import BookSource, DepartmentError
from perf_addin.labels import (INPUT_LABELS, MEETING_LABELS, RESULT_LABELS, header_aliases, job_text, label,
                               normalise, problem_text)
from perf_addin.language import decide_language, is_chinese, remembered_language
from perf_addin.domain.rules import Rules, a1, rules_from_rows
from perf_addin.domain.nine_box import parse_potential
from perf_addin.domain.scoring import UNKNOWN_GRADE, calibrated_index, score_table
from perf_addin.xlsx.refs import quote_sheet

EMPLOYEE_SHEETS = ("员工", "Employees")
RULES_SHEETS = ("规则", "Rules")
_RULES_KEYS = frozenset(normalise(n) for n in RULES_SHEETS)
HEADER_SCAN_ROWS = 1000
BLANK_RUN = 3

# field -> header aliases (matched after ``_norm``); the field name itself is an alias too.
# The names are the labels of ``labels.py``, so a header reads as the tool writes it.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {f: header_aliases(f) for f in (*INPUT_LABELS, *MEETING_LABELS)}
# Columns the tool writes itself (and finance's documented manual overrides, honoured
# and listed by ``reconcile``); found so a second run reuses them.
RESULT_ALIASES: dict[str, tuple[str, ...]] = {f: header_aliases(f) for f in RESULT_LABELS}
NUMERIC_FIELDS = ("profit_actual", "profit_target", "tasks_done", "tasks_target", "rating", "base_bonus")
TEXT_FIELDS = ("employee_id", "name", "department", "level", "supervisor", "email", *MEETING_LABELS)
# Every command needs these: scores need the inputs, bonuses and reconciliation the base
# bonus (a table without one would be paid as 0.00, so it is refused, not guessed).
REQUIRED_FIELDS = ("employee_id", "name", "profit_actual", "profit_target", "tasks_done", "tasks_target", "rating",
                   "base_bonus")

_MAGNITUDE = {"万": 4, "亿": 8}
# Chinese unit prefixes a header may declare, longest first: 实际盈利(百万元).
_HEADER_UNITS = (("千万", 7), ("百万", 6), ("十万", 5), ("亿", 8), ("万", 4), ("千", 3))
_OPENING_BRACKETS = "([{<【〔"
NUMBER_PATTERN = re.compile(
    r"""^(?P<sign>[-+])?\s*
    (?P<open>\()?\s*
    [¥$]?\s*
    (?P<int>\d{1,3}(?P<sep>[,\ ])\d{3}(?:(?P=sep)\d{3})*|\d+)?
    (?:\.(?P<frac>\d*))?
    (?:e(?P<exp>[-+]?\d+))?\s*
    (?P<unit>[万亿])?\s*
    (?:元\s*)?
    (?P<close>\))?$""",
    re.VERBOSE | re.IGNORECASE | re.ASCII,
)
# Full-width ASCII (an IME's ３，５００．５), odd spaces and the minus signs pasted
# from Word or the web.  Not NFKC: that would also turn "10²" into "102".
_NUMBER_CHARS = str.maketrans(
    {chr(0xFF01 + i): chr(0x21 + i) for i in range(0x5E)}
    | {"\u3000": " ", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\uffe5": "¥",
       "\u2212": "-", "\u2012": "-", "\u2013": "-", "\ufe63": "-"}
)


@dataclass(frozen=True)
class Problem:
    """One input error, addressed the way a user finds it: ``员工!G7``."""

    sheet: str
    cell: str
    field: str
    message: str
    value: Any = None
    row: int | None = None  # 1-based sheet row, so rows can be marked
    #: False for what must be completed but leaves the result standing (a potential
    #: that is no level, a calibrated grade without its reason): the row is scored
    #: and paid as shown, and the problem is listed apart from the ones that void it
    voids_result: bool = True

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}"


@dataclass
class EmployeeTable:
    """The employee table as read, with where every value came from.

    ``columns``/``result_columns`` are 1-based sheet columns; ``rows[i]`` is
    the 1-based sheet row of ``frame.iloc[i]``.  ``units`` holds the power of
    ten a header declared (4 for 万元) for numeric fields that have one.
    """

    sheet: str
    header_row: int
    columns: dict[str, int]
    rows: list[int]
    frame: pd.DataFrame
    problems: list[Problem]
    result_columns: dict[str, int] = field(default_factory=dict)
    units: dict[str, int] = field(default_factory=dict)
    #: numbers that were typed as text: (field, employee index, the text as typed)
    text_numbers: list[tuple[str, int, str]] = field(default_factory=list)
    #: the workbook's language, "zh" or "en" (``language.decide_language``): every
    #: text the tool writes for this workbook is in it
    language: str = "zh"

    def cell(self, field_name: str, i: int) -> str:
        """A1 address (with sheet) of ``field_name`` for the i-th employee."""
        column = self.columns.get(field_name, self.result_columns.get(field_name))
        if column is None:
            raise KeyError(f"the table has no {field_name} column")
        return cell_ref(self.sheet, self.rows[i] - 1, column - 1)

    @property
    def invalid(self) -> np.ndarray:
        """Per employee: True when the reader reported a problem in that row."""
        position = {row: i for i, row in enumerate(self.rows)}
        mask = np.zeros(len(self.rows), dtype=bool)
        mask[[position[p.row] for p in self.problems if p.row in position]] = True
        return mask


# ------------------------------------------------------------------ addresses


sheet_ref = quote_sheet  # a sheet name as it stands in a reference


def cell_ref(sheet: str, row0: int, col0: int) -> str:
    """0-based position -> ``员工!G7``."""
    return f"{sheet_ref(sheet)}!{a1(row0, col0)}"


# ------------------------------------------------------------------ workbook


_TWO_RULES_SHEETS = {
    "zh": "{file}：工作簿中有两张规则表：{sheets}；公式和读取只能用其中一张，请删除或重命名另一张后再运行（未写入任何内容）",
    "en": "{file}: the workbook has two rules sheets, {sheets}; formulas and readers can use only one, "
          "so delete or rename the other and run again (nothing was written)",
}


class RulesSheetError(DepartmentError):
    """Two sheets could each be the rules sheet: which one the formulas read would be a guess."""


def is_rules_sheet(name: str) -> bool:
    """Whether a sheet name is the rules sheet's: 规则 or Rules, in any case, with any
    surrounding spaces or full-width letters."""
    return normalise(name) in _RULES_KEYS


def find_rules_sheet(names: Iterable[str], lang: str = "zh", file: str = "the workbook") -> str | None:
    """The rules sheet among ``names`` (``is_rules_sheet``), None without one: the one
    lookup the reader, the result writer, the jobs and the ribbon all use. Two
    candidates are refused, naming both, in ``lang``."""
    found = [n for n in names if is_rules_sheet(n)]
    if len(found) > 1:
        joined = ("、" if lang == "zh" else " and ").join(sheet_ref(n) if sheet_ref(n) != n else repr(n)
                                                         for n in found)
        raise RulesSheetError(_TWO_RULES_SHEETS["zh" if lang == "zh" else "en"].format(file=file, sheets=joined))
    return found[0] if found else None


def _named(names: Iterable[str], wanted: Sequence[str]) -> list[str]:
    keys = {normalise(w) for w in wanted}
    return [n for n in names if normalise(n) in keys]


# ------------------------------------------------------------------ headers


_norm = normalise


def _alias_table() -> list[tuple[str, str]]:
    pairs = [(_norm(a), f) for f, aliases in (FIELD_ALIASES | RESULT_ALIASES).items() for a in (*aliases, f)]
    return sorted(set(pairs), key=lambda p: -len(p[0]))


_ALIASES = _alias_table()


def _header_unit(unit: str) -> int:
    return next((power for prefix, power in _HEADER_UNITS if unit.startswith(prefix)), 0)


@lru_cache(maxsize=4096)
def match_header(text: str) -> tuple[str, int] | None:
    """(field, unit power of ten) for a header cell, or None.

    The unit comes from the bracketed remainder: ``实际盈利(万元)`` -> 4.
    """
    norm = _norm(text)
    for alias, name in _ALIASES:
        if norm == alias:
            return name, 0
        if norm.startswith(alias):
            rest = norm[len(alias):].lstrip()
            if rest[:1] and rest[0] in _OPENING_BRACKETS:
                return name, _header_unit(rest[1:])
    return None


@dataclass
class _Header:
    sheet: str
    row0: int
    found: dict[str, list[int]]  # field -> 0-based columns
    units: dict[str, int]
    texts: dict[str, str]

    @property
    def missing(self) -> list[str]:
        return [f for f in REQUIRED_FIELDS if f not in self.found]


def _header_in_row(sheet: str, row0: int, row: Sequence[Any]) -> _Header:
    h = _Header(sheet, row0, {}, {}, {})
    for c, value in enumerate(row):
        if isinstance(value, str) and value.strip():
            hit = match_header(value)
            if hit:
                h.found.setdefault(hit[0], []).append(c)
                h.units.setdefault(hit[0], hit[1])
                h.texts.setdefault(hit[0], value.strip())
    return h


def _scan(sheet: str, grid: Sequence[Sequence[Any]]) -> tuple[_Header | None, _Header | None]:
    """(first complete header row, best partial candidate) on one sheet."""
    best: _Header | None = None
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        h = _header_in_row(sheet, r, row)
        if not h.found:
            continue
        if not h.missing:
            return h, h
        if best is None or len(h.found) > len(best.found):
            best = h
    return None, best


_MISSING_HEADER = {
    "zh": "{file}：{where} 表头行缺少必需的列：{wanted}（补上列标题后再运行；未写入任何内容）",
    "en": "{file}: the header row {where} lacks the required column(s) {wanted} "
          "(add the header and run again; nothing was written)",
}


def _missing_message(file: str, sheets: list[str], best: _Header | None) -> str:
    """One line naming the header row and what it lacks, in the header's language."""
    if best is None:
        where = ", ".join(repr(s) for s in sheets) or "(no worksheets)"
        wanted = "; ".join("/".join(FIELD_ALIASES[f]) for f in REQUIRED_FIELDS)
        return (f"{file}: no employee table found on sheet(s) {where}: no row within the first "
                f"{HEADER_SCAN_ROWS} has any of the expected headers ({wanted})")
    lang = decide_language(best.texts.values())
    names = [label(f, lang) for f in best.missing]
    row = best.row0 + 1
    return _MISSING_HEADER[lang].format(file=file, where=f"{sheet_ref(best.sheet)}!{row}:{row}",
                                        wanted=("、" if lang == "zh" else ", ").join(names))


def _locate(book: BookSource, sheet: str | None, file: str = "the workbook"
            ) -> tuple[_Header, list[list[Any]]]:
    """The header row and its sheet's grid; see the module docstring for the search order."""
    names = book.worksheets
    if sheet is not None:
        if sheet not in names:
            raise DepartmentError(f"the workbook has no worksheet {sheet!r} (it has {', '.join(names)})")
        candidates = [sheet]
    else:
        candidates = _named(names, EMPLOYEE_SHEETS)
        if not candidates:
            candidates = [n for n in names if not is_rules_sheet(n)]
    best: _Header | None = None
    for name in candidates:
        grid = book.grid(name) or []  # calamine parses a whole sheet anyway, so read it once
        full, partial = _scan(name, grid)
        if full:
            return full, grid
        if partial and (best is None or len(partial.found) > len(best.found)):
            best = partial
    raise DepartmentError(_missing_message(file, candidates, best))


def _check_unique(h: _Header) -> None:
    """Two columns for one input or result would be a guess."""
    lang = decide_language(h.texts.values())
    for name, cols in h.found.items():
        if len(cols) > 1:
            cells = (" 和 " if lang == "zh" else " and ").join(cell_ref(h.sheet, h.row0, c) for c in cols)
            what = label(name, lang)
            raise DepartmentError(f"有两列的标题都是{what}：{cells}；请重命名或删除其中一列" if lang == "zh" else
                                  f"two columns are headed as {what}: {cells}; rename or remove one")


# ------------------------------------------------------------------ values


def _is_blank_text(value: Any) -> bool:
    return isinstance(value, str) and not value.strip()


def _body(grid: Sequence[Sequence[Any]], first: int, width: int) -> np.ndarray:
    """Rows ``first``.. of the grid as a 2-D object array of ``width`` columns."""
    rows = grid[first:]
    if rows and all(len(r) == width for r in (rows[0], rows[-1])):  # calamine pads rows: the usual case
        try:
            arr = np.array(rows, dtype=object)
        except ValueError:
            arr = None
        if arr is not None and arr.shape == (len(rows), width):
            return arr
    arr = np.full((len(rows), width), "", dtype=object)  # ragged: pad cell by cell
    for i, row in enumerate(rows):
        arr[i, :len(row)] = row[:width]
    return arr


@dataclass
class _Cells:
    """One column of raw cells with their Python types and blankness, computed once."""

    raw: np.ndarray
    kinds: np.ndarray
    blank: np.ndarray

    @classmethod
    def of(cls, raw: np.ndarray) -> _Cells:
        kinds = np.fromiter(map(type, raw), dtype=object, count=raw.size)
        blank = (raw == "") | (kinds == type(None))
        text = (kinds == str) & ~blank
        if text.any():
            idx = np.flatnonzero(text)
            blank[idx] = [not v.strip() for v in raw[idx]]
        return cls(raw, kinds, blank)

    def take(self, idx: np.ndarray) -> _Cells:
        return _Cells(self.raw[idx], self.kinds[idx], self.blank[idx])


def parse_number_text(text: str, unit: int = 0) -> float | None:
    """A number typed as text; None if it is not one.

    A 万/亿 suffix is converted to the column's header unit of 10**unit
    (``"35万"`` is 350000 in a plain column, 35 in a 万元 column); a number
    without suffix is taken to be in the column's unit already.

    The result is computed by one correctly rounded ``float()`` of the decimal
    as written (with the 万/亿 and unit shifts folded into its exponent), so
    ``"1.1万"`` is exactly 11000.0, not ``1.1 * 10000``.
    """
    s = text.translate(_NUMBER_CHARS).strip()
    m = NUMBER_PATTERN.match(s)
    if not m or (m["int"] is None and not m["frac"]):
        return None
    if bool(m["open"]) != bool(m["close"]) or (m["open"] and m["sign"]):
        return None
    digits = (m["int"] or "0").replace(",", "").replace(" ", "") + "." + (m["frac"] or "0")
    exponent = int(m["exp"] or 0) + (_MAGNITUDE[m["unit"]] - unit if m["unit"] else 0)
    value = float(f"{digits}e{exponent}")
    negative = m["sign"] == "-" or bool(m["open"])
    return -value if negative and value else value


def _number_reason(name: str, value: Any, lang: str) -> str:
    if value is None or _is_blank_text(value) or (isinstance(value, float) and math.isnan(value)):
        return problem_text("blank", name, lang)
    if isinstance(value, (bool, np.bool_)):
        return problem_text("boolean", name, lang, value=bool(value))
    if isinstance(value, (dt.date, dt.time, dt.timedelta)):
        return problem_text("date", name, lang, value=str(value))
    if isinstance(value, str) and "%" in value:
        return problem_text("percent", name, lang, value=value.strip())
    if isinstance(value, str):
        return problem_text("text", name, lang, value=value.strip())
    return problem_text("not_finite", name, lang, value=value)


def _numbers(cells: _Cells, unit: int) -> tuple[np.ndarray, np.ndarray]:
    """(float values, bad mask).  Only text cells go through the regex."""
    is_num = (cells.kinds == float) | (cells.kinds == int)
    values = np.full(cells.raw.size, np.nan)
    values[is_num] = cells.raw[is_num].astype(np.float64)
    is_text = (cells.kinds == str) & ~cells.blank
    if is_text.any():
        idx = np.flatnonzero(is_text)
        texts = cells.raw[idx]
        parsed = {t: parse_number_text(t, unit) for t in pd.unique(texts)}
        values[idx] = [np.nan if (v := parsed[t]) is None else v for t in texts]
    return values, ~np.isfinite(values)


def _plain_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return "" if value is None else str(value)


def _texts(cells: _Cells, normalise: bool) -> np.ndarray:
    """Text of every cell; ``normalise`` applies NFKC (IDs typed with full-width digits)."""
    out = np.full(cells.raw.size, "", dtype=object)
    is_str = (cells.kinds == str) & ~cells.blank
    strings = cells.raw[is_str]
    out[is_str] = [unicodedata.normalize("NFKC", v).strip() for v in strings] if normalise else \
        [v.strip() for v in strings]
    other = np.flatnonzero((cells.kinds != str) & ~cells.blank)
    out[other] = [_plain_text(v) for v in cells.raw[other]]
    return out


# ------------------------------------------------------------------ table


class _Builder:
    """Turns the table's cells into frame columns, collecting problems."""

    def __init__(self, h: _Header, rows: list[int], lang: str):
        self.h, self.rows, self.lang = h, rows, lang
        self.problems: list[Problem] = []
        self.frame: dict[str, Any] = {}
        self.text_numbers: list[tuple[str, int, str]] = []

    def report(self, name: str, idx: Iterable[int], col0: int, message: Any, raw: np.ndarray) -> None:
        for i in idx:
            text = message(raw[i]) if callable(message) else message
            self.problems.append(Problem(self.h.sheet, cell_ref(self.h.sheet, self.rows[i] - 1, col0),
                                         name, text, raw[i], self.rows[i]))

    def numeric(self, name: str, col0: int, cells: _Cells) -> None:
        values, bad = _numbers(cells, self.h.units.get(name, 0))
        self.report(name, np.flatnonzero(bad), col0, lambda v: _number_reason(name, v, self.lang), cells.raw)
        self.frame[name] = np.where(bad, np.nan, values)
        as_text = np.flatnonzero((cells.kinds == str) & ~bad)
        self.text_numbers += [(name, int(i), str(cells.raw[i])) for i in as_text]

    def text(self, name: str, col0: int, cells: _Cells) -> None:
        self.frame[name] = _texts(cells, normalise=name == "employee_id")
        if name in REQUIRED_FIELDS:
            blank = np.flatnonzero(self.frame[name] == "")
            self.report(name, blank, col0, problem_text("blank", name, self.lang), cells.raw)
        if name == "employee_id":
            self._flag_ids(cells, col0)

    def _flag_ids(self, cells: _Cells, col0: int) -> None:
        booleans = np.flatnonzero(cells.kinds == bool)
        self.report("employee_id", booleans, col0,
                    lambda v: problem_text("id_boolean", "employee_id", self.lang, value=_plain_text(v)), cells.raw)
        ids = pd.Series(self.frame["employee_id"])
        dup = (ids.duplicated(keep="first") & (ids != "")).to_numpy()
        if not dup.any():
            return
        first = dict(zip(ids[::-1], range(len(ids) - 1, -1, -1)))
        for i in np.flatnonzero(dup):
            where = cell_ref(self.h.sheet, self.rows[first[ids[i]]] - 1, col0)
            self.report("employee_id", [i], col0,
                        problem_text("duplicate_id", "employee_id", self.lang, value=ids[i], where=where), cells.raw)


def _extent(blank_rows: np.ndarray) -> np.ndarray:
    """Body positions of the data rows: up to the first ``BLANK_RUN`` blank rows, blanks dropped."""
    stop = blank_rows.size
    if stop >= BLANK_RUN:
        run = np.convolve(blank_rows.astype(np.int64), np.ones(BLANK_RUN, dtype=np.int64), mode="valid")
        ends = np.flatnonzero(run == BLANK_RUN)
        stop = ends[0] if ends.size else stop
    return np.flatnonzero(~blank_rows[:stop])


def read_employees(path: str | Path, sheet: str | None = None) -> EmployeeTable:
    """Read the employee table of a department workbook (see module docstring).

    ``sheet`` forces the sheet; by default it is searched for.  Raises
    ``DepartmentError`` when the file is unreadable or no header is found;
    bad values never raise, they become ``EmployeeTable.problems``.
    """
    with BookSource.open(path) as book:
        return employee_table(book, sheet)


def employee_table(book: BookSource, sheet: str | None = None, language: str | None = None) -> EmployeeTable:
    """``read_employees`` on a workbook already read; ``language`` is the workbook's
    when a command has just chosen it (``--lang``), else the remembered or the headers'."""
    h, grid = _locate(book, sheet, book.path.name)
    _check_unique(h)
    if language is None:
        rules_sheet = find_rules_sheet(book.worksheets, decide_language(h.texts.values()), book.path.name)
        rules = book.grid(rules_sheet) if rules_sheet else None
        language = decide_language(h.texts.values(),
                                   remembered_language(rules, sheet_ref(rules_sheet) if rules_sheet else ""))
    columns = {f: h.found[f][0] + 1 for f in FIELD_ALIASES if f in h.found}
    results = {f: h.found[f][0] + 1 for f in RESULT_ALIASES if f in h.found}
    body = _body(grid, h.row0 + 1, max(len(grid[h.row0]), max(columns.values())))
    cells = {f: _Cells.of(body[:, c - 1]) for f, c in columns.items()}
    keep = _extent(np.logical_and.reduce([c.blank for c in cells.values()]))
    rows = (keep + h.row0 + 2).tolist()
    b = _Builder(h, rows, language)
    for name, col in columns.items():
        (b.numeric if name in NUMERIC_FIELDS else b.text)(name, col - 1, cells[name].take(keep))
    b.problems += _meeting_problems(b, columns)
    problems = sorted(b.problems, key=lambda p: (p.row, columns[p.field]))
    frame = pd.DataFrame({f: pd.Series(b.frame[f], dtype=object if f in TEXT_FIELDS else np.float64)
                          for f in columns})
    units = {f: u for f, u in h.units.items() if u and f in NUMERIC_FIELDS}
    return EmployeeTable(h.sheet, h.row0 + 1, columns, rows, frame, problems, results, units,
                         sorted(b.text_numbers, key=lambda t: (t[1], columns[t[0]])), language)


def _meeting_problems(b: _Builder, columns: dict[str, int]) -> list[Problem]:
    """The meeting's columns, as far as they can be checked without the rules: a
    potential that is not low/medium/high, a calibrated grade without a reason.
    (Whether the calibrated grade is a grade needs the bands: ``calibration_problems``.)"""
    out: list[Problem] = []
    sheet, lang = b.h.sheet, b.lang
    if "potential" in b.frame:
        values = b.frame["potential"]
        bad = [v for v in pd.unique(values[values != ""]) if not _is_potential(v)]  # a column has few texts
        rows = np.flatnonzero(pd.Series(values).isin(bad).to_numpy()) if bad else []
        for i in rows:
            out.append(Problem(sheet, cell_ref(sheet, b.rows[i] - 1, columns["potential"] - 1), "potential",
                               problem_text("potential", "potential", lang, value=values[i]), values[i], b.rows[i],
                               voids_result=False))
    if "calibrated_grade" in b.frame:
        grades = b.frame["calibrated_grade"]
        reasons = b.frame.get("calibration_reason", np.full(len(grades), "", dtype=object))
        for i in np.flatnonzero((grades != "") & (reasons == "")):
            out.append(Problem(sheet, cell_ref(sheet, b.rows[i] - 1, columns["calibrated_grade"] - 1),
                               "calibrated_grade",
                               problem_text("no_reason", "calibrated_grade", lang, value=grades[i],
                                            reason=label("calibration_reason", lang)), grades[i], b.rows[i],
                               voids_result=False))
    return out


def _is_potential(value: Any) -> bool:
    try:
        parse_potential([value])
    except ValueError:
        return False
    return True


def calibration_problems(table: EmployeeTable, rules: Rules) -> list[Problem]:
    """A calibrated grade that is not one of the rules' grades (code, zh or en label),
    naming the cell and the grades there are."""
    if "calibrated_grade" not in table.frame:
        return []
    values = table.frame["calibrated_grade"].to_numpy(dtype=object)
    idx = calibrated_index(values, rules)
    known = ("、" if table.language == "zh" else ", ").join(
        getattr(b, "label_zh" if table.language == "zh" else "label_en") for b in rules.bands)
    return [Problem(table.sheet, table.cell("calibrated_grade", i), "calibrated_grade",
                    problem_text("unknown_grade", "calibrated_grade", table.language, value=values[i], known=known),
                    values[i], table.rows[i]) for i in np.flatnonzero(idx == UNKNOWN_GRADE)]


def engine_reason(name: str, value: Any, rules: Rules, lang: str) -> str:
    """The engine's check that failed, worded in the workbook's language.

    The reader has already reported every value that is not a number, so what is
    left are the engine's range checks (``scoring.score_table``): a target must be
    > 0, a base bonus >= 0, a rating within the rules' range; and results too large
    to compute.
    """
    number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not number:
        return _number_reason(name, value, lang)
    if name in ("profit_target", "tasks_target") and value <= 0:
        return problem_text("positive", name, lang, value=float(value))
    if name == "base_bonus" and value < 0:
        return problem_text("non_negative", name, lang, value=float(value))
    low, high = rules.rating.minimum, rules.rating.maximum
    if name == "rating" and not low <= value <= high:
        return problem_text("range", name, lang, low=float(low), high=float(high), value=float(value))
    return problem_text("too_large", "score" if name == "profit_actual" else name, lang)


def problems_from_scores(table: EmployeeTable, scores: pd.DataFrame, rules: Rules | None = None,
                         known: Sequence[Problem] | None = None) -> list[Problem]:
    """The engine's per-row errors (``score_table(table.frame, rules)``) as cell problems,
    worded in the table's language.

    Rows where the reader already reported the same field are skipped: its
    message ("text 'abc', not a number") says more than the engine's NaN.
    The full list for the user is ``table.problems + problems_from_scores(...)``.
    """
    rules = rules or Rules.default()
    seen = {(p.row, p.field) for p in (table.problems if known is None else known)}
    out: list[Problem] = []
    errors = scores["error"].to_numpy()
    fields = scores["error_field"].to_numpy()
    for i in np.flatnonzero(pd.notna(errors)):
        name, row = fields[i], table.rows[i]
        if (row, name) in seen:
            continue
        if name in table.columns:
            cell, value = table.cell(name, i), table.frame[name].iat[i]
        else:
            cell, value = f"{sheet_ref(table.sheet)}!{row}:{row}", None
        out.append(Problem(table.sheet, cell, name, engine_reason(name, value, rules, table.language), value, row))
    return out


@dataclass(frozen=True)
class HeldBack:
    """Employees whose inputs are unusable, and why (their problems, by cell).

    By default such an employee goes no further than the table: no new interview
    tab, no interview slot, no invitation, no pack – a result that is ``#N/A``
    must not reach a conversation or an e-mail. With ``include`` they go through
    and every output marks them (``flagged``).
    """

    problems: dict[int, tuple[Problem, ...]]  # employee index -> its problems
    lines: dict[int, str]  # employee index -> "1017 张三 – 员工!G18: ..."
    include: bool = False

    def held(self, i: int) -> bool:
        return not self.include and i in self.problems

    def flagged(self, i: int) -> bool:
        return self.include and i in self.problems

    def cells(self, i: int) -> tuple[str, ...]:
        return tuple(dict.fromkeys(p.cell for p in self.problems.get(i, ())))

    def held_lines(self, indices: Iterable[int] | None = None) -> list[str]:
        """One line per held-back employee (of ``indices``, default all), in table order."""
        wanted = self.problems if indices is None else set(indices)
        return [] if self.include else [self.lines[i] for i in sorted(self.problems) if i in wanted]


def all_problems(table: EmployeeTable, scores: pd.DataFrame, rules: Rules | None = None) -> list[Problem]:
    """The one list of input problems every job reports: the reader's and the
    engine's (``scores = score_table(table.frame, rules)``) and the calibrated grades
    that are no grade, in sheet order."""
    found = table.problems + calibration_problems(table, rules or Rules.default())
    return sorted(found + problems_from_scores(table, scores, rules, found), key=lambda p: (p.row or 0, p.cell))


def check_texts(problems: Iterable[Problem]) -> dict[int, str]:
    """Row -> the text of its 输入检查/Input check cell: one ``G18: message`` line per
    problem, in cell order; what ``score`` writes and what the tabs show as cached."""
    notes: dict[int, list[str]] = {}
    for p in sorted(problems, key=lambda p: (p.row or 0, p.cell)):
        if p.row is not None:
            notes.setdefault(p.row, []).append(f"{p.cell.split('!')[-1]}: {p.message}")
    return {row: "\n".join(lines) for row, lines in notes.items()}


def held_back(table: EmployeeTable, rules: Rules, include_errors: bool = False) -> HeldBack:
    """Which employees are held back from the cycle and why: the one decision every
    job after scoring (interview tabs, schedule, packs) asks, so they cannot differ."""
    scores = score_table(table.frame, rules)
    by_row: dict[int, list[Problem]] = {}
    for p in all_problems(table, scores, rules):
        if p.row is not None:
            by_row.setdefault(p.row, []).append(p)
    problems = {i: tuple(sorted(by_row[row], key=lambda p: p.cell))
                for i, row in enumerate(table.rows) if row in by_row}
    ids, names = table.frame["employee_id"], table.frame["name"]
    lines = {i: f"{ids.iat[i] or '?'} {names.iat[i]} – " + "; ".join(f"{p.cell}: {p.message}" for p in ps)
             for i, ps in problems.items()}
    return HeldBack(problems, lines, include_errors)


def first_rows(table: EmployeeTable, only: Sequence[str] | None, skipped: list[str]) -> list[int]:
    """Row positions of the employees a job acts on (a tab, a slot): each ID once (its
    first row), none blank, only those of ``only`` when given; the others are listed in
    ``skipped`` with the reason."""
    wanted = {str(i).strip() for i in only} if only else None
    seen: set[str] = set()
    chosen = []
    for i, eid in enumerate(table.frame["employee_id"]):
        if wanted is not None and eid not in wanted:
            continue
        where = job_text("row", table.language, sheet=table.sheet, row=table.rows[i])
        if not eid:
            skipped.append(job_text("no_id", table.language, where=where))
        elif eid in seen:
            skipped.append(job_text("repeated_id", table.language, where=where, eid=eid))
        else:
            seen.add(eid)
            chosen.append(i)
    return chosen



# ------------------------------------------------------------------ rules


def read_rules(path: str | Path, lang: str | None = None) -> Rules:
    """The rules on the workbook's 规则/Rules sheet, or ``Rules.default()``.

    The sheet's layout starts at A1 (``rules.py``); a bad value raises
    ``RulesError`` whose ``cell`` names it, e.g. ``规则!B3``, worded in ``lang``
    (by default the language the sheet remembers, else its name's: 规则 or Rules).
    """
    with BookSource.open(path) as book:
        return rules_of(book, lang)


def rules_of(book: BookSource, lang: str | None = None, sheet: str | None = None) -> Rules:
    """``read_rules`` on a workbook already read; ``sheet`` is its rules sheet when the
    caller has looked it up already (``find_rules_sheet``)."""
    sheet = sheet if sheet is not None else find_rules_sheet(book.worksheets, lang or "zh", book.path.name)
    grid = book.grid(sheet) if sheet else None
    if grid is None:
        return Rules.default()
    if lang is None:
        lang = remembered_language(grid, sheet_ref(sheet)) or ("zh" if is_chinese(sheet) else "en")
    return rules_from_rows(grid, sheet=sheet_ref(sheet), origin=(0, 0), lang=lang)


def rules_grid(path: str | Path) -> tuple[str | None, list[list[Any]] | None]:
    """The rules sheet's name and cells (``grid[r][c]``), or (None, None) without one."""
    with BookSource.open(path) as book:
        sheet = find_rules_sheet(book.worksheets, file=book.path.name)
        return (sheet, book.grid(sheet)) if sheet else (None, None)


__all__ = [
    "BLANK_RUN", "DepartmentError", "EmployeeTable", "FIELD_ALIASES", "HEADER_SCAN_ROWS", "HeldBack", "Problem",
    "RESULT_ALIASES", "RulesSheetError", "all_problems", "calibration_problems", "cell_ref", "check_texts", "employee_table",
    "find_rules_sheet", "first_rows", "held_back",
    "is_rules_sheet", "match_header", "parse_number_text", "problems_from_scores", "read_employees",
    "read_rules", "rules_grid", "rules_of", "sheet_ref",
]
