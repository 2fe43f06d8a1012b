"""Settings that change how files are ingested, passed to every ingester."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class IngestOptions:
    """Picklable ingest settings (they travel to worker processes).

    >>> IngestOptions(ocr=False).ocr
    False
    """

    ocr: bool = True
    passwords: tuple[str, ...] = ()
    ocr_cache_dir: Path | None = None
    timeout_seconds: int = 300
    # Pages of one file OCRed at once (one tesseract process each). The
    # indexer already runs a process per file; raise this when a run has
    # fewer files than cores (one big scan would otherwise use one core).
    ocr_jobs: int = 1
    # Processes reading one PDF's pages at once (every n-th page each, see
    # ingest.pdf.read_pdf); raised by the indexer like ocr_jobs.
    pdf_jobs: int = 1
    ocr_dpi: int = 300  # what tesseract is tuned for; big print reads at 150
    ocr_language: str = "eng"  # tesseract -l, e.g. "eng+spa"
    actor_files: tuple[Path, ...] = ()  # user gazetteers, after the shipped one
    extra: dict = field(default_factory=dict)

    def __hash__(self) -> int:  # dict field: hash by identity-free repr
        return hash((self.ocr, self.passwords, self.ocr_cache_dir, self.timeout_seconds,
                     self.ocr_jobs, self.pdf_jobs, self.ocr_dpi, self.ocr_language,
                     self.actor_files))
