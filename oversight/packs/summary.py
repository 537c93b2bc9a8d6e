"""The pack's summary as .docx and as PDF, from the sections' blocks (oversight.packs.document), Japanese first and
English second.

The .docx starts from the contract renderer's styled base document (contracts.docx_render: the East Asian font set
on the document defaults and the styles, so Japanese never falls back to a Western face). The PDF is set in the
receipt's fonts, embedded and subset (oversight.notifications.receipt and pdf_fonts: IPAexGothic, with Noto Sans
CJK and DejaVu Sans for what it lacks); without IPAexGothic the build fails saying which package to install.
"""

from __future__ import annotations

import io

from flask_babel import lazy_gettext as _l

from oversight.errors import Unavailable
from oversight.packs.document import Facts, Heading, Paragraph, Section, Table


def _title(about: dict) -> tuple[str, str]:
    period = f"{about['period']['from']} 〜 {about['period']['to']}"
    name = about["contractor"]["name"]
    return (f"監督証跡パック：{name}（{period}）", f"Supervision evidence pack: {name} ({period})")


def docx(document: list[Section], about: dict) -> bytes:
    """The summary as a Word document."""
    import docx as python_docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    from contracts.docx_render import EN_TEXT, HEADING, TEXT, TITLE, base_document

    out = python_docx.Document(io.BytesIO(base_document()))
    styles = {s.style_id: s for s in out.styles}

    def add(text: str, style_id: str, *, size: float | None = None, bold: bool = False):
        paragraph = out.add_paragraph(style=styles[style_id])
        run = paragraph.add_run(_xml_safe(text))
        run.bold = bold or None
        if size:
            run.font.size = Pt(size)
        return paragraph

    ja, en = _title(about)
    add(ja, TITLE)
    add(en, EN_TEXT).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for number, section in enumerate(document):
        head = f"{number}. " if number else ""
        add(f"{head}{section.ja}", HEADING, size=13)
        add(section.en, EN_TEXT, bold=True)
        for block in section.blocks:
            if isinstance(block, Heading):
                add(block.ja, HEADING, size=11 if block.level == 1 else 10.5)
                if block.en:
                    add(block.en, EN_TEXT, bold=True)
            elif isinstance(block, Paragraph):
                add(block.ja, TEXT)
                if block.en:
                    add(block.en, EN_TEXT)
            elif isinstance(block, Facts):
                grid = out.add_table(rows=len(block.rows), cols=2)
                grid.style = styles.get("TableGrid") or grid.style
                for row, (label_ja, label_en, value) in zip(grid.rows, block.rows, strict=True):
                    row.cells[0].text = _xml_safe(f"{label_ja}\n{label_en}" if label_en else label_ja)
                    row.cells[1].text = _xml_safe(value)
                    _small(row.cells, 9)
            elif isinstance(block, Table):
                grid = out.add_table(rows=1 + len(block.rows), cols=len(block.columns))
                grid.style = styles.get("TableGrid") or grid.style
                for cell, (col_ja, col_en) in zip(grid.rows[0].cells, block.columns, strict=True):
                    cell.text = _xml_safe(f"{col_ja}\n{col_en}" if col_en else col_ja)
                    for run in (r for p in cell.paragraphs for r in p.runs):
                        run.bold = True
                for row, values in zip(grid.rows[1:], block.rows, strict=True):
                    for cell, value in zip(row.cells, values, strict=True):
                        cell.text = _xml_safe(value)
                for row in grid.rows:
                    _small(row.cells, 8)
        if section.files:
            add(f"このセクションのファイル：{section.files}件", TEXT, size=9)
            add(f"Files in this section: {section.files}", EN_TEXT)
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def _small(cells, size: float) -> None:
    from docx.shared import Pt

    for cell in cells:
        for paragraph in cell.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(size)


def _xml_safe(text: str) -> str:
    from contracts.assembly import XML_INVALID

    return XML_INVALID.sub("", str(text))


def pdf(document: list[Section], about: dict) -> bytes:
    """The summary as an A4 PDF with its fonts embedded."""
    from oversight.notifications import receipt

    try:
        return _PdfLayout(receipt).render(document, about)
    except receipt.FontMissing as error:
        raise Unavailable(_l("The summary PDF cannot be printed: the server lacks its Japanese font (IPAexGothic, "
                             "Debian package fonts-ipaexfont). Ask the operator to install it, then retry the "
                             "job.")) from error


class _PdfLayout:
    """Sets blocks down A4 pages: headings, paragraphs, label/value rows and tables that wrap their cells."""

    def __init__(self, receipt):
        from reportlab.lib.pagesizes import A4
        from reportlab.lib.units import mm

        self.receipt, self.mm = receipt, mm
        self.width, self.height = A4
        self.margin = 18 * mm
        self.inner = self.width - 2 * self.margin
        self.page = 0

    def render(self, document: list[Section], about: dict) -> bytes:
        from reportlab.lib.pagesizes import A4
        from reportlab.pdfgen import canvas

        from oversight.notifications import pdf_fonts

        font = pdf_fonts.main_font()
        buffer = io.BytesIO()
        self.pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=font)
        ja, en = _title(about)
        self.pdf.setTitle(f"{ja} / {en}")
        self.pdf.setCreator("oversight")
        self.footer = f"oversight evidence pack {about['pack_id']} — {about['built_at']}"
        self._start_page()
        self._text(ja, 15, gap=1.5)
        self._text(en, 11, gap=3)
        for number, section in enumerate(document):
            head = f"{number}. " if number else ""
            self._rule()
            self._text(f"{head}{section.ja}", 13, keep=24)
            self._text(section.en, 10, gap=2)
            for block in section.blocks:
                if isinstance(block, Heading):
                    self._text(block.ja, 11 if block.level == 1 else 10.5, keep=20, gap=0.5)
                    if block.en:
                        self._text(block.en, 9, gap=1.5)
                elif isinstance(block, Paragraph):
                    self._text(block.ja, 9.5, gap=0.5)
                    if block.en:
                        self._text(block.en, 8.5, gap=2)
                elif isinstance(block, Facts):
                    self._table([(0.32, 0.68)], [(f"{a} / {b}" if b else a, v) for a, b, v in block.rows])
                elif isinstance(block, Table):
                    header = tuple(f"{a} / {b}" if b else a for a, b in block.columns)
                    self._table([block.relative_widths()], [header, *block.rows], header=True)
            if section.files:
                self._text(f"このセクションのファイル：{section.files}件 / Files in this section: {section.files}", 8,
                           gap=2)
        self._finish_page()
        self.pdf.save()
        return buffer.getvalue()

    def _start_page(self) -> None:
        self.page += 1
        self.y = self.height - self.margin

    def _finish_page(self) -> None:
        line = self.receipt.wrap(f"{self.footer} — p. {self.page}", self.inner, 7)[0]
        self.receipt.draw(self.pdf, self.margin, self.margin / 2, line, 7)

    def _room(self, needed: float) -> None:
        if self.y - needed < self.margin:
            self._finish_page()
            self.pdf.showPage()
            self._start_page()

    def _text(self, text: str, size: float, *, gap: float = 1.0, keep: float = 0) -> None:
        leading = size * 1.45
        lines = self.receipt.wrap(text, self.inner, size)
        self._room(leading + keep)
        for line in lines:
            self._room(leading)
            self.y -= leading
            self.receipt.draw(self.pdf, self.margin, self.y + size * 0.3, line, size)
        self.y -= gap * self.mm

    def _rule(self) -> None:
        self._room(10 * self.mm)
        self.y -= 2 * self.mm
        self.pdf.setLineWidth(0.6)
        self.pdf.line(self.margin, self.y, self.width - self.margin, self.y)
        self.y -= 1 * self.mm

    def _table(self, widths_list, rows, *, header: bool = False) -> None:
        widths = [w * self.inner for w in widths_list[0]]
        size, pad = 7.5, 1.2 * self.mm
        leading = size * 1.4
        for index, row in enumerate(rows):
            cells = [self.receipt.wrap(_cut(value), max(w - 2 * pad, 10), size) for value, w in zip(row, widths,
                                                                                               strict=True)]
            height = max(len(c) for c in cells) * leading + 2 * pad
            self._room(height)
            top = self.y
            if header and index == 0:
                self.pdf.setFillGray(0.9)
                self.pdf.rect(self.margin, top - height, self.inner, height, stroke=0, fill=1)
                self.pdf.setFillGray(0)
            x = self.margin
            for lines, w in zip(cells, widths, strict=True):
                for n, line in enumerate(lines):
                    self.receipt.draw(self.pdf, x + pad, top - pad - (n + 1) * leading + size * 0.35, line, size)
                x += w
            self.pdf.setLineWidth(0.25)
            self.pdf.rect(self.margin, top - height, self.inner, height, stroke=1, fill=0)
            x = self.margin
            for w in widths[:-1]:
                x += w
                self.pdf.line(x, top, x, top - height)
            self.y = top - height
        self.y -= 2.5 * self.mm


def _cut(value: str, limit: int = 600) -> str:
    """A table cell's text, shortened so one row never outgrows a page (the files in the pack hold it in full)."""
    return value if len(value) <= limit else value[:limit] + "…"
