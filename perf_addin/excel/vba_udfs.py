"""The VBA side of the ``PERF_*`` functions, generated from ``udfs.UDF_SPECS``.

On Windows xlwings' "Import Functions" writes one VBA wrapper per Python UDF
into the open workbook, which needs Excel. The add-in is built from text
instead, so this module writes the same wrappers (each forwards its arguments
to xlwings' ``XLPy.CallUDF``, as xlwings' own generator does for an add-in:
``ActiveWorkbook``, ``Application.Caller``) into ``vba_shim/PerfUdfs.bas``,
plus ``RegisterFunctionHelp``, which gives Excel's function wizard the
descriptions, argument help and category (``Application.MacroOptions``; Excel
stores none of that for VBA functions, so ``ThisWorkbook`` calls it on load).

The file is checked in, and a test fails when it is out of date with
``udfs.py``: run ``perf-addin addin udfs`` after changing ``UDF_SPECS``.
"""

from __future__ import annotations

from pathlib import Path

from perf_addin.excel.udf_specs import ERROR_PREFIX, UDF_SPECS, UdfSpec

UDF_PYTHON_MODULE = "perf_addin.excel.udfs"
VBA_MODULE = "PerfUdfs"
FILE_NAME = f"{VBA_MODULE}.bas"
MACRO_OPTIONS_LIMIT = 255  # Excel's limit for a description and each argument's help
OPTIONAL_ARGS = {"rules"}  # Python default None: xlwings passes a missing argument as the default


def vba_string(text: str) -> str:
    """A VBA expression for ``text``.

    A module's source is stored in the project's code page (Windows-1252 here),
    so anything outside ASCII – the Chinese grade labels – is spelt ``ChrW(&H…)``.
    """
    pieces: list[str] = []
    run = ""
    for ch in text:
        if 32 <= ord(ch) < 127:
            run += '""' if ch == '"' else ch
            continue
        if run:
            pieces.append(f'"{run}"')
            run = ""
        pieces.append(f"ChrW(&H{ord(ch):X})")
    if run or not pieces:
        pieces.append(f'"{run}"')
    return " & ".join(pieces)


def _signature(spec: UdfSpec) -> str:
    names = [("Optional " if arg in OPTIONAL_ARGS else "") + arg for arg, _ in spec.args]
    return f"Function {spec.name}({', '.join(names)})"


def wrapper(spec: UdfSpec) -> list[str]:
    """One cell-callable VBA function that hands its arguments to Python."""
    args = f"Array({', '.join(arg for arg, _ in spec.args)})"
    call = f'XLPy.CallUDF("{UDF_PYTHON_MODULE}", "{spec.name}", {args}'
    return [
        _signature(spec),
        '    #If App = "Microsoft Excel" Then',
        "        If TypeOf Application.Caller Is Range Then On Error GoTo failed",
        f"        {spec.name} = {ERRORS_FUNCTION}({call}, ActiveWorkbook, Application.Caller))",
        "        Exit Function",
        "    #Else",
        f"        {spec.name} = {ERRORS_FUNCTION}({call}))",
        "        Exit Function",
        "    #End If",
        "failed:",
        f"    {spec.name} = Err.Description",
        "End Function",
        "",
    ]


ERRORS_FUNCTION = "PerfErrors"


def errors_function() -> list[str]:
    """VBA that turns Python's per-row ``"#N/A: reason"`` texts into real ``#N/A``
    error values. A text would be skipped by SUM, so a bonus total over these
    cells would come out short without a sign; an error makes it fail loudly.
    The reason is on the 输入检查 column and the Check inputs sheet."""
    prefix = vba_string(ERROR_PREFIX)
    return [
        f"Private Function {ERRORS_FUNCTION}(result)",
        "    Dim r As Long, c As Long",
        "    If IsArray(result) Then",
        "        For r = LBound(result, 1) To UBound(result, 1)",
        "            For c = LBound(result, 2) To UBound(result, 2)",
        "                If VarType(result(r, c)) = vbString Then",
        f"                    If Left$(result(r, c), {len(ERROR_PREFIX)}) = {prefix} Then result(r, c) = CVErr(xlErrNA)",
        "                End If",
        "            Next c",
        "        Next r",
        "    ElseIf VarType(result) = vbString Then",
        f"        If Left$(result, {len(ERROR_PREFIX)}) = {prefix} Then result = CVErr(xlErrNA)",
        "    End If",
        f"    {ERRORS_FUNCTION} = result",
        "End Function",
        "",
    ]


def _help(text: str) -> str:
    return vba_string(text[:MACRO_OPTIONS_LIMIT])


def macro_options(spec: UdfSpec) -> list[str]:
    """The ``Application.MacroOptions`` call for one function, one argument per line."""
    lines = [f"""    Application.MacroOptions Macro:="'" & ThisWorkbook.Name & "'!{spec.name}", _""",
             f"        Description:={_help(spec.description)}, _",
             f"        Category:={vba_string(spec.category)}, _",
             "        ArgumentDescriptions:=Array( _"]
    lines += [f"            {_help(text)}, _" for _, text in spec.args[:-1]]
    lines.append(f"            {_help(spec.args[-1][1])})")
    return lines


def module_text(specs: dict[str, UdfSpec] = UDF_SPECS) -> str:
    """The whole ``PerfUdfs.bas``, CRLF line ends as VBA exports them."""
    lines = [
        f'Attribute VB_Name = "{VBA_MODULE}"',
        f"' Generated from {UDF_PYTHON_MODULE}.UDF_SPECS by `perf-addin addin udfs`: do not edit by hand.",
        "' Each PERF_* function forwards to Python through xlwings (Windows; xlwings has no UDFs on macOS).",
        '#Const App = "Microsoft Excel"',
        "Option Explicit",
        "",
    ]
    for spec in specs.values():
        lines += wrapper(spec)
    lines += errors_function()
    lines += ["' Function-wizard help; errors are ignored so that loading the add-in never stops here.",
              "Public Sub RegisterFunctionHelp()",
              "    On Error Resume Next"]
    for spec in specs.values():
        lines += macro_options(spec)
    lines += ["End Sub", ""]
    return "\r\n".join(lines)


def write_module(shim_dir: str | Path) -> Path:
    """(Re)write ``PerfUdfs.bas`` in ``shim_dir``; bytes only change when the specs do."""
    target = Path(shim_dir) / FILE_NAME
    data = module_text().encode("ascii")
    if not target.exists() or target.read_bytes() != data:
        target.write_bytes(data)
    return target


__all__ = ["FILE_NAME", "VBA_MODULE", "macro_options", "module_text", "vba_string", "wrapper",
           "write_module"]
