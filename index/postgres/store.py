"""The manifest of files and the staging of documents for an index in
PostgreSQL (``--index postgresql://...``): what index.store.DocumentStore
does in a folder, shared by every indexer that writes to the database.

Changes are held in this process until :meth:`PostgresStore.commit`, which
the indexer calls after the writer's commit (index.build): the manifest never
says a file is indexed before its documents are searchable, so a run that
dies loses nothing committed and the next run redoes the rest. Documents are
handed to the writer from here and read back from the ``documents`` table.

>>> # store = PostgresStore(IndexLocation.resolve("postgresql://me@db/foia"))
>>> # store.put_file(record, [doc.id]); store.commit()
"""

from __future__ import annotations

import bisect
import json
import os
import random
import time
from collections.abc import Iterable, Iterator

import psycopg

from foiasearch.index.location import IndexLocation
from foiasearch.index.postgres.records import clean
from foiasearch.index.postgres.schema import connect, ensure_schema, lost_connection, target_of
from foiasearch.index.postgres.writer import RETRIES, TRANSIENT
from foiasearch.index.store import FileRecord, _key, _path
from foiasearch.ingest.document import Document, Page

COLUMNS = "path, display, size, mtime_ns, sha256, status, reason, updated_at"
# A manifest lookup reads this many files of the folder at once (the next
# ones in the walk's sorted order): one round trip per folder and commit
# instead of two per file, which under load cost more wall time than the
# indexer's own CPU.
SNAPSHOT_FILES = 500
SNAPSHOT_LIMIT = 8 * SNAPSHOT_FILES  # entries kept before the cache starts again
LINKED = "SELECT d.doc_id, f.path, f.display FROM file_docs d JOIN files f ON f.path = d.path WHERE d.doc_id = ANY(%s)"
SNAPSHOT = f"""
SELECT k.path, {', '.join('f.' + c for c in COLUMNS.split(', ')[1:])},
       array(SELECT d.doc_id FROM file_docs d WHERE d.path = k.path)
FROM unnest(%s::text[]) k(path) LEFT JOIN files f ON f.path = k.path
"""


def _record(row) -> FileRecord:
    record = FileRecord(*row)
    record.path, record.display = _path(record.path), _path(record.display)
    return record


class PostgresStore:
    """The DocumentStore interface the indexer and the search backend use, in PostgreSQL."""

    _snapshots = False  # a reader (the site) may live for days: it asks the database each time

    def __init__(self, location: IndexLocation, readonly: bool = False) -> None:
        self.target = target_of(location)
        if not readonly:
            ensure_schema(self.target)
        self.db = connect(self.target, autocommit=True)
        self._files: dict[str, tuple[FileRecord | None, list[str] | None]] = {}  # key -> (record|None: removed, links)
        self._docs: dict[str, Document | None] = {}
        self._meta: dict[str, str] = {}
        # Committed (record, links) of paths read since the last commit, a
        # folder's next SNAPSHOT_FILES at a time; a commit forgets them, and so
        # does reaching SNAPSHOT_LIMIT (a re-index's first pass over every file
        # commits only at its end). Records may be up to one commit old: an
        # unchanged file is skipped on them; a file about to be re-linked asks
        # for its current links (doc_ids_of), so another indexer's newer
        # document is not left without files.
        self._snapshot: dict[str, tuple[FileRecord | None, list[str]]] = {}
        self._listings: dict[str, list[str]] = {}  # folder -> its entries' names, sorted
        self._snapshots = not readonly
        self._unsettled: dict[str, Document] = {}  # documents given out with only their pending paths
        self._linking: dict[str, set[str]] = {}  # doc id -> keys of pending files that linked to it

    def _rows(self, sql: str, params: Iterable = ()) -> list[tuple]:
        try:
            return self.db.execute(sql, list(params)).fetchall()
        except psycopg.OperationalError as exc:
            raise lost_connection(self.target, exc) from exc

    def close(self) -> None:
        self.db.close()

    # -- files -------------------------------------------------------------------------
    def _committed(self, path: str) -> tuple[FileRecord | None, list[str]]:
        """The manifest's record and document ids of ``path``, read with the
        next SNAPSHOT_FILES files of its folder (the indexer asks in that order)."""
        key = _key(path)
        if not self._snapshots:
            return self._current(key)
        if key not in self._snapshot:
            if len(self._snapshot) >= SNAPSHOT_LIMIT:
                self._snapshot.clear()  # only a cache: bounded memory on a large re-index
            folder, name = os.path.split(path)
            if folder not in self._listings:
                try:
                    self._listings[folder] = sorted(e.name for e in os.scandir(folder or "."))
                except OSError:
                    self._listings[folder] = []
            names = self._listings[folder]
            start = bisect.bisect_left(names, name)
            keys = {key, *(_key(os.path.join(folder, n)) for n in names[start:start + SNAPSHOT_FILES])}
            for row in self._rows(SNAPSHOT, [sorted(keys)]):
                self._snapshot[row[0]] = (_record(row[:-1]) if row[1] is not None else None, row[-1])
        return self._snapshot[key]

    def get_file(self, path: str) -> FileRecord | None:
        key = _key(path)
        if key in self._files:
            return self._files[key][0]
        return self._committed(path)[0]

    def files_under(self, root: str) -> list[str]:
        root = _key(root)
        prefix = root.rstrip("/") + "/"
        found = {r[0] for r in self._rows("SELECT path FROM files WHERE path = %s OR left(path, %s) = %s",
                                          [root, len(prefix), prefix])}
        for key, (record, _) in self._files.items():
            if record is None:
                found.discard(key)
            elif key == root or key.startswith(prefix):
                found.add(key)
        return [_path(k) for k in found]

    def put_file(self, record: FileRecord, doc_ids: Iterable[str] | None) -> None:
        key = _key(record.path)
        links = list(doc_ids) if doc_ids is not None else self._files.get(key, (None, None))[1]
        self._files[key] = (record, links)
        for doc_id in links or ():
            self._linking.setdefault(doc_id, set()).add(key)

    def remove_file(self, path: str) -> list[str]:
        ids = self.doc_ids_of(path)
        self._files[_key(path)] = (None, [])
        return ids

    def _current(self, key: str) -> tuple[FileRecord | None, list[str]]:
        """One file's record and document ids as they are now (one query)."""
        rows = self._rows(SNAPSHOT, [[key]])
        return _record(rows[0][:-1]) if rows[0][1] is not None else None, rows[0][-1]

    def doc_ids_of(self, path: str, current: bool = True) -> list[str]:
        """``current``: a known file's links as they are now, not as they were
        at its folder's read (another indexer may have linked it since): a
        query per file; without it, the folder's read answers."""
        key = _key(path)
        if key in self._files and self._files[key][1] is not None:
            return list(self._files[key][1])
        links = self._committed(path)[1]
        if links and current and self._snapshots:
            links = self._current(key)[1]
        return list(links)

    def paths_of(self, doc_id: str) -> list[str]:
        """Display paths of the files a document came from (committed and pending)."""
        rows = self._rows(LINKED, [[doc_id]])
        return self._shown(doc_id, [(path, display) for _, path, display in rows])

    def _pending_paths(self, doc_id: str) -> dict[str, str]:
        """Pending files linked to ``doc_id``: their keys and display paths."""
        found = {}
        for key in self._linking.get(doc_id, ()):  # a superset: a file's links may have changed since
            record, links = self._files[key]
            if record is not None and links and doc_id in links:
                found[key] = _key(record.display)
        return found

    def _shown(self, doc_id: str, committed: Iterable[tuple[str, str]]) -> list[str]:
        shown = {path: display for path, display in committed if path not in self._files}
        shown.update(self._pending_paths(doc_id))
        return sorted(_path(d) for d in shown.values())

    def settle(self) -> None:
        """Complete the paths of the documents get_document gave out since the
        last call with their committed files, in one round trip for all
        (index.build calls this before the writer's commit, which reads them)."""
        if not self._unsettled:
            return
        committed: dict[str, list[tuple[str, str]]] = {doc_id: [] for doc_id in self._unsettled}
        for doc_id, path, display in self._rows(LINKED, [sorted(committed)]):
            committed[doc_id].append((path, display))
        for doc_id, doc in self._unsettled.items():
            doc.paths = self._shown(doc_id, committed[doc_id])
        self._unsettled.clear()

    def file_paths_of(self, doc_id: str) -> list[str]:
        rows = self._rows("SELECT f.path FROM file_docs d JOIN files f ON f.path = d.path "
                          "WHERE d.doc_id = %s AND f.status = 'indexed' ORDER BY f.display", [doc_id])
        return [_path(r[0]) for r in rows]

    def failures(self) -> list[FileRecord]:
        return [_record(r) for r in self._rows(f"SELECT {COLUMNS} FROM files WHERE status = 'failed' ORDER BY display")]

    def file_counts(self) -> dict[str, int]:
        return dict(self._rows("SELECT status, count(*) FROM files GROUP BY status"))

    # -- documents -----------------------------------------------------------------------
    def put_document(self, doc: Document) -> None:
        self._docs[doc.id] = doc

    def delete_document(self, doc_id: str) -> None:
        self._docs[doc_id] = None  # the writer removes its rows

    def get_document(self, doc_id: str, with_pages: bool = True) -> Document | None:
        if doc_id in self._docs:
            doc = self._docs[doc_id]
            pending = self._pending_paths(doc_id) if doc is not None else None
            if pending:
                # Files recorded in this run name it: that is enough to
                # write it; settle() adds its other files before the commit,
                # for all such documents at once (a round trip each cost more
                # wall time under load than the indexer's CPU).
                doc.paths = sorted(_path(d) for d in pending.values())
                self._unsettled[doc_id] = doc
                return doc
        else:
            rows = self._rows("SELECT data FROM document_texts WHERE id = %s", [doc_id])
            if not rows:
                return None
            doc = Document.from_dict(rows[0][0])
            if with_pages:
                doc.pages = list(self.iter_pages(doc_id))
        if doc is not None:
            doc.paths = self.paths_of(doc_id)
        return doc

    def iter_pages(self, doc_id: str, numbers: Iterable[int] | None = None) -> Iterator[Page]:
        rows = self._rows("SELECT text, meta FROM pages WHERE doc_id = %s AND (%s::int[] IS NULL OR number = ANY(%s)) "
                          "ORDER BY number", [doc_id, numbers and list(numbers), numbers and list(numbers)])
        for text, meta in rows:
            yield Page(text=text, **meta)

    def all_document_ids(self) -> list[str]:
        return [r[0] for r in self._rows("SELECT id FROM documents")]

    def orphan_document_ids(self) -> list[str]:
        """None: with several indexers, a document whose files another
        indexer is about to record is not an orphan. Documents of removed
        files are removed through remove_file."""
        return []

    def documents_older_than(self, version: int) -> list[str]:
        """Ids of the documents made by an extractor older than ``version`` (index.store)."""
        return [r[0] for r in self._rows(
            "SELECT id FROM document_texts WHERE coalesce((data->>'extractor')::int, 0) < %s", [version])]

    def page_meta(self, doc_id: str) -> list[Page]:
        return [Page(text="", **meta) for (meta,) in self._rows(
            "SELECT meta FROM pages WHERE doc_id = %s ORDER BY number", [doc_id])]

    def ocr_confidences(self) -> list[float | None]:
        return [r[0] for r in self._rows(
            "SELECT (meta->>'ocr_confidence')::float FROM pages WHERE (meta->>'ocr')::boolean")]

    def document_counts(self) -> dict[str, tuple[int, int]]:
        return {k: (n, p or 0) for k, n, p in self._rows(
            "SELECT kind, count(*), sum(page_count)::int FROM documents GROUP BY kind")}

    def pages_needing_ocr(self) -> list[tuple[str, int]]:
        return [(d, n) for d, n in self._rows("SELECT doc_id, number FROM pages WHERE (meta->>'needs_ocr')::boolean")]

    # -- meta --------------------------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        self._meta[key] = value

    def get_meta(self, key: str) -> str | None:
        if key in self._meta:
            return self._meta[key]
        rows = self._rows("SELECT value FROM meta WHERE key = %s", [key])
        return rows[0][0] if rows else None

    def commit(self) -> None:
        """Write the pending manifest in one short transaction (retried on conflicts)."""
        if not (self._files or self._meta):
            self._forget()
            return
        for attempt in range(RETRIES):
            try:
                self._write()
                break
            except TRANSIENT:
                if attempt == RETRIES - 1:
                    raise
                time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))
            except psycopg.OperationalError as exc:
                raise lost_connection(self.target, exc) from exc
        self._forget()

    def _forget(self) -> None:
        """Drop what was pending (now committed) and what was read before the commit."""
        for held in (self._files, self._docs, self._meta, self._snapshot, self._unsettled, self._linking):
            held.clear()

    def _write(self) -> None:
        with self.db.transaction(), self.db.cursor() as cur:
            keys = sorted(self._files)
            gone = [k for k in keys if self._files[k][0] is None]
            kept = [(k, *self._files[k]) for k in keys if self._files[k][0] is not None]
            cur.execute("DELETE FROM files WHERE path = ANY(%s)", (gone,))
            cur.execute("DELETE FROM file_docs WHERE path = ANY(%s)", (gone,))
            cur.executemany(
                f"INSERT INTO files ({COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (path) DO UPDATE "
                "SET display = EXCLUDED.display, size = EXCLUDED.size, mtime_ns = EXCLUDED.mtime_ns, "
                "sha256 = EXCLUDED.sha256, status = EXCLUDED.status, reason = EXCLUDED.reason, "
                "updated_at = EXCLUDED.updated_at",
                [(k, _key(r.display), r.size, r.mtime_ns, r.sha256, r.status, clean(r.reason), r.updated_at)
                 for k, r, _ in kept])
            relinked = [k for k, _, links in kept if links is not None]
            cur.execute("DELETE FROM file_docs WHERE path = ANY(%s)", (relinked,))
            cur.executemany("INSERT INTO file_docs VALUES (%s, %s) ON CONFLICT DO NOTHING",
                            [(k, d) for k, _, links in kept if links is not None for d in links])
            cur.executemany("INSERT INTO meta VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                            sorted(self._meta.items()))
