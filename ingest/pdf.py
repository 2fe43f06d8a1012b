"""PDF releases -> one Document with one Page per PDF page (pdfminer.six).

Pages without a usable text layer (none, or only a stamp over a full-page
scan) are OCRed when ``pdftoppm`` and ``tesseract`` exist and OCR is on;
otherwise they are kept with ``needs_ocr=True``.

>>> accepts(b"\\r\\n%PDF-1.5", "broken-mime.pdf")
True
>>> pdf_date("D:20110315160200-05'00'")
'2011-03-15T16:02:00-05:00'
>>> meaningful_title("Microsoft Word - memo.doc") is None
True
"""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from pdfminer.converter import PDFLayoutAnalyzer
from pdfminer.layout import LAParams, LTContainer, LTImage, LTPage, LTText, LTTextBox
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.pdftypes import PDFException, resolve1
from pdfminer.psparser import PSException
from pdfminer.utils import decode_text

from foiasearch.ingest import ocr
from foiasearch.ingest.forked import in_forks
from foiasearch.ingest.hashing import file_sha256
from foiasearch.ingest.document import Document, IngestError, IngestResult, Page
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.pdftext import FileParser, TextInterpreter, TextReader

logging.getLogger("pdfminer").setLevel(logging.ERROR)

# Measured (bench/pdf_extraction.py): boxes_flow=None is 1.3-1.7x faster than the
# default layout analysis with nearly the same reading order.
LAPARAMS = LAParams(boxes_flow=None)
# A page with fewer non-space characters than this has no usable text layer.
MIN_TEXT_CHARS = 20
# A page mostly covered by images whose text layer is shorter than this is a
# scan with a stamp or header on top (ca4_17.pdf: 43 chars of e-filing
# stamp). Scans that carry a real OCR layer have far more (see
# bench/ocr_overlap.py --stamps for the measured distribution).
STAMP_MAX_CHARS = 200
IMAGE_COVER = 0.5  # share of the page area covered by images
# Pages per process, at least, when one file's pages are read in parallel:
# a fork and each process's own font loading cost about a page.
PARALLEL_MIN_PAGES = 4


def accepts(head: bytes, name: str) -> bool:
    """PDF signature within the first KiB (some files have stray leading bytes)."""
    return b"%PDF-" in head[:1024]


@dataclass
class RawPage:
    """What pdfminer found on one page before any OCR."""

    number: int
    text: str
    image_cover: float  # 0..1, share of the page area under images

    @property
    def chars(self) -> int:
        return len("".join(self.text.split()))

    @property
    def needs_ocr(self) -> bool:
        return self.chars < MIN_TEXT_CHARS or (self.chars < STAMP_MAX_CHARS and self.image_cover >= IMAGE_COVER)


def ingest(path: Path, options: IngestOptions) -> IngestResult:
    with _open_file(path) as handle:
        try:
            raw_pages, info, password = read_pdf(handle, options.passwords, jobs=options.pdf_jobs)
        except IngestError as exc:
            raw_pages = _poppler_pages(path, str(exc))
            info, password = {}, ""
    if not raw_pages:
        raise IngestError("no pages: the PDF has an empty page tree")
    pages = [Page(number=raw.number, text=raw.text, needs_ocr=raw.needs_ocr) for raw in raw_pages]
    doc = Document(kind="release", title=meaningful_title(info.get("Title")) or path.stem, pages=pages,
                   date=pdf_date(info.get("CreationDate")), modified=pdf_date(info.get("ModDate")))
    if options.ocr and any(page.needs_ocr for page in pages) and ocr.available():
        apply_ocr(doc, path, password, options)
    return IngestResult("ok", documents=[doc])


def apply_ocr(doc: Document, path: Path, password: str, options: IngestOptions) -> None:
    """Replace the text of every ``needs_ocr`` page of ``doc`` by its OCR."""
    wanted = [page.number for page in doc.pages if page.needs_ocr]
    request = ocr.OcrRequest(path, password=password, dpi=options.ocr_dpi, language=options.ocr_language,
                             timeout=float(options.timeout_seconds))
    results = ocr.ocr_pages(request, wanted, file_sha256(path), ocr.OcrCache(options.ocr_cache_dir),
                            jobs=options.ocr_jobs)
    for page in doc.pages:
        result = results.get(page.number)
        if isinstance(result, ocr.OcrText):
            # A stamp is kept: it is real text the scan may not repeat.
            page.text = "\n".join(t for t in (page.text, result.text) if t)
            page.ocr, page.needs_ocr = True, False
            page.ocr_confidence = result.confidence
        elif result is not None:
            doc.warnings.append(f"page {page.number}: OCR failed: {result}")


def _open_file(path: Path):
    """The file, seen from its ``%PDF-`` header on: xref offsets count from
    there, so stray leading bytes (missouri.pdf starts with ``%%EOF``) would
    otherwise make pdfminer miss every object."""
    handle = open(path, "rb")
    start = handle.read(1024).find(b"%PDF-")
    if start <= 0:
        handle.seek(0)
        return handle
    with handle:
        handle.seek(start)
        return io.BytesIO(handle.read())


def _open(handle, passwords: tuple[str, ...]) -> tuple[PDFDocument, str]:
    """The parsed document and the password that opened it ("" for none).

    Exceptions from a wrong password are dropped, never chained: nothing
    that leaves this function may carry a password.
    """
    for password in ("", *passwords):
        handle.seek(0)
        try:
            return PDFDocument(FileParser(handle), password=password), password
        except PDFPasswordIncorrect:
            continue
    raise IngestError("encrypted: password required")


def read_pdf(handle, passwords: tuple[str, ...] = (), layout: bool = False,
             jobs: int = 1) -> tuple[list[RawPage], dict, str]:
    """Text and image cover of every page, the Info dictionary, and the
    password that opened the file. Every parser failure is an IngestError.

    ``jobs`` > 1 reads a file of PARALLEL_MIN_PAGES pages or more in that
    many processes at once, each taking every ``jobs``-th page (forked
    after the file is parsed, so none parses it again).

    ``layout=True`` runs pdfminer's layout analysis instead of the
    geometry-only reader (ingest.pdftext), for comparison in
    bench/pdf_extraction.py: slower, and it glues words where boxes meet.
    """
    if jobs > 1 and not isinstance(handle, io.BytesIO):
        # Forked processes share a file's read position: each needs its own
        # copy of the bytes (a BytesIO is copied on write, never written).
        handle.seek(0)
        handle = io.BytesIO(handle.read())
    try:
        document, password = _open(handle, passwords)
        info = _info(document)
        pdf_pages = list(PDFPage.create_pages(document))
        numbers = list(range(1, len(pdf_pages) + 1))
        jobs = max(1, min(jobs, len(pdf_pages) // PARALLEL_MIN_PAGES))
        parts = [numbers[k::jobs] for k in range(jobs)]
        found = in_forks(lambda part: _read_pages(pdf_pages, part, layout), parts)
        pages = sorted((page for part in found for page in part), key=lambda page: page.number)
        return pages, info, password
    except IngestError:
        raise
    except PDFEncryptionError as exc:
        raise IngestError(f"encrypted: unsupported encryption ({exc})") from None
    except (PDFSyntaxError, PSException) as exc:
        raise IngestError(f"not a valid PDF: {exc}") from None
    except PDFException as exc:
        raise IngestError(f"corrupt PDF: {exc}") from None


def _read_pages(pdf_pages: list[PDFPage], numbers: list[int], layout: bool) -> list[RawPage]:
    """The pages ``numbers`` (1-based) of ``pdf_pages``."""
    manager = PDFResourceManager(caching=True)
    device = _PageReader(manager) if layout else TextReader(manager)
    interpreter = (PDFPageInterpreter if layout else TextInterpreter)(manager, device)
    pages = []
    for number in numbers:
        interpreter.process_page(pdf_pages[number - 1])
        if layout:
            pages.append(device.page(number))
        else:
            pages.append(RawPage(number, device.text(), device.image_cover()))
    return pages


class _PageReader(PDFLayoutAnalyzer):
    """Collects a page's text (as pdfminer's TextConverter writes it) and
    the share of the page covered by images, in one layout pass."""

    def __init__(self, manager: PDFResourceManager) -> None:
        super().__init__(manager, laparams=LAPARAMS)
        self.parts: list[str] = []
        self.image_area = 0.0
        self.page_area = 1.0

    def receive_layout(self, ltpage: LTPage) -> None:
        parts, x0, y0, x1, y1 = [], ltpage.x0, ltpage.y0, ltpage.x1, ltpage.y1
        area = 0.0

        def walk(item) -> None:
            nonlocal area
            if isinstance(item, LTContainer):
                for child in item:
                    walk(child)
            elif isinstance(item, LTText):
                parts.append(item.get_text())
            if isinstance(item, LTTextBox):
                parts.append("\n")
            elif isinstance(item, LTImage):
                width = max(0.0, min(item.x1, x1) - max(item.x0, x0))
                height = max(0.0, min(item.y1, y1) - max(item.y0, y0))
                area += width * height

        walk(ltpage)
        self.parts, self.image_area = parts, area
        self.page_area = max(1.0, (x1 - x0) * (y1 - y0))

    def page(self, number: int) -> RawPage:
        text = "".join(self.parts).replace("\x0c", "").strip()
        return RawPage(number, text, min(1.0, self.image_area / self.page_area))


def _info(document: PDFDocument) -> dict[str, str]:
    """Title and dates of the Info dictionary as text (later ones win)."""
    found: dict[str, str] = {}
    for info in document.info:
        for key in ("Title", "CreationDate", "ModDate"):
            try:
                value = resolve1(info.get(key))
            except (PDFException, PSException):
                continue
            if isinstance(value, bytes):
                value = decode_text(value)
            if isinstance(value, str) and value.strip():
                found[key] = value.strip().replace("\x00", "")
    return found


_GENERATED_TITLE = re.compile(
    r"^(untitled\d*|microsoft (word|excel|powerpoint) - .*|document\d*|scan\w*|\d+|.*\.(docx?|pdf|tiff?|rtf|txt|xlsx?|wpd))$",
    re.IGNORECASE)


def meaningful_title(value: str | None) -> str | None:
    """A metadata title worth showing, or None for empty or tool-made ones.

    >>> meaningful_title("Death of a detainee")
    'Death of a detainee'
    >>> meaningful_title("untitled") is None
    True
    """
    if not value:
        return None
    value = " ".join(value.split())
    if len(value) < 3 or _GENERATED_TITLE.match(value):
        return None
    return value


_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(Z|[+-]\d{2})?'?(\d{2})?")


def pdf_date(value: str | None) -> str | None:
    """A PDF date string (``D:YYYYMMDDHHmmSS+HH'mm'``) as ISO 8601, or None.

    >>> pdf_date("D:2021")
    '2021-01-01'
    >>> pdf_date("garbage") is None
    True
    """
    match = _PDF_DATE.match((value or "").strip())
    if not match:
        return None
    year, month, day, hour, minute, second, zone, zone_minutes = match.groups()
    if not (1900 < int(year) < 2200 and 1 <= int(month or 1) <= 12 and 1 <= int(day or 1) <= 31):
        return None
    date = f"{year}-{month or '01'}-{day or '01'}"
    if hour is None or int(hour) > 23 or int(minute or 0) > 59 or int(second or 0) > 59:
        return date
    stamp = f"{date}T{hour}:{minute or '00'}:{second or '00'}"
    if zone == "Z":
        return stamp + "+00:00"
    if zone:
        return f"{stamp}{zone}:{zone_minutes or '00'}"
    return stamp


def _poppler_pages(path: Path, reason: str) -> list[RawPage]:
    """Pages read by poppler's ``pdftotext`` when pdfminer cannot parse a
    file that poppler can; re-raises ``reason`` when poppler cannot either.

    Not for encryption: the password failure is the answer there.
    """
    if reason.startswith("encrypted") or not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        raise IngestError(reason)
    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, timeout=60, text=True, errors="replace")
        count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE).group(1))
        pages = []
        for number in range(1, count + 1):
            out = subprocess.run(["pdftotext", "-layout", "-f", str(number), "-l", str(number), str(path), "-"],
                                 capture_output=True, timeout=60)
            if out.returncode != 0:
                raise IngestError(reason)
            pages.append(RawPage(number, out.stdout.decode("utf-8", "replace").replace("\x0c", "").strip(), 0.0))
        return pages
    except (AttributeError, OSError, subprocess.TimeoutExpired):
        raise IngestError(reason) from None
