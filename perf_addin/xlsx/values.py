"""What goes inside a ``<c>`` element, decided once for new and for edited sheets.

A value becomes plain data (:class:`CellContent`); two small renderers turn it into
XML text (new sheets) or lxml elements (edited sheets), so both paths agree.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Union

from .errors import WorkbookError

MAX_TEXT = 32_767
ERROR_CODES = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)


@dataclass(frozen=True)
class CellError:
    """An Excel error value such as ``#N/A``, as a cached result or a plain value."""

    code: str

    def __post_init__(self) -> None:
        if self.code not in ERROR_CODES:
            raise WorkbookError(f"{self.code!r} is not an Excel error value")


Scalar = Union[None, bool, int, float, Decimal, str, dt.date, dt.datetime, dt.time, CellError]


@dataclass(frozen=True)
class Formula:
    """A formula (without the leading '=') and the value it computes to.

    The cached value matters: readers that do not calculate (pandas, previews, a
    mail client) show it, and LibreOffice shows it unless told to recalculate.
    """

    text: str
    cached: Scalar = None

    def __post_init__(self) -> None:
        if self.text.startswith("="):
            object.__setattr__(self, "text", self.text[1:])
        if not self.text:
            raise WorkbookError("empty formula")


Value = Union[Scalar, Formula]


@dataclass(frozen=True)
class CellContent:
    """The attributes and children of one ``<c>``: ``t``, ``<f>``, ``<v>``, ``<is>``."""

    type: str | None = None  # the t attribute
    formula: str | None = None
    value: str | None = None  # text of <v>
    inline: str | None = None  # text of <is><t>


def content(value: Value, date1904: bool = False) -> CellContent:
    """Decide how ``value`` is stored. Text is always text: '=1+1' stays a string."""
    if isinstance(value, Formula):
        cached = _scalar(value.cached, date1904)
        if cached.inline is not None:  # a cached string lives in <v> with t="str"
            return CellContent("str", value.text, cached.inline)
        return CellContent(cached.type, value.text, cached.value)
    return _scalar(value, date1904)


def cached_part(value: Scalar, date1904: bool = False) -> tuple[str | None, str | None]:
    """A formula's cached value as (the cell's ``t``, the text of its ``<v>``), what
    ``content(Formula(..., value))`` decides, with a short path for the numbers and
    texts a column fill caches 100,000 times."""
    kind = type(value)
    if kind is float and math.isfinite(value):
        return None, (str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value))
    if kind is int:
        return None, str(value)
    if kind is str and len(value) <= MAX_TEXT:
        return "str", value
    if kind is CellError:
        return "e", value.code
    body = content(Formula("0", value), date1904)
    return body.type, body.value


def cached_parts(values: list, date1904: bool = False) -> list[tuple[str | None, str | None]]:
    """``cached_part`` of every value of a column, the finite floats (most of them)
    decided inline."""
    return [(None, repr(v) if not v.is_integer() or abs(v) >= 1e15 else str(int(v)))
            if type(v) is float and v - v == 0 else cached_part(v, date1904) for v in values]


def _scalar(value: Scalar, date1904: bool) -> CellContent:
    if value is None:
        return CellContent()
    if isinstance(value, CellError):
        return CellContent("e", value=value.code)
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return CellContent("b", value="1" if value else "0")
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise WorkbookError(f"text of {len(value)} characters; a cell holds at most {MAX_TEXT}")
        return CellContent("inlineStr", inline=value)
    if isinstance(value, (dt.date, dt.time)):
        return CellContent(value=number_text(excel_serial(value, date1904)))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise WorkbookError(f"cannot write {value} to a cell")
        return CellContent(value=format(value, "f"))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise WorkbookError(f"cannot write a {type(value).__name__} to a cell") from None
    if not math.isfinite(number):
        raise WorkbookError(f"cannot write {number} to a cell (Excel has no NaN or infinity)")
    return CellContent(value=number_text(value))


def number_text(value: object) -> str:
    """Shortest text that reads back as the same double (what Excel writes, too)."""
    if isinstance(value, int) or type(value).__name__.startswith("int"):
        return str(int(value))
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def excel_serial(value: dt.date | dt.time, date1904: bool = False) -> float:
    """Days since the workbook's epoch, as Excel stores dates and times."""
    if isinstance(value, dt.time):
        return (value.hour * 3600 + value.minute * 60 + value.second
                + value.microsecond / 1e6) / 86400
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    delta = value - epoch
    serial = delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6
    if not date1904 and serial < 61:
        # Excel's fictitious 1900-02-29 shifts serials before March 1900 by one.
        serial -= 1
        if serial < 1:
            raise WorkbookError(f"{value:%Y-%m-%d} is before Excel's first date, 1900-01-01")
    return serial


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def escape_text(text: str) -> str:
    """OOXML's ``_xHHHH_`` escape for characters XML cannot carry.

    An underscore that would otherwise read as the start of such an escape is
    escaped too, so the text reads back exactly as written.
    """
    return _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)
