"""How tall a row must be for its wrapped text to show whole, estimated without a renderer.

Neither Excel nor LibreOffice grows a row whose height the file sets, and a
generated form must set heights (Excel does not fit rows on opening a file);
so the writer of a sheet computes them from the text it writes. The estimate
is deliberately generous – a row a little too tall costs a few points of the
page, a row too short hides what a person typed:

* a column of width ``w`` (Excel's unit, the width of ``0`` in the default
  11 pt font, about 5.25 pt) is ``w × 5.25 − 4`` points wide inside its
  borders; a merged cell is the sum of its columns;
* an East Asian wide or full-width character (CJK, full-width punctuation)
  is one em wide, any other character 0.6 em – wider than the average Latin
  letter, so a line of capitals still fits;
* Latin words are not split across lines (both programs wrap at spaces), CJK
  text breaks between any two characters, a newline always breaks;
* a line is 1.45 em high (Noto Sans CJK's line height, the tallest of the
  fonts LibreOffice and Excel use here), plus 4 pt of cell padding.
"""

from __future__ import annotations

import math
import unicodedata

POINTS_PER_WIDTH = 5.25
CELL_PADDING = 4.0
WIDE_EM = 1.0
NARROW_EM = 0.6
LINE_EM = 1.45
MAX_ROW_HEIGHT = 409.0  # Excel's largest row height in points


def char_em(char: str) -> float:
    """Width of one character in em."""
    return WIDE_EM if unicodedata.east_asian_width(char) in ("W", "F") else NARROW_EM


def _tokens(paragraph: str) -> list[str]:
    """Latin words (with the spaces after them) stay whole; every wide character is its own token."""
    out: list[str] = []
    current = ""
    for char in paragraph:
        if char.isspace():
            current += char
            continue
        wide = char_em(char) == WIDE_EM
        if current and (wide or current[-1].isspace() or char_em(current[-1]) == WIDE_EM):
            out.append(current)
            current = ""
        current += char
    return out + [current] if current else out


def wrapped_lines(text: str, width_units: float, font_size: float) -> int:
    """Lines ``text`` needs in a cell ``width_units`` wide (see the module docstring)."""
    room = max(width_units * POINTS_PER_WIDTH - CELL_PADDING, font_size)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += 1
        used = 0.0
        for token in _tokens(paragraph):
            size = sum(char_em(c) for c in token.rstrip()) * font_size
            if used and used + size > room:
                lines += 1
                used = 0.0
            while size > room:  # a word longer than the line breaks inside it
                lines += 1
                size -= room
            used += size + (len(token) - len(token.rstrip())) * NARROW_EM * font_size
    return lines


def text_height(text: str, width_units: float, font_size: float) -> float:
    """Row height in points that shows ``text`` whole."""
    return math.ceil(wrapped_lines(text, width_units, font_size) * LINE_EM * font_size + CELL_PADDING)


def fitting_font(text: str, width_units: float, font_size: float, smallest: float = 6.0) -> float:
    """The largest font size, from ``font_size`` down in half points, at which
    ``text`` fits in Excel's tallest row; ``smallest`` when none does."""
    size = font_size
    while size > smallest and text_height(text, width_units, size) > MAX_ROW_HEIGHT:
        size -= 0.5
    return size


__all__ = ["MAX_ROW_HEIGHT", "fitting_font", "text_height", "wrapped_lines"]
