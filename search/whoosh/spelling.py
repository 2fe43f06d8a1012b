"""Spelling suggestions from the index's own vocabulary.

A :class:`Speller` holds a SymSpell dictionary (symspellpy: symmetric
delete, edit distance up to 2) of the indexed word forms of the text
fields, each counted by how many records hold it; among the closest
candidates the most frequent wins. Only words the index does not hold are
corrected (a rare name or acronym the index has, "IMSI", is never
replaced), only bare words (not fields, phrases or exemption citations),
and the caller offers a correction only when it finds documents.

Words are compared in their indexed form (index.whoosh.wordforms: "comunities"
-> "comuniti" -> "communiti"); the caller turns the corrected forms back
into words as printed (search.whoosh.engine).

>>> speller = Speller({"communiti": 40, "count": 9, "secur": 30})
>>> speller.correct("comuniti"), speller.correct("secur"), speller.correct("zzzzzz")
('communiti', None, None)
>>> speller.correct("comun", "comunities")  # Snowball cut the typo short; the word itself is closer
'communiti'

A stemmed typo can land far from the stem of the right word ("comunities"
-> "comun", "communities" -> "communiti"), so the typed word and the word
less its last letters are looked up too, and the closest candidate wins.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from foiasearch.search import budget

MAX_EDIT = 2
MAX_WORDS = 300_000  # the most frequent indexed forms kept (memory: ~40 deletes each)
_WORD = re.compile(r"^[^\W\d_]{3,}$")  # alphabetic forms of 3+ letters: numbers and codes are not spelled


class Speller:
    """Closest frequent indexed form of a misspelled form."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        from symspellpy import SymSpell  # here: a one-shot search that needs no spelling never loads it

        self.counts = counts
        self._symspell = SymSpell(max_dictionary_edit_distance=MAX_EDIT, prefix_length=7)
        for word, count in sorted(counts.items(), key=lambda kv: -kv[1])[:MAX_WORDS]:
            if _WORD.match(word):
                self._symspell.create_dictionary_entry(word, count)

    @classmethod
    def from_reader(cls, reader, fields: Iterable[str] = ("title", "content")) -> "Speller":
        """A speller over the indexed forms of ``fields`` in a Whoosh reader,
        counted by records holding them (the larger count across fields)."""
        counts: dict[str, int] = {}
        for fieldname in fields:
            if fieldname not in reader.schema:
                continue
            # Reading the vocabulary takes about a second at 20,000 documents, on
            # the first suggestion after each commit: within the query's budget.
            for text, info in budget.checked(reader.iter_field(fieldname), every=512):
                word = text.decode("utf-8") if isinstance(text, bytes) else text
                counts[word] = max(counts.get(word, 0), info.doc_frequency())
        return cls(counts)

    def knows(self, form: str) -> bool:
        return form in self.counts

    def correct(self, form: str, word: str | None = None) -> str | None:
        """The most frequent indexed form within the smallest edit distance
        of ``form`` (or of the typed ``word``, less up to 3 last letters);
        None when the index holds ``form`` or nothing is close. Short
        probes get distance 1 only (two edits turn a 4-letter word into
        almost anything)."""
        from symspellpy import Verbosity

        if self.knows(form) or not _WORD.match(form):
            return None
        # probe -> its handicap: a probe cut short of the typed word is
        # weaker evidence than the stem or the word itself.
        probes = {form: 0.0}
        if word:
            word = word.lower()
            for k in range(4):
                if len(word) - k >= 4:
                    probes.setdefault(word[:len(word) - k], 0.5 if k else 0.0)
        found = []
        for probe, handicap in probes.items():
            if not _WORD.match(probe):
                continue
            distance = 1 if len(probe) <= 4 else MAX_EDIT
            found += [(s.distance + handicap, s.count, s.term)
                      for s in self._symspell.lookup(probe, Verbosity.CLOSEST, max_edit_distance=distance)
                      if s.term != form]
        if not found:
            return None
        return min(found, key=lambda f: (f[0], -f[1], f[2]))[2]


@lru_cache(maxsize=1)
def _distance():
    from symspellpy.editdistance import DistanceAlgorithm, EditDistance

    return EditDistance(DistanceAlgorithm.DAMERAU_OSA)


def closest_word(typed: str, words: Iterable[str]) -> str | None:
    """The word of ``words`` nearest to ``typed`` (several printed words
    share one indexed form: "detainer", "detention" -> "detain").

    >>> closest_word("detainr", ["detention", "detainer", "detained"])
    'detainer'
    """
    typed = typed.lower()
    ranked = sorted(words, key=lambda w: (_distance().compare(typed, w, 64) % 1000, w))
    return ranked[0] if ranked else None


__all__ = ["Speller", "closest_word"]
