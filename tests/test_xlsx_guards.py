"""Cells that belong to something larger: merges, arrays, shared formulas, tables;
and the calculation chain Excel would otherwise report as needing repair."""


import openpyxl
import pytest

from perf_addin.xlsx import Formula, Workbook, WorkbookError
from xlsx_helpers import make_book, parts


def test_only_the_top_left_of_a_merge_takes_a_value(tmp_path):
    path = make_book(tmp_path / "b.xlsx", lambda wb, ws: ws.merge_range("D4:F6", "merged"))
    with Workbook.open(path) as book:
        with pytest.raises(WorkbookError, match=r"cell E5 is inside the merged range D4:F6; write to D4"):
            book.set_cells("Data", {"E5": 1})
        book.set_cells("Data", {"D4": "new"})
        book.save(backup=False)
    assert openpyxl.load_workbook(path)["Data"]["D4"].value == "new"


def test_part_of_an_array_formula_is_refused(tmp_path):
    def build(wb, ws):
        ws.write_array_formula("E1:E3", "{=A1:A3*2}")
        ws.write_array_formula("G1:G1", "{=SUM(A1:A3)}")
    path = make_book(tmp_path / "b.xlsx", build)
    with Workbook.open(path) as book:
        with pytest.raises(WorkbookError, match="array formula over E1:E3"):
            book.set_cells("Data", {"E2": 0})
        book.set_cells("Data", {"G1": 5})  # a one-cell array may be overwritten
        book.save(backup=False)
    assert openpyxl.load_workbook(path)["Data"]["G1"].value == 5


def test_table_headers_must_keep_their_names(tmp_path):
    def build(wb, ws):
        ws.add_table("A5:C7", {"name": "People", "columns": [{"header": h} for h in "XYZ"]})
    path = make_book(tmp_path / "b.xlsx", build)
    with Workbook.open(path) as book:
        with pytest.raises(WorkbookError, match="header of table People"):
            book.set_cells("Data", {"B5": "Renamed"})
        book.set_cells("Data", {"B5": "Y", "B6": "body is fine"})
        book.save(backup=False)
    assert openpyxl.load_workbook(path)["Data"]["B6"].value == "body is fine"


def test_overwriting_a_shared_formula_anchor_keeps_the_others(tmp_path, poi_dir):
    # 46536.xlsx (Excel): E2 anchors the shared formula B2+C2+D2 over E2:E3.
    path = tmp_path / "shared.xlsx"
    path.write_bytes((poi_dir / "46536.xlsx").read_bytes())
    with Workbook.open(path) as book:
        book.set_cells("Test", {"E2": 100})
        book.save(backup=False)
    ws = openpyxl.load_workbook(path)["Test"]
    assert ws["E2"].value == 100
    assert ws["E3"].value == "=B3+C3+D3"
    assert b'si="0"' not in parts(path)["xl/worksheets/sheet1.xml"]


def test_overwriting_a_shared_formula_member(tmp_path, poi_dir):
    path = tmp_path / "shared.xlsx"
    path.write_bytes((poi_dir / "46536.xlsx").read_bytes())
    with Workbook.open(path) as book:
        book.set_cells("Test", {"E3": Formula("B3*2", 14)})
        book.save(backup=False)
    ws = openpyxl.load_workbook(path)["Test"]
    assert ws["E3"].value == "=B3*2" and ws["E2"].value == "=B2+C2+D2"


def test_calc_chain_is_dropped_everywhere(tmp_path, excel_made_dir):
    path = tmp_path / "arr.xlsx"
    path.write_bytes((excel_made_dir / "array_formula01.xlsx").read_bytes())
    assert "xl/calcChain.xml" in parts(path)
    with Workbook.open(path) as book:
        book.set_cells("Sheet1", {"B1": 3})
        book.save(backup=False)
    after = parts(path)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"]


def test_protected_sheets_are_refused(tmp_path):
    path = make_book(tmp_path / "b.xlsx", lambda wb, ws: ws.protect())
    with Workbook.open(path) as book, pytest.raises(WorkbookError, match="sheet Data is protected"):
        book.set_cells("Data", {"A9": 1})
