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
>>> int(mask.sum()), ords.counts(ords.everything())["page:b6"], ords.counts(mask)
(1, 2, {'kind:post': 1})
>>> ords.mask_of(ords.packed([2, 5, 99])).nonzero()[0].tolist()  # 99: written after the load, not counted
[2, 5]
>>> ords.first(mask | ords.any_of(["tag:ice"]), 2).tolist()  # nums are given newest first
[1, 2]
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

# Numbers travel as one bytea of big-endian int4 per row (int4send), not as
# rows or arrays: 100,000 numbers are 400 kB and one np.frombuffer.
PACKED = "string_agg(int4send({}), ''::bytea)"
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
    entry_doc: np.ndarray  # per occurrence: the document's number
    entry_key: np.ndarray  # per occurrence: the key's index in keys
    postings: dict[str, np.ndarray]  # key -> its documents' numbers
    labels: dict[str, tuple[str, str, str | None]]  # 'facet:key' -> (facet, value, type)

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
        keys = sorted(arrays)
        entry_doc = np.concatenate([arrays[k] for k in keys]) if keys else np.zeros(0, dtype=np.int64)
        entry_key = np.repeat(np.arange(len(keys), dtype=np.int32), [arrays[k].size for k in keys])
        return cls(generation, present, nums, keys, {k: i for i, k in enumerate(keys)}, entry_doc, entry_key,
                   arrays, dict(labels))

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

    def counts(self, mask: np.ndarray) -> dict[str, int]:
        """Documents ('page:KEY': pages) per key among ``mask``, keys counted at least once."""
        found = np.bincount(self.entry_key[mask[self.entry_doc]], minlength=len(self.keys))
        return {self.keys[i]: int(found[i]) for i in np.flatnonzero(found)}


__all__ = ["Ordinals", "PACKED", "unpack"]
