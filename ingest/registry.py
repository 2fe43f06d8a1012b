"""Pick the ingester for a file by sniffing its content, then run it.

Content wins over the name: a PDF without an extension, with ``.PDF`` or
with stray bytes before ``%PDF`` is still a PDF; a ``.html`` file full of
binary junk is not HTML.

>>> sniff_format(b"\\r\\n%PDF-1.5 ...", "broken-mime.pdf")
'pdf'
>>> sniff_format(b"<!DOCTYPE html><html>", "post")
'html'
>>> sniff_format(b'{"a": 1}', "data.json") is None
True
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from foiasearch.ingest import feeds, html, pdf
from foiasearch.ingest.document import IngestError, IngestResult
from foiasearch.ingest.options import IngestOptions

SNIFF_BYTES = 4096
# A file of at most this size is read whole by its first read, and an HTML
# page is handed over as bytes: it is not opened, sized and read a second
# time (about 35 us of a synthetic post's 1.8 ms, issue 18).
WHOLE_BYTES = 1 << 20

# Each ingester module exposes ``accepts(head, name) -> bool`` and
# ``ingest(path, options) -> IngestResult``. Order matters: the first module
# that accepts the file handles it, so the most specific sniffers go first.
INGESTERS = {
    "pdf": pdf,
    "feeds": feeds,  # before html: an XML feed must not be taken for a page
    "html": html,
}

_PDF_EXTENSIONS = {".pdf"}


def sniff_format(head: bytes, name: str) -> str | None:
    """Name of the format of a file whose first bytes are ``head``, or None."""
    for fmt, module in INGESTERS.items():
        if module.accepts(head, name):
            return fmt
    return None


def read_head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SNIFF_BYTES)


def read_start(path: Path) -> tuple[bytes, str | None, bool]:
    """``(bytes, format, whole)``: the file's first SNIFF_BYTES and the format
    they show (:func:`sniff_format`); an HTML page of at most WHOLE_BYTES is
    read whole from the same handle (``whole`` is then True: its ingester
    takes the bytes instead of opening the file again). Other files are
    not read past their head here: a PDF's parser reads it itself, and a
    file that is skipped is never read whole.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".html") as handle:
    ...     _ = handle.write(b"<p>x</p>"); handle.flush()
    ...     read_start(Path(handle.name))
    (b'<p>x</p>', 'html', True)
    """
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
        fmt = sniff_format(head, path.name) if head else None
        if fmt == "html" and os.fstat(handle.fileno()).st_size <= WHOLE_BYTES:
            return head + handle.read(), fmt, True
        return head, fmt, False


def ingest_file(path: Path, options: IngestOptions | None = None) -> IngestResult:
    """Turn one file into documents, or a skipped/failed result with a reason.

    Never raises for a bad file: every problem becomes ``status="failed"``
    with a one-line reason.
    """
    options = options or IngestOptions()
    try:
        start, fmt, whole = read_start(path)
    except OSError as exc:
        return IngestResult("failed", reason=f"unreadable: {exc.strerror or exc}")
    if not start:
        return IngestResult("failed", reason="empty file")
    if fmt is None:
        if Path(path.name).suffix.lower() in _PDF_EXTENSIONS:
            return IngestResult("failed", reason="not a valid PDF (no %PDF header)")
        return IngestResult("skipped", reason="not a type foiasearch indexes")
    try:
        if fmt == "html" and whole:
            return html.ingest_bytes(start)
        return INGESTERS[fmt].ingest(path, options)
    except IngestError as exc:
        return IngestResult("failed", reason=one_line(str(exc)))
    except RecursionError:
        return IngestResult("failed", reason=f"corrupt {fmt}: structure nested too deeply")
    except MemoryError:
        return IngestResult("failed", reason=f"{fmt} too large to process in memory")
    except Exception as exc:  # a parser bug must not stop the run: report it
        return IngestResult("failed", reason=one_line(f"corrupt {fmt}: {type(exc).__name__}: {exc}"))


REASON_LIMIT = 160


def one_line(reason: str, limit: int = REASON_LIMIT) -> str:
    r"""A failure reason fit for one line of a terminal: whitespace runs made
    one space, unprintable characters (a parser quoting the file's mangled
    bytes) shown as ``?``, and at most ``limit`` characters.

    >>> one_line("not a valid PDF: Invalid dictionary construct: [/Type, b'\\x00\\x9f',\n 1]")
    "not a valid PDF: Invalid dictionary construct: [/Type, b'\\x00\\x9f', 1]"
    >>> one_line("corrupt pdf: found: \x00\x7f end")
    'corrupt pdf: found: ?? end'
    >>> len(one_line("x" * 500))
    160
    """
    text = "".join(ch if ch.isprintable() else ("" if ch in "\r\n\t" else "?") for ch in
                   re.sub(r"\s+", " ", reason)).strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
