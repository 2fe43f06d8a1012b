"""A search page's state, read from and written back to the query string.

Every view is a URL: the query, the selected facet values, the sort, the
page, which facets are expanded (``more=tag``) and the per-facet name
filters (``find_actor=quinn``) all live in the query string, so back,
forward, bookmarks and shared links work without JavaScript.

>>> state = SearchState.from_args(MultiDict([("q", "opt out"), ("tag", "ICE"), ("page", "2")]))
>>> state.query.filters, state.query.page
({'tag': ['ICE']}, 2)
>>> state.url(page=None)
'/?q=opt+out&tag=ICE'
>>> state.toggle_url("tag", "ICE")
'/?q=opt+out'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import quote_plus

from werkzeug.datastructures import MultiDict

from foiasearch.search.api import FACET_NAMES, SORTS, Query, QueryError

PER_PAGE = 20
MAX_VALUES = 200  # values a filter sends; more is not a person clicking
MAX_VALUE_LENGTH = 300
# Parameters the pages understand besides the facet names.
# "saved" (and "replaced") carry the name just saved, for the line saying so.
KNOWN = {"q", "sort", "page", "limit", "more", "saved", "replaced"} | {f"find_{name}" for name in FACET_NAMES}


QUOTED_KEPT = 100  # characters: facet values and short queries are kept quoted; a long text is quoted each time


@lru_cache(maxsize=8192)
def _quoted_kept(text: str) -> str:
    return quote_plus(text)


def _quoted(text: str) -> str:
    # Only short texts are kept: 8,192 long queries typed by visitors would pin memory in every worker.
    return _quoted_kept(text) if len(text) <= QUOTED_KEPT else quote_plus(text)


def query_string(pairs: list[tuple[str, str]]) -> str:
    """``urllib.parse.urlencode(pairs)``, each name and value quoted once per
    process: a search page writes some 70 links from the same few values.

    >>> query_string([("q", "opt out"), ("tag", "ICE & DHS")])
    'q=opt+out&tag=ICE+%26+DHS'
    """
    return "&".join(f"{_quoted(str(name))}={_quoted(str(value))}" for name, value in pairs)


class BadRequest(QueryError):
    """A parameter that cannot be used; the message is one line for users."""


def _int(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}")
    return value


@dataclass
class SearchState:
    query: Query
    more: set[str] = field(default_factory=set)  # facets showing all values
    find: dict[str, str] = field(default_factory=dict)  # facet -> name filter
    path: str = "/"

    @classmethod
    def from_args(cls, args: MultiDict, path: str = "/") -> "SearchState":
        """Read the query string; raises BadRequest for a parameter that
        cannot be used (unknown name, page out of range, ...)."""
        unknown = sorted(k for k in args.keys() if k not in KNOWN and k not in FACET_NAMES)
        if unknown:
            raise BadRequest(f"unknown parameter {unknown[0][:40]!r}; filters are {', '.join(FACET_NAMES)}")
        filters: dict[str, list[str]] = {}
        for name in FACET_NAMES:
            values = [v.strip() for v in args.getlist(name) if v.strip()]
            if len(values) > MAX_VALUES or any(len(v) > MAX_VALUE_LENGTH for v in values):
                raise BadRequest(f"too many or too long values for {name}")
            if values:
                filters[name] = list(dict.fromkeys(values))
        more = set(args.getlist("more"))
        for name in more:
            if name not in FACET_NAMES:
                raise BadRequest(f"unknown facet {name[:40]!r}; facets are {', '.join(FACET_NAMES)}")
        sort = args.get("sort", "") or "relevance"
        if sort not in SORTS:
            raise BadRequest(f"unknown sort {sort[:40]!r}; use one of {', '.join(SORTS)}")
        query = Query(
            text=args.get("q", ""),
            filters=filters,
            sort=sort,
            page=_int(args, "page", 1, 1, 10_000),
            per_page=_int(args, "limit", PER_PAGE, 1, 100),
        )
        query.validate()  # the query's own limits (length, ...)
        find = {name: args.get(f"find_{name}", "").strip()[:100] for name in FACET_NAMES}
        return cls(query, more, {k: v for k, v in find.items() if v}, path)

    # -- writing URLs ----------------------------------------------------
    def pairs(self, **changes) -> list[tuple[str, str]]:
        """The state as query-string pairs; ``changes`` replace parts
        (None drops one): q, sort, page, filters, more, find."""
        q = changes.get("q", self.query.text)
        sort = changes.get("sort", self.query.sort)
        page = changes.get("page", self.query.page)
        filters = changes.get("filters", self.query.filters)
        more = changes.get("more", self.more)
        find = changes.get("find", self.find)
        out: list[tuple[str, str]] = []
        if q:
            out.append(("q", q))
        for name in FACET_NAMES:
            out += [(name, v) for v in filters.get(name, [])]
        if sort and sort != "relevance":
            out.append(("sort", sort))
        if self.query.per_page != PER_PAGE:
            out.append(("limit", str(self.query.per_page)))
        if page and page != 1:
            out.append(("page", str(page)))
        out += [("more", name) for name in FACET_NAMES if name in (more or ())]
        out += [(f"find_{name}", v) for name, v in (find or {}).items() if v]
        return out

    def url(self, **changes) -> str:
        pairs = self.pairs(**changes)
        return self.path + ("?" + query_string(pairs) if pairs else "")

    def is_selected(self, facet: str, value: str) -> bool:
        return value.lower() in {v.lower() for v in self.query.filters.get(facet, [])}

    def toggle_url(self, facet: str, value: str) -> str:
        """This view with ``value`` added to or removed from its facet (back
        to page 1: the result list changes)."""
        filters = {k: list(v) for k, v in self.query.filters.items()}
        current = filters.get(facet, [])
        if self.is_selected(facet, value):
            current = [v for v in current if v.lower() != value.lower()]
        else:
            current = current + [value]
        filters[facet] = current
        return self.url(filters=filters, page=None)

    def page_url(self, page: int) -> str:
        return self.url(page=page)

    def chips(self) -> list[tuple[str, str, str]]:
        """(facet, value, url without it) for every selected value."""
        return [(name, value, self.toggle_url(name, value))
                for name in FACET_NAMES for value in self.query.filters.get(name, [])]

    def clear_filters_url(self) -> str:
        return self.url(filters={}, page=None, find={})
