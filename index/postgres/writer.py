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
from foiasearch.index.postgres.schema import CONFIG, DatabaseUnavailable, connect, ensure_schema, target_of
from foiasearch.ingest.document import Document, IngestResult

RETRIES = 8
TRANSIENT = (errors.DeadlockDetected, errors.SerializationFailure, errors.LockNotAvailable)

INSERT_DOCUMENT = f"""
INSERT INTO documents (id, kind, title, date, sort_date, page_count, data, body, author, path, sender,
                       recipient, subject, url, fkeys, bates, tsv, updated_at)
VALUES (%(id)s, %(kind)s, %(title)s, %(date)s, %(sort_date)s, %(page_count)s, %(data)s::jsonb, %(body)s,
        %(author)s, %(path)s, %(sender)s, %(recipient)s, %(subject)s, %(url)s, %(fkeys)s, %(bates)s,
        setweight(to_tsvector('{CONFIG}', %(title)s::text || ' ' || %(subject)s::text), 'A')
        || setweight(to_tsvector('{CONFIG}', %(names)s::text), 'B')
        || setweight(to_tsvector('{CONFIG}', %(indexed)s::text), 'D'),
        now())
"""
INSERT_PAGE = f"""
INSERT INTO pages (doc_id, number, text, meta, exemptions, bates, tsv)
VALUES (%(doc_id)s, %(number)s, %(text)s, %(meta)s::jsonb, %(exemptions)s, %(bates)s,
        CASE WHEN %(release)s THEN to_tsvector('{CONFIG}', left(%(text)s::text, {MAX_INDEXED})) END)
"""
VOCABULARY = """
INSERT INTO vocabulary (word)
SELECT DISTINCT w FROM documents d, unnest(tsvector_to_array(to_tsvector('simple', d.title || ' ' || left(d.body, %s)))) w
WHERE d.id = ANY(%s) AND length(w) BETWEEN 3 AND 30
ON CONFLICT DO NOTHING
"""


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
        self._changes: dict[str, Document | None] = {}  # doc id -> new version, None: remove

    @staticmethod
    def prepare(result: IngestResult) -> None:
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
        conflicts (``background_merge``: nothing to merge here)."""
        if not self._changes:
            return
        for attempt in range(RETRIES):
            try:
                self._write()
                self._changes.clear()
                return
            except TRANSIENT:
                if attempt == RETRIES - 1:
                    raise IndexWriteError(f"could not write to {self.target.display}: "
                                          f"conflicting writers, {RETRIES} attempts") from None
                time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
            except psycopg.OperationalError as exc:
                reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise DatabaseUnavailable(f"lost the connection to {self.target.display}: {reason}") from exc

    def _write(self) -> None:
        ids = sorted(self._changes)  # one order for every writer
        rows = [rows_for(self._changes[i]) for i in ids if self._changes[i] is not None]
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute("UPDATE state SET generation = generation + 1, last_updated = now() WHERE id = 1")
            cur.execute("DELETE FROM documents WHERE id = ANY(%s)", (ids,))
            if rows:
                cur.executemany(INSERT_DOCUMENT, [r[0] for r in rows])
                cur.executemany(INSERT_PAGE, [p for r in rows for p in r[1]])
                cur.executemany("INSERT INTO facet_values VALUES (%s, %s, %s, %s, %s)", [f for r in rows for f in r[2]])
                cur.execute(VOCABULARY, (MAX_INDEXED, [r[0]["id"] for r in rows]))

    def close(self) -> None:
        self.conn.close()
