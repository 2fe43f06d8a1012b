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
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Container, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from pathlib import Path

import psycopg
from psycopg_pool import ConnectionPool

from foiasearch.index.facet_registry import FACET_NAMES
from foiasearch.index.location import IndexLocation, IndexNotFound
from foiasearch.index.postgres.records import clean
from foiasearch.index.postgres.store import PostgresStore
from foiasearch.index.postgres.schema import (CONFIG, ORDINALS, WORDS, DatabaseUnavailable, Target, configure,
                                              connect, lost_connection, one_line, schema_version_of, target_of)
from foiasearch.index.originals import Original, in_place, open_original, original_in_place
from foiasearch.index.store import _path
from foiasearch.ingest.document import LOW_OCR_CONFIDENCE, Document
from foiasearch.search.api import (FacetValue, FileProblem, Fingerprint, Hit, IndexStatus, Query, QueryError,
                                   Results, UNCUT_FACETS, cut_facets, display_title)
from foiasearch.search.budget import remaining, stopped
from foiasearch.search.marks import CLOSE, OPEN
from foiasearch.search.postgres.relax import Plan, widen
from foiasearch.search.postgres.sql import (OPAQUE, PACKED, Compiled, Leaf, compile_filters, compile_text, filter_keys,
                                            leaf_tree)

if TYPE_CHECKING:  # numpy and the arrays are imported by the loader thread: a one-shot search never needs them
    import numpy as np

    from foiasearch.search.postgres.ordinals import Ordinals
from foiasearch.search.resultcache import request_memo

HEADLINE = f"StartSel={OPEN}, StopSel={CLOSE}, MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=\" … \""
SNIPPET_CHARS = 20_000  # snippets come from the first characters of a long post
ORDER = {
    "newest": "d.date DESC NULLS LAST, d.id",
    "oldest": "d.date ASC NULLS LAST, d.id",
}
HIT_COLUMNS = "d.id, d.kind, d.title"  # and the score: rows of (id, kind, title, score)
EVERYTHING = "(TRUE) AND TRUE AND TRUE"  # _Selection.where without words, filters or hidden collections
REMEMBERED = 64  # statements over matches remembered per backend (PostgresBackend._matching)
CANDIDATES = 300  # matches ranked for the first pages of a common word (PostgresBackend._page)
LEAVES = 256  # conditions whose matches a backend keeps per generation (PostgresBackend._leaf)
LEAF_BYTES = 64 * 2**20  # and at most this many bytes of them: a mask is as long as the highest document number
LOAD_TIMEOUT = "60s"  # reading the facet keys of every document (PostgresBackend._load_numbers)
LOAD_RETRY = 30.0  # seconds before a failed read of them is tried again
LOAD_WAIT = 5  # seconds close() waits for a loader thread
OTHER_COLUMN = re.compile(r"\bd\.(?!(?:tsv|head)\b)")  # a condition on more of d than document_words holds
log = logging.getLogger(__name__)


def _budget_spent() -> bool:
    left = remaining()
    return left is not None and left <= 0


class _Selection:
    """One query as SQL: its condition (text and filters), ranking and order."""

    def __init__(self, query: Query, text: Compiled | None = None) -> None:
        self.query = query
        self.text: Compiled = text or compile_text(query.text)
        # Its words as AND/OR/NOT of conditions, each matched once per generation (_leaf).
        self.tree = leaf_tree(query.text) if text is None else OPAQUE
        self.best: Plan | None = None  # widened to best matches (search.postgres.relax)
        self.strict_total: int | None = None  # then: the matches holding every word
        filters, self.filter_params = compile_filters(query.filters)
        # Private collections the asker may not see: as if not in the index.
        hidden = [f"collection:{clean(c).strip().lower()}" for c in query.hidden_collections if clean(c).strip()]
        self.hidden = hidden
        self.visible = ("NOT (d.fkeys && %s::text[])", [hidden]) if hidden else ("TRUE", [])
        self.where = f"({self.text.where}) AND {self.visible[0]} AND {filters}"
        self.params = self.text.params + self.visible[1] + self.filter_params
        if self.text.rank:
            self.score = f"ts_rank_cd('{{0.1, 0.2, 0.4, 1.0}}', d.tsv, {self.text.rank}, 1)"
            self.score_params = self.text.rank_params
            if self.text.boost:
                self.score = f"{self.text.boost[0]} + {self.score}"
                self.score_params = self.text.boost[1] + self.score_params
        else:
            self.score, self.score_params = "0.0", []
        self.ranked = query.sort == "relevance" and bool(self.text.rank)
        self.order = "score DESC, d.date DESC NULLS LAST, d.id" if self.ranked else ORDER.get(query.sort, ORDER["newest"])
        self.everything = self.where == EVERYTHING
        self.filtered = bool(hidden) or filters != "TRUE"  # by facets or hidden collections
        self.masks: dict[tuple, np.ndarray] = {}  # (generation, facet left out) -> its matches (PostgresBackend._mask)

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
        version = schema_version_of(self.target)  # read once: a worker keeps the schema it opened
        if not version:
            raise IndexNotFound(f"no index at {self.target.display} yet (run 'foiasearch index PATH --index "
                                f"{location.display}' first)" if location.url else f"no index at {location.root}")
        size = pool_size or int(os.environ.get("FOIASEARCH_POOL_SIZE", "4"))
        self.searches_at_once = size  # a web worker's threads search concurrently, one connection each
        # Counts and pages of matches, for the index's generation (one per commit, anywhere).
        self._remembered: OrderedDict[tuple, list[tuple]] = OrderedDict()
        self._remembered_lock = threading.Lock()
        self._generation = -1
        self._everyone: int | None = None
        self._ordinals: Ordinals | None = None  # facet keys per document number (search.postgres.ordinals)
        self._ordinals_lock = threading.Lock()
        self._numbered = version >= ORDINALS  # the schema has documents.num (migration 7)
        # Where a condition on words alone finds its matches' numbers (_leaf): a narrow heap (migration 8).
        self._words = "document_words" if version >= WORDS else "documents"
        self._loader: threading.Thread | None = None  # reading the ordinals (_numbers)
        self._load_failed = -LOAD_RETRY  # time.monotonic() of the last failed read
        self._searches = 0  # searches made: arrays are read from the second on
        self._closed = False
        self._leaves: OrderedDict[tuple, np.ndarray] = OrderedDict()  # (generation, Leaf) -> its matches
        # One connection more than searches at once: the loader thread's (_load_numbers).
        self.pool = ConnectionPool(self.target.url, min_size=1, max_size=size + 1, open=True, timeout=10,
                                   kwargs={"connect_timeout": 5},
                                   configure=lambda conn: (configure(conn, self.target), conn.commit()))

    # -- plumbing --------------------------------------------------------------------
    def _rows(self, sql: str, params: Iterable = (), matching: bool = False) -> list[tuple]:
        """The rows of one statement, within the current time budget (search.budget):
        the server stops a statement that outlives it (statement_timeout, local to
        this transaction), and that is the budget's one-line QueryTooSlow.

        ``matching``: the statement finds documents by their words. The planner
        is told to take them from the GIN indexes, never by reading every
        document's tsvector: it costs a word in most documents as a cheap
        sequential scan, yet each row's tsvector is read from TOAST (at 20,000
        documents, counting "agency" took 125 ms that way, 12 ms from the index)."""
        left = remaining()
        if left is not None and left <= 0:
            stopped()
        settings = ([("statement_timeout", f"{max(1, int(left * 1000))}ms")] if left is not None else []) + (
            [("enable_seqscan", "off"), ("jit", "off")] if matching else [])
        with self._connection() as conn:
            if not settings:
                return conn.execute(sql, list(params)).fetchall()
            with conn.pipeline():  # the settings and the statement in one round trip
                conn.execute("SELECT " + ", ".join("set_config(%s, %s, true)" for _ in settings),
                             [v for pair in settings for v in pair])
                cursor = conn.execute(sql, list(params))
            return cursor.fetchall()

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection; a statement past the time budget is its
        QueryTooSlow, a lost or unreachable server one line (DatabaseUnavailable)."""
        try:
            with self.pool.connection() as conn:
                yield conn
        except psycopg.errors.QueryCanceled:
            stopped()
        except (psycopg.OperationalError, psycopg.errors.AdminShutdown) as exc:
            if isinstance(exc.__context__, psycopg.errors.QueryCanceled) or _budget_spent():
                # The server stopped the statement for the budget, and leaving the
                # pipeline (_rows) raised its own error over that one.
                stopped()
            raise lost_connection(self.target, exc) from exc
        except Exception as exc:  # psycopg_pool.PoolTimeout
            if type(exc).__name__ == "PoolTimeout":
                raise DatabaseUnavailable(f"cannot reach {self.target.display}") from exc
            raise

    def _matching(self, sql: str, params: list) -> list[tuple]:
        """``_rows(sql, params, matching=True)``, remembered until the index
        changes: a site answers the same searches and facet clicks many
        times over (the Whoosh backend keeps a text's matches per searcher
        likewise). Callers refresh the generation first (:meth:`_refresh`)."""
        key = (self._generation, sql, repr(params))
        with self._remembered_lock:
            if key in self._remembered:
                self._remembered.move_to_end(key)
                return self._remembered[key]
        rows = self._rows(sql, params, matching=True)
        with self._remembered_lock:
            if key[0] == self._generation:  # else another thread read a newer one meanwhile: not kept
                self._remembered[key] = rows
                while len(self._remembered) > REMEMBERED:
                    self._remembered.popitem(last=False)
        return rows

    def _refresh(self) -> tuple[int, dt.datetime | None]:
        """Read the index's generation, last update and size; what was remembered
        for an older generation is forgotten. Once per web request
        (search.resultcache.request_memo): a page's searches and its
        fingerprint use one state, read in one round trip."""
        memo = request_memo()
        if memo is not None and ("state", id(self)) in memo:
            return memo[("state", id(self))]
        generation, updated, everyone = self._rows(
            "SELECT generation, last_updated, (SELECT n FROM facet_counts WHERE key = '') FROM state")[0]
        with self._remembered_lock:
            # Threads search side by side (web.serialized): the generation only
            # moves forward, so a thread that read an older one never brings it
            # back, and rows are kept only under the generation current when
            # they are stored. The generation is a counter bumped by every commit.
            if generation > self._generation:
                self._remembered.clear()
                self._generation = generation
                self._everyone = everyone or 0
            elif generation == self._generation:
                self._everyone = everyone or 0
        if memo is not None:
            memo[("state", id(self))] = (generation, updated)
        return generation, updated

    def _select(self, query: Query) -> _Selection:
        query.validate()
        return _Selection(query)

    def _selection(self, query: Query) -> _Selection:
        """``query``'s selection, widened to its best matches when few documents hold every word."""
        sel = self._select(query)
        self._refresh()
        return widen(self, sel, _Selection) or sel

    # -- facet counts in the worker (search.postgres.ordinals) --------------------------
    def _numbers(self, wait: bool = False) -> Ordinals | None:
        """The facet keys of every document of the current generation, or None:
        then facets are counted in SQL. They are read in a thread of their own
        (1-2 s at 100,000 documents, longer than a request may take on a busy
        server), from a backend's second search on (a one-shot search would
        not wait for them), after every commit; a schema without documents.num
        (a replica of a primary not migrated yet) has none. ``wait``: wait
        for them (tests, benchmarks)."""
        ords = self._ordinals
        if not self._numbered or (ords is not None and ords.generation >= self._generation):
            return ords if self._numbered else None
        with self._ordinals_lock:
            if not wait and (self._searches < 2 or time.monotonic() - self._load_failed < LOAD_RETRY) or self._closed:
                return None
            if self._loader is None or not self._loader.is_alive():
                self._loader = threading.Thread(target=self._load_numbers, name="foiasearch-ordinals", daemon=True)
                self._loader.start()
            loader = self._loader
        if not wait:
            return None
        loader.join()
        ords = self._ordinals
        return ords if ords is not None and ords.generation >= self._generation else None

    def _load_numbers(self) -> None:
        """Read the current generation's facet keys in one snapshot (the loader thread)."""
        try:
            with self._connection() as conn:
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                # not waiting for ever on a locked table: the next search tries again
                conn.execute("SELECT set_config('statement_timeout', %s, true)", [LOAD_TIMEOUT])
                from foiasearch.search.postgres.ordinals import Ordinals

                ords = Ordinals.load(conn)
        except Exception as exc:  # the server gone or busy: searches count in SQL meanwhile
            self._load_failed = time.monotonic()
            log.warning("foiasearch: facet counts in SQL for %.0f s: reading the documents' facet keys failed: %s",
                        LOAD_RETRY, one_line(exc))
            return
        with self._ordinals_lock:
            if self._ordinals is None or ords.generation > self._ordinals.generation:
                self._ordinals = ords

    def _text_matches(self, sel: _Selection) -> bytes | None:
        """The numbers of the documents matching ``sel``'s words (packed: search.postgres.ordinals),
        remembered for the generation like any statement over matches."""
        return self._matching(f"SELECT {PACKED.format('d.num')} FROM documents d WHERE {sel.text.where}",
                              sel.text.params)[0][0]

    def _leaf(self, leaf: Leaf, ords: Ordinals) -> np.ndarray:
        """The documents matching one condition of words, kept for the generation:
        a site's queries share words ("X OR agency" and "Y OR agency"), and each
        word's matches are read from their rows once, not once per query."""
        key = (ords.generation, leaf.sql, repr(leaf.params))  # params may hold lists
        with self._remembered_lock:
            if key in self._leaves:
                self._leaves.move_to_end(key)
                return self._leaves[key]
        relation = "documents" if OTHER_COLUMN.search(leaf.sql) else self._words  # words alone: the narrow heap
        mask = ords.mask_of(self._rows(f"SELECT {PACKED.format('d.num')} FROM {relation} d WHERE {leaf.sql}",
                                       leaf.params, matching=True)[0][0])
        with self._remembered_lock:
            self._leaves[key] = mask
            while (len(self._leaves) > LEAVES or sum(m.nbytes for m in self._leaves.values()) > LEAF_BYTES
                   or (self._leaves and next(iter(self._leaves))[0] < ords.generation)):
                self._leaves.popitem(last=False)
        return mask

    def _matches(self, tree, ords: Ordinals) -> np.ndarray:
        if isinstance(tree, Leaf):
            return self._leaf(tree, ords)
        if tree[0] == "not":
            return ords.present & ~self._matches(tree[1], ords)
        masks = [self._matches(t, ords) for t in tree[1]]
        return ords.all_of(masks) if tree[0] == "and" else ords.any_mask(masks)

    def _mask(self, sel: _Selection, ords: Ordinals, leave_out: str | None = None) -> np.ndarray:
        """The documents matching ``sel`` (its facet selection ``leave_out`` left out) in ``ords``;
        made once per selection: its count, page and facets use it (callers never change it)."""
        key = (ords.generation, leave_out)
        if key in sel.masks:
            return sel.masks[key]
        if sel.text.where == "TRUE" or sel.tree is None:
            mask = ords.everything()
        elif sel.tree != OPAQUE:
            mask = self._matches(sel.tree, ords) & ords.present
        else:
            mask = ords.mask_of(self._text_matches(sel))
        if sel.hidden:
            mask &= ~ords.any_of(sel.hidden)
        for name, keys in filter_keys(sel.query.filters, leave_out):
            mask &= ords.any_of(keys)
        sel.masks[key] = mask
        return mask

    # -- searching -------------------------------------------------------------------
    def check(self, query: Query) -> Query:
        self._select(query)
        return query

    def search(self, query: Query, facets: bool = False, facet_limit: int | None = None,
               suggest: bool = False) -> Results:
        self._searches += 1
        sel = self._selection(query)
        offset = (query.page - 1) * query.per_page
        total = self._count(sel, matches=facets)
        rows = self._page(sel, total, query.per_page, offset) if total > offset else []
        results = Results(query, total, self._hits(sel, rows), all_words_total=sel.strict_total)
        if facets:
            results.facets, results.facet_totals = self._facets(sel, total, facet_limit)
        if suggest and query.text.strip() and (total == 0 or results.all_words_total == 0):
            suggestion = self._suggest(query.text)
            # Only a suggestion that finds a document the asker may see (its words come from one).
            if suggestion and self._count(_Selection(Query(suggestion, hidden_collections=query.hidden_collections))):
                results.suggestion = suggestion
        return results

    def _count(self, sel: _Selection, matches: bool = False) -> int:
        """Documents matching ``sel``: from the numbers of its matches when they
        are wanted (``matches``) or already read, else counted in SQL (a count
        skips the rows of all-visible pages, the numbers are read from them)."""
        if sel.everything:
            return self._all_documents()
        if matches or sel.tree != OPAQUE:  # words: from their kept matches
            ords = self._numbers()
            if ords is not None:
                return int(self._mask(sel, ords).sum())
        return self._matching(f"SELECT count(*) FROM documents d WHERE {sel.where}", sel.params)[0][0]

    def _all_documents(self) -> int:
        """Documents in the index, as of the last :meth:`_refresh`."""
        if self._everyone is None:
            self._refresh()
        return self._everyone

    def _page(self, sel: _Selection, total: int, limit: int, offset: int) -> list[tuple]:
        """(id, kind, title, score) of one page of matches, in the query's order.

        Ranking reads each document's whole tsvector, so only a bounded set of
        candidates is ranked when there are more than CANDIDATES matches: the
        newest CANDIDATES matches whose titles, subjects, tags or actors
        (documents.head) match, and the newest CANDIDATES matches. Beyond the
        candidates' pages every match is ranked."""
        columns = f"{HIT_COLUMNS}, {sel.score} AS score"
        if sel.ranked and (total <= CANDIDATES or offset + limit > CANDIDATES or sel.best):
            return self._matching(f"SELECT {columns} FROM documents d WHERE {sel.where} ORDER BY {sel.order} "
                                  "LIMIT %s OFFSET %s", sel.score_params + sel.params + [limit, offset])
        newest = f"SELECT d.id FROM documents d WHERE {sel.where} ORDER BY {ORDER['newest']}"
        ords = self._numbers() if sel.ranked and sel.tree != OPAQUE else None
        if ords is not None:
            # The same candidates from the worker's arrays: no row is tested in SQL,
            # and the candidates' rows are read by number.
            where = self._mask(sel, ords)
            # head @@ (a || b) is head @@ a OR head @@ b: each word's head matches are kept.
            heads = where & ords.any_mask([self._leaf(Leaf(f"d.head @@ {q}", tuple(p)), ords)
                                           for q, p in sel.text.rank_parts])
            chosen = ords.union(ords.first(where, CANDIDATES), ords.first(heads, CANDIDATES))
            # The hidden collections tested again: a number stands for one document only while
            # the schema lives.
            return self._matching(f"SELECT {columns} FROM documents d WHERE d.num = ANY(%s) AND {sel.visible[0]} "
                                  f"ORDER BY {sel.order} LIMIT %s OFFSET %s",
                                  sel.score_params + [chosen.tolist()] + sel.visible[1] + [limit, offset])
        if (not sel.ranked and sel.order == ORDER["newest"] and sel.tree != OPAQUE
                and (ords := self._numbers()) is not None):
            # The newest first (the default order without words): the page's numbers from
            # the worker's arrays, its rows read by number. In SQL a rare facet value
            # walked the date index past every newer document (0.4 s at 100,000).
            nums = ords.first(self._mask(sel, ords), offset + limit)[offset:]
            return self._matching(f"SELECT {columns} FROM documents d WHERE d.num = ANY(%s) AND {sel.visible[0]} "
                                  f"ORDER BY {sel.order}", sel.score_params + [nums.tolist()] + sel.visible[1])
        if sel.ranked:
            # head first: tested row by row on the newest rows, it is in the row (schema
            # migration 5); the match itself is read from TOAST only for rows it passes.
            chosen = (f"({newest} LIMIT {CANDIDATES}) UNION (SELECT d.id FROM documents d WHERE d.head @@ "
                      f"{sel.text.rank} AND ({sel.where}) ORDER BY {ORDER['newest']} LIMIT {CANDIDATES})")
            chosen_params = sel.params + sel.text.rank_params + sel.params
            page, page_params = "LIMIT %s OFFSET %s", [limit, offset]
        else:  # the order needs no score: pick the page, then score its rows only
            chosen = f"SELECT d.id FROM documents d WHERE {sel.where} ORDER BY {sel.order} LIMIT %s OFFSET %s"
            chosen_params = sel.params + [limit, offset]
            page, page_params = "", []
        return self._matching(f"SELECT {columns} FROM documents d WHERE d.id IN ({chosen}) ORDER BY {sel.order} {page}",
                              sel.score_params + chosen_params + page_params)

    def _hits(self, sel: _Selection, rows: list[tuple]) -> list[Hit]:
        """Hits for rows of (id, kind, title, score): matching pages, then snippets with
        the documents' JSON (document_texts: out of the searched heap) in one statement."""
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
            text = f"ts_headline('{CONFIG}', left(coalesce(p.text, t.body), {SNIPPET_CHARS}), {sel.text.rank}, %s)"
            text_params = sel.text.rank_params + [HEADLINE]
        else:
            text, text_params = "left(coalesce(p.text, t.body), 240)", []
        found_texts = {doc_id: (snippet, data) for doc_id, snippet, data in self._rows(
            f"SELECT h.id, {text}, t.data FROM unnest(%s::text[], %s::int[]) AS h(id, page) "
            f"JOIN document_texts t ON t.id = h.id LEFT JOIN pages p ON p.doc_id = h.id AND p.number = h.page",
            text_params + [ids, best])}
        hits = []
        for (doc_id, kind, title, score), page in zip(rows, best):
            if doc_id not in found_texts:
                continue  # removed by a commit since the page was chosen
            snippet, data = found_texts[doc_id]
            doc = _document(data)
            snippet = " ".join((snippet or "").split())
            title = display_title(title or (os.path.basename(doc.paths[0]) if doc.paths else doc_id))
            hits.append(Hit(id=doc_id, title=title, kind=kind, paths=doc.paths, url=doc.url, date=doc.date,
                            matching_pages=pages.get(doc_id, []), snippet=snippet, score=float(score),
                            document=doc, snippet_page=page))
        if sel.best:
            flags = dict(self._rows(*sel.best.flags(ids)))
            for hit in hits:
                hit.missing = sel.best.missing(flags.get(hit.id, []))
        return hits

    def _facets(self, sel: _Selection, total: int,
                limit: int | None) -> tuple[dict[str, list[FacetValue]], dict[str, int]]:
        """Counts per facet value: OR within a facet, AND across. A facet with a
        selection is counted without it (its other values stay on offer).
        Each list cut to ``limit`` as search.api.cut_facets cuts it (the
        selected values past the limit keep their counts), with the number
        of values each cut facet had."""
        selected = sorted(n for n, v in sel.query.filters.items() if any(x.strip() for x in v))
        counted: dict[str, list[FacetValue]] = {name: [] for name in FACET_NAMES}
        ords = self._numbers()
        if ords is not None:
            groups = [(self._mask(sel, ords), [n for n in FACET_NAMES if n not in selected])]
            groups += [(self._mask(sel, ords, leave_out=name), [name]) for name in selected]
            totals: dict[str, int] = {}
            for mask, names in groups:
                counts = ords.counts(mask)
                for name in names:  # only the values shown are made (an actor facet has some 10,000)
                    cut = None if name in UNCUT_FACETS else limit
                    keep = {v.strip().lower() for v in sel.query.filters.get(name, [])}
                    counted[name], found = ords.ranked(counts, name, cut, keep)
                    if cut and found > cut:
                        totals[name] = found
            return counted, totals
        groups = [(sel.where, sel.params, [n for n in FACET_NAMES if n not in selected], total)]
        groups += [(*sel.without(name), [name], None) for name in selected]
        for where, params, names, matched in groups:
            for facet, value, key, type_, count in self._key_counts(where, params, names, matched):
                counted[facet].append(FacetValue(value, count, key, type_))
        for name, values in counted.items():
            if name == "year":
                values.sort(key=lambda v: v.value, reverse=True)
            else:
                values.sort(key=lambda v: (-v.count, v.value.lower()))
        return counted, cut_facets(counted, limit, sel.query.filters)

    def _key_counts(self, where: str, params: list, names: list[str], matched: int | None) -> list[tuple]:
        """(facet, value, key, type, documents) of the facets ``names`` over the
        documents matching ``where`` (``matched`` of them, if known)."""
        return self._matching(
            f"SELECT l.facet, l.value, substr(l.key, length(l.facet) + 2), l.type, c.n "
            f"FROM ({self._counts(where, params, matched)}) c JOIN facet_labels l ON l.key = c.key "
            "WHERE c.n > 0 AND l.facet = ANY(%s)", params + [names])

    def _counts(self, where: str, params: list, matched: int | None) -> str:
        """SQL for (key, n) over the documents matching ``where``: n documents
        per facet key ('facet:key'), n pages per exemption ('page:key').

        Each match's keys are counted from documents.fkeys and epages. When
        most of the index matches, the few documents that do not are counted
        instead and taken from the counts of the whole index (facet_counts,
        kept by triggers): the front page and a common word cost what their
        complement costs."""
        everyone = self._all_documents()
        if where == EVERYTHING:
            return "SELECT c.key, c.n FROM facet_counts c"
        if matched is None:
            matched = self._matching(f"SELECT count(*) FROM documents d WHERE {where}", params)[0][0]
        if matched * 2 <= everyone:
            return f"SELECT k AS key, count(*) AS n FROM documents d, unnest(d.fkeys || d.epages) k WHERE {where} GROUP BY k"
        # NOT EXISTS, not NOT IN: NOT IN can only hash its subquery if every id
        # fits in work_mem; past that (about 100,000 documents) it rescans the
        # matches once per document, and a common word's facets ran for hours.
        # NOT EXISTS is an anti join, which hashes in batches at any size.
        return (f"SELECT c.key, c.n - coalesce(o.n, 0) AS n FROM facet_counts c LEFT JOIN "
                f"(SELECT k AS key, count(*) AS n FROM documents o, unnest(o.fkeys || o.epages) k WHERE NOT EXISTS "
                f"(SELECT 1 FROM documents d WHERE d.id = o.id AND ({where})) GROUP BY k) o ON o.key = c.key "
                f"WHERE c.key <> ''")

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
        self._refresh()
        ords = self._numbers()
        if ords is not None:
            counts = ords.found(ords.counts(self._mask(sel, ords, leave_out=facet)))
        else:
            counts = dict(self._matching(f"SELECT c.key, c.n FROM ({self._counts(where, params, None)}) c "
                                         "WHERE c.key LIKE 'exemption:%%' OR c.key LIKE 'page:%%'", params))
        cited = [key.split(":", 1)[1] for key, n in counts.items() if key.startswith("exemption:") and n > 0]
        return {key: counts.get(f"page:{key}", 0) for key in cited}  # a cited exemption on no page: 0

    def stream(self, query: Query) -> "PostgresStream":
        return PostgresStream(self, self._selection(query))

    # -- documents -------------------------------------------------------------------
    def document(self, doc_id: str, with_text: bool = True) -> Document | None:
        rows = self._rows("SELECT data FROM document_texts WHERE id = %s", [doc_id])
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

    def originals_in_place(self, doc_ids: Iterable[str]) -> set[str]:
        """:meth:`has_original` for many documents, their files' records read in one statement."""
        wanted = list(dict.fromkeys(doc_ids))
        if not wanted or not self.location.url:
            return {doc_id for doc_id in wanted if self.has_original(doc_id)}
        rows = self._rows("SELECT d.doc_id, f.path, f.size, f.mtime_ns FROM file_docs d JOIN files f ON f.path = d.path "
                          "WHERE d.doc_id = ANY(%s) AND f.status = 'indexed'", [wanted])
        return {doc_id for doc_id, path, size, mtime_ns in rows if in_place(_path(path), size, mtime_ns)}

    def open_original(self, doc_id: str) -> Original | None:
        """The first recorded file still exactly as indexed (index.originals), opened."""
        manifest = self._manifest()
        try:
            return open_original(manifest, doc_id)
        finally:
            manifest.close()

    def _manifest(self):
        """The manifest of files: in the database for a URL (read through this
        backend's pool: a connection per search page's release was 10-20 ms),
        else the folder's store."""
        if self.location.url:
            return _PooledManifest(self)
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
        order = "l.key DESC" if name == "year" else "c.n DESC, lower(l.value)"
        rows = self._rows(
            "SELECT substr(l.key, length(l.facet) + 2), l.value, l.type, c.n FROM facet_labels l "
            "JOIN facet_counts c ON c.key = l.key "
            f"WHERE l.facet = %s AND c.n > 0 AND (%s::text IS NULL OR l.type = %s) ORDER BY {order} LIMIT %s",
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
        return _fingerprint(self, *self._refresh())

    def close(self) -> None:
        with self._ordinals_lock:
            self._closed = True
            loader = self._loader
        if loader is not None:
            loader.join(LOAD_WAIT)  # its connection goes back to the pool before the pool closes
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


class _PooledManifest(PostgresStore):
    """The database's manifest, read through a backend's connection pool."""

    def __init__(self, backend: PostgresBackend) -> None:  # no connection of its own
        self.target, self._backend = backend.target, backend
        self._files, self._docs, self._meta = {}, {}, {}

    def _rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        return self._backend._rows(sql, params)

    def close(self) -> None:
        pass


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
