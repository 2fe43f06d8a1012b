"""The date histogram above the results: documents per year, one bar per
year from the first to the last (empty years included), each bar a link
that adds or removes that year's filter. Heights are classes (``h0`` ...
``h20``): the site's Content-Security-Policy allows no inline styles.

>>> from foiasearch.search.api import FacetValue
>>> from werkzeug.datastructures import MultiDict
>>> state = SearchState.from_args(MultiDict([("q", "opt")]))
>>> bars = year_histogram([FacetValue("2013", 4), FacetValue("2011", 2)], state)["bars"]
>>> [(b["year"], b["count"], b["height"]) for b in bars]
[('2011', 2, 10), ('2012', 0, 0), ('2013', 4, 20)]
>>> bars[0]["url"]
'/?q=opt&year=2011'
"""

from __future__ import annotations

from typing import Any

from foiasearch.search.api import FacetValue
from foiasearch.web.state import SearchState

STEPS = 20
MAX_YEARS = 80  # a wider span is one stray date (a 1900 default); show only the years found


def year_histogram(years: list[FacetValue], state: SearchState) -> dict[str, Any] | None:
    """Bars for the year facet's counts, or None with fewer than two years."""
    counts = {v.value: v.count for v in years if v.value.isdigit() and v.count}
    # A selected "year" comes from the URL: only numbers become bars (year=abcd was a 500).
    selected = [y for y in state.query.filters.get("year", []) if y.isascii() and y.isdigit() and len(y) <= 6]
    if len(counts) < 2 and not selected:
        return None
    numbers = sorted(int(y) for y in counts)
    if numbers and numbers[-1] - numbers[0] < MAX_YEARS:
        span = [str(y) for y in range(numbers[0], numbers[-1] + 1)]
    else:
        span = [str(y) for y in numbers]
    for year in selected:
        if year not in span:
            span.append(year)
    span.sort()
    top = max(counts.values(), default=1)
    every = 1 if len(span) <= 12 else (5 if len(span) <= 60 else 10)
    bars = [{
        "year": year,
        "count": counts.get(year, 0),
        "height": max(1, round(STEPS * counts[year] / top)) if counts.get(year) else 0,
        "selected": state.is_selected("year", year),
        "url": state.toggle_url("year", year),
        "label": every == 1 or int(year) % every == 0 or year in (span[0], span[-1]),
    } for year in span]
    return {"bars": bars, "top": top, "first": span[0], "last": span[-1]}
