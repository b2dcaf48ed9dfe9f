"""Render a :class:`SheetSpec` to worksheet XML text.

Generating text directly (rather than building an object tree) is what makes adding
hundreds of sheets cheap; element order follows the schema, which Excel enforces.
"""

from __future__ import annotations

import datetime as dt
from typing import Callable

from .refs import parse_cell, parse_range, range_ref
from .spec import PAPER_SIZES, Cell, ListValidation, PrintSetup, Protection, SheetSpec, as_cell
from .styles import Style
from .values import CellContent, content, escape_text
from .xml import DOC_REL, MAIN, attr, text

DATE_STYLE = Style(num_format="yyyy-mm-dd")
DATETIME_STYLE = Style(num_format="yyyy-mm-dd hh:mm")

StyleResolver = Callable[[Style], int]
#: a sheet with charts points at its drawing through its own rels part, which the
#: editor writes with the drawing as its only relationship
DRAWING_ELEMENT = '<drawing r:id="rId1"/>'


def default_style(value: object) -> Style | None:
    """Dates need a date format to read as dates; everything else has none."""
    if isinstance(value, dt.datetime):
        return DATETIME_STYLE
    if isinstance(value, dt.date):
        return DATE_STYLE
    return None


def cell_style(cell: Cell) -> Style | None:
    return cell.style if cell.style is not None else default_style(cell.value)


def cell_xml(ref: str, body: CellContent, style_id: int) -> str:
    """One ``<c>`` element as text."""
    return cell_element(f' r="{ref}"' + (f' s="{style_id}"' if style_id else ""), body)


def cell_element(attrs: str, body: CellContent, escape: Callable[[str], str] = text) -> str:
    """A ``<c>`` with ``attrs`` (its r, s … as text) holding ``body``; ``escape`` is how
    element text is escaped (the splice escapes as lxml does, carriage returns too)."""
    head = "<c" + attrs + (f' t="{body.type}"' if body.type else "")
    if body.inline is not None:
        return f'{head}><is><t xml:space="preserve">{escape(escape_text(body.inline))}</t></is></c>'
    inner = ""
    if body.formula is not None:
        inner += f"<f>{escape(body.formula)}</f>" if body.formula else "<f/>"
    if body.value is not None:
        value = escape_text(body.value) if body.type == "str" else body.value
        inner += f"<v>{escape(value)}</v>"
    return f"{head}>{inner}</c>" if inner else f"{head}/>"


def render(spec: SheetSpec, style_id: StyleResolver, date1904: bool = False) -> bytes:
    """The whole worksheet part for ``spec``."""
    spec.check()
    rows: dict[int, list[tuple[int, str]]] = {}
    for ref, item in spec.cells.items():
        cell = as_cell(item)
        row, col = parse_cell(ref)
        style = cell_style(cell)
        sid = style_id(style) if style is not None else 0
        rows.setdefault(row, []).append((col, cell_xml(ref.upper().replace("$", ""),
                                                       content(cell.value, date1904), sid)))
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
        f'<worksheet xmlns="{MAIN}" xmlns:r="{DOC_REL}">',
        _sheet_pr(spec),
        f'<dimension ref="{_dimension(spec, rows)}"/>',
        _sheet_views(spec),
        '<sheetFormatPr defaultRowHeight="15"/>',
        _cols(spec),
        _sheet_data(spec, rows),
        _protection(spec.protection),
        _merges(spec.merges),
        _validations(spec.validations),
        _print(spec.print_setup),
        DRAWING_ELEMENT if spec.charts else "",
        "</worksheet>",
    ]
    return "".join(parts).encode("utf-8")


def _sheet_pr(spec: SheetSpec) -> str:
    inner = f'<tabColor rgb="FF{spec.tab_color[-6:].upper()}"/>' if spec.tab_color else ""
    setup = spec.print_setup
    if setup and (setup.fit_width is not None or setup.fit_height is not None):
        inner += '<pageSetUpPr fitToPage="1"/>'
    return f"<sheetPr>{inner}</sheetPr>" if inner else ""


def _dimension(spec: SheetSpec, rows: dict[int, list[tuple[int, str]]]) -> str:
    if not rows:
        return "A1"
    cols = [c for cells in rows.values() for c, _ in cells]
    return range_ref(min(rows), min(cols), max(rows), max(cols))


def _sheet_views(spec: SheetSpec) -> str:
    grid = "" if spec.show_gridlines else ' showGridLines="0"'
    pane = ""
    if spec.freeze:
        row, col = parse_cell(spec.freeze)
        split = (f' xSplit="{col - 1}"' if col > 1 else "") + (f' ySplit="{row - 1}"' if row > 1 else "")
        active = "bottomRight" if row > 1 and col > 1 else ("bottomLeft" if row > 1 else "topRight")
        pane = (f'<pane{split} topLeftCell="{spec.freeze}" activePane="{active}" state="frozen"/>'
                f'<selection pane="{active}"/>')
    return f'<sheetViews><sheetView{grid} workbookViewId="0">{pane}</sheetView></sheetViews>'


def _cols(spec: SheetSpec) -> str:
    if not spec.col_widths:
        return ""
    cols = "".join(f'<col min="{c}" max="{c}" width="{w}" customWidth="1"/>'
                   for c, w in sorted(spec.col_widths.items()))
    return f"<cols>{cols}</cols>"


def _sheet_data(spec: SheetSpec, rows: dict[int, list[tuple[int, str]]]) -> str:
    out = ["<sheetData>"]
    for r in sorted(set(rows) | set(spec.row_heights)):
        height = spec.row_heights.get(r)
        head = f'<row r="{r}"' + (f' ht="{height}" customHeight="1"' if height else "")
        cells = "".join(xml for _, xml in sorted(rows.get(r, ())))
        out.append(f"{head}>{cells}</row>" if cells else f"{head}/>")
    out.append("</sheetData>")
    return "".join(out)


def legacy_password_hash(password: str) -> str:
    """The 16-bit hash Excel stores for a sheet-protection password (ECMA-376 Part 4,
    14.7.1). It deters, it does not secure; the issue of real secrecy is encryption."""
    value = 0
    for position, char in enumerate(password, start=1):
        shifted = ord(char) << position
        value ^= (shifted & 0x7FFF) | (shifted >> 15)
    return format(value ^ len(password) ^ 0xCE4B, "04X")


def _protection(protection: Protection | None) -> str:
    if protection is None:
        return ""
    extra = ""
    if protection.password:
        extra += f' password="{legacy_password_hash(protection.password)}"'
    if not protection.select_locked:
        extra += ' selectLockedCells="1"'
    if protection.format_columns:
        extra += ' formatColumns="0"'
    if protection.format_rows:
        extra += ' formatRows="0"'
    return f'<sheetProtection{extra} sheet="1" objects="1" scenarios="1"/>'


def _merges(merges: list[str]) -> str:
    if not merges:
        return ""
    body = "".join(f'<mergeCell ref="{range_ref(*parse_range(m))}"/>' for m in merges)
    return f'<mergeCells count="{len(merges)}">{body}</mergeCells>'


def _validations(validations: list[ListValidation]) -> str:
    if not validations:
        return ""
    out = [f'<dataValidations count="{len(validations)}">']
    for v in validations:
        formula = v.source if v.source else '"' + ",".join(v.choices) + '"'
        head = (f'<dataValidation type="list" allowBlank="{int(v.allow_blank)}" '
                f'showInputMessage="1" showErrorMessage="1"')
        if v.prompt:
            head += f" prompt={attr(v.prompt)}"
        if v.error:
            head += f" error={attr(v.error)}"
        sqref = " ".join(range_ref(*parse_range(part)) for part in v.ref.split())
        out.append(f'{head} sqref="{sqref}"><formula1>{text(formula)}</formula1></dataValidation>')
    out.append("</dataValidations>")
    return "".join(out)


def _print(setup: PrintSetup | None) -> str:
    if setup is None:
        return ('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
                'header="0.3" footer="0.3"/>')
    m = setup.margins
    out = '<printOptions horizontalCentered="1"/>' if setup.center_horizontally else ""
    out += (f'<pageMargins left="{m.left}" right="{m.right}" top="{m.top}" '
            f'bottom="{m.bottom}" header="{m.header}" footer="{m.footer}"/>')
    page = f'<pageSetup paperSize="{PAPER_SIZES[setup.paper]}"'
    page += f' orientation="{"landscape" if setup.landscape else "portrait"}"'
    if setup.fit_width is not None or setup.fit_height is not None:
        page += f' fitToWidth="{setup.fit_width or 0}" fitToHeight="{setup.fit_height or 0}"'
    if setup.first_page_number is not None:
        page += f' firstPageNumber="{setup.first_page_number}" useFirstPageNumber="1"'
    out += page + "/>"
    if setup.header or setup.footer:
        out += "<headerFooter>"
        if setup.header:
            out += f"<oddHeader>{text(setup.header)}</oddHeader>"
        if setup.footer:
            out += f"<oddFooter>{text(setup.footer)}</oddFooter>"
        out += "</headerFooter>"
    return out
