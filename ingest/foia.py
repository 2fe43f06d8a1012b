"""What a FOIA release says about itself, page by page: the exemptions it
cites, the Bates numbers stamped on it, and the e-mails printed on it.

Exemption codes are canonical: federal 5 U.S.C. 552(b) citations become
``b1`` ... ``b9`` with a subparagraph in upper case (``b7C``); Illinois
FOIA citations (5 ILCS 140/7) become ``IL-7(1)(b)``, ``IL-7(1)(d)(v)``.

>>> find_exemptions("Withheld: (b)(6), (b) (7)(c); b5")
['b5', 'b6', 'b7C']
>>> find_exemptions("pursuant to Section 7(1)(d)(v) and (vi) of FOIA, 5 ILCS 140/7(1)(b)")
['IL-7(1)(b)', 'IL-7(1)(d)(v)', 'IL-7(1)(d)(vi)']
>>> find_bates("Page 4\\nICE2010FOIA2674.000123")
'ICE2010FOIA2674.000123'
>>> bates_sort_key("DEF-000123")
('DEF-', 123)
"""

from __future__ import annotations

import re
from functools import lru_cache

from foiasearch.ingest.document import Document, Email
from foiasearch.ingest.patterns import led_by

# -- exemptions -------------------------------------------------------------
_FEDERAL = led_by(
    "[(b]",
    # (b)(6), (b) (7)(C), (b)6; in "(b)(7)(b)(7)(E)" the second "(b)" starts
    # a new citation, not a subparagraph.
    r"\(\s*b\s*\)\s*\(?\s*([1-9])(?!\d)\s*\)?(?:\s*\(\s*([A-Fa-f])\s*\)(?!\s*\(?\s*\d))?"
    r"|(?<![\w(])b([1-9])(?:\s*\(([A-Fa-f])\)|([A-F]))?(?![\w)])"  # b6, b7C, b7(c)
)
# (b)(1)-(b)(4), (b)(8), (b)(9) also appear in ordinary legal prose; count
# them only where the text is about FOIA.
_COMMON = {"5", "6", "7"}
_FOIA_CONTEXT = led_by("[f5ewr]", r"FOIA|552|exempt|withh[oe]ld|redact|Freedom of Information", re.I)
_ILLINOIS = led_by(
    "7",
    r"(?:(?<=140/)|(?<![\d.(/]))7\s*\(\s*1\s*\)\s*\(\s*([a-z]{1,3}(?:-\d+)?)\s*\)"  # 7(1)(b), 7(1)(c-5)
    r"((?:\s*\(\s*[ivx]+\s*\))?)"  # (v)
    r"((?:\s*(?:,|and|&|or)\s*\(\s*[ivx]+\s*\))*)"  # and (vi)
)
_ILLINOIS_CONTEXT = led_by("[if]", r"ILCS|FOIA|Freedom of Information", re.I)
_ROMAN = re.compile(r"\(\s*([ivx]+)\s*\)")
# What every citation contains: a federal one "(b" (spaces allowed) or "b1".."b9",
# an Illinois one "7(1)(". Patterns that start with a literal character are
# found by re's fast search for it: the three take 4 us over a 4,400-character
# post, where the full scans of _FEDERAL and _ILLINOIS took 130 us (issue 18);
# those now run only over texts that have a hint (most posts have none).
_FEDERAL_HINTS = (re.compile(r"b[1-9]"), re.compile(r"\(\s*b"))
_ILLINOIS_HINT = re.compile(r"7\s*\(\s*1\s*\)\s*\(")


def find_exemptions(text: str, context: str | None = None) -> list[str]:
    """Canonical exemption codes cited in ``text``, sorted and unique.

    ``context`` (e.g. the whole document) decides whether rarer federal
    codes and bare Illinois section numbers count; it defaults to ``text``.
    """
    found = {code for _, _, code in exemption_spans(text, context)}
    return sorted(found, key=_exemption_order)


def exemption_spans(text: str, context: str | None = None) -> list[tuple[int, int, str]]:
    """Where ``text`` cites exemptions: (start, end, code), in text order;
    one citation naming several codes ("7(1)(d)(v) and (vi)") gives one
    span per code. The page viewer marks these.

    >>> exemption_spans("Withheld (b)(6) and b7C.")
    [(9, 15, 'b6'), (20, 23, 'b7C')]
    """
    context = text if context is None else context
    spans: list[tuple[int, int, str]] = []
    federal = any(hint.search(text) for hint in _FEDERAL_HINTS)
    for match in _FEDERAL.finditer(text) if federal else ():
        if match.group(1) and not _cites_552(text, match.start()):
            continue
        number = match.group(1) or match.group(3)
        sub = match.group(2) or match.group(4) or match.group(5) or ""
        if number not in _COMMON and not _about_foia(context):
            continue
        if match.group(3) and number not in _COMMON | {"1", "2", "3", "4", "8", "9"}:
            continue
        spans.append((match.start(), match.end(), f"b{number}{sub.upper()}"))
    for match in _ILLINOIS.finditer(text) if _ILLINOIS_HINT.search(text) else ():
        if not _about_illinois(context):
            break
        base = f"IL-7(1)({match.group(1)})"
        romans = _ROMAN.findall(match.group(2)) + _ROMAN.findall(match.group(3))
        codes = [f"{base}({r})" for r in romans] or [base]
        spans += [(match.start(), match.end(), code) for code in codes]
    return sorted(spans)


# The context searches run only when a citation needs them (most pages cite
# none: a post's text was searched for nothing, issue 18), and once per
# document: a 10-page release asks with the same document text for every
# page (a string keeps its hash, so the cache finds it at once).
@lru_cache(maxsize=4)
def _about_foia(context: str) -> bool:
    """Whether ``context`` is about FOIA (rarer federal codes count there)."""
    return _FOIA_CONTEXT.search(context) is not None


@lru_cache(maxsize=4)
def _about_illinois(context: str) -> bool:
    """Whether ``context`` is about Illinois's FOIA (bare section numbers count there)."""
    return _ILLINOIS_CONTEXT.search(context) is not None


def _cites_552(text: str, start: int) -> bool:
    """A "(b)(6)" glued to what precedes it is another rule's paragraph
    ("Rule 12(b)(6)", "14-306(b)") unless that is 5 U.S.C. 552."""
    before = text[max(0, start - 4):start]
    if not before or not (before[-1].isalnum() or before[-1] == "-"):
        return True
    return before.endswith("552")


def _exemption_order(code: str) -> tuple:
    return (code.startswith("IL"), code)


# -- Bates numbers --------------------------------------------------------------
# A prefix of letters and digits with at least two capital letters, its parts
# joined by "-", "_" or "." (a year and a request number may be part of it:
# "2019-ICLI-00003"), then an optional separator (a space allowed), then a
# zero-padded sequence of 5 to 10 digits: "ICE2010FOIA2674.000123",
# "DEF-000123", "CPD 0000456", "2019-ICLI-00003 -022454", "DHS_ICE_2018 000045".
_BATES = re.compile(
    r"(?<![\w.-])((?=[A-Z0-9._-]*[A-Z][A-Z0-9._-]*[A-Z])[A-Z0-9]+(?:[-._][A-Z0-9]+)*)"
    r"(\s?[-._]?\s?)(?<!\d)(0\d{4,9})(?![\w-])")
_PAGE_LABEL = re.compile(r"(?i)\bpage\s*\d+(?:\s*of\s*\d+)?")
_EDGE_LINES = 4  # Bates stamps sit in the first or last lines of a page


def _stamp_alone(line: str, match: re.Match) -> bool:
    """A Bates stamp stands on its own line, beside at most a page label or a
    few words ("CONFIDENTIAL"); a number inside a table row (dates, amounts,
    invoice numbers: digits around it) is not one."""
    rest = _PAGE_LABEL.sub(" ", line[:match.start()] + " " + line[match.end():])
    return not re.search(r"\d", rest) and len(rest.split()) <= 3


def find_bates(page_text: str) -> str | None:
    """The Bates number stamped on a page (bottom lines first), or None.

    >>> find_bates("2019-ICLI-00003 -022454\\nRecord of Deportable Alien")
    '2019-ICLI-00003 -022454'
    >>> find_bates("Narrative\\nCPD FOIA 15-0599 Page 1 of 10") is None  # a request number, not a sequence
    True
    >>> find_bates("7/25/13 1223 PET SUPPLIES PLUS 0202187696, 0202187621 367.88") is None
    True
    """
    lines = [line.strip() for line in page_text.splitlines() if line.strip()]
    candidates = list(reversed(lines[-_EDGE_LINES:])) + lines[:_EDGE_LINES]
    for line in candidates:
        matches = [m for m in _BATES.finditer(line) if _stamp_alone(line, m)]
        if matches:
            prefix, separator, number = matches[-1].groups()
            return re.sub(r"\s+", " ", prefix + separator + number).strip()
    return None


def bates_sort_key(value: str) -> tuple[str, int]:
    """(prefix, number) so that Bates numbers sort and compare as ranges."""
    match = re.search(r"(\d+)$", value)
    if not match:
        return (value, -1)
    return (value[: match.start()], int(match.group(1)))


# -- printed e-mails ------------------------------------------------------------
_HEADER = re.compile(r"^(From|Sent|Date|To|Cc|CC|Bcc|Subject|Importance|Attachments):\s*(.*)$")
_INLINE_FROM = re.compile(r"(?<=\S)\s*(?=From:\s)")
_GMAIL_SENDER = re.compile(r"^([^:<>]{2,80}?)\s*<\s*([^<>]*)\s*>\s*$")
_DATEISH = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\b.*\d{4}")
_MAX_BLOCK_LINES = 12


def _iso_date(value: str) -> str | None:
    from dateutil import parser as dateparser  # here: the search side imports this module, not dates

    try:
        return dateparser.parse(value.replace(" at ", " "), fuzzy=True).isoformat()
    except (ValueError, OverflowError):
        return None


_ANGLE = re.compile(r"\s*<[^<>]*>\s*")


def _person(value: str) -> str:
    """A printed participant without its address: "Carol Denning <x@y>" -> "Carol Denning"."""
    name = _ANGLE.sub(" ", value).strip().strip('"').strip()
    return name or value.strip()


def _split_people(value: str) -> list[str]:
    """Outlook separates people with ";" ("Last, First; Other, Name"); Gmail
    with "," after each address ("A <a@x>, B <b@x>")."""
    if ";" in value:
        parts = value.split(";")
    elif "<" in value:
        parts = re.split(r"(?<=>)\s*,", value)
    else:
        parts = [value]
    return [_person(p) for p in parts if p.strip()]


def find_emails(page_text: str, page: int | None = None) -> list[Email]:
    """E-mail header blocks printed on a page (Outlook and Gmail print styles)."""
    if "From:" not in page_text and "To:" not in page_text:
        return []  # a block opens with a "From:" line, or a Gmail sender line before "To:"
    lines = []
    for raw in page_text.splitlines():
        if "From:" in raw:  # _INLINE_FROM splits only there; as a regex it tries every position
            lines.extend(part.strip() for part in _INLINE_FROM.split(raw))
        else:
            lines.append(raw.strip())
    emails: list[Email] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _HEADER.match(line)
        gmail = _GMAIL_SENDER.match(line)
        if header and header.group(1) == "From":
            email, i = _read_block(lines, i + 1, Email(sender=_person(header.group(2)), page=page))
        elif gmail and i + 1 < len(lines) and lines[i + 1].startswith("To:"):
            sender = gmail.group(1).strip()
            email, i = _read_block(lines, i + 1, Email(sender=sender, page=page))
        else:
            i += 1
            continue
        if email.sender and (email.date or email.subject or email.recipients):
            emails.append(email)
    return emails


def _read_block(lines: list[str], start: int, email: Email) -> tuple[Email, int]:
    """Read header lines after a sender; returns the e-mail and where to go on."""
    i, last_key = start, None
    while i < len(lines) and i - start < _MAX_BLOCK_LINES:
        line = lines[i]
        header = _HEADER.match(line)
        if header:
            key, value = header.group(1).lower(), header.group(2).strip()
            if key == "from":
                break
            if key in ("sent", "date"):
                email.date = _iso_date(value)
            elif key in ("to", "cc", "bcc"):
                email.recipients.extend(_split_people(value))
            elif key == "subject":
                email.subject = value
            last_key = key
        elif not line:
            pass
        elif email.date is None and _DATEISH.search(line) and len(line) < 60:
            email.date = _iso_date(line)  # Gmail prints the date on its own line
            last_key = "date"
        elif last_key in ("to", "cc") and (";" in line or "<" in line):
            email.recipients.extend(_split_people(line))
        else:
            break
        i += 1
    return email, i


# -- the whole document ------------------------------------------------------------
def annotate(doc: Document) -> Document:
    """Fill page and document exemptions, Bates numbers and e-mails."""
    context = doc.text[:200_000]
    exemptions: set[str] = set()
    emails: list[Email] = []
    for page in doc.pages:
        page.exemptions = find_exemptions(page.text, context)
        exemptions.update(page.exemptions)
        if doc.kind == "release":
            page.bates = find_bates(page.text)
            emails.extend(find_emails(page.text, page.number))
    doc.exemptions = sorted(exemptions, key=_exemption_order)
    stamped = [p.bates for p in doc.pages if p.bates]
    doc.bates_range = (stamped[0], stamped[-1]) if stamped else None
    if emails:
        doc.emails = emails
    return doc
