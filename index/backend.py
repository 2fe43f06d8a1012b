"""The write side of the search API: what the indexer asks of a backend.

The indexer (index.build) decides what to write: it extracts files, keeps
documents in the document store (index.store) and the manifest of files,
and hands the search backend every document whose records must change.
A backend's :class:`IndexWriter` turns those into its own records. Between
two commits nothing is visible to searches; a commit makes all of them
visible at once (atomically), before the store records the run as done.

>>> import tempfile, pathlib
>>> from foiasearch.index.location import IndexLocation
>>> from foiasearch.ingest.document import Document, Page
>>> location = IndexLocation(pathlib.Path(tempfile.mkdtemp()))
>>> writer = open_writer(location)
>>> writer.replace(Document(kind="post", id="d1", title="Opt out", paths=["a.html"], pages=[Page(1, "x")]))
>>> writer.commit()
>>> writer.remove("d1"); writer.commit(); writer.close()
"""

from __future__ import annotations

import importlib
from typing import Any, Protocol, runtime_checkable

from foiasearch.index.location import IndexLocation
from foiasearch.ingest.document import Document, IngestResult


@runtime_checkable
class IndexWriter(Protocol):
    """One writer per index at a time (the indexer holds index.build.WriteLock)."""

    def replace(self, doc: Document, prepared: dict[int, Any] | None = None) -> None:
        """Index ``doc`` (all its pages) in place of whatever the index holds
        under ``doc.id`` (ids are content hashes: index.extract.document_id).
        ``prepared`` is what :func:`prepare` made for it in a worker, if anything."""

    def remove(self, doc_id: str) -> None:
        """Remove document ``doc_id`` and its pages (nothing if absent)."""

    def commit(self, background_merge: bool = True) -> None:
        """Make every change since the last commit visible, atomically.
        A backend may then tidy up (merge) in the background, while
        :meth:`busy`; ``background_merge=False`` (a run's last commit)
        finishes that work before returning."""

    def busy(self) -> bool:
        """True while background work holds the index: the next change or
        commit would wait for it (the indexer holds its commit meanwhile)."""

    def cancel(self) -> None:
        """Drop every change since the last commit."""

    def close(self) -> None: ...


# "name" -> "module:class" (the class takes an IndexLocation), and the
# backend's prepare(IngestResult, paths) run in extraction workers.
WRITERS = {"whoosh": "foiasearch.index.whoosh.writer:WhooshWriter",
           "postgresql": "foiasearch.index.postgres.writer:PostgresWriter"}
DEFAULT_BACKEND = "whoosh"


def _writer_class(backend: str) -> type:
    if backend not in WRITERS:
        raise ValueError(f"unknown search backend {backend!r}; use one of {', '.join(WRITERS)}")
    module, _, name = WRITERS[backend].partition(":")
    return getattr(importlib.import_module(module), name)


def open_writer(location: IndexLocation, backend: str | None = None, rebuild: bool = False) -> IndexWriter:
    """The writer of the index at ``location`` (created if absent), for
    ``backend`` or else the location's (postgresql for a database URL). An
    index that must be rebuilt (:func:`outdated`) raises IndexOutdated,
    unless ``rebuild``: it then starts empty, and the caller writes every
    stored document again (index.build.reanalyze)."""
    cls = _writer_class(backend or location.backend)
    return cls(location, rebuild=rebuild)


def outdated(location: IndexLocation, backend: str | None = None) -> bool:
    """True when the backend's index at ``location`` was built by a version
    that analysed text differently, and must be rebuilt from the store."""
    check = getattr(_writer_class(backend or location.backend), "outdated", None)
    return bool(check and check(location))


def prepare(result: IngestResult, backend: str = DEFAULT_BACKEND,
            paths: list[str] | None = None) -> dict[str, dict[int, Any]] | None:
    """Work a backend can do in the extraction worker, per document part
    (Whoosh: analyse the text, the largest cost of writing a record, and
    encode every other field), handed back to :meth:`IndexWriter.replace`
    as ``prepared``; None if nothing. ``paths``: where the indexer will
    record the documents (default: their own ``paths``)."""
    return _writer_class(backend).prepare(result, paths)
