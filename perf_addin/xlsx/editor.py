"""Edit a workbook file in place: the one component that writes to a workbook.

Only the parts a change needs are parsed and rewritten (the sheets written into,
the workbook part, its relationships, the content types and the style table); every
other part is copied byte for byte. A large sheet written into is not parsed but
spliced as bytes and streamed into the saved file (``splice.SheetSplice``). Nothing
touches the disk until :meth:`save`, and ``save`` is atomic.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Mapping

from lxml import etree

from . import atomic, package
from .chart import CT_CHART, CT_DRAWING, REL_CHART, REL_DRAWING, chart_xml, drawing_xml, rels_xml
from .errors import WorkbookError
from .names import check_defined_name, check_sheet_name
from .refs import absolute, quote_sheet
from .sheet_edit import SheetEditor, TableInfo
from .package import StreamedPart
from .splice import SheetSplice
from .sheet_xml import cell_style, render
from .spec import CellInput, ListValidation, SheetSpec, as_cell
from .styles import MINIMAL_STYLES, Style, StyleTable
from .values import Formula, Value, cached_parts, content
from .xml import (CONTENT_TYPES, CT_RELATIONSHIPS, CT_STYLES, CT_WORKSHEET, DOC_REL, MAIN, PKG_REL,
                  REL_CALC_CHAIN, REL_OFFICE_DOCUMENT, REL_STYLES, REL_TABLE,
                  REL_WORKSHEET, STRICT_MAIN, insert_ordered, local, parse, q, serialise)

OWNER_NAME = "_PerfAddin.Kind"
_WORKBOOK_ORDER = ["fileVersion", "fileSharing", "workbookPr", "workbookProtection",
                   "bookViews", "sheets", "functionGroups", "externalReferences",
                   "definedNames", "calcPr", "oleSize", "customWorkbookViews", "pivotCaches",
                   "smartTagPr", "smartTagTypes", "webPublishing", "fileRecoveryPr",
                   "webPublishObjects", "extLst"]


@dataclass(frozen=True)
class SheetEntry:
    """A sheet as the workbook lists it."""

    name: str
    sheet_id: int
    rel_id: str
    part: str  # package path, e.g. "xl/worksheets/sheet1.xml"
    is_worksheet: bool
    state: str  # visible, hidden or veryHidden


def rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def resolve(source_part: str, target: str) -> str:
    """A relationship target as a package path (targets are relative to the source)."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source_part), target))


class Workbook:
    """An .xlsx/.xlsm file opened for editing.

    >>> with Workbook.open("dept.xlsx") as book:        # doctest: +SKIP
    ...     book.set_cells("员工", {"L2": 111})
    ...     book.add_sheet(SheetSpec("面谈-张伟-1024", cells={"A1": "绩效反馈面谈表"}))
    ...     book.save()
    """

    def __init__(self, path: Path, source: package.ZipSource) -> None:
        self.path = path
        self.source = source
        self._replaced: dict[str, bytes] = {}
        self._added: dict[str, bytes] = {}
        self._removed: set[str] = set()
        self._calc_chain_dropped = False
        self._editors: dict[str, SheetEditor | SheetSplice] = {}
        self._styles: StyleTable | None = None
        self._overrides: dict[str, etree._Element] | None = None
        self._formulas_written = False
        self._structure_changed = False
        self._load_structure()

    # -- opening ------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, data: bytes | None = None) -> "Workbook":
        """Open for editing; every refusal happens here or in an edit call, before
        anything is written. ``data`` is the file's content when the caller has read
        it already (one read per command); saving in place still writes ``path``."""
        path = Path(path)
        package.sniff(path, data)
        return cls(path, package.ZipSource(path, data))

    def __enter__(self) -> "Workbook":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.source.close()

    def _load_structure(self) -> None:
        name = self.path.name
        if not self.source.has("[Content_Types].xml"):
            raise WorkbookError(f"{name}: not a workbook ([Content_Types].xml is missing)",
                                zh=f"{name}：不是 Excel 工作簿（缺少 [Content_Types].xml）")
        self.content_types = self._parse("[Content_Types].xml")
        self.workbook_part = self._office_document()
        if self.workbook_part.endswith(".bin"):
            raise WorkbookError(f"{name}: binary workbooks (.xlsb) are not supported",
                                zh=f"{name}：不支持二进制工作簿（.xlsb）；请另存为 Excel 工作簿（.xlsx）")
        self.workbook = self._parse(self.workbook_part)
        ns = etree.QName(self.workbook).namespace
        if ns == STRICT_MAIN:
            raise WorkbookError(f"{name}: saved as Strict Open XML, which this tool does not "
                                "write; save it as an ordinary Excel Workbook (.xlsx)",
                                zh=f"{name}：以 Strict Open XML 格式保存，本工具不写入该格式；"
                                   "请另存为普通的 Excel 工作簿（.xlsx）")
        if ns != MAIN:
            raise WorkbookError(f"{name}: {self.workbook_part} is not a spreadsheet workbook")
        self.ns = ns
        self.rels_part = rels_path(self.workbook_part)
        self.rels = self._parse(self.rels_part) if self.source.has(self.rels_part) else None
        if self.rels is None:
            raise WorkbookError(f"{name}: the workbook's relationships part is missing")
        self._refuse_unsafe()
        pr = self.workbook.find(q("workbookPr", ns))
        self.date1904 = pr is not None and pr.get("date1904") in ("1", "true")
        self.sheets = self._read_sheets()
        self._index = {s.name.casefold(): i for i, s in enumerate(self.sheets)}
        self._names = self._index_names()
        self._rel_ids = {rel.get("Id") for rel in self.rels.iter(q("Relationship", PKG_REL))}
        self._parts = {i.filename.lower() for i in self.source.infos}
        self._max_sheet_id = max((s.sheet_id for s in self.sheets), default=0)

    def _parse(self, part: str, data: bytes | None = None) -> etree._Element:
        try:
            return parse(self.source.read(part) if data is None else data)
        except etree.XMLSyntaxError as exc:
            raise WorkbookError(f"{self.path.name}: part {part} is not well-formed XML "
                                f"({exc})") from None

    def _office_document(self) -> str:
        if not self.source.has("_rels/.rels"):
            raise WorkbookError(f"{self.path.name}: not a workbook (_rels/.rels is missing)")
        for rel in self._parse("_rels/.rels").iter(q("Relationship", PKG_REL)):
            if rel.get("Type", "").endswith("/officeDocument"):
                part = resolve("", rel.get("Target", ""))
                if self.source.has(part):
                    return part
                raise WorkbookError(f"{self.path.name}: the workbook part {part} is missing")
        raise WorkbookError(f"{self.path.name}: not a workbook (no main document)")

    def _refuse_unsafe(self) -> None:
        name = self.path.name
        parts = [i.filename for i in self.source.infos]
        if any(posixpath.basename(p).lower().startswith("vbaprojectsignature") for p in parts):
            raise WorkbookError(f"{name}: its VBA project is digitally signed; changing the "
                                "file would put the signature at risk, so it is left as is",
                                zh=f"{name}：其 VBA 工程带有数字签名；修改文件会使签名失效，因此不作改动")
        if any(p.lower().startswith("xl/revisions/") for p in parts):
            raise WorkbookError(f"{name}: a shared workbook (with a change history); turn off "
                                "sharing in Excel (Review > Share Workbook) and try again",
                                zh=f"{name}：是共享工作簿（带修订记录）；请在 Excel 中取消共享"
                                   "（审阅 > 共享工作簿）后再试")
        sharing = self.workbook.find(q("fileSharing", self.ns))
        if sharing is not None and (sharing.get("reservationPassword") or sharing.get("hashValue")):
            raise WorkbookError(f"{name}: has a password to modify; save a copy without it",
                                zh=f"{name}：设有修改权限密码；请另存一份不带该密码的副本")

    def _read_sheets(self) -> list[SheetEntry]:
        targets = {rel.get("Id"): rel for rel in self.rels.iter(q("Relationship", PKG_REL))}
        sheets = []
        container = self.workbook.find(q("sheets", self.ns))
        for el in (container if container is not None else []):
            if not isinstance(el.tag, str) or local(el) != "sheet":
                continue
            rel = targets.get(el.get(q("id", DOC_REL)))
            if rel is None:
                raise WorkbookError(f"{self.path.name}: sheet {el.get('name')!r} has no part; "
                                    "the workbook is damaged")
            sheets.append(SheetEntry(
                name=el.get("name", ""), sheet_id=int(el.get("sheetId", "0")),
                rel_id=rel.get("Id"), part=resolve(self.workbook_part, rel.get("Target", "")),
                is_worksheet=rel.get("Type") == REL_WORKSHEET,
                state=el.get("state", "visible")))
        return sheets

    # -- reading ------------------------------------------------------------------

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> SheetEntry:
        return self.sheets[self._sheet_index(name)]

    def _sheet_index(self, name: str) -> int:
        try:
            return self._index[name.casefold()]
        except KeyError:
            raise WorkbookError(f"{self.path.name}: no sheet named {name!r}") from None

    def owner_kind(self, name: str) -> str | None:
        """What this tool made the sheet as ("interview", ...), or None if a person did."""
        dn = self._names.get((OWNER_NAME.casefold(), str(self._sheet_index(name))))
        return None if dn is None else (dn.text or "").strip('"') or None

    # -- editing cells ------------------------------------------------------------

    def set_cells(self, sheet: str, cells: Mapping[str, CellInput]) -> None:
        """Write values into an existing worksheet. A bare value keeps the cell's style;
        a :class:`Cell` with a style sets it."""
        editor = self._editor(sheet)
        for ref, item in cells.items():
            cell = as_cell(item)
            try:
                body = content(cell.value, self.date1904)
                style = cell_style(cell)
                editor.set(ref, body, self.style_id(style) if style is not None else None)
            except WorkbookError as exc:
                if str(exc).startswith(self.path.name):
                    raise
                raise WorkbookError(f"{editor.where}, cell {ref}: {exc}") from None
            self._formulas_written |= isinstance(cell.value, Formula)
        self._drop_calc_chain()

    def add_list_validation(self, sheet: str, validation: ListValidation) -> bool:
        """A drop-down list on cells of an existing worksheet (kept if one is there)."""
        return self._editor(sheet).add_list_validation(validation)

    def fill_unlocked(self, sheet: str, cells: Mapping[str, Value]) -> None:
        """Type values into the unlocked cells of a protected sheet this tool made.

        This is what a person may do in Excel without unprotecting the sheet, so
        the protection stays; a locked cell, or a sheet a person made, is refused
        (``set_cells`` refuses every protected sheet). Each cell keeps its style."""
        if self.owner_kind(sheet) is None:
            raise WorkbookError(f"{self.path.name}: sheet {sheet!r} was not made by this tool; "
                                "only its own sheets are filled in this way")
        editor = self._editor(sheet, protected_ok=True)
        styles = self._style_table()
        for ref in cells:
            if not styles.is_unlocked(editor.style_of(ref)):
                raise WorkbookError(f"{editor.where}, cell {ref} is locked; only unlocked input cells "
                                    "are filled in")
        for ref, value in cells.items():
            editor.set(ref, content(value, self.date1904), None)
        self._drop_calc_chain()

    def rewrite_own_cells(self, sheet: str, cells: Mapping[str, CellInput]) -> None:
        """Rewrite cells of a protected sheet this tool made, locked ones included,
        keeping the protection: a tab the tool keeps (a left employee's) holds the
        tool's own formulas, whose cached values must follow the table. A sheet a
        person made is refused."""
        if self.owner_kind(sheet) is None:
            raise WorkbookError(f"{self.path.name}: sheet {sheet!r} was not made by this tool")
        editor = self._editor(sheet, protected_ok=True)
        for ref, item in cells.items():
            cell = as_cell(item)
            style = cell_style(cell)
            editor.set(ref, content(cell.value, self.date1904),
                       self.style_id(style) if style is not None else None)
        self._drop_calc_chain()

    def formula_of(self, sheet: str, ref: str) -> str | None:
        """A cell's formula text, on any worksheet (protected ones too: reading only,
        so the sheet is not marked as edited)."""
        entry = self.sheet(sheet)
        if entry.part in self._editors:
            return self._editors[entry.part].formula_of(ref)
        return SheetEditor(self.path.name, entry.name, self._parse(entry.part), [], True).formula_of(ref)

    def fill_formula(self, sheet: str, column: int, rows: list[int], formula: str,
                     cached: list, style: Style | None = None) -> None:
        """Write ``formula`` (as it reads in the first of ``rows``) down ``column``,
        with each row's cached value, as one shared formula."""
        editor = self._editor(sheet)
        text = Formula(formula).text
        parts = cached_parts(cached, self.date1904)
        if len(parts) != len(rows):
            raise WorkbookError(f"{len(rows)} rows but {len(parts)} cached values")
        if rows != sorted(set(rows)):
            raise WorkbookError("fill_formula needs rows in ascending order, each once")
        editor.fill_formula(column, rows, text, parts,
                            self.style_id(style) if style is not None else None)
        self._formulas_written = True
        self._drop_calc_chain()

    def typed_values(self, sheet: str, column: int, rows: list[int]) -> dict[int, str]:
        """The rows whose cell in ``column`` holds something a person typed (a value,
        not a formula), with the text they hold."""
        return self._editor(sheet).typed_values(column, rows)

    def rows_below(self, sheet: str, below: int) -> list[int]:
        """The rows the sheet holds (in its XML) under row ``below``."""
        return self._editor(sheet).rows_below(below)

    def formula_rows(self, sheet: str, column: int, below: int) -> list[int]:
        """The rows under row ``below`` whose cell in ``column`` holds a formula."""
        return self._editor(sheet).formula_rows(column, below)

    def style_id(self, style: Style) -> int:
        return self._style_table().xf_id(style)

    def _editor(self, sheet: str, protected_ok: bool = False) -> SheetEditor | SheetSplice:
        entry = self.sheet(sheet)
        if not entry.is_worksheet:
            raise WorkbookError(f"{self.path.name}: {entry.name!r} is a chart sheet, not a worksheet")
        if entry.part not in self._editors:
            if entry.part in self._added or entry.part in self._replaced:
                raise WorkbookError(f"sheet {entry.name!r} was just generated; put its cells "
                                    "in its SheetSpec instead")
            tables = self._tables(entry.part)
            data = self.source.read(entry.part)
            editor = SheetSplice.open(self.path.name, entry.name, data, tables, protected_ok)
            if editor is None:  # a small or unusual sheet: edited as a tree
                editor = SheetEditor(self.path.name, entry.name, self._parse(entry.part, data),
                                     tables, protected_ok)
            del data
            self._editors[entry.part] = editor
        return self._editors[entry.part]

    def _tables(self, sheet_part: str) -> list[TableInfo]:
        rels = rels_path(sheet_part)
        if not self.source.has(rels):
            return []
        tables = []
        for rel in self._parse(rels).iter(q("Relationship", PKG_REL)):
            part = resolve(sheet_part, rel.get("Target", ""))
            if rel.get("Type") != REL_TABLE or not self.source.has(part):
                continue
            root = self._parse(part)
            columns = tuple(c.get("name", "") for c in root.iter(q("tableColumn", MAIN)))
            tables.append(TableInfo(root.get("displayName") or root.get("name", ""),
                                    root.get("ref", "A1"), int(root.get("headerRowCount", "1")),
                                    columns))
        return tables

    # -- adding sheets ------------------------------------------------------------

    def add_sheet(self, spec: SheetSpec, replace: bool = False) -> str:
        """Add ``spec`` as the last sheet, or, with ``replace``, regenerate a sheet of
        that name that this tool made earlier (same position, same part)."""
        if spec.name.casefold() in self._index:
            return self._replace_sheet(self.sheet(spec.name), spec, replace)
        self._refuse_locked_structure()
        check_sheet_name(spec.name)
        part = self._new_part_name()
        rel_id = self._add_relationship(REL_WORKSHEET, posixpath.relpath(
            part, posixpath.dirname(self.workbook_part)))
        self._set_content_type(part, CT_WORKSHEET)
        self._max_sheet_id += 1
        sheet_id = self._max_sheet_id
        self._declare_on_root("r", DOC_REL)
        container = self.workbook.find(q("sheets", self.ns))
        el = etree.SubElement(container, q("sheet", self.ns), name=spec.name, sheetId=str(sheet_id))
        el.set(q("id", DOC_REL), rel_id)
        entry = SheetEntry(spec.name, sheet_id, rel_id, part, True, "visible")
        self._index[spec.name.casefold()] = len(self.sheets)
        self.sheets.append(entry)
        self._parts.add(part.lower())
        self._added[part] = render(spec, self.style_id, self.date1904)
        self._write_charts(part, spec.charts)
        self._sheet_names_for(entry, spec)
        self._structure_changed = True
        return spec.name

    def _replace_sheet(self, entry: SheetEntry, spec: SheetSpec, replace: bool) -> str:
        kind = self.owner_kind(entry.name)
        if kind is None:
            raise WorkbookError(f"{self.path.name}: a sheet named {entry.name!r} exists and "
                                "was not made by perf-addin; it is left alone",
                                zh=f"{self.path.name}：已有名为“{entry.name}”的工作表，且不是 perf-addin 生成的；"
                                   "不作改动")
        if not replace:
            raise WorkbookError(f"{self.path.name}: sheet {entry.name!r} exists; "
                                "ask to replace it to regenerate it")
        if entry.part in self._editors:
            raise WorkbookError(f"sheet {entry.name!r} was edited cell by cell in this session")
        if not self._drop_own_charts(entry.part):
            raise WorkbookError(f"{self.path.name}: sheet {entry.name!r} has drawings or "
                                "comments added since it was made; it is left alone",
                                zh=f"{self.path.name}：工作表“{entry.name}”在生成后又加入了图形或批注；不作改动")
        spec = SheetSpec(**{**spec.__dict__, "name": entry.name})
        data = render(spec, self.style_id, self.date1904)
        (self._added if entry.part in self._added else self._replaced)[entry.part] = data
        self._write_charts(entry.part, spec.charts)
        self._sheet_names_for(entry, spec)
        self._drop_calc_chain()
        return entry.name

    def _sheet_names_for(self, entry: SheetEntry, spec: SheetSpec) -> None:
        """The sheet-scoped names that go with a generated sheet: print area, print
        titles, and the marker that says this tool made it."""
        index = self._sheet_index(entry.name)
        setup = spec.print_setup
        prefix = quote_sheet(entry.name) + "!"
        area = prefix + absolute(setup.print_area) if setup and setup.print_area else None
        titles = None
        if setup and setup.repeat_rows:
            first, last = setup.repeat_rows
            titles = f"{prefix}${first}:${last}"
        self._set_name("_xlnm.Print_Area", area, index)
        self._set_name("_xlnm.Print_Titles", titles, index)
        self._set_name(OWNER_NAME, f'"{spec.kind}"', index, hidden=True)

    # -- charts on generated sheets ----------------------------------------------

    def _write_charts(self, sheet_part: str, charts: list) -> None:
        """The parts behind ``<drawing r:id="rId1"/>``: sheet rels → drawing → charts."""
        if not charts:
            return
        drawing = self._free_part("xl/drawings/drawing{}.xml")
        targets = []
        for chart in charts:
            part = self._free_part("xl/charts/chart{}.xml")
            self._put(part, chart_xml(chart), CT_CHART)
            targets.append((REL_CHART, posixpath.relpath(part, posixpath.dirname(drawing))))
        self._put(drawing, drawing_xml(charts), CT_DRAWING)
        self._put(rels_path(drawing), rels_xml(targets), CT_RELATIONSHIPS)
        self._put(rels_path(sheet_part), rels_xml(
            [(REL_DRAWING, posixpath.relpath(drawing, posixpath.dirname(sheet_part)))]),
            CT_RELATIONSHIPS)
        self._structure_changed = True

    def _drop_own_charts(self, sheet_part: str) -> bool:
        """Remove the drawing and charts of a generated sheet before it is regenerated.
        False (nothing removed) when the sheet's relationships hold anything else –
        comments, pictures, a chart restyled in Excel – which a person added."""
        sheet_rels = rels_path(sheet_part)
        if not self.source.has(sheet_rels):
            return True
        doomed = [sheet_rels]
        for rel in self._parse(sheet_rels).iter(q("Relationship", PKG_REL)):
            if rel.get("Type") != REL_DRAWING:
                return False
            drawing = resolve(sheet_part, rel.get("Target", ""))
            doomed.append(drawing)
            if not self.source.has(rels_path(drawing)):
                continue
            doomed.append(rels_path(drawing))
            for chart_rel in self._parse(rels_path(drawing)).iter(q("Relationship", PKG_REL)):
                chart = resolve(drawing, chart_rel.get("Target", ""))
                if chart_rel.get("Type") != REL_CHART or self.source.has(rels_path(chart)):
                    return False
                doomed.append(chart)
        for part in doomed:
            self._removed.add(part)
        for override in list(self.content_types.iter(q("Override", CONTENT_TYPES))):
            if override.get("PartName", "").lstrip("/") in doomed:
                override.getparent().remove(override)
        self._structure_changed = True
        return True

    def _free_part(self, pattern: str) -> str:
        n = 1
        while pattern.format(n).lower() in self._parts:
            n += 1
        self._parts.add(pattern.format(n).lower())
        return pattern.format(n)

    def _put(self, part: str, data: bytes, content_type: str) -> None:
        """A new part, or a new version of one that a regeneration just removed."""
        if self.source.has(part):
            self._removed.discard(part)
            self._replaced[part] = data
        else:
            self._added[part] = data
        self._set_content_type(part, content_type)

    def _new_part_name(self) -> str:
        n = len(self.sheets) + 1
        while f"xl/worksheets/sheet{n}.xml" in self._parts:
            n += 1
        return f"xl/worksheets/sheet{n}.xml"

    def _refuse_locked_structure(self) -> None:
        protection = self.workbook.find(q("workbookProtection", self.ns))
        if protection is not None and protection.get("lockStructure") in ("1", "true"):
            raise WorkbookError(f"{self.path.name}: the workbook's structure is protected, so "
                                "no sheet can be added; unprotect it in Excel "
                                "(Review > Protect Workbook) and try again",
                                zh=f"{self.path.name}：工作簿结构受保护，无法添加工作表；请在 Excel 中撤销保护"
                                   "（审阅 > 保护工作簿）后再试")

    # -- sheet-level attributes ---------------------------------------------------

    def set_sheet_state(self, name: str, state: str) -> None:
        """Show or hide a sheet ("visible", "hidden", "veryHidden"). At least one sheet
        stays visible, and the workbook opens on a visible one."""
        if state not in ("visible", "hidden", "veryHidden"):
            raise WorkbookError(f"sheet state {state!r} is not visible, hidden or veryHidden")
        index = self._sheet_index(name)
        entry = self.sheets[index]
        if entry.state == state:
            return
        if state != "visible" and not any(s.state == "visible" for i, s in enumerate(self.sheets)
                                          if i != index):
            raise WorkbookError(f"{self.path.name}: {entry.name!r} is the last visible sheet")
        el = self._sheet_element(entry.name)
        if state == "visible":
            el.attrib.pop("state", None)
        else:
            el.set("state", state)
        self.sheets[index] = replace(entry, state=state)
        self._keep_views_visible()
        self._structure_changed = True

    def _sheet_element(self, name: str) -> etree._Element:
        for el in self.workbook.find(q("sheets", self.ns)):
            if isinstance(el.tag, str) and local(el) == "sheet" and el.get("name") == name:
                return el
        raise WorkbookError(f"{self.path.name}: no sheet named {name!r}")

    def _keep_views_visible(self) -> None:
        """activeTab/firstSheet on a hidden sheet confuse Excel: move them to the first
        visible one."""
        first = next(i for i, s in enumerate(self.sheets) if s.state == "visible")
        views = self.workbook.find(q("bookViews", self.ns))
        for view in ([] if views is None else views.iter(q("workbookView", self.ns))):
            for attr in ("activeTab", "firstSheet"):
                value = int(view.get(attr, "0"))
                if value >= len(self.sheets) or self.sheets[value].state != "visible":
                    view.set(attr, str(first))

    def set_tab_color(self, name: str, rgb: str | None) -> None:
        """Colour (or, with None, uncolour) the tab of an existing worksheet; its cells
        are not touched, so this works on protected sheets too."""
        entry = self.sheet(name)
        if not entry.is_worksheet:
            raise WorkbookError(f"{self.path.name}: {entry.name!r} is a chart sheet, not a worksheet")
        if entry.part in self._added or entry.part in self._replaced:
            raise WorkbookError(f"sheet {entry.name!r} was changed in this session; set its tab "
                                "colour in the same change")
        editor = self._editors.get(entry.part)  # cells edited too: colour the tree it saves
        root = editor.root if editor is not None else self._parse(entry.part)
        ns = etree.QName(root).namespace
        pr = root.find(q("sheetPr", ns))
        if pr is None:
            pr = etree.Element(q("sheetPr", ns))
            root.insert(0, pr)
        old = pr.find(q("tabColor", ns))
        if (old.get("rgb") if old is not None else None) == (rgb and "FF" + rgb.upper()):
            return  # already so: leave the part's bytes alone
        if old is not None:
            pr.remove(old)
        if rgb is not None:
            if len(rgb) != 6 or any(c not in "0123456789abcdefABCDEF" for c in rgb):
                raise WorkbookError(f"tab colour {rgb!r} is not an RGB hex like C00000")
            pr.insert(0, etree.Element(q("tabColor", ns), rgb="FF" + rgb.upper()))
        elif not len(pr) and not pr.attrib:
            root.remove(pr)
        if editor is None:
            self._replaced[entry.part] = serialise(root)

    # -- defined names ------------------------------------------------------------

    def define_name(self, name: str, refers_to: str, sheet: str | None = None,
                    hidden: bool = False) -> None:
        """Add or replace a defined name (workbook-wide, or scoped to ``sheet``)."""
        check_defined_name(name)
        if refers_to.startswith("="):
            refers_to = refers_to[1:]
        index = self._sheet_index(sheet) if sheet is not None else None
        self._set_name(name, refers_to, index, hidden)

    def remove_name(self, name: str, sheet: str | None = None) -> bool:
        """Remove a defined name (workbook-wide, or scoped to ``sheet``); True if it existed."""
        index = self._sheet_index(sheet) if sheet is not None else None
        existed = (name.casefold(), None if index is None else str(index)) in self._names
        self._set_name(name, None, index)
        return existed

    def _index_names(self) -> dict[tuple[str, str | None], etree._Element]:
        container = self.workbook.find(q("definedNames", self.ns))
        names = [] if container is None else container.iter(q("definedName", self.ns))
        return {(dn.get("name", "").casefold(), dn.get("localSheetId")): dn for dn in names}

    def _set_name(self, name: str, refers_to: str | None, index: int | None,
                  hidden: bool = False) -> None:
        scope = None if index is None else str(index)
        key = (name.casefold(), scope)
        dn = self._names.get(key)
        if dn is not None:
            if refers_to is None:
                dn.getparent().remove(dn)
                del self._names[key]
            elif dn.text != refers_to:
                dn.text = refers_to
            self._structure_changed = True
            return
        if refers_to is None:
            return
        container = self.workbook.find(q("definedNames", self.ns))
        if container is None:
            container = etree.Element(q("definedNames", self.ns))
            insert_ordered(self.workbook, container, _WORKBOOK_ORDER)
        dn = etree.SubElement(container, q("definedName", self.ns), name=name)
        if scope is not None:
            dn.set("localSheetId", scope)
        if hidden:
            dn.set("hidden", "1")
        dn.text = refers_to
        self._names[key] = dn
        self._structure_changed = True

    # -- package bookkeeping ------------------------------------------------------

    def _style_table(self) -> StyleTable:
        if self._styles is None:
            part = self._related_part(REL_STYLES)
            if part is None:
                part = posixpath.join(posixpath.dirname(self.workbook_part), "styles.xml")
                self._add_relationship(REL_STYLES, "styles.xml")
                self._set_content_type(part, CT_STYLES)
                self._styles = StyleTable(MINIMAL_STYLES)
                self._styles.changed = True
            else:
                self._styles = StyleTable(self.source.read(part))
            self._styles_part = part
        return self._styles

    def _related_part(self, rel_type: str) -> str | None:
        for rel in self.rels.iter(q("Relationship", PKG_REL)):
            if rel.get("Type") == rel_type:
                return resolve(self.workbook_part, rel.get("Target", ""))
        return None

    def _add_relationship(self, rel_type: str, target: str) -> str:
        n = len(self._rel_ids) + 1
        while f"rId{n}" in self._rel_ids:
            n += 1
        self._rel_ids.add(f"rId{n}")
        etree.SubElement(self.rels, q("Relationship", PKG_REL),
                         Id=f"rId{n}", Type=rel_type, Target=target)
        self._structure_changed = True
        return f"rId{n}"

    def _set_content_type(self, part: str, content_type: str) -> None:
        """Make ``part`` typed as ``content_type`` (OPC M1.14: a part without a content
        type makes the package invalid). Nothing is assumed about the original's
        ``<Default>`` entries: some producers type every part, even ``.rels``, by
        ``<Override>``, and others map ``xml`` to something other than
        ``application/xml``; an Override is added unless a Default already gives
        exactly this type."""
        override = self._override(part)
        if override is not None:
            if override.get("ContentType") != content_type:
                override.set("ContentType", content_type)
                self._structure_changed = True
            return
        if self._default_type(part) == content_type:
            return
        self._overrides[part.lower()] = etree.SubElement(
            self.content_types, q("Override", CONTENT_TYPES),
            PartName="/" + part, ContentType=content_type)
        self._structure_changed = True

    def _override(self, part: str) -> etree._Element | None:
        """The part's ``<Override>``, if it is still in the content types (part names
        compare case-insensitively)."""
        if self._overrides is None:
            self._overrides = {o.get("PartName", "").lstrip("/").lower(): o
                               for o in self.content_types.iter(q("Override", CONTENT_TYPES))}
        override = self._overrides.get(part.lower())
        return override if override is not None and override.getparent() is not None else None

    def _default_type(self, part: str) -> str | None:
        base = posixpath.basename(part)  # "_rels/.rels" has the extension "rels"
        extension = base.rsplit(".", 1)[1].lower() if "." in base else ""
        for default in self.content_types.iter(q("Default", CONTENT_TYPES)):
            if default.get("Extension", "").lower() == extension:
                return default.get("ContentType")
        return None

    def _declare_on_root(self, prefix: str, ns: str) -> None:
        """Declare ``ns`` on the workbook's root, as Excel does, when no prefix there
        binds it. Without this lxml invents ``ns0:`` on each new element – legal XML,
        but some readers (Gnumeric) match ``r:id`` by prefix and lose the sheet."""
        root = self.workbook
        if ns in root.nsmap.values():
            return
        taken = set(root.nsmap)
        name, n = prefix, 1
        while name in taken:
            name, n = f"{prefix}{n}", n + 1
        new = etree.Element(root.tag, dict(root.attrib), nsmap={**root.nsmap, name: ns})
        new.text = root.text
        new.extend(list(root))  # moves the children: elements indexed elsewhere stay valid
        self.workbook = new
        self._structure_changed = True

    def _drop_calc_chain(self) -> None:
        """The calculation chain lists formula cells; after cells change, a stale one
        makes Excel report a repair, while a missing one is simply rebuilt.

        Once per session: it is called after every cell edit, and scanning the
        relationships and content types each time cost 15 ms per tab at 2,000 tabs."""
        if self._calc_chain_dropped:
            return
        self._calc_chain_dropped = True
        chains = set()
        for rel in list(self.rels.iter(q("Relationship", PKG_REL))):
            if rel.get("Type") == REL_CALC_CHAIN:
                chains.add(resolve(self.workbook_part, rel.get("Target", "")))
                rel.getparent().remove(rel)
                self._structure_changed = True
        if not chains:
            return
        self._removed |= chains
        for override in list(self.content_types.iter(q("Override", CONTENT_TYPES))):
            if override.get("PartName", "").lstrip("/") in chains:
                override.getparent().remove(override)

    def _request_recalc(self) -> None:
        calc = self.workbook.find(q("calcPr", self.ns))
        if calc is None:
            calc = etree.Element(q("calcPr", self.ns))
            insert_ordered(self.workbook, calc, _WORKBOOK_ORDER)
        calc.set("fullCalcOnLoad", "1")

    # -- saving -------------------------------------------------------------------

    @property
    def changed(self) -> bool:
        return bool(self._editors or self._added or self._replaced or self._structure_changed
                    or (self._styles is not None and self._styles.changed))

    def would_change(self) -> bool:
        """Whether ``save`` in place would write anything: some edit leaves a part
        different from the file's (a job that marks other sheets only when the
        workbook changes asks this before its one save)."""
        replaced, added = self._finish()
        return bool(added or self._removed) or any(self.source.read(p) != data for p, data in replaced.items())

    def check_writable(self) -> None:
        """Refuse now, before any work, if saving in place could not succeed."""
        atomic.check_writable(self.path)

    def save(self, to: str | Path | None = None, backup: bool = True) -> Path | None:
        """Write the changes, atomically. In place (``to`` None) the previous version is
        kept in the backups folder and its path returned. When the edits leave every
        part as it was, nothing is written and ``unchanged`` is True."""
        target = Path(to) if to is not None else self.path
        atomic.check_writable(target)
        replaced, added = self._finish()
        self.unchanged = (target.resolve() == self.path.resolve() and not added
                          and not self._removed
                          and all(not isinstance(data, StreamedPart) and self.source.read(p) == data
                                  for p, data in replaced.items()))
        if self.unchanged:
            return None
        kept = atomic.atomic_write(
            target, lambda out: package.write_package(self.source, replaced, self._removed,
                                                      added, out),
            backup=backup and target.resolve() == self.path.resolve())
        return kept

    def _finish(self) -> tuple[dict[str, bytes | StreamedPart], dict[str, bytes]]:
        if self._formulas_written or any(b"<f>" in data for data in self._added.values()):
            self._request_recalc()
        replaced = dict(self._replaced)
        for part, editor in self._editors.items():
            if isinstance(editor, SheetSplice):
                data = editor.finish_part()
                if data is not None:  # None: not a byte of it changed, so it is copied
                    replaced[part] = data
            else:
                replaced[part] = serialise(editor.finish())
        if self._styles is not None and self._styles.changed:
            target = self._added if not self.source.has(self._styles_part) else replaced
            target[self._styles_part] = self._styles.to_bytes()
        if self._structure_changed or self._formulas_written or self._added:
            replaced[self.workbook_part] = serialise(self.workbook)
            replaced[self.rels_part] = serialise(self.rels)
            replaced["[Content_Types].xml"] = serialise(self.content_types)
        return replaced, dict(self._added)
