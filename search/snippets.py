"""Snippets: the best passages of a text with the query's words marked.

Marks are kept as two control characters while the snippet is built, and
turned into markup only at the end, so HTML is escaped first and ``<mark>``
added after (document text is untrusted input).

>>> marked = make_snippet("ICE told the county it could not opt out.", {"opt", "out"})
>>> to_html(marked)
'ICE told the county it could not <mark>opt</mark> <mark>out</mark>'
>>> to_plain(marked, "[", "]")
'ICE told the county it could not [opt] [out]'
"""

from __future__ import annotations

import html
import re

from whoosh import highlight

from index.schema import TEXT_ANALYZER

OPEN, CLOSE = "\x02", "\x03"
SNIPPET_CHARS = 240
MAX_SCAN_CHARS = 200_000  # longer texts are highlighted on their start only
_SENTINELS = re.compile("[\x02\x03]")
_SPACE = re.compile(r"\s+")


class _MarkFormatter(highlight.Formatter):
    between = " … "

    def format_token(self, text, token, replace=False):
        return OPEN + highlight.get_text(text, token, replace) + CLOSE


def make_snippet(text: str, terms: set[str], chars: int = SNIPPET_CHARS) -> str:
    """Up to two passages of ``text`` around the analysed ``terms``, marked.

    Falls back to the opening of the text when no term occurs in it.
    """
    text = _SPACE.sub(" ", _SENTINELS.sub("", text[:MAX_SCAN_CHARS])).strip()
    if terms:
        fragmenter = highlight.ContextFragmenter(maxchars=chars, surround=chars // 3)
        marked = highlight.highlight(text, terms, TEXT_ANALYZER, fragmenter, _MarkFormatter(), top=2)
        if marked:
            return marked.strip()
    if len(text) <= chars:
        return text
    return text[:chars].rsplit(" ", 1)[0] + " …"


def mark_text(text: str, terms: set[str]) -> str:
    """All of ``text`` with every occurrence of the analysed ``terms``
    marked (a document page as the web app shows it); layout is kept.

    >>> to_html(mark_text("Opted out? <b>No</b>.", {"opt"}))
    '<mark>Opted</mark> out? &lt;b&gt;No&lt;/b&gt;.'
    """
    text = _SENTINELS.sub("", text)
    if not terms or not text:
        return text
    # Token positions from the analyser, marks inserted by character offset:
    # the text between tokens stays exactly as it was.
    out, last = [], 0
    for token in TEXT_ANALYZER(text, chars=True, mode="query"):
        if token.text in terms and token.startchar >= last:
            out += [text[last:token.startchar], OPEN, text[token.startchar:token.endchar], CLOSE]
            last = token.endchar
    out.append(text[last:])
    return "".join(out)


def to_html(marked: str) -> str:
    """Escape the text, then turn marks into ``<mark>`` elements."""
    return html.escape(marked, quote=False).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")


def to_plain(marked: str, open_mark: str = "", close_mark: str = "") -> str:
    return marked.replace(OPEN, open_mark).replace(CLOSE, close_mark)
