"""Serve a document's original file only while it is the file that was indexed.

The index records, for every indexed file, its absolute path, size,
modification time and sha256. Between indexing and a download the file may
have been edited, replaced, or swapped for a symlink to ``/etc/passwd``.
So the file is opened without following a symlink in its last component,
and the *open* descriptor is checked (size, mtime, and the sha256 of its
bytes): what is served is exactly what was checked, with no window to swap
the path in between.

A result list only decides whether to offer page thumbnails; for that,
:func:`original_in_place` checks path, size and modification time without
reading the file (hashing a large PDF took most of a first search page in a
new worker). What is then served goes through :func:`open_original`.

>>> # opened = open_original(store, doc_id)  # None: nothing safe to serve
>>> # send_file(opened.handle, download_name=opened.name, ...)
"""

from __future__ import annotations

import os
import re
import stat
import threading
from dataclasses import dataclass
from typing import BinaryIO

from foiasearch.index.store import DocumentStore

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f/\\\"]")
MAX_NAME = 150


@dataclass
class Original:
    handle: BinaryIO  # positioned at 0; the caller closes it (send_file does)
    name: str  # a safe download name
    size: int
    path: str  # where it was found (not for showing to the public)


def download_name(name: str, fallback: str = "original") -> str:
    """A file name safe in a Content-Disposition header: no control
    characters (a newline would split the header), no quotes or slashes.

    >>> download_name("report\\n[1/1] indexed: forged.pdf")
    'report_[1_1] indexed: forged.pdf'
    """
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .") or fallback
    if len(cleaned) > MAX_NAME:
        stem, dot, ext = cleaned.rpartition(".")
        cleaned = (stem[: MAX_NAME - len(ext) - 1] + dot + ext) if dot and len(ext) <= 10 else cleaned[:MAX_NAME]
    return cleaned


# Files whose hash was checked, by path: (device, inode, size, mtime, ctime) then.
# Any write or utime() changes ctime, which no one can set back, so a file
# with the same identity need not be hashed again on every download and
# page image.
_VERIFIED: dict[str, tuple[int, int, int, int, int]] = {}
_VERIFIED_MAX = 10_000
_LOCK = threading.Lock()


def _identity(info: os.stat_result) -> tuple[int, int, int, int, int]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def _as_recorded(info: os.stat_result, size: int | None, mtime_ns: int | None) -> bool:
    """A regular file with the recorded size and modification time (each checked when recorded)."""
    return (stat.S_ISREG(info.st_mode) and (size is None or info.st_size == size)
            and (mtime_ns is None or info.st_mtime_ns == mtime_ns))


def _matches_record(path: str, handle: BinaryIO, info: os.stat_result, size: int | None, mtime_ns: int | None,
                    sha256: str | None) -> bool:
    if not _as_recorded(info, size, mtime_ns):
        return False
    if sha256 and _VERIFIED.get(path) == _identity(info):
        return True
    if sha256:
        import hashlib  # when a file is served: a search process need not load OpenSSL (6 ms)

        digest = hashlib.sha256()
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
        handle.seek(0)
        if digest.hexdigest() != sha256:
            return False
        with _LOCK:
            if len(_VERIFIED) >= _VERIFIED_MAX:
                _VERIFIED.clear()
            _VERIFIED[path] = _identity(info)
    return True


def open_original(store: DocumentStore, doc_id: str) -> Original | None:
    """The first file recorded for ``doc_id`` that is still exactly what was
    indexed, opened; None when there is none (moved, edited, swapped)."""
    for path in store.file_paths_of(doc_id):
        record = store.get_file(path)
        if record is None:
            continue
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
        except OSError:  # gone, unreadable, or now a symlink (ELOOP)
            continue
        handle = os.fdopen(fd, "rb")
        try:
            info = os.fstat(handle.fileno())
            if _matches_record(path, handle, info, record.size, record.mtime_ns, record.sha256):
                return Original(handle, download_name(os.path.basename(path)), info.st_size, path)
        except OSError:
            pass
        handle.close()
    return None


def original_in_place(store: DocumentStore, doc_id: str) -> bool:
    """Whether a file recorded for ``doc_id`` is still a regular file at its
    path (not a symlink) with the recorded size and modification time.

    Nothing is read or hashed: this decides what a result list offers (page
    thumbnails); the image and download routes check the bytes with
    :func:`open_original` before serving anything.

    >>> import tempfile, pathlib
    >>> store = DocumentStore(pathlib.Path(tempfile.mkdtemp()) / "store.db")
    >>> original_in_place(store, "0" * 64)
    False
    """
    for path in store.file_paths_of(doc_id):
        record = store.get_file(path)
        if record is not None and in_place(path, record.size, record.mtime_ns):
            return True
    return False


def in_place(path: str, size: int | None, mtime_ns: int | None) -> bool:
    """Whether ``path`` is still a regular file (not a symlink) with the
    recorded size and modification time; nothing is read.

    >>> in_place("/nonexistent/a.pdf", None, None)
    False
    """
    try:
        info = os.stat(path, follow_symlinks=False)
    except (OSError, ValueError):  # gone, unreadable, or a path the system refuses
        return False
    return _as_recorded(info, size, mtime_ns)
