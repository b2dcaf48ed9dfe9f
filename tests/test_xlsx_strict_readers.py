"""What strict readers (Apache POI, Gnumeric, the Open XML SDK's rules) refused in
files the writer made, each shown on the corpus file where it was found."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

from lxml import etree

from ooxml_check import Package, Schemas, introduced, read_parts, schema_problems
from perf_addin.engines.gnumeric import INSTALL_HINT, find_ssconvert
from perf_addin.xlsx import Cell, SheetSpec, Style, Workbook
from perf_addin.xlsx.chart import BarChart
from perf_addin.xlsx.fresh import new_workbook
from tests.conftest import require

REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"
CT_THEME = "application/vnd.openxmlformats-officedocument.theme+xml"


def copy(src: Path, folder: Path) -> Path:
    target = folder / src.name
    shutil.copyfile(src, target)  # corpus files are read-only
    return target


def with_chart(name: str = "对账") -> SheetSpec:
    chart = BarChart("等级分布", "人数", f"'{name}'!$A$1:$A$2", f"'{name}'!$B$1:$B$2",
                     ("A", "B"), (3.0, 5.0), "D2", "J15")
    return SheetSpec(name, cells={"A1": "A", "B1": 3, "A2": "B", "B2": 5}, charts=[chart])


def test_parts_added_to_a_book_typed_by_overrides_only_get_content_types(poi_dir, tmp_path):
    """InlineStrings.xlsx types every part by <Override> and has no <Default
    Extension="rels">: the relationship parts a chart needs must be typed too (POI:
    "does not have any content type")."""
    path = copy(poi_dir / "InlineStrings.xlsx", tmp_path)
    with Workbook.open(path) as book:
        book.add_sheet(with_chart())
        book.save(backup=False)
    pkg = Package(read_parts(path))
    assert not pkg.defaults  # the trap: nothing is typed by extension
    untyped = [n for n in pkg.parts if n != "[Content_Types].xml" and pkg.content_type(n) is None]
    assert untyped == []
    added = set(pkg.parts) - set(read_parts(poi_dir / "InlineStrings.xlsx"))
    rels = sorted(n for n in added if n.endswith(".rels"))
    assert rels == ["xl/drawings/_rels/drawing1.xml.rels", "xl/worksheets/_rels/sheet4.xml.rels"]
    assert {pkg.content_type(n) for n in rels} == {CT_RELS}


def test_a_book_typing_xml_by_default_keeps_one_type_per_part(poi_dir, tmp_path):
    """59746_NoRowNums.xlsx maps the extension xml to the *workbook* type: every new
    XML part needs its own Override, and none is given twice."""
    path = copy(poi_dir / "59746_NoRowNums.xlsx", tmp_path)
    with Workbook.open(path) as book:
        book.add_sheet(with_chart())
        book.save(backup=False)
    pkg = Package(read_parts(path))
    assert pkg.content_type("xl/charts/chart1.xml").endswith("drawingml.chart+xml")
    assert pkg.content_type("xl/worksheets/sheet2.xml").endswith("worksheet+xml")  # the new one
    assert all(len(types) == 1 for types in pkg.overrides.values())


def test_a_new_sheet_uses_the_r_prefix_declared_on_the_root(poi_dir, tmp_path):
    """59746_NoRowNums.xlsx writes ``x:`` elements and declares the relationships
    namespace only on its one ``<x:sheet>``; a new sheet must not get an invented
    ``ns0:`` prefix (Gnumeric then drops its contents: "Missing part-id")."""
    path = copy(poi_dir / "59746_NoRowNums.xlsx", tmp_path)
    with Workbook.open(path) as book:
        book.add_sheet(SheetSpec("New", cells={"A1": "written"}))
        book.save(backup=False)
    after = read_parts(path)
    data = after["xl/workbook.xml"]
    assert b"ns0" not in data
    root = etree.fromstring(data)
    assert root.nsmap.get("r") == REL and root.prefix == "x"
    sheets = root.findall(f"{{{MAIN}}}sheets/{{{MAIN}}}sheet")
    assert [s.get(f"{{{REL}}}id") for s in sheets][0] == "R856eb3046363446b"  # kept
    targets = {r.get("Id"): r.get("Target") for r in
               etree.fromstring(after["xl/_rels/workbook.xml.rels"]).iter(f"{{{PKG}}}Relationship")}
    assert targets[sheets[1].get(f"{{{REL}}}id")].endswith("worksheets/sheet2.xml")
    assert b' r:id="' in data.split(b'name="New"')[1][:80]


def test_gnumeric_reads_the_new_sheet_of_a_prefixed_workbook(poi_dir, tmp_path):
    ssconvert = find_ssconvert()
    if ssconvert is None:
        require(f"Gnumeric's ssconvert not found: {INSTALL_HINT}")
    path = copy(poi_dir / "59746_NoRowNums.xlsx", tmp_path)
    with Workbook.open(path) as book:
        book.add_sheet(SheetSpec("New", cells={"A1": "written", "B1": Cell(7, Style(bold=True))}))
        book.save(backup=False)
    subprocess.run([ssconvert, "-S", str(path), str(tmp_path / "out.csv")],
                   capture_output=True, timeout=120, check=False)
    assert (tmp_path / "out.csv.1").read_text().split() == ["written,7"]


def test_a_fresh_workbook_has_a_valid_theme():
    """Per-employee packs are built from nothing; Excel requires a theme part."""
    data = new_workbook([SheetSpec("面谈", cells={"A1": "张伟"})], title="t")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    pkg = Package(parts)
    rels = etree.fromstring(parts["xl/_rels/workbook.xml.rels"])
    theme = [r.get("Target") for r in rels.iter(f"{{{PKG}}}Relationship")
             if r.get("Type") == REL + "/theme"]
    assert theme == ["theme/theme1.xml"]
    assert pkg.content_type("xl/theme/theme1.xml") == CT_THEME
    root = etree.fromstring(parts["xl/theme/theme1.xml"])
    assert schema_problems(Schemas.load(), root) == set()
    scheme = root.find(".//{http://schemas.openxmlformats.org/drawingml/2006/main}clrScheme")
    assert len(scheme) == 12  # dk1 lt1 dk2 lt2 accent1-6 hlink folHlink
    assert introduced(None, parts, Schemas.load()).problems == []


def test_regenerating_a_chart_sheet_keeps_every_part_typed_once(poi_dir, tmp_path):
    """Regeneration removes the drawing, charts and their relationship parts and
    writes them again: their content types go and come back, never twice."""
    path = copy(poi_dir / "InlineStrings.xlsx", tmp_path)
    for _ in range(2):
        with Workbook.open(path) as book:
            book.add_sheet(with_chart(), replace=True)
            book.save(backup=False)
    pkg = Package(read_parts(path))
    assert [n for n in pkg.parts if n != "[Content_Types].xml" and pkg.content_type(n) is None] == []
    assert all(len(types) == 1 for types in pkg.overrides.values())
    assert set(pkg.overrides) - {n.lower() for n in pkg.parts} == set()  # no stale entries
    assert introduced(read_parts(poi_dir / "InlineStrings.xlsx"), pkg.parts, Schemas.load()).problems == []
