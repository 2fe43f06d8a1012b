"""The actors named across an index, with document counts.

>>> from foiasearch.search.facets import ValueMap
>>> vmap = ValueMap({1: {"actor": [("ice", "ICE")]}}, {"ice": "agency"})
>>> [(a.value, a.type, a.count) for a in count_actors(vmap)]
[('ICE', 'agency', 1)]
"""

from __future__ import annotations

from foiasearch.search.facets import FacetValue, ValueMap


def count_actors(value_map: ValueMap, type: str | None = None, limit: int | None = None) -> list[FacetValue]:
    """Every actor over all documents, most frequent first; ``type`` filters
    (person, agency, organization, place, program)."""
    actors = value_map.count("actor", value_map.all_docs)
    if type:
        actors = [a for a in actors if a.type == type]
    return actors[:limit] if limit else actors
