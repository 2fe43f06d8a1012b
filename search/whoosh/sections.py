"""Attributes of a saved object read from its file only when first used.

A searcher's view (search.whoosh.searcher_cache) is saved once per index
state and loaded by every process that searches it. Most of it (facet
bitsets and counting arrays, dates in order, every page record) serves
filters, facet counts, sorts and deep pages; a one-shot ``foiasearch
search`` of a few words uses none of it, and unpickling it all was a tenth
of that search's CPU at 20,000 documents. So a :class:`Deferred` class
names attributes (``sections``) that :func:`write` saves as separate
pickles after the object's own; an object :func:`read` back loads each
from the open file the first time it is used.

The searcher's view shows it (search.whoosh.searcher_cache's example);
tests/test_view_cache.py checks a view read lazily against one read whole.
"""

from __future__ import annotations

import os
import pickle
import struct
import threading
from typing import Any, BinaryIO, ClassVar

from foiasearch.index.location import IndexUnavailable

_HEAD = struct.Struct("<Q")  # the length of the object's own pickle, written before it
_current = threading.local()  # the write or read under way in this thread


class _Source:
    """The file sections are read from, open: the file may be replaced or
    deleted meanwhile (as views of older index states are)."""

    def __init__(self, handle: BinaryIO, base: int) -> None:
        self.fd = os.dup(handle.fileno())
        self.path = getattr(handle, "name", None)
        self.base = base  # where the sections begin
        self.end = 0  # where the last section known ends, relative to base

    def load(self, offset: int, length: int) -> Any:
        try:
            data = os.pread(self.fd, length, self.base + offset)
            if len(data) != length:
                raise EOFError("cut short")
            return pickle.loads(data)
        except Exception as exc:  # damaged on disk, or pickled by another checkout's classes
            # A one-shot search never rewrites the file, so every later search
            # would fail the same way: remove it (if it is still this file) and
            # the next search builds it anew.
            self._remove()
            raise ViewDamaged(f"the index's saved view {self.path} was damaged ({type(exc).__name__}) "
                              "and has been removed; run the search again") from exc

    def _remove(self) -> None:
        try:
            mine, there = os.fstat(self.fd), os.stat(self.path)
            if (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino):
                os.unlink(self.path)
        except (OSError, TypeError):
            pass  # gone already, replaced by a newer one, or no path

    def __del__(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass


class ViewDamaged(IndexUnavailable):
    """A section of a saved view could not be read; one line for users (the
    file is removed, so the next process builds the view again)."""


class _Sink:
    """Sections pickled during a write, in order."""

    def __init__(self) -> None:
        self.blobs: list[bytes] = []
        self.size = 0

    def add(self, value: Any) -> tuple[int, int]:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self.blobs.append(data)
        self.size += len(data)
        return self.size - len(data), len(data)


class Deferred:
    """Instances whose ``sections`` attributes :func:`write` saves apart and
    :func:`read` leaves in the file until first accessed. Subclasses that
    define ``__getstate__``/``__setstate__`` build on these."""

    sections: ClassVar[tuple[str, ...]] = ()

    def __getattr__(self, name: str) -> Any:  # only called when normal lookup fails
        state = self.__dict__
        places = state.get("_sections")
        if not places or name not in places:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        value = state[name] = state["_source"].load(*places[name])
        return value

    def load_sections(self) -> None:
        """Read every section not read yet (a long-lived process wants them
        all, once), and let go of the file."""
        for name in list(self.__dict__.get("_sections", ())):
            getattr(self, name)
        self.__dict__.pop("_sections", None)
        self.__dict__.pop("_source", None)

    def __getstate__(self) -> dict:
        self.load_sections()
        state = dict(self.__dict__)
        state.pop("_source", None)
        state.pop("_sections", None)
        sink = getattr(_current, "sink", None)
        if sink is not None:  # within write(): the sections go apart
            state["_sections"] = {name: sink.add(state.pop(name)) for name in self.sections if name in state}
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        places = state.get("_sections")
        if places:
            source = _current.source  # set by read(); a Deferred with sections is only unpickled there
            source.end = max(source.end, *(offset + length for offset, length in places.values()))
            self.__dict__["_source"] = source


def write(obj: Any, out: BinaryIO) -> None:
    """Pickle ``obj`` to ``out``, the sections of every :class:`Deferred` in it after it."""
    _current.sink = sink = _Sink()
    try:
        head = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        _current.sink = None
    out.write(_HEAD.pack(len(head)))
    out.write(head)
    for data in sink.blobs:
        out.write(data)


def read(handle: BinaryIO) -> Any:
    """What :func:`write` wrote to ``handle`` (from its position); sections
    are read from ``handle``'s file, which may be closed, when first used.
    EOFError when the file is shorter than what it describes."""
    raw = handle.read(_HEAD.size)
    if len(raw) != _HEAD.size:
        raise EOFError("not a saved view")
    (length,) = _HEAD.unpack(raw)
    if length > os.fstat(handle.fileno()).st_size - handle.tell():  # damaged, or not written here
        raise EOFError("a saved view is cut short")
    head = handle.read(length)
    _current.source = source = _Source(handle, handle.tell())
    try:
        obj = pickle.loads(head)
    finally:
        _current.source = None
    if os.fstat(source.fd).st_size < source.base + source.end:
        raise EOFError("a saved view's sections are cut short")
    return obj
