"""Where the Whoosh index lives in an index folder, and opening it.

The folder (index.location) holds the document store (``store.db``) and,
in ``whoosh/``, the Whoosh index of the records index.whoosh.records makes.

>>> import tempfile, pathlib
>>> from foiasearch.index.location import IndexLocation
>>> location = IndexLocation(pathlib.Path(tempfile.mkdtemp()))
>>> index_exists(location), open_or_create_index(location).doc_count(), index_exists(location)
(False, 0, True)
"""

from __future__ import annotations

import shutil
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import RamStorage
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.reading import EmptyReader

from foiasearch.index.location import IndexLocation, IndexNotFound, IndexOutdated
from foiasearch.index.whoosh import segmentfiles  # noqa: F401  (segment files read in place, not copied)
from foiasearch.index.whoosh.schema import ANALYSIS_VERSION, build_schema

FOLDER = "whoosh"

# Whoosh 2.7.5's reader of an index without segments (one with no document
# yet) answers segments() with None, and Searcher.refresh() then iterates it:
# every search of an empty index raised TypeError. No segments is [].
EmptyReader.segments = lambda self: []


def _cached_column_reader(self, fieldname, column):
    """W3PerDocReader._cached_reader, remembering absent columns too.

    Whoosh caches a segment's length columns but not their absence: for a
    field without lengths (ids, keywords) every posting written at commit
    asked the file system again whether the column file exists (a third of
    a commit's segment flush in py-spy, 2,000 files). A segment's files do
    not change once written, so the answer holds."""
    try:
        return self._readers[fieldname]
    except KeyError:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        self._readers[fieldname] = reader
        return reader


W3PerDocReader._cached_reader = _cached_column_reader


def whoosh_dir(location: IndexLocation) -> Path:
    return location.root / FOLDER


def _open(folder: Path, readonly: bool):
    """Whoosh pickles the schema into its table of contents, field classes
    by module path, so an index written before a module moved would not
    unpickle (ModuleNotFoundError). The schema is this code's: it is always
    given, the pickle is never read, and the next commit writes the current one."""
    return whoosh_index.open_dir(str(folder), readonly=readonly, schema=build_schema())


def index_exists(location: IndexLocation) -> bool:
    """Whether Whoosh has committed here, by its table-of-contents files:
    opening the index would unpickle its schema, which an index written by
    another version of foiasearch may not allow (classes moved)."""
    folder = whoosh_dir(location)
    return folder.is_dir() and any(folder.glob("_MAIN_*.toc"))


def analysis_path(location: IndexLocation) -> Path:
    """Where the index records the analysis its words went through."""
    return location.root / "analysis-version"


def analysis_outdated(location: IndexLocation) -> bool:
    """True when a Whoosh index exists but its words were analysed
    differently from what this version does (no version file: an index
    from before versions were recorded)."""
    if not index_exists(location):
        return False
    try:
        return analysis_path(location).read_text(encoding="utf-8").strip() != ANALYSIS_VERSION
    except OSError:
        return True


def open_or_create_index(location: IndexLocation, rebuild: bool = False):
    """The Whoosh index for writing (created with the current schema if
    absent). One whose analysis is outdated raises IndexOutdated, unless
    ``rebuild``: then an empty one replaces it, and the caller writes every
    stored document again (index.build.reanalyze)."""
    folder = whoosh_dir(location)
    folder.mkdir(parents=True, exist_ok=True)
    if index_exists(location):
        if not analysis_outdated(location):
            return _with_new_fields(_open(folder, readonly=False))
        if not rebuild:
            raise IndexOutdated.at(location.root)
        # The old words go, and the per-generation caches with them (they
        # would be read for the new index's generations).
        shutil.rmtree(folder)
        shutil.rmtree(location.root / "cache", ignore_errors=True)
        folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema())
    analysis_path(location).write_text(ANALYSIS_VERSION + "\n", encoding="utf-8")
    return ix


def _with_new_fields(ix):
    """``ix`` with the fields the current schema has and it lacks (a facet
    added since it was created, such as "ocr"): records that carry them can
    then be written; documents indexed before simply have no value."""
    schema = build_schema()
    missing = [name for name in schema.names() if name not in ix.schema.names()]
    if missing:
        writer = ix.writer()
        for name in missing:
            writer.add_field(name, schema[name])
        writer.commit()
        ix = _open(Path(ix.storage.folder), readonly=False)
    return ix


def open_index(location: IndexLocation):
    """The Whoosh index for reading; raises IndexNotFound with the path in the message."""
    location.require()
    if not index_exists(location):
        # A run killed before Whoosh's first commit: nothing indexed yet.
        return RamStorage().create_index(build_schema())
    if analysis_outdated(location):
        raise IndexOutdated.at(location.root)
    return _open(whoosh_dir(location), readonly=True)
