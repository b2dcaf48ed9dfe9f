"""Writing many cells into one large existing worksheet without building its tree.

Scoring 100,000 employees writes half a million cells into a sheet whose XML is
tens of megabytes. Parsing that into an lxml tree, editing 500,000 elements and
serialising it again cost seconds and gigabytes, for a change to a few columns.
:class:`SheetSplice` keeps the part's bytes as they are and records each written
cell as the bytes of its new ``<c>`` element; on save the part is streamed into
the zip entry row by row: rows without an edit are copied as they stand (byte
for byte, not even re-serialised), an edited row gets its new cells spliced in
at their column's place, every other cell of it untouched.

The part is still checked to be well-formed XML (a parse that builds nothing), so a
damaged sheet is refused as before. Only the sheet's frame (everything outside
``<sheetData>``: dimension, protection, merges, tab colour – a few kilobytes) is
parsed, into a :class:`SheetEditor` with no rows, so the guards (merged ranges,
table headers, protection) and the dimension are the tree editor's own code. Cells are found
by their ``r`` attribute with a byte search per column (the columns a job
writes are few; the cells are many).

The splice handles the sheets a spreadsheet program writes: UTF-8, the main
namespace as the default one, every row and cell with its ``r``, no array
formulas. Anything else, and any edit it does not make in bytes (overwriting
the anchor of a shared formula whose other cells stay, an attribute it would
have to re-escape), falls back to the tree editor: the sheet is parsed after
all and the edits made so far are replayed on the tree, so the result is
always the tree editor's.
"""

from __future__ import annotations

import bisect
import os
import re
from operator import itemgetter
from typing import Iterator

from lxml import etree

from .package import StreamedPart
from .refs import cell_ref, col_index, col_letter, parse_cell, parse_range, range_ref
from .sheet_edit import SheetEditor, TableInfo
from .sheet_xml import cell_element
from .spec import ListValidation
from .values import CellContent, escape_text
from .xml import MAIN, parse, q, serialise

#: sheet parts smaller than this are edited as a tree (it costs little there);
#: the environment variable lets the tests run every edit through the splice
MIN_BYTES = int(os.environ.get("PERF_ADDIN_SPLICE_MIN_BYTES", str(1 << 20)))
CHUNK = 1 << 20  # bytes handed to the compressor at a time

_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"
_ENCODING = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']+)")
_ROOT = re.compile(rb"<worksheet\b([^>]*)>")
_ROW_START = re.compile(rb'<row r="(\d+)"')
_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"([^>]*?)(/?)>')
_F_TAG = re.compile(rb"<f\b([^>]*?)/?>")
_ATTR = re.compile(rb'\s+([\w:.-]+)="([^"&<>\n\r\t]*)"')
_SI = re.compile(rb'\bsi="(\d+)"')
_ANCHOR_TAG = re.compile(rb'<f\b[^>]*\bref="[^"]*"[^>]*>')
_REF = re.compile(rb'\bref="([^"]*)"')
_LOWER_REF = re.compile(rb'<c r="[^A-Z]')
_SPANS = re.compile(rb' spans="(\d+):(\d+)"')
#: a cell of one column, whole: the row number, "/" when empty, its <f ...> tag if any
_CELL_REST = rb'(\d+)"[^>]*?(?:(/)>|>(<f\b[^>]*>)?.*?</c>)'
_EMPTY, _VALUE, _FORMULA, _SHARED, _ANCHOR = 0, 1, 2, 4, 8  # what a column index says of a cell
_DROPPED = ("t", "cm", "vm", "ph")  # what an overwrite removes, as the tree editor does
#: what the rows must not hold (comments, processing instructions and a DOCTYPE are
#: reported by the well-formedness parse instead: finding "<!" and "<?" costs more)
_FORBIDDEN = (b"<![CDATA[", b"xmlns", b't="array"', b't="dataTable"')


class _NeedsTree(Exception):
    """An edit the byte-level path does not make: parse the sheet after all."""


def splice_bounds(data: bytes) -> tuple[int, int] | None:
    """Where the rows of a sheet part lie (after ``<sheetData>``, before
    ``</sheetData>``), when the splice can edit it; None when the tree editor must."""
    head = data[:256]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"<!DOCTYPE" in data[:4096]:
        return None
    declared = _ENCODING.match(head)
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        return None
    first = data.find(_OPEN)
    if first < 0 or data.find(_OPEN, first + 1) >= 0:
        return None
    a, b = first + len(_OPEN), data.find(_CLOSE)
    if b < a or data.find(_CLOSE, b + 1) >= 0 or not _ROOT.search(data, 0, first):
        return None
    if any(data.find(token, a, b) >= 0 for token in _FORBIDDEN):
        return None
    if data.count(b"<c", a, b) != data.count(b'<c r="', a, b) or _LOWER_REF.search(data, a, b):
        return None  # a cell without its reference, or one in lower case
    return a, b


class SheetSplice:
    """One large existing worksheet part, edited as bytes (the interface of
    :class:`SheetEditor` that :class:`Workbook` uses)."""

    def __init__(self, book: str, sheet_name: str, data: bytes, bounds: tuple[int, int],
                 tables: list[TableInfo], protected_ok: bool = False) -> None:
        self._book, self.name = book, sheet_name
        self.where = f"{book}: sheet {sheet_name}"
        self._data = data
        self._a, self._b = bounds
        _check_well_formed(data)
        frame = parse(data[:self._a] + data[self._b:])
        if frame.prefix is not None or etree.QName(frame).namespace != MAIN:
            raise _NeedsTree
        self._frame = SheetEditor(book, sheet_name, frame, tables, protected_ok)
        self._frame_bytes = serialise(frame)
        self._root_attrs = _ROOT.search(data, 0, self._a).group(1)
        self._row_numbers: list[int] = []
        self._row_starts: list[int] = []
        if data.count(b"<row", self._a, self._b) != data.count(b'<row r="', self._a, self._b):
            raise _NeedsTree  # a row without its number, or written as <row\nr=...>
        previous = 0
        for m in _ROW_START.finditer(data, self._a, self._b):
            number = int(m.group(1))
            if number <= previous:
                raise _NeedsTree  # the tree editor names the row out of order
            previous = number
            self._row_numbers.append(number)
            self._row_starts.append(m.start())
        self._row_set = set(self._row_numbers)
        self._new_rows: list[int] = []  # rows an edit adds, in order
        self._new_set: set[int] = set()
        self._scans: dict[int, list[tuple[bytes, bytes, bytes, bytes]]] = {}
        self._columns: dict[int, dict[int, tuple[bytes, int]]] = {}
        #: row -> column -> (the cell's new bytes, (start, end) of its old element or None)
        self._edits: dict[int, dict[int, tuple[bytes, tuple[int, int] | None]]] = {}
        self._edited: dict[int, set[int]] = {}  # column -> rows with an edit there
        self._kind_rows: dict[tuple[int, int], set[int]] = {}
        self._log: list[tuple] = []
        self._tree: SheetEditor | None = None
        self._si_present: set[bytes] | None = None
        self._si_freed: set[bytes] = set()
        self._si_taken: set[bytes] = set()
        self._overwriting: frozenset[int] = frozenset()

    @classmethod
    def open(cls, book: str, sheet_name: str, data: bytes, tables: list[TableInfo],
             protected_ok: bool = False) -> "SheetSplice | None":
        """The splice for ``data``, or None when the sheet is one for the tree editor."""
        bounds = splice_bounds(data) if len(data) >= MIN_BYTES else None
        if bounds is None:
            return None
        try:
            return cls(book, sheet_name, data, bounds, tables, protected_ok)
        except (_NeedsTree, etree.XMLSyntaxError):
            return None

    # -- the editor's interface -----------------------------------------------------

    @property
    def root(self) -> etree._Element:
        """The sheet's frame (all but its rows); a tab colour set there is saved."""
        return self._tree.root if self._tree is not None else self._frame.root

    @property
    def tables(self) -> list[TableInfo]:
        return self._frame.tables

    def set(self, ref: str, body: CellContent, style_id: int | None) -> None:
        """Write one cell; ``style_id`` None keeps the cell's current style."""
        if self._tree is None:
            try:
                self._write(*parse_cell(ref), body, style_id)
                self._log.append(("set", ref, body, style_id))
                return
            except _NeedsTree:
                self._to_tree()
        self._tree.set(ref, body, style_id)

    def add_list_validation(self, validation: ListValidation) -> bool:
        """A drop-down list (see SheetEditor.add_list_validation): it lives in the
        sheet's frame, outside the rows, so the splice keeps streaming them; the
        frame is the tree's root should the sheet fall back to the tree."""
        return (self._tree or self._frame).add_list_validation(validation)

    def fill_formula(self, col: int, rows: list[int], formula: str,
                     cached: list[tuple[str | None, str | None]], style_id: int | None) -> None:
        """One formula down a column as a shared formula (see SheetEditor.fill_formula)."""
        if self._tree is None:
            try:
                self._fill(col, rows, formula, cached, style_id)
                self._log.append(("fill_formula", col, rows, formula, cached, style_id))
                return
            except _NeedsTree:
                self._to_tree()
        self._tree.fill_formula(col, rows, formula, cached, style_id)

    def typed_values(self, col: int, rows: list[int]) -> dict[int, str]:
        """Rows whose cell in ``col`` holds a value but no formula: what a person typed."""
        if self._tree is not None:
            return self._tree.typed_values(col, rows)
        edited = self._edited.get(col, set())
        wanted = set(rows)
        cells = [(r, self._edits[r][col][0]) for r in edited & wanted]
        candidates = (self._kinds(col, _VALUE) & wanted) - edited
        if candidates:  # cells a person typed are few: only then is the column indexed
            index = self._column(col)
            cells += [(r, index[r][0]) for r in candidates]
        typed = {}
        for row, cell in sorted(cells):
            if b"<f" in cell or cell.endswith(b"/>"):
                continue
            text = "".join(self._element(cell).itertext())
            if text:
                typed[row] = text
        return typed

    def formula_rows(self, col: int, below: int) -> list[int]:
        """Rows under ``below`` whose cell in ``col`` is part of a shared formula."""
        if self._tree is not None:
            return self._tree.formula_rows(col, below)
        edited = self._edited.get(col, set())
        rows = {r for r in self._kinds(col, _SHARED) if r > below} - edited
        for r in edited:
            f = _F_TAG.search(self._edits[r][col][0]) if r > below else None
            if f is not None and b't="shared"' in f.group(1):
                rows.add(r)
        return sorted(rows)

    def _kinds(self, col: int, kind: int) -> set[int]:
        """The rows whose original cell in ``col`` holds a value (not a formula), or a
        shared formula."""
        key = (col, kind)
        found = self._kind_rows.get(key)
        if found is None:
            scan = self._scan(col)
            if kind == _VALUE:
                found = {int(row) for _, row, empty, f in scan if not empty and not f}
            else:
                found = {int(row) for _, row, _, f in scan if f and b't="shared"' in f}
            self._kind_rows[key] = found
        return found

    def rows_below(self, below: int) -> list[int]:
        """The rows the sheet holds under row ``below`` (the new ones included)."""
        if self._tree is not None:
            return self._tree.rows_below(below)
        old = self._row_numbers[bisect.bisect_right(self._row_numbers, below):]
        new = self._new_rows[bisect.bisect_right(self._new_rows, below):]
        return sorted(old + new) if new else old

    def formula_of(self, ref: str) -> str | None:
        if self._tree is not None:
            return self._tree.formula_of(ref)
        cell = self._current(*parse_cell(ref))
        f = None if cell is None else self._element(cell).find(q("f", MAIN))
        return None if f is None else f.text

    def style_of(self, ref: str) -> int:
        if self._tree is not None:
            return self._tree.style_of(ref)
        cell = self._current(*parse_cell(ref))
        if cell is None:
            return 0
        return int(self._element(cell).get("s", "0"))

    def finish_part(self) -> bytes | StreamedPart | None:
        """The part to save: bytes (tree), a stream (splice), or None when no edit
        changed a byte of it."""
        if self._tree is not None:
            return serialise(self._tree.finish())
        self._frame.finish()
        frame = serialise(self._frame.root)
        if frame == self._frame_bytes:
            head, tail = self._data[:self._a], self._data[self._b:]
        else:
            at = frame.index(b"<sheetData/>")
            head, tail = frame[:at] + _OPEN, _CLOSE + frame[at + len(b"<sheetData/>"):]
        if not self._edits and frame == self._frame_bytes:
            return None
        return StreamedPart(self._stream(head, tail))

    # -- finding cells --------------------------------------------------------------

    def _scan(self, col: int) -> list[tuple[bytes, bytes, bytes, bytes]]:
        """Every original cell of column ``col`` in document order, as (its bytes, its
        row number, "/" if empty, its ``<f ...>`` tag), by one byte search for
        ``<c r="L`` followed by a row number. Kept: the other questions about the
        column (typed values, shared formulas, an unchanged fill) are answered from it."""
        found = self._scans.get(col)
        if found is None:
            pattern = re.compile(b'(<c r="' + col_letter(col).encode() + _CELL_REST + b")", re.S)
            found = self._scans[col] = pattern.findall(self._data, self._a, self._b)
        return found

    def _column(self, col: int) -> dict[int, tuple[bytes, int]]:
        """Row -> (bytes, kind) of the original cell in column ``col`` (for the cells
        an edit overwrites)."""
        index = self._columns.get(col)
        if index is None:
            index = self._columns[col] = {
                int(row): (cell, _EMPTY if empty else _VALUE if not f else
                           _FORMULA | (_SHARED | (_ANCHOR if b"ref=" in f else 0)
                                       if b't="shared"' in f else 0))
                for cell, row, empty, f in self._scan(col)}
        return index

    def _locate(self, row: int, col: int) -> tuple[int, int]:
        """Where the original cell (row, col) lies in the part: searched in its row."""
        at = bisect.bisect_left(self._row_numbers, row)
        if at == len(self._row_numbers) or self._row_numbers[at] != row:
            raise _NeedsTree  # a cell outside the row its reference names
        end = self._row_starts[at + 1] if at + 1 < len(self._row_starts) else self._b
        start = self._data.find(b'<c r="%s%d"' % (col_letter(col).encode(), row),
                                self._row_starts[at], end)
        if start < 0:
            raise _NeedsTree  # a cell whose reference names another row than its own
        return start, self._span(start)[0]

    def _span(self, start: int) -> tuple[int, re.Match]:
        """The end of the original cell starting at ``start``, and its start tag."""
        m = _CELL.match(self._data, start)
        if m.group(4):
            return m.end(), m
        return self._data.index(b"</c>", m.end()) + 4, m

    def _current(self, row: int, col: int) -> bytes | None:
        """The cell's bytes as this session left them (None: no such cell)."""
        if row in self._edited.get(col, ()):
            return self._edits[row][col][0]
        entry = self._column(col).get(row)
        return None if entry is None else entry[0]

    def _element(self, cell: bytes) -> etree._Element:
        """One cell parsed on its own, with the sheet's namespace declarations."""
        return parse(b"<worksheet" + self._root_attrs + b">" + cell + b"</worksheet>")[0]

    # -- writing --------------------------------------------------------------------

    def _write(self, row: int, col: int, body: CellContent, style_id: int | None) -> None:
        if self._frame._merges or self._frame.tables:
            self._frame._guard(row, col, body)
        old = self._current(row, col)
        attrs = self._kept_attrs(old, row, col, style_id)
        if old is not None and b"<f" in old:
            self._release_anchor(old, row, col)
        self._store(row, col, _cell_xml(attrs, body).encode("utf-8"))
        self._frame._grow(row, col)

    def _fill(self, col: int, rows: list[int], formula: str,
              cached: list[tuple[str | None, str | None]], style_id: int | None) -> None:
        if not rows:
            return
        if self._frame._merges or self._frame.tables:
            for r in rows:
                self._frame._guard(r, col, CellContent(formula=formula))
        try:
            if col not in self._edited and self._fill_is_unchanged(col, rows, formula, cached, style_id):
                return
            self._fill_cells(col, rows, formula, cached, style_id)
        finally:
            self._scans.pop(col, None)  # its last use: a whole column of small objects

    def _fill_cells(self, col: int, rows: list[int], formula: str,
                    cached: list[tuple[str | None, str | None]], style_id: int | None) -> None:
        """The fill, cell by cell: old cells are found by row and replaced."""
        index = self._column(col)
        edited = self._edited.get(col, ())
        olds: list[bytes | None] = []
        anchors = []
        for r in rows:
            if r in edited:
                cell = self._edits[r][col][0]
                if b"<f" in cell:
                    anchors.append((r, cell))
            else:
                entry = index.get(r)
                cell = None if entry is None else entry[0]
                if entry is not None and entry[1] & _ANCHOR:
                    anchors.append((r, cell))
            olds.append(cell)
        self._overwriting = frozenset(rows)
        try:
            for r, cell in anchors:
                self._release_anchor(cell, r, col)
        finally:
            self._overwriting = frozenset()
        si = self._lowest_free_index(self._si_freed)
        self._si_taken.add(si.encode())
        cells = self._new_cells(col, rows, formula, cached, style_id, si)
        column_edits = self._edited.setdefault(col, set())
        earlier = set(column_edits)
        all_edits, row_set = self._edits, self._row_set
        stored = []
        for r, old, cell, (kind, _) in zip(rows, olds, cells, cached):
            if old is not None:
                if cell == old:
                    continue
                if style_id is None or not old.startswith(cell[:cell.index(b">") + 1]):
                    attrs = self._kept_attrs(old, r, col, style_id) + ([("t", kind)] if kind else [])
                    head = "".join(f' {k}="{x}"' for k, x in attrs).encode("utf-8")
                    cell = b"<c" + head + cell[cell.index(b">"):]
                if r in earlier:
                    self._store(r, col, cell)  # an earlier edit: it may restore the original
                    continue
            edits = all_edits.get(r)
            if edits is None:
                edits = all_edits[r] = {}
                if r not in row_set and r not in self._new_set:
                    self._new_set.add(r)
                    bisect.insort(self._new_rows, r)
            edits[col] = (cell, None if old is None else self._locate(r, col))
            stored.append(r)
        column_edits.update(stored)
        self._frame._grow(rows[0], col)
        self._frame._grow(rows[-1], col)

    def _new_cells(self, col: int, rows: list[int], formula: str,
                   cached: list[tuple[str | None, str | None]], style_id: int | None,
                   si: str) -> list[bytes]:
        """The fill's cells as new cells are written (``r``, ``s``, ``t``; the first
        holds the formula's text and range), as SheetEditor.fill_formula makes them."""
        letter = col_letter(col)
        style = f' s="{style_id}"' if style_id else ""
        member = f'<f t="shared" si="{si}"/>'
        anchor = (f'<f t="shared" si="{si}" ref="{range_ref(rows[0], col, rows[-1], col)}">'
                  f"{_text(formula)}</f>")
        texts: dict[str, str] = {}  # a text result (a grade) repeats: escaped once
        out = []
        for i, (r, (kind, value)) in enumerate(zip(rows, cached)):
            if value is None:
                v = ""
            elif kind == "str":
                v = texts.get(value)
                if v is None:
                    v = texts[value] = f"<v>{_text(escape_text(value))}</v>"
            else:
                v = f"<v>{value}</v>"  # a number or an error code: nothing to escape
            t = f' t="{kind}"' if kind else ""
            out.append(f'<c r="{letter}{r}"{style}{t}>{anchor if i == 0 else member}{v}</c>'.encode("utf-8"))
        return out

    def _fill_is_unchanged(self, col: int, rows: list[int], formula: str,
                           cached: list[tuple[str | None, str | None]], style_id: int | None) -> bool:
        """A fill that would write exactly the cells the column holds (a rerun with
        nothing to change), found by one byte comparison: the column's cells in
        order, from the first row on, must be the fill's cells. Only what the
        shared-formula bookkeeping needs is kept."""
        scan = self._scan(col)
        if len(scan) < len(rows):
            return False
        column = b"".join(map(itemgetter(0), scan))
        first = column.find(b'<c r="%s%d"' % (col_letter(col).encode(), rows[0]))
        if first < 0:
            return False
        f = _F_TAG.search(column, first, column.find(b"</c>", first))
        si = None if f is None or b't="shared"' not in f.group(1) else _SI.search(f.group(1))
        if si is None:
            return False
        freed = self._si_freed | {si.group(1)}
        new = self._lowest_free_index(freed)
        if not column.startswith(b"".join(self._new_cells(col, rows, formula, cached, style_id, new)), first):
            return False
        self._si_freed.add(si.group(1))
        self._si_taken.add(new.encode())
        self._frame._grow(rows[0], col)
        self._frame._grow(rows[-1], col)
        return True

    def _kept_attrs(self, old: bytes | None, row: int, col: int,
                    style_id: int | None) -> list[tuple[str, str]]:
        """The attributes an overwritten cell keeps (all but its type and metadata), with
        the style set as asked: what SheetEditor.write leaves on the element."""
        if old is None:
            attrs = [("r", cell_ref(row, col))]
        else:
            m = _CELL.match(old)
            rest = m.group(3)
            found = list(_ATTR.finditer(rest))
            if sum(x.end() - x.start() for x in found) != len(rest.rstrip()):
                raise _NeedsTree  # an attribute written in a way the tree would re-escape
            attrs = [("r", (m.group(1) + m.group(2)).decode())]
            attrs += [(x.group(1).decode(), x.group(2).decode("utf-8")) for x in found
                      if x.group(1).decode() not in _DROPPED]
        if style_id is not None:
            at = next((i for i, (k, _) in enumerate(attrs) if k == "s"), None)
            if style_id and at is not None:
                attrs[at] = ("s", str(style_id))
            elif style_id:
                attrs.append(("s", str(style_id)))
            elif at is not None:
                del attrs[at]
        return attrs

    def _release_anchor(self, old: bytes, row: int, col: int) -> None:
        """Overwriting the anchor of a shared formula: the tree editor gives the group's
        other cells their own formulas; here only a group whose other cells are all
        being overwritten too (a column fill over its own earlier fill) is released."""
        f = _F_TAG.search(old)
        if f is None or b't="shared"' not in f.group(1):
            return
        ref, si = _REF.search(f.group(1)), _SI.search(f.group(1))
        if ref is None or si is None:
            return  # a member, not the anchor: nothing else depends on it
        r1, c1, r2, c2 = parse_range(ref.group(1).decode())
        if (r1, c1, r2, c2) != (row, col, row, col):
            if c1 != c2 or c1 != col:
                raise _NeedsTree
            member = b'si="' + si.group(1) + b'"'
            for r in range(r1, r2 + 1):
                if r != row and r not in self._overwriting:
                    cell = self._current(r, col)
                    if cell is not None and member in cell:
                        raise _NeedsTree
        self._si_freed.add(si.group(1))

    def _lowest_free_index(self, freed: set[bytes]) -> str:
        """The lowest shared-formula index no remaining group uses, once the groups
        ``freed`` are gone. A group is known by its anchor (the cell holding the text
        and ``ref``), found by one byte search."""
        if self._si_present is None:
            self._si_present = set()
            for tag in _ANCHOR_TAG.findall(self._data, self._a, self._b):
                si = _SI.search(tag)
                if si is not None and b't="shared"' in tag:
                    self._si_present.add(si.group(1))
        used = (self._si_present - freed) | self._si_taken
        n = 0
        while str(n).encode() in used:
            n += 1
        return str(n)

    def _store(self, row: int, col: int, cell: bytes) -> None:
        """Record the cell's new bytes (and forget an edit that restores the original)."""
        edits = self._edits.get(row)
        entry = self._column(col).get(row)
        if entry is not None and entry[0] == cell:
            if edits is not None and col in edits:
                del edits[col]
                self._edited[col].discard(row)
                if not edits:
                    del self._edits[row]
            return
        if edits is None:
            edits = self._edits[row] = {}
            if row not in self._row_set and row not in self._new_set:
                self._new_set.add(row)
                bisect.insort(self._new_rows, row)
        previous = edits.get(col)
        span = None if entry is None else previous[1] if previous is not None else self._locate(row, col)
        edits[col] = (cell, span)
        self._edited.setdefault(col, set()).add(row)

    # -- falling back ---------------------------------------------------------------

    def _to_tree(self) -> None:
        """Parse the whole sheet into the frame and replay every edit on it."""
        rows = parse(self._data).find(q("sheetData", MAIN))
        frame = self._frame.root
        empty = frame.find(q("sheetData", MAIN))
        frame.replace(empty, rows)
        tree = SheetEditor(self._book, self.name, frame, self._frame.tables, protected_ok=True)
        for op, *args in self._log:
            getattr(tree, op)(*args)
        self._tree = tree
        self._edits, self._edited, self._columns, self._scans, self._log = {}, {}, {}, {}, []

    # -- saving ---------------------------------------------------------------------

    def _stream(self, head: bytes, tail: bytes) -> Iterator[bytes]:
        """The part: head, rows (copied, or spliced where edited), tail; in chunks."""
        data = memoryview(self._data)
        pending: list = [head]
        size = 0
        pos = self._a
        numbers, starts = self._row_numbers, self._row_starts
        for row in sorted(self._edits):
            at = bisect.bisect_left(numbers, row)
            exists = at < len(numbers) and numbers[at] == row
            start = starts[at] if at < len(starts) else self._b
            pending.append(data[pos:start])
            size += start - pos
            if exists:
                end = starts[at + 1] if at + 1 < len(starts) else self._b
                piece = self._spliced_row(row, start, end)
                pos = end
            else:
                piece = b'<row r="%d">' % row + b"".join(
                    cell for _, (cell, _) in sorted(self._edits[row].items())) + b"</row>"
                pos = start
            pending.append(piece)
            size += len(piece)
            if size >= CHUNK:
                yield b"".join(pending)
                pending, size = [], 0
        pending.append(data[pos:self._b])
        pending.append(tail)
        yield b"".join(pending)

    def _spliced_row(self, row: int, start: int, end: int) -> bytes:
        """One existing row with its edits: replaced cells in place, new cells after
        the last cell left of their column (before the first, when none is)."""
        data = self._data
        edits = self._edits[row]
        tag_end = data.index(b">", start) + 1
        if data[tag_end - 2] == 0x2F:  # <row .../>: open it
            open_tag = data[start:tag_end - 2] + b">"
            content = close = tag_end
            rest = b"</row>" + data[tag_end:end]
        else:
            open_tag = data[start:tag_end]
            content, close = tag_end, data.rindex(b"</row>", tag_end, end)
            rest = data[close:end]
        new_cols = sorted(c for c, (_, old) in edits.items() if old is None)
        if new_cols:
            open_tag = _widen_spans(open_tag, new_cols[0], new_cols[-1])
            places = self._insertion_points(content, close, new_cols)
            if len(new_cols) == len(edits) and len(set(places.values())) == 1:
                at = places[new_cols[0]]  # the usual case: new columns right of the row's cells
                return b"".join((open_tag, data[content:at], *(edits[c][0] for c in new_cols),
                                 data[at:close], rest))
        pieces: list[tuple[int, int, int, bytes]] = [  # (start, end, column, bytes)
            (old[0], old[1], col, cell) for col, (cell, old) in edits.items() if old is not None]
        if new_cols:
            pieces += [(places[c], places[c], c, edits[c][0]) for c in new_cols]
        pieces.sort()
        out = [open_tag]
        pos = content
        for s, e, _, cell in pieces:
            out.append(data[pos:s])
            out.append(cell)
            pos = e
        out.append(data[pos:close])
        out.append(rest)
        return b"".join(out)

    def _insertion_points(self, content: int, close: int, cols: list[int]) -> dict[int, int]:
        """Where each new column's cell goes in a row's content (``cols`` ascending)."""
        data = self._data
        last = data.rfind(b'<c r="', content, close)
        if last < 0:
            return {c: close for c in cols}
        letters = data[last + 6:last + 9].rstrip(b"0123456789\"")
        if cols[0] > col_index(letters.decode()):
            tail = data[close - 4:close]
            ends_here = tail == b"</c>" or (tail.endswith(b"/>") and data.rfind(b"<", content, close) == last)
            return dict.fromkeys(cols, close if ends_here else self._span(last)[0])
        cells = []  # (column, start, end) of every cell of the row
        for m in _CELL.finditer(data, content, close):
            cells.append((col_index(m.group(1).decode()), m.start(), self._span(m.start())[0]))
        places = {}
        for c in cols:
            before = [e for col, _, e in cells if col < c]
            places[c] = before[-1] if before else cells[0][1]
        return places


class _NoTree:
    """A parser target that keeps nothing: the parse proves the XML well formed and
    says whether it holds a comment, a processing instruction or a DOCTYPE (text in
    which a byte search could find what looks like a cell)."""

    def __init__(self) -> None:
        self.unusual = False

    def comment(self, text: str) -> None:
        self.unusual = True

    def pi(self, target: str, data: str | None = None) -> None:
        self.unusual = True

    def doctype(self, *args: object) -> None:
        self.unusual = True

    def close(self) -> bool:
        return self.unusual


def _check_well_formed(data: bytes) -> None:
    """Raise XMLSyntaxError where the tree editor's parse would (then the tree editor
    refuses the damaged part with its message), and _NeedsTree for a part holding a
    comment, a processing instruction or a DOCTYPE. No tree is built, so it costs a
    fraction of the parse it stands for."""
    if etree.fromstring(data, etree.XMLParser(target=_NoTree(), huge_tree=True,
                                              resolve_entities=False, no_network=True)):
        raise _NeedsTree


def _text(value: str) -> str:
    """Element text escaped as lxml escapes it (so a carriage return survives)."""
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\r", "&#13;"))


def _cell_xml(attrs: list[tuple[str, str]], body: CellContent) -> str:
    """One ``<c>`` as SheetEditor.write and _fill leave it, serialised as lxml does."""
    return cell_element("".join(f' {k}="{v}"' for k, v in attrs), body, _text)


def _widen_spans(tag: bytes, first: int, last: int) -> bytes:
    """A row's ``spans`` hint grown to cover new cells (left alone if it is not one span)."""
    m = _SPANS.search(tag)
    if m is None:
        return tag
    a, b = min(int(m.group(1)), first), max(int(m.group(2)), last)
    return tag[:m.start()] + b' spans="%d:%d"' % (a, b) + tag[m.end():]
