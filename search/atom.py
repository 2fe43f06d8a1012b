"""Atom feeds (RFC 4287) of a saved search's newest matching documents.

"Newest" is by the document's date, or by when it was indexed for documents
without one (most PDF releases), so a newly indexed release shows up too
(``ResultStream.newest`` in search.api). This module writes feeds;
ingest.feeds reads them.
Built with the standard library's ElementTree, which escapes all text.

>>> print(atom_datetime(dt.datetime(2011, 3, 15, 16, 2)))
2011-03-15T16:02:00Z
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable

from foiasearch.search.api import Hit, SearchBackend
from foiasearch.search.links import safe_http_url
from foiasearch.search.marks import to_plain
from foiasearch.search.saved import SavedSearch

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_TYPE = "application/atom+xml; charset=utf-8"
FEED_LIMIT = 50


def atom_datetime(value: dt.datetime) -> str:
    """RFC 3339 in UTC, as Atom wants it (naive values are taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def atom_feed(backend: SearchBackend, saved: SavedSearch, self_url: str | None = None,
              doc_url: Callable[[Hit], str | None] | None = None, limit: int = FEED_LIMIT,
              now: dt.datetime | None = None) -> str:
    """The Atom document (a str) for saved search ``saved``.

    ``self_url`` is the feed's own address; ``doc_url(hit)`` gives an entry's
    link when the document has no source URL (e.g. the web app's document
    page). Raises QueryError when the saved query no longer runs.

    >>> # atom_feed(backend, store.get("opt-out"), self_url="http://127.0.0.1:5000/saved/opt-out.atom")
    """
    entries = backend.stream(saved.query).newest(limit)
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(feed, "id", self_url or f"urn:foiasearch:saved:{saved.name}")
    sub(feed, "title", f"foiasearch: {saved.name}")
    sub(feed, "subtitle", _describe(saved))
    updated = entries[0][0] if entries else (now or dt.datetime.now(dt.timezone.utc))
    sub(feed, "updated", atom_datetime(updated))
    sub(sub(feed, "author"), "name", "foiasearch")
    sub(feed, "generator", "foiasearch")
    if self_url:
        sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    for when, hit in entries:
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:foiasearch:doc:{hit.id}")
        sub(entry, "title", hit.title)
        sub(entry, "updated", atom_datetime(when))
        # Only http(s): a page's canonical link may be javascript:, data: or //host.
        link = safe_http_url(hit.url) or (doc_url(hit) if doc_url else None)
        if link:
            sub(entry, "link", rel="alternate", href=link)
        for tag in hit.document.tags if hit.document else []:
            sub(entry, "category", term=tag)
        pages = f"pp. {', '.join(map(str, sorted(hit.matching_pages)))}: " if hit.matching_pages else ""
        sub(entry, "content", pages + to_plain(hit.snippet), type="text")
    return ET.tostring(feed, encoding="unicode", xml_declaration=True) + "\n"


def _describe(saved: SavedSearch) -> str:
    filters = "; ".join(f"{k}: {', '.join(v)}" for k, v in sorted(saved.query.filters.items()))
    return f"{saved.query.text or '(all documents)'}" + (f" [{filters}]" if filters else "")
