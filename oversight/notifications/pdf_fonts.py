"""Fonts for printed proofs: every character set in an embedded, subset TrueType font, or shown by its code point.

A receipt must look the same on every reader and show exactly what was filed, so nothing relies on the reader's
fonts (ReportLab's built-in CID fonts are not embedded and stop at the Basic Multilingual Plane). Each character
goes to the first of:

1. IPAexGothic (Debian `fonts-ipaexfont`; required — `FontMissing` without it): JIS X 0208 and more, not 𠮷;
2. Noto Sans CJK JP (Debian `fonts-noto-cjk`, optional): the CJK characters IPAex lacks (𠮷 U+20BB7 and the
   other JIS X 0213 / Extension B characters). Its outlines are CFF, which ReportLab cannot embed, so the glyphs
   of each 256-code-point block are converted to TrueType with fontTools on first use (cached per process);
3. DejaVu Sans (Debian `fonts-dejavu-core`, optional): symbols and the emoticons U+1F600–1F64F;
4. none: the character is printed as 〈U+1F363〉 in the main font — never dropped, never a wrong glyph. So are
   invisible characters (controls, format characters such as ZWJ or variation selectors, private use): a proof
   shows that they are there.

ReportLab embeds each TrueType font as subsets of the glyphs used. It writes the ToUnicode map of a character
outside the BMP as a bare five-digit code, which readers take for a different (BMP) character; `_EmbeddedFont`
rewrites those entries as UTF-16 so that copying or extracting the text gives back what was filed.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

MAIN_FONT = "IPAexGothic"
MAIN_FONT_FILES = ("/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
                   "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf")
CJK_FALLBACK_FILES = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",)
CJK_FALLBACK_FAMILY = "Noto Sans CJK JP"
SYMBOL_FALLBACK = "DejaVuSans"
SYMBOL_FALLBACK_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",)
INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cn", "Cs"})
_UNICODE_ENTRY = re.compile(r"<([0-9A-F]{2})> <([0-9A-F]{5,6})>")
_lock = threading.Lock()


class FontMissing(RuntimeError):
    """The main Japanese font is not installed, so no receipt can be printed."""

    def __init__(self):
        super().__init__("IPAexGothic is not installed (looked for " + ", ".join(MAIN_FONT_FILES)
                         + "); on Debian: apt-get install fonts-ipaexfont")


class _EmbeddedFont(TTFont):
    """A TrueType font whose ToUnicode maps give characters beyond the BMP as UTF-16 (surrogate pairs)."""

    def addObjects(self, doc):
        state = self.state.get(doc)
        names = [self.getSubsetInternalName(n, doc)[1:] for n in range(len(state.subsets))] if state else []
        super().addObjects(doc)
        fonts = doc.idToObject["BasicFonts"].dict
        for name in names:
            stream = doc.idToObject[fonts[name].ToUnicode.name]
            stream.content = _UNICODE_ENTRY.sub(
                lambda m: f"<{m[1]}> <{chr(int(m[2], 16)).encode('utf-16-be').hex().upper()}>", stream.content)


def _first_file(paths) -> str | None:
    return next((p for p in paths if Path(p).is_file()), None)


@cache
def _codes(font_name: str) -> frozenset[int]:
    return frozenset(pdfmetrics.getFont(font_name).face.charToGlyph)


def main_font() -> str:
    """The registered name of the main font; FontMissing if IPAexGothic is not installed."""
    with _lock:
        if MAIN_FONT not in pdfmetrics.getRegisteredFontNames():
            path = _first_file(MAIN_FONT_FILES)
            if path is None:
                raise FontMissing()
            pdfmetrics.registerFont(_EmbeddedFont(MAIN_FONT, path))
    return MAIN_FONT


@cache
def _symbol_font() -> str | None:
    path = _first_file(SYMBOL_FALLBACK_FILES)
    if path is None:
        return None
    with _lock:
        pdfmetrics.registerFont(_EmbeddedFont(SYMBOL_FALLBACK, path))
    return SYMBOL_FALLBACK


@cache
def _cjk_source() -> tuple[str, int, frozenset[int]] | None:
    """(file, index in the collection, code points) of Noto Sans CJK JP, if installed."""
    from fontTools.ttLib import TTCollection

    path = _first_file(CJK_FALLBACK_FILES)
    if path is None:
        return None
    with TTCollection(path, lazy=True) as collection:
        for index, face in enumerate(collection.fonts):
            if face["name"].getDebugName(1) == CJK_FALLBACK_FAMILY:
                return path, index, frozenset(face.getBestCmap())
    return None


@cache
def _cjk_block_font(block: int) -> str | None:
    """A TrueType font of the Noto glyphs in code points block*256 … block*256+255 that IPAex lacks, registered."""
    source = _cjk_source()
    if source is None:
        return None
    path, index, codes = source
    wanted = [c for c in range(block * 256, block * 256 + 256) if c in codes and c not in _codes(main_font())]
    if not wanted:
        return None
    name = f"NotoSansCJKjp-Regular-B{block:04X}"
    data = _to_truetype(path, index, wanted, name)
    with _lock:
        pdfmetrics.registerFont(_EmbeddedFont(name, io.BytesIO(data)))
    return name


def _to_truetype(path: str, index: int, codes: list[int], name: str) -> bytes:
    """The glyphs of `codes` from a CFF-flavoured OpenType font, as a TrueType font named `name`."""
    from fontTools.ttLib import TTFont as FontFile

    with FontFile(path, fontNumber=index, lazy=True, recalcTimestamp=False) as font:  # same bytes every time
        _convert(font, codes, name)
        out = io.BytesIO()
        font.save(out)
    return out.getvalue()


def _convert(font, codes: list[int], name: str) -> None:
    from fontTools import subset
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    options = subset.Options()
    options.layout_features, options.hinting, options.desubroutinize, options.notdef_outline = [], False, True, True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codes)
    subsetter.subset(font)
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder, glyf.glyphs = order, {}
    for glyph_name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[glyph_name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[glyph_name] = pen.glyph()
    for tag in ("CFF ", "VORG", "GSUB", "GPOS", "GDEF", "BASE"):
        if tag in font:
            del font[tag]
    font["loca"], font["glyf"] = newTable("loca"), glyf
    font["head"].glyphDataFormat = 0
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion, maxp.maxZones = 0x00010000, 1
    for field in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs", "maxStackElements",
                  "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, field, 0)
    post = font["post"]
    post.formatType, post.extraNames, post.mapping, post.glyphOrder = 2.0, [], {}, order
    font["name"].setName(name, 6, 3, 1, 0x409)
    font["name"].setName(name, 6, 1, 0, 0)
    font.sfntVersion = "\x00\x01\x00\x00"


@dataclass(frozen=True)
class Piece:
    """What one character of the source text prints as: the text and the font it is set in."""

    text: str
    font: str
    noted: bool = False  # the text is the character's notation

    def width(self, size: float) -> float:
        """The piece's advance width in points at `size`."""
        return pdfmetrics.stringWidth(self.text, self.font, size)


def notation(char: str) -> str:
    """How a character no embedded font can print is shown: 〈U+1F363〉."""
    return f"〈U+{ord(char):04X}〉"


def pieces(text: str) -> list[Piece]:
    """Each character of `text` with the font that prints it, or its notation in the main font."""
    main = main_font()
    out = []
    for char in text:
        code = ord(char)
        font = None
        if unicodedata.category(char) not in INVISIBLE:
            if code in _codes(main):
                font = main
            else:
                font = _cjk_block_font(code >> 8)
                if font is None or code not in _codes(font):
                    symbol = _symbol_font()
                    font = symbol if symbol and code in _codes(symbol) else None
        out.append(Piece(char, font) if font else Piece(notation(char), main, noted=True))
    return out


def runs(line: list[Piece]) -> list[tuple[str, str]]:
    """Consecutive pieces in the same font joined: (font, text) to set one after another."""
    out: list[tuple[str, str]] = []
    for piece in line:
        if out and out[-1][0] == piece.font:
            out[-1] = (piece.font, out[-1][1] + piece.text)
        else:
            out.append((piece.font, piece.text))
    return out
