"""Word forms: which typed words meet which printed ones.

English words are reduced with the Snowball English stemmer (PyStemmer, C),
then the families of index.wordfamilies (``died``/``death``/``dead``,
``held``/``hold``, ...) are joined under one form. bench/relevance.py measured Whoosh's Porter,
Snowball alone and Snowball with the table (docs/RELEVANCE.md).

The same analysis runs on documents and on queries, so a phrase matches
as before: both sides see the same forms.

>>> [t.text for t in TEXT_ANALYZER("Detainee DIED; deaths of detained people, injuries")]
['detaine', 'die', 'die', 'of', 'detain', 'peopl', 'injur']
>>> [t.text for t in TEXT_ANALYZER("CPD_FOIA_15-2549 communities")]
['cpd', 'foia', '15', '2549', 'communiti']
"""

from __future__ import annotations

import Stemmer
from whoosh.analysis import Filter, RegexTokenizer

from foiasearch.index.wordfamilies import FAMILIES

# Bump when what the analyzer produces changes: an index built with another
# version is rebuilt from its stored text (index.location, `foiasearch index`).
ANALYSIS_VERSION = "snowball-english+forms-1"

# Letters and digits, joined by single dots ("U.S.", "3.5"); "_" and "-"
# separate words, so a file-name title "CPD_FOIA_15-2549" yields 15 and 2549.
WORD_PATTERN = r"[^\W_]+(?:\.[^\W_]+)*"

class SnowballFilter(Filter):
    """Lower-cases and stems tokens, joining the FAMILIES; a dict in front
    of the stemmer keeps the per-token cost to one lookup for known words.

    Picklable (Whoosh stores the schema, analyzers included, in the index).
    """

    CACHE_LIMIT = 50_000  # as Whoosh's stemming cache: bounded memory in every worker

    def __init__(self) -> None:
        self._setup()

    def _setup(self) -> None:
        self._stemmer = Stemmer.Stemmer("english")
        stem = self._stemmer.stemWord
        self._joined = {}
        for family in FAMILIES:
            head = stem(family[0])
            for word in family:
                self._joined[stem(word)] = head
        self._cache: dict[str, str] = {}

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self._setup()

    def __eq__(self, other) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def stem(self, word: str) -> str:
        """The indexed form of one word (``"Deaths"`` -> ``"die"``)."""
        found = self._cache.get(word)
        if found is None:
            found = self._stemmer.stemWord(word.lower())
            found = self._joined.get(found, found)
            if len(self._cache) < self.CACHE_LIMIT:
                self._cache[word] = found
        return found

    def __call__(self, tokens):
        cache, stem = self._cache, self.stem
        for token in tokens:
            text = token.text
            found = cache.get(text)
            token.text = found if found is not None else stem(text)
            yield token


_FILTER = SnowballFilter()  # one stemmer and cache for documents and queries
TEXT_ANALYZER = RegexTokenizer(WORD_PATTERN) | _FILTER


def stem(word: str) -> str:
    """The indexed form of a word, as documents and queries get it.

    >>> stem("Communities"), stem("injured"), stem("detention")
    ('communiti', 'injur', 'detain')
    """
    return _FILTER.stem(word)

