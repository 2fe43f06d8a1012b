"""Pages and the JSON API. Every view is a GET with its state in the URL.

Pages: ``/`` (search), ``/documents/<id>.txt`` (a document's text),
``/documents/<id>/original`` (the indexed file); the document page and the
page images are web.reader's. API: ``/api/search`` (same parameters as
``/``), ``/api/documents/<id>``.
"""

from __future__ import annotations

import logging
import mimetypes
import shutil
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request, send_file
from markupsafe import Markup
from werkzeug.exceptions import BadRequest as BadRequestError, HTTPException, NotFound

from foiasearch.search.api import (IndexNotFound, IndexOutdated, IndexUnavailable, Query, QueryError, Results,
                                   SearchBackend)
from foiasearch.search.budget import remaining as budget_left
from foiasearch.web.histogram import year_histogram
from foiasearch.web.hits import hit_view
from foiasearch.web.pagecache import PageCache
from foiasearch.web.reader import document_or_404 as _document_or_404
from foiasearch.web.auth import LOCAL, public_paths, search_budget, visible, visitor
from foiasearch.web.sidebar import KIND_LABELS, LABELS, facet_limit, sidebar
from foiasearch.web.state import SearchState, query_string

bp = Blueprint("web", __name__)
PAGE_IMAGES = shutil.which("pdftoppm") is not None
log = logging.getLogger(__name__)


def backend() -> SearchBackend:
    """This worker's search backend (opened on first use)."""
    return current_app.extensions["foiasearch"].get()


# -- search ----------------------------------------------------------------------
def _state_of(args) -> SearchState:
    """The search asked for by ``args`` (QueryError for a bad parameter)."""
    return SearchState.from_args(args, path=request.path if request.path == "/" else "/")


def _run_search(args) -> tuple[SearchState | None, Results | None, str | None]:
    """(state, results, error message): a bad parameter or a query that
    cannot be run gives a message, never an exception."""
    try:
        state = _state_of(args)
    except QueryError as exc:
        return None, None, str(exc)
    with search_budget():
        results, error, _ = _results(state)
    return state, results, error


def _results(state: SearchState, limit: int | None = None) -> tuple[Results | None, str | None, bool]:
    """(results with ``limit`` values of each facet, as search.api.cut_facets
    cuts them; error message; whole), within the caller's time budget
    (search_budget): ``whole`` is False when it ran out while the search ran
    (a backend may then leave out a nicety, such as a spelling suggestion):
    such an answer is not kept."""
    try:
        results = backend().search(visible(state.query), facets=True, facet_limit=limit, suggest=True)
        left = budget_left()
    except QueryError as exc:
        return None, str(exc), False
    return results, None, left is None or left > 0


@bp.get("/")
def search_page():
    return render_search(request.args)


@dataclass
class SearchPage:
    """The search page's parts: ``top`` and ``rest`` (HTML, the same for
    every visitor of a role: web.pagecache), ``total`` (matches; None after
    an error: no tools then)."""

    top: Markup
    rest: Markup
    total: int | None


def render_search(args, save: dict[str, Any] | None = None, status: int | None = None):
    """The search page for ``args``; ``save`` re-shows the "Save this search"
    form with its error (see web.saved_routes)."""
    try:
        state, error = _state_of(args), None
    except QueryError as exc:
        state, error = _fallback_state(), str(exc)
    pages: PageCache | None = current_app.extensions.get("foiasearch_pages")
    # The key: the index state, who asks (what they may see) and the page's parameters in their
    # canonical order; "saved"/"replaced" only change the visitor's own lines.
    with search_budget():  # reading the index state is the search's first work (web.serialized)
        key = kept = None
        if pages is not None and error is None and save is None:
            try:
                key = (_index_state(), visitor().role, state.url())
            except QueryError as exc:  # e.g. the budget ran out while the request waited
                error = str(exc)
            kept = pages.get(key) if key else None
        results, whole = None, False
        if not kept and error is None:
            results, error, whole = _results(state, facet_limit(state))  # the API's lists are whole
    if kept:
        page = SearchPage(Markup(kept[0]), Markup(kept[1]), kept[2])
    else:
        page = _search_page(state, results, error)
        if key and whole and error is None:
            pages.put(key, (str(page.top), str(page.rest), page.total))
    response = current_app.make_response((render_template(
        "search.html", state=state, page=page, save=save or {},
        query_string=query_string(state.pairs(page=None, more=(), find={})),
    ), (status or (400 if error else 200))))
    if key and visitor().role == LOCAL:
        # The bench's hit rate (bench/web_load.py). Only for this machine's own visitor: on a
        # public site it would tell anyone whether someone else searched the same thing.
        response.headers["X-Cache"] = "hit" if kept else "miss"
    return response


def _search_page(state: SearchState, results: Results | None, error: str | None) -> SearchPage:
    """The page's shared parts, made from a search's results (or its error)."""
    boxes = sidebar(results.facets, state, {"exemption": backend().page_counts(visible(state.query))},
                    results.facet_totals) if results else []
    context = dict(state=state, results=results, error=error, boxes=boxes, hits=_hit_views(results, state),
                   histogram=_histogram(results, state), pagination=_pagination(state, results) if results else None,
                   kind_labels=KIND_LABELS, labels=LABELS)
    top, rest = Markup(render_template("_page_top.html", **context)), Markup(render_template("_page_rest.html", **context))
    return SearchPage(top, rest, results.total if results else None)


def _index_state() -> str:
    """The index's state (search.api.Fingerprint.value), read once per request."""
    engine = backend()
    state = getattr(engine, "state", None)  # a cached backend (search.resultcache) reads it once per request
    return state() if state is not None else engine.fingerprint().value


def _hit_views(results: Results | None, state: SearchState) -> list[dict[str, Any]]:
    """The hits as the page lists them. A release whose file is still where
    it was indexed gets page thumbnails (size and mtime, all of the page's
    releases looked up at once; the image route checks the bytes before rendering)."""
    if not results:
        return []
    releases = [h.id for h in results.hits if h.kind == "release"]
    renderable = backend().originals_in_place(releases) if PAGE_IMAGES and releases else set()
    return [hit_view(h, state, images=h.id in renderable) for h in results.hits]


def _histogram(results: Results | None, state: SearchState):
    if not results:
        return None
    bars = year_histogram(results.facets.get("year", []), state)
    if bars and any(v.value == "release" and v.count for v in results.facets.get("kind", [])):
        bars["note"] = "a release's date is one printed in it, else its PDF file's metadata or file name"
    return bars


def _fallback_state() -> SearchState:
    """An empty state that keeps the typed text in the box after a bad parameter."""
    text = request.args.get("q", "")[:2000]
    return SearchState(Query(text=text))


@bp.get("/api/search")
def api_search():
    state, results, error = _run_search(request.args)
    if error:
        return jsonify(error=error), 400
    data = results.to_json(with_facets=True)
    if not visitor().sees_paths:
        for hit in data["hits"]:
            hit["paths"] = public_paths(hit["paths"])
    data.update(page=state.query.page, pages=results.page_count, per_page=state.query.per_page,
                sort=state.query.sort, filters=state.query.filters)
    return jsonify(data)


def _pagination(state: SearchState, results: Results) -> dict[str, Any] | None:
    pages, page = results.page_count, state.query.page
    if pages <= 1 and page == 1:
        return None
    window = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    items: list[tuple[int | None, str | None]] = []
    previous = 0
    for number in window:
        if number - previous > 1:
            items.append((None, None))  # a gap: "…"
        items.append((number, state.page_url(number)))
        previous = number
    return {
        "items": items,
        "page": page,
        "pages": pages,
        "prev": state.page_url(page - 1) if page > 1 else None,
        "next": state.page_url(page + 1) if page < pages else None,
    }


# -- documents ---------------------------------------------------------------------
@bp.get("/documents/<doc_id>.txt")
def document_text(doc_id: str):
    doc = _document_or_404(doc_id)
    if len(doc.pages) > 1:
        text = "\n\n".join(f"=== Page {p.number} ===\n\n{p.text}" for p in doc.pages)
    else:
        text = doc.text
    header = f"{doc.title}\n\n" if doc.title else ""
    response = Response(header + text + "\n", mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="{doc_id[:16]}.txt"'
    return response


@bp.get("/documents/<doc_id>/original")
def document_original(doc_id: str):
    doc = _document_or_404(doc_id)
    # Only a file the index recorded for this id, and only while it is still
    # byte for byte what was indexed, never through a symlink (index.originals).
    original = backend().open_original(doc.id)
    if original is None:
        raise NotFound("the original file is no longer where it was indexed, or has changed since")
    mimetype = "application/pdf" if doc.kind == "release" else (mimetypes.guess_type(original.name)[0]
                                                               or "application/octet-stream")
    response = send_file(original.handle, mimetype=mimetype, as_attachment=True,
                         download_name=original.name, conditional=True, max_age=0)
    # A saved HTML page must never run as part of this site.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.get("/api/documents/<doc_id>")
def api_document(doc_id: str):
    doc = _document_or_404(doc_id)
    data = doc.to_dict()
    data["page_count"] = len(doc.pages)
    return jsonify(data)


# -- errors and headers --------------------------------------------------------------
def _wants_json() -> bool:
    return request.path.startswith("/api/")


def error_page(code: int, title: str, message: str):
    """An error as JSON (API) or a page; plain text if even the page fails
    (e.g. while the request cannot build URLs)."""
    if _wants_json():
        return jsonify(error=message if code < 500 else title), code
    try:
        return render_template("error.html", code=code, title=title, message=message), code
    except Exception:  # noqa: BLE001 - the last resort must not raise
        log.exception("error page failed")
        return Response(f"{code} {title}: {message}\n", status=code, mimetype="text/plain"), code


def install_handlers(app: Flask) -> None:
    @app.before_request
    def utf8_only():
        # Werkzeug decodes the raw query string as strict UTF-8 (percent-
        # escapes are decoded leniently): stray raw bytes are a bad request.
        try:
            request.query_string.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequestError("the query string is not valid UTF-8") from None

    @app.errorhandler(IndexNotFound)
    def no_index(exc):
        if isinstance(exc, IndexUnavailable):  # e.g. the database is down: try again later
            log.warning("index unavailable: %s", exc)
            return error_page(503, "Search is unavailable",
                              "The index cannot be reached right now; try again in a minute.")
        if not visitor().sees_paths:
            return error_page(503, "No index yet", "This site has nothing to search yet.")
        if _wants_json():
            return jsonify(error=str(exc)), 503
        outdated = str(exc) if isinstance(exc, IndexOutdated) else None  # built by an older analysis
        return render_template("no_index.html", index_dir=current_app.config["INDEX_DIR"], outdated=outdated), 503

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = exc.description if exc.code in (400, 403, 404) else exc.name
        return error_page(exc.code or 500, exc.name, message)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # The safety net: log the traceback, show a short page.
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if isinstance(exc, TimeoutError):  # the client sent its body too slowly (web.server)
            return error_page(408, "Request Timeout", "The request did not arrive in time.")
        log.exception("unexpected error on %s?%r", request.path, request.query_string)
        return error_page(500, "Something went wrong", "The page could not be made; the error is in the server log.")

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")  # queries stay here
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
