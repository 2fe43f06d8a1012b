"""One file in, finished documents out: parse, then run the extractors.

This is what each worker process of the indexer runs. Pure: it reads the
file and returns data; it never touches an index.

>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "p.html"
>>> _ = path.write_text("<html><title>Hi</title><body><p>ICE and DHS</p></body></html>")
>>> process_file(path).documents[0].title
'Hi'
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from foiasearch.ingest.actors import extract_actors
from foiasearch.ingest.document import Document, IngestResult
from foiasearch.ingest.foia import annotate
from foiasearch.ingest.gazetteer import Gazetteer, load_gazetteer
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.registry import ingest_file


@lru_cache(maxsize=4)
def gazetteer_for(actor_files: tuple[Path, ...]) -> Gazetteer:
    """The shipped gazetteer plus the user's files, compiled once per process."""
    return load_gazetteer(actor_files)


def enrich(doc: Document, options: IngestOptions) -> Document:
    """Run the text extractors over a parsed document: FOIA exemptions,
    Bates numbers and printed e-mails first (actors uses the e-mails)."""
    annotate(doc)
    doc.actors = extract_actors(doc, gazetteer_for(options.actor_files))
    return doc


def process_file(path: Path, options: IngestOptions | None = None) -> IngestResult:
    """Parse ``path`` and enrich every document it yields."""
    options = options or IngestOptions()
    result = ingest_file(path, options)
    result.documents = [enrich(doc, options) for doc in result.documents]
    return result
