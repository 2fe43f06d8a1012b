"""The worker side of indexing: hash a file and extract it, within a time
and memory limit, in a pool process.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "x.json"
>>> _ = path.write_text("{}")
>>> extract(str(path), IngestOptions()).result.status
'skipped'
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import resource
import signal
from dataclasses import dataclass
from pathlib import Path

from foiasearch.ingest.document import Document, IngestResult
from foiasearch.ingest.hashing import file_sha256  # noqa: F401 - index.build imports it from here
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.pipeline import process_file
from foiasearch.index.backend import DEFAULT_BACKEND, prepare
from foiasearch.index.store import Packed, pack
from foiasearch.index.walk import printable

# A worker may use this much address space; a pathological file then fails
# with MemoryError (reported) instead of taking the machine down.
WORKER_MEMORY_LIMIT = 6 * 1024**3


@dataclass
class Extracted:
    """What a worker sends back for one file."""

    path: str
    sha256: str
    size: int
    mtime_ns: int
    result: IngestResult
    # part -> {0: doc text, n: page n}, prepared for the search backend (index.backend.prepare)
    analyzed: dict[str, dict[int, object]] | None = None
    # When the worker read it (the manifest's time and the documents' ingested_at)
    at: str = ""
    # part -> the document as the store keeps it (index.store.pack), for the default backend's store
    packed: dict[str, Packed] | None = None


def now() -> str:
    """The time as the manifest and documents record it."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def document_id(sha256: str, part: str, single: bool) -> str:
    """The hash of the file's bytes; a file that yields several documents
    (a feed, an export) gives each one the hash of (file hash, part)."""
    if single and not part:
        return sha256
    return hashlib.sha256(f"{sha256}\0{part}".encode()).hexdigest()


def stamp(result: IngestResult, sha256: str, at: str) -> None:
    """Give ``result``'s documents what the indexer records with them: ids,
    content hash and time."""
    single = len(result.documents) == 1
    for doc in result.documents:
        doc.id = document_id(sha256, doc.part, single)
        doc.content_hash = sha256
        doc.ingested_at = at


def _printable_strings(value):
    """``value`` (JSON-like) with lone surrogates in its strings as escapes."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, list):
        return [_printable_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _printable_strings(v) for k, v in value.items()}
    return value


def without_file_name_bytes(result: IngestResult) -> IngestResult:
    """A file whose name is not UTF-8 lends it to titles and reasons as
    lone surrogates, which neither the store nor Whoosh can encode: those
    strings get backslash escapes instead."""
    result.reason = printable(result.reason)
    result.documents = [Document.from_dict(_printable_strings(doc.to_dict())) for doc in result.documents]
    return result


class _Timeout(BaseException):  # BaseException: parsers catch Exception
    pass


def _on_alarm(signum, frame):  # pragma: no cover - signal handler
    raise _Timeout()


def init_worker() -> None:
    """Pool initializer: cap memory, let the parent handle Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = WORKER_MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(hard, WORKER_MEMORY_LIMIT)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass


def extract(path: str, options: IngestOptions) -> Extracted:
    """Hash and ingest one file; never raises for a bad file."""
    try:
        stat = os.stat(path)
        sha = file_sha256(path)
    except OSError as exc:
        return Extracted(path, "", 0, 0, IngestResult("failed", reason=f"unreadable: {exc.strerror or exc}"))
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    signal.alarm(max(1, options.timeout_seconds))
    try:
        result = process_file(Path(path), options)
    except _Timeout:
        result = IngestResult("failed", reason=f"timed out after {options.timeout_seconds} s")
    except MemoryError:
        result = IngestResult("failed", reason="too large: ran out of memory while extracting")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if not path.isprintable():
        result = without_file_name_bytes(result)
    backend = options.extra.get("backend", DEFAULT_BACKEND)  # set by index.build
    at, packed = now(), None
    if result.status == "ok" and backend == DEFAULT_BACKEND:  # its store is index.store's
        stamp(result, sha, at)
        packed = {doc.part: pack(doc) for doc in result.documents}
    # The backend's own preparation (Whoosh: analysis, and the documents' ids
    # among the fields it encodes: after stamp), for the documents at the
    # path this worker was given (the indexer gives absolute paths, made
    # printable here); the writer checks it against the path it records
    # and analyses the path field again where they differ.
    analyzed = prepare(result, backend, [printable(path)]) if result.status == "ok" else None
    return Extracted(path, sha, stat.st_size, stat.st_mtime_ns, result, analyzed, at, packed)
