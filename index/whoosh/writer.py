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
import threading
from typing import Any

from whoosh.writing import NO_MERGE

from foiasearch.index.location import IndexLocation
from foiasearch.index.whoosh.merging import merge_tiered, segments_to_merge
from foiasearch.index.whoosh.records import records_for
from foiasearch.index.whoosh.schema import Analyzed, analyze, build_schema
from foiasearch.index.whoosh.storage import analysis_outdated, open_or_create_index
from foiasearch.ingest.document import Document, IngestResult

# Whoosh's posting pool spills sorted runs to disk at this size (by its own
# estimate, which counts about half of what the Python objects take).
# Merging segments at commit goes through the same pool, so this caps the
# writer's memory however large the merged segments are.
WRITER_POOL_MB = 32

_CONTENT_FIELD = build_schema()["content"]


class WhooshWriter:
    """index.backend.IndexWriter for the Whoosh index of ``location``. A
    Whoosh writer is opened on the first change and committed by
    :meth:`commit`, with tiered merging (index.whoosh.merging).

    Merging is off the indexer's path: a commit writes only its own new
    segment, then a thread of this process merges what the policy chooses,
    as a Whoosh writer of its own, while the indexer goes on extracting and
    recording files (it holds its next commit while :meth:`busy`). Merges
    inside the commit stopped all progress for their whole length: 20-55 s
    at 100,000 documents on a loaded machine, 275 s uncapped (issue 18).
    """

    def __init__(self, location: IndexLocation, rebuild: bool = False) -> None:
        self.ix = open_or_create_index(location, rebuild=rebuild)
        self._writer = None
        self._searcher = None
        self._merge: threading.Thread | None = None
        self._merge_error: BaseException | None = None

    @staticmethod
    def outdated(location: IndexLocation) -> bool:
        """True when the index at ``location`` must be rebuilt (its words
        were analysed by another version; index.whoosh.storage)."""
        return analysis_outdated(location)

    @staticmethod
    def prepare(result: IngestResult) -> dict[str, dict[int, Analyzed]]:
        """Analyse the content of every document and page now, in the
        extraction worker: part -> {0: document text, n: page n}."""
        analyzed = {}
        for doc in result.documents:
            texts = {0: doc.text}
            if doc.kind == "release":
                texts.update((page.number, page.text) for page in doc.pages)
            analyzed[doc.part] = {n: Analyzed(analyze(_CONTENT_FIELD, text)) for n, text in texts.items()}
        return analyzed

    def busy(self) -> bool:
        """True while a background merge holds the index: a commit now would wait for it."""
        return self._merge is not None and self._merge.is_alive()

    def _wait_for_merge(self) -> None:
        if self._merge is not None:
            self._merge.join()
            self._merge = None
        if self._merge_error is not None:
            error, self._merge_error = self._merge_error, None
            raise error

    def _run_merge(self) -> None:
        try:
            writer = self.ix.writer(limitmb=WRITER_POOL_MB)
            try:
                writer.commit(mergetype=merge_tiered)  # no documents of its own: merges only
            except BaseException:
                writer.cancel()
                raise
        except BaseException as error:  # raised in the indexer's thread by _wait_for_merge
            self._merge_error = error
        finally:
            gc.collect()

    def _begin(self):
        if self._writer is None:
            self._wait_for_merge()
            self._writer = self.ix.writer(limitmb=WRITER_POOL_MB)
            # One searcher for all deletions: without it Whoosh opens every
            # segment again for each document (measured: RSS climbing by
            # tens of MB per commit at 20,000 files).
            self._searcher = self._writer.searcher()
        return self._writer

    def remove(self, doc_id: str) -> None:
        self._begin().delete_by_term("parent", doc_id, searcher=self._searcher)

    def replace(self, doc: Document, prepared: dict[int, Any] | None = None) -> None:
        self.remove(doc.id)
        for record in records_for(doc, doc.paths):
            number = record.get("page", 0)
            if prepared and number in prepared:
                record["content"] = prepared[number]
            self._writer.add_document(**record)

    def commit(self, background_merge: bool = True) -> None:
        """Commit the changes; then merge in a thread, or here and now when
        ``background_merge`` is False (an indexer's last commit)."""
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        try:
            self._searcher.close()
            self._searcher = None
            writer.commit(mergetype=NO_MERGE if background_merge else merge_tiered)
        except BaseException:
            writer.cancel()
            raise
        del writer
        if background_merge and segments_to_merge(self.ix._segments()):
            self._merge = threading.Thread(target=self._run_merge, name="whoosh-merge", daemon=True)
            self._merge.start()
        # A commit leaves Whoosh's writer, readers and buffers in reference
        # cycles that only a full collection frees; left to the collector's
        # own schedule they piled up by 30-40 MB a commit (measured at 20,000
        # files) before a collection came.
        gc.collect()

    def cancel(self) -> None:
        self._wait_for_merge()
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        writer.cancel()

    def close(self) -> None:
        self.cancel()
        self.ix.close()
