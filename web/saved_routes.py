"""Saved searches, exports and feeds on the site (issue 7, web half).

Pages: ``/saved`` (every saved search with counts; viewing marks nothing
seen). Forms (POST, CSRF token): ``/saved`` (save the current search),
``/saved/<name>/delete``, ``/saved/<name>/seen``; each answers with a 303
to ``/saved?done=...&name=...`` (the message lives in the URL, no session).
Downloads: ``/export.csv|json|jsonl?<search parameters>``,
``/saved/<name>/export.csv|json|jsonl``, the feed ``/saved/<name>.atom``.

>>> # curl -OJ 'http://127.0.0.1:8080/export.csv?q=%22opt+out%22&tag=ICE'
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

from flask import (Blueprint, Flask, Response, current_app, redirect, render_template, request, session,
                   stream_with_context, url_for)
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from foiasearch.search.api import LABELS, Hit, QueryError
from foiasearch.search.atom import CONTENT_TYPE as ATOM_TYPE, atom_feed
from foiasearch.search.export import FORMATS, Export, download_name, stream
from foiasearch.search.saved import NAME_PATTERN, SavedError, SavedSearch, SavedStore, run_saved, saved_status
from foiasearch.web.auth import is_hidden, search_budget, settings, visible, visitor
from foiasearch.web.csrf import SECRET_NAME, CsrfSigner, new_binding
from foiasearch.web.routes import backend, render_search
from foiasearch.web.state import SearchState

bp = Blueprint("saved", __name__)
log = logging.getLogger(__name__)
FORM_FIELDS = {"name", "replace", "csrf"}  # the save form's own fields, besides the search state
DONE = {"saved": "Saved", "replaced": "Replaced", "deleted": "Deleted", "seen": "Marked as seen:"}
CSRF_KEY = "csrf"  # the session's binding value for CSRF tokens (web.csrf)
BAD_TOKEN = "This form has expired or did not come from this site: reload the page and try again."


# -- plumbing -----------------------------------------------------------------------
def signer() -> CsrfSigner:
    return current_app.extensions["foiasearch_csrf"]


def csrf_token() -> str | None:
    """A token for a form that changes something, or None when the visitor
    may not change anything or the index folder has no usable secret (then
    the pages leave the forms out)."""
    return csrf_token_any() if visitor().can_write else None


def csrf_token_any() -> str | None:
    """A token for any form (signing in and out too), bound to the visitor's
    session: one is started (a signed cookie) for a visitor who has none."""
    try:
        signer().secret()
    except OSError as exc:
        log.warning("no CSRF secret, forms are hidden: %s", exc)
        return None
    binding = session.get(CSRF_KEY)
    if not isinstance(binding, str):
        binding = session[CSRF_KEY] = new_binding()
    return signer().token(binding)


def require_csrf() -> None:
    """A 400 unless the form carries a token issued to this session."""
    binding = session.get(CSRF_KEY)
    try:
        ok = signer().check(request.form.get("csrf"), binding if isinstance(binding, str) else None)
    except OSError:
        ok = False
    if not ok:
        raise BadRequest(BAD_TOKEN)


@contextmanager
def open_store() -> Iterator[SavedStore]:
    """The index's saved searches for one request (SQLite connections are
    cheap; one per request keeps threads and workers apart)."""
    store = SavedStore.open(current_app.extensions["foiasearch"].location)
    try:
        yield store
    finally:
        store.close()


def _saved_or_404(store: SavedStore, name: str) -> SavedSearch:
    if not NAME_PATTERN.fullmatch(name):
        raise NotFound(f"no saved search named {name[:80]!r}")
    try:
        saved = store.get(name)
    except SavedError as exc:
        raise NotFound(str(exc)) from None
    if is_hidden(saved.query.filters.get("collection", [])):  # its definition names a private collection
        raise NotFound(f"no saved search named {name[:80]!r}")
    saved.query = visible(saved.query)
    return saved


def _done(what: str, name: str):
    return redirect(url_for("saved.saved_page", done=what, name=name), code=303)


def search_url(saved: SavedSearch) -> str:
    """The search page showing this saved search."""
    return SearchState(saved.query).url()


# -- saving, listing, deleting ----------------------------------------------------------
@bp.post("/saved")
def save_search():
    require_csrf()
    name = request.form.get("name", "").strip()
    replace = request.form.get("replace") == "1"
    args = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k not in FORM_FIELDS])
    try:
        state = SearchState.from_args(args)
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    with open_store() as store:
        try:
            backend().check(state.query)  # a query that will not run is not saved
            existed = replace and _exists(store, name)
            store.add(name, state.query, replace=replace)
        except (QueryError, SavedError) as exc:
            exists = not replace and isinstance(exc, SavedError) and _exists(store, name)
            message = (f"A saved search named {name!r} exists: tick “Replace it” to overwrite it."
                       if exists else str(exc))
            return render_search(args, save={"name": name, "error": message, "offer_replace": exists},
                                 status=409 if exists else 400)
    # Back to the results it saved, with a line saying so (the list is one link away).
    back = SearchState(state.query).url(page=None)
    return redirect(back + ("&" if "?" in back else "?") + urlencode({"saved": name} | ({"replaced": "1"} if existed else {})),
                    code=303)


def _exists(store: SavedStore, name: str) -> bool:
    try:
        store.get(name)
    except SavedError:
        return False
    return True


@bp.get("/saved")
def saved_page():
    if visitor().role == "anonymous":  # the team's saved searches are not published
        raise Forbidden("Saved searches are for signed-in accounts; their feeds are public.")
    done, name = request.args.get("done", ""), request.args.get("name", "")
    message = f"{DONE[done]} “{name}”." if done in DONE and NAME_PATTERN.fullmatch(name) else None
    with open_store() as store:
        statuses = saved_status(backend(), store)  # counts only: nothing is marked seen
    return render_template("saved.html", items=[_item(s) for s in statuses], message=message,
                           formats=list(FORMATS), labels=LABELS)


def _item(status) -> dict[str, Any]:
    return {"status": status, **_item_of(status.saved)}


def _item_of(saved: SavedSearch) -> dict[str, Any]:
    return {"saved": saved, "run_url": search_url(saved),
            "filters": [(LABELS.get(k, k), ", ".join(v)) for k, v in saved.query.filters.items()]}


@bp.post("/saved/<name>/delete")
def delete_saved(name: str):
    """Deleting asks first: without ``confirm=1`` the answer is a page with
    the search described and a "Delete it" button (no JavaScript needed)."""
    require_csrf()
    with open_store() as store:
        saved = _saved_or_404(store, name)
        if request.form.get("confirm") != "1":
            return render_template("saved_delete.html", item=_item_of(saved))
        store.remove(name)
    return _done("deleted", name)


@bp.post("/saved/<name>/seen")
def mark_seen(name: str):
    require_csrf()
    with open_store() as store:
        _saved_or_404(store, name)
        try:
            run_saved(backend(), store, name, record=True)
        except SavedError as exc:
            raise BadRequest(str(exc)) from None
    return _done("seen", name)


# -- exports and feeds ----------------------------------------------------------------
def _export_response(export: Export, fmt: str, base: str, bom: bool) -> Response:
    """Stream ``export``; the backend lives as long as the worker, so its
    snapshot of the index stays open while the rows are written. Visitors who
    are not signed in get a bounded export without server paths."""
    if visitor().role == "anonymous":
        export.restrict(max_rows=settings().anonymous_export_rows, hide_paths=True)
    chunks = stream(export, fmt, bom=bom)
    # The first chunk is made here, while the request still holds the backend (web.serialized), so
    # the download starts within the request's deadline; the rest take it batch by batch.
    first = next(chunks, None)

    def body() -> Iterator:
        try:
            if first is not None:
                yield first
            yield from chunks
        finally:
            chunks.close()  # with the response, as the stream itself would be

    response = Response(stream_with_context(body()), content_type=FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{download_name(base, fmt)}"'
    response.headers["X-Export-Total"] = str(export.total)
    return response


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"no export format {fmt[:20]!r}; use one of {', '.join(FORMATS)}")
    return fmt


@bp.get("/export.<fmt>")
def export_search(fmt: str):
    fmt = _format(fmt)
    args = request.args.copy()
    bom = args.pop("bom", "") == "1"  # Excel wants a BOM to read UTF-8 CSV
    try:
        state = SearchState.from_args(args)
        with search_budget():
            export = Export.of_query(backend(), visible(state.query))
    except QueryError as exc:
        raise BadRequest(str(exc)) from None
    return _export_response(export, fmt, "foiasearch-export", bom)


@bp.get("/saved/<name>/export.<fmt>")
def export_saved(name: str, fmt: str):
    fmt = _format(fmt)
    with open_store() as store:
        saved = _saved_or_404(store, name)
    try:
        with search_budget():
            export = Export.of_query(backend(), saved.query, saved_name=name)
    except QueryError as exc:
        raise BadRequest(f"saved search {name!r} no longer runs: {exc}") from None
    return _export_response(export, fmt, name, request.args.get("bom") == "1")


@bp.get("/saved/<name>.atom")
def saved_feed(name: str):
    with open_store() as store:
        saved = _saved_or_404(store, name)

    def doc_url(hit: Hit) -> str:
        return url_for("reader.document_page", doc_id=hit.id, _external=True)

    try:
        with search_budget():
            text = atom_feed(backend(), saved, self_url=url_for("saved.saved_feed", name=name, _external=True),
                             doc_url=doc_url)
    except QueryError as exc:
        raise BadRequest(f"saved search {name!r} no longer runs: {exc}") from None
    return Response(text, content_type=ATOM_TYPE)


def install(app: Flask) -> None:
    """Register the routes, the CSRF signer and ``csrf_token()`` for templates."""
    app.extensions["foiasearch_csrf"] = CsrfSigner(app.extensions["foiasearch"].location.root / SECRET_NAME)
    app.register_blueprint(bp)
    app.add_template_global(csrf_token)
    app.add_template_global(FORMATS, "export_formats")

    @app.errorhandler(SavedError)
    def saved_error(exc: SavedError):
        # e.g. saved.db cannot be opened: one line, not a 500
        return render_template("error.html", code=400, title="Saved searches unavailable",
                               message=str(exc)), 400
