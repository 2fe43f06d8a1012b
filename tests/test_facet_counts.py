"""Facet counts (search.whoosh.facets.ValueMap) give the same numbers
whichever way they are computed: by the matched documents' slices, by a
mask over the facet's pairs, or as the totals less the unmatched documents
(a match of nearly every document)."""

from __future__ import annotations

import random
from collections import Counter

from foiasearch.search.whoosh.docsets import to_bits
from foiasearch.search.whoosh.facets import ValueMap


def _value_map(size: int, seed: int = 7) -> tuple[ValueMap, dict[int, list[str]]]:
    rng = random.Random(seed)
    tags = {d: rng.sample(["ice", "foia", "courts", "data", "jail"], rng.randint(0, 3))
            for d in range(size) if d % 11}  # every 11th docnum is a record without facets (a page)
    values = {d: {"tag": [(t, t.upper()) for t in chosen]} if chosen else {} for d, chosen in tags.items()}
    return ValueMap(values), tags


def _direct(tags: dict[int, list[str]], docnums: set[int]) -> dict[str, int]:
    return dict(Counter(t for d in docnums if d in tags for t in tags[d]))


def test_every_way_of_counting_gives_the_same_counts():
    vmap, tags = _value_map(3000)
    everything = set(range(3000))
    rng = random.Random(1)
    selections = [set(), {5}, set(rng.sample(sorted(everything), 40)),  # a few: slices
                  set(rng.sample(sorted(everything), 1500)),  # half: the mask
                  everything - set(rng.sample(sorted(everything), 30)),  # nearly all: totals less the rest
                  everything, everything | {5000}]  # a docnum past every record is ignored
    for chosen in selections:
        counted = {v.key: v.count for v in vmap.count("tag", to_bits(chosen))}
        assert counted == _direct(tags, chosen), len(chosen)
        assert {v.key: v.count for v in vmap.count("tag", sorted(chosen))} == counted  # docnums, not bits
