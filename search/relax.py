"""Best match, the rule every backend follows: when fewer than RELAX_BELOW
documents hold every word typed, the documents holding most of them, each
saying which words it lacks ("Missing: suicide").

Only queries of plain words take part. A text with an explicit operator
(AND, OR, NOT, ``-word``) or parentheses keeps its exact meaning; in a
text of words, quoted phrases and ``field:value`` clauses stay required,
and only the bare words may be missing. A document must hold at least half the bare words
(:func:`needed`); documents rank by how much of the query they hold, each
word weighted by its rarity (:func:`weight`, BM25's idf: missing "the"
costs little, missing "suicide" a lot), so full matches come first, then
by the backend's own score (``coverage * COVERAGE_SCALE + score``).

The backends apply it in search.whoosh.relax and search.postgres.relax.

>>> [(c.text, c.optional) for c in split_clauses('detainee "opt out" title:ice died')]
[('detainee', True), ('"opt out"', False), ('title:ice', False), ('died', True)]
>>> [c.text for c in split_clauses('actor:"Secure Communities (S-Comm)" opt out')]
['actor:"Secure Communities (S-Comm)"', 'opt', 'out']
>>> split_clauses("detainee OR died"), split_clauses("detainee -died")
(None, None)
>>> needed(3), needed(4), round(weight(100, 1), 2), round(weight(100, 90), 2)
(2, 2, 4.21, 0.11)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

RELAX_BELOW = 3  # strict matches fewer than this: add the best partial ones after them
COVERAGE_SCALE = 10_000.0  # coverage dominates the score; the backend's score orders documents that cover the same
# A clause: a quoted phrase, a field with a quoted value (``actor:"Secure
# Communities"``, one clause, not two), or a run of non-spaces.
_CLAUSE = re.compile(r'(?:[\w.-]+:)?"[^"]*"?|\S+')
_QUOTED = re.compile(r'"[^"]*"?')
_OPERATOR = re.compile(r"^(AND|OR|NOT|ANDNOT|ANDMAYBE)$")


@dataclass(frozen=True)
class Clause:
    text: str  # as typed
    optional: bool  # a bare word: may be missing from a best match


def split_clauses(text: str) -> list[Clause] | None:
    """The top-level clauses of a query of words; None when the text uses
    operators or grouping, whose meaning must stay exact."""
    clauses = []
    for raw in _CLAUSE.findall(text):
        unquoted = _QUOTED.sub("", raw)  # grouping inside a quoted value is text, not syntax
        if _OPERATOR.match(raw) or (raw.startswith("-") and len(raw) > 1) or any(c in unquoted for c in "()[]{}"):
            return None
        bare = unquoted == raw and ":" not in raw and not any(c in raw for c in "*?~^")
        clauses.append(Clause(raw, bare))
    return clauses


def widens(clauses: list[Clause] | None) -> bool:
    """Whether best matches apply to a query of these clauses: two optional
    words at least.

    >>> widens(split_clauses("sheriff records")), widens(split_clauses("sheriff"))
    (True, False)
    """
    return bool(clauses) and sum(1 for clause in clauses if clause.optional) >= 2


def needed(words: int) -> int:
    """How many of ``words`` bare words a document must hold to be a best match."""
    return math.ceil(words / 2)


def weight(docs: int, df: int) -> float:
    """A word's weight in the coverage: BM25's idf over ``docs`` documents, ``df`` of which hold it."""
    return math.log(1 + (docs - df + 0.5) / (df + 0.5))


__all__ = ["COVERAGE_SCALE", "RELAX_BELOW", "Clause", "needed", "split_clauses", "weight"]
