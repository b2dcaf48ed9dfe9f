"""Writing cells into a worksheet that people made, without breaking what is there.

Cells that belong to something larger are guarded: a merged range (only its top-left
cell holds a value), an array formula or spill range (Excel refuses to change part of
one), a table's header row (it must match the table's column names), and a shared
formula (overwriting its anchor cell would orphan the others, so they get their own
formulas first).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from lxml import etree

from .errors import WorkbookError
from .refs import cell_ref, col_index, parse_cell, parse_range, range_ref
from .spec import ListValidation
from .values import CellContent, escape_text
from .xml import insert_ordered, local, q

# CT_Worksheet's children in schema order (ECMA-376 Part 1, 18.3.1.99), for inserting one
WORKSHEET_ORDER = ["sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr",
                   "sheetProtection", "protectedRanges", "scenarios", "autoFilter", "sortState",
                   "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr", "conditionalFormatting",
                   "dataValidations", "hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter",
                   "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors", "smartTags",
                   "drawing", "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                   "webPublishItems", "tableParts", "extLst"]


@dataclass(frozen=True)
class TableInfo:
    """What the guard needs to know of a table on the sheet."""

    name: str
    ref: str
    header_rows: int
    columns: tuple[str, ...]


class SheetEditor:
    """One existing worksheet part, parsed, edited in place and serialised once."""

    def __init__(self, book: str, sheet_name: str, root: etree._Element,
                 tables: list[TableInfo], protected_ok: bool = False) -> None:
        self.name = sheet_name
        self.where = f"{book}: sheet {sheet_name}"
        self.root = root
        self.ns = etree.QName(root).namespace
        self._f, self._c, self._row_tag = q("f", self.ns), q("c", self.ns), q("row", self.ns)
        self._v = q("v", self.ns)
        self.tables = tables
        if not protected_ok:
            self._refuse_protected()
        data = root.find(q("sheetData", self.ns))
        if data is None:
            raise WorkbookError(f"{self.where} has no sheetData; it may be damaged")
        self.data = data
        self._rows: dict[int, etree._Element] = {}
        self._row_numbers: list[int] = []
        self._named_rows: set[int] = set()
        self._index_rows()
        self._merges = [parse_range(m.get("ref")) for m in root.iter(q("mergeCell", self.ns))
                        if m.get("ref")]
        self._arrays, self._shared = self._scan_formulas()
        self._bounds: list[int] | None = None
        self._overwriting: set[tuple[int, int]] = set()

    # -- public -------------------------------------------------------------------

    def set(self, ref: str, body: CellContent, style_id: int | None) -> None:
        """Write one cell; ``style_id`` None keeps the cell's current style."""
        self.write(*parse_cell(ref), body, style_id)

    def write(self, row: int, col: int, body: CellContent, style_id: int | None,
              cell: etree._Element | None = None) -> etree._Element | None:
        """Write one cell by position (``cell``, when the caller found it already);
        returns its new ``<f>`` element, if any."""
        if self._merges or self._arrays or self.tables:
            self._guard(row, col, body)
        if cell is None:
            cell = self._cell(row, col)
        attrib = cell.attrib
        for name in ("t", "cm", "vm", "ph"):
            if name in attrib:
                del attrib[name]
        if style_id is not None:
            if style_id:
                attrib["s"] = str(style_id)
            elif "s" in attrib:
                del attrib["s"]
        for child in list(cell):
            if child.tag == self._f and child.get("t") == "shared" and child.get("ref") is not None:
                self._detach_shared(child, row, col)
            cell.remove(child)
        self._grow(row, col)
        return self._fill(cell, body)

    def fill_formula(self, col: int, rows: list[int], formula: str,
                     cached: list[tuple[str | None, str | None]], style_id: int | None) -> None:
        """One formula down a column as an Excel shared formula: the text is stored
        once, in the first row, relative to it; every cell keeps its cached value
        (``cached``: each row's ``t`` and ``<v>`` text, ``values.cached_part``).
        This is what Excel writes for a filled-down column, and it keeps a
        100,000-row result column small."""
        if not rows:
            return
        self._overwriting = {(r, col) for r in rows}
        try:
            members = [self._fill_one(r, col, CellContent(kind, formula if i == 0 else "", value),
                                      style_id) for i, (r, (kind, value)) in enumerate(zip(rows, cached))]
        finally:
            self._overwriting = set()
        si = self._free_shared_index()
        for f in members:
            f.set("t", "shared")
            f.set("si", si)
        members[0].set("ref", range_ref(rows[0], col, rows[-1], col))
        self._shared[si] = members

    def _fill_one(self, row: int, col: int, body: CellContent,
                  style_id: int | None) -> etree._Element:
        """``write`` for one cell of a column fill, with a short path for the usual
        case – a new cell at the end of its row – since it runs for every row."""
        if self._merges or self._arrays or self.tables:
            return self.write(row, col, body, style_id)
        found, before = self._existing(row, col)
        if found is not None or (before is None and row in self._rows):
            return self.write(row, col, body, style_id, found)
        row_el = self._row(row)
        attrib = {"r": cell_ref(row, col)}
        if style_id:
            attrib["s"] = str(style_id)
        if body.type:
            attrib["t"] = body.type
        cell = etree.Element(self._c, attrib)
        f = etree.SubElement(cell, self._f)
        f.text = body.formula or None
        if body.value is not None:
            etree.SubElement(cell, self._v).text = (escape_text(body.value) if body.type == "str"
                                                    else body.value)
        if before is not None:
            before.addnext(cell)
        else:
            row_el.append(cell)
        self._widen_spans(row_el, col)
        self._grow(row, col)
        return f

    def add_list_validation(self, v: ListValidation) -> bool:
        """Add a drop-down list on ``v.ref`` unless a validation already covers exactly
        that range (a person's own list is kept as it is); True when added."""
        container = self.root.find(q("dataValidations", self.ns))
        sqref = " ".join(range_ref(*parse_range(part)) for part in v.ref.split())
        if container is not None and any(d.get("sqref") == sqref for d in container):
            return False
        if container is None:
            container = etree.Element(q("dataValidations", self.ns))
            insert_ordered(self.root, container, WORKSHEET_ORDER)
        d = etree.SubElement(container, q("dataValidation", self.ns), type="list",
                             allowBlank=str(int(v.allow_blank)), showInputMessage="1", showErrorMessage="1")
        if v.prompt:
            d.set("prompt", v.prompt)
        if v.error:
            d.set("error", v.error)
        d.set("sqref", sqref)
        etree.SubElement(d, q("formula1", self.ns)).text = v.source or '"' + ",".join(v.choices) + '"'
        container.set("count", str(len(container)))
        return True

    def typed_values(self, col: int, rows: list[int]) -> dict[int, str]:
        """Rows whose cell in ``col`` holds a value but no formula: what a person typed."""
        typed = {}
        f_tag = self._f
        for row in rows:
            cell = self._existing(row, col)[0]
            if cell is not None and cell.find(f_tag) is None:
                text = "".join(cell.itertext())
                if text:
                    typed[row] = text
        return typed

    def formula_rows(self, col: int, below: int) -> list[int]:
        """Rows under ``below`` whose cell in ``col`` is part of a filled-down (shared)
        formula: what a column fill wrote, not a person's own formula such as a total."""
        out = []
        for r in self.rows_below(below):
            cell = self._existing(r, col)[0]
            f = None if cell is None else cell.find(self._f)
            if f is not None and f.get("t") == "shared":
                out.append(r)
        return out

    def rows_below(self, below: int) -> list[int]:
        """The rows present in the sheet's XML under row ``below``."""
        return self._row_numbers[bisect.bisect_right(self._row_numbers, below):]

    def formula_of(self, ref: str) -> str | None:
        """The formula text of a cell (None for a value, an empty cell or a shared
        formula's follower, whose text is only in its anchor)."""
        cell, _ = self._existing(*parse_cell(ref))
        f = None if cell is None else cell.find(self._f)
        return None if f is None else f.text

    def style_of(self, ref: str) -> int:
        """The ``s`` (cell format index) of a cell; 0 for a cell not written yet."""
        cell, _ = self._existing(*parse_cell(ref))
        return 0 if cell is None else int(cell.get("s", "0"))

    def finish(self) -> etree._Element:
        """The edited tree, with its dimension grown to cover what was written."""
        dim = self.root.find(q("dimension", self.ns))
        if dim is not None and self._bounds is not None:
            dim.set("ref", range_ref(*self._bounds))
        return self.root

    def _free_shared_index(self) -> str:
        used = {si for si, members in self._shared.items()
                if any(m.getparent() is not None and m.get("t") == "shared" for m in members)}
        n = 0
        while str(n) in used:
            n += 1
        return str(n)

    # -- indexing -----------------------------------------------------------------

    def _index_rows(self) -> None:
        previous = 0
        for row in self.data.iterchildren(self._row_tag):
            r = row.get("r")
            number = int(r) if r else previous + 1
            if not r:
                row.set("r", str(number))
            if number <= previous:
                raise WorkbookError(f"{self.where}: rows are out of order at row {number}")
            previous = number
            self._rows[number] = row
            self._row_numbers.append(number)

    def _existing(self, row: int, col: int) -> tuple[etree._Element | None, etree._Element | None]:
        """(the cell at ``col``, or None; the cell it would follow, or None).

        Scans the row from its end: written columns are usually the last ones, so
        this costs a step or two, where indexing every cell of every row would
        cost the whole sheet."""
        row_el = self._rows.get(row)
        if row_el is None:
            return None, None
        for cell in reversed(row_el):
            if cell.tag != self._c:
                continue
            ref = cell.get("r")
            if ref is None:
                self._name_cells(row, row_el)
                return self._existing(row, col)
            at = col_index(ref.rstrip("0123456789"))
            if at == col:
                return cell, None
            if at < col:
                return None, cell
        return None, None

    def _name_cells(self, number: int, row_el: etree._Element) -> None:
        """Give every cell of a row its ``r`` (the schema lets a producer leave it
        out when cells are consecutive), once per row."""
        if number in self._named_rows:
            return
        self._named_rows.add(number)
        previous = 0
        for cell in row_el.iterchildren(self._c):
            ref = cell.get("r")
            if ref:
                previous = col_index(ref.rstrip("0123456789"))
            else:
                previous += 1
                cell.set("r", cell_ref(number, previous))

    def _row(self, number: int) -> etree._Element:
        row = self._rows.get(number)
        if row is not None:
            return row
        row = etree.Element(self._row_tag, r=str(number))
        at = bisect.bisect(self._row_numbers, number)
        if at < len(self._row_numbers):
            self._rows[self._row_numbers[at]].addprevious(row)
        else:
            self.data.append(row)
        self._row_numbers.insert(at, number)
        self._rows[number] = row
        self._named_rows.add(number)
        return row

    def _cell(self, row: int, col: int) -> etree._Element:
        found, before = self._existing(row, col)
        if found is not None:
            return found
        row_el = self._row(row)
        cell = etree.Element(self._c, r=cell_ref(row, col))
        if before is not None:
            before.addnext(cell)
        else:
            first = next(row_el.iterchildren(self._c), None)
            if first is not None:
                first.addprevious(cell)
            else:
                row_el.append(cell)
        self._widen_spans(row_el, col)
        return cell

    @staticmethod
    def _widen_spans(row_el: etree._Element, col: int) -> None:
        spans = row_el.get("spans")
        if not spans or ":" not in spans:
            return
        first, last = (int(x) for x in spans.split(":")[:2])
        row_el.set("spans", f"{min(first, col)}:{max(last, col)}")

    # -- guards -------------------------------------------------------------------

    def _refuse_protected(self) -> None:
        protection = self.root.find(q("sheetProtection", self.ns))
        if protection is not None and protection.get("sheet") in ("1", "true"):
            raise WorkbookError(f"{self.where} is protected; unprotect it in Excel "
                                "(Review > Unprotect Sheet) and try again")

    def _scan_formulas(self) -> tuple[list[tuple[int, int, int, int]], dict[str, list]]:
        arrays: list[tuple[int, int, int, int]] = []
        shared: dict[str, list] = {}
        for f in self.root.iter(q("f", self.ns)):
            kind = f.get("t")
            if kind in ("array", "dataTable") and f.get("ref"):
                span = parse_range(f.get("ref"))
                if span[0] != span[2] or span[1] != span[3]:
                    arrays.append(span)
            elif kind == "shared" and f.get("si") is not None:
                shared.setdefault(f.get("si"), []).append(f)
        return arrays, shared

    def _guard(self, row: int, col: int, body: CellContent) -> None:
        where = f"{self.where}, cell {cell_ref(row, col)}"
        for r1, c1, r2, c2 in self._merges:
            if r1 <= row <= r2 and c1 <= col <= c2 and (row, col) != (r1, c1):
                raise WorkbookError(f"{where} is inside the merged range "
                                    f"{range_ref(r1, c1, r2, c2)}; write to {cell_ref(r1, c1)}")
        for r1, c1, r2, c2 in self._arrays:
            if r1 <= row <= r2 and c1 <= col <= c2:
                raise WorkbookError(f"{where} is part of the array formula over "
                                    f"{range_ref(r1, c1, r2, c2)}; Excel cannot change part of it")
        for table in self.tables:
            r1, c1, r2, c2 = parse_range(table.ref)
            if table.header_rows and row == r1 and c1 <= col <= c2:
                name = table.columns[col - c1] if col - c1 < len(table.columns) else None
                if body.inline != name:
                    raise WorkbookError(f"{where} is a header of table {table.name} "
                                        f"({name!r}); rename the column in Excel instead")

    def _detach_shared(self, f: etree._Element, row: int, col: int) -> None:
        """Before a shared formula's anchor ``f`` is overwritten, give every other
        cell of the group its own formula, translated from the anchor's."""
        from openpyxl.formula.translate import Translator

        origin = cell_ref(row, col)
        formula = "=" + (f.text or "")
        for member in self._shared.get(f.get("si"), []):
            if member is f or member.getparent() is None:
                continue  # the anchor itself, or a cell already overwritten
            target = member.getparent().get("r")
            position = (int(target.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")),
                        col_index(target.rstrip("0123456789")))
            if position in self._overwriting:
                continue
            member.text = Translator(formula, origin=origin).translate_formula(target)[1:]
            for name in ("t", "si", "ref"):
                member.attrib.pop(name, None)

    # -- writing ------------------------------------------------------------------

    def _fill(self, cell: etree._Element, body: CellContent) -> etree._Element | None:
        if body.type:
            cell.set("t", body.type)
        if body.inline is not None:
            t = etree.SubElement(etree.SubElement(cell, q("is", self.ns)), q("t", self.ns))
            t.text = escape_text(body.inline)
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            return None
        f = None
        if body.formula is not None:
            f = etree.SubElement(cell, self._f)
            f.text = body.formula or None
        if body.value is not None:
            v = etree.SubElement(cell, q("v", self.ns))
            v.text = escape_text(body.value) if body.type == "str" else body.value
        return f

    def _grow(self, row: int, col: int) -> None:
        b = self._bounds
        if b is None:
            dim = self.root.find(q("dimension", self.ns))
            try:
                b = list(parse_range(dim.get("ref", "A1"))) if dim is not None else None
            except WorkbookError:
                b = None
            self._bounds = b = b or [row, col, row, col]
        if row < b[0]:
            b[0] = row
        if col < b[1]:
            b[1] = col
        if row > b[2]:
            b[2] = row
        if col > b[3]:
            b[3] = col
