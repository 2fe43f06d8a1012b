"""PDF releases -> one Document with one Page per PDF page (pdfminer.six).

>>> accepts(b"\\r\\n%PDF-1.5", "broken-mime.pdf")
True
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from pdfminer.converter import TextConverter
from pdfminer.layout import LAParams
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser, PDFSyntaxError
from pdfminer.psparser import PSException
from pdfminer.pdftypes import PDFException

from ingest.document import Document, IngestError, IngestResult, Page
from ingest.options import IngestOptions

logging.getLogger("pdfminer").setLevel(logging.ERROR)

# Measured here (DESIGN.md): boxes_flow=None is 1.3-1.7x faster than the
# default layout analysis with nearly the same reading order.
LAPARAMS = LAParams(boxes_flow=None)
# A page with fewer non-space characters than this has no usable text layer.
MIN_TEXT_CHARS = 20


def accepts(head: bytes, name: str) -> bool:
    """PDF signature within the first KiB (some files have stray leading bytes)."""
    return b"%PDF-" in head[:1024]


def ingest(path: Path, options: IngestOptions) -> IngestResult:
    with open(path, "rb") as handle:
        pages = list(extract_pages(handle, options.passwords))
    if not pages:
        raise IngestError("no pages: the PDF has an empty page tree")
    doc = Document(kind="release", title=path.stem, pages=pages)
    return IngestResult("ok", documents=[doc])


def _open(handle, passwords: tuple[str, ...]) -> PDFDocument:
    parser = PDFParser(handle)
    for password in ("", *passwords):
        try:
            return PDFDocument(parser, password=password)
        except PDFPasswordIncorrect:
            handle.seek(0)
            parser = PDFParser(handle)
    raise IngestError("encrypted: password required")


def extract_pages(handle, passwords: tuple[str, ...] = ()):
    """Yield a :class:`Page` per PDF page; pages without text are marked
    ``needs_ocr``."""
    try:
        document = _open(handle, passwords)
        if not document.is_extractable:
            pass  # owner-password restrictions do not stop indexing text
        manager = PDFResourceManager(caching=True)
        for number, pdf_page in enumerate(PDFPage.create_pages(document), start=1):
            buffer = io.StringIO()
            device = TextConverter(manager, buffer, laparams=LAPARAMS)
            PDFPageInterpreter(manager, device).process_page(pdf_page)
            device.close()
            text = buffer.getvalue().replace("\x0c", "").strip()
            sparse = len("".join(text.split())) < MIN_TEXT_CHARS
            yield Page(number=number, text=text, needs_ocr=sparse)
    except IngestError:
        raise
    except PDFEncryptionError as exc:
        raise IngestError(f"encrypted: unsupported encryption ({exc})") from exc
    except (PDFSyntaxError, PSException) as exc:
        raise IngestError(f"not a valid PDF: {exc}") from exc
    except PDFException as exc:
        raise IngestError(f"corrupt PDF: {exc}") from exc
