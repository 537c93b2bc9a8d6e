"""The receipt document (受領証) as a PDF: a pure function of the receipt's plain data, the same bytes every time.

Both sides keep it; the content hash printed on it lets anyone check later that the notification they hold is
the one that was received at that moment. The font is ReportLab's built-in Japanese CID font, so nothing has
to be installed and the document carries no font file.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "HeiseiKakuGo-W5"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))

MARGIN = 20 * mm
LABEL_WIDTH = 58 * mm
LINE = 5.2 * mm


def _wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of `text` no wider than `width`: English breaks at a space, Japanese (no spaces) at any character."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line = ""
        for char in paragraph:
            if pdfmetrics.stringWidth(line + char, FONT, size) <= width:
                line += char
                continue
            cut = line.rfind(" ")
            if char.isascii() and not char.isspace() and cut > 0 and line[cut + 1:].isascii():
                lines.append(line[:cut])
                line = line[cut + 1:] + char
            else:
                lines.append(line)
                line = char.lstrip()
        lines.append(line)
    return lines


def render(title: Sequence[str], rows: Sequence[tuple[str, str]], footer: Sequence[str],
           document_id: str) -> bytes:
    """A one-or-more-page A4 PDF: a bilingual title, label/value rows and a footer.

    rows: (label, value) pairs, already in the languages wanted ("受付番号 / Receipt no.", "R00001-000012").
    """
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1)
    pdf.setTitle(" / ".join(title))
    pdf.setSubject(document_id)
    pdf.setCreator("oversight")
    width, height = A4
    y = height - MARGIN

    def new_page():
        nonlocal y
        pdf.showPage()
        y = height - MARGIN

    pdf.setFont(FONT, 15)
    for line in title:
        pdf.drawString(MARGIN, y, line)
        y -= 7 * mm
    y -= 3 * mm
    pdf.setLineWidth(0.6)
    pdf.line(MARGIN, y + 2 * mm, width - MARGIN, y + 2 * mm)
    y -= 3 * mm
    value_width = width - 2 * MARGIN - LABEL_WIDTH
    for label, value in rows:
        labels = _wrap(label, LABEL_WIDTH - 3 * mm, 8.5)
        values = _wrap(value, value_width, 9.5)
        needed = max(len(labels), len(values)) * LINE + 2 * mm
        if y - needed < MARGIN + 20 * mm:
            new_page()
        top = y
        pdf.setFont(FONT, 8.5)
        for i, line in enumerate(labels):
            pdf.drawString(MARGIN, top - i * LINE, line)
        pdf.setFont(FONT, 9.5)
        for i, line in enumerate(values):
            pdf.drawString(MARGIN + LABEL_WIDTH, top - i * LINE, line)
        y = top - needed
        pdf.setLineWidth(0.2)
        pdf.line(MARGIN, y + LINE - 1 * mm, width - MARGIN, y + LINE - 1 * mm)
    y -= 4 * mm
    pdf.setFont(FONT, 8)
    for paragraph in footer:
        for line in _wrap(paragraph, width - 2 * MARGIN, 8):
            if y < MARGIN:
                new_page()
                pdf.setFont(FONT, 8)
            pdf.drawString(MARGIN, y, line)
            y -= 4.2 * mm
        y -= 1.5 * mm
    pdf.setFont(FONT, 7)
    pdf.drawString(MARGIN, MARGIN / 2, document_id)
    pdf.save()
    return buffer.getvalue()


def bilingual(ja: str, en: str) -> str:
    return f"{ja} / {en}" if en else ja


def rows_from(mapping: Mapping[str, tuple[str, str, str]]) -> list[tuple[str, str]]:
    """Rows from {key: (label_ja, label_en, value)} in insertion order."""
    return [(bilingual(ja, en), value) for ja, en, value in mapping.values()]
