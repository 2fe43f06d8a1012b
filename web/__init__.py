"""The search site: a Flask app over the search API (search.api, read-only).

>>> app = create_app("/nonexistent-index")
>>> app.test_client().get("/").status_code   # a page saying how to index
503
"""

from __future__ import annotations

import os
import threading

from flask import Flask

from foiasearch.search.api import IndexLocation, IndexNotFound, SearchBackend, open_backend


class BackendHolder:
    """Opens the index on first use, in the process that serves requests
    (gunicorn forks workers after ``create_app``: SQLite and file handles
    must not cross the fork). Until an index exists, ``get()`` raises
    IndexNotFound and the pages say how to create one."""

    def __init__(self, location: IndexLocation) -> None:
        self.location = location
        self._backend: SearchBackend | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def get(self) -> SearchBackend:
        backend = self._backend
        if backend is not None and self._pid == os.getpid():
            return backend
        with self._lock:
            if self._backend is None or self._pid != os.getpid():
                self._backend = open_backend(self.location)
                self._pid = os.getpid()
            return self._backend


def create_app(index_dir: str | os.PathLike | None = None) -> Flask:
    """The app for the index at ``index_dir`` (else $FOIASEARCH_INDEX, else
    ./.foiasearch). The index is opened read-only when first needed."""
    app = Flask(__name__)
    location = IndexLocation.resolve(index_dir)
    app.config.update(INDEX_DIR=str(location.root), JSON_SORT_KEYS=False)
    app.extensions["foiasearch"] = BackendHolder(location)
    app.json.sort_keys = False
    app.json.ensure_ascii = False

    from foiasearch.web import reader, routes, saved_routes

    app.register_blueprint(routes.bp)
    reader.install(app)
    saved_routes.install(app)
    routes.install_handlers(app)
    return app


__all__ = ["create_app", "IndexNotFound"]
