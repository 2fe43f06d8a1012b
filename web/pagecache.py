"""Search pages' results and filters as HTML, made once and shared by
every worker process of one site.

A search page is mostly the same for everyone who asks the same thing of
the same index state: its hits, counts, year bars and facet boxes. Only a
few lines belong to the visitor (the "Save this search" form's token, the
"Saved" notice, the header's account links). The site renders the shared
part once per (index state, visitor role, canonical query string) and keeps
it here; the visitor's lines are rendered on every request
(web.routes.render_search).

The entries live in a diskcache (SQLite) folder that ``serve`` makes in
gunicorn's master process and hands to every worker's app (web.server), so
a page made by one worker is served by the others; each process opens its
own connection (none crosses the fork). An app made without one makes its
own. The cache only saves time: an entry that cannot be read or written
(a full /dev/shm, a damaged file) is a miss, never a failed page. A folder
left by a server killed outright is removed by the next one started. The index state is part of the key (search.api.Fingerprint.value:
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
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import diskcache

log = logging.getLogger(__name__)

MAX_BYTES = 256 * 1024 * 1024  # all entries; a search page's part is some 20-60 KB
TTL_S = 60.0  # thumbnails follow files moved or changed on disk within this
CACHE_FAILURES = (sqlite3.Error, OSError, diskcache.Timeout)  # what a full or damaged cache raises
PREFIX = "foiasearch-pages-"  # then the pid of the process that made the folder
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
        """The value kept for ``key``, or None (also when the cache cannot be read)."""
        try:
            found = self._open().get(self._key(key))
        except CACHE_FAILURES as exc:
            log.warning("page cache %s not read: %s", self.folder, exc)
            found = None
        if found is None:
            self.misses += 1
        else:
            self.hits += 1
        return found

    def put(self, key: Hashable, value: Any) -> None:
        """Keep ``value`` for ``key`` (or not, when the cache cannot be written)."""
        try:
            self._open().set(self._key(key), value, expire=self.ttl)
        except CACHE_FAILURES as exc:
            log.warning("page cache %s not written: %s", self.folder, exc)


def shared_page_cache() -> PageCache:
    """A new, empty cache in a folder of its own (memory-backed where
    possible), removed when the process that made it exits; folders of
    processes that are gone (killed outright) are removed first. It takes at
    most half the space free there (Docker gives /dev/shm 64 MB)."""
    base = SHM if SHM.is_dir() and os.access(SHM, os.W_OK) else Path(tempfile.gettempdir())
    _remove_orphans(base)
    maker = os.getpid()
    folder = tempfile.mkdtemp(prefix=f"{PREFIX}{maker}-", dir=base)
    # gunicorn's workers exit through sys.exit too: only the process that made the folder removes it.
    atexit.register(lambda: os.getpid() == maker and shutil.rmtree(folder, ignore_errors=True))
    free = os.statvfs(folder)
    return PageCache(folder, max_bytes=min(MAX_BYTES, free.f_bavail * free.f_frsize // 2))


def _remove_orphans(base: Path) -> None:
    """Remove cache folders whose maker is no longer running."""
    for folder in base.glob(f"{PREFIX}*"):
        pid = folder.name[len(PREFIX):].partition("-")[0]
        if pid.isdigit() and not _running(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True
