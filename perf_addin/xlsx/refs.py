"""A1 references: the small arithmetic every part of the writer shares."""

from __future__ import annotations

import re
from functools import lru_cache

from .errors import WorkbookError

MAX_ROW = 1_048_576
MAX_COL = 16_384

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def col_letter(col: int) -> str:
    """1 → A, 28 → AB."""
    if not 1 <= col <= MAX_COL:
        raise WorkbookError(f"column {col} is outside Excel's 1..{MAX_COL}")
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@lru_cache(maxsize=4096)
def col_index(letters: str) -> int:
    """A → 1, AB → 28 (cached: it runs for every cell an edit passes)."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def cell_ref(row: int, col: int) -> str:
    return f"{col_letter(col)}{row}"


def parse_cell(ref: str) -> tuple[int, int]:
    """'B7' (or '$B$7') → (7, 2); a clear error for anything else."""
    m = _CELL.match(ref.strip())
    if not m:
        raise WorkbookError(f"{ref!r} is not a cell reference like B7")
    row, col = int(m.group(2)), col_index(m.group(1))
    if not (1 <= row <= MAX_ROW and 1 <= col <= MAX_COL):
        raise WorkbookError(f"{ref} is outside the sheet")
    return row, col


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """'A1:C3' → (1, 1, 3, 3) as (min_row, min_col, max_row, max_col); 'B2' is B2:B2."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_cell(first)
    r2, c2 = parse_cell(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def range_ref(min_row: int, min_col: int, max_row: int, max_col: int) -> str:
    first, last = cell_ref(min_row, min_col), cell_ref(max_row, max_col)
    return first if first == last else f"{first}:{last}"


def absolute(ref: str) -> str:
    """'A1:C3' → '$A$1:$C$3', for defined names."""
    r1, c1, r2, c2 = parse_range(ref)
    return f"${col_letter(c1)}${r1}:${col_letter(c2)}${r2}"


_LOOKS_LIKE_REF = re.compile(r"[A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[RrCc]")


def quote_sheet(name: str) -> str:
    """A sheet name as it stands before '!' in a formula or a message, quoted only
    where Excel quotes it: 员工 and Sheet1 stay bare, 'Dept 1', 'O''Neil' and 'A1' do not."""
    if re.fullmatch(r"[^\W\d]\w*", name) and not _LOOKS_LIKE_REF.fullmatch(name):
        return name
    return "'" + name.replace("'", "''") + "'"
