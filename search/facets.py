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
    """docnum -> {facet: [(key, display), ...]} for every doc record."""

    def __init__(self, values: dict[int, dict[str, list[tuple[str, str]]]], types: dict[str, str] | None = None):
        self.values = values
        self.types = types or {}

    @classmethod
    def from_reader(cls, reader) -> "ValueMap":
        values: dict[int, dict[str, list[tuple[str, str]]]] = {}
        types: dict[str, str] = {}
        for docnum, stored in reader.iter_docs():
            if stored.get("rtype") != "doc" or "facets" not in stored:
                continue
            display = json.loads(stored["facets"])
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
            values[docnum] = entry
        return cls(values, types)

    def count(self, facet: str, docnums: Iterable[int], limit: int | None = None) -> list[FacetValue]:
        """Values of ``facet`` over ``docnums``, most frequent first."""
        counts: Counter[str] = Counter()
        display: dict[str, str] = {}
        for docnum in docnums:
            for key, shown in self.values.get(docnum, {}).get(facet, ()):
                counts[key] += 1
                display.setdefault(key, shown)
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if facet == "year":  # years read best newest first
            ranked = sorted(counts.items(), key=lambda kv: kv[0], reverse=True)
        if limit is not None:
            ranked = ranked[:limit]
        return [
            FacetValue(display[key], n, key, self.types.get(key) if facet == "actor" else None)
            for key, n in ranked
        ]
