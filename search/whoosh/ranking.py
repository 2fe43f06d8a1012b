"""A query's matches on one searcher, and their order by relevance.

What a results page needs is the set of matches (for the total, filters and
facet counts) and the best few of the selection (for the page shown);
only an export or a deep page needs every match in order. So:

- the set comes with every score at once from search.bulkscore for the
  queries people type (words, AND, OR, NOT, fields), or unscored from
  search.bitquery for the rest (phrases, wildcards, ranges);
- with all scores known, a page is a partial sort of the selection;
  otherwise Whoosh's top-N collector finds the best few (it skips posting
  blocks that cannot beat the N-th score), and a small selection is scored
  document by document along the query's matcher;
- the full ranking is made once per text and searcher, when asked for.

>>> Selection.__name__, DIRECT_SCORING_LIMIT, TOP_N_LIMIT
('Selection', 300, 1000)
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice

import heapq
from typing import TYPE_CHECKING

from whoosh import query as wq
from whoosh.searching import Searcher

from foiasearch.search import budget
from foiasearch.search.whoosh.bitquery import query_bits
from foiasearch.search.whoosh.bulkscore import score_all, score_sparse, sparse_worth_it
from foiasearch.search.whoosh.docsets import Matches, SparseScores, from_bits, to_bits
from foiasearch.search.relax import RELAX_BELOW, split_clauses, widens
from foiasearch.search.whoosh.searcher_cache import SearcherCache

if TYPE_CHECKING:
    import numpy as np

DIRECT_SCORING_LIMIT = 300  # selections this small are scored one by one along the matcher
TOP_N_LIMIT = 1000  # a page deeper than this ranks every match once
TOPS_KEPT = 32  # best-first lists kept per text: one per filter combination seen


def find_matches(searcher: Searcher, view: SearcherCache, user_query: wq.Query, terms: set[str],
                 text: str | None = None, parse=None) -> Matches:
    """The documents and pages ``user_query`` matches, with every score when
    search.bulkscore can compute them in one pass.

    Given the ``text`` typed and a ``parse`` function for its clauses, a
    query of words that fewer than RELAX_BELOW documents match in full is
    widened to its best matches (search.whoosh.relax): the full matches first,
    then those missing the fewest and least important words."""
    scored = None
    if sparse_worth_it(searcher, user_query):
        # Few postings: plain Python, equal scores (a one-shot search then never imports numpy).
        sparse = score_sparse(searcher, user_query, view.scoring)
        if sparse is not None:
            bits = to_bits(sparse)
            strict = (bits & view.values.all_docs).bit_count()
            if text is None or parse is None or strict >= RELAX_BELOW or not widens(split_clauses(text)):
                return Matches(bits & view.values.all_docs, bits & view.page_bits, terms,
                               scores=SparseScores(sparse), scored_all=True)
            scored = _dense(sparse, searcher.doc_count_all())  # widened below: in bulk, with numpy
    if scored is None:
        scored = score_all(searcher, user_query, view.scoring)
    if scored is None:
        bits = query_bits(searcher, user_query)
        return Matches(bits & view.values.all_docs, bits & view.page_bits, terms)
    import numpy as np

    from foiasearch.search.whoosh.relax import best_match

    matched, scores = scored
    bits = int.from_bytes(np.packbits(matched, bitorder="little").tobytes(), "little")
    best = None
    if text is not None and parse is not None:
        strict = (bits & view.values.all_docs).bit_count()
        clauses = split_clauses(text) if strict < RELAX_BELOW else None
        if clauses:
            doc_mask = np.zeros(len(matched), bool)
            doc_mask[docnum_array(view.values.all_docs)[:len(matched)]] = True
            relaxed = best_match(searcher, view.scoring, doc_mask, clauses, parse, bits & view.values.all_docs)
            if relaxed is not None:
                matched, scores, best = relaxed
                bits = int.from_bytes(np.packbits(matched, bitorder="little").tobytes(), "little")
    return Matches(bits & view.values.all_docs, bits & view.page_bits, terms, scores=scores, scored_all=True,
                   best=best)


def _dense(sparse: dict[int, float], size: int) -> "tuple[np.ndarray, np.ndarray]":
    """score_sparse's answer as score_all gives it: (matched, scores) per docnum."""
    import numpy as np

    matched, scores = np.zeros(size, bool), np.zeros(size)
    if sparse:
        docnums = np.fromiter(sparse.keys(), dtype=np.int64, count=len(sparse))
        matched[docnums] = True
        scores[docnums] = np.fromiter(sparse.values(), dtype=np.float64, count=len(sparse))
    return matched, scores


def docnum_array(bits: int) -> "np.ndarray":
    """The docnums set in ``bits``, ascending, as a numpy array.

    >>> docnum_array(0b100101).tolist()
    [0, 2, 5]
    """
    import numpy as np

    if bits <= 0:
        return np.zeros(0, dtype=np.int64)
    raw = np.frombuffer(bits.to_bytes((bits.bit_length() + 7) >> 3, "little"), dtype=np.uint8)
    return np.flatnonzero(np.unpackbits(raw, bitorder="little"))


def best_of(bits: int, scores, limit: int | None = None) -> list[int]:
    """The docnums in ``bits`` by descending score, ties by ascending
    docnum (the first ``limit`` only, when given); ``scores`` is a numpy
    array per docnum or a SparseScores.

    >>> best_of(0b1010011000, SparseScores({3: .5, 4: 1., 7: .5, 9: 2.}), 3)
    [9, 4, 3]
    """
    if isinstance(scores, SparseScores):
        # Descending score, ties in docnum order: both sort stably, so the
        # ascending docnums keep their order among equal scores; the key is
        # the dict's own C lookup, not a Python function per document.
        docnums = from_bits(bits)
        key = scores.__getitem__
        return sorted(docnums, key=key, reverse=True) if limit is None else heapq.nlargest(limit, docnums, key=key)
    return best_first(docnum_array(bits), scores, limit)


def best_first(docnums: "np.ndarray", scores: "np.ndarray", limit: int | None = None) -> list[int]:
    """``docnums`` by descending score, ties by ascending docnum; the first
    ``limit`` only (a partial sort) when given.

    >>> import numpy as np
    >>> best_first(np.array([3, 4, 7, 9]), np.array([0, 0, 0, .5, 1., 0, 0, .5, 0, 2.]), 3)
    [9, 4, 3]
    """
    import numpy as np

    values = scores[docnums]
    if limit is not None and len(docnums) > limit:
        # Everything at or above the limit-th best score, ties included, so
        # the cut below picks among equals by docnum as a full sort would.
        kth = np.partition(values, len(values) - limit)[len(values) - limit]
        keep = values >= kth
        docnums, values = docnums[keep], values[keep]
    order = np.lexsort((docnums, -values))
    ranked = docnums[order]
    return (ranked if limit is None else ranked[:limit]).tolist()


@dataclass
class Selection:
    """One query resolved on one searcher: matching bits in result order."""

    searcher: Searcher
    view: SearcherCache
    user_query: wq.Query
    matches: Matches | None
    qbits: int  # documents matching the text
    bits: int  # ... and the filters
    order: list[int] | None  # every document in result order; None: by score, not ranked yet

    def ordered(self) -> Iterator[int]:
        """Docnums of the selected documents, in result order (ranked by
        score, once, if that order is asked for and not known yet)."""
        if not self.bits:  # nothing selected: no ranking to do (it cost seconds for hostile queries)
            return iter(())
        if self.order is None:
            rank_all(self)
            self.order = self.matches.ranked if self.matches is not None else []
        if self.bits == self.view.values.all_docs or (
                self.matches is not None and self.bits == self.matches.bits and self.order is self.matches.ranked):
            return iter(self.order)
        allowed = set(from_bits(self.bits))
        return (d for d in self.order if d in allowed)

    def window(self, start: int, count: int) -> list[int]:
        """Docnums ``start`` to ``start + count`` in result order."""
        matches = self.matches
        if self.order is not None or matches is None or matches.ranked is not None or not self.bits:
            return list(islice(self.ordered(), start, start + count))
        wanted = start + count
        if wanted > TOP_N_LIMIT:
            return list(islice(self.ordered(), start, start + count))
        best = matches.tops.get(self.bits)
        if best is None or (len(best) < wanted and len(best) < self.bits.bit_count()):
            best = self._best(max(wanted, 2 * count))
            if len(matches.tops) >= TOPS_KEPT:
                matches.tops.clear()
            matches.tops[self.bits] = best
        return best[start:start + count]

    def _best(self, limit: int) -> list[int]:
        """The best ``limit`` selected documents, best first (ties: lower docnum first)."""
        matches = self.matches
        if matches.scored_all:
            return best_of(self.bits, matches.scores, limit)
        if self.bits.bit_count() <= DIRECT_SCORING_LIMIT:
            scored = score_docnums(self.searcher, self.user_query, from_bits(self.bits))
            ranked = sorted(scored, key=lambda d: (-scored[d], d))[:limit]
        else:
            found = self.searcher.search(self.user_query, limit=limit, filter=set(from_bits(self.bits)))
            scored = {docnum: score for score, docnum in found.top_n}
            ranked = [docnum for _, docnum in sorted(found.top_n, key=lambda sd: (-sd[0], sd[1]))]
        matches.scores.update(scored)
        return ranked


def score_of(matches: Matches | None, docnum: int) -> float:
    if matches is None:
        return 0.0
    if matches.scored_all:
        return float(matches.scores[docnum])
    return matches.scores.get(docnum, 0.0)


def rank_all(sel: Selection) -> None:
    """Rank every match of the text, with the matching pages of every
    document best first; once per text and searcher."""
    matches, view = sel.matches, sel.view
    if matches is None or matches.ranked is not None:
        return
    if matches.scored_all:
        ranked = best_of(matches.bits, matches.scores)
        pages: dict[str, list[int]] = defaultdict(list)
        for docnum in best_of(matches.page_bits, matches.scores):
            parent, number = view.page_records[docnum]
            pages[parent].append(number)
        matches.matching_pages, matches.ranked = dict(pages), ranked
        return
    ranked, scores, pages = [], {}, defaultdict(list)
    is_doc = set(from_bits(view.values.all_docs))
    for score, docnum in _search_all(sel.searcher, sel.user_query).top_n:
        if docnum in is_doc:
            ranked.append(docnum)
            scores[docnum] = score
        elif docnum in view.page_records:
            parent, number = view.page_records[docnum]
            pages[parent].append(number)
    matches.scores, matches.matching_pages, matches.ranked = scores, dict(pages), ranked


def matching_pages(searcher: Searcher, view: SearcherCache, matches: Matches, user_query: wq.Query,
                   doc_ids: list[str]) -> dict[str, list[int]]:
    """doc id -> its matching page numbers, best first, for these documents only."""
    if matches.matching_pages is not None:
        return {i: matches.matching_pages[i] for i in doc_ids if i in matches.matching_pages}
    # (page docnum, its document) of these documents only: view.page_records
    # (every page's) is a section a one-shot search then need not read.
    candidates = {d: i for i in doc_ids for d in view.page_records_of.get(i, ())}
    hits = [d for d in candidates if matches.page_bits >> d & 1] if matches.page_bits else []
    if not hits:
        return {}
    if matches.scored_all:
        score = matches.scores.__getitem__
    else:
        score = score_docnums(searcher, user_query, hits).get
    found: dict[str, list[int]] = defaultdict(list)
    for docnum in sorted(hits, key=lambda d: (-(score(d) or 0.0), d)):
        found[candidates[docnum]].append(view.page_numbers[docnum])
    return dict(found)


def pages_by_coverage(reader, view: SearcherCache, terms: set[tuple[str, str]],
                      doc_ids: list[str]) -> dict[str, list[int]]:
    """doc id -> its pages holding any of ``terms``, those holding the most
    distinct terms first, then in page order. Only these documents' pages
    are looked up, by skipping along each term's postings (a query over all
    pages would walk every posting)."""
    parents = {d: i for i in doc_ids for d in view.page_records_of.get(i, [])}
    wanted = sorted(parents)
    held: dict[int, int] = defaultdict(int)
    for fieldname, text in terms:
        if not wanted or (fieldname, text) not in reader:
            continue
        for docnum in skip_along(reader.postings(fieldname, text), wanted):
            held[docnum] += 1
    numbers = view.page_numbers
    found: dict[str, list[int]] = defaultdict(list)
    for docnum in sorted(held, key=lambda d: (-held[d], numbers[d])):
        found[parents[docnum]].append(numbers[docnum])
    return dict(found)


def score_docnums(searcher: Searcher, user_query: wq.Query, docnums: list[int]) -> dict[int, float]:
    """Scores of the given docnums (those that match), skipping along the
    query's matcher in each segment: cheap for a few hundred documents."""
    scores: dict[int, float] = {}
    wanted = sorted(docnums)
    context = searcher.context()
    for leaf, offset in searcher.leaf_searchers():
        end = offset + leaf.doc_count_all()
        local = [d - offset for d in wanted if offset <= d < end]
        if not local:
            continue
        matcher = user_query.matcher(leaf, context)
        for docnum in skip_along(matcher, local):
            scores[docnum + offset] = matcher.score()
    return scores


def skip_along(matcher, docnums: list[int]) -> Iterator[int]:
    """The ascending ``docnums`` that ``matcher`` matches, skipping along its
    postings (blocks that hold none of them are never read); the matcher
    stands on each docnum when it is yielded."""
    for docnum in docnums:
        if not matcher.is_active():
            return
        if matcher.id() < docnum:
            matcher.skip_to(docnum)
            if not matcher.is_active():
                return
        if matcher.id() == docnum:
            yield docnum


@functools.cache
def _budget_collector() -> type:
    """The collector class of :func:`_search_all`, made on first use:
    whoosh.collectors brings whoosh.sorting, a few milliseconds of a
    one-shot search, which scores without them."""
    from whoosh.collectors import WrappingCollector

    class BudgetCollector(WrappingCollector):
        """Collects like its child, checking the query's time budget (search.budget)
        every 64 documents: Whoosh's own full search (phrases with slop,
        expansions) runs document by document through it."""

        def set_subsearcher(self, subsearcher, offset):
            budget.check()  # building a segment's matcher can take seconds (Every, Not, expansions)
            super().set_subsearcher(subsearcher, offset)

        def collect_matches(self):
            child = self.child
            for count, sub_docnum in enumerate(child.matches()):
                if count % 64 == 0:
                    budget.check()
                child.collect(sub_docnum)

    return BudgetCollector


def _search_all(searcher: Searcher, query: wq.Query):
    """``searcher.search(query, limit=None)`` that stops when the budget is spent."""
    collector = _budget_collector()(searcher.collector(limit=None))
    searcher.search_with_collector(query, collector)
    return collector.results()
