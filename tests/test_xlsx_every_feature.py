"""A workbook with every feature the writer promises to keep, made by XlsxWriter:
write cells and add a sheet, then everything untouched must be byte-identical and
every reader must still see the data."""

import struct
import zipfile
import zlib

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from perf_addin.xlsx import Cell, Formula, SheetSpec, Style, Workbook
from xlsx_helpers import parts, raw_streams, repack_mixed

NEVER_TOUCHED = ("xl/charts/", "xl/drawings/", "xl/media/", "xl/tables/", "xl/comments",
                 "xl/vbaProject.bin", "xl/theme/", "docProps/", "xl/sharedStrings.xml")


def tiny_png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = zlib.compress(b"\x00\xff\x00\x00")
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", raw) + chunk(b"IEND", b""))


@pytest.fixture
def featured(tmp_path, excel_made_dir):
    import xlsxwriter
    png = tmp_path / "dot.png"
    png.write_bytes(tiny_png())
    vba = tmp_path / "vbaProject.bin"
    with zipfile.ZipFile(excel_made_dir / "macro01.xlsm") as z:
        vba.write_bytes(z.read("xl/vbaProject.bin"))
    path = tmp_path / "featured.xlsm"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("员工")
    ws.write_row(0, 0, ["工号", "姓名", "得分", "奖金"])
    for i in range(2, 8):
        ws.write_row(i - 1, 0, [1000 + i, f"员工{i}", 80 + i * 3, 1000 * i])
    ws.write_formula("E2", "=C2*2", None, 170)
    chart = wb.add_chart({"type": "column"})
    chart.add_series({"values": "='员工'!$C$2:$C$7"})
    ws.insert_chart("G2", chart)
    ws.insert_textbox("G20", "文本框 text box")
    ws.add_sparkline("F2", {"range": "'员工'!C2:D2"})
    ws.conditional_format("C2:C7", {"type": "data_bar", "data_bar_2010": True})
    ws.write_comment("B2", "a note")
    ws.insert_image("M2", str(png))
    ws.write_url("A10", "https://example.com", string="link")
    ws.data_validation("B12", {"validate": "list", "source": ["a", "b"]})
    other = wb.add_worksheet("Table")
    other.add_table("A1:C4", {"name": "Budget", "columns": [{"header": h} for h in ("部门", "预算", "实际")]})
    wb.define_name("Pool", "='员工'!$D$2:$D$7")
    wb.add_vba_project(str(vba))
    wb.close()
    return repack_mixed(path)


REWRITTEN = ("xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml",
             "xl/_rels/workbook.xml.rels", "[Content_Types].xml")


def test_everything_untouched_survives_byte_for_byte(featured, tmp_path):
    """Every untouched entry keeps its stored bytes (method, CRC, sizes, time stamp,
    compressed data): copied, never decompressed and compressed again."""
    before = raw_streams(featured)
    with Workbook.open(featured) as book:
        book.set_cells("员工", {"C3": Cell(99.5, Style(bold=True)), "E3": Formula("C3*2", 199)})
        book.add_sheet(SheetSpec("New", cells={"A1": "新"}))
        book.save(backup=False)
    after = raw_streams(featured)
    kept = [n for n in before if n.startswith(NEVER_TOUCHED)]
    assert len(kept) >= 10
    assert {m for m, *_ in before.values()} == {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
    untouched = [n for n in before if n not in REWRITTEN]
    assert len(untouched) >= 15
    for name in untouched:
        assert after[name] == before[name], name
    assert list(after)[:len(before)] == list(before)  # in their order, new parts after
    sheet = parts(featured)["xl/worksheets/sheet1.xml"]
    for must_stay in (b"x14:sparklineGroups", b"x14:conditionalFormattings", b"<drawing ",
                      b"<legacyDrawing ", b"<hyperlinks>", b"<dataValidations"):
        assert must_stay in sheet, must_stay


def test_readers_see_old_and_new_values(featured):
    with Workbook.open(featured) as book:
        book.set_cells("员工", {"C3": 99.5})
        book.add_sheet(SheetSpec("New", cells={"A1": "新"}))
        book.save(backup=False)
    wb = openpyxl.load_workbook(featured, data_only=True)
    assert wb["员工"]["C3"].value == 99.5 and wb["员工"]["E2"].value == 170
    assert wb["New"]["A1"].value == "新"
    rows = CalamineWorkbook.from_path(str(featured)).get_sheet_by_name("员工").to_python()
    assert rows[2][2] == 99.5 and rows[1][1] == "员工2"


@pytest.mark.libreoffice
def test_libreoffice_recalculates_the_result(featured, soffice):
    with Workbook.open(featured) as book:
        book.set_cells("员工", {"C3": 99.5, "E3": Formula("C3*2", 0)})  # wrong cache on purpose
        book.add_sheet(SheetSpec("New", cells={"A1": Formula("'员工'!C3+0.5", 0)}))
        book.save(backup=False)
    sheets = soffice.read_sheets(featured)
    assert sheets["员工"][2][2] == "99.5" and sheets["员工"][2][4] == "199"
    assert sheets["New"][0][0] == "100"
