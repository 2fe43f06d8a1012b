"""Small text normalisers shared by the HTML and feed ingesters.

>>> squash("  Opt\\xa0out\\n now ")
'Opt out now'
>>> merge_terms([" Blog", "", " , ", "blog", "S-Comm"])
['Blog', 'S-Comm']
"""

from __future__ import annotations

import html
import re
from typing import Iterable

_BLANK_LINES = re.compile(r"\n{3,}")


def squash(text: str | None) -> str:
    """One line: entities decoded, runs of whitespace (incl. NBSP) -> one space."""
    # str.split and re's \s agree on what whitespace is (tests/test_textnorm.py):
    # the same as re.sub(r"\s+", " ", ...).strip(), 3-4x faster on a title or a
    # tag (about 20 calls per page's metadata, issue 18)
    return " ".join(html.unescape(text or "").split())


# What an ASCII text that needs no cleaning lacks: runs of spaces, spaces at
# a line's ends, three line breaks in a row, and the whitespace other than
# " " and "\n" (on which str.split or str.splitlines also break).
_UNTIDY = ("  ", " \n", "\n ", "\n\n\n", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x1f")


def clean_text(text: str) -> str:
    """Multi-line text: spaces squashed per line, at most one blank line in a row."""
    text = text or ""
    # trafilatura's text mostly comes out clean: looking for what would change
    # takes a quarter of the time of rebuilding it word by word (25 against
    # 90 us for a synthetic post's body and comments, issue 18)
    if text.isascii() and text[:1] not in (" ", "\n") and text[-1:] not in (" ", "\n") \
            and not any(mark in text for mark in _UNTIDY):
        return text
    # Each line's runs of whitespace to one space, ends stripped: str.split
    # and re's \s agree on what whitespace is, and no regex runs per line.
    lines = (" ".join(line.split()) for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def merge_terms(values: Iterable[str]) -> list[str]:
    """Trimmed, non-empty, de-duplicated case-insensitively; first display case kept."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        term = squash(value).strip(" ,;|#")
        key = term.casefold()
        if term and key not in seen:
            seen.add(key)
            out.append(term)
    return out


def primary_language(code: str | None) -> str:
    """The primary subtag of a language code, lower-cased: the value the
    language facet groups by ("en-US", "en_GB", "EN" -> "en"); "" for none.

    >>> [primary_language(c) for c in ("en-US", "en_GB", "EN", "de-DE", None, "x")]
    ['en', 'en', 'en', 'de', '', 'x']
    """
    return re.split(r"[-_]", (code or "").strip(), maxsplit=1)[0].lower()
