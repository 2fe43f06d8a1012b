"""Saved searches kept in the index's database (``--index postgresql://...``),
shared by everyone who uses it: the web workers of every machine and the
CLI. Same behaviour as search.saved.SavedStore (SQLite beside a folder index).

>>> # store = PostgresSavedStore(IndexLocation.resolve("postgresql://me@db/foia"))
>>> # store.add("opt-out", Query('"opt out"')); store.record_run("opt-out", ids)
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import psycopg

from foiasearch.index.location import IndexLocation
from foiasearch.index.postgres.records import clean
from foiasearch.index.postgres.schema import DatabaseUnavailable, connect, ensure_schema, target_of
from foiasearch.search.api import Query, SearchBackend
from foiasearch.search.saved import SavedError, SavedSearch, SavedStore, _now, check_saved

COLUMNS = ("name, query, created_at, last_run, "
           "(SELECT count(*) FROM saved_seen s WHERE s.name = saved_searches.name)")


class PostgresSavedStore(SavedStore):
    """The saved searches of a PostgreSQL index; each change is one transaction."""

    def __init__(self, location: IndexLocation) -> None:  # noqa: super().__init__ opens SQLite
        self.target = target_of(location)
        self.path = self.target.display
        ensure_schema(self.target)
        self.db = connect(self.target, autocommit=True)

    @classmethod
    def open(cls, location: IndexLocation) -> "PostgresSavedStore":
        return cls(location)

    def _run(self, sql: str, params: Iterable = ()) -> list[tuple]:
        try:
            cur = self.db.execute(sql, list(params))
            return cur.fetchall() if cur.description else []
        except psycopg.OperationalError as exc:
            raise DatabaseUnavailable(f"lost the connection to {self.target.display}") from exc

    def add(self, name: str, query: Query, replace: bool = False,
            backend: SearchBackend | None = None) -> SavedSearch:
        check_saved(name, query, backend)
        filters = {k: [clean(v) for v in values] for k, values in query.filters.items() if values}
        text, created = clean(query.text), _now()
        with self.db.transaction():
            exists = self._run("SELECT 1 FROM saved_searches WHERE name = %s FOR UPDATE", [name])
            if exists and not replace:
                raise SavedError(f"a saved search named {name!r} exists (use --replace to overwrite it)")
            self._run("DELETE FROM saved_searches WHERE name = %s", [name])
            self._run("INSERT INTO saved_searches VALUES (%s, %s, %s, NULL)",
                      [name, json.dumps({"text": text, "filters": filters, "sort": query.sort}), created])
        return SavedSearch(name, Query(text, filters, query.sort, exact=True), created, None)

    def get(self, name: str) -> SavedSearch:
        rows = self._run(f"SELECT {COLUMNS} FROM saved_searches WHERE name = %s", [name])
        if not rows:
            raise SavedError(f"no saved search named {name!r} (see 'foiasearch saved list')")
        return self._saved(rows[0])

    def list(self) -> list[SavedSearch]:
        return [self._saved(r) for r in self._run(f"SELECT {COLUMNS} FROM saved_searches ORDER BY name")]

    def remove(self, name: str) -> None:
        if not self._run("DELETE FROM saved_searches WHERE name = %s RETURNING name", [name]):
            raise SavedError(f"no saved search named {name!r} (see 'foiasearch saved list')")

    @staticmethod
    def _saved(row) -> SavedSearch:
        name, query, created, last_run, seen = row
        saved_query = Query(query.get("text", ""), query.get("filters", {}), query.get("sort", "relevance"), exact=True)
        return SavedSearch(name, saved_query, created, last_run, seen)

    def seen_ids(self, name: str) -> set[str]:
        return {r[0] for r in self._run("SELECT doc_id FROM saved_seen WHERE name = %s", [name])}

    def record_run(self, name: str, doc_ids: Iterable[str], at: str | None = None) -> None:
        with self.db.transaction():
            if not self._run("UPDATE saved_searches SET last_run = %s WHERE name = %s RETURNING name",
                             [at or _now(), name]):
                raise SavedError(f"no saved search named {name!r} (it was removed)")
            self._run("DELETE FROM saved_seen WHERE name = %s", [name])
            with self.db.cursor() as cur:
                cur.executemany("INSERT INTO saved_seen VALUES (%s, %s) ON CONFLICT DO NOTHING",
                                [(name, i) for i in dict.fromkeys(doc_ids)])
