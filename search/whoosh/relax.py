"""Best match: when no document (or almost none) holds every word typed,
the documents holding most of them, each saying which words it lacks.

Only queries of plain words take part. A text with an explicit operator
(AND, OR, NOT) or parentheses keeps its exact meaning; in a text of words,
quoted phrases and ``field:value`` clauses stay required, and only the bare
words may be missing. Documents then rank by how much of the query they
hold, each word weighted by its rarity (BM25's idf: missing "the" costs
little, missing "suicide" a lot), then by their BM25 score; a document
must hold at least half the words. Pages are scored the same way, so the
pages named for a hit (any page with a word of the query) are those that
hold most of the query first.

>>> [(c.text, c.optional) for c in split_clauses('detainee "opt out" title:ice died')]
[('detainee', True), ('"opt out"', False), ('title:ice', False), ('died', True)]
>>> split_clauses("detainee OR died") is None
True
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
from whoosh import query as wq

from foiasearch.search.whoosh.bulkscore import score_all

RELAX_BELOW = 3  # strict matches fewer than this: add the best partial ones after them
COVERAGE_SCALE = 10_000.0  # coverage dominates the score; BM25 orders documents that cover the same
_CLAUSE = re.compile(r'"[^"]*"?|\S+')
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
        if _OPERATOR.match(raw) or (not raw.startswith('"') and any(c in raw for c in "()[]{}")):
            return None
        bare = not raw.startswith('"') and ":" not in raw and not any(c in raw for c in "*?~^")
        clauses.append(Clause(raw, bare))
    return clauses


@dataclass
class BestMatch:
    """Per-word match arrays of a relaxed query (global docnums)."""

    words: list[tuple[str, np.ndarray]]  # (typed word, matched per docnum)
    strict_bits: int  # the documents holding every word (a bitset, search.whoosh.docsets)

    def missing_at(self, docnum: int) -> list[str]:
        """The typed words the record ``docnum`` does not hold."""
        return [word for word, matched in self.words if docnum >= len(matched) or not matched[docnum]]


def best_match(searcher, cache, doc_mask: np.ndarray, clauses: list[Clause], parse,
               strict_bits: int) -> tuple[np.ndarray, np.ndarray, BestMatch] | None:
    """(matched, scores, BestMatch) for the relaxed query, or None when it
    does not apply (fewer than two bare words, or a part that cannot be
    scored in bulk). ``parse`` turns one clause's text into a Whoosh query;
    ``doc_mask`` marks the document records (as opposed to page records)."""
    optional = [c for c in clauses if c.optional]
    if len(optional) < 2:
        return None
    required = [parse(c.text) for c in clauses if not c.optional]
    words = []
    for clause in optional:
        scored = score_all(searcher, parse(clause.text), cache)
        if scored is None:
            return None
        words.append((clause.text, scored))
    size = max(len(m) for _, (m, _) in words)
    req_matched = np.ones(size, bool)
    req_scores = np.zeros(size)
    for q in required:
        scored = score_all(searcher, q, cache)
        if scored is None:
            return None
        req_matched &= _fit(scored[0], size)
        req_scores += _fit(scored[1], size)
    docs = max(1, int(_fit(doc_mask, size).sum()))
    held = np.zeros(size)
    count = np.zeros(size, dtype=np.int32)
    bm25 = req_scores.copy()
    weights = []
    for _, (matched, scores) in words:
        matched = _fit(matched, size)
        df = int((matched & _fit(doc_mask, size)).sum())
        weight = math.log(1 + (docs - df + 0.5) / (df + 0.5))
        weights.append(weight)
        held += np.where(matched, weight, 0.0)
        count += matched
        bm25 += _fit(scores, size)
    # A document must hold half the words; its pages are named when they
    # hold any (they are listed by how much of the query they hold).
    needed = np.where(_fit(doc_mask, size), math.ceil(len(words) / 2), 1)
    matched = req_matched & (count >= needed)
    coverage = held / (sum(weights) or 1.0)
    scores = np.where(matched, coverage * COVERAGE_SCALE + bm25, 0.0)
    info = BestMatch([(text, _fit(m, size)) for text, (m, _) in words], strict_bits)
    return matched, scores, info


def _fit(array: np.ndarray, size: int) -> np.ndarray:
    """``array`` padded with zeros (False) to ``size``."""
    if len(array) >= size:
        return array[:size]
    out = np.zeros(size, dtype=array.dtype)
    out[:len(array)] = array
    return out


__all__ = ["RELAX_BELOW", "BestMatch", "Clause", "best_match", "split_clauses"]
