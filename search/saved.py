"""Saved searches: named queries kept in SQLite beside the index.

The web app and the CLI may write at the same time (several gunicorn
workers, a cron job running ``saved run --new``), so the database is in WAL
mode with a busy timeout, and every change is one ``BEGIN IMMEDIATE``
transaction. It is ``saved.db`` in the index folder, never the search index
or the index's ``store.db`` (those have one writer: the indexer). Searches
run through the search API (search.api), whatever the backend.

>>> import tempfile, pathlib
>>> store = SavedStore(pathlib.Path(tempfile.mkdtemp()) / "saved.db")
>>> store.add("opt-out", Query('"opt out"', {"tag": ["ICE"]})).query.text
'"opt out"'
>>> [s.name for s in store.list()]
['opt-out']
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from foiasearch.search.api import Hit, IndexLocation, Query, QueryError, ResultStream, SearchBackend

NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
BUSY_TIMEOUT_S = 30.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS saved (
    name TEXT PRIMARY KEY,
    query TEXT NOT NULL,
    filters TEXT NOT NULL,          -- JSON: facet -> [values], as Query.filters
    sort TEXT NOT NULL,
    created TEXT NOT NULL,          -- ISO 8601, UTC
    last_run TEXT                   -- NULL until the first run
);
-- The documents that matched at the last run: what "new" is measured against.
CREATE TABLE IF NOT EXISTS seen (
    name TEXT NOT NULL REFERENCES saved(name) ON DELETE CASCADE,
    doc_id TEXT NOT NULL,
    PRIMARY KEY (name, doc_id)
) WITHOUT ROWID;
"""


class SavedError(Exception):
    """A saved-search operation that cannot be done; the message is one line."""


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def saved_db_path(location: IndexLocation) -> Path:
    """Where an index's saved searches live: ``saved.db`` beside the index."""
    return location.root / "saved.db"


def check_name(name: str) -> str:
    """A saved search's name is used in URLs: letters, digits, ``-`` and ``_``."""
    if not NAME_PATTERN.fullmatch(name or ""):
        raise SavedError(f"invalid name {name!r}: use 1-64 letters, digits, '-' or '_'")
    return name


def check_saved(name: str, query: Query, backend: SearchBackend | None) -> None:
    """Raise SavedError unless ``name`` is valid and ``query`` can be run."""
    check_name(name)
    try:
        query.validate()
        if backend is not None:
            backend.check(query)
    except QueryError as exc:
        raise SavedError(str(exc)) from None


@dataclass
class SavedSearch:
    name: str
    query: Query
    created: str
    last_run: str | None
    seen_count: int = 0

    def to_json(self) -> dict:
        return {
            "name": self.name, "query": self.query.text, "filters": self.query.filters,
            "sort": self.query.sort, "created": self.created, "last_run": self.last_run,
            "seen": self.seen_count,
        }


class SavedStore:
    """The saved searches of one index. Safe to use from several processes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            # isolation_level=None: we open every transaction ourselves.
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                                      check_same_thread=False)
            self.db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            with self._write():
                # executescript() would COMMIT on its own: run the statements one by one.
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
        except sqlite3.Error as exc:
            raise SavedError(f"cannot open saved searches at {self.path}: {exc}") from None

    @classmethod
    def open(cls, location: IndexLocation) -> "SavedStore":
        """The store of an existing index (raises IndexNotFound otherwise);
        for a database index, its saved searches are in the database."""
        location.require()
        if location.url:
            from foiasearch.search.postgres.saved import PostgresSavedStore

            return PostgresSavedStore(location)
        return cls(saved_db_path(location))

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "SavedStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; IMMEDIATE takes the write lock up front, so
        two writers queue (busy timeout) instead of failing on upgrade."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- definitions ------------------------------------------------------------
    def add(self, name: str, query: Query, replace: bool = False,
            backend: SearchBackend | None = None) -> SavedSearch:
        """Save ``query`` as ``name``. Replacing starts the search afresh
        (new created time, no last run, nothing seen). The query is
        validated, and with ``backend`` also parsed, so that it can be run."""
        check_saved(name, query, backend)
        filters = {k: list(v) for k, v in query.filters.items() if v}
        created = _now()
        with self._write() as db:
            exists = db.execute("SELECT 1 FROM saved WHERE name=?", (name,)).fetchone()
            if exists and not replace:
                raise SavedError(f"a saved search named {name!r} exists (use --replace to overwrite it)")
            db.execute("DELETE FROM seen WHERE name=?", (name,))
            db.execute("INSERT OR REPLACE INTO saved VALUES (?,?,?,?,?,NULL)",
                       (name, query.text, json.dumps(filters, sort_keys=True), query.sort, created))
        return SavedSearch(name, Query(query.text, filters, query.sort, exact=True), created, None)

    def get(self, name: str) -> SavedSearch:
        row = self.db.execute(
            "SELECT name, query, filters, sort, created, last_run, "
            "(SELECT count(*) FROM seen WHERE seen.name = saved.name) FROM saved WHERE name=?",
            (name,),
        ).fetchone()
        if row is None:
            raise SavedError(f"no saved search named {name!r} (see 'foiasearch saved list')")
        return self._from_row(row)

    def list(self) -> list[SavedSearch]:
        rows = self.db.execute(
            "SELECT name, query, filters, sort, created, last_run, "
            "(SELECT count(*) FROM seen WHERE seen.name = saved.name) FROM saved ORDER BY name"
        )
        return [self._from_row(r) for r in rows]

    def remove(self, name: str) -> None:
        with self._write() as db:
            if db.execute("DELETE FROM saved WHERE name=?", (name,)).rowcount == 0:
                raise SavedError(f"no saved search named {name!r} (see 'foiasearch saved list')")
            db.execute("DELETE FROM seen WHERE name=?", (name,))

    @staticmethod
    def _from_row(row) -> SavedSearch:
        name, text, filters, sort, created, last_run, seen = row
        try:
            parsed = json.loads(filters)
        except ValueError:
            parsed = {"": ["(unreadable filters)"]}  # fails Query.validate: reported, not crashed
        return SavedSearch(name, Query(text, parsed, sort, exact=True), created, last_run, seen)

    # -- runs ---------------------------------------------------------------------
    def seen_ids(self, name: str) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT doc_id FROM seen WHERE name=?", (name,))}

    def record_run(self, name: str, doc_ids: Iterable[str], at: str | None = None) -> None:
        """Remember that ``name`` ran now and matched exactly ``doc_ids``."""
        with self._write() as db:
            updated = db.execute("UPDATE saved SET last_run=? WHERE name=?", (at or _now(), name)).rowcount
            if not updated:
                raise SavedError(f"no saved search named {name!r} (it was removed)")
            db.execute("DELETE FROM seen WHERE name=?", (name,))
            db.executemany("INSERT OR IGNORE INTO seen VALUES (?,?)", ((name, i) for i in doc_ids))


# -- saved searches against the index ------------------------------------------------
def run_error(saved: SavedSearch, exc: Exception) -> SavedError:
    return SavedError(f"saved search {saved.name!r} no longer runs: {exc}")


@dataclass
class SavedStatus:
    """A saved search with its current match count and how many are new
    since its last run; ``error`` when its query no longer runs."""

    saved: SavedSearch
    total: int | None = None
    new: int | None = None
    error: str | None = None

    def to_json(self) -> dict:
        return {**self.saved.to_json(), "total": self.total, "new": self.new, "error": self.error}


def saved_status(backend: SearchBackend, store: SavedStore) -> list[SavedStatus]:
    """Every saved search with current counts (nothing is marked seen).

    >>> # for s in saved_status(backend, store): print(s.saved.name, s.total, s.new)
    """
    statuses = []
    for saved in store.list():
        try:
            ids = set(backend.stream(saved.query).ids())
        except QueryError as exc:
            statuses.append(SavedStatus(saved, error=str(run_error(saved, exc))))
            continue
        statuses.append(SavedStatus(saved, len(ids), len(ids - store.seen_ids(saved.name))))
    return statuses


@dataclass
class SavedRun:
    """One run of a saved search: every match, and which are new since the
    run before (all of them on a first run)."""

    saved: SavedSearch  # as it was before this run (last_run: the previous run)
    results: ResultStream
    new_ids: set[str]

    @property
    def total(self) -> int:
        return self.results.total

    def hits(self, new_only: bool = False, batch: int = 500) -> Iterator[Hit]:
        return self.results.hits(batch=batch, only=self.new_ids if new_only else None)


def run_saved(backend: SearchBackend, store: SavedStore, name: str, record: bool = True) -> SavedRun:
    """Run saved search ``name``; with ``record`` (the default) its last-run
    time becomes now and its current matches become the seen set."""
    saved = store.get(name)
    try:
        results = backend.stream(saved.query)
    except QueryError as exc:
        raise run_error(saved, exc) from None
    ids = list(results.ids())
    new_ids = set(ids) - store.seen_ids(name)
    if record:
        store.record_run(name, ids)
    return SavedRun(saved, results, new_ids)
