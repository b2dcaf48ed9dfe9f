"""Sheet-level edits of existing sheets: visibility, tab colour, removing a name,
and a sheet's own page numbering."""

import openpyxl
import pytest

from perf_addin.xlsx import PrintSetup, Protection, SheetSpec, Workbook, WorkbookError
from xlsx_helpers import make_book, parts


def two_sheets(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    with Workbook.open(path) as book:
        book.add_sheet(SheetSpec("Tab", cells={"A1": "x"}, protection=Protection(),
                                 print_setup=PrintSetup(print_area="A1:B2", first_page_number=1)))
        book.save(backup=False)
    return path


def test_hide_and_show_a_sheet(tmp_path):
    path = two_sheets(tmp_path)
    with Workbook.open(path) as book:
        book.set_sheet_state("Data", "hidden")
        book.save(backup=False)
    wb = openpyxl.load_workbook(path)
    assert wb["Data"].sheet_state == "hidden" and wb["Tab"].sheet_state == "visible"
    assert wb.active.title == "Tab"  # the workbook does not open on a hidden sheet
    with Workbook.open(path) as book:
        assert book.sheet("Data").state == "hidden"
        book.set_sheet_state("Data", "visible")
        book.save(backup=False)
    assert openpyxl.load_workbook(path)["Data"].sheet_state == "visible"


def test_the_last_visible_sheet_cannot_be_hidden(tmp_path):
    path = two_sheets(tmp_path)
    with Workbook.open(path) as book:
        book.set_sheet_state("Data", "hidden")
        with pytest.raises(WorkbookError, match="last visible"):
            book.set_sheet_state("Tab", "veryHidden")
        with pytest.raises(WorkbookError, match="not visible, hidden"):
            book.set_sheet_state("Tab", "gone")


def test_tab_colour_of_a_protected_sheet_leaves_its_cells(tmp_path):
    path = two_sheets(tmp_path)
    before = parts(path)
    with Workbook.open(path) as book:
        book.set_tab_color("Tab", "C00000")
        book.save(backup=False)
    assert openpyxl.load_workbook(path)["Tab"].sheet_properties.tabColor.rgb == "FFC00000"
    with Workbook.open(path) as book:
        book.set_tab_color("Tab", "C00000")  # already so: nothing to write
        book.save(backup=False)
        assert book.unchanged
    with Workbook.open(path) as book:
        book.set_tab_color("Tab", None)
        book.save(backup=False)
    after = parts(path)
    assert openpyxl.load_workbook(path)["Tab"].sheet_properties.tabColor is None
    assert {n for n in before if before[n] != after[n]} <= {"xl/worksheets/sheet2.xml"}


def test_remove_a_sheet_scoped_name(tmp_path):
    path = two_sheets(tmp_path)
    with Workbook.open(path) as book:
        assert book.remove_name("_xlnm.Print_Area", "Tab") is True
        assert book.remove_name("_xlnm.Print_Area", "Tab") is False
        book.save(backup=False)
    assert not openpyxl.load_workbook(path)["Tab"].print_area
    assert b"Print_Area" not in parts(path)["xl/workbook.xml"]


def test_first_page_number_is_written(tmp_path):
    path = two_sheets(tmp_path)
    xml = parts(path)["xl/worksheets/sheet2.xml"].decode()
    assert 'firstPageNumber="1" useFirstPageNumber="1"' in xml
