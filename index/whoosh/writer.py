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

from foiasearch.index.location import IndexLocation
from foiasearch.index.whoosh.merging import merge_tiered
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
    :meth:`commit`, with tiered merging (index.whoosh.merging)."""

    def __init__(self, location: IndexLocation, rebuild: bool = False) -> None:
        self.ix = open_or_create_index(location, rebuild=rebuild)
        self._writer = None
        self._searcher = None

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

    def _begin(self):
        if self._writer is None:
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

    def commit(self) -> None:
        if self._writer is None:
            return
        writer, self._writer = self._writer, None
        try:
            self._searcher.close()
            self._searcher = None
            writer.commit(mergetype=merge_tiered)
        except BaseException:
            writer.cancel()
            raise
        del writer
        # A commit leaves Whoosh's writer, readers and buffers in reference
        # cycles that only a full collection frees; left to the collector's
        # own schedule they piled up by 30-40 MB a commit (measured at 20,000
        # files) before a collection came.
        gc.collect()

    def cancel(self) -> None:
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
