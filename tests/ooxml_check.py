"""What a strict reader would refuse in a written package, and only what the write added.

Excel does not run here, so its rules are checked directly:

* every XML part the writer added or changed is validated against the ECMA-376
  Transitional schemas (not in this repository: read from ``$PERF_ADDIN_OOXML_XSD``,
  by default ``shared/ooxml-xsd`` beside the checkout, like the corpora) after
  Markup Compatibility processing (ECMA-376 Part 3: ignorable namespaces dropped,
  ``mc:AlternateContent`` replaced by the branch a reader of these schemas takes)
  and with ``xml:space`` removed (the bare schemas reject it where Excel writes it);
* and the rules the schemas cannot express, which Excel enforces by "repairing" the
  file: every part has a content type (and only one), every relationship target
  exists, every ``r:id`` names a relationship of its part, style indexes are in
  range, merged ranges do not overlap, defined names are names Excel accepts in
  valid scopes, shared formulas are consistent, rows and cells are in order, and
  ``<dimension>`` covers the cells.

Files nobody here wrote do not all pass (Excel itself writes things the schemas
reject), so a problem counts only when the same problem is not in the original
part: :func:`introduced` compares the written package with the one it came from.
This module is independent of ``perf_addin.xlsx`` on purpose: it re-derives every
rule rather than reusing the writer's own helpers.
"""

from __future__ import annotations

import copy
import os
import posixpath
import re
import zipfile
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from lxml import etree

from tests.conftest import PROJECT_ROOT, require

ENV_XSD = "PERF_ADDIN_OOXML_XSD"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
WORKSHEET_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
                   "application/vnd.ms-excel.worksheet"}
WORKBOOK_TYPES = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                  "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
                  "application/vnd.ms-excel.template.macroEnabled.main+xml",
                  "application/vnd.ms-excel.addin.macroEnabled.main+xml"}
MAX_ROW, MAX_COL = 1_048_576, 16_384
FIRST_CUSTOM_FORMAT = 164
_PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)


# -- the schemas ----------------------------------------------------------------

def schema_folder() -> Path:
    """``$PERF_ADDIN_OOXML_XSD``, else ``shared/ooxml-xsd`` beside the project."""
    override = os.environ.get(ENV_XSD)
    return Path(override) if override else PROJECT_ROOT.parent / "shared" / "ooxml-xsd"


@lru_cache(maxsize=1)
def _load(folder: str) -> tuple[etree.XMLSchema, frozenset[str]]:
    wrapper = etree.parse(str(Path(folder) / "wrapper.xsd"))
    covered = frozenset(el.get("namespace") for el in wrapper.getroot()
                        if isinstance(el.tag, str) and el.get("namespace"))
    return etree.XMLSchema(wrapper), covered


@dataclass
class Schemas:
    """The Transitional schemas and the root namespaces they declare elements for."""

    xsd: etree.XMLSchema
    covered: frozenset[str]

    @classmethod
    def load(cls) -> "Schemas":
        """Skip (fail under CI) when the schemas are not there."""
        folder = schema_folder()
        if not (folder / "wrapper.xsd").is_file():
            require(f"the ECMA-376 Transitional schemas (XSD files, not part of this repository) "
                    f"were not found at {folder}; set {ENV_XSD} to the folder holding "
                    "wrapper.xsd to run these tests")
        return cls(*_load(str(folder)))


# -- Markup Compatibility ---------------------------------------------------------

def _branch(alternate: etree._Element, understood: frozenset[str]) -> list[etree._Element]:
    """The children a reader that understands ``understood`` takes from an
    ``mc:AlternateContent``: the first Choice whose Requires it meets, else Fallback."""
    for choice in alternate:
        if choice.tag == f"{{{MC}}}Choice":
            required = choice.get("Requires", "").split()
            if all(choice.nsmap.get(p) in understood for p in required):
                return list(choice)
        elif choice.tag == f"{{{MC}}}Fallback":
            return list(choice)
    return []


def _any_of(namespaces: set[str]) -> str:
    """An XPath test: the node's namespace is one of ``namespaces``."""
    return " or ".join(f"namespace-uri()='{ns}'" for ns in sorted(namespaces) if "'" not in ns)


def apply_markup_compatibility(root: etree._Element, understood: frozenset[str]) -> None:
    """Rewrite ``root`` in place as a reader of ``understood`` namespaces sees it
    (ECMA-376 Part 3): alternate content resolved, elements and attributes of
    ignorable namespaces removed, ``xml:space`` stripped.

    Done with a few XPath scans rather than a walk in Python, since a worksheet can
    hold a million elements; an ``mc:Ignorable`` declaration is applied to the
    whole part (Excel declares it on the root)."""
    mc = {"mc": MC}
    while True:
        alternates = root.xpath("//mc:AlternateContent[not(ancestor::mc:AlternateContent)]",
                                namespaces=mc)
        if not alternates:
            break
        for alternate in alternates:
            parent, chosen = alternate.getparent(), _branch(alternate, understood)
            if parent is None:
                return
            at = parent.index(alternate)
            parent.remove(alternate)
            for offset, node in enumerate(chosen):
                parent.insert(at + offset, node)
    ignorable = {MC}
    for el in root.xpath("//*[@mc:Ignorable]", namespaces=mc):
        ignorable |= {el.nsmap[p] for p in el.get(f"{{{MC}}}Ignorable").split() if p in el.nsmap}
    ignorable -= understood
    test = _any_of(ignorable)
    for el in root.xpath(f"//*[@*[{test}] or @xml:space]"):
        for name in [n for n in el.attrib
                     if n == XML_SPACE or etree.QName(n).namespace in ignorable]:
            del el.attrib[name]
    for el in root.xpath(f"//*[{test}]"):
        if el.getparent() is not None:
            el.getparent().remove(el)


def schema_problems(schemas: Schemas, root: etree._Element,
                    processed: bool = False) -> set[str] | None:
    """Schema violations of one part, or None when the schemas do not describe the
    part's root element. Markup Compatibility is applied to a copy of ``root``
    unless it is ``processed`` already."""
    if etree.QName(root).namespace not in schemas.covered:
        return None
    if not processed:
        root = copy.deepcopy(root)
        apply_markup_compatibility(root, schemas.covered)
    if schemas.xsd.validate(root):
        return set()
    return {f"schema: {e.message}" for e in schemas.xsd.error_log}


# -- the package --------------------------------------------------------------------

def read_parts(path: Path) -> dict[str, bytes]:
    """Every readable part of a package (folder entries are not parts; a part whose
    data is damaged – in some fuzzed corpus files – is left out)."""
    parts = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if not info.filename.endswith("/"):
                try:
                    parts[info.filename] = z.read(info)
                except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
                    continue
    return parts


class Package:
    """Parts by name, with content types and parsed XML on demand."""

    def __init__(self, parts: dict[str, bytes]) -> None:
        self.parts = parts
        self.lower = {name.lower(): name for name in parts}
        self._xml: dict[str, etree._Element | None] = {}
        self._seen: dict[str, etree._Element | None] = {}
        self.overrides: dict[str, list[str]] = {}
        self.defaults: dict[str, str] = {}
        types = self.xml("[Content_Types].xml")
        for el in (types.iter() if types is not None else ()):
            if el.tag == f"{{{TYPES}}}Override":
                self.overrides.setdefault(el.get("PartName", "").lstrip("/").lower(),
                                          []).append(el.get("ContentType", ""))
            elif el.tag == f"{{{TYPES}}}Default":
                self.defaults.setdefault(el.get("Extension", "").lower(), el.get("ContentType", ""))

    def xml(self, name: str) -> etree._Element | None:
        if name not in self._xml:
            try:
                self._xml[name] = etree.fromstring(self.parts[name], _PARSER)
            except (KeyError, etree.XMLSyntaxError):
                self._xml[name] = None
        return self._xml[name]

    def seen(self, name: str, understood: frozenset[str]) -> etree._Element | None:
        """The part as a reader of ``understood`` namespaces sees it (Markup
        Compatibility applied), built once; the raw tree stays as it was."""
        if name not in self._seen:
            raw = self.xml(name)
            self._seen[name] = None if raw is None else copy.deepcopy(raw)
            if raw is not None:
                apply_markup_compatibility(self._seen[name], understood)
        return self._seen[name]

    def content_type(self, name: str) -> str | None:
        given = self.overrides.get(name.lower())
        if given:
            return given[0]
        base = posixpath.basename(name)
        return self.defaults.get(base.rsplit(".", 1)[1].lower()) if "." in base else None

    def has(self, name: str) -> bool:
        return name.lower() in self.lower

    def parts_of_type(self, types: set[str]) -> list[str]:
        return [n for n in self.parts if self.content_type(n) in types]


def rels_of(part: str) -> str:
    folder, name = posixpath.split(part)
    return posixpath.join(folder, "_rels", name + ".rels")


def source_of(rels: str) -> str | None:
    """The part a relationships part belongs to ("" for the package)."""
    folder, name = posixpath.split(rels)
    if posixpath.basename(folder) != "_rels" or not name.endswith(".rels"):
        return None
    return posixpath.join(posixpath.dirname(folder), name[:-5])


def target_part(source: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), target))


# -- cell references ----------------------------------------------------------------

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def index(value: object) -> int:
    """An index attribute as a number; what is not one (the schemas report it) is
    taken as out of every range."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1 << 31


@lru_cache(maxsize=None)
def column(letters: str) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return col


def cell(ref: str) -> tuple[int, int] | None:
    """(row, column) of ``B7``, or None when it is not a cell inside the grid."""
    m = _CELL.match(ref)
    if not m:
        return None
    row, col = int(m.group(2)), column(m.group(1))
    return (row, col) if 1 <= row <= MAX_ROW and 1 <= col <= MAX_COL else None


def area(ref: str) -> tuple[int, int, int, int] | None:
    """(top, left, bottom, right) of ``A1:C3`` or ``B2``."""
    ends = [cell(p) for p in ref.split(":")]
    if len(ends) not in (1, 2) or None in ends:
        return None
    (r1, c1), (r2, c2) = ends[0], ends[-1]
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def inside(point: tuple[int, int], box: tuple[int, int, int, int]) -> bool:
    return box[0] <= point[0] <= box[2] and box[1] <= point[1] <= box[3]


# -- the rules the schemas cannot express ----------------------------------------------

def content_type_problems(pkg: Package) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for name in pkg.parts:
        if name == "[Content_Types].xml":
            continue
        if pkg.content_type(name) is None:
            out.setdefault(name, set()).add("no content type")
        if len(pkg.overrides.get(name.lower(), ())) > 1:
            out.setdefault(name, set()).add("content type given twice")
    return out


def relationship_problems(pkg: Package) -> dict[str, set[str]]:
    """Every internal target exists (OPC: a relationship to a missing part makes
    Excel repair the file)."""
    out: dict[str, set[str]] = {}
    for name in pkg.parts:
        source = source_of(name)
        root = pkg.xml(name) if source is not None else None
        if root is None:
            continue
        for rel in root.iter(f"{{{PKG}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = target_part(source, rel.get("Target", "").split("#")[0])
            if not pkg.has(target):
                out.setdefault(name, set()).add(f"{rel.get('Id')} targets missing part {target}")
    return out


_INVENTED = re.compile(rb"xmlns:(ns\d+)=")


def prefix_problems(data: bytes) -> set[str]:
    """``ns0:``-style prefixes are what a serialiser invents for an undeclared
    namespace; readers that match ``r:id`` by its prefix (Gnumeric) lose the element."""
    return {f"invented namespace prefix {m.decode()}" for m in set(_INVENTED.findall(data))}


def rid_problems(pkg: Package, name: str, root: etree._Element) -> set[str]:
    """Every ``r:id``/``r:embed``/... in the part names one of its relationships."""
    ids = set()
    rels = pkg.xml(rels_of(name)) if pkg.has(rels_of(name)) else None
    if rels is not None:
        ids = {rel.get("Id") for rel in rels.iter(f"{{{PKG}}}Relationship")}
    out = set()
    for value in root.xpath("//@*[namespace-uri()=$ns]", ns=REL):
        if value and value not in ids:
            out.add(f"<{etree.QName(value.getparent()).localname} "
                    f"{etree.QName(value.attrname).localname}={str(value)!r}> names no relationship")
    return out


@dataclass
class StyleCounts:
    """How many entries each table of the style sheet has."""

    xfs: int = 0
    style_xfs: int = 0
    fonts: int = 0
    fills: int = 0
    borders: int = 0
    dxfs: int = 0
    formats: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, root: etree._Element | None) -> "StyleCounts":
        if root is None:
            return cls()

        def count(section: str, item: str) -> int:
            el = root.find(f"{{{MAIN}}}{section}")
            return 0 if el is None else len(el.findall(f"{{{MAIN}}}{item}"))
        formats = {index(n.get("numFmtId", "-1")) for n in root.iter(f"{{{MAIN}}}numFmt")}
        return cls(count("cellXfs", "xf"), count("cellStyleXfs", "xf"), count("fonts", "font"),
                   count("fills", "fill"), count("borders", "border"), count("dxfs", "dxf"), formats)


def style_sheet_problems(root: etree._Element) -> set[str]:
    """Each cell format's font, fill, border, number format and parent in range."""
    counts = StyleCounts.of(root)
    out = set()
    limits = {"fontId": counts.fonts, "fillId": counts.fills, "borderId": counts.borders}
    for section, parent in (("cellXfs", True), ("cellStyleXfs", False)):
        el = root.find(f"{{{MAIN}}}{section}")
        for i, xf in enumerate([] if el is None else el.findall(f"{{{MAIN}}}xf")):
            for key, limit in limits.items():
                if index(xf.get(key, "0")) >= limit:
                    out.add(f"{section}[{i}] {key}={xf.get(key)} out of range")
            fmt = index(xf.get("numFmtId", "0"))
            if fmt >= FIRST_CUSTOM_FORMAT and fmt not in counts.formats:
                out.add(f"{section}[{i}] numFmtId={fmt} is not defined")
            if parent and index(xf.get("xfId", "0")) >= max(counts.style_xfs, 1):
                out.add(f"{section}[{i}] xfId={xf.get('xfId')} out of range")
    for style in root.iter(f"{{{MAIN}}}cellStyle"):
        if index(style.get("xfId", "0")) >= counts.style_xfs:
            out.add(f"cellStyle {style.get('name')!r} xfId={style.get('xfId')} out of range")
    return out


def _overlaps(boxes: list[tuple[int, int, int, int]]) -> list[tuple[int, int]]:
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    active: list[int] = []
    found = []
    for i in order:
        top, left, bottom, right = boxes[i]
        active = [j for j in active if boxes[j][2] >= top]
        found += [(j, i) for j in active if boxes[j][1] <= right and left <= boxes[j][3]]
        active.append(i)
    return found


def worksheet_problems(root: etree._Element, styles: StyleCounts) -> set[str]:
    """Order of rows and cells, style indexes, merges, shared formulas, dimension."""
    out: set[str] = set()
    data = root.find(f"{{{MAIN}}}sheetData")
    cells: list[tuple[int, int]] = []
    anchors: dict[str, tuple[tuple[int, int], tuple[int, int, int, int] | None]] = {}
    members: list[tuple[str, tuple[int, int], bool]] = []
    last_row = 0
    for row in ([] if data is None else data.iter(f"{{{MAIN}}}row")):
        number = index(row.get("r", last_row + 1))
        if number <= last_row or number > MAX_ROW:
            out.add(f"row {number} comes after row {last_row}")
        last_row = number
        if row.get("s") is not None and index(row.get("s")) >= styles.xfs:
            out.add(f"row {number} style {row.get('s')} out of range")
        last_col = 0
        for c in row.iter(f"{{{MAIN}}}c"):
            ref = c.get("r")
            where = cell(ref) if ref else (number, last_col + 1)
            if where is None or where[0] != number or where[1] <= last_col:
                out.add(f"cell {ref} out of order in row {number}")
                continue
            last_col = where[1]
            cells.append(where)
            if index(c.get("s", "0")) >= max(styles.xfs, 1):
                out.add(f"cell {ref} style {c.get('s')} out of range")
            f = c.find(f"{{{MAIN}}}f")
            if f is not None:
                _formula(f, ref or "", where, anchors, members, out)
    for si, where, before in members:
        anchor = anchors.get(si)
        if anchor is None:
            out.add(f"shared formula si={si} has no anchor")
        elif anchor[1] is not None and not inside(where, anchor[1]):
            out.add(f"shared formula si={si}: member at row {where[0]} column {where[1]} "
                    "lies outside the anchor's ref")
        elif before:
            out.add(f"shared formula si={si}: member at row {where[0]} column {where[1]} "
                    "comes before its anchor")
    for col in root.iter(f"{{{MAIN}}}col"):
        if index(col.get("style", "0")) >= max(styles.xfs, 1):
            out.add(f"column {col.get('min')} style {col.get('style')} out of range")
    for rule in root.iter(f"{{{MAIN}}}cfRule"):
        if rule.get("dxfId") is not None and index(rule.get("dxfId")) >= styles.dxfs:
            out.add(f"conditional format dxfId={rule.get('dxfId')} out of range")
    out |= _merge_problems(root)
    out |= _dimension_problems(root, cells)
    return out


def _formula(f: etree._Element, ref: str, where: tuple[int, int],
             anchors: dict, members: list, out: set[str]) -> None:
    kind = f.get("t")
    if kind == "array" and (area(f.get("ref", "")) is None or not inside(where, area(f.get("ref")))):
        out.add(f"array formula in {ref} has ref {f.get('ref')!r} that does not hold it")
    if kind != "shared":
        return
    si = f.get("si")
    if si is None:
        out.add(f"shared formula in {ref} has no si")
    elif f.get("ref") is not None:
        box = area(f.get("ref"))
        if si in anchors:
            out.add(f"shared formula si={si} has two anchors")
        if box is None or (box[0], box[1]) != where:
            out.add(f"shared formula anchor {ref}: ref {f.get('ref')!r} does not start there")
        if not (f.text or "").strip():
            out.add(f"shared formula anchor {ref} has no formula text")
        anchors[si] = (where, box)
    else:
        members.append((si, where, si not in anchors))


def _merge_problems(root: etree._Element) -> set[str]:
    refs = [m.get("ref", "") for m in root.iter(f"{{{MAIN}}}mergeCell")]
    boxes = [area(r) for r in refs]
    out = {f"merge {r!r} is not a range" for r, b in zip(refs, boxes) if b is None}
    valid = [(r, b) for r, b in zip(refs, boxes) if b is not None]
    for i, j in _overlaps([b for _, b in valid]):
        out.add(f"merges {valid[i][0]} and {valid[j][0]} overlap")
    return out


def _dimension_problems(root: etree._Element, cells: list[tuple[int, int]]) -> set[str]:
    dim = root.find(f"{{{MAIN}}}dimension")
    if dim is None or not cells:
        return set()
    box = area(dim.get("ref", ""))
    if box is None:
        return {f"dimension {dim.get('ref')!r} is not a range"}
    # one problem per cell, so that cells outside a wrong dimension in the original
    # do not hide a written cell outside it
    return {f"dimension does not cover row {r} column {c}" for r, c in cells
            if not inside((r, c), box)}


_BUILTIN_NAMES = {"_xlnm.print_area", "_xlnm.print_titles", "_xlnm._filterdatabase",
                  "_xlnm.criteria", "_xlnm.extract", "_xlnm.consolidate_area",
                  "_xlnm.database", "_xlnm.sheet_title", "_xlnm.auto_open", "_xlnm.auto_close",
                  "_xlnm.auto_activate", "_xlnm.auto_deactivate", "_xlnm.recorder"}
_SHEET_SCOPED = {"_xlnm.print_area", "_xlnm.print_titles", "_xlnm._filterdatabase"}
_R1C1 = re.compile(r"^[rc]$|^r\d*c\d*$|^r\d+$|^c\d+$", re.IGNORECASE)


def name_problem(name: str) -> str | None:
    """Why Excel's Name Manager would refuse ``name``, or None."""
    if name.lower().startswith("_xlnm."):
        return None if name.lower() in _BUILTIN_NAMES else "unknown built-in name"
    if not name or len(name) > 255:
        return "empty or longer than 255 characters"
    if not (name[0].isalpha() or name[0] in "_\\"):
        return "must start with a letter, _ or \\"
    if any(not (ch.isalnum() or ch in "_.\\?") for ch in name[1:]):
        return "holds a character Excel forbids in names"
    if cell(name) is not None or _R1C1.match(name):
        return "reads as a cell reference"
    return None


def workbook_problems(root: etree._Element) -> set[str]:
    """Defined names: syntax, scope in range, built-ins scoped, no duplicates."""
    sheets = root.find(f"{{{MAIN}}}sheets")
    count = 0 if sheets is None else len(sheets.findall(f"{{{MAIN}}}sheet"))
    out, seen = set(), set()
    for dn in root.iter(f"{{{MAIN}}}definedName"):
        name, scope = dn.get("name", ""), dn.get("localSheetId")
        problem = name_problem(name)
        if problem:
            out.add(f"defined name {name!r}: {problem}")
        if scope is not None and not (scope.isdigit() and int(scope) < count):
            out.add(f"defined name {name!r}: localSheetId {scope} out of range")
        if scope is None and name.lower() in _SHEET_SCOPED:
            out.add(f"defined name {name!r} must be scoped to a sheet")
        if (name.casefold(), scope) in seen:
            out.add(f"defined name {name!r} defined twice in one scope")
        seen.add((name.casefold(), scope))
    return out


# -- putting it together ------------------------------------------------------------------

def package_problems(pkg: Package, parts: list[str], schemas: Schemas) -> dict[str, set[str]]:
    """Problems of the named parts of ``pkg`` (plus the package-wide rules), by part.
    Relationship ids are checked in the raw part (Excel follows ``r:id`` in
    extensions it understands); counts and order as a reader sees the part."""
    out = content_type_problems(pkg)
    for name, found in relationship_problems(pkg).items():
        out.setdefault(name, set()).update(found)
    style_part = next(iter(pkg.parts_of_type({CT_STYLES})), None)
    styles = StyleCounts.of(pkg.seen(style_part, schemas.covered) if style_part else None)
    for name in parts:
        raw = pkg.xml(name)
        if raw is None:
            continue
        found = out.setdefault(name, set())
        found |= rid_problems(pkg, name, raw) | prefix_problems(pkg.parts[name])
        root = pkg.seen(name, schemas.covered)
        kind = pkg.content_type(name)
        if kind in WORKSHEET_TYPES:
            found |= worksheet_problems(root, styles)
        elif kind in WORKBOOK_TYPES:
            found |= workbook_problems(root)
        elif kind == CT_STYLES:
            found |= style_sheet_problems(root)
        found |= schema_problems(schemas, root, processed=True) or set()
    return out


def is_xml(pkg: Package, name: str) -> bool:
    kind = pkg.content_type(name) or ""
    return kind.endswith("xml") or name.endswith((".xml", ".rels"))


@dataclass
class Check:
    """What one check of one written file found."""

    problems: list[str]
    parts: int  # XML parts added or changed
    validated: int  # of those, parts the schemas describe


def introduced(before: dict[str, bytes] | None, after: dict[str, bytes],
               schemas: Schemas) -> Check:
    """The problems in ``after`` that ``before`` (the package it was written from, or
    None for a brand-new file) does not already have in the same part."""
    old = Package(before or {})
    new = Package(after)
    touched = [n for n, data in after.items()
               if (before or {}).get(n) != data and is_xml(new, n)]
    now = package_problems(new, touched, schemas)
    # the original is checked only where the written part has problems: usually nowhere
    suspects = [n for n in touched if now.get(n) and n in old.parts]
    was = package_problems(old, suspects, schemas) if before is not None else {}
    problems = [f"{name}: {p}" for name, found in sorted(now.items())
                for p in sorted(found - was.get(name, set()))]
    validated = sum(new.xml(n) is not None and etree.QName(new.xml(n)).namespace in schemas.covered
                    for n in touched)
    return Check(problems, len(touched), validated)


def check_file(pair: tuple[Path | None, Path]) -> Check:
    """:func:`introduced` for a written file and the file it was written from."""
    before, after = pair
    return introduced(read_parts(before) if before else None, read_parts(after), Schemas.load())


def check_files(pairs: list[tuple[Path | None, Path]], workers: int = 2) -> list[Check]:
    """:func:`check_file` for many files, in ``workers`` processes (CI has two cores)."""
    Schemas.load()  # skip or fail here, in the test, not in a worker
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(check_file, pairs, chunksize=8))
