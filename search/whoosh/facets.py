"""Facet counts from a docnum -> values map built once per searcher.

Whoosh's ``groupedby`` walks every posting of a facet field on every search
(measured 40-220 ms per search); reading the stored display values once per
searcher and counting over the matching docnums is several times faster.
Counts are of documents (doc records), never pages.

>>> vmap = ValueMap({1: {"tag": [("ice", "ICE")]}, 2: {"tag": [("ice", "ICE"), ("foia", "FOIA")]}})
>>> [(v.value, v.count) for v in vmap.count("tag", [1, 2])]
[('ICE', 2), ('FOIA', 1)]
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Collection, Iterable

from foiasearch.index.facet_registry import FACET_NAMES
from foiasearch.search.api import FacetValue
from foiasearch.search.whoosh.docsets import from_bits, to_bits
from foiasearch.search.whoosh.sections import Deferred


class ValueMap(Deferred):
    """Built from docnum -> {facet: [(key, display), ...]} for every doc
    record: one bitset (see search.docsets) per facet value, for filters,
    and each facet's (document, value) pairs as numpy arrays, for counts.
    The per-document dicts themselves are not kept: the map is saved with
    the searcher's view, and loading millions of small objects was most of
    a one-shot CLI search's time. The bitsets, pairs and names are saved as
    sections (search.whoosh.sections): a search without filters or facet
    counts reads none of them."""

    sections = ("bits", "pairs", "display", "types", "postings")

    def __init__(self, values: dict[int, dict[str, list[tuple[str, str]]]], types: dict[str, str] | None = None):
        self.doc_count = len(values)
        self.types = types or {}
        members: dict[str, dict[str, list[int]]] = {}
        self.display: dict[str, dict[str, str]] = {}
        for docnum, entry in values.items():
            for name, items in entry.items():
                keys = members.setdefault(name, {})
                shown = self.display.setdefault(name, {})
                for key, value in items:
                    keys.setdefault(key, []).append(docnum)
                    shown.setdefault(key, value)
        self.bits: dict[str, dict[str, int]] = {
            name: {key: to_bits(docnums) for key, docnums in keys.items()} for name, keys in members.items()
        }
        self.postings = {name: sum(len(d) for d in keys.values()) for name, keys in members.items()}
        # Every (document, value) pair of each facet as arrays sorted by
        # docnum, with each docnum's first pair: a large match is counted in
        # one pass over the pairs, a small one by its documents' slices.
        self.size = max(values, default=-1) + 1
        self.pairs: dict[str, tuple[list[str], array, array, array]] = {}
        for name, keys in members.items():
            ordered = sorted(keys)
            pairs = sorted((docnum, number) for number, key in enumerate(ordered) for docnum in keys[key])
            starts = [0] * (self.size + 1)  # starts[d]: how many pairs belong to documents before d
            for docnum, _ in pairs:
                starts[docnum + 1] += 1
            for docnum in range(self.size):
                starts[docnum + 1] += starts[docnum]
            self.pairs[name] = (ordered, array("q", [d for d, _ in pairs]), array("q", [v for _, v in pairs]),
                                array("q", starts))
        self.all_docs = to_bits(values)

    @classmethod
    def from_reader(cls, reader) -> "ValueMap":
        values: dict[int, dict[str, list[tuple[str, str]]]] = {}
        types: dict[str, str] = {}
        for docnum, stored in reader.iter_docs():
            if stored.get("rtype") == "doc" and "facets" in stored:
                values[docnum] = cls.entry(stored["facets"], types)
        return cls(values, types)

    @staticmethod
    def entry(facets_json: str, types: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
        """One doc record's stored ``facets`` JSON as (key, display) pairs;
        actor types are collected into ``types``."""
        display = json.loads(facets_json)
        entry = {}
        for name in FACET_NAMES:
            items = []
            for value in display.get(name, []):
                if name == "actor":
                    value, kind = value
                    types[value.lower()] = kind
                items.append((value.lower(), value))
            if items:
                entry[name] = items
        return entry

    def select(self, filters: dict[str, list[str]]) -> int | None:
        """The documents a facet selection allows (OR within a facet, AND
        across), or None when nothing is selected."""
        selected = None
        for name, values in filters.items():
            keys = {v.strip().lower() for v in values if v.strip()}
            if not keys:
                continue
            allowed = 0
            for key in keys:
                allowed |= self.bits.get(name, {}).get(key, 0)
            selected = allowed if selected is None else selected & allowed
        return selected

    def count(self, facet: str, docnums: int | Iterable[int], limit: int | None = None) -> list[FacetValue]:
        """Values of ``facet`` over ``docnums`` (a bitset or docnums), most
        frequent first (years: newest first)."""
        return self.counted(facet, docnums, limit)[0]

    def counted(self, facet: str, docnums: int | Iterable[int], limit: int | None = None,
                keep: Collection[str] = ()) -> tuple[list[FacetValue], int]:
        """(the first ``limit`` values as :meth:`count` lists them, and those
        of the keys ``keep`` past them; how many values have a count): only
        the values listed are made (an actor facet has some 10,000)."""
        pairs = self._arrays(facet)
        if pairs is None:
            return [], 0
        import numpy as np

        keys, docs, vals, starts = pairs
        if isinstance(docnums, int):
            per_doc = len(docs) / max(1, self.doc_count)
            matched = (docnums & self.all_docs).bit_count()
            # Slicing out documents' pairs costs a Python step per document;
            # masking costs the facet's pairs, in C. A match of nearly every
            # document (a common word, an empty query) is counted as the
            # facet's totals less the few documents it does not hold.
            fewest = min(matched, self.doc_count - matched)
            if fewest * per_doc * 30 >= len(docs):
                counts = np.bincount(vals[self._mask(docnums)[docs]], minlength=len(keys))
            elif fewest < matched:
                counts = self._totals(facet) - self._slices(vals, starts, from_bits(self.all_docs & ~docnums), len(keys))
            else:
                counts = self._slices(vals, starts, from_bits(docnums), len(keys))
            return self._ranked(facet, keys, counts, limit, keep)
        return self._ranked(facet, keys, self._slices(vals, starts, docnums, len(keys)), limit, keep)

    def _arrays(self, facet: str) -> tuple | None:
        """The facet's (keys, docs, vals, starts) with numpy views of the
        saved arrays (made once; not saved with the view)."""
        viewed = self.__dict__.setdefault("_numpy_pairs", {})
        found = viewed.get(facet)
        if found is None and facet in self.pairs:
            import numpy as np

            keys, *arrays = self.pairs[facet]
            found = viewed[facet] = (keys, *(np.frombuffer(a, dtype=np.int64) for a in arrays))
        return found

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        for computed in ("_numpy_pairs", "_total_counts", "_last_mask"):  # per process, rebuilt on use
            state.pop(computed, None)
        return state

    def _slices(self, vals, starts, docnums: Iterable[int], size: int):
        """Counts per value over the pairs of ``docnums`` (numpy arrays)."""
        import numpy as np

        picked = [vals[starts[d]:starts[d + 1]] for d in docnums if 0 <= d < self.size]
        return np.bincount(np.concatenate(picked) if picked else np.zeros(0, np.int64), minlength=size)

    def _totals(self, facet: str):
        """Counts per value over every document (kept: a view is read-only)."""
        import numpy as np

        totals = self.__dict__.setdefault("_total_counts", {})
        found = totals.get(facet)
        if found is None:
            keys, _, vals, _ = self._arrays(facet)
            found = totals[facet] = np.bincount(vals, minlength=len(keys))
        return found

    def _ranked(self, facet: str, keys: list[str], counts, limit: int | None,
                keep: Collection[str] = ()) -> tuple[list[FacetValue], int]:
        import numpy as np

        present = np.flatnonzero(counts)  # value indexes in key order
        if facet == "year":  # newest first
            order = present[::-1]
        else:  # most frequent first, then by key
            order = present[np.lexsort((present, -counts[present]))]
        chosen = order.tolist() if limit is None else order[:limit].tolist()
        if limit is not None and keep and len(order) > limit:
            chosen += [i for i in order[limit:].tolist() if keys[i] in keep]
        return [self._value(facet, keys[i], int(counts[i])) for i in chosen], len(present)

    def _mask(self, bits: int):
        """``bits`` as a numpy bool array over every doc record's docnum; the
        last one is kept, as all facets of one search count the same bits."""
        import numpy as np

        last = self.__dict__.get("_last_mask")
        if last is not None and last[0] == bits:
            return last[1]
        size = (self.size >> 3) + 1
        raw = (bits & ((1 << (size * 8)) - 1)).to_bytes(size, "little")
        mask = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), bitorder="little").view(bool)
        self.__dict__["_last_mask"] = (bits, mask)
        return mask

    def _value(self, facet: str, key: str, count: int) -> FacetValue:
        return FacetValue(self.display.get(facet, {})[key], count, key,
                          self.types.get(key) if facet == "actor" else None)
