"""Where an index lives on disk, and how to open its parts.

>>> IndexLocation.resolve(None, env={}).root.name
'.foiasearch'
>>> IndexLocation("ix").store_path.name   # a str root is taken as a Path
'store.db'
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from foiasearch.index.store import DocumentStore

DEFAULT_DIR = ".foiasearch"
ENV_VAR = "FOIASEARCH_INDEX"
URL_SCHEMES = ("postgresql://", "postgres://")


class IndexNotFound(Exception):
    """No index at the given location."""


class IndexOutdated(IndexNotFound):
    """The index's words were analysed by another version of foiasearch
    (index.whoosh.wordforms.ANALYSIS_VERSION): queries would not meet them. The
    message says how to rebuild it from the stored text."""

    @classmethod
    def at(cls, root: Path) -> "IndexOutdated":
        return cls(f"the index at {root} was built by an older foiasearch that analysed words differently; "
                   f"run 'foiasearch index --reanalyze --index {root}' (or index any folder into it) "
                   "to rebuild its word index from the stored text, without reading the files again")


class IndexUnavailable(IndexNotFound):
    """The index exists elsewhere but cannot be reached now (a database
    server down or unreachable); the message is one line naming it."""


@dataclass(frozen=True)
class IndexLocation:
    """A folder (Whoosh, the default) or a database URL (PostgreSQL: ``url``;
    ``root`` is then a local folder for the OCR cache and page images)."""

    root: Path
    url: str | None = None

    def __post_init__(self) -> None:
        # Library callers often hold a str; every property below joins paths,
        # so take either rather than failing later with a TypeError.
        if not isinstance(self.root, Path):
            object.__setattr__(self, "root", Path(self.root))

    @classmethod
    def resolve(cls, given: str | os.PathLike | None, env: dict | None = None) -> "IndexLocation":
        """``--index`` wins, then $FOIASEARCH_INDEX, then ./.foiasearch."""
        env = os.environ if env is None else env
        value = str(given or env.get(ENV_VAR) or DEFAULT_DIR)
        if value.startswith(URL_SCHEMES):
            import hashlib  # only for a database URL: loading OpenSSL is 6 ms of a one-shot search

            cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "foiasearch"
            return cls(cache / hashlib.sha256(value.encode()).hexdigest()[:16], url=value)
        return cls(Path(value))

    @property
    def backend(self) -> str:
        """The search backend this location implies: postgresql for a URL, else whoosh."""
        return "postgresql" if self.url else "whoosh"

    @property
    def display(self) -> str:
        """The location for messages (a URL without its password)."""
        if not self.url:
            return str(self.root)
        from foiasearch.index.postgres.schema import Target

        return Target(self.url, "").display

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
        """An index folder: its store, with or without the search index's
        first commit (a run killed before it: nothing indexed yet). A
        database URL is checked when it is opened."""
        return bool(self.url) or self.store_path.exists()

    def require(self) -> None:
        """Raise IndexNotFound, naming the folder, unless an index is here."""
        if not self.exists():
            raise IndexNotFound(f"no index at {self.root} (run 'foiasearch index PATH' first, or pass --index DIR)")

    def open_store(self, readonly: bool = False) -> DocumentStore:
        if self.url:  # the manifest lives in the database, shared by every indexer
            from foiasearch.index.postgres.store import PostgresStore

            return PostgresStore(self)
        if readonly and not self.store_path.exists():
            raise IndexNotFound(f"no index at {self.root}")
        return DocumentStore(self.store_path, readonly=readonly)
