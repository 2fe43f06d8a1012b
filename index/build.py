"""Index a set of files and folders, incrementally and crash-safely.

Extraction runs in a pool of worker processes (one per core); this process
is the only writer. Every file seen ends as exactly one outcome: indexed,
unchanged, skipped or failed (with a reason); failures are retried on the
next run.

Crash safety: the search backend commits atomically (Whoosh renames its
table of contents into place) and the SQLite store commits after it. A run killed at any
point leaves both readable; whatever was not yet recorded in the store as
done is redone by the next run, and records are written by id, so redoing
is harmless.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "a.html").write_text("<html><title>A</title><p>opt out</p></html>")
>>> summary = Indexer(IndexLocation(folder / "ix")).run([folder / "a.html"])
>>> (summary.seen, summary.indexed)
(1, 1)
"""

from __future__ import annotations

import dataclasses
import fcntl
import gc
import hashlib
import os
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from queue import SimpleQueue

from foiasearch.ingest.document import Document
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.pipeline import EXTRACTOR_VERSION
from foiasearch.index.backend import DEFAULT_BACKEND, open_writer, outdated
from foiasearch.index.extract import Extracted, extract, file_sha256, now, stamp
from foiasearch.index.location import IndexLocation
from foiasearch.index.pool import LIMIT_REASONS, WorkerPool
from foiasearch.index.store import DocumentStore, FileRecord
from foiasearch.index.walk import LOOP, printable, walk_entries

INDEXED, UNCHANGED, SKIPPED, FAILED = "indexed", "unchanged", "skipped", "failed"


class IndexError_(Exception):
    """The run could not happen at all (bad path, locked index, ...)."""


@dataclass
class RunSummary:
    """What one ``index`` run did. The four outcome counts add up to ``seen``."""

    seen: int = 0
    indexed: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    removed: int = 0
    documents_written: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # e.g. skipped drafts in exports
    seconds: float = 0.0

    def add(self, outcome: str) -> None:
        if outcome == INDEXED:
            self.indexed += 1
        elif outcome == UNCHANGED:
            self.unchanged += 1
        elif outcome == SKIPPED:
            self.skipped += 1


# progress(done, total, display_path, outcome)
Progress = Callable[[int, int, str, str], None]


_now = now  # the manifest's time (index.extract.now)


class WriteLock:
    """An exclusive, non-blocking lock on the index for the whole run.

    ``flock`` is released by the kernel when the process dies, so a killed
    indexer never leaves a stale lock behind.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = None

    def __enter__(self) -> "WriteLock":
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise IndexError_(f"index {self.path.parent} is locked by another writer; try again when it finishes")
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def _write_lock(location: IndexLocation):
    """One writer per index folder; a database (--index postgresql://...)
    takes any number of concurrent indexers (index.postgres.writer)."""
    import contextlib

    return contextlib.nullcontext() if location.url else WriteLock(location.lock_path)


class Indexer:
    """Index paths into the index at ``location``.

    ``commit_every`` bounds how much work a crash can lose (seconds between
    commits); ``workers`` is the size of the extraction pool (0: in-process).
    """

    def __init__(
        self,
        location: IndexLocation,
        options: IngestOptions | None = None,
        workers: int | None = None,
        commit_every: float = 5.0,
        progress: Progress | None = None,
    ) -> None:
        self.location = location
        self.options = options or IngestOptions(ocr_cache_dir=location.ocr_cache_dir)
        if location.backend != DEFAULT_BACKEND:  # workers prepare documents for this backend, not Whoosh
            self.options = dataclasses.replace(self.options, extra={**self.options.extra, "backend": location.backend})
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.commit_every = commit_every
        self.progress = progress or (lambda done, total, path, outcome: None)
        self._pool: WorkerPool | None = None  # made by run()

    # -- the run ---------------------------------------------------------
    def run(self, paths: Iterable[Path]) -> RunSummary:
        started = time.monotonic()
        roots = [Path(p) for p in paths]
        for root in roots:
            if not os.path.exists(root):
                raise IndexError_(f"{root}: no such file or folder")
            if not os.access(root, os.R_OK):
                raise IndexError_(f"{root}: permission denied")
        try:
            self.location.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexError_(f"cannot create index folder {self.location.root}: {exc.strerror}") from exc
        if outdated(self.location):
            reanalyze(self.location)  # words analysed by an older version: rebuilt from the store first
        with _write_lock(self.location):
            # The workers first: they start up (fork, set-up) while this
            # process opens the index and walks the folders, instead of after.
            # outdated() above imported the backend's writer, whose analysis
            # they run: forked after it, they do not import it again (its
            # 73 modules cost a worker 40-55 ms of CPU on its first file).
            self._pool = WorkerPool(self.workers) if self.workers > 0 else None
            try:
                # What is alive now (modules, the parsers' tables) lives for
                # the whole run: frozen, the full collection after each commit
                # skips it (each collection took 0.2-0.7 s before, for 315 files).
                # No collection first: it found 23 objects for 28 ms of CPU.
                gc.freeze()
                self.store = self.location.open_store()
                self.writer = None  # opened after the walk (_run_frozen), while the workers read
                try:
                    summary = self._run_frozen(roots)
                finally:
                    self.store.close()
                    if self.writer is not None:
                        self.writer.close()
            finally:
                gc.unfreeze()
                if self._pool is not None:
                    self._pool.close()
        summary.seconds = time.monotonic() - started
        return summary

    def _run_frozen(self, roots: list[Path]) -> RunSummary:
        summary = RunSummary()
        files = [(path, problem) for root in roots for path, problem in walk_entries(root)]
        total = len(files)
        summary.seen = total
        self._writer = None
        self._pending: set[str] = set()  # doc ids whose records must be rewritten at the commit
        self._analyzed: dict[str, dict] = {}  # doc id -> content analysed by a worker
        self._written: set[str] = set()  # doc ids handed to the backend since the last commit
        self._last_commit = time.monotonic()
        # Pages indexed as "needs OCR" get another chance once OCR can run.
        self._awaiting_ocr = self._docs_awaiting_ocr()
        # Documents made by an older extractor are extracted again (issue 15).
        self._stale = set(self.store.documents_older_than(EXTRACTOR_VERSION))
        done = 0
        to_extract: list[str] = []
        displays: dict[str, str] = {}
        seen_abs: set[str] = set()
        # The pool reads the files to extract as the walk finds them, once
        # there are as many as workers and cores (with fewer, the options
        # change below, before the pool starts): the workers no longer wait
        # for the walk and the manifest's look-ups (0.04 s of CPU at 2,000
        # files, 0.46 s at 20,000) nor for the writer to open.
        found: SimpleQueue[str | None] = SimpleQueue()
        enough = max(os.cpu_count() or 1, self.workers)
        extracting: Iterator[Extracted] | None = None
        try:
            for path, problem in files:
                absolute = os.path.abspath(path)
                if absolute in seen_abs:  # the same file reached twice (overlapping args)
                    summary.seen -= 1
                    total -= 1
                    continue
                seen_abs.add(absolute)
                display = printable(str(path))
                displays[absolute] = display
                if problem is not None:  # not a file to read: its outcome is known now
                    outcome, reason = (SKIPPED, "") if problem == LOOP else (FAILED, problem)
                else:
                    known = self._check_unchanged(absolute, display)
                    if known is None:
                        to_extract.append(absolute)
                        if extracting is not None:
                            found.put(absolute)
                        elif self._pool is not None and len(to_extract) >= enough:
                            for waiting in to_extract:
                                found.put(waiting)
                            extracting = self._pool.extract(iter(found.get, None), self.options)
                        continue
                    outcome, reason = known
                done += 1
                summary.add(outcome)
                if outcome == FAILED:
                    summary.failed.append((display, reason))
                self.progress(done, total, display, outcome)
        finally:
            found.put(None)  # the end of the pool's files, also when the walk raised
        self._commit_store()
        self.writer = open_writer(self.location)

        # Few files, several cores: let one file's scanned pages be OCRed in
        # parallel instead of leaving cores idle (one tesseract per core),
        # and a PDF's text layer be read by as many processes.
        cores = os.cpu_count() or 1
        if to_extract and len(to_extract) < cores and self.options.ocr_jobs == 1:
            jobs = max(1, cores // len(to_extract))
            self.options = dataclasses.replace(self.options, ocr_jobs=jobs, pdf_jobs=jobs)
        for item in extracting or self._extract_all(to_extract):
            outcome, reason = self._apply(item, displays[item.path], summary)
            done += 1
            summary.add(outcome)
            if outcome == FAILED:
                summary.failed.append((displays[item.path], reason))
            self.progress(done, total, displays[item.path], outcome)
            self._maybe_commit()

        for root in roots:
            if os.path.isdir(root):
                gone = set(self.store.files_under(os.path.abspath(root))) - seen_abs
                for absolute in sorted(gone):
                    self._pending.update(self.store.remove_file(absolute))
                    summary.removed += 1
        self._pending.update(self.store.orphan_document_ids())
        summary.documents_written = self._commit(final=True)
        return summary

    # -- deciding what to do ---------------------------------------------
    def _check_unchanged(self, absolute: str, display: str) -> tuple[str, str] | None:
        """(outcome, reason) for a file that needs no extraction, else None.

        Size and mtime first (free); when they differ, the content hash
        decides, so a touched-but-identical file is not re-extracted. A file
        that failed by going over the time or memory limit, or by killing
        its worker, fails again without being read until it changes: it
        would only stall every run.
        """
        record = self.store.get_file(absolute)
        try:
            stat = os.stat(absolute)
        except OSError:
            return None  # let the worker report why it cannot be read
        if record and (self._awaiting_ocr or self._stale):
            # A skip check: the links as the store read the folder will do.
            linked = set(self.store.doc_ids_of(absolute, current=False))
            if linked & self._awaiting_ocr or linked & self._stale:
                return None
        if (record and record.status == FAILED and record.reason.startswith(LIMIT_REASONS)
                and record.size == stat.st_size and record.mtime_ns == stat.st_mtime_ns):
            return FAILED, record.reason
        if record and record.status in (INDEXED, SKIPPED):
            if record.size == stat.st_size and record.mtime_ns == stat.st_mtime_ns:
                if record.display != display:
                    record.display = display
                    self.store.put_file(record, None)
                return UNCHANGED, ""
            if record.size == stat.st_size:
                try:
                    sha = file_sha256(absolute)
                except OSError:
                    return None
                if sha == record.sha256:
                    record.mtime_ns, record.display = stat.st_mtime_ns, display
                    self.store.put_file(record, None)
                    return UNCHANGED, ""
        return None

    def _docs_awaiting_ocr(self) -> set[str]:
        if not self.options.ocr or not shutil.which("tesseract") or not shutil.which("pdftoppm"):
            return set()
        return {doc_id for doc_id, _ in self.store.pages_needing_ocr()}

    def _extract_all(self, paths: list[str]):
        """Yield an :class:`Extracted` per path, from watched worker
        processes (index.pool); in this process when ``workers`` is 0."""
        if not paths:
            return
        if self._pool is None:
            for path in paths:
                yield extract(path, self.options)
            return
        self._pool.keep(len(paths))
        yield from self._pool.extract(paths, self.options)

    # -- writing -----------------------------------------------------------
    def _apply(self, item: Extracted, display: str, summary: RunSummary) -> tuple[str, str]:
        """Record one extracted file in the store; returns (outcome, reason)."""
        result = item.result
        old_ids = self.store.doc_ids_of(item.path)
        record = FileRecord(item.path, display, item.size or None, item.mtime_ns or None,
                            item.sha256 or None, "", result.reason, item.at or _now())
        for key, value in result.counts.items():
            summary.counts[key] = summary.counts.get(key, 0) + value
        if result.status == "ok":
            if item.packed is None:  # a worker that packed the rows stamped the documents first
                stamp(result, item.sha256, record.updated_at)
            new_ids = [doc.id for doc in result.documents]
            if self._written.intersection([*old_ids, *new_ids]):
                # A document written since the last commit changes again (the
                # same content at a second path): a backend cannot replace
                # what it has not committed, so commit first.
                self._commit()
            for doc in result.documents:
                if item.packed and doc.part in item.packed:  # rows the worker made (index.store.pack)
                    self.store.put_document(doc, item.packed[doc.part], keep=True)  # read back just below
                else:
                    self.store.put_document(doc)
                if item.analyzed and doc.part in item.analyzed:
                    self._analyzed[doc.id] = item.analyzed[doc.part]
            record.status = INDEXED
            self.store.put_file(record, new_ids)
            self._pending.update(old_ids, new_ids)
            # Written now rather than all at the commit: the commit, during
            # which no file is recorded, is then only the backend's own.
            self._write_pending(new_ids)
            return INDEXED, ""
        record.status = SKIPPED if result.status == "skipped" else FAILED
        self.store.put_file(record, [])
        self._pending.update(old_ids)
        return record.status, result.reason

    def _commit_store(self) -> None:
        """Commit the store with its commit counter bumped: with the backend's
        own state it makes the index's fingerprint (search.api.Fingerprint), and
        last_updated alone has whole seconds, which two commits can share."""
        self.store.set_meta("store_commits", str(int(self.store.get_meta("store_commits") or 0) + 1))
        self.store.commit()

    def _maybe_commit(self) -> None:
        # Commits do not wait for the backend's background merges (Whoosh
        # swaps a finished merge in at the next commit): waiting let
        # extracted documents pile up in memory for minutes (issue 18).
        if time.monotonic() - self._last_commit >= self.commit_every:
            self._commit()

    def _write_pending(self, doc_ids: Iterable[str] | None = None) -> int:
        """Hand pending documents (``doc_ids``, else every one) to the search
        backend; returns how many were written."""
        written = 0
        for doc_id in sorted(self._pending if doc_ids is None else doc_ids):
            self._pending.discard(doc_id)
            self._written.add(doc_id)
            doc = self.store.get_document(doc_id)
            if doc is None or not doc.paths:
                if doc is not None:
                    self.store.delete_document(doc_id)
                self.writer.remove(doc_id)
                continue
            self.writer.replace(doc, self._analyzed.pop(doc_id, None))
            written += 1
        return written

    def _commit(self, final: bool = False) -> int:
        """Write pending documents to the search backend, commit it, then the store."""
        written = 0
        again = self._pending & self._written
        if again:  # written since the last commit, and to rewrite: commit the first version first
            self._pending -= again
            self._commit()
            self._pending |= again
        if self._pending or self._written:
            try:
                written = self._write_pending()
                self.store.settle()  # the documents handed over are complete before the backend writes them
                self.writer.commit(background_merge=not final)
            except BaseException:
                self.writer.cancel()
                raise
            self._pending.clear()
            self._analyzed.clear()
            self._written.clear()
        self.store.set_meta("last_updated", _now())
        self._commit_store()
        self._last_commit = time.monotonic()
        return written


def refresh_documents(location: IndexLocation, transform: Callable[[Document], Document | None],
                      rebuild: bool = False) -> int:
    """Rewrite stored documents through ``transform`` (e.g. recompute actors)
    without reading the files again. ``transform`` returns the changed
    document, or None when nothing changed. Returns how many changed.
    With ``rebuild``, the search index starts empty first (see :func:`reanalyze`)."""
    location.root.mkdir(parents=True, exist_ok=True)
    with _write_lock(location):
        writer = open_writer(location, rebuild=rebuild)
        store = location.open_store()
        try:
            changed = []
            for doc_id in store.all_document_ids():
                doc = store.get_document(doc_id)
                new = transform(doc) if doc else None
                if new is not None:
                    store.put_document(new)
                    changed.append(doc_id)
            indexer = Indexer(location)
            indexer.writer, indexer.store = writer, store
            indexer._pending, indexer._analyzed, indexer._written = set(changed), {}, set()
            indexer._commit(final=True)
            return len(changed)
        finally:
            store.close()
            writer.close()


def reanalyze(location: IndexLocation) -> int:
    """Rebuild the search index from the stored documents with this
    version's analysis (index.whoosh.wordforms), reading no file and running no
    OCR; the number of documents written. Run by ``foiasearch index`` when
    the index is outdated, and by ``foiasearch index --reanalyze``."""
    return refresh_documents(location, lambda doc: doc, rebuild=True)


def index_documents(location: IndexLocation, items: Iterable[tuple[Document, list[str]]],
                    backend: str | None = None) -> list[str]:
    """Index ready-made documents through the same store and commit path as
    :class:`Indexer` (for tests, benchmarks and importers that already hold
    :class:`Document` objects), for search backend ``backend``. Returns the
    document ids, in order.

    Each item is a document and the file paths it came from; the paths are
    recorded in the manifest as indexed (a path that exists gets its size,
    mtime and hash). A document without an id gets the hash of its first
    existing file, else of its JSON.

    >>> import tempfile, pathlib
    >>> from foiasearch.ingest.document import Page
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> doc = Document(kind="post", title="Opt out", tags=["ICE"], pages=[Page(1, "Counties opt out.")])
    >>> ids = index_documents(IndexLocation(root / "ix"), [(doc, [str(root / "posts" / "a.html")])])
    >>> len(ids[0])
    64
    """
    import json

    location.root.mkdir(parents=True, exist_ok=True)
    with _write_lock(location):
        writer = open_writer(location, backend)
        store = location.open_store()
        try:
            ids = []
            for doc, paths in items:
                absolute = [os.path.abspath(p) for p in paths]
                existing = [p for p in absolute if os.path.isfile(p)]
                sha = file_sha256(existing[0]) if existing else ""
                if not doc.id:
                    doc.id = sha or hashlib.sha256(json.dumps(doc.to_dict(), sort_keys=True).encode()).hexdigest()
                doc.content_hash = doc.content_hash or sha
                doc.ingested_at = doc.ingested_at or _now()
                store.put_document(doc)
                for path, display in zip(absolute, paths):
                    stat = os.stat(path) if path in existing else None
                    record = FileRecord(path, str(display), stat.st_size if stat else None,
                                        stat.st_mtime_ns if stat else None,
                                        file_sha256(path) if stat else None, INDEXED, "", doc.ingested_at)
                    store.put_file(record, store.doc_ids_of(path) + [doc.id])
                ids.append(doc.id)
            indexer = Indexer(location)
            indexer.writer, indexer.store = writer, store
            indexer._pending, indexer._analyzed, indexer._written = set(ids), {}, set()
            indexer._commit(final=True)
            return ids
        finally:
            store.close()
            writer.close()
