"""OCR of single PDF pages: poppler's ``pdftoppm`` renders, ``tesseract`` reads.

Both are optional system tools; :func:`available` says whether they are on
PATH. Results are cached by file hash and page number so that re-indexing a
file never OCRs the same page twice.

>>> cache = OcrCache(None)
>>> cache.get("ab" * 32, 1) is None
True
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

# 300 dpi is what tesseract is tuned for; lower loses small print in scans.
DEFAULT_DPI = 300
# Unbounded OpenMP threads in tesseract measured ~30x slower on a busy
# machine; parallelism comes from running several pages instead.
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


def available() -> bool:
    """True when both ``pdftoppm`` and ``tesseract`` are on PATH."""
    return bool(shutil.which("pdftoppm") and shutil.which("tesseract"))


class OcrFailed(Exception):
    """One page could not be OCRed; the message names the tool and the
    cause, never the password."""


class OcrCache:
    """OCR text per (file sha256, page), one small file each; ``root=None``
    disables caching.

    Writes are atomic (temp file + rename) so a killed run never leaves a
    half-written page that a later run would trust.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = Path(root) if root else None

    def _path(self, sha256: str, page: int) -> Path:
        return self.root / sha256[:2] / f"{sha256}-{page}.txt"

    def get(self, sha256: str, page: int) -> str | None:
        if self.root is None:
            return None
        try:
            return self._path(sha256, page).read_text(encoding="utf-8")
        except OSError:
            return None

    def put(self, sha256: str, page: int, text: str) -> None:
        if self.root is None:
            return
        target = self._path(sha256, page)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, target)
        except OSError:
            pass  # a cache that cannot be written only costs time later


class _Processes:
    """The tool processes running right now, so that a timeout (SIGALRM in
    the indexer's worker) can kill those started by pool threads too."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.live: set[subprocess.Popen] = set()
        self.closed = False

    def run(self, argv: list[str], stdin: bytes | None, timeout: float) -> bytes:
        """Run ``argv`` and return its stdout; :class:`OcrFailed` on error."""
        tool = os.path.basename(argv[0])
        process = subprocess.Popen(argv, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_ENV)
        with self.lock:
            self.live.add(process)
            if self.closed:  # interrupted meanwhile: start nothing new
                process.kill()
        try:
            out, err = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise OcrFailed(f"{tool} timed out after {timeout:.0f} s") from None
        finally:
            process.kill()  # no-op when it has exited; kills it on timeout or interrupt
            process.wait()
            with self.lock:
                self.live.discard(process)
        if process.returncode != 0:
            last = (err.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
            raise OcrFailed(f"{tool} failed (exit {process.returncode}): {last[:120]}")
        return out

    def kill_all(self) -> None:
        with self.lock:
            self.closed = True
            for process in self.live:
                process.kill()


@dataclass(frozen=True)
class OcrRequest:
    """What to OCR: a PDF on disk and how to render it."""

    path: Path
    password: str = ""  # the one that opened the file; passed only in argv
    dpi: int = DEFAULT_DPI
    language: str = "eng"
    timeout: float = 300.0


def ocr_page(request: OcrRequest, page: int, processes: _Processes | None = None) -> str:
    """OCR text of page ``page`` (1-based) of ``request.path``.

    >>> ocr_page(OcrRequest(Path("/nonexistent.pdf")), 1)  # doctest: +SKIP
    Traceback (most recent call last):
    OcrFailed: pdftoppm failed (exit 1): ...
    """
    processes = processes or _Processes()
    render = ["pdftoppm", "-r", str(request.dpi), "-gray", "-png", "-singlefile", "-f", str(page), "-l", str(page)]
    if request.password:
        render += ["-upw", request.password]
    image = processes.run([*render, str(request.path)], None, request.timeout)
    if not image:
        raise OcrFailed("pdftoppm rendered nothing")
    text = processes.run(["tesseract", "-", "stdout", "-l", request.language], image, request.timeout)
    return text.decode("utf-8", "replace").replace("\x0c", "").strip()


def ocr_pages(request: OcrRequest, pages: Iterable[int], sha256: str, cache: OcrCache,
              jobs: int = 1) -> dict[int, str | OcrFailed]:
    """OCR ``pages``; each maps to its text or the :class:`OcrFailed` it hit.

    Cached pages are not OCRed again. ``jobs`` > 1 runs that many pages at
    once (one tesseract process each); every process still running when
    this returns or is interrupted is killed.
    """
    results: dict[int, str | OcrFailed] = {}
    todo = []
    for page in pages:
        cached = cache.get(sha256, page)
        if cached is None:
            todo.append(page)
        else:
            results[page] = cached
    processes = _Processes()

    def one(page: int) -> tuple[int, str | OcrFailed]:
        try:
            text = ocr_page(request, page, processes)
        except OcrFailed as exc:
            return page, exc
        except OSError as exc:  # the tool vanished or cannot start
            return page, OcrFailed(f"cannot run OCR tools: {exc.strerror or exc}")
        cache.put(sha256, page, text)
        return page, text

    pool = ThreadPoolExecutor(max_workers=min(jobs, len(todo))) if jobs > 1 and len(todo) > 1 else None
    try:
        if pool is None:
            results.update(one(page) for page in todo)
        else:
            results.update(pool.map(one, todo))
    finally:
        # Kill first, then join: the threads are blocked on their processes.
        processes.kill_all()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return results
