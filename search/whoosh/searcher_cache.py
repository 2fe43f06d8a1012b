"""What the engine computes once per searcher (until it sees a new commit).

>>> import tempfile, pathlib
>>> from foiasearch.index.build import index_documents
>>> from foiasearch.index.location import IndexLocation
>>> from foiasearch.ingest.document import Document, Page
>>> loc = IndexLocation(pathlib.Path(tempfile.mkdtemp()))
>>> _ = index_documents(loc, [(Document(kind="release", title="R", date="2011-03-15",
...                          pages=[Page(1, "a"), Page(2, "b")]), ["r.pdf"])])
>>> from foiasearch.index.whoosh.storage import open_index
>>> view = SearcherCache.build(open_index(loc).searcher().reader())
>>> sorted(n for _, n in view.page_records.values()), len(view.newest)
([1, 2], 1)

Saved (:func:`load_or_build`), its larger parts are sections
(search.whoosh.sections), read from the file when first used:

>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> saved = load_or_build(open_index(loc).searcher().reader(), folder)
>>> again = load_or_build(open_index(loc).searcher().reader(), folder, lazy=True)
>>> "newest" in again.__dict__, again.newest == saved.newest, "newest" in again.__dict__
(False, True, True)
"""

from __future__ import annotations

import bisect
import os
import pickle
import tempfile
from array import array
from dataclasses import dataclass, field
from pathlib import Path

from foiasearch.search.whoosh.bulkscore import ScoreCache, all_field_lengths
from foiasearch.search.whoosh.docsets import LRU, to_bits
from foiasearch.search.whoosh.facets import ValueMap
from foiasearch.search.whoosh.query import TEXT_FIELDS
from foiasearch.search.whoosh import sections


@dataclass
class SearcherCache(sections.Deferred):
    # Saved apart, read when first used: a search of words without filters,
    # facets or sorts, on its first page, needs none of them.
    sections = ("newest", "oldest", "page_records")

    values: ValueMap  # facet values and bitsets of the doc records
    page_records: dict[int, tuple[str, int]]  # page record docnum -> (doc id, page number)
    newest: list[int]  # doc docnums, newest first, undated last
    oldest: list[int]  # doc docnums, oldest first, undated last
    cache: LRU = field(default_factory=lambda: LRU(128))  # (query text, widened) -> Matches
    snippets: LRU = field(default_factory=lambda: LRU(4096))  # (doc id, page, terms) -> snippet
    facets: LRU = field(default_factory=lambda: LRU(32))  # (query bits, filters, limit) -> facet counts
    page_records_of: dict[str, list[int]] = field(default_factory=dict)  # doc id -> its page docnums, ascending
    page_bits: int = 0  # the page records, as a bitset
    lengths: dict = field(default_factory=dict)  # text field lengths per segment (search.bulkscore)
    scoring: ScoreCache = field(default_factory=ScoreCache)  # search.bulkscore's memory; not saved
    parsed: LRU = field(default_factory=lambda: LRU(256))  # query text -> its parsed query on this index; not saved
    # docnum -> its page number for page records (0 for others): with
    # page_records_of, a hit's matching pages without the page_records section
    page_numbers: array = field(default_factory=lambda: array("i"))

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["scoring"] = None  # per process, like the LRU caches
        state.pop("parsed", None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        self.scoring = ScoreCache(lengths=dict(self.lengths))
        self.parsed = LRU(256)

    def load_sections(self) -> None:
        """Read every saved section of this view and of its value map."""
        super().load_sections()
        self.values.load_sections()

    def __post_init__(self) -> None:
        if not self.page_bits and self.page_records:
            self.page_bits = to_bits(self.page_records)
        if not self.page_numbers and self.page_records:
            self.page_numbers = array("i", bytes(4 * (max(self.page_records) + 1)))
            for docnum, (_, number) in self.page_records.items():
                self.page_numbers[docnum] = number
        if self.lengths and not self.scoring.lengths:
            self.scoring.lengths.update(self.lengths)
        if not self.page_records_of:
            for docnum in sorted(self.page_records):
                self.page_records_of.setdefault(self.page_records[docnum][0], []).append(docnum)

    @classmethod
    def build(cls, reader) -> "SearcherCache":
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
        lengths = all_field_lengths(reader, TEXT_FIELDS)
        return cls(ValueMap(values, types), pages, newest, oldest, lengths=lengths)


VIEW_FILE_PREFIX = "view-"
VIEW_FORMAT = 11  # bump when SearcherCache's fields change (10: arrays as array.array; 11: sections)


def view_file(folder: Path, reader) -> Path:
    """Where the view of this exact index state is kept: the TOC generation
    changes with every commit, so a file never describes another state."""
    return folder / f"{VIEW_FILE_PREFIX}{VIEW_FORMAT}-{reader.generation()}.pickle"


def load_or_build(reader, folder: Path | None, lazy: bool = False) -> SearcherCache:
    """The view of ``reader``'s index state, from ``folder`` when an earlier
    process (a CLI search, another web worker) already built it.

    Building reads every stored record (about a second at 20,000 documents);
    loading the pickle costs a small fraction of that, which is what a
    one-shot ``foiasearch search`` pays. The folder is the index's own, so
    only processes that can read the index read these files. A folder that
    cannot be written just means no cache. With ``lazy``, the view's sections
    (search.whoosh.sections) are read from the file when first used; else
    now (a server: each once, before its view is frozen for the collector).
    """
    path = view_file(folder, reader) if folder else None
    if path is not None and _trusted(path):
        try:
            with open(path, "rb") as handle:
                view = sections.read(handle)
            # A view of another state under this generation's name (seen after
            # an index run into a served index: docnums past the reader's end,
            # an IndexError on every search) is rebuilt, never used.
            if isinstance(view, SearcherCache) and view.values.all_docs.bit_length() <= reader.doc_count_all():
                if not lazy:
                    view.load_sections()
                return view
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, ImportError):
            pass  # a damaged or foreign file: rebuild below
    view = SearcherCache.build(reader)
    if path is not None:
        _save(view, path)
    return view


def reader_generation(path: Path) -> str:
    """The TOC generation a view file is named after.

    >>> reader_generation(Path("cache/view-11-244.pickle"))
    '244'
    """
    return path.name[: -len(".pickle")].rpartition("-")[2]


def _trusted(path: Path) -> bool:
    """Unpickling runs code: load only our own file that nobody else can write."""
    try:
        info = path.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def _save(view: SearcherCache, path: Path) -> None:
    temporary = None
    try:
        path.parent.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".view-")
        with os.fdopen(handle, "wb") as out:
            sections.write(view, out)
        os.replace(temporary, path)  # readers see the whole file or none
        temporary = None
        # Views of older index states go; a newer state's view stays (a
        # process still on this state must not delete what the next process
        # reads), and so does another format's view of this same state (a
        # side-by-side older checkout would rebuild it on every run).
        mine = reader_generation(path)  # "None" for an index without segments
        for old in path.parent.glob(f"{VIEW_FILE_PREFIX}*.pickle"):
            generation = reader_generation(old)
            if old == path or generation == mine:
                continue
            if not (mine.isdigit() and generation.isdigit()) or int(generation) < int(mine):
                old.unlink(missing_ok=True)
    except (OSError, TypeError, pickle.PicklingError):
        return
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
