"""Segment files read in place from the memory map, never copied.

Whoosh maps each compound segment file (``.seg``) and hands out every file
inside it (terms, postings, stored fields, columns) as a ``BufferFile`` over
a memoryview of the map. ``BufferFile`` also gives each one an
``io.BytesIO`` for its sequential reads, and ``BytesIO`` copies any buffer
that is not ``bytes``: opening an index copied every segment's postings and
terms into fresh memory, about 90 MB and 120 ms of a one-shot search at
20,000 documents (profiled in whoosh.filedb.structfile.BufferFile.__init__),
before a single posting was read. Here the sequential reads go through
``mapped_file``, a read-only file over the same memoryview; ``BufferFile``'s
positional reads (``get``, ``get_array``) already slice the view. A
``bytes`` buffer (``RamStorage`` hands out those too) keeps ``BytesIO``,
which shares ``bytes`` without copying.

>>> reader = mapped_file(memoryview(b"ab\\ncd"))
>>> reader.readline(), reader.read(1), reader.tell(), reader.read(), reader.read()
(b'ab\\n', b'c', 4, b'd', b'')
>>> reader.seek(-2, 2), reader.read(5)
(3, b'cd')
"""

from __future__ import annotations

import io

from whoosh.filedb.structfile import BufferFile


class ViewReader(io.RawIOBase):
    """A seekable read-only raw file over a memoryview: nothing is copied
    until read. ``mapped_file`` buffers it with ``io.BufferedReader``, so the
    many small reads of Whoosh's headers and of ``pickle.load`` are served in C
    from a small buffer, not by a Python call each."""

    def __init__(self, view: memoryview) -> None:
        super().__init__()
        self._view = view.cast("B") if view.format != "B" or view.ndim != 1 else view
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        # Called by io.BufferedReader for every refill (every seek past its
        # buffer: each posting block's header), so kept to a few operations.
        self._checkClosed()
        if not isinstance(buffer, memoryview) or buffer.format != "B":
            buffer = memoryview(buffer).cast("B")
        start = self._pos
        count = min(len(buffer), len(self._view) - start)
        if count <= 0:
            return 0
        buffer[:count] = self._view[start:start + count]
        self._pos = start + count
        return count

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self._checkClosed()
        if whence == io.SEEK_SET:
            if offset < 0:
                raise ValueError(f"negative seek value {offset}")
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos = max(0, self._pos + offset)  # as io.BytesIO: a relative seek stops at the start
        elif whence == io.SEEK_END:
            self._pos = max(0, len(self._view) + offset)
        else:
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        return self._pos

    def tell(self) -> int:
        self._checkClosed()
        return self._pos

    def close(self) -> None:
        self._view = memoryview(b"")  # the map can then be closed (no export of it left here)
        super().close()


def mapped_file(view: memoryview) -> io.BufferedReader:
    """A read-only file over ``view``: what io.BytesIO(view) gave, without the copy."""
    # A small buffer: what is read in sequence is mostly a posting block's
    # header (an int and a short pickle) after a seek; each refill copies it.
    return io.BufferedReader(ViewReader(view), buffer_size=256)


_buffer_file_init = BufferFile.__init__


def _init_without_copy(self, buf, name=None, onclose=None) -> None:
    """BufferFile.__init__, with a ViewReader over a memoryview instead of a BytesIO copy."""
    if not isinstance(buf, memoryview):
        _buffer_file_init(self, buf, name=name, onclose=onclose)
        return
    _buffer_file_init(self, b"", name=name, onclose=onclose)
    self._buf = buf
    self.file = mapped_file(buf)


def read_in_place(enabled: bool = True) -> None:
    """Segment files read in place (the default once this module is
    imported), or copied as Whoosh does (bench/segment_reads.py compares)."""
    BufferFile.__init__ = _init_without_copy if enabled else _buffer_file_init


# Once: this file may also run under a second module name (pytest's doctest
# collection imports it as index.whoosh.segmentfiles).
if not getattr(BufferFile.__init__, "reads_in_place", False):
    _init_without_copy.reads_in_place = True
    BufferFile.__init__ = _init_without_copy
