"""The PostgreSQL backend's writer (index.backend.IndexWriter).

Changes are kept until :meth:`PostgresWriter.commit`, which writes them in
one short transaction: upserts keyed by the document's content hash, so two
indexers writing the same file leave one copy. Every commit first takes the
one-row ``state`` lock (and bumps the generation that fingerprints the
index), so concurrent commits queue instead of deadlocking; a deadlock or
serialization failure that still happens is retried with the same batch.

>>> # w = PostgresWriter(IndexLocation.resolve("postgresql://me@db/foia"))
>>> # w.replace(doc); w.commit(); w.close()
"""

from __future__ import annotations

import random
import time
from typing import Any

import psycopg
from psycopg import errors

from foiasearch.index.location import IndexLocation
from foiasearch.index.postgres.records import MAX_INDEXED, rows_for
from foiasearch.index.postgres.schema import (CONFIG, DatabaseUnavailable, connect, ensure_schema, lost_connection,
                                              target_of, tidy)
from foiasearch.ingest.document import Document, IngestResult

RETRIES = 8
TIDY_AFTER = 1000  # documents written in one run before close() tidies the tables (schema.tidy)
TRANSIENT = (errors.DeadlockDetected, errors.SerializationFailure, errors.LockNotAvailable)

# A commit's rows arrive by COPY in temporary tables of this connection, and
# one INSERT ... SELECT per table turns them into rows with their tsvectors:
# the text is parsed once, in the server, in bulk, and the statement-level
# triggers that keep facet_counts (schema migration 2) run once per commit.
# The text analysis (tsvectors, the JSON, the vocabulary's words) goes into
# more temporary tables before the commit takes the state lock: another
# indexer's commit then waits only for the inserts into the shared tables.
DOC_COLUMNS = ("id", "kind", "title", "date", "sort_date", "page_count", "data", "body", "author", "path", "sender",
               "recipient", "subject", "url", "fkeys", "epages", "bates", "names")
PAGE_COLUMNS = ("doc_id", "number", "text", "meta", "exemptions", "bates", "release")
STAGING = """
CREATE TEMPORARY TABLE IF NOT EXISTS incoming_documents (
    id text, kind text, title text, date timestamptz, sort_date timestamptz, page_count integer, data text,
    body text, author text, path text, sender text, recipient text, subject text, url text, fkeys text[],
    epages text[], bates text[], names text) ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS incoming_pages (
    doc_id text, number integer, text text, meta text, exemptions text[], bates text, release boolean)
    ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS ready_documents (LIKE documents INCLUDING DEFAULTS) ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS ready_texts (LIKE document_texts) ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS ready_pages (LIKE pages) ON COMMIT DELETE ROWS;
CREATE TEMPORARY TABLE IF NOT EXISTS ready_words (word text) ON COMMIT DELETE ROWS;
"""
# Temporary tables live in the session's own buffers (8MB by default): a
# commit's analysed rows are a few MB to a few tens of MB.
TEMP_BUFFERS = "64MB"
HEAD = f"setweight(to_tsvector('{CONFIG}', i.title || ' ' || i.subject), 'A') || setweight(to_tsvector('{CONFIG}', i.names), 'B')"
READY_COLUMNS = ("id, kind, title, date, sort_date, page_count, author, path, sender, "
                 "recipient, subject, url, fkeys, epages, bates, head, tsv, updated_at")
ANALYSE_DOCUMENTS = f"""
INSERT INTO ready_documents ({READY_COLUMNS})
SELECT i.id, i.kind, i.title, i.date, i.sort_date, i.page_count, i.author, i.path, i.sender,
       i.recipient, i.subject, i.url, i.fkeys, i.epages, i.bates, i.head,
       i.head || setweight(to_tsvector('{CONFIG}', left(i.body, {MAX_INDEXED})), 'D'), now()
FROM (SELECT *, {HEAD} AS head FROM incoming_documents i) i
"""
ANALYSE_TEXTS = "INSERT INTO ready_texts (id, data, body) SELECT id, data::jsonb, body FROM incoming_documents"
PAGE_READY = "doc_id, number, text, meta, exemptions, bates, tsv"
ANALYSE_PAGES = f"""
INSERT INTO ready_pages ({PAGE_READY})
SELECT doc_id, number, text, meta::jsonb, exemptions, bates,
       CASE WHEN release THEN to_tsvector('{CONFIG}', left(text, {MAX_INDEXED})) END
FROM incoming_pages
"""
LABELS = """
INSERT INTO facet_labels (key, facet, value, type)
SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[])
ON CONFLICT (key) DO UPDATE SET value = least(facet_labels.value, EXCLUDED.value),
                                type = least(facet_labels.type, EXCLUDED.type)
"""
ANALYSE_WORDS = """
INSERT INTO ready_words
SELECT DISTINCT w FROM incoming_documents i, unnest(tsvector_to_array(to_tsvector('simple', i.title || ' ' || left(i.body, %s)))) w
WHERE length(w) BETWEEN 3 AND 30
"""
# num: numbered once, in ready_documents (its default is documents' own sequence).
INSERT_DOCUMENTS = f"INSERT INTO documents ({READY_COLUMNS}, num) SELECT {READY_COLUMNS}, num FROM ready_documents"
INSERT_TEXTS = "INSERT INTO document_texts (id, data, body) SELECT id, data, body FROM ready_texts"
INSERT_PAGES = f"INSERT INTO pages ({PAGE_READY}) SELECT {PAGE_READY} FROM ready_pages"
VOCABULARY = "INSERT INTO vocabulary (word) SELECT word FROM ready_words ORDER BY word ON CONFLICT DO NOTHING"


class IndexWriteError(DatabaseUnavailable):
    """The database refused or lost a commit; one line for users."""


class PostgresWriter:
    """Buffers replace/remove calls; commit() writes them atomically."""

    def __init__(self, location: IndexLocation, rebuild: bool = False) -> None:
        # rebuild: nothing to do: PostgreSQL analyses text as it writes, and
        # every document written again replaces its rows.
        self.target = target_of(location)
        ensure_schema(self.target)
        self.conn = connect(self.target)
        with self.conn.transaction():  # before the session's first temporary table
            self.conn.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
        self._changes: dict[str, Document | None] = {}  # doc id -> new version, None: remove
        self.written = 0  # documents written or removed by this writer's commits
        self.completed = False  # a run's last commit went through (commit(background_merge=False))

    @staticmethod
    def prepare(result: IngestResult, paths: list[str] | None = None) -> None:
        """Nothing to do in extraction workers: PostgreSQL analyses the text."""
        return None

    def replace(self, doc: Document, prepared: dict[int, Any] | None = None) -> None:
        self._changes[doc.id] = doc

    def remove(self, doc_id: str) -> None:
        self._changes[doc_id] = None

    def cancel(self) -> None:
        self._changes.clear()

    def busy(self) -> bool:
        """Never: PostgreSQL maintains its indexes itself (autovacuum)."""
        return False

    def commit(self, background_merge: bool = True) -> None:
        """Write the buffered changes in one transaction, retrying transient
        conflicts. ``background_merge`` is False for a run's last commit
        (index.build): nothing to merge here, but only a run that got that far
        is tidied by :meth:`close` (an interrupted one is not kept waiting)."""
        self._write_changes()
        if not background_merge:
            self.completed = True

    def _write_changes(self) -> None:
        if not self._changes:
            return
        for attempt in range(RETRIES):
            try:
                self._write()
                self.written += len(self._changes)
                self._changes.clear()
                return
            except TRANSIENT:
                if attempt == RETRIES - 1:
                    raise IndexWriteError(f"could not write to {self.target.display}: "
                                          f"conflicting writers, {RETRIES} attempts") from None
                time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
            except psycopg.OperationalError as exc:
                raise lost_connection(self.target, exc) from exc

    def _write(self) -> None:
        ids = sorted(self._changes)  # one order for every writer
        rows = [rows_for(self._changes[i]) for i in ids if self._changes[i] is not None]
        with self.conn.transaction(), self.conn.cursor() as cur:
            if rows:
                cur.execute(STAGING)  # once per connection; again after a rolled-back first commit
                with cur.copy(f"COPY incoming_documents ({', '.join(DOC_COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[0][c] for c in DOC_COLUMNS])
                with cur.copy(f"COPY incoming_pages ({', '.join(PAGE_COLUMNS)}) FROM STDIN") as copy:
                    for page in (p for r in rows for p in r[1]):
                        copy.write_row([page[c] for c in PAGE_COLUMNS])
                for analyse in (ANALYSE_DOCUMENTS, ANALYSE_TEXTS, ANALYSE_PAGES):
                    cur.execute(analyse)
                cur.execute(ANALYSE_WORDS, (MAX_INDEXED,))
            # From here to the commit, other indexers' commits wait for this one.
            cur.execute("UPDATE state SET generation = generation + 1, last_updated = now() WHERE id = 1")
            cur.execute("DELETE FROM documents WHERE id = ANY(%s)", (ids,))
            if rows:
                for insert in (INSERT_DOCUMENTS, INSERT_TEXTS, INSERT_PAGES):  # document_words: by trigger (migration 8)
                    cur.execute(insert)
                labels: dict[str, tuple] = {}
                for _, facet, key, value, type_ in (f for r in rows for f in r[2]):
                    name = f"{facet}:{key}"
                    labels[name] = min(labels.get(name, (value, type_)), (value, type_), key=lambda v: v[0])
                keys = sorted(labels)
                cur.execute(LABELS, ([keys, [k.split(":", 1)[0] for k in keys], [labels[k][0] for k in keys],
                                      [labels[k][1] for k in keys]]))
                cur.execute(VOCABULARY)

    def close(self) -> None:
        """Close the connection; after a completed bulk run (TIDY_AFTER documents), VACUUM
        (ANALYZE) the tables, so that the first searches need not wait
        for autovacuum to set the visibility map (schema.tidy)."""
        self.conn.close()
        if self.completed and self.written >= TIDY_AFTER:
            try:
                tidy(self.target)
            except (psycopg.Error, DatabaseUnavailable):
                pass  # only an optimisation, which autovacuum makes later; never hide the run's own error
