"""The document store and file manifest: one SQLite database in the index dir.

Whoosh holds what is searched; this store holds what is shown and what is
needed to rebuild a Whoosh record without reading the file again: each
document's metadata (JSON) and each page's text (zlib-compressed), plus the
manifest of files seen (path, size, mtime, hash, outcome).

>>> import tempfile, pathlib
>>> store = DocumentStore(pathlib.Path(tempfile.mkdtemp()) / "store.db")
>>> store.get_document("nope") is None
True
"""

from __future__ import annotations

import json
import os
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from foiasearch.ingest.document import Document, Page

SCHEMA = """
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,      -- absolute path: the manifest key
    display TEXT NOT NULL,      -- the path as the user gave it
    size INTEGER, mtime_ns INTEGER, sha256 TEXT,
    status TEXT NOT NULL,       -- indexed | skipped | failed
    reason TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS file_docs (
    path TEXT NOT NULL, doc_id TEXT NOT NULL, PRIMARY KEY (path, doc_id)
);
CREATE INDEX IF NOT EXISTS file_docs_doc ON file_docs (doc_id);
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, page_count INTEGER NOT NULL,
    data BLOB NOT NULL          -- zlib(JSON of Document without page texts)
);
CREATE TABLE IF NOT EXISTS pages (
    doc_id TEXT NOT NULL, number INTEGER NOT NULL, text BLOB NOT NULL,
    meta TEXT NOT NULL,         -- JSON of the Page without its text
    PRIMARY KEY (doc_id, number)
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass
class FileRecord:
    path: str
    display: str
    size: int | None
    mtime_ns: int | None
    sha256: str | None
    status: str
    reason: str
    updated_at: str


# File names are bytes; Python keeps those that are not UTF-8 as lone
# surrogates (U+DC80-U+DCFF, "surrogateescape"), which SQLite's UTF-8 text
# refuses. The manifest stores them as the private-use characters
# U+F780-U+F7FF instead (same low byte), and turns them back on the way out,
# so the path still opens the file.
_TO_DB = {0xDC00 + b: 0xF700 + b for b in range(0x80, 0x100)}
_FROM_DB = {v: k for k, v in _TO_DB.items()}


def _key(path: str) -> str:
    """A path as manifest text.

    >>> _path(_key("bad\\udcff.pdf")) == "bad\\udcff.pdf", _key("ok.pdf")
    (True, 'ok.pdf')
    """
    return path.translate(_TO_DB) if not path.isascii() else path


def _path(key: str) -> str:
    """A manifest text back as the path."""
    return key.translate(_FROM_DB) if not key.isascii() else key


def _record(row) -> FileRecord:
    record = FileRecord(*row)
    record.path, record.display = _path(record.path), _path(record.display)
    return record


def _pack(text: str) -> bytes:
    # Level 1: 1.7x faster than 6 on page texts, 7% larger (issue 18); any
    # level reads back the same.
    return zlib.compress(text.encode("utf-8"), 1)


@dataclass
class Packed:
    """A document as the store keeps it (:func:`pack`): made in an
    extraction worker, it spares the single writer process the JSON and the
    compression (7% of its time at 20,000 files, issue 18).

    >>> doc = Document(kind="post", id="d1", pages=[Page(1, "Opt out.")])
    >>> packed = pack(doc)
    >>> (packed.id, packed.kind, [(number, _unpack(text)) for number, text, _ in packed.pages])
    ('d1', 'post', [(1, 'Opt out.')])
    """

    id: str
    kind: str
    data: bytes  # zlib(JSON of the Document without page texts)
    pages: list[tuple[int, bytes, str]]  # (number, zlib(text), JSON of the rest of the Page)


def pack(doc: Document) -> Packed:
    """``doc`` as the store's rows; ``doc.id`` (and anything else stored) must be final."""
    data = doc.to_dict()
    pages = data.pop("pages")
    return Packed(doc.id, doc.kind, _pack(json.dumps(data)),
                  [(p["number"], _pack(p.pop("text")), json.dumps(p)) for p in pages])


def _unpack(blob: bytes) -> str:
    return zlib.decompress(blob).decode("utf-8")


def _create(path: Path) -> None:
    """A new store at ``path`` with every table, or nothing there: written
    beside it, then linked into place. Created in place, a run killed
    between two of its tables left a store without "meta", on which every
    search of the web app failed (an indexer killed in its first second)."""
    # A unique name (a PID is reused in containers: a killed run's file, a
    # second name of a store linked into place, must never be reopened).
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{os.urandom(6).hex()}.new")
    try:
        db = sqlite3.connect(temporary)
        try:
            db.execute("PRAGMA journal_mode=WAL")  # kept in the file
            db.executescript(SCHEMA)
            db.commit()
        finally:
            db.close()
        try:
            os.link(temporary, path)  # never over a store another process created meanwhile
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: a rename, unless one appeared meanwhile
            if not path.exists():
                os.replace(temporary, path)
    finally:
        for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
            leftover.unlink(missing_ok=True)


class DocumentStore:
    """SQLite-backed store. One writer process; any number of readers (WAL)."""

    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        if readonly:
            uri = f"file:{path}?mode=ro"
            self.db = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=30)
        else:
            if not os.path.exists(path):
                _create(Path(path))
            self.db = sqlite3.connect(path, check_same_thread=False, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.executescript(SCHEMA)  # tables added since the store was created
            self.db.commit()
        # Documents put since the last commit, each given back as is by its
        # first get_document: the indexer hands every document it puts to
        # the search backend at once, and reading it back (SQL, zlib, JSON)
        # cost 3% of the writer process's time at 20,000 files (issue 18).
        self._fresh: dict[str, Document] = {}
        self._extractor: str | None = None  # the meta row, as this writer last set or read it

    def close(self) -> None:
        self.db.close()

    # -- files ---------------------------------------------------------
    def get_file(self, path: str) -> FileRecord | None:
        row = self.db.execute(
            "SELECT path, display, size, mtime_ns, sha256, status, reason, updated_at FROM files WHERE path=?",
            (_key(path),),
        ).fetchone()
        return _record(row) if row else None

    def files_under(self, root: str) -> list[str]:
        """Absolute paths recorded at or below ``root``."""
        root = _key(root)
        prefix = root.rstrip("/") + "/"
        rows = self.db.execute(
            "SELECT path FROM files WHERE path = ? OR substr(path, 1, ?) = ?",
            (root, len(prefix), prefix),
        )
        return [_path(r[0]) for r in rows]

    def put_file(self, record: FileRecord, doc_ids: Iterable[str] | None) -> None:
        """Record a file's outcome; ``doc_ids`` replaces its document links
        (None leaves them as they are)."""
        self.db.execute(
            "INSERT OR REPLACE INTO files VALUES (?,?,?,?,?,?,?,?)",
            (_key(record.path), _key(record.display), record.size, record.mtime_ns, record.sha256,
             record.status, record.reason, record.updated_at),
        )
        if doc_ids is not None:
            key = _key(record.path)
            self.db.execute("DELETE FROM file_docs WHERE path=?", (key,))
            self.db.executemany("INSERT OR IGNORE INTO file_docs VALUES (?,?)", [(key, d) for d in doc_ids])

    def remove_file(self, path: str) -> list[str]:
        """Forget a file; returns the ids of the documents it was linked to."""
        ids = self.doc_ids_of(path)
        self.db.execute("DELETE FROM files WHERE path=?", (_key(path),))
        self.db.execute("DELETE FROM file_docs WHERE path=?", (_key(path),))
        return ids

    def doc_ids_of(self, path: str, current: bool = True) -> list[str]:
        # ``current``: one process writes this store, so its links are always current.
        return [r[0] for r in self.db.execute("SELECT doc_id FROM file_docs WHERE path=?", (_key(path),))]

    def doc_ids_by_hash(self, sha256: str) -> list[str] | None:
        """Documents already made from a file with these bytes, if any."""
        row = self.db.execute(
            "SELECT path FROM files WHERE sha256=? AND status='indexed' LIMIT 1", (sha256,)
        ).fetchone()
        return self.doc_ids_of(_path(row[0])) if row else None

    def paths_of(self, doc_id: str) -> list[str]:
        """Display paths of the files a document came from."""
        rows = self.db.execute(
            "SELECT f.display FROM file_docs d JOIN files f ON f.path = d.path WHERE d.doc_id=? ORDER BY f.display",
            (doc_id,),
        )
        return [_path(r[0]) for r in rows]

    def file_paths_of(self, doc_id: str) -> list[str]:
        """Absolute paths of the indexed files a document came from (the
        only files the web app will serve as the document's original)."""
        rows = self.db.execute(
            "SELECT f.path FROM file_docs d JOIN files f ON f.path = d.path "
            "WHERE d.doc_id=? AND f.status='indexed' ORDER BY f.display",
            (doc_id,),
        )
        return [_path(r[0]) for r in rows]

    def failures(self) -> list[FileRecord]:
        rows = self.db.execute(
            "SELECT path, display, size, mtime_ns, sha256, status, reason, updated_at FROM files "
            "WHERE status='failed' ORDER BY display"
        )
        return [_record(r) for r in rows]

    def file_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, count(*) FROM files GROUP BY status").fetchall())

    # -- documents -----------------------------------------------------
    def put_document(self, doc: Document, packed: Packed | None = None, keep: bool = False) -> None:
        """Store ``doc``. ``packed`` is :func:`pack` of ``doc`` as it is
        stored, if already made (rows made for another id are ignored).
        With ``keep``, the next :meth:`get_document` of it before the commit
        gives ``doc`` back without reading it (the indexer reads each
        document back at once; a bulk rewrite such as ``reanalyze`` keeps
        nothing, or it would hold the whole corpus until its commit)."""
        if self._extractor is None:
            self._extractor = self.get_meta("extractor_version") or ""
        if str(doc.extractor) != self._extractor:
            self.db.execute("DELETE FROM meta WHERE key='extractor_version'")  # check every document again
            self._extractor = ""
        if packed is None or packed.id != doc.id:
            packed = pack(doc)
        self.db.execute("INSERT OR REPLACE INTO documents VALUES (?,?,?,?)",
                        (doc.id, packed.kind, len(packed.pages), packed.data))
        self.db.execute("DELETE FROM pages WHERE doc_id=?", (doc.id,))
        self.db.executemany("INSERT INTO pages VALUES (?,?,?,?)",
                            [(doc.id, number, text, meta) for number, text, meta in packed.pages])
        if keep:
            self._fresh[doc.id] = doc
        else:
            self._fresh.pop(doc.id, None)

    def delete_document(self, doc_id: str) -> None:
        self._fresh.pop(doc_id, None)
        self.db.execute("DELETE FROM documents WHERE id=?", (doc_id,))
        self.db.execute("DELETE FROM pages WHERE doc_id=?", (doc_id,))

    def get_document(self, doc_id: str, with_pages: bool = True) -> Document | None:
        """The stored document, its pages (if asked) and its current paths."""
        fresh = self._fresh.pop(doc_id, None) if with_pages else None
        if fresh is not None:
            fresh.paths = self.paths_of(doc_id)
            return fresh
        row = self.db.execute("SELECT data FROM documents WHERE id=?", (doc_id,)).fetchone()
        if row is None:
            return None
        data = json.loads(_unpack(row[0]))
        data["pages"] = []
        doc = Document.from_dict(data)
        if with_pages:
            doc.pages = list(self.iter_pages(doc_id))
        doc.paths = self.paths_of(doc_id)
        return doc

    def iter_pages(self, doc_id: str, numbers: Iterable[int] | None = None) -> Iterator[Page]:
        if numbers is None:
            rows = self.db.execute("SELECT text, meta FROM pages WHERE doc_id=? ORDER BY number", (doc_id,))
        else:
            wanted = sorted(set(numbers))
            marks = ",".join("?" * len(wanted))
            rows = self.db.execute(
                f"SELECT text, meta FROM pages WHERE doc_id=? AND number IN ({marks}) ORDER BY number",
                (doc_id, *wanted),
            )
        for text, meta in rows:
            yield Page(text=_unpack(text), **json.loads(meta))

    def version(self) -> int:
        """A number that changes whenever another connection commits to this
        store (SQLite's ``PRAGMA data_version``; not this connection's own
        commits): readers key what they keep of the store on it, so a
        re-extracted document, refreshed actors or a moved file are never
        shown from before the change.

        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "store.db"
        >>> writer, reader = DocumentStore(path), DocumentStore(path, readonly=True)
        >>> before = reader.version()
        >>> writer.set_meta("k", "v"); writer.commit()
        >>> reader.version() != before
        True
        """
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def page_meta(self, doc_id: str) -> list[Page]:
        """A document's pages without their texts (``text`` is ""): the
        per-page exemptions, Bates numbers and OCR flags, no decompression."""
        rows = self.db.execute("SELECT meta FROM pages WHERE doc_id=? ORDER BY number", (doc_id,))
        return [Page(text="", **json.loads(meta)) for (meta,) in rows]

    def all_document_ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM documents")]

    def orphan_document_ids(self) -> list[str]:
        """Documents no file links to any more (e.g. after a crash mid-run)."""
        rows = self.db.execute(
            "SELECT id FROM documents WHERE id NOT IN (SELECT doc_id FROM file_docs)"
        )
        return [r[0] for r in rows]

    def documents_older_than(self, version: int) -> list[str]:
        """Ids of the documents made by an extractor older than ``version``
        (``Document.extractor``; 0 for documents stored before it was kept)."""
        if self.get_meta("extractor_version") == str(version):
            return []  # the last full check found none: skip reading every document
        stale = [doc_id for doc_id, data in self.db.execute("SELECT id, data FROM documents")
                 if json.loads(_unpack(data)).get("extractor", 0) < version]
        if not stale:
            self.set_meta("extractor_version", str(version))
        return stale

    def document_counts(self) -> dict[str, tuple[int, int]]:
        """kind -> (documents, pages)."""
        rows = self.db.execute("SELECT kind, count(*), sum(page_count) FROM documents GROUP BY kind")
        return {kind: (n, pages or 0) for kind, n, pages in rows}

    def pages_needing_ocr(self) -> list[tuple[str, int]]:
        rows = self.db.execute("SELECT doc_id, number FROM pages WHERE meta LIKE '%\"needs_ocr\": true%'")
        return [(d, n) for d, n in rows]

    def ocr_confidences(self) -> list[float | None]:
        """tesseract's mean word confidence of every OCRed page (None for a
        page OCRed before confidences were kept)."""
        rows = self.db.execute("SELECT meta FROM pages WHERE meta LIKE '%\"ocr\": true%'")
        return [json.loads(meta).get("ocr_confidence") for (meta,) in rows]

    # -- meta ----------------------------------------------------------
    def set_meta(self, key: str, value: str) -> None:
        if key == "extractor_version":
            self._extractor = value
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def settle(self) -> None:
        """Nothing to do: get_document gives complete documents (index.postgres.store completes them here)."""

    def commit(self) -> None:
        self.db.commit()
        self._fresh.clear()
