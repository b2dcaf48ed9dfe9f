"""Adding and regenerating sheets; names; every sheet-level feature read back."""

import openpyxl
import pytest
from lxml import etree
from hypothesis import given
from hypothesis import strategies as st
from openpyxl.worksheet.protection import hash_password

from perf_addin.xlsx import (Cell, Formula, ListValidation, Margins, PrintSetup, Protection,
                             SheetSpec, Style, Workbook, WorkbookError, sheet_name_problem,
                             unique_sheet_name)
from xlsx_helpers import make_book, parts

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def full_spec(name="面谈-张伟-1024", **overrides):
    spec = dict(
        name=name,
        cells={"A1": Cell("绩效反馈面谈表", Style(bold=True, font_size=16, halign="center")),
               "A3": "得分", "B3": Formula("'Data'!C2", 88), "B5": Cell(None, Style(locked=False)),
               "C5": 0.25},
        merges=["A1:F1", "A7:F9"], col_widths={1: 18, 2: 12.5}, row_heights={1: 32, 10: 40},
        print_setup=PrintSetup(fit_width=1, fit_height=1, margins=Margins(left=0.4, right=0.4),
                               print_area="A1:F40", repeat_rows=(1, 2), footer="&L1024&R&P / &N",
                               center_horizontally=True),
        protection=Protection(password="hr"),
        validations=[ListValidation("B5", ("是", "否"), prompt="同意吗?")],
        tab_color="C00000", show_gridlines=False, freeze="A3", kind="interview")
    spec.update(overrides)
    return SheetSpec(**spec)


def add(path, *specs, replace=False):
    with Workbook.open(path) as book:
        for spec in specs:
            book.add_sheet(spec, replace=replace)
        book.save(backup=False)


def test_new_sheet_has_every_feature(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    add(path, full_spec())
    wb = openpyxl.load_workbook(path)
    ws = wb["面谈-张伟-1024"]
    assert wb.sheetnames == ["Data", "面谈-张伟-1024"]
    assert ws["A1"].value == "绩效反馈面谈表" and ws["A1"].font.b
    assert ws["B3"].value == "='Data'!C2"
    assert openpyxl.load_workbook(path, data_only=True)["面谈-张伟-1024"]["B3"].value == 88
    assert sorted(str(m) for m in ws.merged_cells.ranges) == ["A1:F1", "A7:F9"]
    assert ws.column_dimensions["A"].width == 18 and ws.row_dimensions[10].height == 40
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_margins.left == 0.4 and ws.print_options.horizontalCentered
    assert ws.print_area == "'面谈-张伟-1024'!$A$1:$F$40"
    assert ws.print_title_rows == "$1:$2"
    assert ws.oddFooter.left.text == "1024"
    assert ws.protection.sheet and ws.protection.password == hash_password("hr")
    assert ws["B5"].protection.locked is False and ws["A3"].protection.locked is True
    dv = ws.data_validations.dataValidation[0]
    assert dv.type == "list" and dv.formula1 == '"是,否"' and str(dv.sqref) == "B5"
    assert ws.sheet_properties.tabColor.rgb == "FFC00000"
    assert ws.freeze_panes == "A3" and ws.sheet_view.showGridLines is False


@pytest.mark.parametrize("width, height, attrs", [
    (1, None, ("1", "0")),  # one page wide, as many pages tall as needed
    (None, 1, ("0", "1")),
    (2, 3, ("2", "3")),
])
def test_fit_to_pages_is_written_per_direction(tmp_path, width, height, attrs):
    path = make_book(tmp_path / "book.xlsx")
    add(path, SheetSpec("Print", cells={"A1": 1},
                        print_setup=PrintSetup(fit_width=width, fit_height=height)))
    root = etree.fromstring(parts(path)["xl/worksheets/sheet2.xml"])
    setup = root.find(f"{{{MAIN}}}pageSetup")
    assert (setup.get("fitToWidth"), setup.get("fitToHeight")) == attrs
    assert root.find(f"{{{MAIN}}}sheetPr/{{{MAIN}}}pageSetUpPr").get("fitToPage") == "1"
    ws = openpyxl.load_workbook(path)["Print"]
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == tuple(int(a) for a in attrs)


def test_added_sheets_go_last_and_are_not_selected(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    add(path, SheetSpec("One"), SheetSpec("Two"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Data", "One", "Two"]
    assert b"tabSelected" not in parts(path)["xl/worksheets/sheet2.xml"]


def test_regenerating_replaces_in_place(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    add(path, full_spec(), SheetSpec("Later"))
    add(path, full_spec(cells={"A1": "v2"}, print_setup=PrintSetup(print_area="A1:C3")),
        replace=True)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Data", "面谈-张伟-1024", "Later"]
    ws = wb["面谈-张伟-1024"]
    assert ws["A1"].value == "v2" and ws["B3"].value is None
    assert ws.print_area == "'面谈-张伟-1024'!$A$1:$C$3" and ws.print_title_rows is None
    with Workbook.open(path) as book:
        assert book.owner_kind("面谈-张伟-1024") == "interview"
        assert book.owner_kind("Data") is None


def test_a_sheet_a_person_made_is_never_replaced(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    before = path.read_bytes()
    with Workbook.open(path) as book:
        with pytest.raises(WorkbookError, match="not made by perf-addin"):
            book.add_sheet(SheetSpec("data"), replace=True)
    assert path.read_bytes() == before


def test_an_existing_generated_sheet_needs_replace(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    add(path, SheetSpec("Mine"))
    with Workbook.open(path) as book, pytest.raises(WorkbookError, match="exists"):
        book.add_sheet(SheetSpec("MINE"))


@pytest.mark.parametrize("name, why", [
    ("x" * 32, "longer than 31"), ("a/b", "forbids"), ("[x]", "forbids"), ("a:b", "forbids"),
    ("'quoted", "apostrophe"), ("History", "reserved"), ("DATA", "exists"), ("", "empty"),
])
def test_names_excel_forbids_are_refused(tmp_path, name, why):
    path = make_book(tmp_path / "book.xlsx")
    with Workbook.open(path) as book, pytest.raises(WorkbookError, match=why):
        book.add_sheet(SheetSpec(name))


@given(st.text(max_size=60), st.lists(st.text(max_size=40), max_size=5))
def test_unique_sheet_name_is_always_valid(wanted, existing):
    existing = [n for n in existing if sheet_name_problem(n) is None]
    name = unique_sheet_name(wanted, existing)
    assert sheet_name_problem(name, existing) is None


def test_unique_names_for_namesakes():
    assert unique_sheet_name("面谈-张伟", ["面谈-张伟"]) == "面谈-张伟 (2)"
    assert unique_sheet_name("a/b[c]") == "a_b_c_"
    long = unique_sheet_name("x" * 40, ["x" * 31])
    assert len(long) == 31 and long.endswith(" (2)")


def test_defined_names_add_and_replace(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    with Workbook.open(path) as book:
        book.define_name("Budget", "=Data!$C$2")
        book.define_name("Local", "Data!$A$1", sheet="Data")
        book.save(backup=False)
    with Workbook.open(path) as book:
        book.define_name("budget", "Data!$C$3")
        book.save(backup=False)
    wb = openpyxl.load_workbook(path)
    assert wb.defined_names["Budget"].attr_text == "Data!$C$3"
    assert wb["Data"].defined_names["Local"].attr_text == "Data!$A$1"
    with Workbook.open(path) as book, pytest.raises(WorkbookError):
        book.define_name("A1", "1")


def test_merges_that_overlap_are_refused(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    with Workbook.open(path) as book, pytest.raises(WorkbookError, match="overlap"):
        book.add_sheet(SheetSpec("S", merges=["A1:B2", "B2:C3"]))


def test_structure_protection_refuses_new_sheets(tmp_path):
    path = make_book(tmp_path / "book.xlsx", lambda wb, ws: wb.set_properties({}))
    import zipfile
    locked = tmp_path / "locked.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(locked, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b"<bookViews>", b'<workbookProtection lockStructure="1"/><bookViews>')
            zout.writestr(item, data)
    with Workbook.open(locked) as book, pytest.raises(WorkbookError, match="structure is protected"):
        book.add_sheet(SheetSpec("New"))
