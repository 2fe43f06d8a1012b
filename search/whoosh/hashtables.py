"""Whoosh's hash files opened with one read of their directory.

Every segment's term table is a Whoosh hash file, and opening one reads
its directory of 256 hash tables (position, slot count) one entry at a
time: 256 reads and unpacks per segment, about half of opening the
searcher of a 20,000-document index (24-32 segments) in a one-shot
``foiasearch search``. Here ``HashReader.__init__`` is Whoosh's own
(whoosh-reloaded 2.7.5, search.whoosh.postings pins it), except that the
directory is read in one call and unpacked by ``struct.iter_unpack``: the
same list of the same tuples.

>>> import tempfile
>>> from whoosh import fields, index
>>> ix = index.create_in(tempfile.mkdtemp(), fields.Schema(t=fields.TEXT))
>>> with ix.writer() as w:
...     w.add_document(t="opt out")
>>> with ix.searcher() as s:
...     terms = s.reader().leaf_readers()[0][0]._terms._tindex
...     len(terms.tables), ("t", b"opt") in s.reader()
(256, True)
"""

from __future__ import annotations

import os

from whoosh.filedb import filetables
from whoosh.filedb.filetables import FileFormatError, HashReader
from whoosh.system import _INT_SIZE


def _init(self, dbfile, length=None, magic=b"HSH3", startoffset=0):
    """HashReader.__init__ with the directory read at once (see the module)."""
    self.dbfile = dbfile
    self.startoffset = startoffset
    self.is_closed = False

    if length is None:
        dbfile.seek(0, os.SEEK_END)
        length = dbfile.tell() - startoffset

    dbfile.seek(startoffset)
    filemagic = dbfile.read(4)
    if filemagic != magic:
        raise FileFormatError("Unknown file header %r" % filemagic)
    self.hashtype = dbfile.read_byte()
    self.hashfn = filetables._hash_functions[self.hashtype]
    dbfile.read_int()  # unused expansion bits
    dbfile.read_int()
    self.startofdata = dbfile.tell()

    exptr = startoffset + length - _INT_SIZE
    exlen = dbfile.get_int(exptr)
    expos = exptr - exlen
    dbfile.seek(expos)
    self._read_extras()

    dbfile.seek(expos - filetables._directory_size)
    directory = dbfile.read(filetables._directory_size)
    self.tables = list(filetables._dir_entry.iter_unpack(directory))
    self.endofdata = self.tables[0][0]


# Once, even if this file is imported under a second name (pytest's doctests).
if not getattr(HashReader.__init__, "reads_directory_at_once", False):
    _init.reads_directory_at_once = True
    HashReader.__init__ = _init
