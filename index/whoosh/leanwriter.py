"""Whoosh's segment writer with fewer Python calls per posting: same files.

Profiled (cProfile on CPU time, 2,000 synthetic files, session 6), the
writer process spent most of its time in Whoosh's pure-Python path per
posting: ``PostingPool.add`` (an assertion pair and a size estimate per
posting), ``doc_field_length`` at the segment flush (for every posting, the
field's length read back through the column file just written, two
``isinstance`` and a memoryview slice each), and the assertions of
``W3PostingsWriter.add_posting``. :class:`LeanSegmentWriter` adds a
document's postings to the pool field by field, keeps the field lengths in
memory for its flush, and the postings writer skips its type checks (the
values come from Whoosh's own formats). A merge (``add_reader``, the
background merges of index.whoosh.merging) streams the segments' postings,
sorted already, into the flush instead of sorting them again in the pool.
The segments written are the same, byte for byte (tests/test_leanwriter.py
compares the files of both writers, for new records and for merges).

>>> import tempfile
>>> from whoosh import fields, index
>>> ix = index.create_in(tempfile.mkdtemp(), fields.Schema(id=fields.ID(stored=True), body=fields.TEXT))
>>> writer = LeanSegmentWriter(ix)
>>> writer.add_document(id="a", body="opt out of the program"); writer.commit()
>>> ix.searcher().document_number(id="a")
0
"""

from __future__ import annotations

import heapq
from itertools import repeat

from whoosh.codec import whoosh3
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from foiasearch.index.whoosh.schema import Analyzed

# The size Whoosh's PostingPool counts for one posting besides its term and
# value bytes (a tuple, a field name's str header, a docnum, a weight):
# 28 + 4 * 5 + 21 + 26 + 18 + 16 + 21; the field name's length comes on top.
_POSTING_OVERHEAD = 150


def _stored_length(length: int) -> int:
    """What the lengths column reads back for ``length`` (W3PerDocReader)."""
    byte = length_to_byte(length)
    return byte_to_length(byte) if byte else 0


class LeanSegmentWriter(SegmentWriter):
    """A ``SegmentWriter`` whose ``add_document``, ``add_reader`` and segment
    flush take the short path; a schema with spelling or vector fields goes
    through Whoosh's own code. A reader added is read at the flush: closed
    before it (Whoosh's merge policies close it as soon as ``add_reader``
    returns), it is closed after the flush instead."""

    def __init__(self, ix, **kwargs) -> None:
        super().__init__(ix, **kwargs)
        self._lean = not any(field.separate_spelling() or field.vector for _, field in self.schema.items())
        self._lengths: dict[str, dict[int, int]] = {}
        self._streams: list = []  # the sorted postings of readers added (add_reader)
        self._closes_after_flush: list = []  # reader.close of readers closed before the flush

    def add_reader(self, reader) -> None:
        """Whoosh's add_reader (a merge), except that the reader's postings,
        which come sorted, are merged with the rest at the flush instead of
        going through the sorting pool one by one (each sized, and pickled
        to a run file and back when the pool is full): a third of a merge's
        time. The reader must stay open until the segment is finalized."""
        self._check_state()
        basedoc = self.docnum
        names = set(self.schema.names()) | {name for name in reader.indexed_field_names() if name in self.schema}
        docmap = self.write_per_doc(names, reader)
        self._streams.append(self._process_posts(reader.iter_postings(), basedoc, docmap))
        self._added = True
        close = reader.close

        def close_after_flush() -> None:
            if self._streams:
                self._closes_after_flush.append(close)
            else:
                close()
        reader.close = close_after_flush

    def _close_readers(self) -> None:
        self._streams = []
        while self._closes_after_flush:
            self._closes_after_flush.pop()()

    def cancel(self) -> None:
        try:
            super().cancel()
        finally:
            self._close_readers()

    def add_document(self, **fields) -> None:
        if not self._lean or any(name.startswith("_") for name in fields):  # boosts, custom stored values
            return super().add_document(**fields)
        self._check_state()
        perdocwriter, schema, docnum, pool = self.perdocwriter, self.schema, self.docnum, self.pool
        fieldnames = sorted(fields)  # none starts with "_" here (see above)
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    # A value analysed in a worker (index.whoosh.schema.Analyzed), whatever the field.
                    items = value.items if value.__class__ is Analyzed else list(field.index(value))
                    if items:
                        # What PostingPool.add does one posting at a time, by columns.
                        texts, freqs, weights, values = zip(*items)
                        pool.fieldnames.add(fieldname)
                        pool.current.extend(zip(repeat(fieldname), texts, repeat(docnum),
                                                map(float, weights), values))  # float: as Whoosh's boost of 1.0
                        pool.currentsize += (len(items) * (_POSTING_OVERHEAD + len(fieldname))
                                             + 2 * sum(map(len, texts)) + sum(map(len, values)))
                        if pool.currentsize > pool.limit:
                            pool.save()
                        if field.scorable:
                            length = sum(freqs)
                            self._lengths.setdefault(fieldname, {})[docnum] = _stored_length(length)
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        try:
            self._flush_postings()
        finally:
            self._close_readers()

    def _flush_postings(self) -> None:
        if not self._lean or not self.codec.length_stats or not isinstance(self.fieldwriter, whoosh3.W3FieldWriter):
            for stream in self._streams:  # Whoosh's own flush: every posting through the pool
                for posting in stream:
                    self.pool.add(posting)
            return super()._flush_segment()
        self.perdocwriter.close()
        postings = self.pool.iter_postings()
        if not self._streams:
            _write_postings(self.fieldwriter, self.schema, self._lengths, postings)
        else:
            # Documents copied from readers have their lengths in the columns just written.
            reader = self.per_document_reader()
            try:
                lengths = _column_lengths(reader, self.schema)
                # Each stream is sorted and the docnums of each come after the last's: one merge.
                _write_postings(self.fieldwriter, self.schema, lengths, heapq.merge(postings, *self._streams))
            finally:
                reader.close()
        self.fieldwriter.close()


def _column_lengths(reader, schema) -> dict[str, dict[int, int]]:
    """fieldname -> docnum -> length, as ``reader.doc_field_length`` gives
    them, for every document of a per-document reader (one load per field)."""
    lengths = {}
    for name, field in schema.items():
        if field.scorable and reader.has_column(whoosh3._lenfield(name)):
            column = reader._cached_reader(whoosh3._lenfield(name), whoosh3.LENGTHS_COLUMN)
            lengths[name] = {docnum: byte_to_length(byte) for docnum, byte in enumerate(column.load()) if byte}
    return lengths


def _write_postings(fieldwriter, schema, lengths: dict[str, dict[int, int]], postings) -> None:
    """FieldWriter.add_postings for Whoosh's W3 codec, from sorted postings:
    each posting goes straight to the field's postings writer, with its
    field length from ``lengths`` (fieldname -> docnum -> length) instead of
    the per-document reader, and no order checks (the pool sorted them)."""
    start_field, start_term = fieldwriter.start_field, fieldwriter.start_term
    finish_term, finish_field = fieldwriter.finish_term, fieldwriter.finish_field
    lastfn = lasttext = None
    add_posting = field_lengths = None
    for fieldname, btext, docnum, weight, value in postings:
        if fieldname != lastfn:
            if lasttext is not None:
                finish_term()
            if lastfn is not None:
                finish_field()
            start_field(fieldname, schema[fieldname])
            add_posting = fieldwriter._postwriter.add_posting
            field_lengths = lengths.get(fieldname, {})
            lastfn, lasttext = fieldname, None
        if btext != lasttext:
            if lasttext is not None:
                finish_term()
            start_term(btext)
            lasttext = btext
        add_posting(docnum, weight, value, field_lengths.get(docnum, 0))
    if lasttext is not None:
        finish_term()
    if lastfn is not None:
        finish_field()


def _add_posting(self, id_, weight, vbytes, length=None):
    """W3PostingsWriter.add_posting without its type assertions: a third of
    its time, for values Whoosh's formats and readers made."""
    if len(self._ids) >= self._blocklimit:
        self._write_block()
    self._ids.append(id_)
    self._weights.append(weight)
    if weight > self._maxweight:
        self._maxweight = weight
    if vbytes:
        self._values.append(vbytes)
    if length:
        minlength = self._minlength
        if minlength is None or length < minlength:
            self._minlength = length
        if length > self._maxlength:
            self._maxlength = length


_whoosh_add_posting = whoosh3.W3PostingsWriter.add_posting
whoosh3.W3PostingsWriter.add_posting = _add_posting


def checked_postings(enabled: bool = False) -> None:
    """Whoosh's own add_posting, with its assertions, when ``enabled``
    (bench/writer_cpu.py compares)."""
    whoosh3.W3PostingsWriter.add_posting = _whoosh_add_posting if enabled else _add_posting
