"""The theme part of a workbook made from nothing (``fresh.new_workbook``).

Excel treats the theme as a required part of a workbook: a package without one is
flagged by validators that follow the Open XML SDK ("a required relationship is
missing"), and Excel fills it in on the next save. So a generated workbook carries
the standard Office palette and fonts – the same colours and the same default
fonts a new workbook made in Excel has – in the smallest form the DrawingML schema
accepts: every list that needs three styles has three plain ones, no gradients,
no effects.
"""

from __future__ import annotations

CT_THEME = "application/vnd.openxmlformats-officedocument.theme+xml"
REL_THEME = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"

#: the Office palette, in the schema's order (dark 1 and light 1 follow the system)
_COLOURS = (("dk2", "44546A"), ("lt2", "E7E6E6"), ("accent1", "4472C4"), ("accent2", "ED7D31"),
            ("accent3", "A5A5A5"), ("accent4", "FFC000"), ("accent5", "5B9BD5"),
            ("accent6", "70AD47"), ("hlink", "0563C1"), ("folHlink", "954F72"))
#: (Latin, simplified Chinese) typefaces of headings and body text
_FONTS = {"majorFont": ("Calibri Light", "等线 Light"), "minorFont": ("Calibri", "等线")}
_LINE_WIDTHS = (6350, 12700, 19050)  # EMU: 0.5, 1 and 1.5 pt


def _colour_scheme() -> str:
    system = ('<a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1>'
              '<a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>')
    rest = "".join(f'<a:{name}><a:srgbClr val="{rgb}"/></a:{name}>' for name, rgb in _COLOURS)
    return f'<a:clrScheme name="Office">{system}{rest}</a:clrScheme>'


def _font_scheme() -> str:
    fonts = "".join(f'<a:{kind}><a:latin typeface="{latin}"/><a:ea typeface=""/><a:cs typeface=""/>'
                    f'<a:font script="Hans" typeface="{hans}"/></a:{kind}>'
                    for kind, (latin, hans) in _FONTS.items())
    return f'<a:fontScheme name="Office">{fonts}</a:fontScheme>'


def _format_scheme() -> str:
    solid = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    fills = solid * 3
    lines = "".join(f'<a:ln w="{w}" cap="flat" cmpd="sng" algn="ctr">{solid}'
                    '<a:prstDash val="solid"/><a:miter lim="800000"/></a:ln>' for w in _LINE_WIDTHS)
    effects = "<a:effectStyle><a:effectLst/></a:effectStyle>" * 3
    return (f'<a:fmtScheme name="Office"><a:fillStyleLst>{fills}</a:fillStyleLst>'
            f"<a:lnStyleLst>{lines}</a:lnStyleLst><a:effectStyleLst>{effects}</a:effectStyleLst>"
            f"<a:bgFillStyleLst>{fills}</a:bgFillStyleLst></a:fmtScheme>")


def theme_xml() -> bytes:
    """``xl/theme/theme1.xml``: Office colours and fonts, minimal formats."""
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<a:theme xmlns:a="{_A}" name="Office Theme"><a:themeElements>'
            f"{_colour_scheme()}{_font_scheme()}{_format_scheme()}</a:themeElements>"
            "<a:objectDefaults/><a:extraClrSchemeLst/></a:theme>").encode("utf-8")
