"""XML helpers shared by every part editor: namespaces, parsing, serialising."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from lxml import etree

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_MAIN = "http://purl.oclc.org/ooxml/spreadsheetml/main"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"

REL_WORKSHEET = DOC_REL + "/worksheet"
REL_STYLES = DOC_REL + "/styles"
REL_CALC_CHAIN = DOC_REL + "/calcChain"
REL_OFFICE_DOCUMENT = DOC_REL + "/officeDocument"
REL_TABLE = DOC_REL + "/table"

CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_RELATIONSHIPS = "application/vnd.openxmlformats-package.relationships+xml"

_PARSER = etree.XMLParser(remove_blank_text=False, resolve_entities=False,
                          huge_tree=True, no_network=True)


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, _PARSER)


def serialise(root: etree._Element) -> bytes:
    """Serialise with the declaration Excel writes (standalone="yes")."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def q(tag: str, ns: str = MAIN) -> str:
    """Clark notation for lxml: ``{ns}tag``."""
    return f"{{{ns}}}{tag}"


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def attr(value: object) -> str:
    return quoteattr(str(value))


def text(value: str) -> str:
    return escape(value)


def canonical(el: etree._Element) -> tuple:
    """A comparable form of an element that ignores namespace prefixes and order of
    attributes, so a style we would add can be found among existing ones."""
    attrs = tuple(sorted((etree.QName(k).localname, v) for k, v in el.attrib.items()))
    return (local(el), attrs, (el.text or "").strip(), tuple(canonical(c) for c in el
                                                              if isinstance(c.tag, str)))


def insert_ordered(parent: etree._Element, child: etree._Element, order: list[str]) -> None:
    """Insert ``child`` where the schema's sequence ``order`` wants it: before the
    first existing child that must come after it. Unknown children are skipped."""
    later = set(order[order.index(local(child)) + 1:])
    for i, existing in enumerate(parent):
        if isinstance(existing.tag, str) and local(existing) in later:
            parent.insert(i, child)
            return
    parent.append(child)
