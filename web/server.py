"""Run the app under gunicorn worker processes, configured in-process.

Pure-Python search is CPU-bound, so processes (gunicorn's sync workers)
serve concurrent searches; each worker opens the index read-only on its
first request (see ``web.EngineHolder``).

>>> GunicornServer(lambda: None, {"bind": "127.0.0.1:0", "workers": 1}).cfg.workers
1
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication


class GunicornServer(BaseApplication):
    """gunicorn's BaseApplication with the app and settings given in code
    (no command line, no config file)."""

    def __init__(self, load: Callable[[], Any], options: dict[str, Any]) -> None:
        self._load = load
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self):
        return self._load()


def serve(index_dir: str | os.PathLike | None, host: str = "127.0.0.1", port: int = 8080,
          workers: int = 2, access_log: bool = False) -> None:
    """Serve the search site until interrupted (Ctrl-C)."""
    from foiasearch.web import create_app

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "timeout": 600,  # streamed exports of 100k rows take over a minute
        "graceful_timeout": 5,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "foiasearch-serve",
    }
    GunicornServer(lambda: create_app(index_dir), options).run()
