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

import re
from itertools import islice

from whoosh import highlight

from foiasearch.index.whoosh.schema import TEXT_ANALYZER
from foiasearch.index.whoosh.wordforms import stem
from foiasearch.index.wordfamilies import FAMILIES
from foiasearch.search.marks import CLOSE, OPEN, SENTINELS as _SENTINELS, to_html, to_plain

SNIPPET_CHARS = 240
MAX_SCAN_CHARS = 200_000  # longer texts are highlighted on their start only
# An indexed form -> the printed words it stands for when they do not begin
# alike: "detain" is also "detention", "die" also "death" (index.whoosh.wordforms).
_PRINTED = {stem(family[0]): tuple(family) for family in FAMILIES}


class _MarkFormatter(highlight.Formatter):
    between = " … "

    def format_token(self, text, token, replace=False):
        return OPEN + highlight.get_text(text, token, replace) + CLOSE


def make_snippet(text: str, terms: set[str], chars: int = SNIPPET_CHARS) -> str:
    """Up to two passages of ``text`` around the analysed ``terms``, marked.

    Falls back to the opening of the text when no term occurs in it.

    >>> long = "Nothing here. " * 400 + "The county asked to opt out. " + "Filler. " * 400
    >>> "county asked to [opt] [out]." in to_plain(make_snippet(long, {"opt", "out"}), "[", "]")
    True
    """
    # Runs of whitespace as one space (str.split: several times faster than a regular expression).
    text = " ".join(text[:MAX_SCAN_CHARS].replace(OPEN, "").replace(CLOSE, "").split())
    if terms:
        marked = ""
        windows = _windows(text, terms, chars)
        if windows:
            parts = [_highlight(text[start:end], terms, chars, top=1) for start, end in windows]
            marked = " … ".join(part.strip() for part in parts if part)
        if not marked:
            marked = _highlight(text, terms, chars, top=2)
        if marked:
            return marked.strip()
    if len(text) <= chars:
        return text
    return text[:chars].rsplit(" ", 1)[0] + " …"


def _highlight(text: str, terms: set[str], chars: int, top: int) -> str:
    fragmenter = highlight.ContextFragmenter(maxchars=chars, surround=chars // 3)
    return highlight.highlight(text, terms, TEXT_ANALYZER, fragmenter, _MarkFormatter(), top=top)


def _windows(text: str, terms: set[str], chars: int, scan: int = 400) -> list[tuple[int, int]]:
    """Up to two stretches of a long ``text`` worth highlighting, or [] to
    highlight all of it.

    Highlighting analyses (tokenises, stems) every word it is given, which
    costs milliseconds on a long page; a regular expression over the words'
    beginnings finds where the terms probably are far faster. A stem may
    differ from its words in its last letters ("famili", "sensibl"), so the
    stems are matched without their last two; a form that joins words of
    different beginnings (index.whoosh.wordforms) by each of its words, so
    "detain" finds the printed "detention". The stretches with the most
    distinct terms (among the first ``scan`` places found) are then
    highlighted properly; when none is found, everything is.

    >>> text = "Filler words here. " * 100 + "The detention center. " + "More filler. " * 100
    >>> [(start, end)] = _windows(text, {"detain"}, 240)
    >>> "detention" in text[start:end]
    True
    """
    if len(text) <= 6 * chars:
        return []
    prefixes = sorted({_prefix(word) for term in terms if term for word in (term, *_PRINTED.get(term, ()))},
                      key=len, reverse=True)
    if not prefixes:
        return []
    # A word begins after anything that is not a letter or digit ("_" too, as the analyser cuts there).
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, prefixes)) + ")", re.IGNORECASE)
    found = [(match.start(), match.group(0).lower()) for match in islice(pattern.finditer(text), scan)]
    if not found:
        return []
    # Distinct words per stretch of ``chars`` characters; the two richest
    # stretches (earliest first among equals) become the windows.
    words_in: dict[int, set[str]] = {}
    for position, word in found:
        words_in.setdefault(position // chars, set()).add(word)
    ranked = sorted(words_in, key=lambda block: (-len(words_in[block]), block))
    chosen: list[tuple[int, int]] = []
    for block in ranked:
        middle = block * chars + chars // 2
        start, end = max(0, middle - chars), min(len(text), middle + chars)
        if all(end <= a or start >= b for a, b in chosen):  # no passage twice
            chosen.append((start, end))
            if len(chosen) == 2:
                break
    return sorted(chosen)


def _prefix(word: str) -> str:
    """The start a printed word shares with its indexed form (``"famili"``
    -> ``"fami"``: "family", "families").

    >>> _prefix("famili"), _prefix("die")
    ('fami', 'die')
    """
    return word[:max(3, len(word) - 2)]


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


__all__ = ["make_snippet", "mark_text", "to_html", "to_plain", "OPEN", "CLOSE"]
