"""BM25F scores of every record a query matches, a posting block at a time.

Whoosh scores one posting at a time through a tree of matcher objects
(several Python calls per posting, plus a length lookup each); ranking
20,000 matches that way costs a second. For the queries people type into
the box (words, AND, OR, NOT, field prefixes) this module reads each term's
postings block by block, as the codec stores them, computes the same BM25F
formula over whole arrays with numpy, and combines terms as Whoosh's
matchers do: And, Or and phrases add the scores of the parts that match,
a negation removes documents. The scores equal Whoosh's
(tests/test_bulkscore.py compares them); any other query type (wildcards,
ranges, ...) returns None and the caller lets Whoosh do it.

Scores include deleted records; callers keep only the live ones they know.

>>> import tempfile
>>> from whoosh import fields, index, query as wq
>>> ix = index.create_in(tempfile.mkdtemp(), fields.Schema(t=fields.TEXT))
>>> with ix.writer() as w:
...     for text in ["ice detainer", "ice ice cream", "detainer request"]:
...         w.add_document(t=text)
>>> searcher = ix.searcher()
>>> matched, scores = score_all(searcher, wq.Term("t", "ice"), ScoreCache())
>>> theirs = {d: s for s, d in searcher.search(wq.Term("t", "ice")).top_n}
>>> [int(d) for d in matched.nonzero()[0]] == sorted(theirs)
True
>>> all(abs(scores[d] - theirs[d]) < 1e-9 for d in theirs)
True
>>> score_all(searcher, wq.Prefix("t", "ic"), ScoreCache()) is None
True
"""

from __future__ import annotations

import sys
import threading
from array import array
from collections import OrderedDict
from typing import TYPE_CHECKING

from whoosh import query as wq
from whoosh.scoring import BM25FScorer, WeightScorer

from foiasearch.search.budget import check as check_budget
from foiasearch.search.whoosh.phrases import phrase_docs
from foiasearch.search.whoosh.postings import posting_blocks

if TYPE_CHECKING:
    import numpy as np

Scored = "tuple[np.ndarray, np.ndarray]"  # (matched: bool per docnum, score per docnum)
# score_sparse's bounds (postings of the query's terms, all segments): below
# SPARSE_ALWAYS plain Python is as fast as numpy's whole-index arrays; below
# SPARSE_WITHOUT_NUMPY it is still faster than importing numpy (about 50 ms,
# a fifth of a one-shot CLI search), but only once: at 20,000 documents it
# is 10-30 ms slower per query than the arrays, so a process (a web worker,
# a batch run) that has used that allowance imports numpy for the next one.
SPARSE_ALWAYS = 2_000
SPARSE_WITHOUT_NUMPY = 60_000
_without_numpy = {"spent": False}  # whether this process has scored a larger query sparsely


class ScoreCache:
    """What scoring keeps per searcher: each segment's field lengths, and the
    scored postings of recent terms, up to ``budget`` postings in all
    (16 bytes each), least recently used first out.

    Reading a term's postings is most of a query's cost (the codec unpickles
    every block, positions included), and people reuse words as they refine
    a query; the scores stay valid until the searcher changes.

    >>> cache = ScoreCache(budget=3)
    >>> cache.put("a", [1, 2], [0.5, 0.7])
    >>> cache.put("b", [4, 5], [0.1, 0.2])
    >>> cache.get("a") is None, cache.get("b") is not None
    (True, True)
    """

    def __init__(self, budget: int = 2_000_000, lengths: dict | None = None) -> None:
        self.budget = budget
        self.lengths: dict = lengths if lengths is not None else {}
        # (field, term) -> its BM25F parameters (idf, K1, B, average length),
        # or None for a field scored by its weight: they are the whole
        # searcher's, the same for every segment, and building a scorer per
        # segment and term summed the field's length over every segment each
        # time (a tenth of a first-time query at 20,000 documents in 32
        # segments). Four floats, not the scorer, which holds its searcher.
        self.scorers: dict = {}
        self._terms: OrderedDict = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, key) -> tuple | None:
        with self._lock:
            found = self._terms.get(key)
            if found is not None:
                self._terms.move_to_end(key)
            return found

    def put(self, key, ids, scores) -> None:
        if len(ids) > self.budget:
            return
        with self._lock:
            if key in self._terms:
                return
            self._terms[key] = (ids, scores)
            self._held += len(ids)
            while self._held > self.budget:
                _, (old, _) = self._terms.popitem(last=False)
                self._held -= len(old)


class _Unsupported(Exception):
    """A part of the query that only Whoosh's matchers can score."""


def score_all(searcher, query: wq.Query, cache: ScoreCache) -> Scored | None:
    """Per global docnum: whether ``query`` matches it, and its score (0 where
    it does not match); None when the query has a part this module does not
    score.

    Keep one ``cache`` per searcher (the engine keeps it in the searcher's
    view): its contents are only valid for that searcher's index state.
    """
    import numpy as np

    matched, scores = [], []
    try:
        for leaf, _offset in searcher.leaf_searchers():  # offsets are contiguous, ascending
            m, s = _scores(leaf, query, cache, _offset)
            matched.append(m)
            scores.append(s)
    except _Unsupported:
        return None
    if not matched:
        return np.zeros(0, bool), np.zeros(0)
    return np.concatenate(matched), np.concatenate(scores)


def score_sparse(searcher, query: wq.Query, cache: ScoreCache) -> dict[int, float] | None:
    """What :func:`score_all` computes, as {global docnum: score} of the
    matching records only, in plain Python: for queries whose terms have
    few postings (see :func:`sparse_worth_it`). The same operations in the
    same order give the same floats (tests/test_ranking.py compares them).
    None when the query has a part this module does not score."""
    found: dict[int, float] = {}
    try:
        for leaf, offset in searcher.leaf_searchers():
            part = _sparse(leaf, query, cache, offset)
            # Global docnums, in C: a Python step per posting was a tenth of a one-shot search's scoring.
            found.update(zip(map(offset.__add__, part), part.values()) if offset else part)
    except _Unsupported:
        return None
    return found


def sparse_worth_it(searcher, query: wq.Query) -> bool:
    """Whether :func:`score_sparse` is the cheaper way for ``query``: its
    terms' postings (document frequencies summed over the query's terms,
    every segment) are few; or numpy is not loaded yet, they are not many,
    and this process has not done so before (a one-shot search's one query)."""
    reader = searcher.reader()
    once = "numpy" not in sys.modules and not _without_numpy["spent"]
    limit = SPARSE_WITHOUT_NUMPY if once else SPARSE_ALWAYS
    postings = 0
    try:
        for fieldname, text in query.iter_all_terms():
            if fieldname in reader.schema:
                postings += reader.doc_frequency(fieldname, text)  # 0 for a term not in the index
                if postings >= limit:  # counted no further: a lookup per segment and term
                    return False
    except Exception:  # a query that cannot list its terms: score_all decides
        return False
    if postings >= SPARSE_ALWAYS:
        _without_numpy["spent"] = True
    return True


def _scores(leaf, query: wq.Query, cache: ScoreCache, offset: int) -> Scored:
    check_budget()
    kind = type(query)
    if kind is wq.Term:
        matched, scores = _term_scores(leaf, query.fieldname, query.text, cache, offset)
    elif kind is wq.And:
        matched, scores = _and(leaf, query.subqueries, cache, offset)
    elif kind is wq.Or and not query.scale and query.minmatch in (0, 1, None):
        matched, scores = _or(leaf, query.subqueries, cache, offset)
    elif kind is wq.AndNot:  # Whoosh's AndNotMatcher scores its positive side only
        matched, scores = _scores(leaf, query.a, cache, offset)
        excluded, _ = _scores(leaf, query.b, cache, offset)
        matched = matched & ~excluded
        scores = _np().where(matched, scores, 0.0)
    elif kind is wq.Phrase:
        matched, scores = _phrase(leaf, query, cache, offset)
    else:
        raise _Unsupported(kind.__name__)
    boost = getattr(query, "boost", 1.0)
    # Whoosh applies a compound's boost only when it has several parts.
    if boost != 1.0 and not (kind in (wq.And, wq.Or) and len(query.subqueries) == 1):
        scores = scores * boost
    return matched, scores


def _and(leaf, subqueries, cache: ScoreCache, offset: int) -> Scored:
    positive = [q for q in subqueries if not isinstance(q, wq.Not)]
    negations = [q for q in subqueries if isinstance(q, wq.Not)]
    negative = [q.query for q in negations]
    if not positive or any(q.boost != 1.0 for q in negations):
        raise _Unsupported("And of negations only, or a boosted negation")
    matched, scores = _scores(leaf, positive[0], cache, offset)
    for sub in positive[1:]:
        m, s = _scores(leaf, sub, cache, offset)
        matched = matched & m
        scores = scores + s
    if negative:
        excluded, _ = _or(leaf, negative, cache, offset)
        matched = matched & ~excluded
        # A negation is an InverseMatcher in Whoosh's intersection, and
        # scores 1.0 wherever it matches: every remaining document.
        scores = scores + float(len(negative))
    return matched, _np().where(matched, scores, 0.0)


def _phrase(leaf, query: wq.Phrase, cache: ScoreCache, offset: int) -> Scored:
    """Whoosh scores a phrase as the sum of its words' scores (its span
    matcher wraps an intersection of the words); which of those documents
    hold the words in order is checked on their positions (search.whoosh.phrases)."""
    words = [wq.Term(query.fieldname, word) for word in query.words]
    if not words:
        raise _Unsupported("empty phrase")
    np = _np()
    matched, scores = _and(leaf, words, cache, offset)
    if not matched.any():
        return matched, scores
    in_order = np.zeros_like(matched)
    # Positions are read within the query's budget (search.whoosh.phrases checks it).
    in_order[phrase_docs(leaf, query, np.flatnonzero(matched).tolist())] = True
    matched = matched & in_order
    return matched, np.where(matched, scores, 0.0)


def _or(leaf, subqueries, cache: ScoreCache, offset: int) -> Scored:
    if any(isinstance(q, wq.Not) for q in subqueries):
        raise _Unsupported("negation inside Or")
    matched, scores = _scores(leaf, subqueries[0], cache, offset)
    for sub in subqueries[1:]:
        m, s = _scores(leaf, sub, cache, offset)
        matched = matched | m
        scores = scores + s  # non-matching records score 0
    return matched, scores


def _term_scores(leaf, fieldname: str, text, cache: ScoreCache, offset: int) -> Scored:
    np = _np()
    reader = leaf.reader()
    size = reader.doc_count_all()
    matched, scores = np.zeros(size, bool), np.zeros(size)
    sparse = _term_postings(leaf, fieldname, text, cache, offset)
    if sparse is not None:
        ids, values = sparse
        matched[ids] = True
        scores[ids] = values
    return matched, scores


def _term_postings(leaf, fieldname: str, text, cache: ScoreCache, offset: int) -> "tuple[np.ndarray, np.ndarray] | None":
    """The term's (docnums, scores) in this segment, as numpy arrays, from the cache or the postings."""
    read = _read_term(leaf, fieldname, text, cache, offset)
    if read is None or read[0] is None:
        return None if read is None else read[1]
    key, bm25, ids, weights = read
    np = _np()
    docnums = np.array(ids, dtype=np.int64)
    tf = np.array(weights, dtype=np.float64)
    if bm25 is None:  # a field without lengths (tags, kinds): the weight is the score
        cache.put(key, docnums, tf)
        return docnums, tf
    lengths = np.frombuffer(_field_lengths(leaf.reader(), fieldname, cache.lengths, offset), dtype=np.float64)
    lengths = lengths[docnums]
    # whoosh.scoring.bm25(idf, tf, fl, avgfl, B, K1), the same operations in the same order.
    idf, k1, b, avgfl = bm25
    values = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths / avgfl)))
    cache.put(key, docnums, values)
    return docnums, values


def _read_term(leaf, fieldname: str, text, cache: ScoreCache, offset: int, form: str = "numpy"):
    """None when the segment lacks the term; (None, cached) when ``cache``
    holds its scores in ``form``; else (cache key, BM25F parameters or None,
    docnums, weights) read from its postings."""
    schema = leaf.schema
    if fieldname not in schema:
        return None
    try:
        btext = schema[fieldname].to_bytes(text)
    except ValueError:
        return None
    reader = leaf.reader()
    if (fieldname, btext) not in reader:
        return None
    key = (offset, fieldname, btext) if form == "numpy" else (offset, fieldname, btext, form)
    cached = cache.get(key)
    if cached is not None:
        return None, cached
    if (fieldname, btext) in cache.scorers:
        bm25 = cache.scorers[(fieldname, btext)]
    else:
        scorer = leaf.weighting.scorer(leaf, fieldname, btext)
        if type(scorer) not in (BM25FScorer, WeightScorer):
            raise _Unsupported(type(scorer).__name__)
        bm25 = None if type(scorer) is WeightScorer else (scorer.idf, scorer.K1, scorer.B, scorer.avgfl)
        cache.scorers[(fieldname, btext)] = bm25
    ids: list[int] = []
    weights: list[float] = []
    # Deleted records included: the caller keeps live records only.
    for block_ids, block_weights in posting_blocks(reader.postings(fieldname, btext)):
        check_budget()
        ids.extend(block_ids)
        weights.extend(block_weights)
    return key, bm25, ids, weights


def _field_lengths(reader, fieldname: str, cache: dict, offset: int) -> array:
    """Every record's length in ``fieldname`` in this segment, as BM25F reads it."""
    key = (offset, reader.doc_count_all(), fieldname)
    found = cache.get(key)
    if found is None:
        found = cache[key] = field_lengths(reader, fieldname)
    return found


def field_lengths(reader, fieldname: str) -> array:
    """Each record's length in ``fieldname`` in one segment's ``reader``
    (1 where it has none, as Whoosh's BM25F scorer reads it), as doubles:
    numpy views them without a copy, and a saved view loads without numpy."""
    length = reader.doc_field_length
    # None (Whoosh gives it for some records) becomes NaN, as numpy's float64 arrays made it.
    return array("d", [_NAN if n is None else n for n in (length(d, fieldname, 1)
                                                          for d in range(reader.doc_count_all()))])


_NAN = float("nan")


def _np():
    """numpy, imported on first use: a one-shot search scored sparsely never loads it."""
    import numpy

    return numpy


# -- the same, in plain Python, for few postings (score_sparse) -------------------------
def _sparse(leaf, query: wq.Query, cache: ScoreCache, offset: int) -> dict[int, float]:
    """_scores as {local docnum: score} of the matching records. Each
    combination adds in the order the arrays do, so the floats are equal."""
    check_budget()
    kind = type(query)
    if kind is wq.Term:
        found = _sparse_term(leaf, query.fieldname, query.text, cache, offset)
    elif kind is wq.And:
        found = _sparse_and(leaf, query.subqueries, cache, offset)
    elif kind is wq.Or and not query.scale and query.minmatch in (0, 1, None):
        found = _sparse_or(leaf, query.subqueries, cache, offset)
    elif kind is wq.AndNot:
        excluded = _sparse(leaf, query.b, cache, offset)
        found = {d: s for d, s in _sparse(leaf, query.a, cache, offset).items() if d not in excluded}
    elif kind is wq.Phrase:
        words = [wq.Term(query.fieldname, word) for word in query.words]
        if not words:
            raise _Unsupported("empty phrase")
        found = _sparse_and(leaf, words, cache, offset)
        if found:
            in_order = set(phrase_docs(leaf, query, sorted(found)))
            found = {d: s for d, s in found.items() if d in in_order}
    else:
        raise _Unsupported(kind.__name__)
    boost = getattr(query, "boost", 1.0)
    if boost != 1.0 and not (kind in (wq.And, wq.Or) and len(query.subqueries) == 1):
        found = {d: s * boost for d, s in found.items()}
    return found


def _sparse_and(leaf, subqueries, cache: ScoreCache, offset: int) -> dict[int, float]:
    positive = [q for q in subqueries if not isinstance(q, wq.Not)]
    negations = [q for q in subqueries if isinstance(q, wq.Not)]
    if not positive or any(q.boost != 1.0 for q in negations):
        raise _Unsupported("And of negations only, or a boosted negation")
    found = _sparse(leaf, positive[0], cache, offset)
    for sub in positive[1:]:
        other = _sparse(leaf, sub, cache, offset)
        # The common records found in C; each sum in the arrays' order (this side first).
        found = {d: found[d] + other[d] for d in found.keys() & other.keys()}
    if negations:
        excluded = _sparse_or(leaf, [q.query for q in negations], cache, offset)
        extra = float(len(negations))
        found = {d: s + extra for d, s in found.items() if d not in excluded}
    return found


def _sparse_or(leaf, subqueries, cache: ScoreCache, offset: int) -> dict[int, float]:
    if any(isinstance(q, wq.Not) for q in subqueries):
        raise _Unsupported("negation inside Or")
    found = dict(_sparse(leaf, subqueries[0], cache, offset))
    for sub in subqueries[1:]:
        other = _sparse(leaf, sub, cache, offset)
        # Only records on both sides need a sum (0.0 + s is s, as the arrays
        # add): those are found in C, and the rest is copied in C.
        both = {d: found[d] + other[d] for d in found.keys() & other.keys()}
        found.update(other)
        found.update(both)
    return found


def _sparse_term(leaf, fieldname: str, text, cache: ScoreCache, offset: int) -> dict[int, float]:
    read = _read_term(leaf, fieldname, text, cache, offset, form="sparse")
    if read is None:
        return {}
    if read[0] is None:
        return dict(zip(*read[1]))
    key, bm25, ids, weights = read
    if bm25 is None:
        values = [float(w) for w in weights]
    else:
        lengths = _field_lengths(leaf.reader(), fieldname, cache.lengths, offset)
        idf, k1, b, avgfl = bm25
        # bm25 as _term_postings computes it over arrays, operation by operation.
        k1_1, one_b = k1 + 1, 1 - b
        values = [idf * ((tf * k1_1) / (tf + k1 * (one_b + b * lengths[d] / avgfl)))
                  for d, tf in zip(ids, map(float, weights))]
    # Kept as arrays of machine numbers: a quarter of the memory of lists.
    cache.put(key, array("q", ids), array("d", values))
    return dict(zip(ids, values))


def all_field_lengths(reader, fieldnames) -> dict:
    """What :class:`ScoreCache` ``lengths`` holds, for every segment of
    ``reader``: worth computing where the searcher's view is built and saved
    (search.view), so that a one-shot search does not pay for it."""
    return {(offset, leaf.doc_count_all(), name): field_lengths(leaf, name)
            for leaf, offset in reader.leaf_readers() for name in fieldnames
            if name in leaf.schema}
