"""A native bar chart for a generated sheet: the drawing part and the chart part.

Finance wants the grade distribution as a chart that Excel and LibreOffice draw
themselves, not a picture, so the chart references the sheet's cells and carries
their values as caches (readers that do not calculate still show the bars).

Only what the reconciliation tab needs: one clustered column chart with one
series, anchored between two cells. The parts are rendered as text, like the
worksheet XML in ``sheet_xml``; the editor wires them up (sheet → drawing →
chart relationships and content types).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import WorkbookError
from .refs import parse_cell, parse_range
from .values import number_text
from .xml import attr, text

REL_DRAWING = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing"
REL_CHART = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"
CT_DRAWING = "application/vnd.openxmlformats-officedocument.drawing+xml"
CT_CHART = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
_XDR = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class BarChart:
    """One column chart: ``categories`` and ``values`` are absolute, sheet-qualified
    ranges (``'对账'!$A$5:$A$9``) with the values they hold now as caches."""

    title: str
    series_name: str
    categories: str
    values: str
    category_cache: tuple[str, ...]
    value_cache: tuple[float, ...]
    top_left: str  # anchor cells, e.g. "H3" and "O18"
    bottom_right: str

    def __post_init__(self) -> None:
        if len(self.category_cache) != len(self.value_cache):
            raise WorkbookError(f"chart {self.title!r}: {len(self.category_cache)} categories "
                                f"but {len(self.value_cache)} values")
        for ref in (self.categories, self.values):
            if "!" not in ref:
                raise WorkbookError(f"chart range {ref!r} must name its sheet")
            parse_range(ref.rsplit("!", 1)[1].replace("$", ""))
        (r1, c1), (r2, c2) = parse_cell(self.top_left), parse_cell(self.bottom_right)
        if r2 <= r1 or c2 <= c1:
            raise WorkbookError(f"chart {self.title!r}: {self.bottom_right} is not below and "
                                f"right of {self.top_left}")


def _marker(tag: str, ref: str) -> str:
    row, col = parse_cell(ref)
    return (f"<xdr:{tag}><xdr:col>{col - 1}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{row - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:{tag}>")


def drawing_xml(charts: list[BarChart]) -> bytes:
    """The drawing part: one anchored graphic frame per chart, chart i is rId{i+1}."""
    frames = []
    for i, chart in enumerate(charts, start=1):
        frames.append(
            f'<xdr:twoCellAnchor editAs="oneCell">{_marker("from", chart.top_left)}'
            f'{_marker("to", chart.bottom_right)}'
            f'<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
            f'<xdr:cNvPr id="{i + 1}" name={attr("Chart " + str(i))}/><xdr:cNvGraphicFramePr/>'
            f'</xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm>'
            f'<a:graphic><a:graphicData uri="{_C}"><c:chart r:id="rId{i}"/></a:graphicData>'
            f'</a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<xdr:wsDr xmlns:xdr="{_XDR}" xmlns:a="{_A}" xmlns:c="{_C}" xmlns:r="{_R}">'
            + "".join(frames) + "</xdr:wsDr>").encode("utf-8")


def _rich(title: str) -> str:
    return (f"<c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>{text(title)}</a:t></a:r></a:p>"
            f"</c:rich></c:tx><c:overlay val=\"0\"/></c:title>")


def _str_cache(values: tuple[str, ...]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{text(v)}</c:v></c:pt>' for i, v in enumerate(values))
    return f'<c:strCache><c:ptCount val="{len(values)}"/>{points}</c:strCache>'


def _num_cache(values: tuple[float, ...]) -> str:
    points = "".join(f'<c:pt idx="{i}"><c:v>{number_text(v)}</c:v></c:pt>'
                     for i, v in enumerate(values))
    return (f'<c:numCache><c:formatCode>General</c:formatCode><c:ptCount val="{len(values)}"/>'
            f"{points}</c:numCache>")


def chart_xml(chart: BarChart) -> bytes:
    """The chart part of one column chart with one series."""
    series = (f'<c:ser><c:idx val="0"/><c:order val="0"/>'
              f"<c:tx><c:v>{text(chart.series_name)}</c:v></c:tx>"
              f'<c:spPr><a:solidFill><a:srgbClr val="4472C4"/></a:solidFill></c:spPr>'
              f'<c:invertIfNegative val="0"/>'
              f"<c:cat><c:strRef><c:f>{text(chart.categories)}</c:f>{_str_cache(chart.category_cache)}"
              f"</c:strRef></c:cat>"
              f"<c:val><c:numRef><c:f>{text(chart.values)}</c:f>{_num_cache(chart.value_cache)}"
              f"</c:numRef></c:val></c:ser>")
    axes = ('<c:catAx><c:axId val="10"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/>'
            '<c:tickLblPos val="nextTo"/><c:crossAx val="20"/><c:crosses val="autoZero"/>'
            '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/></c:catAx>'
            '<c:valAx><c:axId val="20"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            '<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>'
            '<c:numFmt formatCode="General" sourceLinked="0"/><c:tickLblPos val="nextTo"/>'
            '<c:crossAx val="10"/><c:crosses val="autoZero"/><c:crossBetween val="between"/></c:valAx>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<c:chartSpace xmlns:c="{_C}" xmlns:a="{_A}" xmlns:r="{_R}">'
            f'<c:roundedCorners val="0"/><c:chart>{_rich(chart.title)}<c:autoTitleDeleted val="0"/>'
            f'<c:plotArea><c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/>'
            f'<c:varyColors val="0"/>{series}<c:gapWidth val="80"/>'
            f'<c:axId val="10"/><c:axId val="20"/></c:barChart>{axes}</c:plotArea>'
            f'<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart></c:chartSpace>'
            ).encode("utf-8")


def rels_xml(targets: list[tuple[str, str]]) -> bytes:
    """A relationships part: (type, target) pairs numbered rId1, rId2, ..."""
    body = "".join(f'<Relationship Id="rId{i}" Type="{kind}" Target={attr(target)}/>'
                   for i, (kind, target) in enumerate(targets, start=1))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + body + "</Relationships>").encode("utf-8")
