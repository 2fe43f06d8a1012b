"""The one place that reads Whoosh's private posting-block attributes.

Matching and scoring a query over whole posting lists (search.whoosh.bitquery,
search.whoosh.bulkscore) needs every posting's document number and weight.
Whoosh's public matcher API yields them one Python call at a time; its
``whoosh3`` codec keeps them in blocks (``_data``: ids, weights, values;
ids delta-coded unless ``_byteids``), which read several times faster.
Those attributes are private: they are read here only, checked for first,
with one fallback (the public API: the same postings, more slowly) for any
matcher that lacks them.

Written against whoosh-reloaded 2.7.5 (pinned in pyproject.toml as
``whoosh-reloaded==2.7.5``); after changing the pin, run
tests/test_ranking.py, which compares both paths with Whoosh's own results.

>>> import tempfile
>>> from whoosh import fields, index
>>> ix = index.create_in(tempfile.mkdtemp(), fields.Schema(t=fields.TEXT))
>>> with ix.writer() as w:
...     for text in ["opt out", "out", "opt opt"]: w.add_document(t=text)
>>> with ix.searcher() as s:
...     blocks = [(list(i), list(w)) for i, w in posting_blocks(s.reader().postings("t", "opt"))]
...     public = _public(s.reader().postings("t", "opt"))   # the fallback reads the same
...     ids = [list(i) for i in posting_ids(s.reader().postings("t", "opt"))]
>>> blocks, public, ids
([([0, 2], [1.0, 2.0])], ([0, 2], [1.0, 2.0]), [[0, 2]])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate

from whoosh.matching import FilterMatcher

WHOOSH_PIN = "whoosh-reloaded==2.7.5"
_BLOCK_ATTRIBUTES = ("_read_data", "_next_block", "_data", "_byteids")


def reads_blocks(matcher) -> bool:
    """Whether ``matcher`` has the block attributes this module reads."""
    return all(hasattr(matcher, name) for name in _BLOCK_ATTRIBUTES)


def posting_blocks(matcher) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """(document numbers, weights) of every posting of ``matcher``, a block
    at a time, in document order. Deleted records are included (a matcher
    that hides them is unwrapped): callers mask deletions themselves."""
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if not reads_blocks(matcher):
        yield _public(matcher)
        return
    while matcher.is_active():
        matcher._read_data()
        raw_ids, raw_weights = matcher._data[0], matcher._data[1]
        # accumulate() undoes the deltas in C; the codec's own decoder is a Python generator.
        ids = raw_ids if matcher._byteids else list(accumulate(raw_ids))
        if raw_weights is None or isinstance(raw_weights, float):  # one weight for the whole block
            weights: Sequence[float] = [1.0 if raw_weights is None else raw_weights] * len(ids)
        else:
            weights = raw_weights
        yield ids, weights
        matcher._next_block()


def posting_ids(matcher) -> Iterator[Iterable[int]]:
    """The document numbers alone, a block at a time (matching needs no
    weights: nothing is computed for them), deleted records included."""
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if not reads_blocks(matcher):
        yield _public(matcher)[0]
        return
    while matcher.is_active():
        matcher._read_data()
        raw_ids = matcher._data[0]
        yield raw_ids if matcher._byteids else accumulate(raw_ids)
        matcher._next_block()


def _public(matcher) -> tuple[list[int], list[float]]:
    """The fallback: every posting through Whoosh's public matcher API."""
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights
