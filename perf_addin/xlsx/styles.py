"""Cell styles: added to the workbook's style table, never rewriting an entry.

Existing fonts, fills, borders, number formats and cell formats keep their indices
and bytes, so every cell already in the workbook looks exactly as before. A style we
need is reused when an identical entry exists (for example, one we added in an
earlier run), so re-running does not grow the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from .errors import WorkbookError
from .xml import MAIN, canonical, insert_ordered, parse, q, serialise

# Excel's built-in number formats that have no <numFmt> entry.
BUILTIN_FORMATS = {
    "General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10,
    "0.00E+00": 11, "# ?/?": 12, "# ??/??": 13, "mm-dd-yy": 14, "d-mmm-yy": 15,
    "d-mmm": 16, "mmm-yy": 17, "h:mm AM/PM": 18, "h:mm:ss AM/PM": 19, "h:mm": 20,
    "h:mm:ss": 21, "m/d/yy h:mm": 22, "@": 49,
}
FIRST_CUSTOM_FORMAT = 164
BORDER_STYLES = frozenset({"thin", "medium", "thick", "dashed", "dotted", "double", "hair"})
HALIGN = frozenset({"left", "center", "right", "fill", "justify", "centerContinuous",
                    "distributed", "general"})
VALIGN = frozenset({"top", "center", "bottom", "justify", "distributed"})

_SECTION_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs",
                  "cellStyles", "dxfs", "tableStyles", "colors", "extLst"]


@dataclass(frozen=True)
class Style:
    """How a cell looks. ``None`` for font name or size means the workbook's default
    font, so new cells match the rest of the workbook."""

    num_format: str = "General"
    bold: bool = False
    italic: bool = False
    font_size: float | None = None
    font_name: str | None = None
    font_color: str | None = None  # RGB hex, e.g. "1F4E79"
    fill: str | None = None  # solid fill, RGB hex
    border: str | None = None  # one of BORDER_STYLES, all four sides
    halign: str | None = None
    valign: str | None = None
    wrap: bool = False
    indent: int = 0
    shrink: bool = False
    locked: bool = True

    def __post_init__(self) -> None:
        for name in ("font_color", "fill"):
            colour = getattr(self, name)
            if colour is not None and not _is_rgb(colour):
                raise WorkbookError(f"style {name} {colour!r} is not an RGB hex like 1F4E79")
        if self.border is not None and self.border not in BORDER_STYLES:
            raise WorkbookError(f"border {self.border!r} is not one of {sorted(BORDER_STYLES)}")
        if self.halign is not None and self.halign not in HALIGN:
            raise WorkbookError(f"horizontal alignment {self.halign!r} is unknown")
        if self.valign is not None and self.valign not in VALIGN:
            raise WorkbookError(f"vertical alignment {self.valign!r} is unknown")


def _is_rgb(colour: str) -> bool:
    return len(colour) in (6, 8) and all(c in "0123456789abcdefABCDEF" for c in colour)


def _argb(colour: str) -> str:
    return ("FF" + colour if len(colour) == 6 else colour).upper()


MINIMAL_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="' + MAIN.encode() + b'">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b"</styleSheet>"
)


class StyleTable:
    """The workbook's ``styles.xml``, to which styles are appended on demand."""

    def __init__(self, data: bytes) -> None:
        self.root = parse(data)
        self.ns = self.root.nsmap.get(self.root.prefix) or MAIN
        self.changed = False
        self._ids: dict[Style, int] = {}
        self._index: dict[str, dict[tuple, int]] = {}
        self._default_font = self._read_default_font()

    def xf_id(self, style: Style) -> int:
        """The ``s`` attribute for cells of this style, adding entries when needed."""
        if style not in self._ids:
            self._ids[style] = self._find_or_add("cellXfs", self._xf(style))
        return self._ids[style]

    def number_format_of(self, xf_index: int) -> str | None:
        """The number format code of an existing cell format (for date detection)."""
        xfs = self._section("cellXfs")
        if xf_index >= len(xfs):
            return None
        fmt_id = int(xfs[xf_index].get("numFmtId", "0"))
        for code, builtin in BUILTIN_FORMATS.items():
            if builtin == fmt_id:
                return code
        for el in self._section("numFmts"):
            if int(el.get("numFmtId", "-1")) == fmt_id:
                return el.get("formatCode")
        return None

    def is_unlocked(self, xf_index: int) -> bool:
        """Whether cells of this format stay editable on a protected sheet
        (``<protection locked="0"/>``; Excel's default is locked)."""
        xfs = self._section("cellXfs")
        if not 0 <= xf_index < len(xfs):
            return False
        protection = xfs[xf_index].find(q("protection", self.ns))
        return protection is not None and protection.get("locked") in ("0", "false")

    def to_bytes(self) -> bytes:
        return serialise(self.root)

    # -- building entries ---------------------------------------------------------

    def _xf(self, style: Style) -> etree._Element:
        xf = self._el("xf", numFmtId=str(self._num_fmt_id(style.num_format)),
                      fontId=str(self._find_or_add("fonts", self._font(style))),
                      fillId=str(self._find_or_add("fills", self._fill(style))),
                      borderId=str(self._find_or_add("borders", self._border(style))),
                      xfId="0")
        for flag in ("applyNumberFormat", "applyFont", "applyFill", "applyBorder"):
            xf.set(flag, "1")
        alignment = {k: v for k, v in (
            ("horizontal", style.halign), ("vertical", style.valign),
            ("wrapText", "1" if style.wrap else None),
            ("indent", str(style.indent) if style.indent else None),
            ("shrinkToFit", "1" if style.shrink else None)) if v}
        if alignment:
            xf.set("applyAlignment", "1")
            xf.append(self._el("alignment", **alignment))
        if not style.locked:
            xf.set("applyProtection", "1")
            xf.append(self._el("protection", locked="0"))
        return xf

    def _font(self, style: Style) -> etree._Element:
        font = self._el("font")
        if style.bold:
            font.append(self._el("b"))
        if style.italic:
            font.append(self._el("i"))
        size, name, family = self._default_font
        font.append(self._el("sz", val=_num(style.font_size or size)))
        if style.font_color:
            font.append(self._el("color", rgb=_argb(style.font_color)))
        else:
            font.append(self._el("color", theme="1"))
        font.append(self._el("name", val=style.font_name or name))
        if family and not style.font_name:
            font.append(self._el("family", val=family))
        return font

    def _fill(self, style: Style) -> etree._Element:
        fill = self._el("fill")
        if style.fill is None:
            fill.append(self._el("patternFill", patternType="none"))
            return fill
        pattern = self._el("patternFill", patternType="solid")
        pattern.append(self._el("fgColor", rgb=_argb(style.fill)))
        pattern.append(self._el("bgColor", indexed="64"))
        fill.append(pattern)
        return fill

    def _border(self, style: Style) -> etree._Element:
        border = self._el("border")
        for side in ("left", "right", "top", "bottom"):
            edge = self._el(side)
            if style.border:
                edge.set("style", style.border)
                edge.append(self._el("color", indexed="64"))
            border.append(edge)
        border.append(self._el("diagonal"))
        return border

    def _num_fmt_id(self, code: str) -> int:
        if code in BUILTIN_FORMATS:
            return BUILTIN_FORMATS[code]
        section = self._section("numFmts")
        used = [int(el.get("numFmtId", "0")) for el in section]
        for el in section:
            if el.get("formatCode") == code:
                return int(el.get("numFmtId"))
        new_id = max([FIRST_CUSTOM_FORMAT - 1, *used]) + 1
        section.append(self._el("numFmt", numFmtId=str(new_id), formatCode=code))
        self._recount(section)
        return new_id

    # -- the table itself ---------------------------------------------------------

    def _find_or_add(self, section_name: str, element: etree._Element) -> int:
        section = self._section(section_name)
        index = self._index.get(section_name)
        if index is None:
            index = {}
            for i, child in enumerate(c for c in section if isinstance(c.tag, str)):
                index.setdefault(canonical(child), i)
            self._index[section_name] = index
        key = canonical(element)
        if key not in index:
            index[key] = len([c for c in section if isinstance(c.tag, str)])
            section.append(element)
            self._recount(section)
        return index[key]

    def _section(self, name: str) -> etree._Element:
        found = self.root.find(q(name, self.ns))
        if found is not None:
            return found
        section = self._el(name, count="0")
        insert_ordered(self.root, section, _SECTION_ORDER)
        self.changed = True
        return section

    def _recount(self, section: etree._Element) -> None:
        section.set("count", str(len([c for c in section if isinstance(c.tag, str)])))
        self.changed = True

    def _el(self, tag: str, **attrs: str) -> etree._Element:
        return etree.Element(q(tag, self.ns), attrs, nsmap=None)

    def _read_default_font(self) -> tuple[float, str, str | None]:
        fonts = self.root.find(q("fonts", self.ns))
        first = fonts[0] if fonts is not None and len(fonts) else None
        if first is None:
            return 11.0, "Calibri", "2"

        def val(tag: str) -> str | None:
            el = first.find(q(tag, self.ns))
            return None if el is None else el.get("val")
        try:
            size = float(val("sz") or 11)
        except ValueError:
            size = 11.0
        return size, val("name") or "Calibri", val("family")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))
