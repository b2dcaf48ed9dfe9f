"""A new worksheet described as plain data.

The interview tab, the reconciliation tab and the others are values of these
classes; the writer renders them to XML, and the same description could be
rendered into a live Excel sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Union

from .errors import WorkbookError
from .refs import parse_cell, parse_range
from .styles import Style
from .values import Value


@dataclass(frozen=True)
class Cell:
    """A value with a style; a bare value in a mapping means the default style."""

    value: Value = None
    style: Style | None = None


CellInput = Union[Cell, Value]


@dataclass(frozen=True)
class Margins:
    """Page margins in inches, as Excel stores them."""

    left: float = 0.5
    right: float = 0.5
    top: float = 0.6
    bottom: float = 0.6
    header: float = 0.3
    footer: float = 0.3


PAPER_SIZES = {"A4": 9, "A3": 8, "Letter": 1, "Legal": 5, "A5": 11}


@dataclass(frozen=True)
class PrintSetup:
    """Paper, orientation and scaling. ``fit_width``/``fit_height`` fit the print
    area onto that many pages (0 means "as many as needed" in that direction)."""

    paper: str = "A4"
    landscape: bool = False
    fit_width: int | None = 1
    fit_height: int | None = 1
    margins: Margins = Margins()
    print_area: str | None = None  # e.g. "A1:H40"
    repeat_rows: tuple[int, int] | None = None  # e.g. (1, 2) repeats rows 1–2
    center_horizontally: bool = False
    header: str | None = None  # Excel header codes, e.g. "&C&A"
    footer: str | None = None  # e.g. "&L工号 1024&R&P / &N"
    #: number the sheet's pages from here (&P) instead of continuing the workbook's
    #: count, so a tab printed together with others still says "page 1"
    first_page_number: int | None = None

    def __post_init__(self) -> None:
        if self.paper not in PAPER_SIZES:
            raise WorkbookError(f"paper {self.paper!r} is not one of {sorted(PAPER_SIZES)}")
        if self.print_area:
            parse_range(self.print_area)
        if self.repeat_rows and not 1 <= self.repeat_rows[0] <= self.repeat_rows[1]:
            raise WorkbookError(f"repeat rows {self.repeat_rows} are not a range of rows")


@dataclass(frozen=True)
class Protection:
    """Sheet protection. Cells stay editable where their style has ``locked=False``.
    An empty password protects against accidents, not against people."""

    password: str = ""
    select_locked: bool = True
    format_columns: bool = False
    format_rows: bool = False


@dataclass(frozen=True)
class ListValidation:
    """A drop-down list on a range: fixed choices, or a range reference as source."""

    ref: str  # "B5" or "B5:B9"
    choices: tuple[str, ...] = ()
    source: str | None = None  # e.g. "$K$1:$K$5" instead of choices
    allow_blank: bool = True
    prompt: str | None = None
    error: str | None = None

    def __post_init__(self) -> None:
        parse_range(self.ref)
        if bool(self.choices) == bool(self.source):
            raise WorkbookError(f"validation on {self.ref}: give either choices or a source")
        if any("," in c or '"' in c for c in self.choices):
            raise WorkbookError(f"validation on {self.ref}: choices may not contain , or \"")
        if len(",".join(self.choices)) > 255:
            raise WorkbookError(
                f"validation on {self.ref}: choices exceed Excel's 255 characters; "
                "put them in cells and use a source range")


@dataclass
class SheetSpec:
    """Everything the writer needs to render one new worksheet."""

    name: str
    cells: Mapping[str, CellInput] = field(default_factory=dict)
    merges: list[str] = field(default_factory=list)
    col_widths: Mapping[int, float] = field(default_factory=dict)  # column number → width
    row_heights: Mapping[int, float] = field(default_factory=dict)
    print_setup: PrintSetup | None = None
    protection: Protection | None = None
    validations: list[ListValidation] = field(default_factory=list)
    tab_color: str | None = None  # RGB hex
    show_gridlines: bool = True
    freeze: str | None = None  # top-left cell of the scrolling pane, e.g. "A3"
    kind: str = "sheet"  # recorded with the sheet so the tool knows it made it
    #: native charts drawn on the sheet (``chart.BarChart``); the editor writes their parts
    charts: list = field(default_factory=list)

    def check(self) -> None:
        """Reject overlapping merges and bad references before anything is written."""
        for ref in self.cells:
            parse_cell(ref)
        spans = [parse_range(m) for m in self.merges]
        for i, a in enumerate(spans):
            if a[0] == a[2] and a[1] == a[3]:
                raise WorkbookError(f"sheet {self.name}: merge {self.merges[i]} is one cell")
            for j in range(i):
                b = spans[j]
                if a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]:
                    raise WorkbookError(
                        f"sheet {self.name}: merges {self.merges[j]} and {self.merges[i]} overlap")
        if self.freeze:
            parse_cell(self.freeze)


def as_cell(item: CellInput) -> Cell:
    return item if isinstance(item, Cell) else Cell(item)
