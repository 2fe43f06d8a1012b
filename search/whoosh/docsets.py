"""Sets of documents as Python ints (bitsets), and what is worth computing
once per searcher so that a faceted search costs one index pass at most.

Whoosh matches documents in pure Python (tens of milliseconds for a common
word on 20k documents), so the engine keeps, per searcher (i.e. until the
next commit is seen):

- a :class:`~search.facets.ValueMap` with one bitset per facet value (and
  the same as numpy arrays, for counting large matches),
- which docnums are page records, and their document and page number,
- the document docnums in date order (newest/oldest sorts),
- the last queries' matches with their scores (search.ranking), the
  recent terms' scored postings (search.bulkscore) and facet counts.

A filter is then an ``&`` of ``|``-ed value bitsets, and a click on a
facet, a sort or the next page reuses the query's cached matches.

>>> bits = to_bits([1, 5, 9])
>>> bits.bit_count(), from_bits(bits)
(3, [1, 5, 9])
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress, repeat
from typing import Any

# For each byte value, the positions of its set bits.
_BYTE_BITS = [tuple(i for i in range(8) if b >> i & 1) for b in range(256)]
_AS_FLAGS = bytes.maketrans(b"01", b"\x00\x01")


def to_bits(docnums: Iterable[int], size: int = 0) -> int:
    """The bitset with the given docnums set.

    The docnums are written as the binary digits of one number, a
    bytearray each Python step of which is a C call (``map`` over
    ``__setitem__``), and ``int(..., 2)`` reads them in C: half the time of
    setting each bit with Python arithmetic (20,000 matches of a one-shot
    search at 20,000 documents).

    >>> to_bits([0, 3]), to_bits([]), to_bits(iter([2]), size=64)
    (9, 0, 4)
    """
    docnums = list(docnums)
    if not docnums:
        return 0
    digits = bytearray(b"0") * (max(max(docnums), size) + 1)
    deque(map(digits.__setitem__, docnums, repeat(49)), maxlen=0)  # 49: b"1"
    digits.reverse()  # the highest docnum is the first digit
    return int(digits, 2)


def from_bits(bits: int) -> list[int]:
    """The docnums set in ``bits``, ascending.

    >>> from_bits(0b100101), from_bits(0), from_bits(to_bits(range(0, 3000, 2)))[-2:]
    ([0, 2, 5], [], [2996, 2998])
    """
    out: list[int] = []
    if bits <= 0:
        return out
    length = bits.bit_length()
    if bits.bit_count() * 8 >= length:
        # Many set bits: the binary digits as 0/1 flags select from a range, in C.
        return list(compress(range(length), bin(bits)[:1:-1].encode("ascii").translate(_AS_FLAGS)))
    raw = bits.to_bytes((length + 7) >> 3, "little")
    for index, byte in enumerate(raw):
        if byte:
            base = index << 3
            out.extend(base + i for i in _BYTE_BITS[byte])
    return out


@dataclass
class Matches:
    """One query text's matches on one searcher.

    The sets are computed unscored (search.bitquery); the full ranking only
    when something needs every document in score order (an export, a deep
    page): a results page needs just its top few (see SearchEngine).
    """

    bits: int  # matching document records
    page_bits: int  # matching page records
    terms: set[str] = field(default_factory=set)  # analysed words to highlight
    ranked: list[int] | None = None  # document docnums, best first, once computed
    scores: Any = field(default_factory=dict)  # docnum -> score: a dict of those known, or
    # with scored_all, every record's score (0: no match): a numpy array indexed by docnum, or SparseScores
    scored_all: bool = False
    matching_pages: dict[str, list[int]] | None = None  # doc id -> page numbers, best first (with ranked)
    tops: dict[int, list[int]] = field(default_factory=dict)  # selection bits -> its best docnums
    best: Any = None  # search.whoosh.relax.BestMatch when the text was widened to its best matches


class SparseScores(dict):
    """Scores of the matching records only (search.whoosh.bulkscore's
    score_sparse), read like the numpy array of every record's: 0.0 for a
    record that does not match.

    >>> scores = SparseScores({3: 1.5})
    >>> scores[3], scores[4]
    (1.5, 0.0)
    """

    def __missing__(self, docnum: int) -> float:
        return 0.0


class LRU:
    """A small thread-safe least-recently-used map (query text ->
    :class:`Matches`, snippet key -> snippet)."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:  # pickled empty: a cache is per process
        return {"size": self.size}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["size"])

    def get(self, key):
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
