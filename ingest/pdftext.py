"""A PDF page's text layer without pdfminer's layout analysis.

pdfminer.six parses the file and runs each page's content stream; this
device receives every glyph it draws and writes the text in drawing order,
telling words and lines apart by geometry, as poppler's pdftotext does:

- a glyph whose baseline is off the previous one's by more than half the
  text height starts a new line;
- a glyph that starts further from the previous one's end than
  ``WORD_GAP`` of the text height (or behind it) starts a new word.

pdfminer's own path (``PDFLayoutAnalyzer`` then ``LTPage.analyze``) builds an
object per glyph and groups them into lines and boxes, which cost about
three quarters of the time per page, and where two boxes or lines meet it
joins them without a space ("arrived atSeattle-Tacoma"). Here nothing is
built per glyph but a string, and every line or gap in the drawing becomes
a newline or a space.

>>> reader = TextReader(None)
>>> reader.begin_page(_Box((0, 0, 612, 792)), (1, 0, 0, 1, 0, 0))
>>> for x, text in ((10, "at"), (24, "Seattle")):   # 2 units apart at size 10: a space
...     reader.place(text, x, 700, x + 6 * len(text), 700, 1.0, 0.0, 10.0)
>>> reader.place("Card", 10, 688, 34, 688, 1.0, 0.0, 10.0)   # a new baseline: a newline
>>> reader.text()
'at Seattle\\nCard'
"""

from __future__ import annotations

import math

from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.utils import apply_matrix_rect

# A gap wider than this share of the text height separates two words.
# Kerning moves glyphs by a few hundredths of an em; the narrowest spaces
# in justified text are about a fifth.
WORD_GAP = 0.12
# A baseline moved by more than this share of the text height is a new line
# (superscripts and subscripts move it less).
LINE_SHIFT = 0.5


class _Box:
    """Stands in for a PDFPage in the doctest: only ``mediabox`` is read."""

    def __init__(self, mediabox) -> None:
        self.mediabox = mediabox


class TextReader(PDFTextDevice):
    """Collects one page's text and the share of its area under images.

    Use as pdfminer's device: ``PDFPageInterpreter(manager,
    reader).process_page(page)``, then ``reader.text()`` and
    ``reader.image_cover()``.
    """

    def __init__(self, manager) -> None:
        super().__init__(manager)
        self._glyphs: dict[int, dict[int, tuple[str, float]]] = {}  # id(font) -> cid -> (text, width)
        self._fonts: list = []  # keeps the fonts alive while their id() is a key
        self.begin_page(_Box((0, 0, 1, 1)), (1, 0, 0, 1, 0, 0))

    # -- pdfminer's device interface ------------------------------------------
    def begin_page(self, page, ctm) -> None:
        self._parts: list[str] = []
        self._last: tuple[float, float, float, float, float] | None = None  # end x, end y, dir x, dir y, height
        self._box = apply_matrix_rect(ctm, page.mediabox)
        self._image_area = 0.0

    def render_image(self, name, stream) -> None:
        x0, y0, x1, y1 = apply_matrix_rect(self.ctm, (0, 0, 1, 1))
        bx0, by0, bx1, by1 = self._box
        width = max(0.0, min(x1, bx1) - max(x0, bx0))
        height = max(0.0, min(y1, by1) - max(y0, by0))
        self._image_area += width * height

    def render_string_horizontal(self, seq, matrix, pos, font, fontsize, scaling, charspace, wordspace,
                                 rise, dxscale, ncs, graphicstate):
        """pdfminer's loop over a string's glyphs, placing each one here
        instead of building an LTChar (same arithmetic as PDFTextDevice)."""
        (x, y) = pos
        a, b, c, d, e, f = matrix
        norm = math.hypot(a, b) or 1.0
        ux, uy = a / norm, b / norm
        height = abs(fontsize * (a * d - b * c) / norm) or abs(fontsize)
        glyphs = self._glyphs_of(font)
        place = self.place
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
            elif isinstance(obj, bytes):
                for cid in font.decode(obj):
                    if needcharspace:
                        x += charspace
                    glyph = glyphs.get(cid)
                    if glyph is None:
                        glyph = glyphs[cid] = self._glyph(font, cid)
                    text, width = glyph
                    advance = width * fontsize * scaling
                    sx, sy = a * x + c * y + e, b * x + d * y + f
                    x += advance
                    place(text, sx, sy, a * x + c * y + e, b * x + d * y + f, ux, uy, height)
                    if cid == 32 and wordspace:
                        x += wordspace
                    needcharspace = True
        return (x, y)

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
        """Vertical writing only (horizontal strings go through the loop above)."""
        text, width = self._glyphs_of(font).get(cid) or self._glyph(font, cid)
        disp = font.char_disp(cid)
        advance = (disp[1] if isinstance(disp, tuple) else disp) * fontsize * scaling
        a, b, c, d, e, f = matrix
        self.place(text, e, f, e + c * advance, f + d * advance, 0.0, -1.0, abs(fontsize * a) or abs(fontsize))
        return advance

    # -- text ------------------------------------------------------------------
    def place(self, text: str, sx: float, sy: float, ex: float, ey: float, ux: float, uy: float,
              height: float) -> None:
        """Add a glyph drawn from (sx, sy) to (ex, ey) along (ux, uy), with
        a space or newline before it when the geometry says so."""
        last = self._last
        parts = self._parts
        if last is not None:
            lx, ly, lux, luy, lheight = last
            gx, gy = sx - lx, sy - ly
            size = max(height, lheight)
            across = abs(gy * ux - gx * uy)
            along = gx * ux + gy * uy
            if across > LINE_SHIFT * size or abs(ux - lux) + abs(uy - luy) > 0.1:
                parts.append("\n")
            elif along > WORD_GAP * size or along < -size:
                parts.append(" ")
        if text.isspace():
            text = " "
        parts.append(text)
        self._last = (ex, ey, ux, uy, height)

    def text(self) -> str:
        """The page's text: lines separated by newlines, words by spaces."""
        lines = ("".join(self._parts)).split("\n")
        return "\n".join(" ".join(line.split()) for line in lines if line.strip())

    def image_cover(self) -> float:
        """Share of the page's area covered by images, 0..1."""
        x0, y0, x1, y1 = self._box
        return min(1.0, self._image_area / max(1.0, (x1 - x0) * (y1 - y0)))

    # -- glyphs ----------------------------------------------------------------
    def _glyphs_of(self, font) -> dict[int, tuple[str, float]]:
        glyphs = self._glyphs.get(id(font))
        if glyphs is None:
            glyphs = self._glyphs[id(font)] = {}
            self._fonts.append(font)
        return glyphs

    @staticmethod
    def _glyph(font, cid: int) -> tuple[str, float]:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = f"(cid:{cid})"  # as pdfminer's converters write it
        return text, font.char_width(cid)
