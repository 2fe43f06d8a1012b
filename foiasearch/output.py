"""How the CLI prints results: one highlight style, lines wrapped to the
terminal, counts in words ("1 document", "12 documents").

>>> highlight("could not \\x02opt\\x03-\\x02out\\x03 of it", color=False)
'could not [opt-out] of it'
>>> plural(1, "document"), plural(12, "document")
('1 document', '12 documents')
>>> wrap("one two three four five six", width=16, indent="   ")
'   one two three\\n   four five six'
>>> more_footer(total=32, page=1, per_page=10)
'22 more: --page 2'
"""

from __future__ import annotations

import re
import shutil
import textwrap

from foiasearch.search.marks import CLOSE, OPEN

BOLD_YELLOW, RESET = "\x1b[1;33m", "\x1b[0m"
INDENT = "   "  # under a hit's title
# Marked words next to each other ("opt out", "opt-out") are one highlight.
_ADJACENT = re.compile(re.escape(CLOSE) + r"([\s\-–/]+)" + re.escape(OPEN))


def highlight(marked: str, color: bool) -> str:
    """Marked text (search.marks) for a terminal: bold yellow on a colour
    terminal, ``[brackets]`` otherwise; adjacent marked words share one."""
    joined = _ADJACENT.sub(r"\1", marked)
    if color:
        return joined.replace(OPEN, BOLD_YELLOW).replace(CLOSE, RESET)
    return joined.replace(OPEN, "[").replace(CLOSE, "]")


def plural(count: int, word: str, words: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (words or word + 's')}"


def terminal_width(default: int = 100) -> int:
    """Columns of the terminal (or $COLUMNS); ``default`` for a pipe."""
    return max(40, shutil.get_terminal_size((default, 24)).columns)


def wrap(text: str, width: int | None = None, indent: str = "") -> str:
    """``text`` wrapped to ``width`` (the terminal's) with every line
    indented; colour escapes do not count towards the width."""
    width = width or terminal_width()
    escapes: list[str] = []

    def hide(match: re.Match) -> str:  # an escape becomes one placeholder character while wrapping
        escapes.append(match.group(0))
        return "\ue000"

    plain = re.sub(r"\x1b\[[0-9;]*m", hide, text)
    # A placeholder counts as one column but shows none: a line with colour is a little shorter, never longer.
    lines = textwrap.wrap(plain, width=width, initial_indent=indent,
                          subsequent_indent=indent, break_on_hyphens=False, break_long_words=False)
    out = "\n".join(lines)
    for escape in escapes:
        out = out.replace("\ue000", escape, 1)
    return out


def more_footer(total: int, page: int, per_page: int) -> str | None:
    """"12 more: --page 2" when results go on past this page."""
    remaining = total - page * per_page
    return f"{remaining:,} more: --page {page + 1}" if remaining > 0 else None


def pages_label(pages: list[int], shown: int = 8) -> str:
    """"p. 3" or "pp. 3, 17 and 4 more" (best first, as the search gives them)."""
    if not pages:
        return ""
    label = ", ".join(str(p) for p in pages[:shown])
    more = f" and {len(pages) - shown} more" if len(pages) > shown else ""
    return ("p. " if len(pages) == 1 else "pp. ") + label + more


def release_lines(hit) -> list[str]:
    """Bates range, citations, exemptions and printed e-mails of a release's matching pages."""
    doc = hit.document
    if doc is None or hit.kind != "release":
        return []
    lines = []
    if doc.bates_range:
        lines.append(f"Bates {doc.bates_range[0]} to {doc.bates_range[1]}")
    if hit.matching_pages and any(p.bates for p in doc.pages):
        lines.append("Cite: " + "; ".join(hit.citations()[:8]))
    cited = {p.number: p.exemptions for p in doc.pages if p.exemptions}
    shown = [f"p. {n}: {', '.join(cited[n])}" for n in hit.matching_pages[:8] if n in cited]
    if shown:
        lines.append("Exemptions " + "; ".join(shown))
    for email in hit.emails(limit=3):
        to = ", ".join(email.recipients[:3])
        lines.append(f"E-mail p. {email.page}: {email.sender} to {to}: {email.subject}".rstrip(": "))
    return lines


def hit_lines(rank: int, hit, color: bool, width: int | None = None) -> list[str]:
    """One hit as ``foiasearch search`` and ``foiasearch saved run`` print it:
    the title, kind, date and pages, what a release's pages cite, the paths
    (never broken: they must copy and paste) and the snippet, wrapped."""
    width = width or terminal_width()
    title = wrap(f"{rank}. {hit.title}", width, "")
    lines = [f"\x1b[1m{title}\x1b[0m" if color else title]
    details = [hit.kind, (hit.date or "")[:10], pages_label(hit.matching_pages)]
    lines.append(wrap(" · ".join(d for d in details if d), width, INDENT))
    if getattr(hit, "missing", None):  # a best match (search.api Results.all_words_total)
        lines.append(wrap("Missing: " + " ".join(hit.missing), width, INDENT))
    lines += [wrap(line, width, INDENT) for line in release_lines(hit)]
    lines += [INDENT + path for path in hit.paths]
    prefix = f"p. {hit.snippet_page}: " if hit.snippet_page else ""
    lines.append(wrap(prefix + highlight(hit.snippet, color), width, INDENT))
    return lines
