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
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request, send_file
from werkzeug.exceptions import BadRequest as BadRequestError, HTTPException, NotFound

from foiasearch.search.api import Hit, IndexNotFound, Query, QueryError, Results, SearchBackend
from foiasearch.web.histogram import year_histogram
from foiasearch.web.hits import hit_view
from foiasearch.web.reader import document_or_404 as _document_or_404
from foiasearch.web.sidebar import KIND_LABELS, LABELS, sidebar
from foiasearch.web.state import SearchState

bp = Blueprint("web", __name__)
PAGE_IMAGES = shutil.which("pdftoppm") is not None
log = logging.getLogger(__name__)


def backend() -> SearchBackend:
    """This worker's search backend (opened on first use)."""
    return current_app.extensions["foiasearch"].get()


# -- search ----------------------------------------------------------------------
def _run_search(args) -> tuple[SearchState | None, Results | None, str | None]:
    """(state, results, error message): a bad parameter or a query that
    cannot be run gives a message, never an exception."""
    try:
        state = SearchState.from_args(args, path=request.path if request.path == "/" else "/")
    except QueryError as exc:
        return None, None, str(exc)
    try:
        results = backend().search(state.query, facets=True, suggest=True)
    except QueryError as exc:
        return state, None, str(exc)
    return state, results, None


@bp.get("/")
def search_page():
    return render_search(request.args)


def render_search(args, save: dict[str, Any] | None = None, status: int | None = None):
    """The search page for ``args``; ``save`` re-shows the "Save this search"
    form with its error (see web.saved_routes)."""
    state, results, error = _run_search(args)
    if state is None:
        state = _fallback_state()
    boxes = sidebar(results.facets, state, {"exemption": backend().page_counts(state.query)}) if results else []
    return render_template(
        "search.html", state=state, results=results, error=error, boxes=boxes,
        hits=[hit_view(h, state, images=_renderable(h)) for h in results.hits] if results else [],
        histogram=_histogram(results, state),
        pagination=_pagination(state, results) if results else None,
        kind_labels=KIND_LABELS, labels=LABELS, save=save or {},
        query_string=urlencode(state.pairs(page=None, more=(), find={})),
    ), (status or (400 if error else 200))


def _renderable(hit: Hit) -> bool:
    """A release whose file is still where it was indexed gets page thumbnails."""
    return hit.kind == "release" and PAGE_IMAGES and backend().original_path(hit.id) is not None


def _histogram(results: Results | None, state: SearchState):
    if not results:
        return None
    bars = year_histogram(results.facets.get("year", []), state)
    if bars and any(v.value == "release" and v.count for v in results.facets.get("kind", [])):
        bars["note"] = "releases are dated by their PDF file's metadata"
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
    path = backend().original_path(doc.id)  # only files the index recorded for this id
    if path is None:
        raise NotFound("the original file is no longer where it was indexed")
    mimetype = "application/pdf" if doc.kind == "release" else (mimetypes.guess_type(path.name)[0]
                                                               or "application/octet-stream")
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=path.name,
                         conditional=True, max_age=0)
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
        if _wants_json():
            return jsonify(error=str(exc)), 503
        return render_template("no_index.html", index_dir=current_app.config["INDEX_DIR"]), 503

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = exc.description if exc.code in (400, 404) else exc.name
        if _wants_json():
            return jsonify(error=message), exc.code
        return render_template("error.html", code=exc.code, title=exc.name, message=message), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        # The safety net: log the traceback, show a short page.
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("unexpected error on %s?%r", request.path, request.query_string)
        if _wants_json():
            return jsonify(error="internal error"), 500
        return render_template("error.html", code=500, title="Something went wrong",
                               message="The page could not be made; the error is in the server log."), 500

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
