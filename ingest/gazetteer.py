"""The actors gazetteer: known agencies, programs, organisations, places and
officials, loaded from TOML and compiled once into two big regexes.

The shipped list is ``ingest/gazetteer.toml``; users add their own files, and a
later file replaces an entry with the same canonical name.

>>> gaz = load_gazetteer()
>>> [(m.entry.name, m.text) for m in gaz.find("Illinois left S-Comm, ICE said.")]
[('Illinois', 'Illinois'), ('Secure Communities', 'S-Comm'), ('ICE', 'ICE')]
>>> gaz.find("We ate ice cream.")
[]
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, compress, count
from operator import add
from pathlib import Path
from typing import Iterable, Sequence

from foiasearch.ingest.document import IngestError

DEFAULT_GAZETTEER = Path(__file__).with_name("gazetteer.toml")
ACTOR_TYPES = ("person", "agency", "organization", "place", "program")


@dataclass(frozen=True)
class Entry:
    """One canonical actor and the ways it is written."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()  # case-insensitive
    exact: tuple[str, ...] = ()  # case-sensitive (acronyms, common words)
    context: tuple[str, ...] = ()  # document must mention one of these
    level: str = ""  # "state" for states: a list of states is not an address


@dataclass(frozen=True)
class Match:
    entry: Entry
    start: int
    end: int
    text: str


_TOKEN = re.compile(r"[^\W_]+(?:\([a-z0-9]\))?|&")
# What may sit between two tokens of one name: spaces, a line break, the dots
# of "U.S.", the hyphen of "S-Comm", the apostrophe of "Sheriff's".
_GAP = re.compile(r"[ \t.,'’-]*\n?[ \t.'’-]*")


_INITIAL_GAP = re.compile(r"\.[ \t]?")
# Two initials in a row, as any joined run starts (a quick test for none):
# letters other than a-z, a superset of the single-letter tokens that
# ``isupper`` ("É", "Ⅰ").
# Written dot first (the letter before it checked by a lookbehind): ``re``
# then skips from dot to dot instead of trying every position, 20x faster
# on a post's text that has none (issue 18).
_INITIALS = re.compile(r"\.(?<=[^\W\d_a-z]\.)[ \t]?[^\W\d_a-z]")


def _token_stream(text: str) -> list[tuple[int, int, str]]:
    """Word tokens with offsets; the letters of "U.S." or "U. S." become one
    token "US", so that "U.S. Border Patrol" and "US Border Patrol" match.

    >>> [w for _, _, w in _token_stream("U.S. ICE's I-247")]
    ['US', 'ICE', 's', 'I', '247']
    """
    if _INITIALS.search(text) is None:  # nothing to join (most texts): no loop in Python
        return [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    out: list[tuple[int, int, str, bool]] = []  # ..., is a run of initials
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        initial = len(word) == 1 and word.isupper()
        if initial and out and out[-1][3] and _INITIAL_GAP.fullmatch(text, out[-1][1], m.start()):
            start, _, previous, _ = out[-1]
            out[-1] = (start, m.end(), previous + word, True)
            continue
        out.append((m.start(), m.end(), word, initial))
    return [(s, e, w) for s, e, w, _ in out]


# The same tokens as _TOKEN, kept by re.split between the text around them;
# for a text of ASCII characters alone, [^\W_] written as the [A-Za-z0-9]
# it then is, which re tests from a table instead of by Unicode category
# (about 30% less time; str.isascii is a flag, no scan).
_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})")
_ASCII_TOKEN_SPLIT = re.compile(f"({_TOKEN.pattern})".replace(r"[^\W_]", "[A-Za-z0-9]"))


# An ASCII text whose every character but letters, digits and "&" is made a
# space splits on spaces into _TOKEN's tokens, unless an
# "&" touches another token character ("AT&T": three tokens); a token that
# ends in "(a)" ("287(g)") is joined again.
_SPACED = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum() and chr(c) != "&"})
# Both written to start with their literal character: re skips to it.
_AMPERSAND_JOINED = re.compile(r"&(?:(?<=[^\W_]&)|(?<=&&)|(?=[^\W_]|&))")
_LETTER_IN_PARENTHESES = re.compile(r"\((?<=[^\W_]\()[a-z0-9]\)")


def _spaced_words(text: str) -> tuple[list[str], list[int], list[int]] | None:
    """``_words(text)`` before initials are joined, by ``str.translate``
    and ``str.split``; or None for a text past ASCII, or where that would
    cut other tokens (see _SPACED). Half the time of ``re.split`` on a
    post (80 us instead of 160: re tries its pattern at every character).
    (numpy finds the offsets in a quarter of the time of the running sums
    below, but a worker that reads no scan imports no numpy: 0.1 s.)

    >>> _spaced_words("ICE's 287(g) Act"), _spaced_words("AT&T")
    ((['ICE', 's', '287(g)', 'Act'], [0, 4, 6, 13], [3, 5, 12, 16]), None)
    """
    if not text.isascii() or "&" in text and _AMPERSAND_JOINED.search(text):
        return None
    parts = text.translate(_SPACED).split(" ")
    # A part starts after the parts before it and a space after each.
    starts = list(compress(map(add, accumulate(map(len, parts), initial=0), count()), parts))
    words = list(filter(None, parts))
    ends = list(map(add, starts, map(len, words)))
    # "287(g)" was cut into "287" and "g": join them again (last first, so
    # that the indexes before stay).
    for m in reversed(list(_LETTER_IN_PARENTHESES.finditer(text))) if "(" in text else ():
        i = bisect_left(starts, m.start())  # the letter's token is the one after the "("
        words[i - 1] += m.group()
        ends[i - 1] = m.end()
        del words[i], starts[i], ends[i]
    return words, starts, ends


def _words(text: str) -> tuple[list[str], list[int], list[int]]:
    """``_token_stream(text)`` as three lists: words, starts and ends.

    The tokens and offsets come from ``_spaced_words`` or one ``re.split``
    and running sums of its parts' lengths, with no step in Python per
    token (a third of the gazetteer's time before); then runs of initials
    are joined (``_join_initials``).

    >>> _words("ICE's I-247"), _words("U.S. ICE")
    ((['ICE', 's', 'I', '247'], [0, 4, 6, 8], [3, 5, 7, 11]), (['US', 'ICE'], [0, 5], [3, 8]))
    """
    spaced = _spaced_words(text)
    if spaced is not None:
        words, starts, ends = spaced
    else:
        parts = (_ASCII_TOKEN_SPLIT if text.isascii() else _TOKEN_SPLIT).split(text)  # gap, token, ..., gap
        offsets = list(accumulate(map(len, parts), initial=0))
        words, starts, ends = parts[1::2], offsets[1:-1:2], offsets[2::2]
    if _INITIALS.search(text) is not None:
        _join_initials(text, words, starts, ends)
    return words, starts, ends


def _join_initials(text: str, words: list[str], starts: list[int], ends: list[int]) -> None:
    """Join in place the runs of initials of the tokens, as ``_token_stream``
    does: a one-letter capital token joins the one before it when that is
    one too and only a dot (and a space) is between them. Only the tokens
    that are capitals are looked at in Python (``_token_stream`` stepped
    through every token: a quarter of the actors' time on a FOIA release).

    >>> tokens = (["U", "S", "ICE", "J", "R"], [0, 2, 5, 9, 12], [1, 3, 8, 10, 13])
    >>> _join_initials("U.S. ICE J. R.", *tokens); tokens
    (['US', 'ICE', 'JR'], [0, 5, 9], [3, 8, 13])
    """
    single = [i for i in compress(count(), map(str.isupper, words)) if len(words[i]) == 1]
    joined = [i for i, before in zip(single[1:], single) if before == i - 1
              and _INITIAL_GAP.fullmatch(text, ends[i - 1], starts[i])]
    for i in reversed(joined):  # the last first: a run's end moves to its first letter
        words[i - 1] += words[i]
        ends[i - 1] = ends[i]
        del words[i], starts[i], ends[i]


def _alias_key(alias: str, fold: bool) -> tuple[str, ...]:
    key = tuple(w for _, _, w in _token_stream(alias.replace("’", "'")))
    return tuple(t.casefold() for t in key) if fold else key


@dataclass
class Gazetteer:
    """Entries by canonical name, with compiled matchers built on first use."""

    entries: dict[str, Entry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index: tuple[dict, dict, frozenset, frozenset] | None = None
        self._first: tuple[frozenset, frozenset, frozenset, frozenset] | None = None
        self._second: tuple[dict[str, frozenset], dict[str, frozenset]] | None = None
        self._surnames: dict[str, Entry] | None = None

    def _compile(self) -> tuple[dict, dict, frozenset, frozenset]:
        """Token n-gram dictionaries (folded and exact) and the set of their
        prefixes: a walk over the text stops as soon as no alias can follow."""
        if self._index is None:
            folded: dict[tuple[str, ...], Entry] = {}
            exact: dict[tuple[str, ...], Entry] = {}
            for entry in self.entries.values():
                for alias in entry.aliases:
                    folded[_alias_key(alias, True)] = entry
                for alias in entry.exact:
                    exact[_alias_key(alias, False)] = entry
            fprefix = frozenset(k[:n] for k in folded for n in range(1, len(k) + 1))
            eprefix = frozenset(k[:n] for k in exact for n in range(1, len(k) + 1))
            self._index = (folded, exact, fprefix, eprefix)
        return self._index

    def _first_words(self) -> tuple[frozenset, frozenset, frozenset, frozenset]:
        """The first words of the aliases, folded and exact, then the words
        that are an alias alone, folded and exact."""
        if self._first is None:
            folded, exact, fprefix, eprefix = self._compile()
            self._first = (frozenset(k[0] for k in fprefix if len(k) == 1),
                           frozenset(k[0] for k in eprefix if len(k) == 1),
                           frozenset(k[0] for k in folded if len(k) == 1),
                           frozenset(k[0] for k in exact if len(k) == 1))
        return self._first

    def _second_words(self) -> tuple[dict[str, frozenset], dict[str, frozenset]]:
        """First word -> the second words of the aliases it starts, folded
        and exact."""
        if self._second is None:
            _, _, fprefix, eprefix = self._compile()
            second: tuple[dict[str, set], dict[str, set]] = ({}, {})
            for table, prefixes in zip(second, (fprefix, eprefix)):
                for key in prefixes:
                    if len(key) == 2:
                        table.setdefault(key[0], set()).add(key[1])
            self._second = tuple({word: frozenset(s) for word, s in table.items()} for table in second)
        return self._second

    def find(self, text: str, tokens: tuple[list[str], list[int], list[int]] | None = None,
             vocabulary: set[str] | None = None) -> list[Match]:
        """Non-overlapping gazetteer mentions in ``text``, in order, longest
        first at each position. Context rules are applied here. ``tokens``:
        ``_words(text)``, and ``vocabulary`` the set of its words, if the
        caller has them."""
        folded, exact, fprefix, eprefix = self._compile()
        words, starts, ends = _words(text) if tokens is None else tokens
        n = len(words)
        found: list[Match] = []
        ffirst, efirst, falone, ealone = self._first_words()
        # Where an alias may start: each distinct word is tested once, then
        # the tokens are picked out by set membership (most start none); both
        # steps in C (map, compress), not one Python step per word.
        vocabulary = set(words) if vocabulary is None else vocabulary
        distinct = list(vocabulary)
        distinct_folded = list(map(str.casefold, distinct))
        openers = {*efirst.intersection(distinct), *compress(distinct, map(ffirst.__contains__, distinct_folded))}
        # Of those words, the ones that are an alias alone or whose aliases
        # go on with a word the text has: half a post's, a fifth of a
        # release's (a test per distinct word, not per token).
        fsecond, esecond = self._second_words()
        folded_vocabulary = set(distinct_folded)
        nothing: frozenset[str] = frozenset()
        openers = {word for word in openers
                   if word in ealone or word.casefold() in falone
                   or not fsecond.get(word.casefold(), nothing).isdisjoint(folded_vocabulary)
                   or not esecond.get(word, nothing).isdisjoint(vocabulary)}
        if not openers:
            return []
        at = list(compress(count(), map(openers.__contains__, words)))
        # Of those, the tokens that are an alias alone or whose next word goes
        # on with one: the walk below finds nothing at the others ("office",
        # "sheriff": 9 openers in 10 of a post). Tested in C as well, for all
        # at once (the walk cost 2 us an opener).
        first = list(map(words.__getitem__, at))
        following = list(map([*words, ""].__getitem__, map((1).__add__, at)))
        first_folded, following_folded = list(map(str.casefold, first)), list(map(str.casefold, following))
        at = compress(at, map(any, zip(map(ealone.__contains__, first), map(falone.__contains__, first_folded),
                                       map(eprefix.__contains__, zip(first, following)),
                                       map(fprefix.__contains__, zip(first_folded, following_folded)))))
        after = 0  # the token after the last mention found
        for i in at:
            if i < after:
                continue
            word = words[i]
            fkey: tuple[str, ...] | None = (word.casefold(),)
            ekey: tuple[str, ...] | None = (word,)
            if fkey not in fprefix:
                fkey = None
            if ekey not in eprefix:
                ekey = None
            best: tuple[int, Entry] | None = None
            j = i
            while True:  # fkey or ekey is a prefix of an alias
                entry = (exact.get(ekey) if ekey else None) or (folded.get(fkey) if fkey else None)
                if entry:
                    best = (j, entry)
                if j + 1 >= n:
                    break
                # The next word first: most openers continue no alias ("office"
                # alone), and two set lookups cost less than the gap's pattern.
                nxt = words[j + 1]
                fnext = fkey + (nxt.casefold(),) if fkey else None
                if fnext is not None and fnext not in fprefix:
                    fnext = None
                enext = ekey + (nxt,) if ekey else None
                if enext is not None and enext not in eprefix:
                    enext = None
                if fnext is None and enext is None or _GAP.fullmatch(text, ends[j], starts[j + 1]) is None:
                    break
                j, fkey, ekey = j + 1, fnext, enext
            if best:
                j, entry = best
                found.append(Match(entry, starts[i], ends[j], text[starts[i]:ends[j]]))
                after = j + 1
        mentions = _Mentions(text)
        return [m for m in found if not m.entry.context or any(map(mentions, m.entry.context))]

    def surname_index(self) -> dict[str, Entry]:
        """Last name -> person entry, for names no other entry shares. Built
        once, like the matchers: do not change what it returns."""
        if self._surnames is None:
            self._surnames = self._surname_index()
        return self._surnames

    def _surname_index(self) -> dict[str, Entry]:
        index: dict[str, Entry] = {}
        clashes: set[str] = set()
        for entry in self.entries.values():
            if entry.type != "person":
                continue
            last = entry.name.split()[-1].casefold()
            if last in index and index[last] is not entry:
                clashes.add(last)
            index[last] = entry
        return {k: v for k, v in index.items() if k not in clashes}


@lru_cache(maxsize=256)
def _context_regex(word: str) -> re.Pattern:
    """``word`` at the start of a word (in any case unless it is all capitals).
    The lookahead for its first letter lets ``re`` skip to the places it
    may start, instead of trying the lookbehind at every position.

    >>> bool(_context_regex("immigra").search("Immigration")), bool(_context_regex("ICE").search("PRICE"))
    (True, False)
    """
    flags = 0 if word.isupper() else re.IGNORECASE
    return re.compile(f"(?={re.escape(word[:1])})(?<!\\w){re.escape(word)}", flags)


class _Mentions:
    """Whether a text mentions a context word (as ``_context_regex`` finds
    it), each word looked for once.

    The regex tries its lookbehind wherever the first letter is, in either
    case: 40-60 us a post for a word it does not hold. A literal search
    (of the lower-case copy, for a word in any case) finds the few places
    to try it in 2 us; lower-casing keeps the offsets of an ASCII text.

    >>> mentions = _Mentions("Immigration, not PRICE")
    >>> mentions("immigra"), mentions("ICE"), mentions("price")
    (True, False, True)
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.lowered: str | None = None
        self.seen: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        found = self.seen.get(word)
        if found is None:
            found = self.seen[word] = self._look_for(word)
        return found

    def _look_for(self, word: str) -> bool:
        pattern, text = _context_regex(word), self.text
        if word.isupper():
            haystack, needle = text, word
        elif text.isascii() and word.isascii():
            if self.lowered is None:
                self.lowered = text.lower()
            haystack, needle = self.lowered, word.lower()
        else:
            return pattern.search(text) is not None
        at = haystack.find(needle)
        while at != -1:
            if pattern.match(text, at):
                return True
            at = haystack.find(needle, at + 1)
        return False


def _context_ok(entry: Entry, text: str, seen: dict[str, bool]) -> bool:
    """Whether ``text`` mentions one of ``entry``'s context words; ``seen``
    remembers the words already looked for in this text."""
    for word in entry.context:
        if word not in seen:
            seen[word] = _context_regex(word).search(text) is not None
        if seen[word]:
            return True
    return not entry.context


def _entries_from(path: Path) -> list[Entry]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"gazetteer {path}: unreadable: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise IngestError(f"gazetteer {path}: invalid TOML: {exc}") from None
    entries = []
    for i, raw in enumerate(data.get("actor", []), 1):
        name, kind = raw.get("name"), raw.get("type")
        if not isinstance(name, str) or not name.strip():
            raise IngestError(f"gazetteer {path}: actor #{i} has no name")
        if kind not in ACTOR_TYPES:
            raise IngestError(f"gazetteer {path}: {name}: type must be one of {', '.join(ACTOR_TYPES)}")
        aliases = [str(a) for a in raw.get("aliases", [])]
        exact = [str(a) for a in raw.get("exact", [])]
        if not aliases and not exact:
            aliases = [name]
        entries.append(
            Entry(
                name=name.strip(),
                type=kind,
                aliases=tuple(aliases),
                exact=tuple(exact),
                context=tuple(str(c) for c in raw.get("context", [])),
                level=str(raw.get("level", "")),
            )
        )
    return entries


def load_gazetteer(extra_files: Sequence[Path] = ()) -> Gazetteer:
    """The shipped gazetteer plus ``extra_files``, later files overriding
    entries by canonical name. Raises IngestError with a one-line reason for
    a missing or malformed file.

    >>> load_gazetteer().entries["ICE"].type
    'agency'
    """
    entries: dict[str, Entry] = {}
    for path in (DEFAULT_GAZETTEER, *map(Path, extra_files)):
        for entry in _entries_from(path):
            entries.pop(entry.name, None)
            entries[entry.name] = entry
    return Gazetteer(entries)


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The shipped gazetteer, loaded and compiled once per process."""
    return load_gazetteer()
