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
        if reader.has_column("date"):
            column = reader.column_reader("date", translate=False)
            missing = reader.schema["date"].column_type.default_value()
            for docnum in values:
                key = column[docnum]
                (undated if key == missing or key is None else dated).append((key, docnum))
        else:
            undated = [(None, d) for d in values]
        dated.sort()
        newest = [d for _, d in sorted(dated, key=lambda kd: (-kd[0], kd[1]))] + [d for _, d in undated]
        oldest = [d for _, d in dated] + [d for _, d in undated]
        return cls(ValueMap(values, types), pages, newest, oldest)
