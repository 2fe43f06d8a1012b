"""Marked text: matched words wrapped in two control characters.

A snippet or a marked page is plain text with each matched word between
:data:`OPEN` and :data:`CLOSE`; markup is added only at the end, so HTML is
escaped first and ``<mark>`` added after (document text is untrusted).
Any search backend produces marked text this way; the CLI, the web app,
exports and feeds turn it into what they show.

>>> marked = f"could not {OPEN}opt{CLOSE} <out>"
>>> to_html(marked)
'could not <mark>opt</mark> &lt;out&gt;'
>>> to_plain(marked, "[", "]")
'could not [opt] <out>'
"""

from __future__ import annotations

import html
import re

OPEN, CLOSE = "\x02", "\x03"
SENTINELS = re.compile("[\x02\x03]")


def to_html(marked: str) -> str:
    """Escape the text, then turn marks into ``<mark>`` elements."""
    return html.escape(marked, quote=False).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")


def to_plain(marked: str, open_mark: str = "", close_mark: str = "") -> str:
    """The text with marks replaced by ``open_mark``/``close_mark`` (default: removed)."""
    return marked.replace(OPEN, open_mark).replace(CLOSE, close_mark)
