"""What the engine computes once per searcher (until it sees a new commit).

>>> import tempfile, pathlib
>>> from index.build import index_documents
>>> from index.location import IndexLocation
>>> from ingest.document import Document, Page
>>> loc = IndexLocation(pathlib.Path(tempfile.mkdtemp()))
>>> _ = index_documents(loc, [(Document(kind="release", title="R", date="2011-03-15",
...                          pages=[Page(1, "a"), Page(2, "b")]), ["r.pdf"])])
>>> view = SearcherView.build(loc.open_index().searcher().reader())
>>> sorted(n for _, n in view.pages.values()), len(view.newest)
([1, 2], 1)
"""

from __future__ import annotations

import bisect

from dataclasses import dataclass, field

from search.docsets import LRU
from search.facets import ValueMap


@dataclass
class SearcherView:
    values: ValueMap  # facet values and bitsets of the doc records
    pages: dict[int, tuple[str, int]]  # page record docnum -> (doc id, page number)
    newest: list[int]  # doc docnums, newest first, undated last
    oldest: list[int]  # doc docnums, oldest first, undated last
    cache: LRU = field(default_factory=lambda: LRU(128))  # query text -> Matches
    snippets: LRU = field(default_factory=lambda: LRU(4096))  # (doc id, page, terms) -> snippet
    pages_of: dict[str, list[int]] = field(default_factory=dict)  # doc id -> its page docnums, ascending

    def __post_init__(self) -> None:
        if not self.pages_of:
            for docnum in sorted(self.pages):
                self.pages_of.setdefault(self.pages[docnum][0], []).append(docnum)

    @classmethod
    def build(cls, reader) -> "SearcherView":
        """One pass over the stored fields, plus the date column."""
        values: dict[int, dict] = {}
        types: dict[str, str] = {}
        pages: dict[int, tuple[str, int]] = {}
        for docnum, stored in reader.iter_docs():
            rtype = stored.get("rtype")
            if rtype == "doc" and "facets" in stored:
                values[docnum] = ValueMap.entry(stored["facets"], types)
            elif rtype == "page":
                pages[docnum] = (stored.get("parent", ""), stored.get("page", 0))
        dated, undated = [], []
        # Per segment: Whoosh's multi-segment column reader fails (struct.error)
        # when an older segment has no date column and a newer one does.
        missing = reader.schema["date"].column_type.default_value() if "date" in reader.schema else None
        ordered = sorted(values)
        for leaf, base in reader.leaf_readers():
            end = base + leaf.doc_count_all()
            docnums = ordered[bisect.bisect_left(ordered, base):bisect.bisect_left(ordered, end)]
            if not leaf.has_column("date"):
                undated.extend((None, d) for d in docnums)
                continue
            column = leaf.column_reader("date", translate=False)
            for docnum in docnums:
                key = column[docnum - base]
                (undated if key == missing or key is None else dated).append((key, docnum))
        dated.sort()
        newest = [d for _, d in sorted(dated, key=lambda kd: (-kd[0], kd[1]))] + [d for _, d in undated]
        oldest = [d for _, d in dated] + [d for _, d in undated]
        return cls(ValueMap(values, types), pages, newest, oldest)
