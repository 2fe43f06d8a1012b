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
import re
from collections.abc import Callable

from pdfminer import settings
from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFContentParser, PDFInterpreterError, PDFPageInterpreter
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import stream_value
from pdfminer.psexceptions import PSEOF, PSException, PSSyntaxError, PSTypeError
from pdfminer.psparser import (HEX_PAIR, KWD, KEYWORD_ARRAY_BEGIN, KEYWORD_ARRAY_END, KEYWORD_DICT_BEGIN,
                               KEYWORD_DICT_END, KEYWORD_PROC_BEGIN, KEYWORD_PROC_END, LIT, SPC, PSBaseParser,
                               PSKeyword, PSLiteral, keyword_name, literal_name)
from pdfminer.utils import apply_matrix_rect, choplist

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
        parts = self._parts
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
            elif isinstance(obj, bytes):
                cids = tuple(font.decode(obj))
                if cids and not charspace and not (wordspace and 32 in cids):
                    # Nothing drawn between the glyphs (most strings): each
                    # starts exactly where the last ended (the same
                    # arithmetic on the same x), so place() would put no
                    # space or newline before any but the first. The others
                    # are appended as they are: a third of the time per page.
                    text, width = glyphs.get(cids[0]) or self._add_glyph(glyphs, font, cids[0])
                    sx, sy = a * x + c * y + e, b * x + d * y + f
                    x += width * fontsize * scaling
                    place(text, sx, sy, a * x + c * y + e, b * x + d * y + f, ux, uy, height)
                    for cid in cids[1:]:
                        text, width = glyphs.get(cid) or self._add_glyph(glyphs, font, cid)
                        x += width * fontsize * scaling
                        parts.append(text)
                    self._last = (a * x + c * y + e, b * x + d * y + f, ux, uy, height)
                    needcharspace = True
                    continue
                for cid in cids:
                    if needcharspace:
                        x += charspace
                    text, width = glyphs.get(cid) or self._add_glyph(glyphs, font, cid)
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

    def _add_glyph(self, glyphs: dict[int, tuple[str, float]], font, cid: int) -> tuple[str, float]:
        """``font``'s glyph ``cid``, remembered in ``glyphs`` (never falsy);
        a blank glyph's text is one space, as place() writes it."""
        glyph = glyphs[cid] = self._glyph(font, cid)
        return glyph

    @staticmethod
    def _glyph(font, cid: int) -> tuple[str, float]:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = f"(cid:{cid})"  # as pdfminer's converters write it
        return " " if text.isspace() else text, font.char_width(cid)


# -- the interpreter -----------------------------------------------------------
# The tokens that make up nearly all of a content stream, each with what
# must follow it for pdfminer's tokenizer to end it there: whole numbers,
# decimals, operators, names without # escapes, strings without escapes or
# nested parentheses, hex strings, << >> [ ] { } ' ". Anything else
# (comments, escapes, a token cut by the end of the data, a hex string
# whose next byte is not in the buffer yet) is left to pdfminer's own
# tokenizer.
_FAST_TOKEN = re.compile(rb"""\s*(?:
    (?P<int>[-+]?\d+)(?=[^\d.])
  | (?P<float>[-+]?(?:\d+\.\d*|\.\d+))(?=\D)
  | (?P<kwd>[A-Za-z][^\#/%\[\]()<>{}\s]*)(?=[\#/%\[\]()<>{}\s])
  | /(?P<name>[^\#/%\[\]()<>{}\s]*)(?=[/%\[\]()<>{}\s])
  | \((?P<str>[^()\\]*)\)
  | (?P<sym><<|>>|[\[\]{}'"])
  | <(?P<hex>[0-9A-Fa-f\s]*)>(?=[^>])
)""", re.VERBOSE)
_PARSE_MAIN = PSBaseParser._parse_main
# What opens and closes an array, a dictionary and a procedure.
_OPENS = {KEYWORD_ARRAY_BEGIN: "a", KEYWORD_DICT_BEGIN: "d", KEYWORD_PROC_BEGIN: "p"}
_CLOSES = {KEYWORD_ARRAY_END: "a", KEYWORD_DICT_END: "d", KEYWORD_PROC_END: "p"}
# Keywords the parser itself acts on (inline images: BI ... ID data EI).
_STRUCTURE = {*_OPENS, *_CLOSES, PDFContentParser.KEYWORD_BI, PDFContentParser.KEYWORD_ID}


def _name(raw: bytes) -> str | bytes:
    try:
        return str(raw, "utf-8")
    except UnicodeDecodeError:  # pdfminer keeps such names as bytes
        return raw


def _hex(raw: bytes) -> bytes:
    """A hex string's bytes, as pdfminer decodes them (a last odd digit included)."""
    return HEX_PAIR.sub(lambda m: bytes((int(m.group(0), 16),)), SPC.sub(b"", raw))


class _FastTokens:
    """pdfminer's tokenizer (``PSBaseParser.nexttoken``), faster: put
    before a pdfminer parser class in a subclass's bases.

    pdfminer's tokenizer is a state machine that takes a few Python calls
    per token; here the common tokens are cut by one regular expression
    (``_FAST_TOKEN``) from the parser's buffer, giving the same tokens at
    the same positions, while every other case (and a token cut by the end
    of the buffer) goes through pdfminer's own code. pdfminer's
    ``log.debug`` calls, two or three per token even with debug logging
    off, are left out.
    """

    def nexttoken(self):
        if self.eof:
            raise PSEOF("Unexpected EOF")
        if not self._tokens:
            match = _FAST_TOKEN.match(self.buf, self.charpos)
            if match is not None and self._parse1.__func__ is _PARSE_MAIN:
                kind = match.lastgroup
                value = match.group(kind)
                start = match.start(kind)
                if kind == "int":
                    token = int(value)
                elif kind == "float":
                    token = float(value)
                elif kind == "kwd":
                    token = True if value == b"true" else False if value == b"false" else KWD(value)
                elif kind == "str":
                    token, start = value, start - 1
                elif kind == "name":
                    token, start = LIT(_name(value)), start - 1
                elif kind == "sym":
                    token = KWD(value)
                else:
                    token, start = _hex(value), start - 1
                self.charpos = match.end()
                return (self.bufpos + start, token)
        while not self._tokens:
            try:
                changed_stream = self.fillbuf()
                if changed_stream and self._curtoken:
                    self._parse1(b"\n", 0)
                else:
                    self.charpos = self._parse1(self.buf, self.charpos)
            except PSEOF:
                self.charpos = self._parse1(b"\n", 0)
                self.eof = True
                if not self._tokens:
                    raise
        return self._tokens.pop(0)


class FileParser(_FastTokens, PDFParser):
    """pdfminer's parser of a PDF file's objects (cross-reference tables,
    page tree, fonts, resources) with the faster tokenizer: about a sixth
    of the time per page of a short release went to reading those objects
    (issue 18).

    >>> import io
    >>> parser = FileParser(io.BytesIO(b"1 0 obj << /Count 3 /Box [0 612.5] >> endobj"))
    >>> [parser.nexttoken() for _ in range(8)]
    [(0, 1), (2, 0), (4, /b'obj'), (8, /b'<<'), (11, /'Count'), (18, 3), (20, /'Box'), (25, /b'[')]
    """


class _ContentParser(_FastTokens, PDFContentParser):
    """pdfminer's content-stream parser, tokenizing faster (``_FastTokens``,
    each stream read whole instead of 4 KiB at a time) and building
    objects with fewer calls (``nextobject``)."""

    BUFSIZ = 1 << 40  # a stream at once: BytesIO.read() returns what there is

    def add_results(self, *objs) -> None:
        self.results.extend(objs)

    def start_type(self, pos: int, type: str) -> None:
        self.context.append((pos, self.curtype, self.curstack))
        (self.curtype, self.curstack) = (type, [])

    def end_type(self, type: str):
        if self.curtype != type:
            raise PSTypeError(f"Type mismatch: {self.curtype!r} != {type!r}")
        objs = [obj for (_, obj) in self.curstack]
        (pos, self.curtype, self.curstack) = self.context.pop()
        return (pos, objs)

    def nextobject(self):
        while not self.results:
            (pos, token) = self.nexttoken()
            if not self.context and (isinstance(token, (int, float, bool, str, bytes, PSLiteral)) or (
                    isinstance(token, PSKeyword) and token not in _STRUCTURE)):
                # Outside any array or dictionary the stack is empty: the
                # token is the next object, as pdfminer would return it.
                return (pos, token)
            if isinstance(token, (int, float, bool, str, bytes, PSLiteral)):
                self.curstack.append((pos, token))
            elif token in _OPENS:
                self.start_type(pos, _OPENS[token])
            elif token in _CLOSES:
                kind = _CLOSES[token]
                try:
                    (pos, objs) = self.end_type(kind)  # puts back the outer stack
                    if kind == "d":
                        if len(objs) % 2 != 0:
                            raise PSSyntaxError(f"Invalid dictionary construct: {objs!r}")
                        objs = {literal_name(k): v for (k, v) in choplist(2, objs) if v is not None}
                    self.curstack.append((pos, objs))
                except PSTypeError:
                    if settings.STRICT:
                        raise
            elif isinstance(token, PSKeyword):
                self.do_keyword(pos, token)
            else:
                self.do_keyword(pos, token)
                raise PSException
            if not self.context:
                self.results.extend(self.curstack)
                self.curstack = []
        return self.results.pop(0)


def _ignore(*args) -> None:
    """Stands for an operator that cannot change a page's text."""


# Operators that build, paint or clip paths, or paint shadings: they cannot
# move or hide text, and TextReader draws no lines.
_NOT_TEXT = {"m": 2, "l": 2, "c": 6, "v": 4, "y": 4, "h": 0, "re": 4, "S": 0, "s": 0, "f": 0, "F": 0, "f*": 0,
             "B": 0, "B*": 0, "b": 0, "b*": 0, "n": 0, "W": 0, "W*": 0, "sh": 1}


class TextInterpreter(PDFPageInterpreter):
    """pdfminer's page interpreter for a text-only device such as
    :class:`TextReader`: the same operators with the same effect on text,
    found in a table instead of by building a method name per operator,
    without per-operator debug logging, with path painting skipped and
    without copying the graphics state for every string shown.

    >>> TextInterpreter.operator(KWD(b"Tj"))[1], TextInterpreter.operator(KWD(b"re"))[1]
    (1, 4)
    """

    _operators: dict[PSKeyword, tuple[Callable | None, int]] = {}

    @classmethod
    def operator(cls, keyword: PSKeyword) -> tuple[Callable | None, int]:
        """The function for ``keyword`` and how many operands it takes
        (None: an unknown operator, ignored as pdfminer does)."""
        found = cls._operators.get(keyword)
        if found is None:
            name = keyword_name(keyword)
            if name in _NOT_TEXT:
                found = (_ignore, _NOT_TEXT[name])
            else:
                method = getattr(cls, "do_" + name.replace("*", "_a").replace('"', "_w").replace("'", "_q"), None)
                found = (method, method.__code__.co_argcount - 1) if method is not None else (None, 0)
            cls._operators[keyword] = found
        return found

    def pop(self, n: int) -> list:
        if n == 0:
            return []
        stack = self.argstack
        args = stack[-n:]
        del stack[-n:]
        return args

    def do_TJ(self, seq) -> None:
        """Show text; the device gets the graphics state itself, not a copy
        (TextReader does not keep it)."""
        if self.textstate.font is None:
            return
        self.device.render_string(self.textstate, seq, self.graphicstate.ncs, self.graphicstate)

    def execute(self, streams) -> None:
        """Run the content streams (pdfminer's ``execute``, same refusal
        of circular references, faster dispatch)."""
        valid = []
        self.stream_ids.clear()
        for obj in streams:
            stream = stream_value(obj)
            if stream.objid is None or stream.objid in self.parent_stream_ids:
                continue
            valid.append(stream)
            self.stream_ids.add(stream.objid)
        try:
            parser = _ContentParser(valid)
        except PSEOF:
            return
        nextobject, operator = parser.nextobject, self.operator
        while True:
            try:
                (_, obj) = nextobject()
            except PSEOF:
                break
            if isinstance(obj, PSKeyword):
                function, nargs = operator(obj)
                if function is None:
                    if settings.STRICT:
                        raise PDFInterpreterError(f"Unknown operator: {keyword_name(obj)!r}")
                    continue
                if nargs:
                    args = self.pop(nargs)
                    if len(args) == nargs:
                        function(self, *args)
                else:
                    function(self)
            else:
                self.argstack.append(obj)
