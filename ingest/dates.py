"""The date of a release, from its content first, with where it came from.

Releases print their date: a letter's date line, a memo's ``DATE:`` line, the
``Sent:`` line of a printed e-mail, a court's ``Filed:`` stamp. Those win. The
PDF's CreationDate is a fallback, and only where it can stand for the
document: not a placeholder (``2000-01-01T00:00:00`` from tools that stamp a
fixed date), and not on a scan, whose CreationDate is the day it was scanned,
years after the typed date. A full date in the file name comes last. No date
is better than a wrong one: a date that is only part of a sentence, a date of
birth, or a two-digit year is never taken.

Parsing is python-dateutil's; what is a date *of the document* is decided
here, by where the date is printed.

>>> content_date(["U.S. Department of Homeland Security", "Washington, DC 20528", "", "July 15, 2011", "Re: opt out"])
'2011-07-15'
>>> content_date(["Date of Birth: June 29, 1979", "He arrived on March 3, 2019."]) is None
True
>>> release_date(["Sent: Tuesday, November 9, 2010 8:22 AM"], "2000-01-01T00:00:00+00:00", "x.pdf", scanned=False)
('2010-11-09', 'content')
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateparser

_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
          r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DATE = (rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"  # July 15, 2011
         rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH},?\s+\d{{4}}"  # 15 July 2011
         r"|\d{1,2}/\d{1,2}/\d{4}|\d{1,2}-\d{1,2}-\d{4}"  # 07/15/2011
         r"|\d{4}-\d{2}-\d{2})")  # 2011-07-15
_WEEKDAY = r"(?:(?:Mon|Tues?|Wed(?:nes)?|Thu(?:rs)?|Fri|Sat(?:ur)?|Sun)(?:day)?\.?,?\s+)?"
_TIME = r"(?:,?\s+(?:at\s+)?\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp]\.?[Mm]\.?)?(?:\s+[A-Z]{2,4})?)?"
# Labels that give the date of the document itself (never "Date of Birth").
_LABEL = (r"(?:date|dated|sent|date sent|date filed|filed|date of (?:request|response|release|report|"
          r"memo(?:randum)?|letter|production|issue)|issued|released|received)")
_JUNK = r"(?:\s+\S{1,4})?\s*$"  # a stray OCR speck after the date
_PATTERNS = [
    re.compile(rf"^\s*{_LABEL}\s*[:.]?\s*{_WEEKDAY}(?P<date>{_DATE}){_TIME}{_JUNK}", re.I),  # DATE: ..., Sent: ...
    re.compile(rf"^\s*{_WEEKDAY}(?P<date>{_DATE}){_TIME}{_JUNK}", re.I),  # a letter's date line
    # a memo's heading with its date: "BUREAU OF ORGANIZED CRIME 17 January 2014"
    re.compile(rf"^\s*[A-Z][A-Z .,&'-]{{3,60}}?\s+(?P<date>{_DATE}){_JUNK}"),
    re.compile(rf"\b(?:date\s+)?filed\s*:?\s*(?P<date>{_DATE})", re.I),  # court stamps: "Filed: 10/31/2017"
    re.compile(rf"^\s*case:?\s+[\w.:-]+,\s+(?:document\s+[\w-]+,\s+)?(?P<date>\d{{1,2}}/\d{{1,2}}/\d{{4}}),", re.I),
]
_UNLABELLED = _PATTERNS[1:3]  # a date line, a heading's date: not trusted on a table's page
_LEADING_DATE = re.compile(rf"^\s*(?P<date>{_DATE})\s+[A-Za-z]", re.I)
_PRINT_HEADER = re.compile(rf"^\s*date\s*:\s*{_DATE}\s+(?:\S+\s+){{0,3}}?page\s*:", re.I)
LETTER_LINES = 15
_ANY_DATE = re.compile(rf"(?<![\w/-]){_DATE}(?![\w/-])", re.I)
_STARTS_WITH_DATE = re.compile(rf"\s*{_DATE}(?![\w/-])", re.I)
_FILE_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_.]?(0[1-9]|1[0-2])[-_.]?(0[1-9]|[12]\d|3[01])(?!\d)")
# Looked for in the first lines of the first pages only: further on, dates are
# those of events the document reports.
MAX_PAGES = 2
MAX_LINES = 60
EARLIEST_YEAR = 1900


def parse_date(text: str, today: dt.date | None = None) -> str | None:
    """``text`` (one of the shapes above) as ``YYYY-MM-DD``, or None when it
    is not a real date or lies in the future.

    >>> parse_date("Sept. 3, 1963"), parse_date("02/30/2011"), parse_date("07/15/2011")
    ('1963-09-03', None, '2011-07-15')
    """
    cleaned = re.sub(r"(?<=\d)(st|nd|rd|th)\b", "", text).replace("Sept", "Sep")
    try:
        parsed = dateparser.parse(cleaned, dayfirst=False, default=dt.datetime(1900, 1, 1)).date()
    except (ValueError, OverflowError):
        return None
    today = today or dt.date.today()
    if not EARLIEST_YEAR <= parsed.year or parsed > today + dt.timedelta(days=1):
        return None
    return parsed.isoformat()


def content_date(lines: list[str]) -> str | None:
    """The date printed as the document's own date in ``lines``: the first
    labelled one ("DATE:", "Sent:", "Filed:"), else the first date line.

    A label says what a date is; a date standing alone may be a form's own
    date printed above the document's (the JFK identification forms). A
    page with three lines or more that begin with a date or hold two is a table or a log
    (a list of deaths, a check register): its unlabelled dates are those of
    entries, not of the document, and only labelled dates count there.

    >>> content_date(["List of deaths", "10/24/2016", "Texas", "5/31/2017", "Arizona 1/2/2017", "4/4/2017"]) is None
    True
    >>> content_date(["Identification Form", "5/5/2016", "TITLE: MEMORANDUM", "DATE: 06/08/1961"])
    '1961-06-08'
    """
    lines = lines[:MAX_LINES]
    table = sum(1 for line in lines if _STARTS_WITH_DATE.match(line) or len(_ANY_DATE.findall(line)) > 1) >= 3
    labelled = [p for p in _PATTERNS if p not in _UNLABELLED]
    passes = [labelled] if table else [labelled, _UNLABELLED]
    for patterns in passes:
        for number, line in enumerate(lines):
            if len(line) > 120:  # prose, not a date line or a stamp
                continue
            if _PRINT_HEADER.search(" ".join(lines[number:number + 3])):
                continue  # "Date: ... Page: 1": when a form was printed, not the document's date
            candidates = patterns
            if patterns is _UNLABELLED and number < LETTER_LINES:  # "June 1, 2015 Sent via E-Mail to: ..."
                candidates = [*patterns, _LEADING_DATE]
            for pattern in candidates:
                match = pattern.search(line)
                found = match and parse_date(match.group("date"))
                if found:
                    return found
    return None


def metadata_date(value: str | None) -> str | None:
    """The day of a PDF metadata date unless it is a placeholder.

    >>> metadata_date("2000-01-01T00:00:00+00:00"), metadata_date("2017-06-05T13:41:08-04:00")
    (None, '2017-06-05')
    """
    if not value or re.match(r"^\d{4}-01-01(T00:00:00)?([+-]00:00|Z)?$", value) or value < "1993":
        return None  # the PDF format is from 1993; Jan 1 at midnight is a tool's fixed stamp
    return value[:10]


def file_date(name: str) -> str | None:
    """A full date in a file name (``memo_2011-07-15.pdf``, ``20110715``).

    >>> file_date("DEF_production_2011-07-15.pdf"), file_date("DEF_production_2011-07.pdf")
    ('2011-07-15', None)
    """
    match = _FILE_DATE.search(name)
    return parse_date("-".join(match.groups())) if match else None


def release_date(pages: list[str] | list[list[str]], metadata: str | None, file_name: str,
                 scanned: bool) -> tuple[str | None, str | None]:
    """``(date, source)`` of a release: source is ``"content"``,
    ``"metadata"`` or ``"file"``; ``(None, None)`` when nothing can be trusted.

    ``pages`` are the page texts (or their lines); ``scanned`` says every
    page is OCR, so the metadata date is that of the scan.
    """
    for page in pages[:MAX_PAGES]:
        found = content_date(page.splitlines() if isinstance(page, str) else page)
        if found:
            return found, "content"
    if not scanned and (found := metadata_date(metadata)):
        return found, "metadata"
    if found := file_date(file_name):
        return found, "file"
    return None, None
