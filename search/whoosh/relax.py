"""Best match on the Whoosh backend (the rule: search.relax): the
relaxed query's matches and scores in bulk, per word and per page record.
Pages are scored the same way as documents, so the pages named for a hit
(any page with a word of the query) are those that hold most of the query
first."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foiasearch.search.relax import COVERAGE_SCALE, Clause, needed, weight, widens
from foiasearch.search.whoosh.bulkscore import score_all


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
    if not widens(clauses):
        return None
    optional = [c for c in clauses if c.optional]
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
    doc_mask = _fit(doc_mask, size)  # once: it is padded to the longest word's array
    docs = max(1, int(doc_mask.sum()))
    held = np.zeros(size)
    count = np.zeros(size, dtype=np.int32)
    bm25 = req_scores.copy()
    weights = []
    fitted = []
    for text, (matched, scores) in words:
        matched = _fit(matched, size)
        fitted.append((text, matched))
        df = int((matched & doc_mask).sum())
        w = weight(docs, df)
        weights.append(w)
        held += np.where(matched, w, 0.0)
        count += matched
        bm25 += _fit(scores, size)
    # A document must hold half the words; its pages are named when they
    # hold any (they are listed by how much of the query they hold).
    least = np.where(doc_mask, needed(len(words)), 1)
    matched = req_matched & (count >= least)
    coverage = held / (sum(weights) or 1.0)
    scores = np.where(matched, coverage * COVERAGE_SCALE + bm25, 0.0)
    info = BestMatch(fitted, strict_bits)
    return matched, scores, info


def _fit(array: np.ndarray, size: int) -> np.ndarray:
    """``array`` padded with zeros (False) to ``size``."""
    if len(array) >= size:
        return array[:size]
    out = np.zeros(size, dtype=array.dtype)
    out[:len(array)] = array
    return out


__all__ = ["BestMatch", "best_match"]
