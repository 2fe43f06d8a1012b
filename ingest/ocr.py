"""OCR of single PDF pages: poppler's ``pdftoppm`` renders, tesseract reads.

The page is rendered to a grey PGM on a pipe (no PNG encode/decode) and
handed to tesseract's C++ API through ``tesserocr``, one engine kept per
thread so the language model is loaded once, not once per page. Every page
keeps tesseract's mean word confidence (0-100). A page whose first reading
is poor (little text or low confidence) is read again from a cleaned-up
image: higher resolution, stretched contrast, deskewed, and thresholded with
Sauvola's adaptive method, which keeps faint typing that a global threshold
drops. The better of the two readings (more confident words) is kept.

Results are cached by file hash, page number and OCR recipe, so re-indexing a
file never OCRs the same page twice.

>>> cache = OcrCache(None)
>>> cache.get("ab" * 32, 1) is None
True
>>> OcrText("QUOKKA", 91.0).low
False
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from foiasearch.ingest.document import LOW_OCR_CONFIDENCE


class _Numpy:
    """numpy, imported when the OCR first uses it: its import was a fifth of
    an indexing run's start-up (0.1 of 0.5 s of CPU, before the extraction
    workers fork), and a PDF with a text layer never needs it."""

    def __getattr__(self, name: str):
        import numpy

        globals()["np"] = numpy
        return getattr(numpy, name)


np = _Numpy()


# Chosen by word overlap with the Lucy Parsons references (bench/ocr_overlap.py
# --variants before after dpi200 dpi250 dpi300, see docs/EXTRACTION.md):
# 0.929 at 200 dpi, 0.930 at 250, 0.932 at 300, for 0.58 / 0.67 / 0.80 CPU
# seconds a page; 300 is the only one no worse than the old engine's 0.931.
DEFAULT_DPI = 300
# The retry of a poor page renders at least this fine (matters when a run
# asks for a lower --ocr-dpi; small print needs it).
RETRY_DPI = 300
# Below this mean word confidence a page is flagged "OCR confidence low" and
# read a second time from a cleaned-up image.
LOW_CONFIDENCE = LOW_OCR_CONFIDENCE
# A page whose first reading has fewer word characters than this is read again.
RETRY_MIN_CHARS = 40
# Words at or above this confidence count as "confident" when two readings
# of a page are compared.
CONFIDENT_WORD = 60
# Bump when the recipe changes (rendering, clean-up, engine): cached pages of
# an older recipe are then OCRed again.
RECIPE_VERSION = 2
# Unbounded OpenMP threads in tesseract measured ~30x slower on a busy
# machine; parallelism comes from running several pages instead.
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
_ENV = {**os.environ, "OMP_THREAD_LIMIT": "1"}


def available() -> bool:
    """True when ``pdftoppm``, the tesserocr binding and tesseract's
    language data are all there."""
    return bool(shutil.which("pdftoppm") and _tesserocr() is not None and tessdata_dir())


def _tesserocr():
    try:
        import tesserocr
    except ImportError:  # the binding is a dependency; a broken install only disables OCR
        return None
    return tesserocr


@lru_cache(maxsize=1)
def tessdata_dir() -> str | None:
    """Where tesseract's ``*.traineddata`` live: ``$TESSDATA_PREFIX``, else
    the Debian package's folder, else what the ``tesseract`` command reports.

    The tesserocr wheel bundles the engine but no language data.
    """
    candidates = [os.environ.get("TESSDATA_PREFIX", "")]
    candidates += sorted((str(p) for p in Path("/usr/share/tesseract-ocr").glob("*/tessdata")), reverse=True)
    candidates += ["/usr/share/tessdata", "/usr/local/share/tessdata"]
    if shutil.which("tesseract"):
        try:
            out = subprocess.run(["tesseract", "--list-langs"], capture_output=True, text=True, timeout=30).stdout
            candidates += re.findall(r'"([^"]+)"', out)
        except (OSError, subprocess.SubprocessError):
            pass
    for folder in candidates:
        if folder and list(Path(folder).glob("*.traineddata")):
            return folder.rstrip("/") + "/"
    return None


class OcrFailed(Exception):
    """One page could not be OCRed; the message names the tool and the
    cause, never the password."""


@dataclass(frozen=True)
class OcrText:
    """One page's OCR: its text and tesseract's mean word confidence
    (0-100; None when no word was read)."""

    text: str
    confidence: float | None = None
    retried: bool = False

    @property
    def low(self) -> bool:
        """True when the reading should not be trusted as is."""
        return self.confidence is not None and self.confidence < LOW_CONFIDENCE


class OcrCache:
    """OCR results per (file sha256, page, recipe), one small JSON file
    each; ``root=None`` disables caching.

    Writes are atomic (temp file + rename) so a killed run never leaves a
    half-written page that a later run would trust.
    """

    def __init__(self, root: Path | None) -> None:
        self.root = Path(root) if root else None

    def _path(self, sha256: str, page: int, recipe: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}-{page}-{recipe}.json"

    def get(self, sha256: str, page: int, recipe: str = "") -> OcrText | None:
        if self.root is None:
            return None
        try:
            data = json.loads(self._path(sha256, page, recipe).read_text(encoding="utf-8"))
            return OcrText(str(data["text"]), data.get("confidence"), bool(data.get("retried")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, sha256: str, page: int, result: OcrText, recipe: str = "") -> None:
        if self.root is None:
            return
        target = self._path(sha256, page, recipe)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(asdict(result), handle)
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

    def run(self, argv: list[str], timeout: float) -> bytes:
        """Run ``argv`` and return its stdout; :class:`OcrFailed` on error."""
        tool = os.path.basename(argv[0])
        with self.lock:
            if self.closed:  # interrupted meanwhile: start nothing new
                raise OcrFailed(f"{tool} not started: OCR was interrupted")
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, env=_ENV)
            self.live.add(process)
        try:
            out, err = process.communicate(timeout=timeout)
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
    retry: bool = True  # read poor pages again from a cleaned-up image

    @property
    def recipe(self) -> str:
        """A short key for everything that changes the OCR of a page."""
        key = f"{RECIPE_VERSION}:{self.dpi}:{self.language}:{self.retry}"
        return hashlib.sha1(key.encode()).hexdigest()[:10]


def parse_pgm(data: bytes) -> np.ndarray:
    """A binary (P5) 8-bit PGM as a 2-D uint8 array, without copying pixels.

    >>> parse_pgm(b"P5\\n# c\\n2 1\\n255\\n\\x00\\xff").tolist()
    [[0, 255]]
    """
    fields: list[bytes] = []
    position = 0
    while len(fields) < 4:
        match = re.compile(rb"\s*(#[^\n]*\n\s*)*(\S+)").match(data, position)
        if not match:
            raise OcrFailed("pdftoppm wrote no image")
        fields.append(match.group(2))
        position = match.end()
    if fields[0] != b"P5" or fields[3] != b"255":
        raise OcrFailed("pdftoppm wrote an unexpected image format")
    width, height = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(data, dtype=np.uint8, count=width * height, offset=position + 1)
    return pixels.reshape(height, width)


def render(request: OcrRequest, page: int, dpi: int, processes: _Processes) -> np.ndarray:
    """Page ``page`` rendered grey at ``dpi``."""
    argv = ["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page)]
    if request.password:
        argv += ["-upw", request.password]
    data = processes.run([*argv, str(request.path)], request.timeout)
    if not data:
        raise OcrFailed("pdftoppm rendered nothing")
    return parse_pgm(data)


# -- image clean-up (the retry path) ---------------------------------------

def stretch_contrast(image: np.ndarray, cutoff: float = 1.0) -> np.ndarray:
    """Map the ``cutoff``-th..(100-``cutoff``)-th grey percentiles to 0..255,
    so faint grey typing becomes black.

    >>> stretch_contrast(np.array([[100, 150, 200]], dtype=np.uint8), 0).tolist()
    [[0, 127, 255]]
    """
    low, high = np.percentile(image, [cutoff, 100 - cutoff])
    if high - low < 8:  # a blank page: nothing to stretch
        return image
    scaled = (image.astype(np.float32) - low) * (255.0 / (high - low))
    return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)


def skew_angle(image: np.ndarray, limit: float = 4.0, step: float = 0.25) -> float:
    """The rotation (degrees) that best lines up the text rows, found by the
    variance of the row ink profile on a reduced image; 0 when unsure."""
    from PIL import Image

    small = Image.fromarray(image)
    small.thumbnail((800, 800))
    ink = np.asarray(small) < 128
    if ink.mean() < 0.002:
        return 0.0
    best, best_score = 0.0, -1.0
    picture = Image.fromarray((ink * 255).astype(np.uint8))
    for angle in np.arange(-limit, limit + step / 2, step):
        rows = np.asarray(picture.rotate(float(angle), resample=Image.NEAREST)).sum(axis=1, dtype=np.float64)
        score = float(np.square(np.diff(rows)).sum())
        if score > best_score:
            best, best_score = float(angle), score
    return best if abs(best) >= 0.3 else 0.0


def clean_up(image: np.ndarray) -> np.ndarray:
    """Contrast stretched and skew removed (thresholding is tesseract's)."""
    from PIL import Image

    image = stretch_contrast(image)
    angle = skew_angle(image)
    if angle:
        image = np.asarray(Image.fromarray(image).rotate(angle, resample=Image.BICUBIC, fillcolor=255))
    return np.ascontiguousarray(image)


# -- tesseract ------------------------------------------------------------

class _Engines:
    """Idle tesseract engines per language, shared by all threads of the
    process: loading a language model costs a good part of a page's OCR, so
    an engine is loaded once and lent to one thread at a time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: dict[str, list] = {}

    def borrow(self, language: str):
        with self.lock:
            if self.idle.get(language):
                return self.idle[language].pop()
        tesserocr = _tesserocr()
        if tesserocr is None or not tessdata_dir():
            raise OcrFailed("tesseract failed: the tesserocr binding or its language data is missing")
        try:
            return tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang=language)
        except RuntimeError as exc:
            raise OcrFailed(f"tesseract failed: cannot load language {language!r} ({exc})") from None

    def give_back(self, language: str, api) -> None:
        with self.lock:
            self.idle.setdefault(language, []).append(api)


_ENGINES = _Engines()


def recognize(image: np.ndarray, dpi: int, language: str, timeout: float, adaptive: bool = False) -> tuple[str, list[int]]:
    """Text and word confidences of a grey image; ``adaptive`` thresholds
    with Sauvola's method instead of Otsu's global one."""
    api = _ENGINES.borrow(language)
    try:
        api.SetVariable("thresholding_method", "2" if adaptive else "0")
        height, width = image.shape
        pixels = image.tobytes()  # kept alive until recognition is done: tesseract does not copy it
        api.SetImageBytes(pixels, width, height, 1, width)
        api.SetSourceResolution(dpi)
        if not api.Recognize(timeout=int(timeout * 1000)):
            raise OcrFailed(f"tesseract failed: recognition stopped (timeout {timeout:.0f} s)")
        text = (api.GetUTF8Text() or "").replace("\x0c", "").strip()
        # only words with a letter or digit: tesseract also scores empty
        # and punctuation-only "words" found in specks
        confidences = [int(c) for word, c in (api.MapWordConfidences() if text else ())
                       if re.search(r"\w", word or "")]
        api.Clear()
    except BaseException:
        api.Clear()
        raise
    _ENGINES.give_back(language, api)
    return text, confidences


def _reading(text: str, confidences: list[int], retried: bool) -> tuple[OcrText, int]:
    mean = round(sum(confidences) / len(confidences), 1) if confidences else None
    confident = sum(1 for c in confidences if c >= CONFIDENT_WORD)
    return OcrText(text, mean, retried), confident


def needs_retry(result: OcrText) -> bool:
    """A reading worth a second try: little text, or low confidence.

    >>> needs_retry(OcrText("", None)), needs_retry(OcrText("word " * 40, 91.0))
    (True, False)
    """
    return len(re.findall(r"\w", result.text)) < RETRY_MIN_CHARS or result.low


def ocr_page(request: OcrRequest, page: int, processes: _Processes | None = None) -> OcrText:
    """OCR of page ``page`` (1-based) of ``request.path``.

    >>> ocr_page(OcrRequest(Path("/nonexistent.pdf")), 1)  # doctest: +SKIP
    Traceback (most recent call last):
    OcrFailed: pdftoppm failed (exit 1): ...
    """
    processes = processes or _Processes()
    image = render(request, page, request.dpi, processes)
    first, first_score = _reading(*recognize(image, request.dpi, request.language, request.timeout), False)
    if not request.retry or not needs_retry(first):
        return first
    dpi = max(request.dpi, RETRY_DPI)
    if dpi != request.dpi:
        image = render(request, page, dpi, processes)
    second, second_score = _reading(*recognize(clean_up(image), dpi, request.language, request.timeout,
                                               adaptive=True), True)
    return second if second_score > first_score else first


def ocr_pages(request: OcrRequest, pages: Iterable[int], sha256: str, cache: OcrCache,
              jobs: int = 1) -> dict[int, OcrText | OcrFailed]:
    """OCR ``pages``; each maps to its :class:`OcrText` or the
    :class:`OcrFailed` it hit.

    Cached pages are not OCRed again. ``jobs`` > 1 reads that many pages at
    once (one thread and tesseract engine each; tesseract runs without the
    GIL); every renderer still running when this returns or is interrupted
    is killed.
    """
    results: dict[int, OcrText | OcrFailed] = {}
    todo = []
    for page in pages:
        cached = cache.get(sha256, page, request.recipe)
        if cached is None:
            todo.append(page)
        else:
            results[page] = cached
    processes = _Processes()

    def one(page: int) -> tuple[int, OcrText | OcrFailed]:
        try:
            result = ocr_page(request, page, processes)
        except OcrFailed as exc:
            return page, exc
        except OSError as exc:  # the tool vanished or cannot start
            return page, OcrFailed(f"cannot run OCR tools: {exc.strerror or exc}")
        cache.put(sha256, page, result, request.recipe)
        return page, result

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
