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
from foiasearch.ingest.dates import release_date
from foiasearch.ingest.document import Document, IngestResult
from foiasearch.ingest.foia import annotate
from foiasearch.ingest.gazetteer import Gazetteer, load_gazetteer
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.registry import ingest_file
from foiasearch.ingest.titles import release_title


@lru_cache(maxsize=4)
def gazetteer_for(actor_files: tuple[Path, ...]) -> Gazetteer:
    """The shipped gazetteer plus the user's files, compiled once per process."""
    return load_gazetteer(actor_files)


# Raise when a change to extraction changes what documents hold: `foiasearch
# index` then extracts again every document made by an older version.
# 2: OCR confidences, release dates and titles from the content (issue 15).
EXTRACTOR_VERSION = 2


def date_and_title(doc: Document, path: Path) -> Document:
    """A release's date and title from its text (:mod:`ingest.dates`,
    :mod:`ingest.titles`); what the PDF's metadata said is the fallback.
    Other kinds keep their metadata date, marked as such."""
    if doc.kind != "release":
        if doc.date and not doc.date_source:
            doc.date_source = "metadata"
        return doc
    texts = [page.text for page in doc.pages[:2]]
    scanned = all(page.ocr or page.needs_ocr for page in doc.pages)
    doc.date, doc.date_source = release_date(texts, doc.date, path.name, scanned)
    doc.title = release_title(texts, doc.title if doc.title != path.stem else None, path.stem)
    return doc


def enrich(doc: Document, options: IngestOptions) -> Document:
    """Run the text extractors over a parsed document: FOIA exemptions,
    Bates numbers and printed e-mails first (actors uses the e-mails)."""
    annotate(doc)
    doc.actors = extract_actors(doc, gazetteer_for(options.actor_files))
    doc.extractor = EXTRACTOR_VERSION
    return doc


def process_file(path: Path, options: IngestOptions | None = None) -> IngestResult:
    """Parse ``path`` and enrich every document it yields."""
    options = options or IngestOptions()
    result = ingest_file(path, options)
    result.documents = [enrich(date_and_title(doc, path), options) for doc in result.documents]
    return result
