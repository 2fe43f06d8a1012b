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

from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import RamStorage
from whoosh.reading import EmptyReader

from foiasearch.index.location import IndexLocation, IndexNotFound
from foiasearch.index.whoosh.schema import build_schema

FOLDER = "whoosh"

# Whoosh 2.7.5's reader of an index without segments (one with no document
# yet) answers segments() with None, and Searcher.refresh() then iterates it:
# every search of an empty index raised TypeError. No segments is [].
EmptyReader.segments = lambda self: []


def whoosh_dir(location: IndexLocation) -> Path:
    return location.root / FOLDER


def index_exists(location: IndexLocation) -> bool:
    return whoosh_index.exists_in(str(whoosh_dir(location)))


def open_or_create_index(location: IndexLocation):
    """The Whoosh index for writing (created with the current schema if absent)."""
    folder = whoosh_dir(location)
    folder.mkdir(parents=True, exist_ok=True)
    if whoosh_index.exists_in(str(folder)):
        return whoosh_index.open_dir(str(folder))
    return whoosh_index.create_in(str(folder), build_schema())


def open_index(location: IndexLocation):
    """The Whoosh index for reading; raises IndexNotFound with the path in the message."""
    location.require()
    if not index_exists(location):
        # A run killed before Whoosh's first commit: nothing indexed yet.
        return RamStorage().create_index(build_schema())
    return whoosh_index.open_dir(str(whoosh_dir(location)), readonly=True)
