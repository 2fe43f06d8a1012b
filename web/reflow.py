"""A PDF page's text as readable blocks, and as HTML with marks.

Text from a PDF has a hard line break at the end of every printed line, and
a table comes out one cell per line. :func:`reflow` joins the lines of a
paragraph (and a word hyphenated across a line), keeps the lines that are
lines (e-mail headers, list items, short lines such as headings and
addresses) and gathers runs of short table cells into one wrapped block,
so a page reads in a fraction of the height. The page image beside it is
the check on the layout.

>>> [b.kind for b in reflow("From: Ann\\nTo: Bo\\n\\nThe county asked whether it could\\nopt out of the pro-\\ngram in 2011 and was told no.")]
['lines', 'para']
>>> reflow("The county asked whether it could\\nopt out of the pro-\\ngram.")[0].parts
['The county asked whether it could opt out of the program.']
>>> reflow("A county that asks not to\\n\\nparticipate should write.")[0].parts  # OCR's blank lines
['A county that asks not to participate should write.']
>>> reflow("1. A county that asks not to\\nparticipate should write.\\n2. Next item.")[0].parts  # a list item goes on
['1. A county that asks not to participate should write.', '2. Next item.']
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Callable

from foiasearch.ingest.foia import exemption_spans
from foiasearch.search.marks import CLOSE, OPEN

# A line that starts something of its own: an e-mail header or "Key: value",
# a bullet, a numbered item.
_STARTS_LINE = re.compile(r"^\s*(?:[A-Z][\w .'/-]{0,28}:\s|[-•*·▪◦]\s|\(?\d{1,3}[.)]\s|\(?[a-z][.)]\s)")
_HYPHEN_END = re.compile(r"[a-z]-$")
CELL_RUN = 4  # this many short lines in a row are table cells
OPEN_EX, CLOSE_EX = "\x04", "\x05"  # an exemption citation, while text is being marked
# Every citation ingest.foia reads has a "b" followed by a digit 1-9, or a 7(1): a cheap test first.
_CITATION_HINT = re.compile(r"b\s*\)?\s*\(?\s*[1-9]|7\s*\(\s*1", re.I)


@dataclass
class Block:
    """``para``: one paragraph (``parts`` has one string); ``lines``: lines
    kept as printed; ``cells``: short pieces shown side by side."""

    kind: str
    parts: list[str] = field(default_factory=list)


def _typical_width(lines: list[str]) -> int:
    lengths = sorted(len(line) for line in lines if line.strip())
    if not lengths:
        return 0
    return lengths[int(len(lengths) * 0.8)] if len(lengths) > 4 else lengths[-1]


def reflow(text: str) -> list[Block]:
    """The blocks of one page's text (see the module docstring)."""
    blocks: list[Block] = []
    width = _typical_width(text.split("\n"))
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.rstrip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        new = _chunk_blocks(lines, width)
        # OCR puts a blank line after many printed lines: a paragraph that
        # stops mid-sentence goes on in the next chunk when that starts in lower case.
        if (blocks and new and blocks[-1].kind != "cells" and new[0].kind != "cells"
                and not re.search(r"[.:;!?\"')]$", blocks[-1].parts[-1]) and new[0].parts[0][:1].islower()):
            blocks[-1].parts[-1] += " " + new[0].parts.pop(0)
            new = new if new[0].parts else new[1:]
        blocks += new
    return blocks


def _chunk_blocks(lines: list[str], width: int) -> list[Block]:
    short = max(12, int(width * 0.45))
    out: list[Block] = []
    i = 0
    while i < len(lines):
        # A run of short lines that are not sentences: table cells.
        run = i
        while run < len(lines) and len(lines[run].strip()) <= short and not _STARTS_LINE.match(lines[run]):
            run += 1
        if run - i >= CELL_RUN:
            out.append(Block("cells", [line.strip() for line in lines[i:run]]))
            i = run
            continue
        line = lines[i]
        if _STARTS_LINE.match(line) or len(line.strip()) <= short:
            # A list item or header goes on in the next lines when they carry on its sentence.
            text, i = line.strip(), i + 1
            while (i < len(lines) and not _STARTS_LINE.match(lines[i]) and lines[i].strip()[:1].islower()
                   and not re.search(r"[.:;!?]$", text)):
                following = lines[i].strip()
                text = text[:-1] + following if _HYPHEN_END.search(text) else text + " " + following
                i += 1
            _add(out, "lines", text)
            continue
        # A paragraph: this line and the following full lines, joined.
        words = line.strip()
        i += 1
        while i < len(lines) and not _STARTS_LINE.match(lines[i]):
            following = lines[i].strip()
            if _HYPHEN_END.search(words) and following[:1].islower():
                words = words[:-1] + following
            else:
                words += " " + following
            i += 1
            if len(following) <= short:  # a short line ends its paragraph
                break
        out.append(Block("para", [words]))
    return out


def _add(out: list[Block], kind: str, part: str) -> None:
    if out and out[-1].kind == kind:
        out[-1].parts.append(part)
    else:
        out.append(Block(kind, [part]))


def _with_citations(marked: str, plain: str, codes: set[str], context: str) -> tuple[str, list[str]]:
    """``marked`` (``plain`` with the engine's word marks) with the citations
    of ``codes`` between OPEN_EX and CLOSE_EX; returns it and the code of
    each citation in order. Offsets come from ``plain`` and skip the word
    marks, so a marked word inside a citation nests inside it."""
    wanted = {c.lower() for c in codes}
    if not wanted or not _CITATION_HINT.search(plain):  # most paragraphs cite nothing: skip the full reading
        return marked, []
    spans = [(s, e, c) for s, e, c in exemption_spans(plain, context) if c.lower() in wanted]
    if not spans:
        return marked, []
    where = [i for i, ch in enumerate(marked) if ch not in (OPEN, CLOSE)]  # plain offset -> marked offset
    inserts: list[tuple[int, str]] = []
    found, last = [], 0
    for start, end, code in spans:
        if start < last:
            continue  # one citation naming two codes is marked once
        inserts += [(where[start], OPEN_EX), (where[end - 1] + 1, CLOSE_EX)]
        found.append(code)
        last = end
    for offset, sentinel in reversed(inserts):
        marked = marked[:offset] + sentinel + marked[offset:]
    return marked, found


def page_html(text: str, mark: Callable[[str], str], codes: set[str] = frozenset()) -> str:
    """One page's text as HTML blocks: reflowed, escaped, the words
    ``mark`` marks (the search engine's marker, OPEN/CLOSE sentinels) in
    ``<mark>`` and the citations of ``codes`` in ``<mark class="exemption">``.

    >>> page_html("Withheld (b)(6) and (b)(5).", lambda t: t, {"b6"})
    '<p>Withheld <mark class="exemption" title="Exemption b6">(b)(6)</mark> and (b)(5).</p>'
    """
    pieces = []
    for block in reflow(text):
        items = []
        for part in block.parts:
            marked, cited = _with_citations(mark(part), part, codes, text)
            escaped = html.escape(marked, quote=False).replace(OPEN, "<mark>").replace(CLOSE, "</mark>")
            labels = iter(cited)
            escaped = re.sub(OPEN_EX, lambda _: f'<mark class="exemption" title="Exemption {html.escape(next(labels))}">',
                             escaped).replace(CLOSE_EX, "</mark>")
            items.append(escaped)
        if block.kind == "para":
            pieces.append(f"<p>{items[0]}</p>")
        elif block.kind == "lines":
            pieces.append('<p class="lines">' + "<br>".join(items) + "</p>")
        else:
            pieces.append('<p class="cells">' + "".join(f"<span>{item}</span>" for item in items) + "</p>")
    return "".join(pieces)
