"""Page images of PDF releases, rendered by poppler's ``pdftoppm`` on first
view and kept in a cache folder beside the index (``<index>/page-images``).

A document id is the SHA-256 of its file, so a rendered page never goes
stale: the cache is keyed by id, page and size, and files are written to a
temporary name and renamed, so a reader never sees half an image. One
render per page and size runs at a time across threads and gunicorn
workers (a lock file per image); the others wait and then read the result.

>>> import tempfile
>>> images = PageImages(Path(tempfile.mkdtemp()))
>>> images.path_for("ab" * 32, 3, "thumb").name
'3-thumb.jpg'
>>> images.render(Path("/nonexistent.pdf"), "ab" * 32, 1, "page")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
...
foiasearch.web.pageimages.PageImageError: the page image could not be made
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

# Widths in pixels: a thumbnail in a search hit, the page beside its text at
# screen resolution, and the zoomed page (about 240 dpi on a US letter page).
SIZES = {"thumb": 160, "page": 1000, "large": 2000}
JPEG_OPTIONS = "quality=80,optimize=y"
RENDER_TIMEOUT = 60.0  # seconds; a pathological page must not hold a worker forever


class PageImageError(Exception):
    """A page image that cannot be made; the message is one line."""


class PageImages:
    """The page-image cache of one index."""

    def __init__(self, cache_dir: Path, timeout: float = RENDER_TIMEOUT) -> None:
        self.cache_dir = Path(cache_dir)
        self.timeout = timeout

    def path_for(self, doc_id: str, page: int, size: str) -> Path:
        """Where the image lives once rendered (two-level fan-out by id)."""
        if size not in SIZES:
            raise ValueError(f"unknown size {size!r}; use one of {', '.join(SIZES)}")
        return self.cache_dir / doc_id[:2] / doc_id / f"{int(page)}-{size}.jpg"

    def cached(self, doc_id: str, page: int, size: str) -> Path | None:
        path = self.path_for(doc_id, page, size)
        return path if path.is_file() else None

    def render(self, pdf: Path, doc_id: str, page: int, size: str) -> Path:
        """The image of page ``page`` (1-based) of ``pdf``, rendering it when
        it is not cached yet. Raises PageImageError when pdftoppm fails (a
        missing tool, a page that does not exist, a password-protected file)."""
        target = self.path_for(doc_id, page, size)
        if target.is_file():
            return target
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PageImageError(f"the page image cache {self.cache_dir} cannot be written: {exc.strerror}") from None
        with _locked(target.with_name(f".{target.name}.lock")):
            if target.is_file():  # another worker made it while we waited
                return target
            self._run_pdftoppm(pdf, page, SIZES[size], target)
        return target

    def _run_pdftoppm(self, pdf: Path, page: int, width: int, target: Path) -> None:
        prefix = target.with_name(f".{target.stem}.{uuid.uuid4().hex}")
        made = Path(f"{prefix}.jpg")
        command = ["pdftoppm", "-jpeg", "-jpegopt", JPEG_OPTIONS, "-f", str(page), "-l", str(page),
                   "-singlefile", "-scale-to-x", str(width), "-scale-to-y", "-1", str(pdf), str(prefix)]
        try:
            done = subprocess.run(command, capture_output=True, timeout=self.timeout, stdin=subprocess.DEVNULL)
            if done.returncode != 0 or not made.is_file() or made.stat().st_size == 0:
                last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no image"])[-1]
                raise PageImageError(f"the page image could not be made: pdftoppm: {last[:160]}")
            os.replace(made, target)  # atomic: readers see the whole file or none
        except FileNotFoundError:
            raise PageImageError("the page image could not be made: pdftoppm is not installed "
                                 "(Debian package poppler-utils)") from None
        except subprocess.TimeoutExpired:
            raise PageImageError(f"the page image could not be made: pdftoppm took over {self.timeout:.0f} s") from None
        finally:
            made.unlink(missing_ok=True)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (created if needed), across processes."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
