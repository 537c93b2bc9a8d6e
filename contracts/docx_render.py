"""Render an assembled contract (`assembly.Document`) as .docx. The only module that imports python-docx.

Fonts. python-docx's `font.name` sets only the Latin faces (w:ascii, w:hAnsi); Japanese text takes the
East Asian face (w:eastAsia), which would otherwise come from the template's theme and fall back to
whatever the reader has. So the base document sets w:eastAsia on the document defaults and on every
style it defines, and drops the theme-font attributes that would override them:

- body: EAST_ASIAN_FONT (游明朝 / Yu Mincho), headings: EAST_ASIAN_HEADING_FONT (游ゴシック / Yu Gothic),
  Latin text: LATIN_FONT (Times New Roman); the language is marked ja-JP (w:lang w:eastAsia).
- fallback: word/fontTable.xml describes both Japanese faces with their English alt names, the Shift-JIS
  charset (0x80) and PANOSE numbers, so Word without Yu fonts (older Windows) substitutes another
  Japanese Mincho/Gothic (MS 明朝 / MS ゴシック) instead of a Western face; LibreOffice substitutes through
  its replacement table and fontconfig's `:lang=ja` match — IPAex明朝/IPAexゴシック or Noto CJK on the
  Debian machines (package fonts-ipaexfont). Change the three constants to use other faces.

Escaping. Text goes into runs through python-docx/lxml, which escape &, < and >. Characters XML 1.0
cannot carry at all (C0 controls such as \\x01) are removed before they reach lxml, which would otherwise
refuse them (or, written by other means, make the file unreadable).

Signature block. Full width below the text in every layout — in the two-column layout too, where an 83 mm
cell less an indent left room for three characters a line — indented SIGNATURE_INDENT_CHARS characters, so a
line holds 34 characters of 10.5 pt. Each line keeps with the next (and the closing words, or the translation
note, keep with the block), so the date and both parties' lines stand on one page.

Speed. The styled base document is built once per process and kept as bytes; each contract opens a copy
and appends paragraphs with their style id set directly (python-docx's style-by-object lookup scans the
styles for every paragraph).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import cache

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph as DocxParagraph
from lxml import etree

from contracts.assembly import XML_INVALID, Document

EAST_ASIAN_FONT = "游明朝"
EAST_ASIAN_HEADING_FONT = "游ゴシック"
LATIN_FONT = "Times New Roman"
_FONT_TABLE_ENTRIES = (
    # name, alt name, PANOSE, family
    ("游明朝", "Yu Mincho", "02020400000000000000", "roman"),
    ("游ゴシック", "Yu Gothic", "020B0400000000000000", "swiss"),
)

SIGNATURE_INDENT_CHARS = 10  # leaves 34 characters of 10.5 pt for an address or a name on A4 with 22 mm margins

_P, _PPR, _PSTYLE, _VAL, _R, _T = qn("w:p"), qn("w:pPr"), qn("w:pStyle"), qn("w:val"), qn("w:r"), qn("w:t")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# style ids (names without spaces, as Word writes them)
TITLE, HEADING, TEXT, ITEM, EN_HEADING, EN_TEXT, EN_ITEM, SIGNATURE, NOTE = (
    "ContractTitle", "ArticleHeading", "ClauseText", "ClauseItem", "ArticleHeadingEn", "ClauseTextEn",
    "ClauseItemEn", "Signature", "TranslationNote")


def _set_fonts(rpr, east_asian: str) -> None:
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for theme_attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme_attr), None)
    rfonts.set(qn("w:ascii"), LATIN_FONT)
    rfonts.set(qn("w:hAnsi"), LATIN_FONT)
    rfonts.set(qn("w:eastAsia"), east_asian)
    rfonts.set(qn("w:cs"), LATIN_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "ja-JP")


def _add_style(document, style_id: str, name: str, *, size: float, east_asian: str = EAST_ASIAN_FONT,
               bold: bool = False, left: float = 0, first: float = 0, before: float = 0, after: float = 0,
               align=None, keep_next: bool = False, outline: int | None = None, italic: bool = False):
    style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    style.element.set(qn("w:styleId"), style_id)
    style.base_style = document.styles["Normal"]
    style.quick_style = True
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    font.italic = italic
    _set_fonts(style.element.get_or_add_rPr(), east_asian)
    fmt = style.paragraph_format
    fmt.left_indent = Pt(left)
    fmt.first_line_indent = Pt(first)
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.keep_with_next = keep_next
    if align is not None:
        fmt.alignment = align
    if outline is not None:
        ppr = style.element.get_or_add_pPr()
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), str(outline))
        ppr.append(level)
    return style


def _fix_font_table(document) -> None:
    part = document.part.part_related_by(RT.FONT_TABLE)
    root = parse_xml(part.blob)
    for name, alt, panose, family in _FONT_TABLE_ENTRIES:
        root.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
            f'<w:panose1 w:val="{panose}"/><w:charset w:val="80"/><w:family w:val="{family}"/>'
            '<w:pitch w:val="variable"/></w:font>'))
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_number_footer(section) -> None:
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph._p.append(parse_xml(
        f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))


@cache
def base_document() -> bytes:
    """The styled, empty A4 document every contract starts from (built once per process)."""
    document = docx.Document()
    defaults = document.styles.element.find(qn("w:docDefaults"))
    _set_fonts(defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")), EAST_ASIAN_FONT)
    normal = document.styles["Normal"]
    normal.font.size = Pt(10.5)
    _set_fonts(normal.element.get_or_add_rPr(), EAST_ASIAN_FONT)
    normal.paragraph_format.space_after = Pt(2)
    normal.paragraph_format.line_spacing = 1.25
    char = 10.5
    _add_style(document, TITLE, "Contract Title", size=16, east_asian=EAST_ASIAN_HEADING_FONT, bold=True,
               after=12, align=WD_ALIGN_PARAGRAPH.CENTER, outline=0)
    _add_style(document, HEADING, "Article Heading", size=10.5, east_asian=EAST_ASIAN_HEADING_FONT, bold=True,
               before=8, keep_next=True, outline=1)
    _add_style(document, TEXT, "Clause Text", size=10.5, left=char, first=-char, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _add_style(document, ITEM, "Clause Item", size=10.5, left=3 * char, first=-2 * char,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    _add_style(document, EN_HEADING, "Article Heading (English)", size=9.5, bold=True, italic=True, before=4,
               keep_next=True)
    _add_style(document, EN_TEXT, "Clause Text (English)", size=9.5, left=char, first=-char)
    _add_style(document, EN_ITEM, "Clause Item (English)", size=9.5, left=3 * char, first=-2 * char)
    _add_style(document, SIGNATURE, "Signature Block", size=10.5, left=SIGNATURE_INDENT_CHARS * char, before=2,
               keep_next=True)
    _add_style(document, NOTE, "Translation Note", size=9, italic=True, before=6, after=6)
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin = section.right_margin = Mm(22)
    _page_number_footer(section)
    _fix_font_table(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


class _Writer:
    """Appends styled paragraphs to a body or a table cell.

    Each paragraph is built as <w:p><w:pPr><w:pStyle/></w:pPr><w:r><w:t/></w:r></w:p> directly: python-docx's
    `add_paragraph` looks for the closing sectPr by scanning the body for every new paragraph (quadratic
    in the document's length) and orders pPr children generically; here the sectPr is found once.
    """

    def __init__(self, container):
        self.container = container
        self.element = container._element
        self.first = None
        self.in_cell = False
        self.sect_pr = self.element.find(qn("w:sectPr"))

    def add(self, text: str, style_id: str, *, align=None) -> DocxParagraph:
        text = XML_INVALID.sub("", text)
        if self.first is not None:  # a new table cell already holds one empty paragraph
            paragraph, self.first = self.first, None
            paragraph._p.style = style_id
            if text:
                paragraph.add_run(text)
        else:
            # created inside the document (not moved in from another one, which leaks lxml dictionaries)
            p = etree.SubElement(self.element, _P)
            if self.sect_pr is not None:
                self.sect_pr.addprevious(p)
            ppr = etree.SubElement(p, _PPR)
            etree.SubElement(ppr, _PSTYLE).set(_VAL, style_id)
            paragraph = DocxParagraph(p, self.container)
            if text:
                if "\t" in text or "\n" in text:
                    paragraph.add_run(text)
                else:
                    t = etree.SubElement(etree.SubElement(p, _R), _T)
                    t.text = text
                    if text != text.strip():
                        t.set(_XML_SPACE, "preserve")
        if align is not None:
            paragraph.alignment = align
        return paragraph


def _marked(marker: str, text: str, sep: str) -> str:
    return f"{marker}{sep}{text}" if marker else text


def _write_article(w: _Writer, article, lang: str) -> None:
    english = lang == "en"
    heading = w.add(article.heading.get(lang), EN_HEADING if english else HEADING)
    if w.in_cell:  # LibreOffice keeps a whole table row with the next one when a cell paragraph says so
        heading.paragraph_format.keep_with_next = False
    sep = " " if english else "\u3000"
    for paragraph in article.paragraphs:
        w.add(_marked(paragraph.marker.get(lang), paragraph.text.get(lang), sep), EN_TEXT if english else TEXT)
        for item in paragraph.items:
            w.add(_marked(item.marker.get(lang), item.text.get(lang), sep), EN_ITEM if english else ITEM)


def _write_front(w: _Writer, doc: Document, lang: str) -> None:
    for block in doc.preamble:
        w.add(block.get(lang), EN_TEXT if lang == "en" else TEXT)


def _write_signatures(w: _Writer, doc: Document, langs: tuple[str, ...]) -> None:
    """The date and each party's lines, full width, in each language; kept on one page (each line keeps with the
    next, the last one ends the chain)."""
    last = None
    for lang in langs:
        date = w.add(doc.date_text.get(lang), SIGNATURE)
        if last is not None:  # the second language's block starts apart from the first
            date.paragraph_format.space_before = Pt(14)
        last = date
        for party in doc.parties:
            if lang == "ja":
                w.add(f"{party.role.ja}\u3000{party.address}", SIGNATURE)
                w.add(f"\u3000\u3000{party.name}", SIGNATURE)
                last = w.add(f"\u3000\u3000{party.representative}\u3000\u3000\u3000\u3000印", SIGNATURE)
            else:
                w.add(f"{party.role.en}: {party.name}", SIGNATURE)
                w.add(f"Address: {party.address}", SIGNATURE)
                last = w.add(f"By: {party.representative}    Signature: ________________", SIGNATURE)
    last.paragraph_format.keep_with_next = False


def render_docx(doc: Document) -> bytes:
    """The contract as .docx bytes: title, preamble, numbered articles, closing and signature block."""
    document = docx.Document(io.BytesIO(base_document()))
    props = document.core_properties
    props.title = doc.title.ja if doc.language != "en" else doc.title.en
    props.subject = doc.template_id
    props.comments = f"oversight clause library {doc.library_version}; template {doc.template_id} " \
                     f"{doc.template_version}"
    props.author = "oversight"
    props.created = props.modified = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    body = _Writer(document._body)
    langs = {"ja": ("ja",), "en": ("en",), "bilingual": ("ja", "en")}[doc.language]
    if doc.language == "bilingual" and doc.layout == "columns":
        _render_columns(document, body, doc)
    else:
        for lang in langs:
            body.add(doc.title.get(lang), TITLE)
        for lang in langs:
            _write_front(body, doc, lang)
        if doc.translation_note:
            body.add(f"{doc.translation_note.ja} {doc.translation_note.en}", NOTE)
        for article in doc.articles:
            for lang in langs:
                _write_article(body, article, lang)
        for lang in langs:  # the closing words stay with the signatures: no signature page without text
            body.add(doc.closing.get(lang), EN_TEXT if lang == "en" else TEXT).paragraph_format.keep_with_next = True
        _write_signatures(body, doc, langs)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _render_columns(document, body: _Writer, doc: Document) -> None:
    body.add(doc.title.ja, TITLE)
    body.add(doc.title.en, TITLE)
    table = document.add_table(rows=0, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False

    def row(write_ja, write_en) -> None:
        cells = table.add_row().cells
        for cell, write in ((cells[0], write_ja), (cells[1], write_en)):
            cell.width = Mm(83)
            writer = _Writer(cell)
            writer.first = cell.paragraphs[0]
            writer.in_cell = True
            write(writer)

    row(lambda w: _write_front(w, doc, "ja"), lambda w: _write_front(w, doc, "en"))
    for article in doc.articles:
        row(lambda w, a=article: _write_article(w, a, "ja"), lambda w, a=article: _write_article(w, a, "en"))
    row(lambda w: w.add(doc.closing.ja, TEXT), lambda w: w.add(doc.closing.en, EN_TEXT))
    if doc.translation_note:
        body.add(f"{doc.translation_note.ja} {doc.translation_note.en}", NOTE).paragraph_format.keep_with_next = True
    # Below the columns, full width: a signature line in an 83 mm cell leaves no room for a name.
    _write_signatures(body, doc, ("ja", "en"))
