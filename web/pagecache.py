"""Search pages' results and filters as HTML, made once and shared by
every worker process of one site.

A search page is mostly the same for everyone who asks the same thing of
the same index state: its hits, counts, year bars and facet boxes. Only a
few lines belong to the visitor (the "Save this search" form's token, the
"Saved" notice, the header's account links). The site renders the shared
part once per (index state, visitor role, canonical query string) and keeps
it here; the visitor's lines are rendered on every request
(web.routes.render_search).

The entries live in a diskcache (SQLite) folder made when the app is made,
before gunicorn forks its workers, so a page made by one worker is served
by the others; each process opens its own connection (none crosses the
fork). The index state is part of the key (search.api.Fingerprint.value:
it changes with every commit), so an entry is never served for a newer
state. What is not index state, whether a release's file is still where it
was indexed (its page thumbnails), is re-read after ``ttl`` seconds.

>>> import tempfile
>>> pages = PageCache(tempfile.mkdtemp())
>>> pages.get(("state-1", "local", "q=opt+out")) is None
True
>>> pages.put(("state-1", "local", "q=opt+out"), ("<main>", "</main>", 12)); pages.get(("state-1", "local", "q=opt+out"))
('<main>', '</main>', 12)
>>> pages.hits, pages.misses
(1, 1)
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import diskcache

MAX_BYTES = 256 * 1024 * 1024  # all entries; a search page's part is some 20-60 KB
TTL_S = 60.0  # thumbnails follow files moved or changed on disk within this
SHM = Path("/dev/shm")  # memory-backed where Linux has it: the entries need not survive a restart


class PageCache:
    """Values by key in ``folder``, shared by processes; counts its own
    hits and misses (this process's)."""

    def __init__(self, folder: str | os.PathLike, max_bytes: int = MAX_BYTES, ttl: float = TTL_S) -> None:
        self.folder, self.max_bytes, self.ttl = Path(folder), max_bytes, ttl
        self._cache: diskcache.Cache | None = None
        self._pid = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def _open(self) -> diskcache.Cache:
        cache = self._cache
        if cache is not None and self._pid == os.getpid():
            return cache
        with self._lock:
            if self._cache is None or self._pid != os.getpid():
                # Entries stay in SQLite, not one file each (diskcache's default above 32 KB);
                # the least recently stored go first (no write on a read).
                self._cache = diskcache.Cache(str(self.folder), size_limit=self.max_bytes,
                                              disk_min_file_size=2 ** 30, eviction_policy="least-recently-stored")
                self._pid = os.getpid()
            return self._cache

    @staticmethod
    def _key(key: Hashable) -> str:
        return hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key: Hashable) -> Any | None:
        """The value kept for ``key``, or None."""
        found = self._open().get(self._key(key))
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: Hashable, value: Any) -> None:
        self._open().set(self._key(key), value, expire=self.ttl)


def shared_page_cache() -> PageCache:
    """A new, empty cache in a folder of its own (memory-backed where
    possible), removed when the process that made it exits."""
    base = SHM if SHM.is_dir() and os.access(SHM, os.W_OK) else None
    folder = tempfile.mkdtemp(prefix="foiasearch-pages-", dir=base)
    maker = os.getpid()
    # gunicorn's workers exit through sys.exit too: only the process that made the folder removes it.
    atexit.register(lambda: os.getpid() == maker and shutil.rmtree(folder, ignore_errors=True))
    return PageCache(folder)
