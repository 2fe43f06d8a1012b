"""Exports that can be cited: one row per matching document, streamed.

Rows are built from the backend's hits batch by batch (``ResultStream.hits``) and
written as they come, so an export of 100,000 documents never holds them
all. Every export says where it came from (``meta``): the query, its
filters, when it was made, by which foiasearch version, and a fingerprint
of the index it read.

>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> pages_label([{"page": 3, "bates": "DEF-000103"}, {"page": 17, "bates": None}])
'3 (DEF-000103); 17'
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from foiasearch.search.api import Hit, Query, ResultStream, SearchBackend
from foiasearch.search.marks import to_plain

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
}
COLUMNS = ("id", "title", "kind", "date", "paths", "url", "tags", "actors", "exemptions",
           "bates_range", "pages", "snippet", "score")
NAME_COLUMN = "query_name"  # first column of batch exports
LIST_SEPARATOR = "; "
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ExportError(Exception):
    """An export that cannot be written; the message is one line."""


def foiasearch_version() -> str:
    try:
        return metadata.version("foiasearch")
    except metadata.PackageNotFoundError:
        return "unknown"


# -- rows ------------------------------------------------------------------------
def pages_label(pages: list[dict[str, Any]]) -> str:
    """Matching pages for a citation: ``3 (DEF-000103); 17``."""
    return LIST_SEPARATOR.join(
        f"{p['page']} ({p['bates']})" if p.get("bates") else str(p["page"]) for p in pages
    )


def hit_row(hit: Hit, backend: SearchBackend) -> dict[str, Any]:
    """A hit as an export row (JSON types; lists stay lists)."""
    doc = hit.document
    numbers = sorted(set(hit.matching_pages))  # ascending: the order a citation lists them
    bates = {p.number: p.bates for p in (doc.pages if doc else []) if p.bates}
    missing = [n for n in numbers if n not in bates]
    if missing and doc is not None and doc.kind == "release":
        bates.update(backend.page_bates(hit.id, missing))
    return {
        "id": hit.id,
        "title": hit.title,
        "kind": hit.kind,
        "date": hit.date,
        "paths": hit.paths,
        "url": hit.url,
        "tags": doc.tags if doc else [],
        "actors": [{"name": a.name, "type": a.type} for a in doc.actors] if doc else [],
        "exemptions": doc.exemptions if doc else [],
        "bates_range": list(doc.bates_range) if doc and doc.bates_range else None,
        "pages": [{"page": n, "bates": bates.get(n)} for n in numbers],
        "snippet": to_plain(hit.snippet),
        "score": round(hit.score, 4),
    }


def neutralise(cell: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def csv_cells(row: dict[str, Any]) -> dict[str, str]:
    """A row flattened for CSV: lists joined with '; ', formulas neutralised."""
    flat: dict[str, str] = {}
    for key, value in row.items():
        if key == "pages":
            text = pages_label(value)
        elif key == "actors":
            text = LIST_SEPARATOR.join(f"{a['name']} ({a['type']})" for a in value)
        elif key == "bates_range":
            text = " to ".join(value) if value else ""
        elif isinstance(value, list):
            text = LIST_SEPARATOR.join(value)
        elif value is None:
            text = ""
        else:
            text = str(value)
        flat[key] = neutralise(text)
    return flat


# -- what is exported ----------------------------------------------------------------
@dataclass
class ExportPart:
    """One query's results; ``name`` labels its rows in a batch export."""

    name: str | None
    query: Query
    results: ResultStream


class Export:
    """Matches of one query (or of several, named, for a batch) with their
    provenance. Build it, read ``meta``, then stream with :func:`stream`.

    >>> # export = Export.of_query(backend, Query('"opt out"'), saved_name="opt-out")
    >>> # for chunk in stream(export, "csv"): response.write(chunk)
    """

    def __init__(self, backend: SearchBackend, parts: list[ExportPart], saved_name: str | None = None,
                 batch: bool = False, per_batch: int = 500) -> None:
        self.backend = backend
        self.parts = parts
        self.batch = batch
        self.per_batch = per_batch
        self.columns = ((NAME_COLUMN,) if batch else ()) + COLUMNS
        self.meta = self._meta(saved_name)
        self.written = 0  # rows yielded so far by rows()
        self.max_rows: int | None = None
        self.hide_paths = False

    def restrict(self, max_rows: int | None = None, hide_paths: bool = False) -> "Export":
        """For visitors who are not signed in: at most ``max_rows`` rows (the
        meta says so), file names without their folders, no index path."""
        self.max_rows, self.hide_paths = max_rows, hide_paths
        if hide_paths:
            self.meta["index"].pop("path", None)
        if max_rows is not None and self.total > max_rows:
            self.meta["rows_limit"] = max_rows
        return self

    @classmethod
    def of_query(cls, backend: SearchBackend, query: Query, saved_name: str | None = None) -> "Export":
        """Raises QueryError for a query that cannot be run."""
        return cls(backend, [ExportPart(saved_name, query, backend.stream(query))], saved_name)

    @property
    def total(self) -> int:
        return sum(p.results.total for p in self.parts)

    def _meta(self, saved_name: str | None) -> dict[str, Any]:
        fingerprint = self.parts[0].results.fingerprint if self.parts else self.backend.fingerprint()
        queries = [{"name": p.name, "query": p.query.text, "filters": p.query.filters, "sort": p.query.sort,
                    "total": p.results.total} for p in self.parts]
        meta: dict[str, Any] = {}
        if not self.batch and queries:
            meta.update(saved_search=saved_name, query=queries[0]["query"],
                        filters=queries[0]["filters"], sort=queries[0]["sort"])
        meta.update(
            queries=queries,
            total=self.total,
            exported_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            foiasearch_version=foiasearch_version(),
            index=fingerprint.to_json(),
            columns=list(self.columns),
        )
        return meta

    def rows(self) -> Iterator[dict[str, Any]]:
        for part in self.parts:
            for hit in part.results.hits(batch=self.per_batch):
                if self.max_rows is not None and self.written >= self.max_rows:
                    return
                row = hit_row(hit, self.backend)
                if self.hide_paths:
                    row["paths"] = [os.path.basename(p) or p for p in row["paths"]]
                self.written += 1
                yield {NAME_COLUMN: part.name, **row} if self.batch else row


# -- formats ---------------------------------------------------------------------------
def iter_csv(export: Export, bom: bool = False) -> Iterator[str]:
    """RFC 4180 CSV (CRLF line ends, quoted where needed), one chunk per row."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=export.columns)

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writeheader()
    yield ("\ufeff" if bom else "") + take()
    for row in export.rows():
        writer.writerow(csv_cells(row))
        yield take()


def iter_json(export: Export) -> Iterator[str]:
    """``{"meta": {...}, "rows": [...]}`` written row by row."""
    yield '{"meta": ' + json.dumps(export.meta, ensure_ascii=False) + ',\n "rows": ['
    separator = "\n  "
    for row in export.rows():
        yield separator + json.dumps(row, ensure_ascii=False)
        separator = ",\n  "
    yield "\n]}\n"


def iter_jsonl(export: Export) -> Iterator[str]:
    """One JSON object per line, one line per row (meta goes beside: see write_export)."""
    for row in export.rows():
        yield json.dumps(row, ensure_ascii=False) + "\n"


def stream(export: Export, fmt: str, bom: bool = False) -> Iterator[str]:
    """The export as text chunks; ``FORMATS[fmt]`` is its content type."""
    if fmt == "csv":
        return iter_csv(export, bom)
    if fmt == "json":
        return iter_json(export)
    if fmt == "jsonl":
        return iter_jsonl(export)
    raise ExportError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")


def download_name(base: str, fmt: str) -> str:
    """A file name for a download, e.g. ``opt-out.csv``."""
    return f"{base}.{fmt}"


def meta_path(path: Path) -> Path:
    """Where a CSV or JSONL export's provenance goes: ``FILE.meta.json``."""
    return path.with_name(path.name + ".meta.json")


# -- writing files ------------------------------------------------------------------------
def _temp_beside(path: Path) -> IO[str]:
    """A new temporary text file in ``path``'s folder (so a rename is atomic)."""
    if path.is_dir():
        raise ExportError(f"cannot write {path}: it is a folder")
    try:
        return tempfile.NamedTemporaryFile("w", encoding="utf-8", newline="", dir=path.parent,
                                           prefix=f".{path.name}.", suffix=".tmp", delete=False)
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None


def current_umask() -> int:
    """The process's umask (read from /proc when possible: setting it to
    read it back is not thread-safe)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def atomic_output(path: Path) -> Iterator[IO[str]]:
    """A text file at ``path`` that appears whole or not at all: written to a
    temporary file beside it and renamed into place on success."""
    path = Path(path)
    handle = _temp_beside(path)
    try:
        with handle:
            yield handle
        try:
            # mkstemp makes the file 0600; an export is an ordinary file, so
            # it gets the mode any new file gets under the user's umask.
            os.chmod(handle.name, 0o666 & ~current_umask())
            os.replace(handle.name, path)
        except OSError as exc:
            raise ExportError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise


def check_writable(path: Path) -> None:
    """Fail early, before a long search, when ``path`` cannot be written
    (touches nothing but a temporary file, removed at once)."""
    handle = _temp_beside(Path(path))
    handle.close()
    Path(handle.name).unlink()


def write_export(export: Export, fmt: str, out: IO[str], bom: bool = False) -> int:
    """Write the export to an open text stream; returns the rows written."""
    for chunk in stream(export, fmt, bom):
        out.write(chunk)
    return export.written


def export_to_file(export: Export, fmt: str, path: Path, bom: bool = False) -> int:
    """Write ``path`` (and ``path.meta.json`` for csv and jsonl) atomically;
    returns the rows written (``rows`` in the companion file)."""
    with atomic_output(path) as out:
        rows = write_export(export, fmt, out, bom)
        if fmt != "json":  # JSON carries its meta inside
            with atomic_output(meta_path(path)) as meta_out:
                json.dump({**export.meta, "rows": rows, "format": fmt, "file": path.name},
                          meta_out, ensure_ascii=False, indent=2)
                meta_out.write("\n")
    return rows
