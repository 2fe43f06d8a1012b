"""ingest.pdftext appends the glyphs of a string drawn without character or
word spacing without placing each one: the text must be what placing every
glyph gives, for any mix of strings, TJ adjustments, spacing, fonts and
matrices."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from foiasearch.ingest.pdftext import TextReader, _Box


class _Font:
    """A simple font: byte -> one character, widths per byte (in text space / 1000)."""

    def __init__(self, widths: dict[int, float]) -> None:
        self.widths = widths

    def decode(self, data: bytes):
        return bytearray(data)

    def to_unichr(self, cid: int) -> str:
        return " " if cid == 32 else "\t" if cid == 9 else chr(cid)

    def char_width(self, cid: int) -> float:
        return self.widths.get(cid, 0.5)


class _EveryGlyph(TextReader):
    """The reader as it was: every glyph through place()."""

    def render_string_horizontal(self, seq, matrix, pos, font, fontsize, scaling, charspace, wordspace,
                                 rise, dxscale, ncs, graphicstate):
        import math

        (x, y) = pos
        a, b, c, d, e, f = matrix
        norm = math.hypot(a, b) or 1.0
        ux, uy = a / norm, b / norm
        height = abs(fontsize * (a * d - b * c) / norm) or abs(fontsize)
        needcharspace = False
        for obj in seq:
            if isinstance(obj, (int, float)):
                x -= obj * dxscale
                needcharspace = True
            elif isinstance(obj, bytes):
                for cid in font.decode(obj):
                    if needcharspace:
                        x += charspace
                    text, width = self._glyph(font, cid)
                    advance = width * fontsize * scaling
                    sx, sy = a * x + c * y + e, b * x + d * y + f
                    x += advance
                    self.place(text, sx, sy, a * x + c * y + e, b * x + d * y + f, ux, uy, height)
                    if cid == 32 and wordspace:
                        x += wordspace
                    needcharspace = True
        return (x, y)


_STRINGS = st.lists(st.one_of(st.binary(min_size=0, max_size=6).map(lambda b: bytes(c % 4 + 30 for c in b)),
                              st.sampled_from([-900, -250, -120, 0, 40, 300, 1.5])), max_size=8)
_CALLS = st.lists(st.tuples(
    _STRINGS,
    st.sampled_from([(1, 0, 0, 1, 72, 700), (1, 0, 0, 1, 72, 650), (0, 1, -1, 0, 300, 100), (2, 0, 0, 2, 0, 0)]),
    st.sampled_from([0, 0.0, 0.3, -0.2]),  # character spacing
    st.sampled_from([0, 0.0, 2.5]),  # word spacing
    st.sampled_from([10.0, 12.0, 0.0]),  # font size
), max_size=6)


@given(_CALLS)
@settings(max_examples=400, deadline=None)
def test_strings_drawn_without_spacing_read_as_if_placed_glyph_by_glyph(calls):
    font = _Font({30: 0.3, 31: 0.6, 32: 0.25, 33: 0.0})
    readers = [TextReader(None), _EveryGlyph(None)]
    for reader in readers:
        reader.begin_page(_Box((0, 0, 612, 792)), (1, 0, 0, 1, 0, 0))
        pos = (0.0, 0.0)
        for seq, matrix, charspace, wordspace, size in calls:
            pos = reader.render_string_horizontal(seq, matrix, pos, font, size, 1.0, charspace, wordspace,
                                                  0, size * 0.001, None, None)
    assert readers[0].text() == readers[1].text()
    assert readers[0]._parts == readers[1]._parts
