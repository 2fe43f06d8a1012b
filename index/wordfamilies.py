"""Word families: words readers of FOIA and custody records take as one
although the Snowball English stemmer keeps them apart, for every backend.

Irregular forms (``held``/``hold``, ``children``/``child``) and a few
derivations these records use interchangeably (``died``/``death``/``dead``,
``injured``/``injuries``, ``detained``/``detention``). The Whoosh backend
joins them when it indexes (index.whoosh.wordforms); the PostgreSQL backend
when it reads a query (search.postgres.sql: a word matches any member).
bench/relevance.py measured the table (docs/RELEVANCE.md).

>>> family("Deaths")
['deaths', 'die', 'dead']
>>> family("sheriff")
['sheriff']
"""

from __future__ import annotations

import Stemmer

# The first word names the family. Entries are surface words, stemmed where
# used, so the table reads as English.
FAMILIES = [
    ["die", "died", "dies", "dying", "death", "deaths", "dead"],
    ["injure", "injured", "injures", "injuring", "injury", "injuries"],
    ["detain", "detained", "detaining", "detention", "detentions"],
    ["hold", "held"],
    ["pay", "paid"],
    ["buy", "bought"],
    ["sell", "sold"],
    ["tell", "told"],
    ["bring", "brought"],
    ["fight", "fought"],
    ["spend", "spent"],
    ["seize", "seized", "seizure", "seizures"],
    ["withhold", "withheld"],
    ["testify", "testified", "testimony", "testimonies"],
    ["complain", "complained", "complaint", "complaints"],
    ["hang", "hanged", "hung"],
    ["child", "children"],
    ["woman", "women"],
    ["man", "men"],
]

_STEMMER = Stemmer.Stemmer("english")
# stem -> the distinct stems of its family, as surface words (one per stem)
_MEMBERS: dict[str, list[str]] = {}
for _words in FAMILIES:
    _by_stem: dict[str, str] = {}
    for _word in _words:
        _by_stem.setdefault(_STEMMER.stemWord(_word), _word)
    for _stem in _by_stem:
        _MEMBERS[_stem] = list(_by_stem.values())


def family(word: str) -> list[str]:
    """``word`` (lower-cased) and one word per other stem of its family."""
    lower = word.lower()
    members = _MEMBERS.get(_STEMMER.stemWord(lower))
    if not members:
        return [lower]
    stem = _STEMMER.stemWord(lower)
    return [lower] + [m for m in members if _STEMMER.stemWord(m) != stem]
