"""Who is named in a document: agencies, programs, organisations, places and
people, as canonical, deduplicated actors a facet can show.

Precision comes first: an actor is reported only when it is in the gazetteer
(``ingest/gazetteer.toml`` plus user files), or when its form says what it is:
a person named with a title ("Gov. Quinn", "Rep. Zoe Lofgren"), named by a
reporting verb or apposition ("said Jason Foy", "Bruce Bagley, a professor"),
written the records way ("OWEN, Ben James" next to "Mr. OWEN"), an e-mail
sender or recipient; an organisation named by its suffix ("... Police
Department", "... Coalition", "... Circuit Court"). Capitalised words alone
never make an actor, so "The", "Sent" or "Page 3" cannot appear.

>>> from foiasearch.ingest.document import Document, Page
>>> doc = Document(kind="post", pages=[Page(1,
...     "Governor Pat Quinn told DHS that Illinois would leave S-Comm. "
...     "Gov. Quinn's letter reached ICE.")])
>>> [(a.name, a.type) for a in extract_actors(doc)]
[('DHS', 'agency'), ('ICE', 'agency'), ('Illinois', 'place'), ('Pat Quinn', 'person'), ('Secure Communities', 'program')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from bisect import bisect_left
from functools import lru_cache, partial
from itertools import compress, count
from operator import itemgetter
from typing import Iterator

from foiasearch.ingest.document import Actor, Document, Email
from foiasearch.ingest.gazetteer import _INITIALS, Gazetteer, _words, default_gazetteer
from foiasearch.ingest.patterns import led_by

# ---------------------------------------------------------------- text forms

_SEP = r"(?:[ \t]+|[ \t]*\n[ \t]*)"  # a space, or one line break (PDF wrapping)
_WORD = r"(?:Ma?c|O['’]|D['’])?[A-Z][a-zà-ÿ]+(?:-[A-Z]?[a-zà-ÿ]+|-[A-Z]{2,})*"
_CAPS = r"[A-Z]{2,}(?:-[A-Z]?[a-zA-Z]+)*"  # OWEN, BAMACA-Zacarias
_INIT = r"[A-Z]\."
_SUFFIX = r"(?:,?[ \t]+(?:Jr\.|Sr\.|II|III|IV)(?!\w))?"
_TOKEN = rf"(?:{_WORD}|{_CAPS}|{_INIT})"
_NAME = rf"{_TOKEN}(?:{_SEP}{_TOKEN}){{0,3}}{_SUFFIX}"

_TITLES = (
    r"Governor|Gov\.|Lt\.[ \t]Gov\.|Lieutenant[ \t]Governor|Representative|Rep\.|Congressman|"
    r"Congresswoman|Senator|Sen\.|Sheriff|(?:Acting[ \t]|Deputy[ \t]|Assistant[ \t]|Field[ \t]Office[ \t])?Director|"
    r"(?:Police[ \t])?Chief|Superintendent|Secretary(?:[ \t]of[ \t](?:State|Homeland[ \t]Security|Labor))??|"
    r"Mayor|Commissioner|(?:Chief[ \t]|U\.S\.[ \t]District[ \t]|District[ \t]|Magistrate[ \t])?Judge|Justice|"
    r"Attorney[ \t]General|President|Alderman|Ald\.|Officer|Detective|Sergeant|Sgt\.|Lieutenant|"
    r"Lt\.|Captain|Capt\.|(?:Special[ \t])?Agent|Dr\.|Mr\.|Ms\.|Mrs\.|Hon\.|Honorable|Ambassador|"
    r"Councilman|Councilwoman|Assemblyman|Assemblywoman|Assemblymember|Warden|Chairman|Chairwoman|"
    r"State['’]s[ \t]Attorney|Inspector[ \t]General"
)
_HONORIFIC = re.compile(r"(?:Mr|Ms|Mrs|Dr)\.$")
_TITLED = led_by("[A-Z/]", rf"(?<![\w.])(?P<title>{_TITLES}|/s/){_SEP}(?:the[ \t]+)?(?P<name>{_NAME})")

_REPORTING = r"said|says|told|wrote|added|testified|stated|argued|explained|asked|warned|noted"
_SAID_NAME = re.compile(rf"\b(?:{_REPORTING}|according[ \t]to){_SEP}(?P<name>{_NAME})")
_NAME_SAID = re.compile(
    rf"(?<![\w.])(?P<name>{_NAME})(?:,[^,.;\n]{{1,80}},)?,?{_SEP}(?:{_REPORTING}|has[ \t]said)\b"
)
# A sentence that opens with a plain two- or three-word name and a verb of being.
_NAME_VERB = led_by(
    "[A-Z]", rf"(?:^|(?<=[.!?]\s)|(?<=\n))(?P<name>{_WORD}(?:[ \t]+{_WORD}){{1,2}})[ \t]+(?:was|had|pleaded|died)\b",
    re.MULTILINE,
)
# Printed e-mail headers and letter sign-offs name people.
_HEADER = re.compile(r"^[ \t]*(?:From|To|Cc|CC|Sent by):[ \t]*(?P<value>.+)$", re.MULTILINE)
_SIGN_OFF = re.compile(
    rf"^[ \t]*(?:Sincerely|Respectfully|Regards|Best regards|Thanks|Thank you),?[ \t]*\n(?:[ \t]*\n)?[ \t]*(?P<name>{_NAME})[ \t]*$",
    re.MULTILINE,
)
# Words every match of a pattern contains: where none is in the text (a str
# search, in C), the pattern is not run over it (issue 18).
_HEADER_WORDS = ("From:", "To:", "Cc:", "CC:", "Sent by:")
_SIGN_OFF_WORDS = ("Sincerely", "Respectfully", "Regards", "regards", "Thank")
_NAME_VERB_WORDS = ("was", "had", "pleaded", "died")


def _as_tokens(*words: str) -> frozenset[str]:
    """The gazetteer's tokens (gazetteer._words) that are one of ``words``
    where ``re`` finds it as a whole word: the word, or the word and a
    letter or digit in brackets ("287(g)" is one token).

    >>> sorted(_as_tokens("was"))[:3]
    ['was', 'was(0)', 'was(1)']
    """
    return frozenset(f"{word}{end}" for word in words
                     for end in ("", *(f"({c})" for c in "abcdefghijklmnopqrstuvwxyz0123456789")))


# The same as tokens of the gazetteer (gazetteer._words), where the document's
# set of them is at hand: a set lookup, not a scan of the text per word.
_SIGN_OFF_TOKENS = frozenset(("Sincerely", "Respectfully", "Regards", "regards", "Thanks", "Thank"))
_NAME_VERB_TOKENS = _as_tokens(*_NAME_VERB_WORDS)


def _occurrences(text: str, word: str) -> list[int]:
    """Where ``word`` is in ``text``, in order (overlaps included).

    >>> _occurrences("Office, Officers, office", "Office")
    [0, 8]
    """
    found, at = [], text.find(word)
    while at != -1:
        found.append(at)
        at = text.find(word, at + 1)
    return found


def _has_any(text: str, words: tuple[str, ...]) -> bool:
    """Whether ``text`` contains one of ``words``.

    >>> _has_any("Regards,\\nAnn Lee", _SIGN_OFF_WORDS), _has_any("Ann Lee wrote", _NAME_VERB_WORDS)
    (True, False)
    """
    return any(word in text for word in words)


# Offices of a known agency: "ICE Office of Public Affairs".
_AGENCY_OFFICE = led_by(
    "[CDEFHIU]", r"\b(?P<agency>ICE|DHS|CBP|USCIS|DOJ|FBI|EOIR|ERO|HSI)[ \t]+(?P<office>Office[ \t]+of[ \t]+(?:the[ \t]+)?"
    r"[A-Z][\w-]*(?:[ \t]+(?:and[ \t]+)?[A-Z][\w-]*)*)"
)
# A county named as a jurisdiction: "Alder County", not "Lowndes County Jail".
_COUNTY = led_by("[A-Z]", r"(?<![\w-])(?P<name>(?:[A-Z][a-z]+[ \t]+){1,2}County)(?:['’]s)?(?![\w-])")
_SAID_AT = re.compile(rf"\b(?:{_REPORTING}|has[ \t]said)\b")
# The gazetteer's tokens every match of _SAID_AT starts with (a token may end
# in "(a)"): the matches are looked for there alone (issue 18).
_SAID_WORDS = _as_tokens(*_REPORTING.split("|"), "has")
_APPOSITION_AT = re.compile(r",[ \t]+(?:who|a|an|the|its|his|her)[ \t]")
_APPOSITION = led_by("[A-Z]", rf"(?<![\w.])(?P<name>{_NAME}),[ \t]+(?:who|a|an|the|its|his|her)[ \t]")

# Records write the surname in capitals first: "OWEN, Ben James".
_RECORD_NAME = led_by(
    "[A-Z]", rf"(?<![\w-])(?P<last>{_CAPS}),[ \t]+(?P<first>{_WORD}(?:[ \t]+{_WORD}){{0,2}})(?![\w-])"
)

# Organisations and agencies by their form: capitalised words + a suffix.
_ORG_PREFIX = rf"(?P<prefix>(?:(?:[A-Z0-9][\w'’&.-]*|of|and|for|on|&){_SEP}){{1,7}}?)"
_ORG_SUFFIXES = {
    "agency": r"Police_Department|Police_Dept\.?|Sheriff['’]s_(?:Office|Department|Police)|"
    r"State_Police|Township_Police|Department_of_Corrections|Coroner|"
    r"Attorney['’]s_Office(?:_for_the_(?:[A-Z]\w+_){1,3}of_[A-Z]\w+(?:_[A-Z]\w+)?)?|Public_Defender|"
    r"District_Attorney|Board_of_Supervisors|Standards_Agency|Protection_Agency",
    # "(?:Coalition|...)(?:_for_...)?" written out word by word: then every
    # alternative starts with a letter, and re looks for _ORG_AT only where
    # one of those letters is (30 us a post instead of 85 behind led_by).
    "organization": "|".join(rf"{word}(?:_(?:for|of|on)_(?:the_)?[A-Z][\w-]+(?:_(?:and_)?[A-Z][\w-]+){{0,3}})?"
                             for word in ("Coalition", "Network", "Project", "Alliance", "Foundation"))
    + r"|LLP|LLC|Legal_Aid_Society|Immigrant_Rights_Center",
}
_ORG_SUFFIXES = {k: v.replace("_", _SEP) for k, v in _ORG_SUFFIXES.items()}
_ORG_AT = re.compile("|".join(_ORG_SUFFIXES.values()))
_ORG = re.compile(
    rf"(?<![\w'’-]){_ORG_PREFIX}(?P<suffix>{'|'.join(f'(?P<{k}>{v})' for k, v in _ORG_SUFFIXES.items())})(?!\w)"
)
_COURT_AT = re.compile(r"Court")
_COURT = re.compile(
    rf"(?<![\w-])(?P<prefix>(?:(?:[A-Z0-9][\w.'’]*|of|for|the){_SEP}){{0,8}}?)Court"
    rf"(?P<tail>(?:{_SEP}(?:[Oo]f|[Ff]or){_SEP}(?:[Tt]he{_SEP})?(?:[A-Z0-9][\w.'’]*(?:{_SEP}(?=[A-Z0-9]))?){{1,4}}){{0,2}})"
)

# Words that are capitalised but are not (parts of) personal names.
_STOP = set(
    """The A An This That These Those His Her Its Their Our We I He She They It In On At By For From
    To Of And Or But As If When While After Before During Since Under Upon With Without Per Re Dear
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
    July August September October November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec
    Page Sent Subject Date Cc Bcc From To Attachments Importance Yes No Not None Case Docket Exhibit
    Police Department Dept County State States City Court Office Agency Government Border Customs
    Immigration Enforcement Federal National American United Homeland Security Sheriff Officer
    Congress Senate House Republican Republicans Democrat Democrats Democratic News Press Associated
    Secretary Director Chief Governor Gov Rep Sen President Mayor Judge Justice Attorney General
    Department Program Programs Act Section Form Notice Order Report Center Detention Facility Jail
    Hospital Medical Emergency Services Health Care Unit New Los San Santa Las El North South East West
    Fort Saint St Mount Lake Port Street Road Avenue Drive Plaintiff Plaintiffs Defendant Defendants
    Appellant Appellants Appellees Counsel Honorable Hon Mr Ms Mrs Dr Sir Madam Inc LLC LLP Co Corp
    Internet Twitter Facebook Instagram Google Microsoft Apple Christmas Easter God Lord Jesus
    Administration Committee Commission Council Board Bureau Division Service Network Coalition Project
    Foundation Alliance Association Union University College School Church Times Post Journal Daily
    Tribune Herald Magazine Review Study Summary Introduction Conclusion Background Table Figure
    Covid COVID Coronavirus Mexico California Texas Illinois Florida Arizona Washington America
    Chicago Cook Ninth Second First Third Circuit District Supreme Appeals Northern Southern Eastern
    Western Central Only Also Then Thus However Moreover Meanwhile Instead Therefore Although Both
    Each Every All Some Many Most Any Such Other Another Since Because Even Still Yet Just Here There
    Where Why How What Who Whom Which Whose Whoever Please Thank Thanks Regards Sincerely Respectfully
    Submitted Signed Signature Title Name Address Phone Telephone Fax Facsimile Email Re Fwd FW RE
    ICE DHS CBP ERO FBI DOJ USCIS HSI EOIR ACLU NDLON CPD FOIA USA US U.S. Mrs. Mr. Ms. Dr.
    Detainee Detainees Inmate Inmates Alien Aliens Staff Nurse Doctor Officers Agents Lawmakers
    Opinion Editorial Letters Letter Breaking Latest Related More Read Share Follow Subscribe""".split()
)
# Words that end the name of a unit of an organisation, not a person's name.
_UNIT_WORDS = set(
    """Division Unit Section Bureau Department Dept Office Program Fund Funds Group Team Task Force Center
    Centre Services Service Branch Squad Detail Command District Account Spreadsheet Committee Council
    Commission Board Agency Administration Directorate Operations Investigations Team""".split()
)
# Job titles that end a phrase like "Public Access Counselor": a role, not a name.
_ROLE_WORDS = set(
    """Counselor Counsel Operator Clerk Analyst Specialist Supervisor Manager Coordinator Assistant Officer
    Technician Administrator Investigator Examiner Inspector Liaison Representative Secretary""".split()
)
# Words that open a sentence or clause before an organisation's name.
_ORG_LEAD = set(
    """The A An In On At By For From To Of And Or But As If When While After Before During Since Under
    With Per Re This That These His Her Its Their Our Mr. Ms. Mrs. Dr. Between Both Each Every Via
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Contact Call Dear Plaintiff Defendant Defendants""".split()
)
# Titles that may be printed before a name inside a longer name span.
_TITLE_WORDS = {"Governor", "Gov.", "Rep.", "Sen.", "Senator", "Representative", "Sheriff", "Director",
                "Chief", "Secretary", "Mayor", "Judge", "Justice", "President", "Dr.", "Mr.", "Ms.",
                "Mrs.", "Hon.", "Attorney", "General", "Acting", "Deputy", "Police", "U.S.", "Officer",
                "Detective", "Commissioner", "Superintendent", "Agent", "Special"}
_KEEP_CAPS = {"LLP", "LLC", "II", "III", "IV", "USA", "PA", "NY"}
_ADDRESS_AFTER = re.compile(r"^(?:,\s*(?:[A-Z]{2}|[A-Z]\w+\.?)(?![\w])|[ \t]*\([A-Z]{2}\))")
_ADDRESS_BEFORE = re.compile(r"(?:[A-Z][\w.'’-]*),[ \t]*$|Citizenship:[ \t]*$|[Bb]orn[ \t]in[ \t]*$")


# Where a capitalised word (or "/s/") may start: a capital or a slash that no
# word character precedes. Every pattern run by _matches_at over these places
# is led by such a character and looks behind it for no word character.
_WORD_START = re.compile(r"[A-Z/](?<!\w.)")


def _word_starts(text: str, tokens: tuple[list[str], list[int], list[int]] | None = None) -> list[int]:
    """Offsets in ``text`` of capitalised words and slashes that no word
    character precedes, or more places than those (where no pattern led
    by a capital or a slash can match). ``tokens``: ``_words(text)``.

    >>> text = "ICE's McDonald /s/ of Cook"
    >>> _word_starts(text), _word_starts(text, _words(text))  # the second slash: a word character before it
    ([0, 6, 15, 22], [0, 6, 15, 17, 22])
    """
    if tokens is None or _INITIALS.search(text):
        return [m.start() for m in _WORD_START.finditer(text)]
    # A capital no word character precedes starts a token, unless the token
    # stream joined it to the initial before it ("U.S."; then the pattern
    # above). Tokens whose first letter is a capital: a test per token in C
    # instead of re's per character (10 us a post instead of 40).
    words, starts, _ = tokens
    capitals = list(compress(starts, map(str.isupper, map(itemgetter(0), words))))
    if "/" not in text:
        return capitals
    return sorted(capitals + _occurrences(text, "/"))


def _matches_at(pattern: re.Pattern, text: str, starts: list[int]) -> Iterator[re.Match]:
    """``pattern.finditer(text)`` for a pattern that can match only where one
    of ``starts`` (sorted) is: it is tried there alone, each a ``match`` that
    sees the text around it, a match's end skipped past as ``finditer`` does.

    ``re`` tries a pattern led by a lookahead at every place of the text
    (16 ns a character); a post has some 40 capitalised words in 4,500
    characters, so the six patterns so run cost 150 us a post instead of
    510 (issue 18).

    >>> [m.group() for m in _matches_at(_COUNTY, "Alder County and Bay County", _word_starts("Alder County and Bay County"))]
    ['Alder County', 'Bay County']
    """
    end = 0
    for start in starts:
        if start < end:
            continue
        m = pattern.match(text, start)
        if m:
            yield m
            end = m.end()


@dataclass
class _Found:
    name: str
    type: str
    start: int  # offset in the normalised document text


# ---------------------------------------------------------------- helpers
# A word, and a hyphenated name, broken at the end of a printed line.
_BROKEN_WORD = led_by("-", r"(?<=[a-z])-[ \t]*\n[ \t]*(?=[a-z])")
_BROKEN_NAME = led_by("-", r"(?<=\w)-[ \t]*\n[ \t]*(?=[A-Z])")
_ALL_CAPS = led_by("[A-Z]", r"(?<![\w'’])[A-Z]{2,}(?![a-z])")


def normalise_text(text: str) -> str:
    """Undo what printing does to names: hyphenated line breaks, curly
    apostrophes, non-breaking spaces. Offsets shift, so callers that need
    pages normalise page by page.

    >>> normalise_text("Enforce-\\nment by BAMACA-\\nZacarias’s")
    "Enforcement by BAMACA-Zacarias's"
    """
    text = text.replace("\u00a0", " ").replace("’", "'").replace("\u00ad", "")
    if "-" not in text:
        return text
    return _BROKEN_NAME.sub("-", _BROKEN_WORD.sub("", text))


_SMALL_CAPS = {"OF", "FOR", "THE", "AND", "ON", "IN", "AT"}


def _titlecase_caps(text: str, starts: list[int] | None = None) -> str:
    """A same-length copy with capitals-only words title-cased, so that
    "IN THE CIRCUIT COURT OF COOK COUNTY" is read like ordinary text.
    ``starts``: where its capitals-only words may start (``_word_starts``,
    or fewer of them), if known.

    >>> _titlecase_caps("THE CIRCUIT COURT OF COOK COUNTY, COOLEY LLP")
    'the Circuit Court of Cook County, Cooley LLP'
    """
    parts, at = [], 0
    for m in _matches_at(_ALL_CAPS, text, _word_starts(text) if starts is None else starts):
        word = m.group(0)
        if word in _KEEP_CAPS:
            continue
        parts += text[at:m.start()], word.lower() if word in _SMALL_CAPS else word.capitalize()
        at = m.end()
    return "".join([*parts, text[at:]]) if parts else text


def _tokens(span: str) -> list[str]:
    return re.sub(r"[ \t]*,?[ \t]+(?=(?:Jr|Sr)\.)", " ", span).split()


def _display(token: str) -> str:
    """OWEN -> Owen, BAMACA-Zacarias -> Bamaca-Zacarias; keep LLP, II."""
    if token in _KEEP_CAPS or len(token) < 2 or "." in token:
        return token
    return "-".join(p.capitalize() if p.isupper() and len(p) > 1 else p for p in token.split("-"))


def _clean_person(tokens: list[str]) -> list[str]:
    """Drop title words at the front and non-name words anywhere at the end."""
    while tokens and (tokens[0] in _TITLE_WORDS or tokens[0].rstrip(".,") in _STOP):
        tokens = tokens[1:]
    while tokens and tokens[-1].rstrip(",").rstrip(".") in _STOP - {"Jr", "Sr"}:
        tokens = tokens[:-1]
    return tokens


def _is_name_like(tokens: list[str]) -> bool:
    core = [t for t in tokens if t not in ("Jr.", "Sr.", "II", "III", "IV")]
    if not 1 <= len(core) <= 4:
        return False
    if any(t.rstrip(".,'s") in _STOP for t in core):
        return False
    # Not all initials, not all capitals unless the record form (handled apart).
    return any(len(t.rstrip(".")) > 1 for t in core)


# A release prints the same senders and recipients on many pages, and each is
# read twice (the printed header, then the e-mail found by ingest.foia).
@lru_cache(maxsize=4096)
def person_from_email(value: str) -> str | None:
    """Normalise a printed e-mail participant to "First Last", or None.

    >>> person_from_email("Smith, John")
    'John Smith'
    >>> person_from_email('"John Smith" <jsmith@ice.dhs.gov>')
    'John Smith'
    >>> person_from_email("jsmith@ice.dhs.gov") is None
    True
    """
    value = re.sub(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)", " ", value).strip().strip('"\'').strip()
    value = re.sub(r"\s+", " ", value)
    if not value or "@" in value or re.search(r"\d", value):
        return None
    if value.count(",") == 1:
        last, first = (p.strip() for p in value.split(","))
        value = f"{first} {last}"
    if any(t.rstrip(".,") in _STOP for t in value.split()):
        return None  # "ICE FOIA Office", "DHS Office of ...": not a person
    tokens = [_display(t) for t in value.split()]
    if not 2 <= len(tokens) <= 4 or not all(re.fullmatch(rf"{_WORD}|{_CAPS}|{_INIT}", t) for t in tokens):
        return None
    tokens = _clean_person(tokens)
    return " ".join(tokens) if len(tokens) >= 2 and _is_name_like(tokens) else None


# ---------------------------------------------------------------- extraction
class _Extractor:
    """One pass over a document's normalised text; collects candidates with
    offsets so that pages can be derived from them."""

    def __init__(self, text: str, gazetteer: Gazetteer) -> None:
        self.text = text
        self.gaz = gazetteer
        self.found: list[_Found] = []
        lowered = text.lower()
        self.folded = lowered if len(lowered) == len(text) else text  # offsets must line up
        self.taken = bytearray(len(text) + 1)  # 1 where a found actor claims the text
        self.full_names: dict[str, str] = {}  # surname (folded) -> full name
        self.surnames: list[tuple[str, int]] = []
        self._lower_words: set[str] | None = None  # words written in lower case, for _common_words
        self.canonical_person: dict[str, str] = {}  # printed name -> gazetteer name  # unresolved single-name mentions
        self.words = _words(text)  # the gazetteer's tokens: words, starts, ends
        self.vocabulary = set(self.words[0])
        self.starts = _word_starts(text, self.words)  # where the patterns led by a capital are tried
        # Where a pattern that starts with two capitals is tried.
        self.capitals_2 = [start for start in self.starts if text[start + 1:start + 2].isupper()]

    def run(self) -> list[_Found]:
        matches = self.gaz.find(self.text, self.words, self.vocabulary)
        self._gazetteer([m for m in matches if m.entry.type != "place"])
        self._agency_offices()
        self._organisations()
        self._gazetteer([m for m in matches if m.entry.type == "place"])
        self._counties()
        self._people()
        return self.found

    def _overlaps(self, start: int, end: int) -> bool:
        return self.taken.find(1, start, end) != -1

    def _claim(self, start: int, end: int) -> None:
        self.taken[start:end] = b"\x01" * (end - start)

    def _given_before(self, name: str, flags: int = 0) -> list[str] | None:
        """Capitalised words printed right before ``name`` somewhere in the
        text ("Kathleen" before "Hawk Sawyer"), or None. Finds the name first:
        one scan for a literal is far cheaper than a pattern with a prefix."""
        haystack, needle = (self.folded, name.lower()) if flags else (self.text, name)
        at, seen = haystack.find(needle), 0
        while at != -1 and seen < 12:  # the full name is printed early or not at all
            start, end = at, at + len(needle)
            at = haystack.find(needle, end)
            if re.match(r"[\w-]", self.text[end:end + 1]) or re.match(r"[\w-]", self.text[start - 1:start] if start else ""):
                continue
            seen += 1
            before = re.search(r"((?:[A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?[ \t]+){1,3})$",
                               self.text[max(0, start - 60):start])
            if before:
                given = _clean_person(before.group(1).split())
                if given and all(t not in _STOP and t not in _TITLE_WORDS for t in given):
                    return given
        return None

    def _organisations(self) -> None:
        windows = self._organisations_in(self.text)
        # Signature blocks in capitals are one name per line: do not join lines.
        titled = _titlecase_caps(self.text, self.capitals_2)
        if titled != self.text:
            self._organisations_in(titled, one_line=True)
        else:
            # No capitals to read again (most posts): the same suffix windows, and
            # every court comes out as it did (found, or refused by the same rule).
            self._organisations_in(titled, one_line=True, windows=windows, courts=False)

    def _tokens_before(self, word: str, tokens: int) -> list[int]:
        """Where the ``tokens`` tokens before each ``word`` in the text start,
        in order: an _AGENCY_OFFICE match is an agency's token, spaces and
        "Office", a _COUNTY match one or two words, spaces and "County"; those
        tokens are the places to try them (a few, instead of every capital).

        >>> _Extractor("ICE Office, DHS  Office", default_gazetteer())._tokens_before("Office", 1)
        [0, 12]
        """
        starts = self.words[1]
        places = {starts[i - back] for i in map(partial(bisect_left, starts), _occurrences(self.text, word))
                  for back in range(1, tokens + 1) if i >= back}
        return sorted(places)

    def _said_starts(self) -> list[int]:
        """Where _SAID_AT's matches may start: its words, where the text has
        them (most posts have one or two of the twelve).

        >>> _Extractor("Ann has said it; he says", default_gazetteer())._said_starts()
        [4, 8, 20]
        """
        said = {word.partition("(")[0] for word in self.vocabulary.intersection(_SAID_WORDS)}
        if "said" not in said:
            said.discard("has")  # "has said" or nothing
        return sorted(at for word in said for at in _occurrences(self.text, word))

    def _agency_offices(self) -> None:
        if "Office" not in self.text:  # every match has it: no scan (issue 18)
            return
        for m in _matches_at(_AGENCY_OFFICE, self.text, self._tokens_before("Office", 1)):
            if not self._overlaps(m.start(), m.end()):
                office = re.sub(r"\s+", " ", m.group("office"))
                self.found.append(_Found(f"{m.group('agency')} {office}", "agency", m.start()))
                self._claim(m.start(), m.end())

    def _counties(self) -> None:
        if "County" not in self.text:  # every match has it: no scan (issue 18)
            return
        for m in _matches_at(_COUNTY, self.text, self._tokens_before("County", 2)):
            words = m.group("name").split()
            if words[0] in _ORG_LEAD or words[0] in ("Are", "Is", "Was", "Your", "Our") or words[0] in _STOP and words[0] not in ("Cook", "Los", "San", "Santa", "New"):
                words = words[1:]
            if len(words) < 2 or self._overlaps(m.start(), m.end()):
                continue
            if self._is_address(m.start(), m.end(), "") or re.match(r"[ \t]+[A-Z]", self.text[m.end():m.end() + 3]):
                continue
            self.found.append(_Found(" ".join(words), "place", m.start()))

    def _windows(self, text: str, suffix: re.Pattern | Iterator[re.Match]) -> list[tuple[int, int]]:
        """Stretches of text around the matches of ``suffix`` (a pattern, or
        its matches), an organisation suffix or the word that anchors a name:
        the full patterns run only there (running them everywhere cost 40 ms
        a page)."""
        spans: list[tuple[int, int]] = []
        for m in suffix.finditer(text) if isinstance(suffix, re.Pattern) else suffix:
            start, end = max(0, m.start() - 160), min(len(text), m.end() + 120)
            if spans and start <= spans[-1][1]:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans

    def _organisations_in(self, text: str, one_line: bool = False, windows: list[tuple[int, int]] | None = None,
                          courts: bool = True) -> list[tuple[int, int]]:
        """Organisations and courts named in ``text`` (the document's, or a copy
        of the same length); returns the windows of organisation suffixes."""
        windows = self._windows(text, _ORG_AT) if windows is None else windows
        for m in (m for s, e in windows for m in _ORG.finditer(text, s, e)):
            if self._overlaps(m.start(), m.end()):
                continue
            kind = "agency" if m.group("agency") else "organization"
            # Firm names sit on one line; for this match only (a firm met earlier
            # must not cut the next organisation's name at its line break).
            single = one_line or m.group("suffix") in ("LLP", "LLC")
            prefix = m.group("prefix").rsplit("\n", 1)[-1] if single else m.group("prefix")
            self._add_org(prefix, m.group("suffix"), "", m.start("prefix"), m.end(), kind)
        for m in (m for s, e in self._windows(text, _COURT_AT) for m in _COURT.finditer(text, s, e)) if courts else ():
            if self._overlaps(m.start(), m.end()):
                continue
            self._add_org(m.group("prefix"), "Court", m.group("tail"), m.start("prefix"), m.end(), "agency")
        return windows

    def _add_org(self, prefix: str, suffix: str, tail: str, start: int, end: int, kind: str) -> None:
        words = prefix.split()
        # Keep the run of name words just before the suffix: stop at a number,
        # a sentence end ("Fl."), or a word that opens a clause ("This Court").
        for i in range(len(words) - 1, -1, -1):
            w = words[i]
            if (w in _ORG_LEAD or w.isdigit() or w.endswith(".") and not re.fullmatch(r"(?:[A-Z]\.)+", w)
                    or w[0].isalpha() and w.islower() and w not in ("of", "and", "for", "on", "the")):
                words = words[i + 1:]
                break
        tail_words = []
        for w in tail.split():
            if w.rstrip(".,") in ("No", "Case", "Docket", "Page", "I"):
                break
            tail_words.append(w.rstrip("."))
            if w.endswith("."):
                break
        tail = " ".join(tail_words)
        # Trim leading words that start a sentence or a clause, not a name.
        while words and (words[0].rstrip(",") in _ORG_LEAD or words[0][0].isalpha() and words[0].islower()
                         or re.fullmatch(r"[A-Z]{2,}", words[0]) and len(words) > 1 and suffix != "LLP"):
            words = words[1:]
        if not words or all(re.fullmatch(r"[A-Z]{1,3}|\d+", w) for w in words) and suffix != "LLP":
            return  # "PA Coroner", "the Coroner": no name
        while words and words[-1] in ("of", "and", "for", "on", "&", "the"):
            words = words[:-1]
        if suffix == "Court" and (not words or words == ["Supreme"]) and not tail_words:
            return
        if "Attorney" in suffix and not tail_words and words[-1:] == ["U.S."]:
            return  # which U.S. Attorney's Office is not said
        if suffix == "Court" and not words and not re.search(r"County|District|Circuit|City|State", tail):
            return  # "Court of Appeals" alone names no particular court
        words = [w.rstrip(",") for w in words]
        words = [w[:-2] if w.endswith("'s") and suffix != "LLP" else w for w in words]
        name = " ".join(_display(w) for w in [*words, *suffix.split(), *tail_words])
        name = re.sub(r"\s+", " ", name).strip(" .,")
        self.found.append(_Found(name, kind, start))
        self._claim(start, end)

    def _gazetteer(self, matches: list) -> None:
        for m in matches:
            if self._overlaps(m.start, m.end):
                continue
            if m.entry.type == "place" and self._is_address(m.start, m.end, m.entry.level):
                continue
            self.found.append(_Found(m.entry.name, m.entry.type, m.start))
            if m.entry.type == "person":
                self.full_names.setdefault(m.entry.name.split()[-1].casefold(), m.entry.name)
            self._claim(m.start, m.end)

    def _is_address(self, start: int, end: int, level: str) -> bool:
        """A place printed as part of an address ("Valdosta, GA", "El Paso,
        Texas (TX)", "Country of Citizenship: Mexico") is not an actor."""
        after = self.text[end:end + 12]
        before = self.text[max(0, start - 40):start]
        if re.match(r"[ \t]+[A-Z][a-z]", after) or re.search(r"\b[RDI]-$", before):
            return True  # "HCA Florida Kendall Hospital", "Sen. Cruz, R-Texas"
        if level != "state" and _ADDRESS_AFTER.match(after):
            return True
        m = _ADDRESS_BEFORE.search(before)
        if not m:
            return False
        if level == "state" and m.group(0).endswith(", ") or m.group(0).endswith(","):
            # "Texas, Illinois, California": a list of states is not an address.
            previous = m.group(0).rstrip(", \t")
            entry = next((e for e in self.gaz.entries.values()
                          if e.level == "state" and (previous in e.exact or previous == e.name)), None)
            return entry is None
        return True

    def _person(self, span: str, start: int) -> None:
        raw = _tokens(span)
        tokens = _clean_person(raw)
        if not tokens or not _is_name_like(tokens):
            return
        if len(tokens) == 1:
            self.surnames.append((tokens[0].rstrip(".,"), start))
            return
        tokens = self._without_trailing_common_words(tokens)
        if (len(tokens) < 2 or tokens[-1].rstrip(".,") in _ROLE_WORDS
                or self._names_a_unit(raw, tokens, start + len(span)) or self._common_words(tokens)):
            return
        name = " ".join(_display(t) for t in tokens)
        if name not in self.canonical_person:
            hits = self.gaz.find(name)
            if hits and hits[0].entry.type != "person" and hits[0].entry.name.casefold() == name.casefold():
                self.canonical_person[name] = ""  # the gazetteer knows it, and not as a person
            else:
                self.canonical_person[name] = (hits[0].entry.name if hits and hits[0].entry.type == "person"
                                               else name)
        name = self.canonical_person[name]
        if not name:
            return
        self.full_names.setdefault(tokens[-1].casefold(), name)
        self.found.append(_Found(name, "person", start))

    def _names_a_unit(self, raw: list[str], tokens: list[str], end: int) -> bool:
        """Context: "Chief / Organized Crime Division", "Asset Forfeiture
        Unit": capitalised words that a unit's word ends are the unit's name."""
        dropped = raw[len(raw) - raw[::-1].index(tokens[-1]):] if tokens[-1] in raw else []
        following = re.match(r"[ \t]*\n?[ \t]*([A-Z][a-z]+)", self.text[end:end + 40])
        words = [w.rstrip(".,") for w in dropped] + ([following.group(1)] if following else [])
        return any(w in _UNIT_WORDS for w in words)

    def _without_trailing_common_words(self, tokens: list[str]) -> list[str]:
        """"Ruth Schwartz Position" -> "Ruth Schwartz": a last word this
        document also writes in lower case is not part of the name."""
        self._common_words(tokens)  # fills the lower-case word set
        while len(tokens) > 2 and tokens[-1].rstrip(".,").lower() in self._lower_words:
            tokens = tokens[:-1]
        return tokens

    def _common_words(self, tokens: list[str]) -> bool:
        """Context: every word of the "name" is also written in lower case in
        this document ("organized crime", "asset forfeiture"): OCR and
        headings capitalise phrases, not only names."""
        if self._lower_words is None:
            self._lower_words = self._lower_case_words()
        words = [t.rstrip(".,").lower() for t in tokens if len(t.rstrip(".,")) > 2]
        return bool(words) and all(w in self._lower_words for w in words)

    def _lower_case_words(self) -> set[str]:
        """The words ``\\b[a-z]{3,}\\b`` finds in the text. Those are the
        gazetteer's tokens of three lower-case letters or more (of
        "abc(d)", "abc"), unless an underscore (a word character that no
        token holds) is in the text. (A FOIA release has "(b)(6)": the
        pattern cost a tenth of its actor time.)

        >>> sorted(_Extractor("Asset forfeiture (b)(6), 287(g) abc(d)", default_gazetteer())._lower_case_words())
        ['abc', 'forfeiture']
        """
        if "_" in self.text:
            return set(re.findall(r"\b[a-z]{3,}\b", self.text))
        words = self.vocabulary
        if "(" in self.text:  # a letter in brackets is joined to the token before it
            words = {w.partition("(")[0] for w in words}
        return {w for w in words if len(w) > 2 and w.islower() and w.isalpha() and w.isascii()}

    def _people(self) -> None:
        text = self.text
        honorific_surnames = set()
        for m in _matches_at(_TITLED, text, self.starts):
            if self._overlaps(m.start("name"), m.end("name")):
                continue
            name = m.group("name")
            first = name.split()[0]
            if _HONORIFIC.match(m.group("title")) or re.fullmatch(_CAPS, first):
                # "Mr. JONES HCTZ": records print the surname alone in capitals.
                if re.fullmatch(_CAPS, first):
                    name = first
                honorific_surnames.add(first.casefold())
            self._person(name, m.start("name"))
        for m in _matches_at(_RECORD_NAME, text, self.capitals_2):
            if m.group("last").casefold() in honorific_surnames:
                self._person(f"{m.group('first')} {m.group('last')}", m.start())
        for m in _HEADER.finditer(text) if ":" in text and _has_any(text, _HEADER_WORDS) else ():
            for value in re.split(r";", m.group("value")):
                name = person_from_email(value)
                if name:
                    self._person(name, m.start("value"))
        for m in _SIGN_OFF.finditer(text) if not self.vocabulary.isdisjoint(_SIGN_OFF_TOKENS) else ():
            self._person(m.group("name"), m.start("name"))
        # The name patterns are costly where they start; run them only near
        # the verb or comma that anchors them.
        runs = [(_SAID_NAME, _SAID_AT), (_NAME_SAID, _SAID_AT), (_APPOSITION, _APPOSITION_AT), (_NAME_VERB, None)]
        said_at = _matches_at(_SAID_AT, text, self._said_starts())
        windows_at = {_SAID_AT: self._windows(text, said_at), _APPOSITION_AT: self._windows(text, _APPOSITION_AT)}
        for pattern, anchor in runs:
            if anchor:
                matches = (m for s, e in windows_at[anchor] for m in pattern.finditer(text, s, e))
            else:
                matches = () if self.vocabulary.isdisjoint(_NAME_VERB_TOKENS) else _matches_at(pattern, text, self.starts)
            for m in matches:
                if not self._overlaps(m.start("name"), m.end("name")) and len(m.group("name").split()) > 1:
                    self._person(m.group("name"), m.start("name"))
        self._expand_people()
        self._resolve_surnames()

    def _expand_people(self) -> None:
        """"Hawk Sawyer" -> "Kathleen Hawk Sawyer" when the longer form is in
        the document: one actor, not two."""
        for f in self.found:
            if f.type != "person" or self.gaz.entries.get(f.name):
                continue
            extra = self._given_before(f.name)
            if extra:
                f.name = " ".join([*extra[-2:], f.name])

    def _resolve_surnames(self) -> None:
        """A later (or earlier) short mention, "Gov. Quinn" or "Mr. OWEN",
        resolves to the full name seen in the document or the gazetteer."""
        people = [f for f in self.found if f.type == "person"]
        by_last: dict[str, str] = {}
        for f in people:
            for part in f.name.split()[-1].split("-"):
                by_last.setdefault(part.casefold(), f.name)
            by_last.setdefault(f.name.split()[-1].casefold(), f.name)
        known = self.gaz.surname_index()
        for surname, start in self.surnames:
            key = surname.casefold()
            if key in by_last:
                continue  # already counted under its full name
            if key in known:
                entry = known[key]
                self.found.append(_Found(entry.name, "person", start))
                by_last[key] = entry.name
                continue
            # "Brendy Yohana BAMACA-Zacarias": given names printed before the surname.
            given = self._given_before(surname, re.IGNORECASE if surname.isupper() else 0)
            if given:
                if all(t[0].isupper() and t[1:].islower() for t in given):
                    tokens = [*given, surname]
                    if _is_name_like(tokens):
                        name = " ".join(_display(t) for t in tokens)
                        self.found.append(_Found(name, "person", start))
                        by_last[key] = name


def _page_texts(doc: Document) -> tuple[str, list[tuple[int, int]]]:
    """Normalised full text (title first) and the (start, page number) of each page."""
    parts, starts, offset = [], [], 0
    if doc.title:
        parts.append(normalise_text(doc.title))
        offset += len(parts[-1]) + 2
    for page in doc.pages:
        chunk = normalise_text(page.text)
        starts.append((offset, page.number))
        parts.append(chunk)
        offset += len(chunk) + 2
    return "\n\n".join(parts), starts


def _email_actors(emails: list[Email]) -> list[str]:
    names = []
    for email in emails:
        for value in [email.sender, *email.recipients]:
            name = person_from_email(value or "")
            if name:
                names.append(name)
    return names


def _collect(doc: Document, gazetteer: Gazetteer | None) -> tuple[list[_Found], list[tuple[int, int]]]:
    gaz = gazetteer or default_gazetteer()
    text, starts = _page_texts(doc)
    found = _Extractor(text, gaz).run()
    for name in _email_actors(doc.emails):
        found.append(_Found(name, "person", -1))
    return found, starts


@lru_cache(maxsize=4096)
def _fold_key(name: str) -> str:
    """The key two spellings of one actor share: "Cook County Sheriff's
    Office" and "COOK COUNTY SHERIFF'S OFFICE". Cached: the same names come
    back in document after document.

    >>> _fold_key("Sheriff's  Office,")
    'sheriff s office'
    """
    return re.sub(r"[^\w]+", " ", name).casefold().strip()


def _canonical(found: list[_Found], gaz: Gazetteer) -> dict[str, Actor]:
    """Deduplicate by folded name; a gazetteer entry's name and type win."""
    actors: dict[str, Actor] = {}
    for f in found:
        entry = gaz.entries.get(f.name)
        name, kind = (entry.name, entry.type) if entry else (f.name, f.type)
        key = _fold_key(name)
        if key not in actors or entry:
            actors[key] = Actor(name=name, type=kind)
    return actors


def extract_actors(doc: Document, gazetteer: Gazetteer | None = None) -> list[Actor]:
    """Canonical, deduplicated actors named in ``doc`` (title, all pages and
    printed e-mails), sorted by name. Pure; the gazetteer defaults to the
    shipped one, compiled once per process."""
    gaz = gazetteer or default_gazetteer()
    found, _ = _collect(doc, gaz)
    return sorted(_canonical(found, gaz).values(), key=lambda a: (a.name.casefold(), a.type))


def actor_pages(doc: Document, gazetteer: Gazetteer | None = None) -> dict[str, list[int]]:
    """Canonical actor name -> sorted page numbers that name it. Actors found
    only in the title or e-mail headers map to the pages of those mentions
    when known, else to an empty list.

    >>> from foiasearch.ingest.document import Page
    >>> d = Document(kind="release", pages=[Page(1, "ICE wrote."), Page(2, "DHS and ICE.")])
    >>> actor_pages(d)
    {'DHS': [2], 'ICE': [1, 2]}
    """
    gaz = gazetteer or default_gazetteer()
    found, starts = _collect(doc, gaz)
    canonical = _canonical(found, gaz)
    pages: dict[str, set[int]] = {a.name: set() for a in canonical.values()}
    for f in found:
        key = _fold_key(gaz.entries[f.name].name if f.name in gaz.entries else f.name)
        actor = canonical[key]
        number = next((n for s, n in reversed(starts) if s <= f.start), None) if f.start >= 0 else None
        if number is not None:
            pages[actor.name].add(number)
    for email in doc.emails:
        for value in [email.sender, *email.recipients]:
            name = person_from_email(value or "")
            if name and email.page is not None:
                key = _fold_key(name)
                pages[canonical[key].name].add(email.page)
    return {name: sorted(nums) for name, nums in sorted(pages.items())}
