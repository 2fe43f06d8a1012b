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

import pickle
import zlib
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate

from whoosh.matching import FilterMatcher

WHOOSH_PIN = "whoosh-reloaded==2.7.5"
_BLOCK_ATTRIBUTES = ("_read_data", "_next_block", "_data", "_byteids", "_postfile", "_dataoffset", "_nextoffset",
                     "_compression", "_blocklength")

# A block's data is the protocol-2 pickle of (ids, weights, values). The
# values (each posting's positions, as bytes) are most of its size and most
# of the time to unpickle it (measured 4x the rest), and matching and scoring
# never read them. Protocol 2 writes each bytes object as a call of
# _codecs.encode, named once, where the values begin; the ids (ints) and the
# weights (floats, or one float, or None) before it name nothing. So the
# data is cut there and read as (ids, weights); anything unexpected falls
# back to reading the whole block as Whoosh does.
_VALUES_START = b"c_codecs\nencode\n"
_MARK = ord("(")
_AS_PAIR = b"\x86."  # TUPLE2, STOP


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
        raw_ids, raw_weights = _ids_and_weights(matcher)
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
        raw_ids = _ids_and_weights(matcher)[0]
        yield raw_ids if matcher._byteids else accumulate(raw_ids)
        matcher._next_block()


def posting_values(matcher) -> Iterator[tuple[Sequence[int], Sequence[bytes]]]:
    """(document numbers, encoded values) of every posting, a block at a
    time, deleted records included: what a phrase check reads positions
    from (decode them with the field format's ``decoder("positions")``)."""
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child
    if not reads_blocks(matcher):
        ids, values = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            values.append(matcher.value())
            matcher.next()
        yield ids, values
        return
    while matcher.is_active():
        matcher._read_data()
        raw_ids, values = matcher._data[0], matcher._data[2]
        yield (raw_ids if matcher._byteids else list(accumulate(raw_ids))), values
        matcher._next_block()


def _ids_and_weights(matcher) -> tuple:
    """The current block's ids (delta-coded unless ``_byteids``) and weights,
    without unpickling its values (see _VALUES_START)."""
    raw = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    if matcher._compression:
        raw, cut = _head(raw, matcher._blocklength)
    else:
        cut = raw.find(_VALUES_START)
    if cut > 2:
        # A values tuple of more than three items opens with a MARK; a shorter one
        # (a last block) does not, and then the byte before is a small memo index.
        if raw[cut - 1] == _MARK and matcher._blocklength > 3:
            cut -= 1
        try:
            ids, weights = pickle.loads(raw[:cut] + _AS_PAIR)
        except Exception:  # not the layout described above: read it all below
            ids = weights = None
        if type(ids) is tuple and len(ids) == matcher._blocklength and (
                weights is None or type(weights) is float
                or (type(weights) is tuple and len(weights) == len(ids))):
            return ids, weights
    matcher._read_data()
    return matcher._data[0], matcher._data[1]


def _head(compressed, postings: int) -> tuple[bytes, int]:
    """A block's data decompressed as far as where its values begin (and
    that place; -1 when they are not found in what was decompressed: the
    caller then reads the whole block). The values are
    most of a block (positions), and zlib's time goes with what it writes
    out: half the decompression of a one-word query's postings is saved.

    >>> import pickle, zlib
    >>> data = pickle.dumps(((1, 2), (1.0, 2.0), (b"ab", b"cd")), 2)
    >>> head, cut = _head(zlib.compress(data), 2)
    >>> data.startswith(head), cut == data.find(_VALUES_START)
    (True, True)
    """
    # About 12 bytes a posting: an id (2-5 bytes) and a weight (9 bytes, or one for the block).
    step = 12 * postings + 64
    unzip = zlib.decompressobj()
    raw = unzip.decompress(compressed, step)
    cut = raw.find(_VALUES_START)
    while cut < 0 and unzip.unconsumed_tail:
        raw += unzip.decompress(unzip.unconsumed_tail, step)
        cut = raw.find(_VALUES_START, max(0, len(raw) - 2 * step - len(_VALUES_START)))
    return raw, cut


def _public(matcher) -> tuple[list[int], list[float]]:
    """The fallback: every posting through Whoosh's public matcher API."""
    ids: list[int] = []
    weights: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights
