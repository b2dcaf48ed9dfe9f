"""The schema check catches what it claims to: each rule, broken on purpose in a
small package, is reported; the same fault already in the original is not."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from ooxml_check import (MC, Schemas, apply_markup_compatibility, introduced, name_problem,
                         schema_problems)
from perf_addin.xlsx import SheetSpec
from perf_addin.xlsx.fresh import new_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = "xl/worksheets/sheet1.xml"


@pytest.fixture(scope="module")
def schemas() -> Schemas:
    return Schemas.load()


@pytest.fixture
def base() -> dict[str, bytes]:
    """A valid two-sheet package (made by the writer, so the check must pass it)."""
    data = new_workbook([SheetSpec("One", cells={"A1": "x", "B2": 1}, merges=["C3:D4"]),
                         SheetSpec("Two", cells={"A1": 2})])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n: z.read(n) for n in z.namelist()}


def broken(parts: dict[str, bytes], part: str, old: str, new: str) -> dict[str, bytes]:
    assert old.encode() in parts[part], (part, old)
    return {**parts, part: parts[part].replace(old.encode(), new.encode(), 1)}


def found(before, after, schemas) -> list[str]:
    return introduced(before, after, schemas).problems


def test_a_valid_package_passes(base, schemas):
    check = introduced(None, base, schemas)
    assert check.problems == [] and check.parts == len(base) and check.validated == len(base)


@pytest.mark.parametrize("part, old, new, expected", [
    (SHEET, '<c r="B2"', '<c r="B2" s="9"', "cell B2 style 9 out of range"),
    (SHEET, '<mergeCell ref="C3:D4"/>', '<mergeCell ref="C3:D4"/><mergeCell ref="D4:E5"/>',
     "merges C3:D4 and D4:E5 overlap"),
    (SHEET, '<row r="2">', '<row r="1">', "row 1 comes after row 1"),
    (SHEET, '<dimension ref="A1:B2"/>', '<dimension ref="A1:A1"/>', "dimension does not cover row 2 column 2"),
    (SHEET, '<c r="B2"><v>1</v>', '<c r="B2"><f t="shared" si="0"/><v>1</v>',
     "shared formula si=0 has no anchor"),
    (SHEET, '<sheetData>', '<sheetData><bogus/>', "schema: Element"),
    (SHEET, '<c r="A1"', '<c r="A1"><f t="shared" si="4" ref="A1:A1">1</f></c><c r="A0"', "out of order"),
    ("xl/workbook.xml", '<calcPr', '<definedNames><definedName name="A1">1</definedName>'
     '<definedName name="ok" localSheetId="5">1</definedName></definedNames><calcPr',
     "defined name 'A1': reads as a cell reference"),
    ("xl/workbook.xml", '<calcPr', '<definedNames><definedName name="ok" localSheetId="5">1'
     '</definedName></definedNames><calcPr', "localSheetId 5 out of range"),
    ("xl/_rels/workbook.xml.rels", 'Target="styles.xml"', 'Target="gone.xml"',
     "targets missing part xl/gone.xml"),
    ("[Content_Types].xml", '<Default Extension="rels"', '<Default Extension="relz"',
     "_rels/.rels: no content type"),
    ("xl/styles.xml", '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
     '<xf numFmtId="170" fontId="3" fillId="0" borderId="0" xfId="0"/>', "fontId=3 out of range"),
    ("xl/workbook.xml", 'r:id="rId2"', 'r:id="rId9"', "names no relationship"),
    ("xl/workbook.xml", '<sheet name="Two"', '<sheet xmlns:ns0="urn:x" name="Two"',
     "invented namespace prefix ns0"),
])
def test_each_rule_is_enforced(base, schemas, part, old, new, expected):
    after = broken(base, part, old, new)
    problems = found(None, after, schemas)
    assert any(expected in p for p in problems), problems
    # the same fault in the original part is not the write's doing (the part is
    # rewritten – a newline after the root – so that it is checked again)
    rewritten = {**after, part: after[part] + b"\n"}
    assert not any(expected in p for p in found(after, rewritten, schemas))


def test_shared_formula_members_stay_inside_their_anchors_ref(base, schemas):
    anchored = broken(base, SHEET, '<row r="2">', '<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">'
                      '1+1</f><v>2</v></c>')
    member = broken(anchored, SHEET, '<c r="B2"><v>1</v>', '<c r="B2"><f t="shared" si="0"/><v>1</v>')
    assert [p for p in found(None, anchored, schemas) if "shared" in p] == []
    assert [p for p in found(None, member, schemas) if "shared" in p] == \
        [f"{SHEET}: shared formula si=0: member at row 2 column 2 lies outside the anchor's ref"]


def test_only_new_faults_count(base, schemas):
    original = broken(base, SHEET, '<c r="B2"', '<c r="B2" s="9"')
    written = broken(original, SHEET, '<c r="A1"', '<c r="A1" s="7"')
    assert [p for p in found(original, written, schemas) if "style" in p] == \
        [f"{SHEET}: cell A1 style 7 out of range"]


def test_markup_compatibility_takes_the_fallback_and_drops_ignorables(schemas):
    x14ac = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"
    root = etree.fromstring(
        f'<worksheet xmlns="{MAIN}" xmlns:mc="{MC}" xmlns:x14ac="{x14ac}" mc:Ignorable="x14ac">'
        '<sheetData><row r="1" x14ac:dyDescent="0.25"><c r="A1"><v>1</v></c></row>'
        '<x14ac:thing/></sheetData>'
        '<mc:AlternateContent><mc:Choice Requires="x14ac"><x14ac:other/></mc:Choice>'
        '<mc:Fallback><pageMargins left="1" right="1" top="1" bottom="1" header="0" footer="0"/>'
        '</mc:Fallback></mc:AlternateContent></worksheet>')
    assert schema_problems(schemas, root) == set()
    apply_markup_compatibility(root, schemas.covered)
    assert [etree.QName(c).localname for c in root] == ["sheetData", "pageMargins"]
    assert root.find(f"{{{MAIN}}}sheetData/{{{MAIN}}}row").attrib == {"r": "1"}


@pytest.mark.parametrize("name, ok", [("Budget", True), ("_xlnm.Print_Area", True),
                                      ("预算", True), ("a.b", True), ("XFD1", False),
                                      ("R1C1", False), ("r", False), ("1st", False),
                                      ("a b", False), ("_xlnm.Nonsense", False)])
def test_name_syntax(name, ok):
    assert (name_problem(name) is None) == ok
