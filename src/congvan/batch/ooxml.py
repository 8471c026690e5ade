"""A tiny OOXML writer for slim batch templates.

python-docx's default template carries ~790 KB of styles that every output then
repeats and docxtpl re-parses; writing the few parts a certificate needs by hand
keeps a template near 5 KB. Every run names Times New Roman explicitly (NĐ30
Phụ lục I), so the text looks the same whatever the reader's default font.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from xml.sax.saxutils import escape

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NAMESPACES = (
    f'xmlns:w="{W_NS}" xmlns:r="{R_NS}" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"'
)
FONT = "Times New Roman"
XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
RED = "C00000"
BLUE = "1F3864"

# A4 in twentieths of a point.
A4_SHORT, A4_LONG = 11906, 16838


def mm(value: float) -> int:
    """Millimetres to twips."""
    return round(value * 1440 / 25.4)


def run(
    text: str,
    *,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    color: str | None = None,
    underline: bool = False,
) -> str:
    """One run; *text* may hold Jinja tags, which stay inside this single run."""
    props = [f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}" w:eastAsia="{FONT}"/>']
    if bold:
        props.append("<w:b/><w:bCs/>")
    if italic:
        props.append("<w:i/><w:iCs/>")
    if color:
        props.append(f'<w:color w:val="{color}"/>')
    props.append(f'<w:sz w:val="{round(size * 2)}"/><w:szCs w:val="{round(size * 2)}"/>')
    if underline:
        props.append('<w:u w:val="single"/>')
    return f'<w:r><w:rPr>{"".join(props)}</w:rPr><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def para(
    *runs: str,
    align: str = "center",
    before: int = 0,
    after: int = 0,
    line: int = 240,
    indent_first: int = 0,
    indent_left: int = 0,
    indent_right: int = 0,
    rule_below: bool = False,
    keep_next: bool = False,
    break_before: bool = False,
) -> str:
    """A paragraph; spacing in twips, *line* in 240ths of a line (240 = single)."""
    props = []
    if keep_next:
        props.append("<w:keepNext/>")
    if break_before:
        props.append("<w:pageBreakBefore/>")
    if rule_below:
        props.append('<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>')
    props.append(f'<w:spacing w:before="{before}" w:after="{after}" w:line="{line}" w:lineRule="auto"/>')
    if indent_first or indent_left or indent_right:
        props.append(f'<w:ind w:left="{indent_left}" w:right="{indent_right}" w:firstLine="{indent_first}"/>')
    props.append(f'<w:jc w:val="{align}"/>')
    return f"<w:p><w:pPr>{''.join(props)}</w:pPr>{''.join(runs)}</w:p>"


def rule(line_width: int, container_width: int, after: int = 0) -> str:
    """A centred horizontal rule *line_width* twips long (the line under the motto)."""
    pad = max((container_width - line_width) // 2, 0)
    return (
        '<w:p><w:pPr><w:pBdr><w:top w:val="single" w:sz="6" w:space="1" w:color="000000"/>'
        f'</w:pBdr><w:spacing w:before="60" w:after="{after}" w:line="40" w:lineRule="exact"/>'
        f'<w:ind w:left="{pad}" w:right="{pad}"/><w:rPr><w:sz w:val="4"/></w:rPr></w:pPr></w:p>'
    )


def tag_para(tag: str) -> str:
    """A paragraph holding only a ``{%p ... %}`` tag (docxtpl removes the paragraph)."""
    return para(run(tag))


@dataclass
class Cell:
    paragraphs: list[str]
    width: int
    valign: str = "top"


def table(
    rows: Iterable[Iterable[Cell] | str],
    widths: list[int],
    *,
    borders: bool = False,
    header_rows: int = 0,
    align: str = "center",
) -> str:
    """A fixed-layout table; a ``str`` row is inserted verbatim (e.g. a ``{%tr %}`` row)."""
    kind = "single" if borders else "nil"
    sides = "".join(
        f'<w:{s} w:val="{kind}" w:sz="4" w:space="0" w:color="000000"/>'
        for s in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    props = (
        f'<w:tblPr><w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="{align}"/>'
        f'<w:tblBorders>{sides}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="85" w:type="dxa"/>'
        '<w:right w:w="85" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0000"/></w:tblPr>'
    )
    grid = "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
    body = []
    for index, row in enumerate(rows):
        if isinstance(row, str):
            body.append(row)
            continue
        body.append(table_row(row, header=index < header_rows))
    return f"<w:tbl>{props}{grid}{''.join(body)}</w:tbl>"


def table_row(cells: Iterable[Cell], *, header: bool = False) -> str:
    """One row; a header row repeats at the top of every page (``w:tblHeader``)."""
    tr_pr = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if header else "<w:trPr><w:cantSplit/></w:trPr>"
    out = [f"<w:tr>{tr_pr}"]
    for cell in cells:
        out.append(
            f'<w:tc><w:tcPr><w:tcW w:w="{cell.width}" w:type="dxa"/>'
            f'<w:vAlign w:val="{cell.valign}"/></w:tcPr>{"".join(cell.paragraphs)}</w:tc>'
        )
    out.append("</w:tr>")
    return "".join(out)


@dataclass
class Page:
    """Page set-up of the one section; margins in millimetres."""

    landscape: bool = False
    top: float = 20
    bottom: float = 20
    left: float = 30
    right: float = 15
    border: bool = False
    page_numbers: bool = False
    center: bool = False  # vertical centring, for certificates

    @property
    def width(self) -> int:
        return A4_LONG if self.landscape else A4_SHORT

    @property
    def height(self) -> int:
        return A4_SHORT if self.landscape else A4_LONG

    @property
    def text_width(self) -> int:
        return self.width - mm(self.left) - mm(self.right)

    def sect_pr(self) -> str:
        orient = ' w:orient="landscape"' if self.landscape else ""
        border = (
            '<w:pgBorders w:offsetFrom="page">'
            + "".join(
                f'<w:{s} w:val="thinThickSmallGap" w:sz="24" w:space="24" w:color="{RED}"/>'
                for s in ("top", "left", "bottom", "right")
            )
            + "</w:pgBorders>"
            if self.border
            else ""
        )
        header = '<w:headerReference w:type="default" r:id="rIdHeader1"/>'
        # Schema order: pgBorders, vAlign, titlePg, docGrid.
        title_pg = '<w:vAlign w:val="center"/>' if self.center else ""
        title_pg += "<w:titlePg/>" if self.page_numbers else ""
        return (
            f"<w:sectPr>{header}"
            f'<w:pgSz w:w="{self.width}" w:h="{self.height}"{orient}/>'
            f'<w:pgMar w:top="{mm(self.top)}" w:right="{mm(self.right)}" '
            f'w:bottom="{mm(self.bottom)}" '
            f'w:left="{mm(self.left)}" w:header="567" w:footer="567" w:gutter="0"/>'
            f'{border}{title_pg}<w:docGrid w:linePitch="360"/></w:sectPr>'
        )


def header_xml(page: Page) -> str:
    """The default header: page number top-centre (NĐ30), or one empty paragraph.

    It always exists so a background image (phôi) has a place that repeats on
    every page without being copied into each certificate's body.
    """
    if page.page_numbers:
        body = (
            '<w:p><w:pPr><w:jc w:val="center"/></w:pPr>'
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            + run("2", size=13)
            + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
        )
    else:
        body = '<w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr></w:p>'
    return f"{XML_DECL}<w:hdr {NAMESPACES}>{body}</w:hdr>"


def document_xml(body: str, page: Page) -> str:
    return f"{XML_DECL}<w:document {NAMESPACES}><w:body>{body}{page.sect_pr()}</w:body></w:document>"


_STYLES = f"""{XML_DECL}<w:styles xmlns:w="{W_NS}"><w:docDefaults><w:rPrDefault><w:rPr>
<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:cs="{FONT}" w:eastAsia="{FONT}"/>
<w:sz w:val="28"/><w:szCs w:val="28"/><w:lang w:val="vi-VN" w:eastAsia="en-US" w:bidi="ar-SA"/>
</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>
</w:pPr></w:pPrDefault></w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>
<w:qFormat/></w:style>
<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/>
<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/>
<w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>
</w:tblCellMar></w:tblPr></w:style></w:styles>"""

_SETTINGS = (
    f'{XML_DECL}<w:settings xmlns:w="{W_NS}"><w:defaultTabStop w:val="720"/>'
    '<w:characterSpacingControl w:val="doNotCompress"/><w:compat>'
    '<w:compatSetting w:name="compatibilityMode" '
    'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>'
)

_OFFICE = "application/vnd.openxmlformats-officedocument.wordprocessingml"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _content_types() -> str:
    defaults = {
        "rels": "application/vnd.openxmlformats-package.relationships+xml",
        "xml": "application/xml",
        "png": "image/png",
        "jpeg": "image/jpeg",
        "jpg": "image/jpeg",
    }
    overrides = {
        "/word/document.xml": f"{_OFFICE}.document.main+xml",
        "/word/styles.xml": f"{_OFFICE}.styles+xml",
        "/word/settings.xml": f"{_OFFICE}.settings+xml",
        "/word/header1.xml": f"{_OFFICE}.header+xml",
        "/docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
    }
    return (
        f'{XML_DECL}<Types xmlns="{_PKG}/content-types">'
        + "".join(f'<Default Extension="{e}" ContentType="{t}"/>' for e, t in defaults.items())
        + "".join(f'<Override PartName="{n}" ContentType="{t}"/>' for n, t in overrides.items())
        + "</Types>"
    )


def _rels(items: list[tuple[str, str, str]]) -> str:
    return (
        f'{XML_DECL}<Relationships xmlns="{_PKG}/relationships">'
        + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in items)
        + "</Relationships>"
    )


_ROOT_RELS = _rels(
    [
        ("rId1", f"{_REL}/officeDocument", "word/document.xml"),
        ("rId2", f"{_PKG}/relationships/metadata/core-properties", "docProps/core.xml"),
    ]
)
_DOC_RELS = _rels(
    [
        ("rIdStyles", f"{_REL}/styles", "styles.xml"),
        ("rIdSettings", f"{_REL}/settings", "settings.xml"),
        ("rIdHeader1", f"{_REL}/header", "header1.xml"),
    ]
)


def _core(title: str) -> str:
    return (
        f'{XML_DECL}<cp:coreProperties xmlns:cp="{_PKG}/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>{escape(title)}</dc:title><dc:creator>congvan</dc:creator></cp:coreProperties>"
    )


def package_parts(body: str, page: Page, title: str) -> dict[str, bytes]:
    """All parts of a minimal .docx, [Content_Types].xml first as Word expects."""
    parts = {
        "[Content_Types].xml": _content_types(),
        "_rels/.rels": _ROOT_RELS,
        "docProps/core.xml": _core(title),
        "word/document.xml": document_xml(body, page),
        "word/_rels/document.xml.rels": _DOC_RELS,
        "word/styles.xml": _STYLES,
        "word/settings.xml": _SETTINGS,
        "word/header1.xml": header_xml(page),
    }
    return {name: text.encode("utf-8") for name, text in parts.items()}
