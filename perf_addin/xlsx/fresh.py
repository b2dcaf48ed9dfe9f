"""A new workbook from nothing but the sheets it is told to hold.

Used where a file must hold *only* what was put into it – a per-employee pack that
is emailed: a copy of the department workbook with sheets deleted would still carry
other people's data in shared strings, the calculation chain, defined names, cached
values and ``docProps/app.xml``. Here every part is generated, there is no shared
string table (text is inline), no calculation chain and no document properties
beyond a title, so the package holds the given cells and nothing else – plus the
standard Office theme, a part Excel requires of every workbook.
"""

from __future__ import annotations

import io

from .errors import WorkbookError
from .names import check_sheet_name
from .package import XML_HEAD as _HEAD, content_types_xml, new_package, relationships_xml
from .refs import absolute, quote_sheet
from .sheet_xml import render
from .spec import SheetSpec
from .styles import MINIMAL_STYLES, StyleTable
from .theme import CT_THEME, REL_THEME, theme_xml
from .xml import CT_STYLES, CT_WORKSHEET, DOC_REL, MAIN, attr, text

_CT_WORKBOOK = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_CT_CORE = "application/vnd.openxmlformats-package.core-properties+xml"
_REL_CORE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
PACK_DATE = (2026, 1, 1, 0, 0, 0)


def new_workbook(sheets: list[SheetSpec], title: str = "") -> bytes:
    """The .xlsx bytes of a workbook holding exactly ``sheets`` (in order)."""
    if not sheets:
        raise WorkbookError("a workbook needs at least one sheet")
    seen: set[str] = set()
    for spec in sheets:
        check_sheet_name(spec.name)
        if spec.name.casefold() in seen:
            raise WorkbookError(f"two sheets named {spec.name!r}")
        if spec.charts:
            raise WorkbookError("new_workbook does not write charts")
        seen.add(spec.name.casefold())
    styles = StyleTable(MINIMAL_STYLES)
    parts = {f"xl/worksheets/sheet{i}.xml": render(spec, styles.xf_id)
             for i, spec in enumerate(sheets, start=1)}
    parts["xl/workbook.xml"] = _workbook_xml(sheets)
    parts["xl/_rels/workbook.xml.rels"] = relationships_xml(
        [(f"{DOC_REL}/worksheet", f"worksheets/sheet{i}.xml") for i in range(1, len(sheets) + 1)]
        + [(REL_THEME, "theme/theme1.xml"), (f"{DOC_REL}/styles", "styles.xml")])
    parts["xl/styles.xml"] = styles.to_bytes()
    parts["xl/theme/theme1.xml"] = theme_xml()
    parts["docProps/core.xml"] = _core_xml(title)
    parts["_rels/.rels"] = relationships_xml([(f"{DOC_REL}/officeDocument", "xl/workbook.xml"),
                                              (_REL_CORE, "docProps/core.xml")])
    parts["[Content_Types].xml"] = _content_types(len(sheets))
    first = ("[Content_Types].xml", "_rels/.rels", "docProps/core.xml", "xl/workbook.xml",
             "xl/_rels/workbook.xml.rels", "xl/theme/theme1.xml", "xl/styles.xml")
    ordered = {name: parts.pop(name) for name in first} | parts
    buffer = io.BytesIO()
    new_package(ordered, buffer, date_time=PACK_DATE)  # the same pack twice is the same bytes
    return buffer.getvalue()


def _workbook_xml(sheets: list[SheetSpec]) -> bytes:
    entries = "".join(f'<sheet name={attr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
                      for i, s in enumerate(sheets, start=1))
    names = []
    for i, spec in enumerate(sheets):
        setup = spec.print_setup
        if setup and setup.print_area:
            ref = quote_sheet(spec.name) + "!" + absolute(setup.print_area)
            names.append(f'<definedName name="_xlnm.Print_Area" localSheetId="{i}">{text(ref)}</definedName>')
    defined = f"<definedNames>{''.join(names)}</definedNames>" if names else ""
    return (_HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_REL}">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f"<sheets>{entries}</sheets>{defined}<calcPr calcId=\"191029\"/></workbook>").encode("utf-8")


def _core_xml(title: str) -> bytes:
    """Only a title: no author, no company, no "last modified by" to leak."""
    return (_HEAD + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{text(title)}</dc:title></cp:coreProperties>").encode("utf-8")


def _content_types(n: int) -> bytes:
    overrides = {"/xl/workbook.xml": _CT_WORKBOOK, "/xl/theme/theme1.xml": CT_THEME,
                 "/xl/styles.xml": CT_STYLES, "/docProps/core.xml": _CT_CORE}
    overrides |= {f"/xl/worksheets/sheet{i}.xml": CT_WORKSHEET for i in range(1, n + 1)}
    return content_types_xml(overrides)
