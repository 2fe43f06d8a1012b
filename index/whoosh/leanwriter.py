"""Whoosh's segment writer with fewer Python calls per posting: same files.

Profiled (cProfile on CPU time, 2,000 synthetic files, session 6), the
writer process spent most of its time in Whoosh's pure-Python path per
posting: ``PostingPool.add`` (an assertion pair and a size estimate per
posting), ``doc_field_length`` at the segment flush (for every posting, the
field's length read back through the column file just written, two
``isinstance`` and a memoryview slice each), and the assertions of
``W3PostingsWriter.add_posting``. :class:`LeanSegmentWriter` adds a
document's postings to the pool field by field, keeps the field lengths in
memory for its flush, and writes the flushed postings a term at a time
(:func:`_write_postings`: session 7 profiled Whoosh's postings and term
writers at a dozen Python calls per posting and forty per term). A merge (``add_reader``, the
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

import zlib
from array import array
from collections.abc import Callable, Iterator
from io import BytesIO
from itertools import accumulate, groupby, repeat
from operator import sub
from pickle import dumps, load, loads

from whoosh.codec import whoosh3
from whoosh.filedb import filetables
from whoosh.reading import SegmentReader
from whoosh.system import pack_int, pack_long, pack_ushort, unpack_int
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from foiasearch.index.whoosh.blockpickle import block_data
from foiasearch.index.whoosh.importing import _md5 as md5  # CPython's own: no OpenSSL
from foiasearch.index.whoosh.schema import Analyzed
from foiasearch.index.whoosh.termpool import TERM, Group, TermPool, merge_groups


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

    def __init__(self, ix, limitmb: float = 128, **kwargs) -> None:
        super().__init__(ix, limitmb=limitmb, **kwargs)
        # The short path writes W3 segments (non-inlined postings, length
        # statistics) for schemas without spelling or vector fields; any
        # other writer is Whoosh's own throughout, pool and flush included.
        self._lean = (not any(field.separate_spelling() or field.vector for _, field in self.schema.items())
                      and self.codec.length_stats and isinstance(self.fieldwriter, whoosh3.W3FieldWriter)
                      and self.codec._inlinelimit <= 1)
        if self._lean:
            self.pool = TermPool(self._tempstorage, limitmb)  # postings grouped by term (index.whoosh.termpool)
        self._lengths: dict[str, dict[int, int]] = {}
        self._whoosh_documents = False  # documents added by Whoosh's add_document: lengths only in the columns
        self._streams: list = []  # the sorted postings of readers added (add_reader)
        self._closes_after_flush: list = []  # reader.close of readers closed before the flush
        # Applied to each added reader's postings (index.whoosh.merging: a merge that can be stopped).
        self.wrap_postings: Callable[[Iterator[tuple]], Iterator[tuple]] | None = None

    def add_reader(self, reader) -> None:
        """Whoosh's add_reader (a merge), except that the reader's postings,
        which come sorted, are merged with the rest at the flush instead of
        going through the sorting pool one by one (each sized, and pickled
        to a run file and back when the pool is full): a third of a merge's
        time. The reader must stay open until the segment is finalized."""
        if not self._lean:
            return super().add_reader(reader)
        self._check_state()
        basedoc = self.docnum
        names = set(self.schema.names()) | {name for name in reader.indexed_field_names() if name in self.schema}
        docmap = self.write_per_doc(names, reader)
        if _reads_blocks(reader):
            postings = _segment_postings(reader, basedoc, docmap)
        else:
            postings = _grouped(self._process_posts(reader.iter_postings(), basedoc, docmap))
        self._streams.append(self.wrap_postings(postings) if self.wrap_postings else postings)
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
            self._whoosh_documents = True
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
                if value.__class__ is Analyzed:  # made ready in a worker (index.whoosh.schema.Analyzed)
                    ready = value
                else:
                    ready = Analyzed(list(field.index(value)) if field.indexed else [],
                                     value if field.stored else None,
                                     field.to_column_value(value) if field.column_type else None)
                texts = ready.texts
                if texts and field.indexed:
                    # What PostingPool.add does one posting at a time, by columns.
                    # Weights that are the frequencies go in as those ints (index.whoosh.schema.Analyzed).
                    weights = ready.weights
                    pool.add_items(fieldname, docnum, texts, ready.freqs if weights is None else weights, ready.values)
                    if field.scorable:
                        length = sum(ready.freqs)
                        self._lengths.setdefault(fieldname, {})[docnum] = _stored_length(length)
                perdocwriter.add_field(fieldname, field, ready.stored, length)
                column = field.column_type
                if column:
                    perdocwriter.add_column_value(fieldname, column, ready.column)
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
        if not self._lean:
            return super()._flush_segment()
        self.perdocwriter.close()
        groups = self.pool.groups()
        if not self._streams and not self._whoosh_documents:
            _write_postings(self.fieldwriter, self.schema, self._lengths, groups)
        else:
            # Documents copied from readers, or added by Whoosh's own
            # add_document, have their lengths only in the columns just written.
            reader = self.per_document_reader()
            try:
                lengths = _column_lengths(reader, self.schema)
                _write_postings(self.fieldwriter, self.schema, lengths, merge_groups(groups, *self._streams))
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


# A block's data pickle is compressed only from this many bytes; the block's
# info says whether it was (its compression level, or 0), and Whoosh's reader
# and search.whoosh.postings read either. Whoosh's W3 writer meant to leave
# blocks under 20 bytes as they are, but its test is overwritten by the next
# line (whoosh 2.7.5) and it compresses every one. Measured over the 2,000-file
# corpus of bench/compare.py (25,885 blocks in bench/writer_cpu.py's run):
# the 16,565 under 20 bytes grew by 8 bytes each when compressed, the 3,800 of
# 20-80 bytes (mostly one posting with its positions) came out the same size,
# and from 80 bytes up they shrank (a tenth at 80-100 bytes, half past 200);
# while each zlib.compress took 15 µs (it sets up a 256 KB state): 0.4 s of
# the writer's 2.2 s. Left uncompressed, the small ones also make the postings
# file 2% smaller, and spare a search their decompression.
MIN_COMPRESSED = 80


def _write_postings(fieldwriter, schema, lengths: dict[str, dict[int, int]], groups: Iterator[Group]) -> None:
    """What Whoosh's W3 FieldWriter writes for ``groups`` (a term's postings
    each, ``(fieldname, btext, docnums, weights, values)``, sorted by field
    and term, the docnums increasing), each field length from ``lengths``
    (fieldname -> docnum -> length): the same bytes, one term at a time
    instead of one posting at a time.

    Whoosh's W3PostingsWriter and W3FieldWriter make a dozen Python calls per
    posting and about forty per term (a terminfo object, block statistics
    method by method, a ``tell`` system call per term and file, the
    key-value record written in three pieces): with most terms of a
    segment in one or two documents, that per-term path was most of a
    flush. Here a term's postings come grouped (index.whoosh.termpool), each
    block of ``_blocklimit`` postings is made by :func:`_block`, and the
    file positions are counted instead of asked for. The files are
    Whoosh's, byte for byte (tests/test_leanwriter.py)."""
    codec = fieldwriter._codec
    limit, compression = codec._blocklimit, codec._compression
    postfile, tindex, fieldmap = fieldwriter._postfile, fieldwriter._tindex, fieldwriter._fieldmap
    hashfn = _md5_low32 if tindex.hashfn is filetables.md5_hash else tindex.hashfn
    index_append, buckets, lastkey = tindex.index.append, tindex.buckets, tindex.lastkey
    post_at, term_at = postfile.tell(), tindex.dbfile.tell()  # counted from here on
    post_out: list[bytes] = []
    term_out: list[bytes] = []
    lastfn = prefix = fixed = length_of = None
    for fieldname, btext, docnums, weights, values in groups:
        if fieldname != lastfn:
            # W3FieldWriter.start_field: a field's number is its order of first appearance.
            prefix = pack_ushort(fieldmap.setdefault(fieldname, len(fieldmap)))
            fixed = schema[fieldname].format.fixed_value_size()
            length_of = lengths.get(fieldname, {}).get
            lastfn = fieldname
        count = len(docnums)
        start = post_at
        post_out.append(_HEADER_MAGIC)
        post_at += len(_HEADER_MAGIC)
        # W3TermInfo.add_block, block by block
        total, minlength, maxlength, maxweight = 0, None, 0, 0
        for first in range(0, count, limit):
            last = first + limit >= count
            if first or not last:  # more than one block
                block = _block(docnums[first:first + limit], weights[first:first + limit],
                               values[first:first + limit], length_of, fixed, compression, last)
            else:
                block = _block(docnums, weights, values, length_of, fixed, compression, last)
            data, weight_sum, block_min, block_max, block_maxweight = block
            post_out.append(data)
            post_at += len(data)
            total += weight_sum
            minlength = block_min if minlength is None else min(minlength, block_min)
            maxlength = max(maxlength, block_max)
            maxweight = max(maxweight, block_maxweight)
        # W3TermInfo.to_bytes (never inlined: the W3 codec's inline limit is 1) and HashWriter.add
        info = _TERMINFO(0, total, count, length_to_byte(minlength), length_to_byte(maxlength), maxweight,
                         docnums[0], docnums[-1]) + pack_long(start) + pack_int(post_at - start)
        key = prefix + btext
        if key <= lastkey:
            raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
        lastkey = key
        index_append(term_at)
        hashed = hashfn(key)
        buckets[hashed & 255].append((hashed, term_at))
        term_out.append(_KEY_VALUE_LENGTHS(len(key), len(info)))
        term_out.append(key)
        term_out.append(info)
        term_at += 8 + len(key) + len(info)
        if len(post_out) > 1024:
            postfile.write(b"".join(post_out))
            tindex.dbfile.write(b"".join(term_out))
            post_out.clear()
            term_out.clear()
    postfile.write(b"".join(post_out))
    tindex.dbfile.write(b"".join(term_out))
    tindex.lastkey = lastkey


def _block(docnums, weights, values, length_of, fixed, compression: int, last: bool):
    """One block of a term's postings as W3PostingsWriter._write_block
    writes it (its length, its info pickle, its data pickle, compressed
    from MIN_COMPRESSED bytes),
    with the statistics W3TermInfo.add_block takes from it: (bytes, sum of
    the weights as stored, min length or None, max length, max weight)."""
    stored = array("f", weights)  # Whoosh keeps weights as 32-bit floats
    count = len(stored)
    if stored.count(1.0) == count:
        mini_weights = None
    elif stored.count(stored[0]) == count:
        mini_weights = stored[0]
    else:
        mini_weights = tuple(stored)
    values = [value for value in values if value]
    if fixed is None or fixed < 0:
        mini_values = tuple(values)
    elif fixed == 0:
        mini_values = None
    else:
        mini_values = b"".join(values)
    data = block_data((tuple(map(sub, docnums, (0,) + docnums[:-1])), mini_weights, mini_values))
    if compression and len(data) >= MIN_COMPRESSED:
        data = zlib.compress(data, compression)
    else:
        compression = 0
    lengths = [length for length in map(length_of, docnums) if length]
    minlength, maxlength = (min(lengths), max(lengths)) if lengths else (None, 0)
    maxweight = max(weights)
    # float: a weight may be its int frequency (index.whoosh.schema.Analyzed); 0 is
    # Whoosh's running maximum, which starts at the int 0
    maxweight = float(maxweight) if maxweight > 0 else 0
    info = dumps((count, docnums[-1], maxweight, compression, length_to_byte(minlength),
                  length_to_byte(maxlength)), 2)
    size = len(info) + len(data)
    return pack_int(-size if last else size) + info + data, sum(stored), minlength, maxlength, maxweight


def _reads_blocks(reader) -> bool:
    """Whether :func:`_segment_postings` can read ``reader``'s postings: a
    W3 segment's, with Whoosh's own iter_postings (not one a caller replaced)."""
    return (isinstance(reader, SegmentReader) and isinstance(reader._terms, whoosh3.W3TermsReader)
            and "iter_postings" not in vars(reader))


def _segment_postings(reader, basedoc: int, docmap: dict[int, int] | None) -> Iterator[Group]:
    """What ``_process_posts(reader.iter_postings(), basedoc, docmap)``
    yields (a merge's postings, renumbered, the deleted left out), grouped
    by term, read block by block from the postings file instead of posting
    by posting through a matcher (a fifth of the writer's time at 20,000
    files, in merges)."""
    schema, terms, deleted = reader.schema, reader._terms, reader.deleted_docs_set
    postfile = terms._postfile
    fixed = {name: field.format.fixed_value_size() for name, field in schema.items() if field.format}
    for (fieldname, btext), terminfo in terms.items():
        if fieldname not in schema:
            continue
        if terminfo.is_inlined():  # not written by the W3 codec (its inline limit is 1): Whoosh's matcher
            matcher = reader.postings(fieldname, btext)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            docnums, weights, values = zip(*items) if items else ((), (), ())
            group = _renumbered(fieldname, btext, docnums, weights, values, basedoc, docmap, ())
            if group[2]:
                yield group
            continue
        position, _ = terminfo.extent()
        if postfile.get(position, 4) != _HEADER_MAGIC:
            raise ValueError(f"block tag error at {position} in {fieldname}:{btext!r}")
        position += 4
        last = False
        all_docnums: list[int] = []
        all_weights: list[float] = []
        all_values: list = []
        while not last:
            size = unpack_int(postfile.get(position, 4))[0]
            last, size = size < 0, abs(size)
            block = BytesIO(postfile.get(position + 4, size))
            count, _, _, compression, _, _ = load(block)
            data = block.read()
            position += 4 + size
            deltas, weights, values = loads(zlib.decompress(data) if compression else data)
            docnums = tuple(accumulate(deltas))
            if weights is None:
                weights = repeat(1.0, count)
            elif isinstance(weights, float):
                weights = repeat(array("f", (weights,))[0], count)  # as Whoosh's reader: a 32-bit float
            size = fixed[fieldname]
            if size == 0:
                values = repeat(None, count)
            elif size is not None and size > 0:
                values = [values[start:start + size] for start in range(0, len(values), size)]
            all_docnums.extend(docnums)
            all_weights.extend(weights)
            all_values.extend(values)
        group = _renumbered(fieldname, btext, all_docnums, all_weights, all_values, basedoc, docmap, deleted)
        if group[2]:
            yield group


def _renumbered(fieldname, btext, docnums, weights, values, basedoc, docmap, deleted) -> Group:
    """(fieldname, btext, new docnums, weights, values) for the postings of
    documents not ``deleted``, numbered as ``docmap`` says (else from ``basedoc``)."""
    if deleted:
        kept = [(docnum, weight, value) for docnum, weight, value in zip(docnums, weights, values)
                if docnum not in deleted]
        docnums, weights, values = zip(*kept) if kept else ((), (), ())
    if docmap is not None:
        docnums = map(docmap.__getitem__, docnums)
    else:
        docnums = map(basedoc.__add__, docnums)
    return fieldname, btext, tuple(docnums), tuple(weights), tuple(values)


def _grouped(postings: Iterator[tuple]) -> Iterator[Group]:
    """Sorted ``(fieldname, btext, docnum, weight, value)`` postings as groups."""
    for (fieldname, btext), group in groupby(postings, TERM):
        _, _, docnums, weights, values = zip(*group)
        yield fieldname, btext, docnums, weights, values


def _md5_low32(key: bytes) -> int:
    """filetables.md5_hash (the low 32 bits of the key's MD5) without its hex round trip."""
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")


_HEADER_MAGIC = whoosh3.WHOOSH3_HEADER_MAGIC
_TERMINFO = whoosh3.W3TermInfo._struct.pack
_KEY_VALUE_LENGTHS = filetables._lengths.pack


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


def _write_block(self, last=False):
    """W3PostingsWriter._write_block (whoosh 2.7.5), except that a block's
    data under MIN_COMPRESSED bytes is written uncompressed, as
    :func:`_block` does: Whoosh's own writer (its merges of other codecs'
    segments, tests/test_leanwriter.py's reference) writes the same files."""
    if not self._blockcount:
        self._postfile.write(_HEADER_MAGIC)
    self._terminfo.add_block(self)
    databytes = dumps((self._mini_ids(), self._mini_weights(), self._mini_values()), 2)
    comp = self._compression if len(databytes) >= MIN_COMPRESSED else 0
    if comp:
        databytes = zlib.compress(databytes, comp)
    ids = self._ids
    infobytes = dumps((len(ids), ids[-1], self._maxweight, comp, length_to_byte(self._minlength),
                       length_to_byte(self._maxlength)), 2)
    blocklength = len(infobytes) + len(databytes)
    self._postfile.write_int(-blocklength if last else blocklength)
    self._postfile.write(infobytes)
    self._postfile.write(databytes)
    self._blockcount += 1
    self._new_block()


_whoosh_add_posting = whoosh3.W3PostingsWriter.add_posting
whoosh3.W3PostingsWriter.add_posting = _add_posting
_whoosh_write_block = whoosh3.W3PostingsWriter._write_block
whoosh3.W3PostingsWriter._write_block = _write_block


def checked_postings(enabled: bool = False) -> None:
    """Whoosh's own add_posting, with its assertions, when ``enabled``
    (bench/writer_cpu.py compares)."""
    whoosh3.W3PostingsWriter.add_posting = _whoosh_add_posting if enabled else _add_posting
