"""The facet sidebar: which values each facet box shows, and their links.

Counts come from the search backend (Results.facets); this module only
picks what to show: the top values, every selected value, all values when
the box is expanded (``more=tag``), or those whose name contains the box's
filter text (``find_tag=imm``).

>>> from foiasearch.search.api import FacetValue
>>> from werkzeug.datastructures import MultiDict
>>> state = SearchState.from_args(MultiDict([("tag", "ICE")]))
>>> box = facet_box("tag", [FacetValue("ICE", 3, "ice"), FacetValue("FOIA", 1, "foia")], state)
>>> [(v.value, v.count, v.selected) for v in box.values]
[('ICE', 3, True), ('FOIA', 1, False)]
"""

from __future__ import annotations

from dataclasses import dataclass, field

from foiasearch.search.api import FACETS, LABELS, FacetValue
from foiasearch.web.state import SearchState

TOP = 10
MAX_SHOWN = 500  # an expanded box lists at most this many; the name filter finds the rest
# "page" is a WordPress page (a site's static page), not a page of a PDF.
KIND_LABELS = {"release": "FOIA release", "post": "Post", "page": "Web page", "feed-item": "Feed item"}
# One line under each facet's heading: what the values are and where they come from.
HELP = {
    "tag": "Tags the publishing site gave its posts and pages; PDF releases have none of their own.",
    "category": "Categories the publishing site gave its posts.",
    "actor": "People, agencies, organisations, places and programs named in the text or e-mail headers.",
    "kind": "FOIA release: a PDF. Post: a blog post or press release. Web page: a site's page. Feed item: from a feed.",
    "collection": "The folder the files were indexed from.",
    "year": "Posts: when published. Releases: a date printed in them, else the PDF file's metadata or name.",
    "exemption": "FOIA exemptions cited on a release's pages (b6: personal privacy, b5: deliberations, ...). "
                 "Pick one to see the pages that cite it.",
    "site": "The website a post was saved from.",
    "language": "The language the text is written in.",
}
BAR_STEPS = 10  # facet-count bars are classes b0..b10 (no inline styles under the CSP)


@dataclass
class ShownValue:
    value: str
    count: int
    selected: bool
    url: str
    type: str | None = None
    bar: int = 0  # 0..BAR_STEPS: the count against the box's largest
    pages: int | None = None  # exemptions: pages that cite it

    @property
    def label(self) -> str:
        return self.value


@dataclass
class FacetBox:
    name: str
    label: str
    values: list[ShownValue] = field(default_factory=list)
    help: str = ""
    total: int = 0  # distinct values with a count
    hidden: int = 0  # values not listed
    expanded: bool = False
    find: str = ""
    more_url: str = ""
    less_url: str = ""

    @property
    def searchable(self) -> bool:
        """A name filter box is offered when the list is long."""
        return self.total > TOP or bool(self.find)


def facet_box(name: str, counted: list[FacetValue], state: SearchState, total: int | None = None) -> FacetBox:
    """The box of one facet; ``total``: how many values it has when ``counted``
    holds only the first ones and the selected ones (search.api.cut_facets)."""
    expanded = name in state.more
    find = state.find.get(name, "")
    box = FacetBox(name, LABELS.get(name, name.title()), total=total or len(counted), expanded=expanded, find=find,
                   help=HELP.get(name, ""))
    candidates = counted
    if find:
        needle = find.lower()
        candidates = [v for v in counted if needle in v.value.lower()]
    limit = MAX_SHOWN if (expanded or find) else TOP
    shown = candidates[:limit]
    # Selected values always show, even past the top ten or with no documents left.
    shown_keys = {v.value.lower() for v in shown}
    by_key = {v.value.lower(): v for v in counted}
    for value in state.query.filters.get(name, []):
        if value.lower() not in shown_keys:
            shown.append(by_key.get(value.lower(), FacetValue(value, 0, value.lower())))
            shown_keys.add(value.lower())
    top = max((v.count for v in shown), default=0) or 1
    box.values = [ShownValue(v.value, v.count, state.is_selected(name, v.value),
                             state.toggle_url(name, v.value), v.type, round(BAR_STEPS * v.count / top))
                  for v in shown]
    box.hidden = max(0, (total or len(candidates)) - len(shown))
    box.more_url = state.url(more=state.more | {name}) + f"#facet-{name}"
    box.less_url = state.url(more=state.more - {name}) + f"#facet-{name}"
    return box


def facet_limit(state: SearchState) -> int | None:
    """The values of each facet a search page needs (search.api.cut_facets):
    the top ``TOP`` and the selected ones, or all while a box is expanded or
    filtered by name (some 10,000 actors in 100,000 documents).

    >>> from werkzeug.datastructures import MultiDict
    >>> facet_limit(SearchState.from_args(MultiDict([("q", "x")]))), facet_limit(SearchState.from_args(MultiDict([("more", "tag")])))
    (10, None)
    """
    return None if state.more or state.find else TOP


def sidebar(facets: dict[str, list[FacetValue]], state: SearchState,
            pages: dict[str, dict[str, int]] | None = None, totals: dict[str, int] | None = None) -> list[FacetBox]:
    """A box per facet, in the registry's order (index.facet_registry);
    a facet that is not ``always_shown`` appears only when it has values.
    ``pages`` maps a facet to its values' page counts (exemptions: pages
    citing each code); ``totals``: values per facet whose list was cut
    (Results.facet_totals)."""
    boxes = []
    for facet in FACETS:
        name = facet.name
        counted = facets.get(name, [])
        if not facet.always_shown and not counted and not state.query.filters.get(name):
            continue
        box = facet_box(name, counted, state, (totals or {}).get(name))
        if pages and name in pages:
            for value in box.values:
                value.pages = pages[name].get(value.value.lower(), 0)
        boxes.append(box)
    return boxes
