"""Facet counts from a docnum -> values map built once per searcher.

Whoosh's ``groupedby`` walks every posting of a facet field on every search
(DESIGN.md measured 40-220 ms); reading the stored display values once per
searcher and counting over the matching docnums is several times faster.
Counts are of documents (doc records), never pages.

>>> vmap = ValueMap({1: {"tag": [("ice", "ICE")]}, 2: {"tag": [("ice", "ICE"), ("foia", "FOIA")]}})
>>> [(v.value, v.count) for v in vmap.count("tag", [1, 2])]
[('ICE', 2), ('FOIA', 1)]
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from index.schema import FACET_FIELDS
from search.docsets import from_bits, to_bits

# Facets shown by default, in the order the page shows them.
FACETS = ("tag", "actor", "kind", "collection", "year", "exemption", "category", "site", "language")


@dataclass
class FacetValue:
    value: str  # display form, e.g. "Secure Communities"
    count: int
    key: str = ""  # the lower-cased form filters use
    type: str | None = None  # actors carry a type (person, agency, ...)

    def to_json(self) -> dict:
        data = {"value": self.value, "count": self.count}
        if self.type:
            data["type"] = self.type
        return data


class ValueMap:
    """docnum -> {facet: [(key, display), ...]} for every doc record, and
    the same as one bitset (see search.docsets) per facet value."""

    def __init__(self, values: dict[int, dict[str, list[tuple[str, str]]]], types: dict[str, str] | None = None):
        self.values = values
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
        for name in FACET_FIELDS:
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
        frequent first."""
        counts: Counter[str] = Counter()
        values = self.bits.get(facet, {})
        if isinstance(docnums, int):
            matched = docnums.bit_count()
            per_doc = self.postings.get(facet, 0) / max(1, len(self.values))
            # Walking the matched documents costs their values; masking
            # costs one big-int AND per value: take the cheaper.
            if matched * per_doc * 8 < len(values):
                docnums = from_bits(docnums)
            else:
                for key, bits in values.items():
                    n = (docnums & bits).bit_count()
                    if n:
                        counts[key] = n
                docnums = ()
        for docnum in docnums:
            for key, _shown in self.values.get(docnum, {}).get(facet, ()):
                counts[key] += 1
        display = self.display.get(facet, {})
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if facet == "year":  # years read best newest first
            ranked = sorted(counts.items(), key=lambda kv: kv[0], reverse=True)
        if limit is not None:
            ranked = ranked[:limit]
        return [
            FacetValue(display[key], n, key, self.types.get(key) if facet == "actor" else None)
            for key, n in ranked
        ]
