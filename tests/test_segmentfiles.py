"""Segment files are read in place (index.whoosh.segmentfiles): mapped_file
answers every read the way the io.BytesIO copy it replaces did, and an index
opened for searching reads its segments through it."""

from __future__ import annotations

import array
import io
import mmap
import pickle

from hypothesis import given, settings, strategies as st

from foiasearch.index.build import index_documents
from foiasearch.index.location import IndexLocation
from foiasearch.index.whoosh.segmentfiles import ViewReader, mapped_file
from foiasearch.index.whoosh.storage import open_index
from foiasearch.ingest.document import Document, Page
from foiasearch.search.api import Query, open_backend

# Sizes below -1 are left out: io.BufferedReader refuses them (ValueError)
# where io.BytesIO reads everything; Whoosh only reads sizes >= 0 and -1.
operations = st.lists(st.one_of(
    st.tuples(st.just("read"), st.one_of(st.none(), st.integers(-1, 700))),
    st.tuples(st.just("readline"), st.one_of(st.none(), st.integers(-1, 700))),
    st.tuples(st.just("readinto"), st.integers(0, 700)),
    st.tuples(st.just("seek"), st.integers(-800, 1200), st.sampled_from([0, 1, 2])),
    st.tuples(st.just("tell"),),
), max_size=30)


def apply(handle, operation):
    name, *arguments = operation
    try:
        if name == "readinto":
            buffer = bytearray(arguments[0])
            count = handle.readinto(buffer)
            return count, bytes(buffer[:count])
        return getattr(handle, name)(*arguments)
    except (ValueError, OSError) as exc:
        return type(exc).__name__


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=1000).map(lambda b: b.replace(b"x", b"\n")), ops=operations)  # past the buffer
def test_view_reader_answers_like_bytesio(data, ops):
    copy, view = io.BytesIO(data), mapped_file(memoryview(bytearray(data))[0:len(data)])
    for operation in ops:
        assert apply(view, operation) == apply(copy, operation), operation


def test_pickles_and_arrays_read_through_a_mapped_view(tmp_path):
    values = [{"docs": list(range(500)), "text": "x" * 70_000}, array.array("i", range(1000))]
    path = tmp_path / "data"
    with open(path, "wb") as out:
        out.write(b"HEAD")
        for value in values:
            pickle.dump(value, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(array.array("I", [7, 8, 9]).tobytes())
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as source:
        reader = mapped_file(memoryview(source)[4:])
        assert [pickle.load(reader), pickle.load(reader)] == values
        read = array.array("I")
        read.fromfile(reader, 3)
        assert list(read) == [7, 8, 9] and reader.read() == b""
        reader.close()  # no view of the map is left: it closes


def test_an_opened_index_reads_its_segments_in_place(tmp_path):
    location = IndexLocation(tmp_path)
    docs = [(Document(kind="release", title=f"Release {n}", date="2011-03-15",
                      pages=[Page(1, f"detainer request number {n}"), Page(2, "opt out")]), [f"r{n}.pdf"])
            for n in range(3)]
    index_documents(location, docs)
    with open_index(location).searcher() as searcher:
        reader = next(leaf for leaf, _ in searcher.reader().leaf_readers())
        postings = reader._terms._postfile  # the segment's postings file
        # (by name: pytest's doctests may have run the module as index.whoosh.segmentfiles first)
        assert type(postings.file.raw).__name__ == ViewReader.__name__
    with open_backend(location) as backend:
        assert backend.search(Query("detainer", per_page=5)).total == 3
