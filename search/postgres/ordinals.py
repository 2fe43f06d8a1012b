"""Facet counts in the web worker: every document's facet keys as arrays
of numbers, loaded once per index generation, and the matches of a query
as a mask over document numbers.

Counting facets in SQL visits the row of every match once per facet
selection and once more for the page counts, and for a common word the
rows of the documents that do not match as well (the complement): about
300 ms at 100,000 documents for one search page's sidebar. Here the
database returns the numbers of the matches of a query's words once
(``documents.num``, schema migration 7); facet selections, hidden
collections, every facet's counts and the exemption page counts are then
array operations in the worker (a few ms), and a page with no words needs
no statement over the matches at all.

>>> ords = Ordinals.of(7, nums=[1, 2, 5], postings={"tag:ice": [1, 5], "kind:post": [1, 2, 5], "page:b6": [5, 5]},
...                    labels={"tag:ice": ("tag", "ICE", None), "kind:post": ("kind", "post", None)})
>>> mask = ords.everything() & ~ords.any_of(["tag:ice"])
>>> int(mask.sum()), ords.count(ords.counts(ords.everything()), "page:b6"), ords.found(ords.counts(mask))
(1, 2, {'kind:post': 1})
>>> ords.ranked(ords.counts(ords.everything()), "tag")
([FacetValue(value='ICE', count=2, key='ice', type=None)], 1)
>>> ords.mask_of(ords.packed([2, 5, 99])).nonzero()[0].tolist()  # 99: written after the load, not counted
[2, 5]
>>> ords.first(mask | ords.any_of(["tag:ice"]), 2).tolist()  # nums are given newest first
[1, 2]
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import numpy as np

from foiasearch.search.api import FacetValue
from foiasearch.search.postgres.sql import PACKED

LOAD_KEYS = (f"SELECT k, {PACKED.format('d.num')} FROM documents d, unnest(d.fkeys || d.epages) k GROUP BY k")
LOAD_NUMS = "SELECT string_agg(int4send(d.num), ''::bytea ORDER BY d.date DESC NULLS LAST, d.id) FROM documents d"
LOAD_LABELS = "SELECT key, facet, value, type FROM facet_labels"


def unpack(data: bytes | None) -> np.ndarray:
    """Numbers packed by PACKED as an int64 array."""
    return np.frombuffer(data or b"", dtype=">i4").astype(np.int64)


@dataclass
class Ordinals:
    """The facet keys of every document of one generation of the index.

    ``keys``: every 'facet:key' and 'page:key' (documents.fkeys, epages);
    an entry per (document, key) occurrence, so 'page:KEY' counts pages.
    """

    generation: int
    present: np.ndarray  # bool per document number: in the index
    newest: np.ndarray  # the documents' numbers, newest first (date DESC NULLS LAST, id)
    keys: list[str]
    key_ids: dict[str, int]
    entry_doc: np.ndarray  # per occurrence, grouped by key: the document's number
    starts: np.ndarray  # where each key's occurrences start in entry_doc
    postings: dict[str, np.ndarray]  # key -> its documents' numbers
    labels: dict[str, tuple[str, str, str | None]]  # 'facet:key' -> (facet, value, type)
    by_facet: dict[str, np.ndarray]  # facet -> the indexes of its labelled keys, in shown order (ranked)
    shown: dict[str, tuple[list[str], list[str], list[str | None]]]  # facet -> its keys' (key, value, type), likewise

    @classmethod
    def of(cls, generation: int, nums: Iterable[int], postings: dict[str, Iterable[int]],
           labels: dict[str, tuple[str, str, str | None]]) -> "Ordinals":
        nums = np.asarray(list(nums) if not isinstance(nums, np.ndarray) else nums, dtype=np.int64)  # newest first
        size = int(nums.max()) + 1 if nums.size else 1
        present = np.zeros(size, dtype=bool)
        present[nums] = True
        arrays = {k: np.asarray(list(v) if not isinstance(v, np.ndarray) else v, dtype=np.int64)
                  for k, v in postings.items()}
        arrays = {k: v[v < size] for k, v in arrays.items()}  # written between the statements of a load
        keys = sorted(k for k, v in arrays.items() if v.size)
        entry_doc = (np.concatenate([arrays[k] for k in keys]) if keys else np.zeros(0)).astype(np.int32)
        starts = np.cumsum([0] + [arrays[k].size for k in keys[:-1]]).astype(np.int64)
        by_facet: dict[str, list[int]] = {}
        for i, key in enumerate(keys):
            if key in labels:
                by_facet.setdefault(labels[key][0], []).append(i)
        # Each facet's keys by value once per generation, ties in key order (sorts are stable):
        # ranked() then orders a search's values by count alone.
        for facet, ids in by_facet.items():
            if facet == "year":
                ids.sort(key=lambda i: labels[keys[i]][1], reverse=True)
            else:
                ids.sort(key=lambda i: labels[keys[i]][1].lower())
        shown = {f: ([keys[i][len(f) + 1:] for i in ids], [labels[keys[i]][1] for i in ids],
                     [labels[keys[i]][2] for i in ids]) for f, ids in by_facet.items()}
        return cls(generation, present, nums, keys, {k: i for i, k in enumerate(keys)}, entry_doc, starts,
                   arrays, dict(labels), {f: np.asarray(ids, dtype=np.int64) for f, ids in by_facet.items()}, shown)

    @classmethod
    def load(cls, conn) -> "Ordinals":
        """Read one generation in one snapshot (``conn``: a psycopg connection
        in a REPEATABLE READ transaction, search_path set)."""
        generation = conn.execute("SELECT generation FROM state").fetchone()[0]
        postings = {key: unpack(data) for key, data in conn.execute(LOAD_KEYS).fetchall()}
        nums = unpack(conn.execute(LOAD_NUMS).fetchone()[0])
        labels = {key: (facet, value, type_) for key, facet, value, type_ in conn.execute(LOAD_LABELS).fetchall()}
        return cls.of(generation, nums, postings, labels)

    @property
    def size(self) -> int:
        return self.present.size

    def everything(self) -> np.ndarray:
        return self.present.copy()

    def packed(self, nums: Iterable[int]) -> bytes:
        """Numbers as PACKED makes them (tests, doctests)."""
        return np.asarray(list(nums), dtype=">i4").tobytes()

    def mask_of(self, data: bytes | None) -> np.ndarray:
        """The documents of this generation among numbers packed by PACKED."""
        nums = unpack(data)
        mask = np.zeros(self.size, dtype=bool)
        mask[nums[nums < self.size]] = True
        return mask & self.present

    def any_of(self, keys: Iterable[str]) -> np.ndarray:
        """The documents holding any of ``keys`` (a facet's selected values: OR)."""
        mask = np.zeros(self.size, dtype=bool)
        for key in keys:
            if key in self.postings:
                mask[self.postings[key]] = True
        return mask

    def first(self, mask: np.ndarray, count: int) -> np.ndarray:
        """The numbers of the ``count`` newest documents among ``mask``."""
        return self.newest[mask[self.newest]][:count]

    @staticmethod
    def all_of(masks: list[np.ndarray]) -> np.ndarray:
        return np.logical_and.reduce(masks)

    @staticmethod
    def any_mask(masks: list[np.ndarray]) -> np.ndarray:
        return np.logical_or.reduce(masks)

    @staticmethod
    def union(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.union1d(a, b)

    def counts(self, mask: np.ndarray) -> np.ndarray:
        """Documents ('page:KEY': pages) among ``mask`` per key (by index in keys):
        each key's occurrences are one run of entry_doc, summed by reduceat."""
        if not self.keys:
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(mask[self.entry_doc].view(np.uint8), self.starts, dtype=np.int64)

    def count(self, counts: np.ndarray, key: str) -> int:
        i = self.key_ids.get(key)
        return int(counts[i]) if i is not None else 0

    def found(self, counts: np.ndarray) -> dict[str, int]:
        """Every key counted at least once, with its count."""
        return {self.keys[i]: int(counts[i]) for i in np.flatnonzero(counts)}

    def ranked(self, counts: np.ndarray, facet: str, limit: int | None = None,
               keep: Collection[str] = ()) -> tuple[list[FacetValue], int]:
        """(the values of the labelled keys of ``facet`` counted at least once,
        as a facet's values are shown: the most counted first, then by value,
        case aside (years: newest first); how many there are). With ``limit``:
        the first ``limit`` and, past them, those whose key or lower-cased
        value is in ``keep`` (search.api.cut_facets' rule): only the values
        listed are made. At 100,000 documents a search counts about 10,000
        values: sorted in Python they took a third of a search's time."""
        ids = self.by_facet.get(facet)
        if ids is None:
            return [], 0
        found = counts[ids]
        chosen = np.flatnonzero(found)
        if facet != "year":
            chosen = chosen[np.argsort(-found[chosen], kind="stable")]
        keys, values, types = self.shown[facet]
        total, picked = len(chosen), chosen.tolist()
        if limit and total > limit:
            picked = picked[:limit] + [i for i in picked[limit:] if keys[i] in keep or values[i].lower() in keep]
        found = found.tolist()
        return [FacetValue(values[i], found[i], keys[i], types[i]) for i in picked], total

__all__ = ["Ordinals", "PACKED", "unpack"]
