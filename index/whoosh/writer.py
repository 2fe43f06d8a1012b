"""The Whoosh side of index.backend: records in, one commit at a time.

>>> import tempfile, pathlib
>>> from foiasearch.index.location import IndexLocation
>>> from foiasearch.ingest.document import Document, Page
>>> writer = WhooshWriter(IndexLocation(pathlib.Path(tempfile.mkdtemp())))
>>> writer.replace(Document(kind="release", id="r1", paths=["r.pdf"], pages=[Page(1, "a"), Page(2, "b")]))
>>> writer.commit(); writer.ix.doc_count()   # one doc record, two page records
3
"""

from __future__ import annotations

import gc
from typing import Any

from whoosh.writing import NO_MERGE

from foiasearch.index.facet_registry import collection_of
from foiasearch.index.location import IndexLocation
from foiasearch.index.whoosh.leanwriter import LeanSegmentWriter
from foiasearch.index.whoosh.merging import BackgroundMerge, remove_leftovers, segments_to_merge
from foiasearch.index.whoosh.records import records_for
from foiasearch.index.whoosh.schema import Analyzed, analyze, build_schema, from_columns
from foiasearch.index.whoosh.storage import analysis_outdated, open_or_create_index
from foiasearch.ingest.document import Document, IngestResult

# The writer's posting pool (index.whoosh.termpool) spills sorted term groups
# to disk past this size (its estimate is within a fifth of what the Python
# objects take; Whoosh's own pool counted about half). This caps what the
# pool holds between flushes: a flush (or a merge, which streams the
# segments' postings) also holds one term's whole posting list and a chunk
# of terms per run file.
WRITER_POOL_MB = 32
# The most records a run's last commit merges before returning (about a
# second on an idle 2-core machine): the small segments of its last commits.
FINAL_MERGE_RECORDS = 2_000

_SCHEMA = build_schema()


def _ready_fields(record: dict[str, Any]) -> dict[str, tuple[Any, Analyzed]]:
    """field -> (its value, or None for ``content``; Analyzed) for every
    field of ``record``: each indexed one analysed or encoded, with its
    stored and column values."""
    ready = {}
    for name, value in record.items():
        field = _SCHEMA[name]
        ready[name] = (None if name == "content" else value,
                       Analyzed(analyze(field, value) if field.indexed else [], value if field.stored else None,
                                field.to_column_value(value) if field.column_type else None))
    return ready


def with_prepared(record: dict[str, Any], prepared: dict[int, dict] | None) -> dict[str, Any]:
    """``record`` with the fields a worker made ready for it (``prepared``,
    one document's part of :meth:`WhooshWriter.prepare`) in place of its
    values, where the worker's record had the same value (``content`` is
    the document's or page's text by construction).

    >>> ready = WhooshWriter.prepare(IngestResult("ok", documents=[Document(kind="post", title="Opt out")]))
    >>> record = with_prepared({"title": "Opt out", "subject": "not the worker's", "path": "/a"}, ready[""])
    >>> [name for name, value in record.items() if isinstance(value, Analyzed)]
    ['title']
    """
    ready = prepared.get(record.get("page", 0)) if prepared else None
    if ready:
        for name, (value, analyzed) in ready.items():
            if value is None or record.get(name) == value:
                if analyzed.stored is not None:
                    # Stored as this record's own object: Whoosh pickles a record's stored
                    # fields together, and an object met twice (rtype "page" and the key
                    # "page") is written as a back-reference, the same bytes as before.
                    analyzed = from_columns(analyzed.texts, analyzed.freqs, analyzed.weights, analyzed.values,
                                         record[name], analyzed.column)
                record[name] = analyzed
    return record


def _prepared_records(doc: Document, prepared: dict[int, dict] | None) -> list[dict[str, Any]] | None:
    """The records a worker made for ``doc`` (:meth:`WhooshWriter.prepare`),
    if they are those :func:`records_for` makes here, else None. The document
    is the worker's (the store hands the indexer the very object it
    received); records_for also reads its paths, for the ``path`` field and
    the collection (the folder of the first one) if the document names none.
    The worker had one path, the one its ``path`` field holds (a path with a
    space in it might be two: those are made again), in the same folder as
    the writer's first: only ``path`` is then written again, from the
    writer's paths (the worker knows a file by its absolute path, the
    indexer by the path as given)."""
    record = prepared.get(0) if prepared else None
    if (not record or not doc.paths or record.get("id", (None,))[0] != doc.id
            or len(prepared) != 1 + (len(doc.pages) if doc.kind == "release" else 0)):  # no page number twice
        return None
    made_at = record.get("path", (None,))[0]
    if made_at is None or " " in made_at or (not doc.collection and collection_of(made_at) != collection_of(doc.paths[0])):
        return None
    records = [{name: analyzed for name, (_, analyzed) in fields.items()} for fields in prepared.values()]
    path = " ".join(doc.paths)
    if path != made_at:
        records[0]["path"] = path
    return records


class WhooshWriter:
    """index.backend.IndexWriter for the Whoosh index of ``location``. A
    Whoosh writer is opened on the first change and committed by
    :meth:`commit`, with tiered merging (index.whoosh.merging).

    Merging is off the indexer's path and does not hold the index: a
    commit writes only its own new segment, then a
    :class:`~foiasearch.index.whoosh.merging.BackgroundMerge` merges what
    the policy chooses in a thread, while the indexer goes on extracting,
    recording and committing; the commit after it ends swaps the merged
    segment in. Merges inside the commit, or holding the index's lock,
    stopped all writing for their whole length: 20-160 s at 100,000
    documents on a loaded machine, 275 s uncapped (issue 18).
    """

    def __init__(self, location: IndexLocation, rebuild: bool = False) -> None:
        self.ix = open_or_create_index(location, rebuild=rebuild)
        remove_leftovers(self.ix.storage.folder)
        # An index empty when this writer opened it holds only the documents
        # this writer wrote: the others need no deletion. Each one is a term
        # lookup in every segment (9% of the writer's time in a first index
        # of 2,000 files, and more with each segment). True only while no other
        # writer can add to this index meanwhile: index.build.WriteLock, held by
        # every indexing run for its writer's whole life (Whoosh's own lock is
        # let go at each commit).
        self._written_ids: set[str] | None = set() if self.ix.is_empty() else None
        self._writer = None
        self._searcher = None
        self._merge: BackgroundMerge | None = None

    @staticmethod
    def outdated(location: IndexLocation) -> bool:
        """True when the index at ``location`` must be rebuilt (its words
        were analysed by another version; index.whoosh.storage)."""
        return analysis_outdated(location)

    @staticmethod
    def prepare(result: IngestResult, paths: list[str] | None = None,
                ) -> dict[str, dict[int, dict[str, tuple[Any, Analyzed]]]]:
        """Make ready, in the extraction worker, every record a document
        makes, for the document at ``paths`` (default: its own ``paths``):
        part -> {0: doc record, n: page n} -> field -> (its value, Analyzed),
        the value None for ``content``. :meth:`replace` takes the records
        whole when the document has those very paths (the worker guesses the
        path the indexer records, index.extract), and otherwise each field
        whose value is the record's.

        >>> doc = Document(kind="post", id="d1", title="Opt out")
        >>> ready = WhooshWriter.prepare(IngestResult("ok", documents=[doc]), ["/a.html"])[""][0]
        >>> ready["path"][0], ready["id"][1].stored, ready["path"][1].texts
        ('/a.html', 'd1', (b'a.html',))
        """
        return {doc.part: {record.get("page", 0): _ready_fields(record)
                           for record in records_for(doc, doc.paths if paths is None else paths)}
                for doc in result.documents}

    def busy(self) -> bool:
        """True while a background merge runs (commits go on meanwhile)."""
        return self._merge is not None and self._merge.running()

    def _begin(self):
        if self._writer is None:
            self._writer = _Writer(self.ix, limitmb=WRITER_POOL_MB)
        return self._writer

    def remove(self, doc_id: str) -> None:
        writer = self._begin()
        if self._written_ids is None or doc_id in self._written_ids:
            if self._searcher is None:
                # One searcher for all deletions until the commit: without it
                # Whoosh opens every segment again for each document
                # (measured: RSS climbing by tens of MB per commit at 20,000 files).
                self._searcher = writer.searcher()
            writer.delete_by_term("parent", doc_id, searcher=self._searcher)

    def replace(self, doc: Document, prepared: dict[int, Any] | None = None) -> None:
        self.remove(doc.id)
        if self._written_ids is not None:
            self._written_ids.add(doc.id)
        # The worker's records spare this process making them again (records_for: 8% of its time).
        records = _prepared_records(doc, prepared)
        if records is None:
            records = [with_prepared(record, prepared) for record in records_for(doc, doc.paths)]
        for record in records:
            self._writer.add_document(**record)

    def commit(self, background_merge: bool = True) -> None:
        """Commit the changes, with the merged segment of a finished
        background merge swapped in; then start the next merge if the policy
        calls for one.

        With ``background_merge`` False (an indexer's last commit), a merge
        under way is stopped and its work dropped, and only a small one (at
        most FINAL_MERGE_RECORDS records) is done before returning: waiting
        for a merge of 10,000 records made the longest pause of a run of
        100,000 files at its very end (issue 18). Larger merges wait for the
        next run."""
        self._commit_now()
        if background_merge:
            self._merge = self._merge or BackgroundMerge.start(self.ix)
        else:
            self._stop_merge()
            self._merge = BackgroundMerge.start(
                self.ix, pick=lambda segments: segments_to_merge(segments, FINAL_MERGE_RECORDS))
            self._finish_merge()
        # A commit leaves Whoosh's writer, readers and buffers in reference
        # cycles that only a full collection frees; left to the collector's
        # own schedule they piled up by 30-40 MB a commit (measured at 20,000
        # files) before a collection came.
        gc.collect()

    def _stop_merge(self) -> None:
        if self._merge is not None and self._merge.running():
            merge, self._merge = self._merge, None
            merge.stop()

    def _commit_now(self) -> None:
        """Commit what was written, and a finished merge."""
        merge = self._merge
        swapping = merge is not None and not merge.running()
        if swapping:
            self._merge = None
            self._writer = self._writer or _Writer(self.ix, limitmb=WRITER_POOL_MB)
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        try:
            if swapping:
                merge.wait()  # raises what the merge raised: the commit is then cancelled
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            writer.keep = merge.protected if merge is not None and not swapping else None
            writer.commit(mergetype=merge.swap if swapping else NO_MERGE)
        except BaseException:
            self._searcher = None
            writer.cancel()
            if swapping:
                merge.discard()
            raise

    def _finish_merge(self) -> None:
        """Wait for a merge under way and commit it."""
        if self._merge is not None:
            self._merge.wait()
            self._commit_now()

    def cancel(self) -> None:
        if self._writer is not None:
            writer, self._writer = self._writer, None
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            writer.cancel()

    def close(self) -> None:
        """Cancel uncommitted changes and stop a merge under way (one that
        ended is committed)."""
        self.cancel()
        try:
            self._stop_merge()
            self._finish_merge()
        finally:
            self._merge = None
            self.ix.close()


class _Writer(LeanSegmentWriter):
    """Whoosh's writer, except that its clean-up after a commit spares the
    files of the merge under way (``keep``, a segment id): they are in no
    table of contents yet, and Whoosh deletes every segment file that is not."""

    keep: str | None = None

    def _commit_toc(self, segments):
        from whoosh.index import TOC, clean_files

        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        spared = [_Named(self.keep)] if self.keep else []
        clean_files(self.storage, self.indexname, self.generation, list(segments) + spared)


class _Named:
    def __init__(self, segment_id: str) -> None:
        self._id = segment_id

    def segment_id(self) -> str:
        return self._id
