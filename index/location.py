"""Where an index lives on disk, and how to open its parts.

>>> IndexLocation.resolve(None, env={}).root.name
'.foiasearch'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import RamStorage
from whoosh.reading import EmptyReader

from foiasearch.index.schema import build_schema
from foiasearch.index.store import DocumentStore

DEFAULT_DIR = ".foiasearch"
ENV_VAR = "FOIASEARCH_INDEX"


# Whoosh 2.7.5's reader of an index without segments (one with no document
# yet) answers segments() with None, and Searcher.refresh() then iterates it:
# every search of an empty index raised TypeError. No segments is [].
EmptyReader.segments = lambda self: []


class IndexNotFound(Exception):
    """No index at the given location."""


@dataclass(frozen=True)
class IndexLocation:
    root: Path

    @classmethod
    def resolve(cls, given: str | os.PathLike | None, env: dict | None = None) -> "IndexLocation":
        """``--index`` wins, then $FOIASEARCH_INDEX, then ./.foiasearch."""
        env = os.environ if env is None else env
        return cls(Path(given or env.get(ENV_VAR) or DEFAULT_DIR))

    @property
    def whoosh_dir(self) -> Path:
        return self.root / "whoosh"

    @property
    def store_path(self) -> Path:
        return self.root / "store.db"

    @property
    def lock_path(self) -> Path:
        return self.root / "write.lock"

    @property
    def ocr_cache_dir(self) -> Path:
        return self.root / "ocr-cache"

    def exists(self) -> bool:
        """An index folder: its store, with or without Whoosh's first commit."""
        return self.store_path.exists()

    def open_or_create_index(self):
        self.whoosh_dir.mkdir(parents=True, exist_ok=True)
        if whoosh_index.exists_in(str(self.whoosh_dir)):
            return whoosh_index.open_dir(str(self.whoosh_dir))
        return whoosh_index.create_in(str(self.whoosh_dir), build_schema())

    def open_index(self):
        """Open for reading; raises IndexNotFound with the path in the message."""
        if not self.exists():
            raise IndexNotFound(f"no index at {self.root} (run 'foiasearch index PATH' first, or pass --index DIR)")
        if not whoosh_index.exists_in(str(self.whoosh_dir)):
            # A run killed before Whoosh's first commit: nothing indexed yet.
            return RamStorage().create_index(build_schema())
        return whoosh_index.open_dir(str(self.whoosh_dir), readonly=True)

    def open_store(self, readonly: bool = False) -> DocumentStore:
        if readonly and not self.store_path.exists():
            raise IndexNotFound(f"no index at {self.root}")
        return DocumentStore(self.store_path, readonly=readonly)
