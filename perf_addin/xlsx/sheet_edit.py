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
from .values import CellContent, escape_text
from .xml import local, q


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
                 tables: list[TableInfo]) -> None:
        self.name = sheet_name
        self.where = f"{book}: sheet {sheet_name}"
        self.root = root
        self.ns = etree.QName(root).namespace
        self.tables = tables
        self._refuse_protected()
        data = root.find(q("sheetData", self.ns))
        if data is None:
            raise WorkbookError(f"{self.where} has no sheetData; it may be damaged")
        self.data = data
        self._rows: dict[int, etree._Element] = {}
        self._row_numbers: list[int] = []
        self._cells: dict[int, dict[int, etree._Element]] = {}
        self._index_rows()
        self._merges = [parse_range(m.get("ref")) for m in root.iter(q("mergeCell", self.ns))
                        if m.get("ref")]
        self._arrays, self._shared = self._scan_formulas()
        self._bounds: list[int] | None = None
        self._overwriting: set[str] = set()

    # -- public -------------------------------------------------------------------

    def set(self, ref: str, body: CellContent, style_id: int | None) -> None:
        """Write one cell; ``style_id`` None keeps the cell's current style."""
        row, col = parse_cell(ref)
        self._guard(row, col, body)
        cell = self._cell(row, col)
        self._detach_shared(cell, row, col)
        for name in ("t", "cm", "vm", "ph"):
            cell.attrib.pop(name, None)
        if style_id is not None:
            if style_id:
                cell.set("s", str(style_id))
            else:
                cell.attrib.pop("s", None)
        for child in list(cell):
            cell.remove(child)
        self._fill(cell, body)
        self._grow_dimension(row, col)

    def fill_formula(self, col: int, rows: list[int], formula: str,
                     bodies: list[CellContent], style_id: int | None) -> None:
        """One formula down a column as an Excel shared formula: the text is stored
        once, in the first row, relative to it; every cell keeps its cached value.
        This is what Excel writes for a filled-down column, and it keeps a
        100,000-row result column small."""
        if not rows:
            return
        refs = [cell_ref(r, col) for r in rows]
        self._overwriting = set(refs)
        try:
            for i, (ref, body) in enumerate(zip(refs, bodies)):
                self.set(ref, CellContent(body.type, formula if i == 0 else "", body.value), style_id)
        finally:
            self._overwriting = set()
        si = self._free_shared_index()
        members = []
        for i, ref in enumerate(refs):
            f = self._cells[rows[i]][col].find(q("f", self.ns))
            f.set("t", "shared")
            if i == 0:
                f.set("ref", f"{refs[0]}:{refs[-1]}")
            f.set("si", si)
            members.append(f)
        self._shared[si] = members

    def typed_values(self, refs: list[str]) -> dict[str, str]:
        """Cells among ``refs`` that hold a value but no formula: what a person typed."""
        typed = {}
        for ref in refs:
            row, col = parse_cell(ref)
            if row not in self._rows:
                continue
            cell = self._row_cells(row).get(col)
            if cell is not None and cell.find(q("f", self.ns)) is None:
                text = "".join(cell.itertext())
                if text:
                    typed[ref] = text
        return typed

    def _free_shared_index(self) -> str:
        used = {f.get("si") for f in self.root.iter(q("f", self.ns)) if f.get("t") == "shared"}
        n = 0
        while str(n) in used:
            n += 1
        return str(n)

    def value_text(self, ref: str) -> str | None:
        """The stored text of a cell (inline string or <v>), for guards and tests."""
        row, col = parse_cell(ref)
        cell = self._cells.get(row, {}).get(col)
        if cell is None:
            return None
        return "".join(cell.itertext()) or None

    # -- indexing -----------------------------------------------------------------

    def _index_rows(self) -> None:
        previous = 0
        for row in self.data.iterchildren(q("row", self.ns)):
            number = int(row.get("r") or previous + 1)
            row.set("r", str(number))
            if number <= previous:
                raise WorkbookError(f"{self.where}: rows are out of order at row {number}")
            previous = number
            self._rows[number] = row
            self._row_numbers.append(number)

    def _row_cells(self, number: int) -> dict[int, etree._Element]:
        cells = self._cells.get(number)
        if cells is None:
            cells, previous = {}, 0
            for cell in self._rows[number].iterchildren(q("c", self.ns)):
                ref = cell.get("r")
                col = parse_cell(ref)[1] if ref else previous + 1
                if not ref:
                    cell.set("r", cell_ref(number, col))
                cells[col] = cell
                previous = col
            self._cells[number] = cells
        return cells

    def _row(self, number: int) -> etree._Element:
        row = self._rows.get(number)
        if row is not None:
            return row
        row = etree.Element(q("row", self.ns), r=str(number))
        at = bisect.bisect(self._row_numbers, number)
        if at < len(self._row_numbers):
            self._rows[self._row_numbers[at]].addprevious(row)
        else:
            self.data.append(row)
        self._row_numbers.insert(at, number)
        self._rows[number] = row
        self._cells[number] = {}
        return row

    def _cell(self, row: int, col: int) -> etree._Element:
        row_el = self._row(row)
        cells = self._row_cells(row)
        cell = cells.get(col)
        if cell is not None:
            return cell
        cell = etree.Element(q("c", self.ns), r=cell_ref(row, col))
        later = [c for c in cells if c > col]
        if later:
            cells[min(later)].addprevious(cell)
        else:
            row_el.append(cell)
        cells[col] = cell
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

    def _detach_shared(self, cell: etree._Element, row: int, col: int) -> None:
        """Before a shared formula's anchor is overwritten, give every other cell of
        the group its own formula, translated from the anchor's."""
        f = cell.find(q("f", self.ns))
        if f is None or f.get("t") != "shared" or f.get("ref") is None:
            return
        from openpyxl.formula.translate import Translator

        origin = cell_ref(row, col)
        formula = "=" + (f.text or "")
        for member in self._shared.get(f.get("si"), []):
            if member is f or member.getparent() is None:
                continue  # the anchor itself, or a cell already overwritten
            target = member.getparent().get("r")
            if target in self._overwriting:
                continue
            member.text = Translator(formula, origin=origin).translate_formula(target)[1:]
            for name in ("t", "si", "ref"):
                member.attrib.pop(name, None)

    # -- writing ------------------------------------------------------------------

    def _fill(self, cell: etree._Element, body: CellContent) -> None:
        if body.type:
            cell.set("t", body.type)
        if body.inline is not None:
            t = etree.SubElement(etree.SubElement(cell, q("is", self.ns)), q("t", self.ns))
            t.text = escape_text(body.inline)
            t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            return
        if body.formula is not None:
            etree.SubElement(cell, q("f", self.ns)).text = body.formula or None
        if body.value is not None:
            v = etree.SubElement(cell, q("v", self.ns))
            v.text = escape_text(body.value) if body.type == "str" else body.value

    def _grow_dimension(self, row: int, col: int) -> None:
        dim = self.root.find(q("dimension", self.ns))
        if dim is None:
            return
        if self._bounds is None:
            try:
                self._bounds = list(parse_range(dim.get("ref", "A1")))
            except WorkbookError:
                self._bounds = [row, col, row, col]
        b = self._bounds
        grown = [min(b[0], row), min(b[1], col), max(b[2], row), max(b[3], col)]
        if grown != b:
            self._bounds = grown
            dim.set("ref", range_ref(*grown))
