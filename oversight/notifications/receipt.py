"""The receipt document (受領証) as a PDF: a pure function of the receipt's plain data, the same bytes every time.

Both sides keep it; the content hash printed on it lets anyone check later that the notification they hold is
the one that was received at that moment. It must look the same everywhere and show what was filed: its fonts
are TrueType, embedded as subsets (IPAexGothic, with Noto Sans CJK JP and DejaVu Sans for what IPAex lacks, such
as 𠮷), and a character no font covers is printed as its code point (〈U+1F363〉) — see `pdf_fonts`. Without
IPAexGothic (Debian `fonts-ipaexfont`) no receipt is printed: `render` raises `pdf_fonts.FontMissing`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from oversight.notifications import pdf_fonts
from oversight.notifications.pdf_fonts import FontMissing, Piece

__all__ = ["FontMissing", "bilingual", "draw", "render", "rows_from", "wrap"]

MARGIN = 20 * mm
LABEL_WIDTH = 58 * mm
LINE = 5.2 * mm
NOTATION_NOTE = ("〈U+…〉は、埋め込んだフォントのいずれにもない文字（又は目に見えない文字）を"
                 "符号位置で示したものです。",
                 "〈U+…〉 shows, by its code point, a character that none of the embedded fonts has (or an "
                 "invisible one).")


def _wrap(text: str, width: float, size: float) -> list[list[Piece]]:
    """Lines of `text` no wider than `width`: English breaks at a space, Japanese (no spaces) at any character."""
    lines: list[list[Piece]] = []
    for paragraph in str(text).splitlines() or [""]:
        line: list[Piece] = []
        used = 0.0
        for piece in pdf_fonts.pieces(paragraph):
            advance = piece.width(size)
            if used + advance <= width or not line:
                line.append(piece)
                used += advance
                continue
            cut = max((i for i, p in enumerate(line) if p.text == " "), default=-1)
            tail = line[cut + 1:]
            if piece.text.isascii() and not piece.text.isspace() and cut > 0 and all(p.text.isascii() for p in tail):
                lines.append(line[:cut])
                line = [*tail, piece]
            else:
                lines.append(line)
                line = [] if piece.text.isspace() else [piece]
            used = sum(p.width(size) for p in line)
        lines.append(line)
    return lines


def _draw(pdf, x: float, y: float, line: list[Piece], size: float) -> None:
    text = pdf.beginText(x, y)
    for font, part in pdf_fonts.runs(line):
        text.setFont(font, size)
        text.textOut(part)
    pdf.drawText(text)


def render(title: Sequence[str], rows: Sequence[tuple[str, str]], footer: Sequence[str],
           document_id: str) -> bytes:
    """A one-or-more-page A4 PDF: a bilingual title, label/value rows and a footer.

    rows: (label, value) pairs, already in the languages wanted ("受付番号 / Receipt no.", "R00001-000012").
    Raises FontMissing when IPAexGothic is not installed.
    """
    font = pdf_fonts.main_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=1, pageCompression=1, initialFontName=font)
    pdf.setTitle(" / ".join(title))
    pdf.setSubject(document_id)
    pdf.setCreator("oversight")
    width, height = A4
    y = height - MARGIN

    def new_page():
        nonlocal y
        pdf.showPage()
        y = height - MARGIN

    titles = [_wrap(line, width - 2 * MARGIN, 15) for line in title]
    for line in (wrapped for lines in titles for wrapped in lines):
        _draw(pdf, MARGIN, y, line, 15)
        y -= 7 * mm
    y -= 3 * mm
    pdf.setLineWidth(0.6)
    pdf.line(MARGIN, y + 2 * mm, width - MARGIN, y + 2 * mm)
    y -= 3 * mm
    value_width = width - 2 * MARGIN - LABEL_WIDTH
    noted = False
    for label, value in rows:
        labels = _wrap(label, LABEL_WIDTH - 3 * mm, 8.5)
        values = _wrap(value, value_width, 9.5)
        noted = noted or any(p.noted for line in values for p in line)
        needed = max(len(labels), len(values)) * LINE + 2 * mm
        if y - needed < MARGIN + 20 * mm:
            new_page()
        top = y
        for i, line in enumerate(labels):
            _draw(pdf, MARGIN, top - i * LINE, line, 8.5)
        for i, line in enumerate(values):
            _draw(pdf, MARGIN + LABEL_WIDTH, top - i * LINE, line, 9.5)
        y = top - needed
        pdf.setLineWidth(0.2)
        pdf.line(MARGIN, y + LINE - 1 * mm, width - MARGIN, y + LINE - 1 * mm)
    y -= 4 * mm
    for paragraph in [*footer, *(NOTATION_NOTE if noted else ())]:
        for line in _wrap(paragraph, width - 2 * MARGIN, 8):
            if y < MARGIN:
                new_page()
            _draw(pdf, MARGIN, y, line, 8)
            y -= 4.2 * mm
        y -= 1.5 * mm
    _draw(pdf, MARGIN, MARGIN / 2, pdf_fonts.pieces(document_id), 7)
    pdf.save()
    return buffer.getvalue()


def bilingual(ja: str, en: str) -> str:
    return f"{ja} / {en}" if en else ja


def rows_from(mapping: Mapping[str, tuple[str, str, str]]) -> list[tuple[str, str]]:
    """Rows from {key: (label_ja, label_en, value)} in insertion order."""
    return [(bilingual(ja, en), value) for ja, en, value in mapping.values()]


def wrap(text: str, width: float, size: float) -> list[list[Piece]]:
    """Lines of `text` no wider than `width` points at `size`, each character in the embedded font that prints it
    (other documents set in the receipt's fonts use this: the evidence pack's summary)."""
    return _wrap(text, width, size)


def draw(pdf, x: float, y: float, line: list[Piece], size: float) -> None:
    """Set one line from `wrap` at (x, y)."""
    _draw(pdf, x, y, line, size)
