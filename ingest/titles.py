r"""The title of a release: what a reader would call it, distinct per document.

In order: the PDF's metadata title when the document's own text bears it
out (a template's title such as "DIRECTOR'S ADVISORY GROUP - DETENTION", a
scanner's "HighView Image" or a file name are not borne out); the ``RE:`` or
``Subject:`` line on the first pages; the first heading (the first short
line that is not letterhead, an address, a date, a page or case stamp, a
classification or release stamp). A heading or subject is often shared by a
series (a form's name, "NOTICE OF RESPONSE TO FOIA REQUEST"), so when the
file name carries a record number it is added to tell them apart.
The file name is the last resort.

>>> release_title(["U.S. Department of Homeland Security\nWashington, DC 20528\n"
...                "July 15, 2011\nRe: Opt-out of Secure Communities"], None, "letter")
'Opt-out of Secure Communities'
>>> release_title(["U.S. Immigration and Customs Enforcement\nDetainee Death Report: OWEN, Ben James"],
...               "DIRECTOR'S ADVISORY GROUP - DETENTION", "ddr-OWEN")
'Detainee Death Report: OWEN, Ben James'
"""

from __future__ import annotations

import re

from foiasearch.ingest.dates import content_date

MAX_PAGES = 2
SUBJECT_LINES = 60
HEADING_LINES = 30
_SUBJECT = re.compile(r"^\s*(?:re|subj(?:ect)?|title)\s*[:.]\s*_?(?P<title>\S.{3,200})$", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]+")
# Words of agency and court names, addresses and salutations: a line made of
# them is letterhead, not a heading.
_LETTERHEAD = set("""
u.s. us united states department dept office offices bureau agency administration division immigration customs
enforcement removal operations homeland security police sheriff sheriff's county court courts appeals circuit
district commission services service federal justice general counsel freedom information act foia unit city
state of and the for & ice dhs cbp uscis ero fbi cia central intelligence investigation naturalization citizenship
border protection attorney attorneys law eastern western northern southern first second third fourth fifth sixth
seventh eighth ninth tenth eleventh illinois chicago cook washington dc d.c. street st avenue ave suite floor room
box p.o. building plaza courthouse in one two three four five six seven eight nine ten tel fax phone telephone www http https com gov org department's records record section
legal affairs headquarters field ssa supreme superior tribunal government governor's executive mayor's
""".split())
# Stamps and form furniture that are no one's title.
_STAMP = re.compile(
    r"release under|assassination records|(un)?classified|secret|confidential|for official use|law enforcement sensitive|"
    r"redacted|page \d|\bpg:? ?\d|^case\b|^appeal:|^no\. \d|docket|\(b\)\s?\(\d|^exhibit\b|^attachment\b|"
    r"^(memorandum|memo|letter|fax|facsimile|cable|message|notice|to|from|cc|bcc|date|sent|subject|re|filed)\s*:?\s*$|"
    # a court's name, a case caption's parties and judge
    r"\bcourt(house)?\b|\bet al\.?$|^(hon\.|honorable|judge)\s|\s\)\s|\)$|"
    r"^(plaintiffs?|defendants?|appellants?|appellees?|petitioners?|respondents?)\b|"
    # an address
    r"^\d+\s.*\b(street|st|square|avenue|ave|road|rd|drive|boulevard|blvd|place|way|lane)\b\.?$|\b[A-Z]{2}\s+\d{5}",
    re.I)
_GENERATED = re.compile(
    r"^(untitled\d*|microsoft (word|excel|powerpoint) - .*|document\d*|scan\w*|image\w*|highview image|\d+|"
    r".*\.(docx?|pdf|tiff?|rtf|txt|xlsx?|wpd|png|jpe?g|gif|bmp))$", re.I)
_RECORD_NUMBER = re.compile(r"\d{3}")


def _words(text: str) -> list[str]:
    return [w.lower().strip("'’") for w in _WORD.findall(text)]


def confirmed_metadata_title(title: str | None, text: str) -> str | None:
    """The metadata title when at least half of its words are in ``text``.

    >>> confirmed_metadata_title("Detainee Deaths- Oct. 2003 through June 5, 2017", "List of Deaths ... 10/01/2003")
    >>> confirmed_metadata_title("Deaths in custody", "List of Deaths in ICE Custody")
    'Deaths in custody'
    """
    if not title:
        return None
    title = " ".join(title.split())
    if len(title) < 3 or _GENERATED.match(title):
        return None
    words = [w for w in _words(title) if len(w) >= 3]
    present = set(_words(text))
    if not words or sum(w in present for w in words) * 2 < len(words):
        return None
    return title


def subject_line(lines: list[str]) -> str | None:
    """The first ``RE:``/``Subject:`` line's text (redaction codes alone do not count)."""
    for line in lines[:SUBJECT_LINES]:
        match = _SUBJECT.match(line)
        if match:
            title = " ".join(match.group("title").split()).strip(" .;,")
            if len(_words(title)) >= 2:
                return title
    return None


def is_heading(line: str) -> bool:
    """A short line of words that is not letterhead, a date, an address or a stamp.

    >>> is_heading("Record of Deportable/Inadmissible Alien"), is_heading("Washington, DC 20528")
    (True, False)
    """
    line = " ".join(line.split())
    words = _words(line)
    if not 2 <= len(words) <= 16 or len(line) > 140 or _STAMP.search(line):
        return False
    letters = sum(c.isalpha() for c in line)
    if letters < 0.6 * len(line.replace(" ", "")) or not line[0].isalnum() or line.endswith((",", ";")):
        return False
    if sum(w in _LETTERHEAD for w in words) >= 0.7 * len(words):
        return False
    if content_date([line]):
        return False
    # OCR noise: real headings are mostly words of 3+ letters
    return sum(len(w) >= 3 for w in words) >= 0.6 * len(words)


def first_heading(lines: list[str]) -> str | None:
    for line in lines[:HEADING_LINES]:
        if is_heading(line):
            return " ".join(line.split())
    return None


def release_title(pages: list[str] | list[list[str]], metadata_title: str | None, file_stem: str) -> str:
    """The title of a release from its page texts (or lines), its metadata
    title and its file name without extension."""
    texts = [page if isinstance(page, str) else "\n".join(page) for page in pages[:MAX_PAGES]]
    if found := confirmed_metadata_title(metadata_title, "\n".join(texts)):
        return found
    line_sets = [text.splitlines() for text in texts]
    for find in (subject_line, first_heading):
        for lines in line_sets:
            if found := find(lines):
                return with_record_number(found, file_stem)
    return file_stem


def with_record_number(title: str, file_stem: str) -> str:
    """``title (file_stem)`` when the file name carries a record number: a
    subject or heading is often shared by a whole series ("NOTICE OF RESPONSE
    TO FOIA REQUEST", a form's name), the record number tells them apart.

    >>> with_record_number("NOTICE OF RESPONSE TO FOIA REQUEST", "CPD_FOIA_15-2549")
    'NOTICE OF RESPONSE TO FOIA REQUEST (CPD_FOIA_15-2549)'
    >>> with_record_number("Detainee Death Report: BA, Ousmane", "ddr_OusmaneBa")
    'Detainee Death Report: BA, Ousmane'
    """
    if _RECORD_NUMBER.search(file_stem) and file_stem.casefold() not in title.casefold():
        return f"{title} ({file_stem})"
    return title
