"""Assemble ``perf_addin.xlam`` from text files, with no Excel involved.

Sources, all plain text:

* ``vba_shim/*.bas`` and ``*.cls`` – our VBA (the ribbon callback, the generated
  ``PERF_*`` wrappers, the workbook and sheet modules), stored exactly as the
  module source Excel keeps (``Attribute`` lines first, CRLF line ends);
* ``vba_shim/customUI.xml`` – the ribbon;
* xlwings' own ``xlwings_custom_addin.bas`` (``RunPython``, ``XLPy.CallUDF``)
  and ``addin/Dictionary.cls`` (which that module uses on macOS), read from the
  installed xlwings package at build time, never copied into this repository.
  The VBA and the user's Python must use the same xlwings version: the module
  loads ``xlwings64-<version>.dll``.

``vbaProject.bin`` is written with ms-ovba's Python API. Its command line adds
blank document modules and skips class modules; its API takes ours. Three
things in it need care, see ``vba_project``: it writes scratch files into the
current directory; its project-stream obfuscation (CMG/DPB/GC) draws a random
seed from the global ``random`` module, which made two builds differ; and its
compressor (ms-ovba-compression 1.0.1) computes a copy token's maximum length
as ``0xFFFF << (bitCount + 3)`` instead of ``(0xFFFF >> bitCount) + 3``, so a
repeat longer than a token can hold (long runs of spaces in xlwings' module)
corrupts the module source – olevba then reads back garbage.

The package itself is written part by part with fixed zip timestamps, order
and attributes, so the same sources give the same bytes.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator
from xml.sax.saxutils import escape

from lxml import etree

from perf_addin.xlsx.package import content_types_xml, new_package, relationships_xml

SHIM_DIR = Path(__file__).resolve().parents[2] / "vba_shim"
XLAM_NAME = "perf_addin.xlam"
RIBBON_FILE = "customUI.xml"
PROJECT_NAME = "perf_addin"  # xlwings' custom add-in module reads its config from PROJECT_NAME.conf
CONFIG_SHEET = f"{PROJECT_NAME}.conf"
CONFIG = {  # keys as xlwings' GetConfig reads them (case-insensitive)
    "UDF Modules": "perf_addin.excel.udfs",
    # the folder of the user's workbook must not shadow the installed package
    "ADD_WORKBOOK_TO_PYTHONPATH": "false",
}
VBA_PROJECT_ID = "{6C0E7A52-3F1B-4E5C-9B1D-2A7F4C8E9D10}"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
RIBBON_NS = "http://schemas.microsoft.com/office/2006/01/customui"
_DOC_GUIDS = {"ThisWorkbook": "00020819-0000-0000-C000-000000000046",
              "Sheet1": "00020820-0000-0000-C000-000000000046"}
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class AddinBuildError(OSError):
    """A source file is missing or unusable; the message names it."""


@dataclass(frozen=True)
class VbaModule:
    """One VBA module as stored in the project: its name, kind and source text."""

    name: str
    kind: str  # "module", "class" or "document"
    text: str  # CRLF line ends, ASCII/Windows-1252 only
    origin: str  # where the text came from, for error messages


# ------------------------------------------------------------------ VBA sources


def _module_name(text: str, origin: str) -> str:
    found = re.search(r'^Attribute VB_Name = "([^"]+)"', text, re.MULTILINE)
    if not found:
        raise AddinBuildError(f"{origin}: no 'Attribute VB_Name' line")
    return found.group(1)


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def read_module(path: Path, kind: str | None = None) -> VbaModule:
    """A module from a text file; a class export's ``VERSION``/``BEGIN`` header,
    which Excel does not keep in the project, is dropped."""
    raw = path.read_bytes()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError as err:
        raise AddinBuildError(f"{path.name}: VBA source must be ASCII (use ChrW for other "
                              f"characters); byte {err.start} is not") from None
    text = _crlf(text)
    start = text.find("Attribute VB_Name")
    text = text[max(start, 0):]
    name = _module_name(text, path.name)
    if kind is None:
        kind = "document" if name in _DOC_GUIDS else "class" if path.suffix == ".cls" else "module"
    return VbaModule(name, kind, text, path.name)


def shim_modules(shim_dir: str | Path = SHIM_DIR) -> list[VbaModule]:
    """Our modules, documents first (as Excel orders them), then by name."""
    folder = Path(shim_dir)
    files = sorted([*folder.glob("*.bas"), *folder.glob("*.cls")], key=lambda p: p.name)
    if not files:
        raise AddinBuildError(f"no .bas or .cls files in {folder}")
    modules = [read_module(f) for f in files]
    missing = set(_DOC_GUIDS) - {m.name for m in modules}
    if missing:
        raise AddinBuildError(f"{folder}: the document module(s) {', '.join(sorted(missing))} are missing")
    return sorted(modules, key=lambda m: (m.kind != "document", m.name))


def xlwings_dir() -> Path:
    import xlwings

    return Path(xlwings.__file__).resolve().parent


def xlwings_version() -> str:
    import xlwings

    return xlwings.__version__


def xlwings_modules() -> list[VbaModule]:
    """xlwings' VBA for custom add-ins, named for this add-in (its config sheet
    and user config file become ``perf_addin.conf``), and the Dictionary class
    it needs on macOS."""
    folder = xlwings_dir()
    main = read_module(folder / "xlwings_custom_addin.bas")
    text, count = re.subn(r'(PROJECT_NAME As String = )"myaddin"', rf'\1"{PROJECT_NAME}"', main.text)
    if count != 1:
        raise AddinBuildError(f"xlwings {xlwings_version()}: xlwings_custom_addin.bas has no "
                              "PROJECT_NAME constant to set; this xlwings version is not supported")
    return [VbaModule(main.name, "module", text, main.origin),
            read_module(folder / "addin" / "Dictionary.cls", "class")]


def all_modules(shim_dir: str | Path = SHIM_DIR) -> list[VbaModule]:
    ours = shim_modules(shim_dir)
    theirs = xlwings_modules()
    clash = {m.name.casefold() for m in ours} & {m.name.casefold() for m in theirs}
    if clash:
        raise AddinBuildError(f"module name(s) {', '.join(sorted(clash))} used by xlwings too")
    return ours + theirs


# ------------------------------------------------------------------ vbaProject.bin


@contextmanager
def _inside(folder: Path) -> Iterator[None]:
    """ms-ovba writes its streams into the current directory."""
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@contextmanager
def _fixed_random(seed: int = 0) -> Iterator[None]:
    """ms-ovba obfuscates the project's CMG/DPB/GC values with ``random.randint``;
    a fixed seed makes them, and so the file, the same on every build. The
    caller's random state is put back afterwards."""
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


@contextmanager
def _correct_copy_tokens() -> Iterator[None]:
    """Cap copy-token lengths as MS-OVBA 2.4.1.3.19.3 says (see module docstring)."""
    from ms_ovba_compression.ms_ovba import MsOvba

    original = MsOvba.__dict__["copytoken_help"]

    def help_(difference: int) -> dict:
        values = original.__func__(difference)
        return {**values, "maxLength": (0xFFFF >> values["bitCount"]) + 3}

    MsOvba.copytoken_help = staticmethod(help_)
    try:
        yield
    finally:
        MsOvba.copytoken_help = original


def _ovba_module(module: VbaModule, folder: Path):
    from ms_ovba.Models.Entities.doc_module import DocModule
    from ms_ovba.Models.Entities.module_base import ModuleBase
    from ms_ovba.Models.Entities.std_module import StdModule

    class ClassModule(ModuleBase):  # ms-ovba 0.0.1 has no class module type
        def __init__(self, name: str) -> None:
            super().__init__(name)
            self.type = "Document"  # the dir stream gives classes and documents one type id

        def to_project_module_string(self) -> str:
            return "Class=" + self.name

    kinds = {"module": StdModule, "class": ClassModule, "document": DocModule}
    entry = kinds[module.kind](module.name)
    path = folder / module.name
    path.with_name(module.name + ".new").write_bytes(module.text.encode("cp1252"))
    entry.add_file(str(path))  # ms-ovba reads <path>.new and writes <path>.bin
    return entry


def _references():
    from ms_ovba.Models.Entities.reference import Reference
    from ms_ovba.Models.Entities.reference_registered import ReferenceRegistered
    from ms_ovba.Models.Fields.libid_reference import LibidReference

    stdole = LibidReference(uuid.UUID("00020430-0000-0000-C000-000000000046"), "2.0", "0",
                            "C:\\Windows\\System32\\stdole2.tlb", "OLE Automation")
    office = LibidReference(uuid.UUID("2DF8D04C-5BFA-101B-BDE5-00AA0044DE52"), "2.0", "0",
                            "C:\\Program Files\\Common Files\\Microsoft Shared\\OFFICE16\\MSO.DLL",
                            "Microsoft Office 16.0 Object Library")  # IRibbonControl
    return [Reference(ReferenceRegistered(stdole), "stdole"),
            Reference(ReferenceRegistered(office), "Office")]


def vba_project(modules: list[VbaModule]) -> bytes:
    """``vbaProject.bin`` holding ``modules`` as source (no compiled cache:
    Excel compiles on first use)."""
    from ms_ovba.vbaProject import VbaProject
    from ms_ovba.Views.project_ole_file import ProjectOleFile

    with tempfile.TemporaryDirectory(prefix="perf-addin-vba-") as tmp:
        folder = Path(tmp)
        project = VbaProject()
        project.project_id = VBA_PROJECT_ID
        for module in modules:
            project.add_module(_ovba_module(module, folder))
        for reference in _references():
            project.add_reference(reference)
        with _inside(folder), _fixed_random(), _correct_copy_tokens():
            ProjectOleFile.write_file(project)
        return (folder / "vbaProject.bin").read_bytes()


# ------------------------------------------------------------------ the package


def _xml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + body).encode("utf-8")


def _content_types() -> bytes:
    return content_types_xml({
        "/xl/workbook.xml": "application/vnd.ms-excel.addin.macroEnabled.main+xml",
        "/xl/worksheets/sheet1.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
        "/xl/styles.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
        "/xl/vbaProject.bin": "application/vnd.ms-office.vbaProject",
    })


def _workbook() -> bytes:
    return _xml(f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_REL}">'
                '<workbookPr codeName="ThisWorkbook"/>'
                '<bookViews><workbookView visibility="hidden"/></bookViews>'
                f'<sheets><sheet name="{CONFIG_SHEET}" sheetId="1" r:id="rId1"/></sheets>'
                "</workbook>")


def _styles() -> bytes:
    return _xml(f'<styleSheet xmlns="{_MAIN}">'
                '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
                '<fills count="2"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                "</styleSheet>")


def config_notes() -> list[str]:
    """Column D of the config sheet: for people, never read by xlwings (which reads A:B)."""
    return [f"Read by xlwings {xlwings_version()} (keys in A, values in B).",
            "The Python interpreter is set per user by `perf-addin addin install`.",
            "A workbook can override a key with its own sheet of this name."]


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def _config_sheet() -> bytes:
    keys = list(CONFIG.items())
    notes = config_notes()
    rows = []
    for r in range(1, max(len(keys), len(notes)) + 1):
        cells = ""
        if r <= len(keys):
            cells += _inline(f"A{r}", keys[r - 1][0]) + _inline(f"B{r}", keys[r - 1][1])
        if r <= len(notes):
            cells += _inline(f"D{r}", notes[r - 1])
        rows.append(f'<row r="{r}">{cells}</row>')
    return _xml(f'<worksheet xmlns="{_MAIN}"><sheetPr codeName="Sheet1"/>'
                '<cols><col min="1" max="1" width="30" customWidth="1"/>'
                '<col min="2" max="2" width="20" customWidth="1"/></cols>'
                f'<sheetData>{"".join(rows)}</sheetData></worksheet>')


def ribbon_xml(shim_dir: str | Path = SHIM_DIR) -> bytes:
    """The ribbon as written, after checking that it parses."""
    path = Path(shim_dir) / RIBBON_FILE
    data = path.read_bytes()
    try:
        etree.fromstring(data)
    except etree.XMLSyntaxError as err:
        raise AddinBuildError(f"{path.name}: not well-formed XML ({err})") from None
    return data


def ribbon_buttons(data: bytes) -> dict[str, str]:
    """Button id -> its ``onAction`` macro, for every button of the ribbon."""
    root = etree.fromstring(data)
    return {b.get("id"): b.get("onAction") for b in root.iter(f"{{{RIBBON_NS}}}button")}


def package_parts(shim_dir: str | Path = SHIM_DIR) -> dict[str, bytes]:
    """Every part of the .xlam, in the order they are written."""
    office_doc = f"{_DOC_REL}/officeDocument"
    ui = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
    return {
        "[Content_Types].xml": _content_types(),
        "_rels/.rels": relationships_xml([(office_doc, "xl/workbook.xml"), (ui, f"customUI/{RIBBON_FILE}")]),
        "xl/workbook.xml": _workbook(),
        "xl/_rels/workbook.xml.rels": relationships_xml([
            (f"{_DOC_REL}/worksheet", "worksheets/sheet1.xml"),
            (f"{_DOC_REL}/styles", "styles.xml"),
            ("http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin"),
        ]),
        "xl/worksheets/sheet1.xml": _config_sheet(),
        "xl/styles.xml": _styles(),
        "xl/vbaProject.bin": vba_project(all_modules(shim_dir)),
        f"customUI/{RIBBON_FILE}": ribbon_xml(shim_dir),
    }


def write_package(parts: dict[str, bytes], target: Path) -> None:
    """A zip whose bytes depend on the parts only: fixed dates, order, attributes."""
    tmp = target.with_name(target.name + ".tmp")
    with tmp.open("wb") as out:
        new_package(parts, out, date_time=ZIP_DATE, compresslevel=9, dos_attributes=True)
    os.replace(tmp, target)


def build_xlam(out_dir: str | Path, shim_dir: str | Path = SHIM_DIR) -> Path:
    """Build ``perf_addin.xlam`` into ``out_dir``; return its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / XLAM_NAME
    write_package(package_parts(shim_dir), target)
    return target


__all__ = ["AddinBuildError", "CONFIG", "CONFIG_SHEET", "SHIM_DIR", "VbaModule", "XLAM_NAME",
           "all_modules", "build_xlam", "package_parts", "read_module", "ribbon_buttons",
           "ribbon_xml", "shim_modules", "vba_project", "xlwings_modules", "xlwings_version"]

