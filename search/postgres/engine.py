"""The search API (search.api.SearchBackend) over a PostgreSQL index.

Searches run as parameterised SQL (search.postgres.sql) on a connection
pool (psycopg_pool), so the threads of a web worker share a few
connections; a stream holds its own connection in one REPEATABLE READ
transaction and reads through server-side cursors, so an export of any
size sees one state of the index and never sits in memory whole.

>>> # with PostgresBackend(IndexLocation.resolve("postgresql://me@db/foia")) as b:
>>> #     b.search(Query('"opt out"', {"tag": ["ICE"]}), facets=True).total
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import itertools
import json
import os
import re
from collections.abc import Container, Iterable, Iterator
from pathlib import Path

import psycopg
from psycopg_pool import ConnectionPool

from foiasearch.index.facet_registry import FACET_NAMES
from foiasearch.index.location import IndexLocation, IndexNotFound
from foiasearch.index.postgres.records import clean
from foiasearch.index.postgres.schema import (CONFIG, DatabaseUnavailable, Target, configure, connect, exists,
                                              target_of)
from foiasearch.index.originals import Original, open_original, original_in_place
from foiasearch.index.store import _path
from foiasearch.ingest.document import LOW_OCR_CONFIDENCE, Document
from foiasearch.search.api import (FacetValue, FileProblem, Fingerprint, Hit, IndexStatus, Query, QueryError,
                                   Results)
from foiasearch.search.marks import CLOSE, OPEN
from foiasearch.search.whoosh.engine import display_title  # one rule for every backend's titles
from foiasearch.search.postgres.sql import Compiled, compile_filters, compile_text

HEADLINE = f"StartSel={OPEN}, StopSel={CLOSE}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \""
SNIPPET_CHARS = 20_000  # snippets come from the first characters of a long post
ORDER = {
    "newest": "d.date DESC NULLS LAST, d.id",
    "oldest": "d.date ASC NULLS LAST, d.id",
}
HIT_COLUMNS = "d.id, d.kind, d.title, d.data"


def _one_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class _Selection:
    """One query as SQL: its condition (text and filters), ranking and order."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.text: Compiled = compile_text(query.text)
        filters, self.filter_params = compile_filters(query.filters)
        # Private collections the asker may not see: as if not in the index.
        hidden = [f"collection:{clean(c).strip().lower()}" for c in query.hidden_collections if clean(c).strip()]
        self.visible = ("NOT (d.fkeys && %s::text[])", [hidden]) if hidden else ("TRUE", [])
        self.where = f"({self.text.where}) AND {self.visible[0]} AND {filters}"
        self.params = self.text.params + self.visible[1] + self.filter_params
        if self.text.rank:
            self.score = f"ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', d.tsv, {self.text.rank}, 1)"
            self.score_params = self.text.rank_params
        else:
            self.score, self.score_params = "0.0", []
        if query.sort == "relevance" and self.text.rank:
            self.order = "score DESC, d.date DESC NULLS LAST, d.id"
        else:
            self.order = ORDER.get(query.sort, ORDER["newest"])

    def without(self, facet: str) -> tuple[str, list]:
        """The condition with ``facet``'s own selection left out (facet counts)."""
        filters, params = compile_filters(self.query.filters, leave_out=facet)
        return f"({self.text.where}) AND {self.visible[0]} AND {filters}", self.text.params + self.visible[1] + params

    def ordered(self, columns: str) -> tuple[str, list]:
        sql = (f"SELECT {columns}, {self.score} AS score FROM documents d WHERE {self.where} "
               f"ORDER BY {self.order}")
        return sql, self.score_params + self.params


class PostgresBackend:
    """One PostgreSQL index, opened for reading (search.api.SearchBackend)."""

    name = "postgresql"

    def __init__(self, location: IndexLocation, pool_size: int | None = None) -> None:
        self.location = location
        self.target: Target = target_of(location)
        if not exists(self.target):
            raise IndexNotFound(f"no index at {self.target.display} yet (run 'foiasearch index PATH --index "
                                f"{location.display}' first)" if location.url else f"no index at {location.root}")
        size = pool_size or int(os.environ.get("FOIASEARCH_POOL_SIZE", "4"))
        self.pool = ConnectionPool(self.target.url, min_size=1, max_size=size, open=True, timeout=10,
                                   kwargs={"connect_timeout": 5},
                                   configure=lambda conn: (configure(conn, self.target), conn.commit()))

    # -- plumbing --------------------------------------------------------------------
    def _rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        try:
            with self.pool.connection() as conn:
                return conn.execute(sql, list(params)).fetchall()
        except (psycopg.OperationalError, psycopg.errors.AdminShutdown) as exc:
            raise DatabaseUnavailable(f"lost the connection to {self.target.display}: {_one_line(exc)}") from exc
        except Exception as exc:  # psycopg_pool.PoolTimeout
            if type(exc).__name__ == "PoolTimeout":
                raise DatabaseUnavailable(f"cannot reach {self.target.display}") from exc
            raise

    def _select(self, query: Query) -> _Selection:
        query.validate()
        return _Selection(query)

    # -- searching -------------------------------------------------------------------
    def check(self, query: Query) -> Query:
        self._select(query)
        return query

    def search(self, query: Query, facets: bool = False, facet_limit: int | None = None,
               suggest: bool = False) -> Results:
        sel = self._select(query)
        offset = (query.page - 1) * query.per_page
        sql, params = sel.ordered(HIT_COLUMNS)
        rows = self._rows(f"SELECT *, count(*) OVER () FROM ({sql}) r LIMIT %s OFFSET %s",
                          params + [query.per_page, offset])
        total = rows[0][-1] if rows else (self._count(sel) if offset else 0)
        hits = self._hits(sel, [r[:-1] for r in rows])
        results = Results(query, total, hits)
        if facets:
            results.facets = self._facets(sel, facet_limit)
        if suggest and total == 0:
            suggestion = self._suggest(query.text)
            # Only a suggestion that finds a document the asker may see (its words come from one).
            if suggestion and self._count(_Selection(Query(suggestion, hidden_collections=query.hidden_collections))):
                results.suggestion = suggestion
        return results

    def _count(self, sel: _Selection) -> int:
        return self._rows(f"SELECT count(*) FROM documents d WHERE {sel.where}", sel.params)[0][0]

    def _hits(self, sel: _Selection, rows: list[tuple]) -> list[Hit]:
        """Hits for rows of (id, kind, title, data, score): matching pages and snippets in two queries."""
        if not rows:
            return []
        ids = [r[0] for r in rows]
        pages: dict[str, list[int]] = {}
        page_cond = sel.text.page_condition()
        releases = [r[0] for r in rows if r[1] == "release"]
        if page_cond and releases:
            rank = f"ts_rank_cd(p.tsv, {sel.text.rank})" if sel.text.rank else "0::real"
            found = self._rows(
                f"SELECT p.doc_id, p.number FROM pages p WHERE p.doc_id = ANY(%s) AND ({page_cond[0]}) "
                f"ORDER BY p.doc_id, {rank} DESC, p.number",
                [releases] + page_cond[1] + (sel.text.rank_params if sel.text.rank else []))
            for doc_id, number in found:
                pages.setdefault(doc_id, []).append(number)
        best = [pages[i][0] if pages.get(i) else None for i in ids]
        if sel.text.rank:
            text = f"ts_headline('{CONFIG}', left(coalesce(p.text, d.body), {SNIPPET_CHARS}), {sel.text.rank}, %s)"
            text_params = sel.text.rank_params + [HEADLINE]
        else:
            text, text_params = "left(coalesce(p.text, d.body), 240)", []
        snippets = dict(self._rows(
            f"SELECT h.id, {text} FROM unnest(%s::text[], %s::int[]) AS h(id, page) "
            f"JOIN documents d ON d.id = h.id LEFT JOIN pages p ON p.doc_id = h.id AND p.number = h.page",
            text_params + [ids, best]))
        hits = []
        for (doc_id, kind, title, data, score), page in zip(rows, best):
            doc = _document(data)
            snippet = " ".join((snippets.get(doc_id) or "").split())
            title = display_title(title or (os.path.basename(doc.paths[0]) if doc.paths else doc_id))
            hits.append(Hit(id=doc_id, title=title, kind=kind, paths=doc.paths, url=doc.url, date=doc.date,
                            matching_pages=pages.get(doc_id, []), snippet=snippet, score=float(score),
                            document=doc, snippet_page=page))
        return hits

    def _facets(self, sel: _Selection, limit: int | None) -> dict[str, list[FacetValue]]:
        selected = sorted(n for n, v in sel.query.filters.items() if any(x.strip() for x in v))
        groups = [(sel.where, sel.params, [n for n in FACET_NAMES if n not in selected])]
        groups += [(*sel.without(name), [name]) for name in selected]
        counted: dict[str, list[FacetValue]] = {name: [] for name in FACET_NAMES}
        for where, params, names in groups:
            rows = self._rows(
                "SELECT f.facet, f.key, min(f.value), min(f.type), count(*) FROM facet_values f "
                f"WHERE f.facet = ANY(%s) AND f.doc_id IN (SELECT d.id FROM documents d WHERE {where}) "
                "GROUP BY f.facet, f.key", [names] + params)
            for facet, key, value, type_, count in rows:
                counted[facet].append(FacetValue(value, count, key, type_))
        for name, values in counted.items():
            if name == "year":
                values.sort(key=lambda v: v.value, reverse=True)
            else:
                values.sort(key=lambda v: (-v.count, v.value.lower()))
            if limit:
                del values[limit:]
        return counted

    def _suggest(self, text: str) -> str | None:
        """The query text with unknown words replaced by the closest indexed word."""
        suggestion, changed = text, False
        for word in set(re.findall(r"(?<![:\w])[^\W\d_]{4,}\b", text)):
            lower = word.lower()
            if word in ("AND", "OR", "NOT") or self._rows("SELECT 1 FROM vocabulary WHERE word = %s", [lower]):
                continue
            prefix = lower[:2]
            candidates = [r[0] for r in self._rows(
                "SELECT word FROM vocabulary WHERE word >= %s AND word < %s AND length(word) BETWEEN %s AND %s",
                [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1), len(lower) - 2, len(lower) + 2])]
            close = difflib.get_close_matches(lower, candidates, n=1, cutoff=0.75)
            if close:
                suggestion = re.sub(rf"\b{re.escape(word)}\b", close[0], suggestion)
                changed = True
        return suggestion if changed else None

    def page_counts(self, query: Query, facet: str = "exemption") -> dict[str, int]:
        sel = self._select(query)
        if facet != "exemption":
            return {}
        where, params = sel.without(facet)
        rows = self._rows(
            f"WITH m AS (SELECT d.id FROM documents d WHERE {where}), "
            "k AS (SELECT DISTINCT f.key FROM facet_values f JOIN m ON m.id = f.doc_id WHERE f.facet = 'exemption') "
            "SELECT k.key, (SELECT count(*) FROM pages p JOIN m ON m.id = p.doc_id WHERE k.key = ANY(p.exemptions)) "
            "FROM k", params)
        return dict(rows)

    def stream(self, query: Query) -> "PostgresStream":
        return PostgresStream(self, self._select(query))

    # -- documents -------------------------------------------------------------------
    def document(self, doc_id: str, with_text: bool = True) -> Document | None:
        rows = self._rows("SELECT data FROM documents WHERE id = %s", [doc_id])
        if not rows:
            return None
        doc = _document(rows[0][0])  # pages without text
        if not with_text:
            return doc
        texts = dict(self._rows("SELECT number, text FROM pages WHERE doc_id = %s", [doc_id]))
        for page in doc.pages:
            page.text = texts.get(page.number, "")
        return doc

    def page_bates(self, doc_id: str, numbers: Iterable[int]) -> dict[int, str]:
        return dict(self._rows("SELECT number, bates FROM pages WHERE doc_id = %s AND number = ANY(%s) "
                               "AND bates IS NOT NULL", [doc_id, list(numbers)]))

    def original_path(self, doc_id: str) -> Path | None:
        opened = self.open_original(doc_id)
        if opened:
            opened.handle.close()  # only its path is wanted
        return Path(opened.path) if opened else None

    def has_original(self, doc_id: str) -> bool:
        """A recorded file still in place, same size and mtime (index.originals; not read)."""
        manifest = self._manifest()
        try:
            return original_in_place(manifest, doc_id)
        finally:
            manifest.close()

    def open_original(self, doc_id: str) -> Original | None:
        """The first recorded file still exactly as indexed (index.originals), opened."""
        manifest = self._manifest()
        try:
            return open_original(manifest, doc_id)
        finally:
            manifest.close()

    def _manifest(self):
        """The manifest of files: in the database for a URL, else the folder's store."""
        if self.location.url:
            from foiasearch.index.postgres.store import PostgresStore

            return PostgresStore(self.location, readonly=True)
        return self.location.open_store(readonly=True) if self.location.exists() else _NoManifest()

    def highlight_terms(self, text: str) -> set[str]:
        try:
            compiled = compile_text(text)
        except QueryError:
            return set()
        if not compiled.rank:
            return set()
        rows = self._rows(f"SELECT DISTINCT (regexp_matches(({compiled.rank})::text, '''([^'']+)''', 'g'))[1]",
                          compiled.rank_params)
        return {r[0] for r in rows}

    def mark_text(self, text: str, terms: set[str]) -> str:
        if not terms or not text:
            return text
        words = sorted({clean(w).lower() for w in re.findall(r"\w+", text)})
        stems = dict(self._rows("SELECT w, (ts_lexize('fs_stem', w))[1] FROM unnest(%s::text[]) w", [words]))
        return re.sub(r"\w+", lambda m: f"{OPEN}{m[0]}{CLOSE}" if stems.get(m[0].lower()) in terms else m[0], text)

    def matching_pages(self, doc_id: str, text: str) -> list[int]:
        compiled = compile_text(text)
        cond = compiled.page_condition()
        if not cond:
            return []
        rank = f"ts_rank_cd(p.tsv, {compiled.rank})" if compiled.rank else "0::real"
        return [r[0] for r in self._rows(
            f"SELECT p.number FROM pages p WHERE p.doc_id = %s AND ({cond[0]}) ORDER BY {rank} DESC, p.number",
            [doc_id] + cond[1] + (compiled.rank_params if compiled.rank else []))]

    def facet_values(self, name: str, type: str | None = None, limit: int | None = None) -> list[FacetValue]:
        if name not in FACET_NAMES:
            raise QueryError(f"unknown facet {name!r}; use one of {', '.join(FACET_NAMES)}")
        order = "f.key DESC" if name == "year" else "count(*) DESC, lower(min(f.value))"
        rows = self._rows(
            "SELECT f.key, min(f.value), min(f.type), count(*) FROM facet_values f "
            f"WHERE f.facet = %s AND (%s::text IS NULL OR f.type = %s) GROUP BY f.key ORDER BY {order} LIMIT %s",
            [name, clean(type) or None, clean(type) or None, limit])
        return [FacetValue(value, count, key, type_) for key, value, type_, count in rows]

    # -- the index -------------------------------------------------------------------
    def status(self) -> IndexStatus:
        kinds = {k: (n, p or 0) for k, n, p in self._rows(
            "SELECT kind, count(*), sum(page_count)::int FROM documents GROUP BY kind ORDER BY kind")}
        ocr, ocr_pages, low, mean = self._rows(
            "SELECT count(*) FILTER (WHERE (meta->>'needs_ocr')::boolean), count(*) FILTER (WHERE (meta->>'ocr')::boolean), "
            "count(*) FILTER (WHERE (meta->>'ocr_confidence')::float < %s), avg((meta->>'ocr_confidence')::float) "
            "FROM pages", [LOW_OCR_CONFIDENCE])[0]
        manifest = self._manifest()
        try:
            files, failures = manifest.file_counts(), manifest.failures()
        finally:
            manifest.close()
        fp = self.fingerprint()
        return IndexStatus(self.location.display, fp.last_updated, kinds, files,
                           [FileProblem(f.display, f.reason) for f in failures], ocr, ocr_pages=ocr_pages,
                           ocr_low_confidence_pages=low, ocr_mean_confidence=round(mean, 1) if mean is not None else None)

    def fingerprint(self) -> Fingerprint:
        generation, updated = self._rows("SELECT generation, last_updated FROM state")[0]
        return _fingerprint(self, generation, updated)

    def close(self) -> None:
        self.pool.close()

    def __enter__(self) -> "PostgresBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fingerprint(backend: PostgresBackend, generation: int, updated: dt.datetime | None) -> Fingerprint:
    when = updated.astimezone(dt.timezone.utc).isoformat(timespec="seconds") if updated else None
    value = hashlib.sha256(f"{backend.target.display}\0{backend.target.schema}\0{generation}".encode()).hexdigest()
    return Fingerprint("postgresql", backend.location.display, str(generation), when, value[:16])


def _document(data: dict | str) -> Document:
    doc = Document.from_dict(json.loads(data) if isinstance(data, str) else data)
    doc.paths = [_path(p) for p in doc.paths]
    return doc


class _NoManifest:
    def close(self):
        pass

    def file_paths_of(self, doc_id):
        return []

    def get_file(self, path):
        return None

    def file_counts(self):
        return {}

    def failures(self):
        return []


class PostgresStream:
    """Every match of one query, from one snapshot (search.api.ResultStream):
    a REPEATABLE READ transaction on a connection of its own, read through
    server-side cursors."""

    def __init__(self, backend: PostgresBackend, sel: _Selection) -> None:
        self.backend, self.sel = backend, sel
        self.conn = connect(backend.target)
        self.conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        self.conn.read_only = True
        generation, updated = self.conn.execute("SELECT generation, last_updated FROM state").fetchone()
        self._fingerprint = _fingerprint(backend, generation, updated)
        self.total = self.conn.execute(f"SELECT count(*) FROM documents d WHERE {sel.where}",
                                       sel.params).fetchone()[0]
        self._cursors = itertools.count()

    @property
    def fingerprint(self) -> Fingerprint:
        return self._fingerprint

    def _rows(self, batch: int = 500) -> Iterator[list[tuple]]:
        sql, params = self.sel.ordered(HIT_COLUMNS)
        with self.conn.cursor(name=f"stream_{next(self._cursors)}") as cur:
            cur.itersize = batch
            cur.execute(sql, params)
            while rows := cur.fetchmany(batch):
                yield rows

    def ids(self) -> Iterator[str]:
        for rows in self._rows(2000):
            yield from (r[0] for r in rows)

    def hits(self, batch: int = 500, only: Container[str] | None = None) -> Iterator[Hit]:
        for rows in self._rows(batch):
            if only is not None:
                rows = [r for r in rows if r[0] in only]
            yield from self.backend._hits(self.sel, rows)

    def newest(self, limit: int) -> list[tuple[dt.datetime, Hit]]:
        rows = self.conn.execute(
            f"SELECT {HIT_COLUMNS}, {self.sel.score} AS score, d.sort_date FROM documents d WHERE {self.sel.where} "
            "ORDER BY d.sort_date DESC, d.id LIMIT %s", self.sel.score_params + self.sel.params + [limit]).fetchall()
        hits = self.backend._hits(self.sel, [r[:-1] for r in rows])
        return [(r[-1].astimezone(dt.timezone.utc), h) for r, h in zip(rows, hits)]

    def close(self) -> None:
        self.conn.close()

    def __del__(self) -> None:
        try:
            self.conn.close()
        except Exception:
            pass
