"""Styles are appended to the style table; existing entries never change."""

import openpyxl
import pytest
from lxml import etree

from perf_addin.xlsx import Cell, Style, Workbook, WorkbookError
from xlsx_helpers import make_book, parts

RICH = Style(num_format="#,##0.00", bold=True, italic=True, font_size=14, font_color="1F4E79",
             fill="FFF2CC", border="thin", halign="center", valign="top", wrap=True)


def styled(tmp_path, cells, build=None, name="book.xlsx"):
    path = make_book(tmp_path / name, build) if not (tmp_path / name).exists() else tmp_path / name
    with Workbook.open(path) as book:
        book.set_cells("Data", cells)
        book.save(backup=False)
    return path


def children(xml: bytes, section: str) -> list[bytes]:
    root = etree.fromstring(xml)
    ns = {"m": root.nsmap[None]}
    return [etree.tostring(c) for c in root.find(f"m:{section}", ns)]


def test_every_style_feature_reads_back(tmp_path):
    path = styled(tmp_path, {"D2": Cell(1234.5, RICH), "E2": Cell("open", Style(locked=False))})
    ws = openpyxl.load_workbook(path)["Data"]
    c = ws["D2"]
    assert c.number_format == "#,##0.00"
    assert (c.font.b, c.font.i, c.font.sz, c.font.color.rgb) == (True, True, 14, "FF1F4E79")
    assert c.fill.fgColor.rgb == "FFFFF2CC" and c.fill.fill_type == "solid"
    assert c.border.left.style == c.border.bottom.style == "thin"
    assert (c.alignment.horizontal, c.alignment.vertical, c.alignment.wrap_text) == ("center", "top", True)
    assert ws["E2"].protection.locked is False and c.protection.locked is True


def test_existing_entries_keep_index_and_bytes(tmp_path):
    def build(wb, ws):
        ws.write("A3", 1, wb.add_format({"bold": True, "num_format": "0.0%"}))
    original = make_book(tmp_path / "book.xlsx", build)
    before = parts(original)["xl/styles.xml"]
    after = parts(styled(tmp_path, {"D2": Cell(1, RICH)}))["xl/styles.xml"]
    for section in ("numFmts", "fonts", "fills", "borders", "cellXfs"):
        old, new = children(before, section), children(after, section)
        assert new[:len(old)] == old, section
        # "#,##0.00" is built in (id 4), so it needs no numFmt entry.
        assert len(new) == len(old) + (section != "numFmts"), section
    assert openpyxl.load_workbook(tmp_path / "book.xlsx")["Data"]["A3"].number_format == "0.0%"


def test_rerunning_reuses_the_same_style(tmp_path):
    styled(tmp_path, {"D2": Cell(1, RICH)})
    first = parts(tmp_path / "book.xlsx")["xl/styles.xml"]
    styled(tmp_path, {"D3": Cell(2, RICH), "D4": Cell(3, RICH)})
    assert parts(tmp_path / "book.xlsx")["xl/styles.xml"] == first


def test_custom_number_formats_get_fresh_ids(tmp_path):
    path = styled(tmp_path, {"D2": Cell(0.5, Style(num_format='0.0"分"')),
                             "E2": Cell(0.5, Style(num_format="0%"))})
    ws = openpyxl.load_workbook(path)["Data"]
    assert ws["D2"].number_format == '0.0"分"' and ws["E2"].number_format == "0%"
    root = etree.fromstring(parts(path)["xl/styles.xml"])
    ids = [int(e.get("numFmtId")) for e in root.iter("{*}numFmt")]
    assert min(ids) >= 164 and len(set(ids)) == len(ids)


@pytest.mark.parametrize("bad", [dict(fill="red"), dict(border="wavy"), dict(halign="middle")])
def test_bad_styles_are_refused(bad):
    with pytest.raises(WorkbookError):
        Style(**bad)


def test_a_workbook_without_a_style_part_gets_one(tmp_path):
    import zipfile
    src = make_book(tmp_path / "src.xlsx")
    path = tmp_path / "nostyles.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/styles.xml":
                continue
            if item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b'Target="styles.xml"', b'Target="missing.xml"').replace(
                    b"relationships/styles", b"relationships/unknownStyles")
            zout.writestr(item, data)
    with Workbook.open(path) as book:
        book.set_cells("Data", {"D2": Cell(2, Style(bold=True))})
        book.save(backup=False)
    assert openpyxl.load_workbook(path)["Data"]["D2"].font.b
