"""The search API: what the web app, the CLI, saved searches, exports,
feeds and batch runs may ask of a search backend, and nothing else.

A backend (today Whoosh, in search.engine) implements :class:`SearchBackend`
and its streamed results implement :class:`ResultStream`; everything they
return is a plain dataclass defined here, so callers never see an engine's
own objects (document numbers, bitsets, searchers, generations). The
indexer writes through the backend's write side (index.backend).

>>> with open_backend("/nonexistent") as backend:  # doctest: +IGNORE_EXCEPTION_DETAIL
...     pass
Traceback (most recent call last):
foiasearch.index.location.IndexNotFound: no index at /nonexistent ...

Typical use (see tests/contract/ for every call exercised on a real index):

>>> # with open_backend("~/foia/.foiasearch") as backend:
>>> #     results = backend.search(Query('"opt out"', {"tag": ["ICE"]}), facets=True)
>>> #     results.total, results.hits[0].matching_pages, results.facets["actor"][0].value
>>> #     stream = backend.stream(Query("detainer", sort="newest"))
>>> #     for hit in stream.hits(batch=500): ...        # every match, in result order
>>> #     stream.newest(50)                              # [(datetime, Hit)], newest first
>>> #     backend.facet_values("actor", type="agency", limit=20)
>>> #     backend.document(hit.id).pages, backend.status().kinds, backend.fingerprint().value
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from foiasearch.index.facet_registry import FACET_NAMES, FACETS, LABELS, Facet, collection_of
from foiasearch.index.location import IndexLocation, IndexNotFound, IndexOutdated, IndexUnavailable
from foiasearch.index.originals import Original
from foiasearch.ingest.document import Document, Email
from foiasearch.search.marks import to_html

SORTS = ("relevance", "newest", "oldest")
MAX_QUERY_LENGTH = 2000
MAX_TITLE = 300  # characters of a title shown in a hit, an export row or a feed entry


class QueryError(ValueError):
    """A query or parameter that cannot be run; the message is one line for users."""


# -- what is asked ----------------------------------------------------------------
@dataclass
class Query:
    """A search as the CLI and the web app describe it.

    ``text`` is what users type (words, "phrases", AND/OR/NOT, parentheses,
    ``field:value``; empty: every document). ``filters`` maps a facet name
    (index.facet_registry: tag, actor, kind, ...) to the values selected:
    OR within a facet, AND across. ``page`` counts result pages of
    ``per_page`` hits from 1. ``hidden_collections``: collections this
    search must not see at all (private ones, for a visitor without access):
    none of their documents is matched, counted in a facet or used for a
    spelling suggestion.

    >>> try:
    ...     Query("opt out", {"colour": ["red"]}).validate()
    ... except QueryError as exc:
    ...     print(exc)
    unknown filter 'colour'; use one of tag, actor, kind, collection, year, exemption, category, site, ocr, language
    """

    text: str = ""
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    hidden_collections: tuple[str, ...] = ()
    # Only documents that hold every word: no best-match widening ("Missing:
    # x"). Saved searches run exact, since their runs, counts and feeds alert
    # on new matches, where a partial match would be noise.
    exact: bool = False

    def validate(self) -> "Query":
        if len(self.text) > MAX_QUERY_LENGTH:
            raise QueryError(f"query is too long ({len(self.text)} characters; the limit is {MAX_QUERY_LENGTH})")
        if self.sort not in SORTS:
            raise QueryError(f"unknown sort {self.sort!r}; use one of {', '.join(SORTS)}")
        if not 1 <= self.per_page <= 1000:
            raise QueryError("limit must be between 1 and 1000")
        if not 1 <= self.page <= 10_000:
            raise QueryError("page must be between 1 and 10000")
        for name in self.filters:
            if name not in FACET_NAMES:
                raise QueryError(f"unknown filter {name!r}; use one of {', '.join(FACET_NAMES)}")
        return self


# -- what comes back --------------------------------------------------------------
@dataclass
class FacetValue:
    """One value of a facet with the number of documents that have it."""

    value: str  # display form, e.g. "Secure Communities"
    count: int
    key: str = ""  # the lower-cased form filters use
    type: str | None = None  # actors carry a type (person, agency, ...)

    def to_json(self) -> dict:
        data = {"value": self.value, "count": self.count}
        if self.type:
            data["type"] = self.type
        return data


@dataclass
class Hit:
    """One matching document, as CLI and web show it.

    ``matching_pages``: the PDF pages that match, best first (empty for
    other kinds); ``snippet`` is marked text (search.marks), from the best
    page (``snippet_page``) for releases.
    """

    id: str
    title: str
    kind: str
    paths: list[str]
    url: str | None
    date: str | None
    matching_pages: list[int]
    snippet: str
    score: float
    document: Document | None = None  # metadata; pages carry numbers, Bates and exemptions, no text
    snippet_page: int | None = None
    missing: list[str] = field(default_factory=list)  # typed words this best match lacks ("Missing: suicide")

    def to_json(self) -> dict[str, Any]:
        doc = self.document
        data: dict[str, Any] = {
            "id": self.id,
            "title": self.title,
            "kind": self.kind,
            "paths": self.paths,
            "url": self.url,
            "date": self.date,
            "pages": self.matching_pages,
            "snippet": to_html(self.snippet),
            "score": round(self.score, 4),
        }
        if self.missing:
            data["missing"] = self.missing
        if doc is not None:
            data.update(
                author=", ".join(doc.authors) or None,
                authors=doc.authors,
                site=doc.site,
                tags=doc.tags,
                categories=doc.categories,
                language=doc.language,
                actors=[{"name": a.name, "type": a.type} for a in doc.actors],
                exemptions=doc.exemptions,
                bates_range=list(doc.bates_range) if doc.bates_range else None,
                page_exemptions={str(p.number): p.exemptions for p in doc.pages if p.exemptions},
                page_bates={str(p.number): p.bates for p in doc.pages if p.bates},
                emails=[dataclasses.asdict(e) for e in self.emails()],
            )
        return data

    @property
    def collection(self) -> str:
        """Where the document came from: its site, its collection, or the folder of its first file."""
        doc = self.document
        return ((doc.site or doc.collection) if doc else "") or (collection_of(self.paths[0]) if self.paths else "")

    def emails(self, limit: int = 20) -> list[Email]:
        """Printed e-mails on the matching pages (all pages when none matched)."""
        if self.document is None:
            return []
        wanted = set(self.matching_pages)
        found = [e for e in self.document.emails if not wanted or e.page in wanted]
        return found[:limit]

    def citations(self) -> list[str]:
        """Matching pages as a brief would cite them: "DEF-000103 (p. 3)"."""
        bates = {p.number: p.bates for p in self.document.pages if p.bates} if self.document else {}
        return [f"{bates[n]} (p. {n})" if n in bates else f"p. {n}" for n in self.matching_pages]


@dataclass
class Results:
    """One page of results: ``total`` matches, this page's ``hits``, facet
    counts (when asked for) and a spelling suggestion (when nothing matched).

    ``all_words_total`` is set when too few documents hold every word and
    the results were widened to the best matches (search.relax): how many
    hold them all; the other hits name what they lack in ``Hit.missing``."""

    query: Query
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    suggestion: str | None = None
    all_words_total: int | None = None
    # Values with a count per facet whose list ``facet_limit`` cut (see cut_facets).
    facet_totals: dict[str, int] = field(default_factory=dict)

    @property
    def page_count(self) -> int:
        """How many result pages of ``query.per_page`` hits there are (at least 1)."""
        return max(1, -(-self.total // self.query.per_page))

    def to_json(self, with_facets: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "query": self.query.text,
            "total": self.total,
            "hits": [hit.to_json() for hit in self.hits],
        }
        if with_facets:
            data["facets"] = {name: [v.to_json() for v in values] for name, values in self.facets.items()}
        if self.suggestion:
            data["suggestion"] = self.suggestion
        if self.all_words_total is not None:
            data["all_words_total"] = self.all_words_total
        return data


@dataclass(frozen=True)
class Fingerprint:
    """One state of one index, for provenance: ``value`` changes with every
    commit. ``state`` is the backend's own name for the state (Whoosh: its
    TOC generation), kept for people debugging; compare ``value``."""

    backend: str
    location: str
    state: str
    last_updated: str | None
    value: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.location, "fingerprint": self.value, "backend": self.backend,
                "state": self.state, "last_updated": self.last_updated}


@dataclass
class FileProblem:
    """A file that could not be indexed, and why (retried on the next run)."""

    path: str
    reason: str


@dataclass
class IndexStatus:
    """What an index holds: documents and pages by kind, files by outcome,
    failures, pages waiting for OCR, and when it last changed."""

    location: str
    last_updated: str | None
    kinds: dict[str, tuple[int, int]]  # kind -> (documents, pages)
    files: dict[str, int]  # outcome (indexed, skipped, failed) -> files
    failures: list[FileProblem]
    needs_ocr_pages: int
    ocr_pages: int = 0
    ocr_low_confidence_pages: int = 0  # tesseract's mean word confidence below LOW_OCR_CONFIDENCE
    ocr_mean_confidence: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.location,
            "last_updated": self.last_updated,
            "kinds": {k: {"documents": d, "pages": p} for k, (d, p) in self.kinds.items()},
            "files": self.files,
            "failures": [{"path": f.path, "reason": f.reason} for f in self.failures],
            "needs_ocr_pages": self.needs_ocr_pages,
            "ocr_pages": self.ocr_pages,
            "ocr_low_confidence_pages": self.ocr_low_confidence_pages,
            "ocr_mean_confidence": self.ocr_mean_confidence,
        }


# -- the backend ---------------------------------------------------------------------
@runtime_checkable
class ResultStream(Protocol):
    """Every document matching one query, from one snapshot of the index,
    read in batches so that results of any size stream (exports, feeds,
    batch runs, saved-search runs)."""

    total: int  # how many documents match

    @property
    def fingerprint(self) -> Fingerprint:
        """The index state this stream reads."""

    def ids(self) -> Iterator[str]:
        """Matching document ids in result order (cheap: no snippets)."""

    def hits(self, batch: int = 500, only: Container[str] | None = None) -> Iterator[Hit]:
        """Hits in result order, built ``batch`` at a time; with ``only``,
        just the documents whose ids are in it."""

    def newest(self, limit: int) -> list[tuple[dt.datetime, Hit]]:
        """The ``limit`` newest matches, newest first, each with its date
        (UTC), or when it was indexed for a document without a date."""


@runtime_checkable
class SearchBackend(Protocol):
    """One index, opened for reading; sees new commits as they land.
    Safe for concurrent searches from several threads. A backend may say
    how many searches it runs well at once (``searches_at_once``, e.g. its
    connection pool's size); without it the site runs one at a time."""

    name: str  # "whoosh", ...
    location: IndexLocation

    def search(self, query: Query, facets: bool = False, facet_limit: int | None = None,
               suggest: bool = False) -> Results:
        """One page of results; ``facets``: count every facet over the
        matches (a facet with a selection is counted without it, so its
        other values stay visible); ``facet_limit``: list at most that many
        values of each facet, and every value the query selects (see
        :func:`cut_facets`); ``suggest``: a corrected query text when
        nothing matched. Raises QueryError for a query that cannot be run."""

    def stream(self, query: Query) -> ResultStream:
        """Every match of ``query`` (page and per_page ignored), in the
        order :meth:`search` gives. Raises QueryError."""

    def check(self, query: Query) -> Query:
        """Raise QueryError unless ``query`` can be run (saved searches are checked when saved)."""

    def document(self, doc_id: str, with_text: bool = True) -> Document | None:
        """A document with its pages' text, or None; ``with_text=False``:
        its pages carry numbers, Bates, exemptions and OCR flags, no text
        (cheap: the page viewer checks a page image's document this way)."""

    def page_bates(self, doc_id: str, numbers: Iterable[int]) -> dict[int, str]:
        """Bates numbers printed on some pages of a document: page -> number."""

    def original_path(self, doc_id: str) -> Path | None:
        """The first file the index recorded for ``doc_id`` that is still what was indexed."""

    def has_original(self, doc_id: str) -> bool:
        """Whether a recorded file of ``doc_id`` is still where it was indexed,
        with the same size and modification time: cheap (the file is not
        read), for what a result list offers; serve through :meth:`open_original`."""

    def originals_in_place(self, doc_ids: Iterable[str]) -> set[str]:
        """The ids among ``doc_ids`` for which :meth:`has_original` holds,
        looked up together (a result list's releases, in one round trip)."""

    def open_original(self, doc_id: str) -> Original | None:
        """That file opened (checked on the open descriptor: size, mtime,
        sha256, no symlink), for serving exactly what was checked; the
        caller closes ``handle``. None when no recorded file is unchanged."""

    def highlight_terms(self, text: str) -> set[str]:
        """The words of a query text as the index knows them, to mark in pages (empty if it does not parse)."""

    def mark_text(self, text: str, terms: set[str]) -> str:
        """All of ``text`` with the words that are ``terms`` marked (search.marks)."""

    def matching_pages(self, doc_id: str, text: str) -> list[int]:
        """Pages of one document that match a query text, best first."""

    def page_counts(self, query: Query, facet: str = "exemption") -> dict[str, int]:
        """Pages citing each value of a page-level facet (exemption: each
        code) among the documents ``query`` selects, keyed by the value in
        lower case; the facet's own selection is left out, as in facet counts."""

    def facet_values(self, name: str, type: str | None = None, limit: int | None = None) -> list[FacetValue]:
        """Every value of facet ``name`` over all documents, most frequent
        first (years newest first); ``type`` filters actors."""

    def status(self) -> IndexStatus: ...

    def fingerprint(self) -> Fingerprint:
        """The current index state."""

    def close(self) -> None: ...

    def __enter__(self) -> "SearchBackend": ...

    def __exit__(self, *exc: object) -> None: ...


# "name" -> "module:class"; the class takes an IndexLocation.
BACKENDS = {"whoosh": "foiasearch.search.whoosh.engine:SearchEngine",
            "postgresql": "foiasearch.search.postgres.engine:PostgresBackend"}
DEFAULT_BACKEND = "whoosh"
# Whole answers a site worker remembers per index state (search.resultcache): a
# site's browsing loops over a few hundred pages, and a smaller LRU keeps none.
RESULT_CACHE_ENTRIES = 4096
UNCUT_FACETS = ("year",)  # every value, whatever the facet_limit: a page draws every year's bar


def cut_facets(counted: dict[str, list[FacetValue]], limit: int | None,
               filters: dict[str, list[str]]) -> dict[str, int]:
    """Cut each facet's list (in its display order) to its first ``limit``
    values plus every value ``filters`` select in it (a selection past the
    top keeps its count), years excepted; returns how many values each cut
    facet had (Results.facet_totals). The PostgreSQL backend calls it after
    counting; Whoosh builds only the values it keeps, by the same rule
    (search.whoosh.facets), and the contract tests hold both to it.

    >>> counted = {"tag": [FacetValue("ICE", 5, "ice"), FacetValue("FOIA", 3, "foia"), FacetValue("DHS", 1, "dhs")]}
    >>> cut_facets(counted, 1, {"tag": ["DHS"]}), [v.value for v in counted["tag"]]
    ({'tag': 3}, ['ICE', 'DHS'])
    """
    totals: dict[str, int] = {}
    if not limit:
        return totals
    for name, values in counted.items():
        if len(values) > limit and name not in UNCUT_FACETS:
            totals[name] = len(values)
            wanted = {v.strip().lower() for v in filters.get(name, [])}
            counted[name] = values[:limit] + [v for v in values[limit:] if v.key in wanted or v.value.lower() in wanted]
    return totals


def open_backend(index: IndexLocation | str | os.PathLike | None = None,
                 backend: str | None = None) -> SearchBackend:
    """Open the index at ``index`` (a location, a folder, a postgresql:// URL,
    or None for $FOIASEARCH_INDEX / ./.foiasearch) for searching, with the
    location's backend unless ``backend`` is given; raises IndexNotFound."""
    import importlib

    location = index if isinstance(index, IndexLocation) else IndexLocation.resolve(index)
    backend = backend or location.backend
    if backend not in BACKENDS:
        raise ValueError(f"unknown search backend {backend!r}; use one of {', '.join(BACKENDS)}")
    module, _, cls = BACKENDS[backend].partition(":")
    return getattr(importlib.import_module(module), cls)(location)


def load_backend(index: IndexLocation) -> None:
    """Import the code of ``index``'s backend without opening anything. A
    threaded server calls this before its first request: Whoosh's import
    briefly puts stand-in modules in sys.modules (index.whoosh.importing),
    which another thread importing at that moment could pick up. A backend
    module's ``preload()`` imports what a one-shot search does without but a
    server's searches use (the Whoosh engine's: numpy), so that no request
    pays for that import."""
    import importlib

    if index.backend in BACKENDS:
        module = importlib.import_module(BACKENDS[index.backend].partition(":")[0])
        preload = getattr(module, "preload", None)
        if preload is not None:
            preload()


def with_result_cache(backend: SearchBackend, entries: int, max_bytes: int | None = None) -> SearchBackend:
    """``backend`` with whole answers (``search``, ``page_counts``) remembered
    per index state, ``entries`` at most (0: ``backend`` itself); see
    search.resultcache. Between :func:`pin_state` and :func:`unpin_state`
    (a request's calls) the index's state is read once for all of them.

    >>> with_result_cache("a backend", 0)
    'a backend'
    """
    if entries <= 0:
        return backend
    from foiasearch.search.resultcache import DEFAULT_BYTES, CachedBackend, ResultCache

    return CachedBackend(backend, ResultCache(entries, max_bytes or DEFAULT_BYTES))  # type: ignore[return-value]


def pin_state() -> None:
    """Cached backends read their index's state once in this thread from
    now until :func:`unpin_state` (a web request; search.resultcache)."""
    from foiasearch.search.resultcache import pin_state as pin

    pin()


def unpin_state() -> None:
    from foiasearch.search.resultcache import unpin_state as unpin

    unpin()


def display_title(title: str) -> str:
    """A title short enough for a list: a page's <title> can be megabytes.

    >>> len(display_title("x" * 3_000_000)), display_title("Short")
    (300, 'Short')
    """
    title = " ".join(title[: MAX_TITLE * 4].split())  # whitespace runs and newlines: one space
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


__all__ = [
    "BACKENDS", "FACETS", "FACET_NAMES", "LABELS", "MAX_QUERY_LENGTH", "SORTS", "Document", "Facet", "FacetValue",
    "FileProblem", "Fingerprint", "Hit", "IndexLocation", "IndexNotFound", "IndexOutdated", "IndexStatus",
    "IndexUnavailable", "MAX_TITLE", "Query",
    "QueryError", "ResultStream", "Results", "SearchBackend", "collection_of", "display_title", "open_backend",
    "pin_state", "unpin_state", "with_result_cache",
]
