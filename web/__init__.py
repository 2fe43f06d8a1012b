"""The search site: a Flask app over the search API (search.api, read-only).

>>> app = create_app("/nonexistent-index")
>>> app.test_client().get("/").status_code   # a page saying how to index
503
"""

from __future__ import annotations

import os
import threading

from flask import Flask

from foiasearch.search.api import (IndexLocation, IndexNotFound, SearchBackend, load_backend, open_backend,
                                    with_result_cache)
from foiasearch.web.hosts import HostAllowList, HostGuard
from foiasearch.web.pagecache import PageCache, shared_page_cache
from foiasearch.web.serialized import Serialized
from foiasearch.web.settings import MAX_BODY_BYTES, SiteSettings


class BackendHolder:
    """Opens the index on first use, in the process that serves requests
    (gunicorn forks workers after ``create_app``: SQLite and file handles
    must not cross the fork). Until an index exists, ``get()`` raises
    IndexNotFound and the pages say how to create one."""

    def __init__(self, location: IndexLocation, replica: IndexLocation | None = None,
                 refresh_in_background: bool = False, result_cache: int = 0) -> None:
        self.location = location  # where writes go (saved searches)
        self.replica = replica  # where searches go, if elsewhere (a hot standby)
        self.refresh_in_background = refresh_in_background
        self.result_cache = result_cache  # whole answers remembered per index state (search.resultcache)
        self._backend: SearchBackend | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def get(self) -> SearchBackend:
        backend = self._backend
        if backend is not None and self._pid == os.getpid():
            return backend
        with self._lock:
            if self._backend is None or self._pid != os.getpid():
                engine = open_backend(self.replica or self.location)
                if self.refresh_in_background and hasattr(engine, "refresh_in_background"):
                    engine.refresh_in_background = True  # the Whoosh engine's option (search.whoosh.refresh)
                # Whoosh: one thread at a time in the backend (its readers are not thread-safe);
                # a backend with a connection pool: as many as it has connections (web.serialized).
                at_once = getattr(engine, "searches_at_once", 1)
                lock = threading.RLock() if at_once <= 1 else threading.BoundedSemaphore(at_once)
                self._backend = Serialized(with_result_cache(engine, self.result_cache), lock)
                self._pid = os.getpid()
            return self._backend


def create_app(index_dir: str | os.PathLike | None = None, settings: SiteSettings | None = None,
               replica: str | None = None, pages: PageCache | None = None) -> Flask:
    """The app for the index at ``index_dir`` (else $FOIASEARCH_INDEX, else
    ./.foiasearch). The index is opened read-only when first needed.
    ``settings``: public mode, allowed Host names, limits (web.settings);
    ``replica`` (a database URL: a hot standby of ``index_dir``): searches
    go there, writes (saving a search) to ``index_dir``. ``pages``: the
    search pages' cache of the site's workers (web.pagecache; made by
    web.server.serve before the fork), else one of this app's own."""
    app = Flask(__name__)
    settings = settings or SiteSettings()
    location = IndexLocation.resolve(index_dir)
    load_backend(location)  # before any request thread exists (search.api.load_backend)
    app.config.update(INDEX_DIR=location.display, JSON_SORT_KEYS=False, MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
                      MAX_FORM_MEMORY_SIZE=MAX_BODY_BYTES, MAX_FORM_PARTS=200)
    app.extensions["foiasearch_settings"] = settings
    # Before Flask: an unknown Host must not reach URL building (web.hosts).
    app.wsgi_app = HostGuard(app.wsgi_app, HostAllowList(settings.allowed_hosts))
    if settings.result_cache > 0:  # search pages too (web.pagecache)
        app.extensions["foiasearch_pages"] = pages or shared_page_cache()
    app.extensions["foiasearch"] = BackendHolder(location, IndexLocation.resolve(replica) if replica else None,
                                                 refresh_in_background=settings.refresh_in_background,
                                                 result_cache=settings.result_cache)
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    from foiasearch.web import auth, deadline, reader, routes, saved_routes

    deadline.install(app)  # first: the request's clock starts before anything else runs
    app.register_blueprint(routes.bp)
    reader.install(app)
    saved_routes.install(app)
    routes.install_handlers(app)
    auth.install(app)
    return app


__all__ = ["create_app", "IndexNotFound", "SiteSettings"]
