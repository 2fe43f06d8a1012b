"""The document page as a reader, and the page images of PDF releases.

``/documents/<id>``: the document with its pages; for a release each page's
text (reflowed, see web.reflow) beside its image, the words of the search
and of "find in this document" marked, the cited exemptions of a filtered
search marked, links to the previous and next matching page, a strip of
the pages showing where the withholdings are, and "Back to the search"
keeping the search's query, filters, sort and page. All of it works without
JavaScript: the view (``view=both|text|image``), the page to jump to
(``goto=N``, answered with a redirect to ``#pN``) and the words to find
(``find=...``) are parameters.

``/documents/<id>/pages/<n>/<size>.jpg`` (size: thumb, page, large): the
image of page ``n`` of an indexed PDF release, rendered on first view
(web.pageimages); any other id or page is a 404.

>>> reader_args({"q": "opt out", "view": "text", "goto": "3"})
{'q': 'opt out'}
"""

from __future__ import annotations

import re
import shutil
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request, send_file
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound

from foiasearch.ingest.document import Document
from foiasearch.search.api import Query, QueryError, SearchBackend, collection_of
from foiasearch.search.budget import QueryTooSlow
from foiasearch.search.links import safe_http_url
from foiasearch.search.marks import OPEN
from foiasearch.web.auth import is_hidden, public_paths, search_budget, visitor
from foiasearch.web.pageimages import SIZES, PageImageError, PageImages
from foiasearch.web.reflow import page_html
from foiasearch.web.serialized import let_go
from foiasearch.web.sidebar import KIND_LABELS
from foiasearch.web.state import SearchState, query_string

bp = Blueprint("reader", __name__)
_DOC_ID = re.compile(r"^[0-9a-f]{16,128}$")
READER_PARAMS = ("view", "goto", "find")  # the reader's own; the rest is the search we came from
VIEWS = ("both", "text", "image")
_EXEMPTION_TERM = re.compile(r"\bexemption:\s*\"?([\w()\-]+)", re.I)
IMMUTABLE = 365 * 24 * 3600  # a document id is its file's hash: its pages never change


def _backend() -> SearchBackend:
    return current_app.extensions["foiasearch"].get()


def page_images() -> PageImages:
    return current_app.extensions["foiasearch_page_images"]


def install(app: Flask) -> None:
    """Register the reader and the page-image cache (``<index>/page-images``)."""
    app.extensions["foiasearch_page_images"] = PageImages(app.extensions["foiasearch"].location.root / "page-images")
    app.register_blueprint(bp)


def reader_args(args) -> dict[str, str]:
    """The search parameters among a document page's parameters."""
    return {k: v for k, v in args.items() if k not in READER_PARAMS}


def search_state(args: MultiDict) -> SearchState:
    """The search a document page was opened from; a parameter that does not
    parse leaves just the query text (the page still shows)."""
    kept = MultiDict([(k, v) for k, v in args.items(multi=True) if k not in READER_PARAMS])
    try:
        return SearchState.from_args(kept)
    except QueryError:
        return SearchState(Query(text=args.get("q", "")[:2000]))


def document_url(doc_id: str, state: SearchState, page: int | None = None, **extra: str) -> str:
    """A document page that remembers the search ``state`` (and lands on ``page``)."""
    pairs = state.pairs(more=(), find={}) + [(k, v) for k, v in extra.items() if v]
    return f"/documents/{doc_id}" + (f"?{query_string(pairs)}" if pairs else "") + (f"#p{page}" if page else "")


def document_or_404(doc_id: str, with_text: bool = True) -> Document:
    """The indexed document ``doc_id`` with its pages (their text unless
    ``with_text`` is False), or a 404."""
    doc = _backend().document(doc_id, with_text=with_text) if _DOC_ID.match(doc_id) else None
    if doc is None:
        raise NotFound(f"no document {doc_id[:80]!r} in this index")
    doc.collection = doc.collection or (collection_of(doc.paths[0]) if doc.paths else "")
    if is_hidden([doc.collection] + [collection_of(p) for p in doc.paths]):
        # A private collection's document does not exist for this visitor (web.auth).
        raise NotFound(f"no document {doc_id[:80]!r} in this index")
    if not visitor().sees_paths:
        doc.paths = public_paths(doc.paths)
    return doc


def exemption_codes(state: SearchState, find: str = "") -> set[str]:
    """Exemptions to mark on the pages: the search's exemption filter and
    any ``exemption:`` in its text or in the find box."""
    codes = set(state.query.filters.get("exemption", []))
    for text in (state.query.text, find):
        codes.update(_EXEMPTION_TERM.findall(text or ""))
    return codes


@bp.get("/documents/<doc_id>")
def document_page(doc_id: str):
    doc = document_or_404(doc_id)
    args = request.args
    state = search_state(args)
    find = args.get("find", "").strip()[:200]
    view = args.get("view", "both")
    view = view if view in VIEWS else "both"
    here = {"view": view if view != "both" else "", "find": find}
    goto = args.get("goto", "").strip()
    if goto:
        number = int(goto) if goto.isdigit() else 0
        number = min(max(number, 1), max(len(doc.pages), 1))
        return redirect(document_url(doc.id, state, number, **here), code=303)

    search = _backend()
    q = state.query.text
    release = doc.kind == "release"
    try:  # marking the search's words is a nicety: out of time (search.budget), the page goes without
        with search_budget():
            terms = search.highlight_terms(q) | search.highlight_terms(find)
            matching = search.matching_pages(doc_id, q) if q and release else []
            found = _found_pages(search, doc, find) if find else []
    except QueryTooSlow:
        terms, matching, found = set(), [], []
    codes = exemption_codes(state, find)
    images = release and shutil.which("pdftoppm") is not None and search.has_original(doc.id)
    stops = sorted(set(matching) | set(found))
    pages = []
    for p in doc.pages:
        before = [n for n in stops if n < p.number]
        after = [n for n in stops if n > p.number]
        pages.append({
            "page": p,
            "html": Markup(page_html(p.text, lambda t: search.mark_text(t, terms), codes)),
            "match": p.number in matching,
            "found": p.number in found,
            "prev": before[-1] if before else None,
            "next": after[0] if after else None,
            "scanned": p.ocr or p.needs_ocr or not p.text.strip(),
            "image": f"/documents/{doc.id}/pages/{p.number}/page.jpg" if images else None,
            "large": f"/documents/{doc.id}/pages/{p.number}/large.jpg" if images else None,
        })
    return render_template(
        "document.html", doc=doc, q=q, state=state, pages=pages, matching=matching, found=found, find=find,
        view=view, images=images, strip=withholdings(doc, matching), stops=stops,
        back_url=state.url() if state.pairs() else "/",
        hidden=[(k, v) for k, v in state.pairs(more=(), find={})],
        view_urls={v: document_url(doc.id, state, None, view=v if v != "both" else "", find=find) for v in VIEWS},
        clear_find_url=document_url(doc.id, state, None, view=here["view"]),
        kind_labels=KIND_LABELS, safe_url=_safe_url(doc.url), tesseract=shutil.which("tesseract") is not None,
        collection=doc.collection or (collection_of(doc.paths[0]) if doc.paths else ""))


def _found_pages(search: SearchBackend, doc: Document, find: str) -> list[int]:
    """Pages that have the words of the find box (in page order)."""
    if doc.kind == "release":
        return sorted(search.matching_pages(doc.id, find))
    terms = search.highlight_terms(find)
    return [p.number for p in doc.pages if terms and OPEN in search.mark_text(p.text, terms)]


def withholdings(doc: Document, matching: list[int]) -> dict[str, Any] | None:
    """The strip of a release's pages: which cite exemptions (and which),
    which match the search; None for one-page documents."""
    if doc.kind != "release" or len(doc.pages) < 2:
        return None
    cells = []
    by_code: dict[str, int] = {}
    for p in doc.pages:
        for code in p.exemptions:
            by_code[code] = by_code.get(code, 0) + 1
        cells.append({"number": p.number, "codes": p.exemptions, "level": min(len(p.exemptions), 3),
                      "match": p.number in matching})
    withheld = sum(1 for c in cells if c["codes"])
    return {"cells": cells, "withheld": withheld, "by_code": sorted(by_code.items(), key=lambda kv: (-kv[1], kv[0]))}


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links: a ``javascript:`` URL in a document's metadata
    must not become a link (search.links)."""
    return safe_http_url(url)


# -- page images ----------------------------------------------------------------------
@bp.get("/documents/<doc_id>/pages/<int:number>/<size>.jpg")
def page_image(doc_id: str, number: int, size: str):
    """One page's image; only pages of PDF releases in this index."""
    if size not in SIZES or not _DOC_ID.match(doc_id):
        raise NotFound("no such page image")
    # Metadata only (no page texts): a private collection's pages do not exist for this visitor.
    doc = document_or_404(doc_id, with_text=False)
    if doc.kind != "release" or not 1 <= number <= len(doc.pages):
        raise NotFound(f"no page {number} in document {doc_id[:16]}")
    search = _backend()
    pdf = search.original_path(doc_id)  # only files the index recorded for this id
    if pdf is None:
        raise NotFound(f"no document {doc_id[:80]!r} with a file in this index")
    images = page_images()
    path = images.cached(doc_id, number, size)
    if path is None:
        let_go()  # pdftoppm takes seconds: other requests may search meanwhile (web.serialized)
        try:
            path = images.render(pdf, doc_id, number, size)
        except PageImageError as exc:
            current_app.logger.warning("page image %s p%d: %s", doc_id[:16], number, exc)
            raise NotFound(str(exc)) from None
    response = send_file(path, mimetype="image/jpeg", conditional=True, max_age=IMMUTABLE)
    # Signed-in visitors may see private collections: no shared cache keeps those.
    scope = "private" if visitor().signed_in else "public"
    response.headers["Cache-Control"] = f"{scope}, max-age={IMMUTABLE}, immutable"
    return response
