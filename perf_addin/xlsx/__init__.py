"""The in-place workbook writer: change what you are told, keep every other byte.

Public API::

    from perf_addin.xlsx import Workbook, SheetSpec, Cell, Style, Formula

No xlwings, no object-model round trip: the package is edited part by part.
"""

from .editor import Workbook
from .errors import WorkbookError
from .names import check_sheet_name, sheet_name_problem, unique_sheet_name
from .spec import Cell, ListValidation, Margins, PrintSetup, Protection, SheetSpec
from .styles import Style
from .values import CellError, Formula

__all__ = [
    "Cell", "CellError", "Formula", "ListValidation", "Margins", "PrintSetup", "Protection",
    "SheetSpec", "Style", "Workbook", "WorkbookError", "check_sheet_name",
    "sheet_name_problem", "unique_sheet_name",
]
