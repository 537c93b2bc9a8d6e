"""The signature block of every template × language × layout has room for a name and stays whole on one page.

The geometry is read from the generated .docx (page width, margins, table cells, the Signature style's indents,
in twips); LibreOffice then lays the documents out and pdftotext shows the block's lines on one page.
"""

from __future__ import annotations

import io

import docx
import pytest
from docx.shared import Length, Twips
from docx.table import _Cell

from contracts.assembly import assemble
from contracts.docx_render import SIGNATURE, render_docx
from tests.contracts.conftest import base_request
from tests.contracts.office import convert_to_pdf, office_tools, pdf_pages

NAME_ROOM_CHARS = 30  # a company name or an address of 30 full-width characters fits on one signature line
WORD_CELL_MARGIN = Twips(108)  # Word's default left and right cell margin when a table sets none
COMBINATIONS = [(template, language, layout) for template in ("full", "memorandum", "subcontract")
                for language, layout in (("ja", "stacked"), ("en", "stacked"), ("bilingual", "stacked"),
                                         ("bilingual", "columns"))]


def _request(template: str, language: str, layout: str, description: str = "顧客管理システムの運用保守") -> dict:
    params = {"consignor_representative": "代表取締役 桜井花子", "contractor_representative": "代表取締役 東都太郎",
              "service_description": description}
    if template == "memorandum":
        params["base_agreement"] = "2024年4月1日付け業務委託基本契約"
    if template == "subcontract":
        params["original_consignor_name"] = "さくらホールディングス株式会社"
    return base_request(template=template, language=language, layout=layout, params=params)


def _render(*combination, **changes) -> bytes:
    return render_docx(assemble(_request(*combination, **changes)))


def _effective(paragraph, name: str):
    """A paragraph-format property as Word resolves it: the paragraph's own, else its style's and their bases'."""
    value = getattr(paragraph.paragraph_format, name)
    style = paragraph.style
    while value is None and style is not None:
        value = getattr(style.paragraph_format, name)
        style = style.base_style
    return value


def _room(document, paragraph) -> int:
    """Twips a signature line has for its text: its container's width less the paragraph's indents."""
    section = document.sections[-1]
    width = section.page_width - section.left_margin - section.right_margin
    if isinstance(paragraph._parent, _Cell):
        width = min(width, paragraph._parent.width - 2 * WORD_CELL_MARGIN)
    first = _effective(paragraph, "first_line_indent") or 0
    width -= (_effective(paragraph, "left_indent") or 0) + (_effective(paragraph, "right_indent") or 0) + max(first, 0)
    return Length(width).twips


def _signature_lines(document) -> list:
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    return [p for p in paragraphs if p.style.style_id == SIGNATURE]


@pytest.mark.parametrize(("template", "language", "layout"), COMBINATIONS)
def test_each_signature_line_has_room_for_a_name_and_the_block_keeps_together(template, language, layout):
    document = docx.Document(io.BytesIO(_render(template, language, layout)))
    lines = _signature_lines(document)
    assert len(lines) == (14 if language == "bilingual" else 7)  # date, and three lines for each party
    for line in lines:
        room = _room(document, line)
        assert room >= NAME_ROOM_CHARS * _effective_size(line).twips, (line.text, room)
        assert not isinstance(line._parent, _Cell)  # full width, below any two-column table
    body = [p._p for p in document.paragraphs]
    positions = [body.index(line._p) for line in lines]
    assert positions == list(range(positions[0], positions[0] + len(lines)))  # one block, nothing in between
    assert [bool(_effective(line, "keep_with_next")) for line in lines] == [True] * (len(lines) - 1) + [False]
    before = document.paragraphs[positions[0] - 1]
    assert _effective(before, "keep_with_next")  # the closing words (or the translation note) come along


def _effective_size(paragraph):
    style = paragraph.style
    while style.font.size is None:
        style = style.base_style
    return style.font.size


def test_libreoffice_lays_every_signature_block_out_on_one_page(tmp_path):
    soffice, pdftotext = office_tools()
    documents = {}
    for combination in COMBINATIONS:
        documents["-".join(combination)] = _render(*combination)
    # The same two-column contract with its block starting at different heights of the page: some would straddle
    # a page break if the block did not keep together.
    for extra in (2, 4, 6):
        description = "顧客管理システムの運用保守" + "及びこれに付随する問合せ対応、帳票の印刷・発送" * extra
        documents[f"columns-longer-{extra}"] = _render("full", "bilingual", "columns", description=description)
    paths = []
    for name, data in documents.items():
        path = tmp_path / f"{name}.docx"
        path.write_bytes(data)
        paths.append(path)
    convert_to_pdf(soffice, tmp_path, *paths)

    for name, data in documents.items():
        lines = ["".join(p.text.split()) for p in _signature_lines(docx.Document(io.BytesIO(data)))]
        pages = pdf_pages(pdftotext, tmp_path / f"{name}.pdf")
        last = next(page for page in pages if lines[-1] in page)  # the last line names a representative: unique
        assert [line for line in lines if line not in last] == [], f"{name}: the signature block is split"
