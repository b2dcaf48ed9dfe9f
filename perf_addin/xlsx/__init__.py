"""The in-place workbook writer: change what you are told, keep every other byte.

Public API::

    from perf_addin.xlsx import Workbook, SheetSpec, Cell, Style, Formula

No xlwings, no object-model round trip: the package is edited part by part.
"""

import importlib
from typing import Any

#: the public names and the module each lives in; loaded on first use, so importing
#: one small module of the writer (``perf_addin.xlsx.refs``) does not load lxml
_HOMES = {
    "Workbook": "editor", "WorkbookError": "errors", "check_sheet_name": "names",
    "sheet_name_problem": "names", "unique_sheet_name": "names", "Cell": "spec",
    "ListValidation": "spec", "Margins": "spec", "PrintSetup": "spec", "Protection": "spec",
    "SheetSpec": "spec", "Style": "styles", "CellError": "values", "Formula": "values",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
