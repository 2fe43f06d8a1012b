"""What one search hit shows on the results page: everything the CLI
prints, laid out for reading.

For a PDF release: the citation of its matching pages as a brief gives it
("ICE-0017 (p. 17)"), the matching pages best first as thumbnails (loaded
lazily by the browser, rendered on first view by web.pageimages) and in
page order as links, each with the exemptions its page cites, and the
printed e-mails on those pages. Every link to the document carries the
search (web.reader.document_url), so "Back to the search" returns to it.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from foiasearch.search.api import Hit
from foiasearch.search.marks import to_html
from foiasearch.web.reader import document_url
from foiasearch.web.state import SearchState

THUMBS = 3  # best pages shown as images
# Where a date was read (ingest.dates), said when it is not the document's own words.
DATE_SOURCES = {"metadata": "PDF file metadata", "file": "file name"}
PAGE_LINKS = 12  # matching pages listed in page order before "N more"
CITATIONS = 3
EMAILS = 3


def hit_view(hit: Hit, state: SearchState, images: bool) -> dict[str, Any]:
    """The template's view of ``hit``; ``images``: its file can be rendered."""
    release = hit.kind == "release"
    doc = hit.document
    meta = {p.number: p for p in doc.pages} if doc else {}
    pages = []
    for number in (hit.matching_pages if release else []):
        page = meta.get(number)
        pages.append({
            "number": number,
            "bates": page.bates if page else None,
            "exemptions": page.exemptions if page else [],
            "url": document_url(hit.id, state, number),
            "thumb": f"/documents/{hit.id}/pages/{number}/thumb.jpg" if images else None,
        })
    in_order = sorted(pages, key=lambda p: p["number"])
    # Filtering by exemption leads to the pages that cite it, query or not.
    codes = {c.lower() for c in state.query.filters.get("exemption", [])}
    citing = [{"number": p.number, "exemptions": p.exemptions, "url": document_url(hit.id, state, p.number)}
              for p in (doc.pages if doc and release and codes else [])
              if codes & {e.lower() for e in p.exemptions}]
    citations = hit.citations() if release else []
    emails = [{"email": e, "url": document_url(hit.id, state, e.page) if e.page else None}
              for e in (hit.emails(limit=EMAILS) if release else [])]
    return {
        "hit": hit,
        "url": document_url(hit.id, state, hit.snippet_page if release else None),
        "snippet": Markup(to_html(hit.snippet)),
        "date": (hit.date or "")[:10],
        # A post's date from its page's meta tags is its publication date: only a release's needs saying.
        "date_note": DATE_SOURCES.get(getattr(doc, "date_source", None) or "") if doc and release and hit.date else None,
        "place": hit.collection or None,
        "thumbs": [p for p in pages[:THUMBS] if p["thumb"]],
        "best": pages[:PAGE_LINKS],
        "in_order": in_order[:PAGE_LINKS],
        "more_pages": max(0, len(pages) - PAGE_LINKS),
        "more_url": document_url(hit.id, state) + "#pages",
        "citations": citations[:CITATIONS],
        "more_citations": max(0, len(citations) - CITATIONS),
        "emails": emails,
        "citing": citing[:PAGE_LINKS],
        "more_citing": max(0, len(citing) - PAGE_LINKS),
        "citing_codes": ", ".join(state.query.filters.get("exemption", [])),
    }
