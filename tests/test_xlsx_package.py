"""The parts every new package needs, written in one place: content types,
relationships and the reproducible zip (fresh packs and the add-in use them)."""

import io
import zipfile

from lxml import etree

from perf_addin.xlsx.package import content_types_xml, new_package, relationships_xml

CT = "{http://schemas.openxmlformats.org/package/2006/content-types}"
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def test_content_types_list_defaults_then_overrides_in_order():
    root = etree.fromstring(content_types_xml({"/xl/b.xml": "type/b", "/xl/a.xml": "type/a"}))
    assert [(d.get("Extension"), d.get("ContentType")) for d in root.iter(f"{CT}Default")] == [
        ("rels", "application/vnd.openxmlformats-package.relationships+xml"), ("xml", "application/xml")]
    assert [(o.get("PartName"), o.get("ContentType")) for o in root.iter(f"{CT}Override")] == [
        ("/xl/b.xml", "type/b"), ("/xl/a.xml", "type/a")]


def test_relationships_are_numbered_from_one_and_targets_escaped():
    root = etree.fromstring(relationships_xml([("t/one", "a.xml"), ("t/two", "b&c.xml")]))
    assert [(r.get("Id"), r.get("Type"), r.get("Target")) for r in root.iter(f"{REL}Relationship")] == [
        ("rId1", "t/one", "a.xml"), ("rId2", "t/two", "b&c.xml")]


def test_a_new_package_depends_on_its_parts_only():
    parts = {"[Content_Types].xml": content_types_xml({}), "x/a.xml": b"<a/>" * 100}
    first, second = io.BytesIO(), io.BytesIO()
    new_package(parts, first, date_time=(2026, 1, 1, 0, 0, 0), compresslevel=9, dos_attributes=True)
    new_package(dict(parts), second, date_time=(2026, 1, 1, 0, 0, 0), compresslevel=9, dos_attributes=True)
    assert first.getvalue() == second.getvalue()
    with zipfile.ZipFile(first) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == list(parts)
        assert {(i.date_time, i.create_system, i.compress_type) for i in infos} == {
            ((2026, 1, 1, 0, 0, 0), 0, zipfile.ZIP_DEFLATED)}
        assert z.read("x/a.xml") == parts["x/a.xml"]
