"""The lean segment writer (index.whoosh.leanwriter) writes the same
segment files as Whoosh's own writer, byte for byte, for the records the
indexer makes (posts and multi-page releases), analysed in a worker or not,
with the posting pool small enough to spill sorted runs to disk. Both leave
posting blocks under MIN_COMPRESSED bytes uncompressed; indexes whose every
block is compressed (written before) read the same."""

from __future__ import annotations

import os

import pytest
from whoosh import index
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from foiasearch.index.whoosh import leanwriter
from foiasearch.index.whoosh.leanwriter import LeanSegmentWriter
from foiasearch.index.whoosh.records import records_for
from foiasearch.index.whoosh.schema import Analyzed, build_schema
from foiasearch.index.whoosh.writer import WhooshWriter, with_prepared
from foiasearch.ingest.document import IngestResult
from tests.synthetic import synthetic_documents


def _records(prepared: bool) -> list[dict]:
    """The records of synthetic documents; with ``prepared``, their texts
    analysed as the extraction workers do (index.whoosh.writer.prepare)."""
    records = []
    for number, doc in enumerate(synthetic_documents(60)):
        doc.id = f"{number:064x}"
        ready = WhooshWriter.prepare(IngestResult("ok", documents=[doc]))[doc.part] if prepared else None
        for record in records_for(doc, [f"/corpus/{doc.kind}/{doc.id}.html", "/corpus/copy.html"]):
            records.append(with_prepared(record, ready))
    return records


def _segment_files(folder, writer_class, records, limitmb: float) -> dict[str, bytes]:
    folder.mkdir()
    ix = index.create_in(str(folder), build_schema())
    writer = writer_class(ix, compound=False, limitmb=limitmb)
    segment = writer.newsegment.segment_id()
    for record in records:
        writer.add_document(**record)
    runs = len(writer.pool.runs)
    writer.commit()
    assert (runs >= 3) == (limitmb < 1)  # a small pool spills several times
    return {name.replace(segment, "SEGMENT"): (folder / name).read_bytes()
            for name in os.listdir(folder) if segment in name}


@pytest.mark.parametrize("prepared", [True, False])
@pytest.mark.parametrize("limitmb", [0.02, 32])  # 0.02: the pool spills sorted runs to disk
def test_same_segment_files_as_whoosh(tmp_path, prepared, limitmb):
    records = _records(prepared)
    assert any(record["rtype"].stored == "page" if prepared else record["rtype"] == "page" for record in records)
    assert len(records) > 60
    analysed = {name for record in records for name, value in record.items() if isinstance(value, Analyzed)}
    assert {"content", "title", "tag", "url", "id", "page"} <= analysed and "path" not in analysed if prepared else not analysed
    try:
        # Whoosh's own postings writer, as it ships but for its blocks' compression (index.whoosh.leanwriter._write_block)
        leanwriter.checked_postings(True)
        whoosh_files = _segment_files(tmp_path / "whoosh", SegmentWriter, _records(False), limitmb)
    finally:
        leanwriter.checked_postings(False)
    lean_files = _segment_files(tmp_path / "lean", LeanSegmentWriter, records, limitmb)
    assert sorted(lean_files) == sorted(whoosh_files)
    assert any(name.endswith(".pst") for name in lean_files)
    for name, data in whoosh_files.items():
        assert lean_files[name] == data, name


def _block_records() -> list[dict]:
    """Records whose terms are in more records than a posting block holds
    (128): several blocks each, with weights that vary, are all equal or are all 1."""
    return [{"id": str(n), "rtype": "doc", "parent": str(n), "title": "opt out " * (1 + n % 3),
             "subject": "detainer request", "content": "detainer " * (1 + n % 5) + f"word{n % 7} county",
             "tag": "ice,dhs"} for n in range(300)]


@pytest.mark.parametrize("limitmb", [0.02, 32])
def test_terms_of_several_blocks(tmp_path, limitmb):
    records = _block_records()
    try:
        leanwriter.checked_postings(True)
        whoosh_files = _segment_files(tmp_path / "whoosh", SegmentWriter, records, limitmb)
    finally:
        leanwriter.checked_postings(False)
    lean_files = _segment_files(tmp_path / "lean", LeanSegmentWriter, records, limitmb)
    assert sorted(lean_files) == sorted(whoosh_files)
    for name, data in whoosh_files.items():
        assert lean_files[name] == data, name


def test_other_documents_take_whooshs_path(tmp_path):
    """A boost or a custom stored value goes through Whoosh's add_document."""
    ix = index.create_in(str(tmp_path), build_schema())
    writer = LeanSegmentWriter(ix)
    writer.add_document(id="a", rtype="doc", parent="a", title="Opt out", _title_boost=3.0)
    writer.add_document(id="b", rtype="doc", parent="b", title="Opt out")
    writer.commit()
    with ix.searcher() as searcher:
        assert [searcher.stored_fields(n)["id"] for n in range(2)] == ["a", "b"]


def _merged_files(ix, folder, fill, limitmb: float = 128) -> dict[str, bytes]:
    """The files of the segment that Whoosh's writer and the lean writer
    each write over the segments of ``ix`` as readers, ``fill(writer,
    readers)`` adding them (and records); asserts they are the same."""
    def written(writer_class) -> dict[str, bytes]:
        writer = writer_class(ix, _lk=False, compound=False, limitmb=limitmb)
        readers = [SegmentReader(writer.storage, writer.schema, segment) for segment in writer.segments]
        try:
            fill(writer, readers)
            segment = writer._finalize_segment()
        finally:
            for reader in readers:
                reader.close()
        name = segment.segment_id()
        return {file.replace(name, "SEGMENT"): (folder / file).read_bytes()
                for file in os.listdir(folder) if name in file}

    try:
        leanwriter.checked_postings(True)
        whoosh_files = written(SegmentWriter)
    finally:
        leanwriter.checked_postings(False)
    lean_files = written(LeanSegmentWriter)
    assert sorted(lean_files) == sorted(whoosh_files) and any(name.endswith(".pst") for name in lean_files)
    for name, data in whoosh_files.items():
        assert lean_files[name] == data, name
    return lean_files


def _segments_of(tmp_path, records: list[dict], size: int, deleted: list[int]):
    """An index of ``records`` in segments of ``size``, the records at the
    positions ``deleted`` deleted."""
    ix = index.create_in(str(tmp_path), build_schema())
    for start in range(0, len(records), size):  # one segment per commit
        writer = LeanSegmentWriter(ix)
        for record in records[start:start + size]:
            writer.add_document(**record)
        writer.commit(merge=False)
    writer = ix.writer()
    for position in deleted:
        parent = records[position]["parent"]
        writer.delete_by_term("parent", parent.stored if isinstance(parent, Analyzed) else parent)
    writer.commit(merge=False)
    assert len(ix._segments()) >= 2 and ix.doc_count() < ix.doc_count_all()
    return ix


@pytest.mark.parametrize("blocks", [False, True])
def test_a_merge_writes_the_same_segment_as_whooshs(tmp_path, blocks):
    """Segments merged through add_reader (index.whoosh.merging), some of
    their records deleted: the same merged segment as Whoosh's own merge
    (``blocks``: terms of several posting blocks in each segment)."""
    records, size = (_block_records(), 150) if blocks else (_records(True), 25)
    ix = _segments_of(tmp_path, records, size, [30, 60])

    def fill(writer, readers) -> None:
        for reader in readers:
            writer.add_reader(reader)

    _merged_files(ix, tmp_path, fill)


@pytest.mark.parametrize("how", [{"optimize": True}, {}])
def test_whooshs_own_merge_policies_through_the_lean_writer(tmp_path, how):
    """Whoosh's merge policies (a plain commit merges small segments, optimize
    merges all) close each reader as soon as add_reader returns; the lean
    writer reads its postings at the flush, so the close waits for it."""
    from whoosh import query as wq

    ix = index.create_in(str(tmp_path), build_schema())
    records = _records(False)
    for start in range(0, 60, 10):  # six small segments, unmerged
        writer = LeanSegmentWriter(ix)
        for record in records[start:start + 10]:
            writer.add_document(**record)
        writer.commit(merge=False)
    with ix.searcher() as searcher:
        expected = sorted(searcher.stored_fields(n)["id"] for n in searcher.document_numbers())
        pages = len(searcher.search(wq.Term("rtype", "page"), limit=None))
        assert pages > 0
    LeanSegmentWriter(ix).commit(**how)
    with ix.searcher() as searcher:
        assert len(ix._segments()) < 6
        assert sorted(searcher.stored_fields(n)["id"] for n in searcher.document_numbers()) == expected
        assert len(searcher.search(wq.Term("rtype", "page"), limit=None)) == pages


def test_deletions_skipped_only_for_documents_an_empty_index_never_had(tmp_path):
    """A writer that opened an empty index deletes only what it wrote
    itself; one that opened a non-empty index deletes every document it
    replaces (one written by a killed run may be there)."""
    import pathlib

    from foiasearch.index.location import IndexLocation
    from foiasearch.ingest.document import Document, Page

    def doc(title: str) -> Document:
        return Document(kind="post", id="a", title=title, paths=["/a.html"], pages=[Page(1, "opt out")])

    def titles(writer: WhooshWriter) -> list[str]:
        from whoosh import query as wq

        with writer.ix.searcher() as searcher:
            return [word for word in ("first", "other", "second", "third")
                    if searcher.search(wq.Term("title", word), limit=None).scored_length()]

    location = IndexLocation(pathlib.Path(tmp_path))
    writer = WhooshWriter(location)
    writer.replace(doc("first"))
    writer.replace(Document(kind="post", id="b", title="other", paths=["/b.html"], pages=[Page(1, "x")]))
    writer.commit()
    writer.replace(doc("second"))  # written by this writer: deleted before it is written again
    writer.commit()
    assert writer.ix.doc_count() == 2 and titles(writer) == ["other", "second"]
    writer.close()
    writer = WhooshWriter(location)  # the index is not empty now
    writer.replace(doc("third"))
    writer.commit()
    assert writer.ix.doc_count() == 2 and titles(writer) == ["other", "third"]
    writer.close()


@pytest.mark.parametrize("readers_at", ["first", "last", "between"])
def test_documents_and_readers_in_one_segment(tmp_path, readers_at):
    """Records added through a pool that spills several times, and segments
    added as readers (their postings merged with the pool's at the flush),
    before, after or between the records, some of their records deleted:
    the same segment as Whoosh's own writer. Between: a term's postings
    come from the pool on both sides of the readers' documents."""
    records = _block_records()
    ix = _segments_of(tmp_path, records[:200], 100, [10])
    middle = 250 if readers_at == "between" else {"first": 200, "last": 300}[readers_at]

    def fill(writer, readers) -> None:
        for record in records[200:middle]:
            writer.add_document(**record)
        for reader in readers:
            writer.add_reader(reader)
        for record in records[middle:]:
            writer.add_document(**record)
        assert len(writer.pool.runs) >= 2
    _merged_files(ix, tmp_path, fill, limitmb=0.02)


def test_documents_with_boosts_write_the_same_segment(tmp_path):
    """Records with a boost go through Whoosh's add_document: their field
    lengths come from the columns, so the segment is still Whoosh's."""
    records = _block_records()[:40]
    boosted = [dict(record, _title_boost=2.0) if n % 3 == 0 else record for n, record in enumerate(records)]
    try:
        leanwriter.checked_postings(True)
        whoosh_files = _segment_files(tmp_path / "whoosh", SegmentWriter, boosted, 32)
    finally:
        leanwriter.checked_postings(False)
    lean_files = _segment_files(tmp_path / "lean", LeanSegmentWriter, boosted, 32)
    assert lean_files == whoosh_files


def test_another_codec_takes_whooshs_writer_throughout(tmp_path):
    """A codec the short path does not write (plain text) gets Whoosh's
    pool, add_reader and flush: segments merged into one of its segments."""
    from whoosh.codec.plaintext import PlainTextCodec

    ix = _segments_of(tmp_path, _block_records()[:10], 5, [1])
    writer = LeanSegmentWriter(ix, _lk=False, codec=PlainTextCodec())
    assert not writer._lean
    readers = [SegmentReader(writer.storage, writer.schema, segment) for segment in writer.segments]
    for reader in readers:
        writer.add_reader(reader)
    writer.add_document(**_block_records()[10])
    try:
        writer._finalize_segment()  # raised TypeError when the lean flush took the readers' term groups
    finally:
        for reader in readers:
            reader.close()
    assert writer.docnum == 10  # nine documents kept and the one added


def _postings(ix) -> dict[tuple[str, bytes], list[tuple[int, float, bytes]]]:
    """(field, term) -> [(docnum, weight, value)] of every posting of ``ix``, read through Whoosh's matchers."""
    found = {}
    with ix.reader() as reader:
        for fieldname, btext in reader.all_terms():
            matcher = reader.postings(fieldname, btext)
            items = []
            while matcher.is_active():
                items.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            found[fieldname, btext] = items
    return found


def _block_compressions(ix) -> dict[tuple[str, bytes], set[int]]:
    """(field, term) -> the compression levels its posting blocks record."""
    found = {}
    with ix.reader() as reader:
        for fieldname, btext in reader.all_terms():
            matcher = reader.postings(fieldname, btext)
            levels = found.setdefault((fieldname, btext), set())
            while True:
                levels.add(matcher._compression)
                if matcher._lastblock:
                    break
                matcher._next_block()
    return found


@pytest.mark.parametrize("writer_class", [LeanSegmentWriter, SegmentWriter])
def test_small_blocks_are_left_uncompressed_and_read_as_before(tmp_path, writer_class, monkeypatch):
    """A block's data under MIN_COMPRESSED bytes is written as it is (its
    info says so), a larger one compressed; the postings read back are those
    of an index whose every block is compressed (Whoosh's writer as it
    ships: the indexes written before), and both search alike."""
    from whoosh.codec import whoosh3
    from whoosh.qparser import QueryParser

    records = _records(False)[:40] + _block_records()[:150]
    written = {}
    for name, write_block in (("every", leanwriter._whoosh_write_block), ("small", whoosh3.W3PostingsWriter._write_block)):
        monkeypatch.setattr(whoosh3.W3PostingsWriter, "_write_block", write_block)
        folder = tmp_path / name
        folder.mkdir()
        ix = index.create_in(str(folder), build_schema())
        writer = (writer_class if name == "small" else SegmentWriter)(ix)
        for record in records:
            writer.add_document(**record)
        writer.commit()
        written[name] = ix
    levels = _block_compressions(written["small"])
    assert {0} in levels.values() and {3} in levels.values()
    assert set().union(*_block_compressions(written["every"]).values()) == {3}
    assert _postings(written["small"]) == _postings(written["every"])
    # ... and through the search side's own block reader (search.whoosh.postings), which parses
    # an uncompressed block's bytes itself
    from foiasearch.search.whoosh.postings import posting_blocks, posting_ids, posting_values

    def blockwise(ix):
        found = {}
        with ix.reader() as reader:
            for fieldname, btext in reader.all_terms():
                blocks = [(list(ids), list(weights)) for ids, weights in posting_blocks(reader.postings(fieldname, btext))]
                ids = [list(block) for block in posting_ids(reader.postings(fieldname, btext))]
                values = [(list(i), v if v is None else list(v)) for i, v in posting_values(reader.postings(fieldname, btext))]
                found[(fieldname, btext)] = (blocks, ids, values)
        return found

    assert blockwise(written["small"]) == blockwise(written["every"])
    for text in ("detainer", "title:(opt out)", '"word3 county"', "tag:ice"):
        results = []
        for ix in written.values():
            with ix.searcher() as searcher:
                hits = searcher.search(QueryParser("content", ix.schema).parse(text), limit=None)
                results.append([(hit["id"], round(hit.score, 6)) for hit in hits])
        assert results[0] == results[1] and results[0], text

