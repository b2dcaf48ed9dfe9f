"""Writing cells into an existing sheet: every kind of value, read back by others."""

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

from perf_addin.xlsx import Cell, CellError, Formula, Style, Workbook, WorkbookError
from perf_addin.xlsx.refs import col_index, col_letter, parse_range
from perf_addin.xlsx.values import escape_text, excel_serial, number_text
from xlsx_helpers import make_book, parts, raw_streams


def write(tmp_path, cells, sheet="Data", build=None):
    path = make_book(tmp_path / "book.xlsx", build)
    with Workbook.open(path) as book:
        book.set_cells(sheet, cells)
        book.save(backup=False)
    return path


def test_each_kind_of_value_reads_back(tmp_path):
    path = write(tmp_path, {
        "D2": 3.25, "E2": -7, "F2": True, "G2": "文本", "H2": dt.date(2026, 11, 25),
        "I2": dt.datetime(2026, 11, 25, 9, 30), "J2": Decimal("1234.56"),
        "K2": CellError("#N/A"), "C5": "new row",
    })
    ws = openpyxl.load_workbook(path)["Data"]
    assert [ws[c].value for c in ("D2", "E2", "F2", "G2", "J2", "C5")] == \
        [3.25, -7, True, "文本", 1234.56, "new row"]
    assert ws["H2"].value == dt.datetime(2026, 11, 25)
    assert ws["I2"].value == dt.datetime(2026, 11, 25, 9, 30)
    assert ws["K2"].value == "#N/A"
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python()
    assert rows[1][3:7] == [3.25, -7.0, True, "文本"]


def test_formula_keeps_its_cached_value(tmp_path):
    path = write(tmp_path, {"D2": Formula("=C2*2", 176), "E2": Formula('IF(C2>90,"优","良")', "良"),
                            "F2": Formula("C2>90", False), "G2": Formula("1/0", CellError("#DIV/0!"))})
    cached = openpyxl.load_workbook(path, data_only=True)["Data"]
    assert [cached[c].value for c in ("D2", "E2", "F2", "G2")] == [176, "良", False, "#DIV/0!"]
    formulas = openpyxl.load_workbook(path)["Data"]
    assert formulas["D2"].value == "=C2*2"
    assert b'fullCalcOnLoad="1"' in parts(path)["xl/workbook.xml"]


def test_values_alone_do_not_touch_the_workbook_part(tmp_path):
    before = raw_streams(make_book(tmp_path / "orig.xlsx"))
    path = write(tmp_path, {"D2": 1})
    after = raw_streams(path)
    assert after["xl/workbook.xml"] == before["xl/workbook.xml"]
    assert after["[Content_Types].xml"] == before["[Content_Types].xml"]


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    path = write(tmp_path, {"B2": '=HYPERLINK("http://x","y")', "B3": "+1", "B4": "@SUM(A1)"})
    ws = openpyxl.load_workbook(path)["Data"]
    assert ws["B2"].data_type == "s" and ws["B2"].value.startswith("=HYPERLINK")
    assert b"<f>" not in parts(path)["xl/worksheets/sheet1.xml"]


def test_control_characters_and_escape_lookalikes_round_trip(tmp_path):
    text = "a\x01b _x0041_ tab\tnl\n"
    path = write(tmp_path, {"B2": text})
    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Data").to_python()[1][1] == text


def test_none_clears_value_and_keeps_style(tmp_path):
    def build(wb, ws):
        ws.write("D2", 5, wb.add_format({"bold": True}))
    path = write(tmp_path, {"D2": None}, build=build)
    ws = openpyxl.load_workbook(path)["Data"]
    assert ws["D2"].value is None and ws["D2"].font.b


def test_bare_value_keeps_the_cells_style(tmp_path):
    def build(wb, ws):
        ws.write("D2", 5, wb.add_format({"num_format": "0.000"}))
    path = write(tmp_path, {"D2": 7}, build=build)
    assert openpyxl.load_workbook(path)["Data"]["D2"].number_format == "0.000"


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), object(), "x" * 40000])
def test_unwritable_values_are_refused(tmp_path, bad):
    path = make_book(tmp_path / "book.xlsx")
    before = path.read_bytes()
    with Workbook.open(path) as book, pytest.raises(WorkbookError, match="book.xlsx: sheet Data, cell D2: "):
        book.set_cells("Data", {"D2": bad})
    assert path.read_bytes() == before


def test_rows_and_cells_are_inserted_in_order(tmp_path):
    path = write(tmp_path, {"Z1": 1, "A1": "first", "B9": 2, "B5": 3, "AA3": 4})
    ws = openpyxl.load_workbook(path)["Data"]
    assert (ws["Z1"].value, ws["A1"].value, ws["B9"].value, ws["AA3"].value) == (1, "first", 2, 4)
    assert ws.dimensions == "A1:AA9"
    sheet = parts(path)["xl/worksheets/sheet1.xml"].decode()
    assert sheet.index('r="B5"') < sheet.index('r="B9"') and sheet.index('r="A1"') < sheet.index('r="Z1"')


def test_unknown_sheet_is_a_clear_error(tmp_path):
    path = make_book(tmp_path / "book.xlsx")
    with Workbook.open(path) as book, pytest.raises(WorkbookError, match="no sheet named 'Nope'"):
        book.set_cells("Nope", {"A1": 1})


@given(st.integers(1, 16384))
def test_column_letters_round_trip(col):
    assert col_index(col_letter(col)) == col


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_numbers_are_written_exactly(x):
    assert float(number_text(x)) == x


@given(st.text(max_size=50))
@settings(max_examples=200)
def test_escaping_is_reversible(text):
    import re
    undone = re.sub(r"_x([0-9A-F]{4})_", lambda m: chr(int(m.group(1), 16)), escape_text(text))
    assert undone == text


def test_serial_dates_match_excel():
    assert excel_serial(dt.date(1900, 3, 1)) == 61
    assert excel_serial(dt.date(1900, 1, 1)) == 1
    assert excel_serial(dt.date(2026, 11, 25)) == 46351
    assert excel_serial(dt.date(1904, 1, 2), date1904=True) == 1
    assert excel_serial(dt.time(12, 0)) == 0.5


def test_ranges_parse():
    assert parse_range("$B$2:A1") == (1, 1, 2, 2)
    with pytest.raises(WorkbookError):
        parse_range("A0")


def test_fill_formula_writes_one_shared_formula(tmp_path):
    path = make_book(tmp_path / "book.xlsx", lambda wb, ws: [ws.write_row(r, 0, [r, 0, r * 10])
                                                             for r in range(2, 8)])
    with Workbook.open(path) as book:
        book.fill_formula("Data", 4, [2, 3, 5, 6], "C2*2+$A$1*0", [176, 40, 80, 100],
                          Style(num_format="0.0"))
        book.save(backup=False)
    sheet = parts(path)["xl/worksheets/sheet1.xml"]
    assert sheet.count(b"C2*2") == 1 and b'ref="D2:D6"' in sheet
    ws = openpyxl.load_workbook(path)["Data"]
    assert ws["D5"].value == "=C5*2+$A$1*0" and ws["D4"].value is None
    cached = openpyxl.load_workbook(path, data_only=True)["Data"]
    assert [cached[f"D{r}"].value for r in (2, 3, 5, 6)] == [176, 40, 80, 100]


def test_refilling_the_same_column_changes_nothing(tmp_path):
    path = make_book(tmp_path / "book.xlsx", lambda wb, ws: [ws.write(r, 2, r) for r in range(2, 6)])

    def fill():
        with Workbook.open(path) as book:
            book.fill_formula("Data", 4, [2, 3, 4, 5], "C2+1", [3, 4, 5, 6], Style(bold=True))
            book.save()
            return book.unchanged
    assert fill() is False
    first = path.read_bytes()
    assert fill() is True
    assert path.read_bytes() == first


@pytest.mark.libreoffice
def test_libreoffice_computes_filled_formulas(tmp_path, soffice):
    path = make_book(tmp_path / "book.xlsx", lambda wb, ws: [ws.write(r, 2, r) for r in range(1, 6)])
    with Workbook.open(path) as book:
        book.fill_formula("Data", 4, [2, 3, 4, 5, 6], "C2*10", [0] * 5)  # stale caches
        book.save(backup=False)
    rows = soffice.read_sheets(path)["Data"]
    assert [rows[r][3] for r in range(1, 6)] == ["10", "20", "30", "40", "50"]
