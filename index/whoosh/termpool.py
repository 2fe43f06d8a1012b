"""The lean writer's posting pool: postings grouped by term as they arrive.

Whoosh's PostingPool (a whoosh.externalsort.SortingPool) keeps every
posting as a ``(fieldname, btext, docnum, weight, value)`` tuple, sorts all
of them when its size estimate passes its bound, pickles them one by one
into a run file, and at the flush heap-merges the runs back posting by
posting: a fifth of the writer process's time in a first index (issue 18,
session 8). Postings arrive in increasing docnum order (documents are
numbered as they are added), so only the terms need sorting: this pool
appends each posting to its term's list (docnum, weight and value side by
side, in a flat list), sorts the distinct terms at the flush, and when it
passes its bound writes the sorted term groups, a chunk of terms per pickle,
to a run file; the flush merges the runs back a term at a time.

>>> import tempfile
>>> from whoosh.filedb.filestore import FileStorage
>>> pool = TermPool(FileStorage(tempfile.mkdtemp()), limitmb=1)
>>> pool.add_items("body", 0, (b"opt", b"out"), (1.0, 1.0), (b"a", b"b"))
>>> pool.add_items("body", 1, (b"opt",), (2.0,), (b"c",))
>>> [(text, docnums, weights) for _, text, docnums, weights, _ in pool.groups()]
[(b'opt', (0, 1), (1.0, 2.0)), (b'out', (0,), (1.0,))]
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from itertools import chain, groupby, repeat
from operator import ge, itemgetter
from pickle import HIGHEST_PROTOCOL, dump, load

from whoosh.util import random_name

# What the pool's objects take, measured with tracemalloc against
# sys.getsizeof (tests/test_termpool.py checks the estimate stays within
# bounds of the real figure): per posting three list slots with the list's
# over-allocation, its weight (a float) and its value (a bytes object, the
# length on top); per term the defaultdict entry, an empty list's header and
# first allocation, and the term's bytes object (the length on top).
POSTING_BYTES = 27 + 24 + 33
TERM_BYTES = 56 + 64 + 33 + 100
# Terms per pickle in a run file: a run is read back a chunk at a time per run.
CHUNK_TERMS = 4096

Group = tuple  # (fieldname, btext, docnums, weights, values), docnums increasing
TERM = itemgetter(0, 1)
_FIRST_DOCNUM = lambda group: group[2][0]  # noqa: E731


class TermPool:
    """The postings of a segment being written, grouped by (field, term).

    ``add_items`` takes one document's postings for one field (the lean
    writer's path), ``add`` one posting tuple (Whoosh's own add_document, for
    records with boosts); both expect documents in increasing docnum order.
    ``groups`` gives every term once, in Whoosh's order (field name, then
    term bytes), with its postings in docnum order; ``iter_postings`` gives
    the same as Whoosh's pool, one tuple per posting.
    """

    def __init__(self, tempstore, limitmb: float = 128) -> None:
        self.tempstore = tempstore
        self.limit = limitmb * 1024 * 1024
        self.currentsize = 0
        self.fieldnames: set[str] = set()  # as Whoosh's pool (fields with postings)
        self.runs: list[str] = []  # run files in the temporary storage, oldest first
        self._fields: dict[str, defaultdict[bytes, list]] = {}

    def add_items(self, fieldname: str, docnum: int, texts: tuple, weights: Iterable[float],
                  values: tuple) -> None:
        """One document's postings for ``fieldname`` (distinct ``texts``)."""
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = defaultdict(list)
            self.fieldnames.add(fieldname)
        before = len(terms)
        # Each term's list extended by (docnum, weight, value), all in C.
        deque(map(list.extend, map(terms.__getitem__, texts), zip(repeat(docnum), weights, values)), 0)
        self.currentsize += (len(texts) * POSTING_BYTES + (len(terms) - before) * TERM_BYTES
                             + sum(map(len, texts)) + sum(map(len, values)))
        if self.currentsize > self.limit:
            self.save()

    def add(self, item: tuple) -> None:
        """One ``(fieldname, btext, docnum, weight, value)`` posting."""
        fieldname, text, docnum, weight, value = item
        self.add_items(fieldname, docnum, (text,), (weight,), (value or b"",))  # None: no value, as b""

    def save(self) -> None:
        """Write the terms held to a new run file, sorted, and let them go."""
        if not self._fields:
            return
        path = f"{random_name()}.run"
        file = self.tempstore.create_file(path).raw_file()
        try:
            chunk: list = []
            for fieldname, btext, flat in self._sorted():
                chunk.append((fieldname, btext, flat))
                if len(chunk) >= CHUNK_TERMS:
                    dump(chunk, file, HIGHEST_PROTOCOL)
                    chunk = []
            if chunk:
                dump(chunk, file, HIGHEST_PROTOCOL)
        finally:
            file.close()
        self.runs.append(path)
        self._fields = {}
        self.currentsize = 0

    def _sorted(self) -> Iterator[tuple[str, bytes, list]]:
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for btext in sorted(terms):
                yield fieldname, btext, terms[btext]

    def _read_run(self, path: str) -> Iterator[tuple[str, bytes, list]]:
        """A run's terms, in order; the file is deleted once read (or given
        up): a run still listed in ``runs`` is left for :meth:`cleanup`."""
        file = self.tempstore.open_file(path).raw_file()
        try:
            while True:
                try:
                    chunk = load(file)
                except EOFError:
                    return
                yield from chunk
        finally:
            file.close()
            try:
                self.tempstore.delete_file(path)
                self.runs.remove(path)
            except (OSError, ValueError):  # gone already (a cancelled writer's cleanup)
                pass

    def groups(self) -> Iterator[Group]:
        """Every term held or spilled, sorted, with its postings as columns.
        The pool is empty afterwards."""
        held = map(_columns, self._sorted())
        if self.runs:
            yield from merge_groups(*(map(_columns, self._read_run(path)) for path in list(self.runs)), held)
        else:
            yield from held
        self._fields = {}
        self.currentsize = 0

    def iter_postings(self) -> Iterator[tuple]:
        """What Whoosh's PostingPool.iter_postings gives: sorted posting tuples."""
        for fieldname, btext, docnums, weights, values in self.groups():
            yield from zip(repeat(fieldname), repeat(btext), docnums, weights, values)

    def cleanup(self) -> None:
        """Delete the run files (a cancelled writer)."""
        for path in self.runs:
            try:
                self.tempstore.delete_file(path)
            except OSError:
                pass
        self.runs = []
        self._fields = {}


def _columns(term: tuple[str, bytes, list]) -> Group:
    """A pool term's flat (docnum, weight, value, ...) list as a Group."""
    fieldname, btext, flat = term
    return fieldname, btext, tuple(flat[0::3]), tuple(flat[1::3]), tuple(flat[2::3])


def merge_groups(*sources: Iterable[Group]) -> Iterator[Group]:
    """The groups of several sources, each sorted by (field, term): each
    term once, its postings in docnum order. A term's parts are joined in
    the order of their first docnums (a run file, the terms held, a reader
    added to a merge: each is a whole stretch of documents); a writer that
    took records on both sides of an added reader has parts that
    interleave, and those postings are sorted by docnum.

    >>> list(merge_groups([("f", b"a", (0, 6), (1.0, 1.0), (b"", b""))], [("f", b"a", (1,), (2.0,), (b"",))]))
    [('f', b'a', (0, 1, 6), (1.0, 2.0, 1.0), (b'', b'', b''))]
    """
    for (fieldname, btext), parts in groupby(heapq.merge(*sources, key=TERM), TERM):
        first = next(parts)
        rest = list(parts)
        if not rest:
            yield first
            continue
        rest.append(first)
        rest.sort(key=_FIRST_DOCNUM)
        docnums, weights, values = (tuple(chain.from_iterable(part[column] for part in rest)) for column in (2, 3, 4))
        if any(map(ge, docnums, docnums[1:])):
            docnums, weights, values = map(tuple, zip(*sorted(zip(docnums, weights, values), key=itemgetter(0))))
        yield fieldname, btext, docnums, weights, values
