"""The streaming splice of a large sheet (``xlsx/splice.py``) against the tree editor.

Each edit script runs twice on the same workbook, once through the splice (forced
for small sheets by lowering ``splice.MIN_BYTES``) and once through the tree
editor, and the written sheets must be the same XML; on top of that the results
are read back with openpyxl against values written out here, untouched rows must
keep their exact bytes, and a rerun with nothing to change must not write.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
from lxml import etree

from perf_addin.xlsx import Cell, CellError, Style, Workbook, WorkbookError
from perf_addin.xlsx import splice
from tests.xlsx_helpers import make_book

SHEET = "xl/worksheets/sheet1.xml"
HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<dimension ref="A1:D6"/><sheetData>\n')
ROWS = ('<row r="1" spans="1:4"><c r="A1" t="inlineStr"><is><t>工号</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>Name</t></is></c><c r="D1"  s="0"><v>7</v></c></row>\n'
        '<row r="2" spans="1:4"><c r="A2"><v>1</v></c><c r="C2" t="inlineStr"><is><t>typed</t></is></c></row>\n'
        '<row r="3" ht="20" customHeight="1"/>\n'
        '<row r="5"><c r="B5"><v>2</v></c></row>\n'
        '<row r="6"></row>\n')
SHARED = ('<row r="1"><c r="A1"><v>1</v></c></row>'
          '<row r="2"><c r="A2"><v>1</v></c><c r="E2"><f t="shared" ref="E2:E5" si="0">A2*2</f><v>2</v></c></row>'
          '<row r="3"><c r="A3"><v>2</v></c><c r="E3"><f t="shared" si="0"/><v>4</v></c></row>'
          '<row r="4"><c r="A4"><v>3</v></c><c r="E4"><f t="shared" si="0"/><v>6</v></c></row>'
          '<row r="5"><c r="A5"><v>4</v></c><c r="E5"><f t="shared" si="0"/><v>8</v></c></row>')
TAIL = ('</sheetData>{merges}<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
        'header="0.3" footer="0.3"/></worksheet>')


def book_with(path: Path, rows: str = ROWS, merges: str = "") -> Path:
    """A workbook whose first sheet is exactly this XML (rows written by hand, so the
    bytes an untouched row must keep are known)."""
    made = make_book(path.with_suffix(".src.xlsx"))
    xml = (HEAD + rows + TAIL.format(merges=merges)).encode("utf-8")
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, xml if info.filename == SHEET else src.read(info))
    return path


def sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(SHEET)


def canonical(xml: bytes) -> bytes:
    return etree.tostring(etree.fromstring(xml), method="c14n")


def both_ways(tmp_path: Path, monkeypatch, script: Callable[[Workbook], None],
              rows: str = ROWS, merges: str = "") -> tuple[Path, Path]:
    """Run ``script`` and save, through the splice and through the tree editor."""
    out = {}
    for way, threshold in (("splice", 0), ("tree", 1 << 60)):
        monkeypatch.setattr(splice, "MIN_BYTES", threshold)
        path = book_with(tmp_path / f"{way}.xlsx", rows, merges)
        with Workbook.open(path) as book:
            script(book)
            book.save(backup=False)
        out[way] = path
    return out["splice"], out["tree"]


def set_many(book: Workbook) -> None:
    book.set_cells("Data", {
        "E1": "header", "E2": 3.5, "A3": "into a self-closing row", "B4": "a new row",
        "C5": Cell(1, Style(bold=True)), "A6": "into an empty row", "C2": 5,
        "D1": "a & b < c\r\nd", "A5": "before the first cell", "G9": "after the last row"})


def fill(book: Workbook) -> None:
    book.fill_formula("Data", 5, [2, 3, 4, 5, 6], "A2*2", [2, "x", None, CellError("#N/A"), 1.5],
                      Style(num_format="0.0"))


def test_cells_written_anywhere_match_the_tree_editor(tmp_path, monkeypatch):
    spliced, tree = both_ways(tmp_path, monkeypatch, set_many)
    assert canonical(sheet_xml(spliced)) == canonical(sheet_xml(tree))
    ws = openpyxl.load_workbook(spliced)["Data"]
    assert ws["E2"].value == 3.5 and ws["C2"].value == 5 and ws["B4"].value == "a new row"
    assert ws["A3"].value == "into a self-closing row" and ws["A6"].value == "into an empty row"
    assert ws["D1"].value == "a & b < c\r\nd"  # the carriage return survives, as in the tree
    assert ws["A5"].value == "before the first cell" and ws["B5"].value == 2
    assert ws["G9"].value == "after the last row" and ws["C5"].font.b
    assert ws.row_dimensions[3].height == 20  # the row's own attributes are kept
    assert b'<dimension ref="A1:G9"/>' in sheet_xml(spliced)


def test_a_column_fill_matches_the_tree_editor_and_keeps_other_rows_byte_for_byte(tmp_path, monkeypatch):
    spliced, tree = both_ways(tmp_path, monkeypatch, fill)
    assert canonical(sheet_xml(spliced)) == canonical(sheet_xml(tree))
    xml = sheet_xml(spliced)
    assert b'<c r="D1"  s="0"><v>7</v></c>' in xml  # row 1 untouched: even its double space
    assert b'<f t="shared" si="0" ref="E2:E6">A2*2</f>' in xml
    ws = openpyxl.load_workbook(spliced, data_only=True)["Data"]
    assert [ws[f"E{r}"].value for r in range(2, 7)] == [2, "x", None, "#N/A", 1.5]
    assert openpyxl.load_workbook(spliced)["Data"]["E3"].value == "=A3*2"


def test_a_rerun_with_nothing_to_change_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(splice, "MIN_BYTES", 0)
    path = book_with(tmp_path / "book.xlsx")
    for run in range(2):
        with Workbook.open(path) as book:
            fill(book)
            book.set_cells("Data", {"F1": Cell("check", Style(bold=True))})
            book.save(backup=False)
            assert book.unchanged == (run == 1)
    before = path.read_bytes()
    with Workbook.open(path) as book:
        fill(book)
        book.set_cells("Data", {"F2": "now something changes"})
        book.save(backup=False)
        assert not book.unchanged
    assert path.read_bytes() != before
    assert openpyxl.load_workbook(path)["Data"]["F2"].value == "now something changes"


def test_refilling_a_shared_formula_reuses_its_index(tmp_path, monkeypatch):
    def refill(book: Workbook) -> None:
        book.fill_formula("Data", 5, [2, 3, 4, 5], "A2*3", [3, 6, 9, 12])
    spliced, tree = both_ways(tmp_path, monkeypatch, refill, rows=SHARED)
    assert canonical(sheet_xml(spliced)) == canonical(sheet_xml(tree))
    assert b'<f t="shared" si="0" ref="E2:E5">A2*3</f>' in sheet_xml(spliced)


def test_overwriting_an_anchor_whose_group_stays_gives_the_others_their_own_formula(tmp_path, monkeypatch):
    """The splice hands this to the tree editor, replaying what it already did."""
    def partly(book: Workbook) -> None:
        book.set_cells("Data", {"B1": "first, before the fall back"})
        book.fill_formula("Data", 5, [2, 3], "A2*3", [3, 6])
    spliced, tree = both_ways(tmp_path, monkeypatch, partly, rows=SHARED)
    assert canonical(sheet_xml(spliced)) == canonical(sheet_xml(tree))
    ws = openpyxl.load_workbook(spliced)["Data"]
    assert ws["B1"].value == "first, before the fall back"
    assert [ws[f"E{r}"].value for r in range(2, 6)] == ["=A2*3", "=A3*3", "=A4*2", "=A5*2"]


def test_a_merged_cell_is_refused_as_the_tree_editor_refuses_it(tmp_path, monkeypatch):
    monkeypatch.setattr(splice, "MIN_BYTES", 0)
    path = book_with(tmp_path / "book.xlsx", merges='<mergeCells count="1"><mergeCell ref="B5:C5"/></mergeCells>')
    with Workbook.open(path) as book:
        with pytest.raises(WorkbookError, match="C5 is inside the merged range B5:C5"):
            book.set_cells("Data", {"C5": 1})
        with pytest.raises(WorkbookError, match="inside the merged range"):
            book.fill_formula("Data", 3, [2, 5], "A2", [1, 2])


def test_tab_colour_and_cells_in_one_session(tmp_path, monkeypatch):
    def colour(book: Workbook) -> None:
        book.set_cells("Data", {"E2": 1})
        book.set_tab_color("Data", "C00000")
    spliced, tree = both_ways(tmp_path, monkeypatch, colour)
    assert canonical(sheet_xml(spliced)) == canonical(sheet_xml(tree))
    assert openpyxl.load_workbook(spliced)["Data"].sheet_properties.tabColor.rgb == "FFC00000"


def test_a_large_sheet_is_spliced_without_being_asked(tmp_path):
    """Above the size threshold the splice is chosen on its own: the untouched rows
    keep bytes the tree editor would have normalised (the double space)."""
    rows = "".join(f'<row r="{r}"><c r="A{r}"  s="0"><v>{r}</v></c><c r="B{r}" t="inlineStr">'
                   f"<is><t>employee {r}</t></is></c></row>" for r in range(1, 20_001))
    path = book_with(tmp_path / "big.xlsx", rows=rows)
    assert len(sheet_xml(path)) > splice.MIN_BYTES
    with Workbook.open(path) as book:
        book.fill_formula("Data", 3, list(range(2, 20_001)), "A2*2",
                          [2.0 * r for r in range(2, 20_001)])
        book.save(backup=False)
    xml = sheet_xml(path)
    assert b'<row r="1"><c r="A1"  s="0"><v>1</v></c>' in xml
    ws = openpyxl.load_workbook(path, read_only=True)["Data"]
    assert [c.value for c in next(ws.iter_rows(min_row=20_000, max_row=20_000, max_col=3))] == [
        20_000, "employee 20000", "=A20000*2"]
    copy = tmp_path / "copy.xlsx"
    shutil.copy(path, copy)
    with Workbook.open(copy) as book:
        book.fill_formula("Data", 3, list(range(2, 20_001)), "A2*2",
                          [2.0 * r for r in range(2, 20_001)])
        assert book.save(backup=False) is None and book.unchanged


def test_a_damaged_large_sheet_is_refused_as_before(tmp_path, monkeypatch):
    monkeypatch.setattr(splice, "MIN_BYTES", 0)
    damaged = ROWS.replace('</c></row>\n<row r="3"', '</c>\n<row r="3"')  # row 2 never closed
    assert damaged != ROWS
    path = book_with(tmp_path / "book.xlsx", rows=damaged)
    with Workbook.open(path) as book:
        with pytest.raises(WorkbookError, match="is not well-formed XML"):
            book.set_cells("Data", {"E2": 1})


@pytest.mark.parametrize("unusual", ['<!-- <c r="E2"><v>9</v></c> -->', '<?producer note?>'])
def test_a_comment_or_instruction_among_the_rows_goes_to_the_tree_editor(tmp_path, monkeypatch, unusual):
    """A byte search would take the cell inside the comment for a real one."""
    rows = ROWS.replace('<row r="5">', unusual + '<row r="5">')
    spliced, tree = both_ways(tmp_path, monkeypatch, fill, rows=rows)
    assert canonical(sheet_xml(spliced)) == canonical(sheet_xml(tree))
    assert openpyxl.load_workbook(spliced, data_only=True)["Data"]["E2"].value == 2


def test_a_fill_that_changes_some_rows_of_an_earlier_fill(tmp_path, monkeypatch):
    """Rows whose cell stays as it was and rows that change, in one fill, then read
    back in the same session (what score does between its fills)."""
    def refill(book: Workbook) -> None:
        book.fill_formula("Data", 5, [2, 3, 4, 5], "A2*2", [2, 4, 7, 8])
        assert book.typed_values("Data", 5, [2, 3, 4, 5]) == {}
        assert book.formula_rows("Data", 5, 1) == [2, 3, 4, 5]
        book.set_cells("Data", {"E4": 6})
    spliced, tree = both_ways(tmp_path, monkeypatch, refill, rows=SHARED)
    assert canonical(sheet_xml(spliced)) == canonical(sheet_xml(tree))
    ws = openpyxl.load_workbook(spliced, data_only=True)["Data"]
    assert [ws[f"E{r}"].value for r in range(2, 6)] == [2, 4, 6, 8]
