"""How many pages carry each value of a page-level field (FOIA exemptions
are cited page by page) within a set of documents: the exemption facet says
"b6: 14 documents, 212 pages".

Page records carry the field (index.records); each page's document is found
once per searcher (by its id) and kept as an array of document numbers per
value, so a count is one numpy pass over a boolean mask of the documents.

>>> import tempfile, pathlib
>>> from foiasearch.index.build import index_documents
>>> from foiasearch.index.location import IndexLocation
>>> from foiasearch.ingest.document import Document, Page
>>> from foiasearch.search.whoosh.searcher_cache import SearcherCache
>>> loc = IndexLocation(pathlib.Path(tempfile.mkdtemp()))
>>> _ = index_documents(loc, [(Document(kind="release", title="R", exemptions=["b6"],
...     pages=[Page(1, "a", exemptions=["b6"]), Page(2, "b"), Page(3, "c", exemptions=["b6", "b5"])]), ["r.pdf"])])
>>> from foiasearch.index.whoosh.storage import open_index
>>> searcher = open_index(loc).searcher()
>>> view = SearcherCache.build(searcher.reader())
>>> PageCounter(searcher, view).count("exemption", view.values.all_docs, ["b6", "b5", "b7c"])
{'b6': 2, 'b5': 1, 'b7c': 0}
"""

from __future__ import annotations

import numpy as np
from whoosh.searching import Searcher

from foiasearch.search.whoosh.searcher_cache import SearcherCache


class PageCounter:
    """Page counts per value for one searcher and its view."""

    def __init__(self, searcher: Searcher, view: SearcherCache) -> None:
        self.searcher = searcher
        self.view = view
        self._parents: dict[tuple[str, str], np.ndarray] = {}
        self._docnum_of: dict[str, int | None] = {}

    def count(self, field: str, bits: int, keys: list[str]) -> dict[str, int]:
        """Pages whose ``field`` has each of ``keys`` (lower-cased values),
        among the pages of the documents in the bitset ``bits``."""
        mask = self.view.values._mask(bits)
        counts = {}
        for key in keys:
            parents = self._parents_of(field, key.lower())
            parents = parents[parents < len(mask)]
            counts[key] = int(np.count_nonzero(mask[parents])) if parents.size else 0
        return counts

    def _parents_of(self, field: str, key: str) -> np.ndarray:
        found = self._parents.get((field, key))
        if found is None:
            reader = self.searcher.reader()
            docnums: list[int] = []
            if (field, key) in reader:
                for page in reader.postings(field, key).all_ids():
                    entry = self.view.page_records.get(page)  # page records only (deleted ones are not here)
                    parent = self._docnum(entry[0]) if entry else None
                    if parent is not None:
                        docnums.append(parent)
            found = np.array(docnums, dtype=np.int64)
            self._parents[(field, key)] = found
        return found

    def _docnum(self, doc_id: str) -> int | None:
        if doc_id not in self._docnum_of:
            self._docnum_of[doc_id] = self.searcher.document_number(id=doc_id)
        return self._docnum_of[doc_id]
