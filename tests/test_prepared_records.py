"""Records made ready in an extraction worker (WhooshWriter.prepare, sent
pickled) write the same segment as the writer making them itself, byte for
byte: taken whole when the worker knew the file at the writer's path or at
another spelling of it in the same folder, field by field otherwise."""

from __future__ import annotations

import copy
import pickle

import pytest

from foiasearch.index.location import IndexLocation
from foiasearch.index.whoosh import writer as whoosh_writer
from foiasearch.index.whoosh.schema import Analyzed
from foiasearch.index.whoosh.writer import WhooshWriter
from foiasearch.ingest.document import Document, IngestResult
from tests.synthetic import synthetic_documents


def _documents() -> list[Document]:
    documents = list(synthetic_documents(30))
    for number, doc in enumerate(documents):
        doc.id = f"{number:064x}"
        doc.collection = "" if number % 4 else doc.collection  # most take their folder's name
    return documents


def _segment(folder, documents, paths_of, prepared_at) -> dict[str, bytes]:
    """The files of the segment a WhooshWriter writes for ``documents``,
    each at ``paths_of(doc)``, prepared (and pickled, as a worker sends
    them) at ``prepared_at(doc)``, or not prepared when that is None."""
    folder.mkdir()
    writer = WhooshWriter(IndexLocation(folder))
    for doc in documents:
        at = prepared_at(doc)
        prepared = None
        if at is not None:
            prepared = pickle.loads(pickle.dumps(WhooshWriter.prepare(IngestResult("ok", documents=[doc]), at),
                                                 pickle.HIGHEST_PROTOCOL))[doc.part]
        doc = copy.deepcopy(doc)
        doc.paths = paths_of(doc)
        writer.replace(doc, prepared)
    writer.commit(background_merge=False)
    (segment,) = writer.ix._segments()
    files = segment.open_compound_file(writer.ix.storage)  # its directory holds times: each file's bytes
    try:
        return {name.replace(segment.segment_id(), "SEGMENT"): bytes(files.open_file(name).read())
                for name in files.list()}
    finally:
        files.close()
        writer.close()


def _path(doc: Document) -> str:
    return f"/corpus/{'releases' if doc.kind == 'release' else 'posts'}/{doc.id[:8]}.html"


# (the writer's paths, the path the worker was given, whether the worker's records are taken whole)
CASES = {
    "the same path": (lambda doc: [_path(doc)], lambda doc: [_path(doc)], True),
    "relative and absolute": (lambda doc: [_path(doc)[1:]], lambda doc: [_path(doc)], True),
    "another folder": (lambda doc: [_path(doc).replace("/corpus/", "/other/").replace("s/", "x/")],
                       lambda doc: [_path(doc)], False),
    "two paths": (lambda doc: [_path(doc), "/corpus/copy.html"], lambda doc: [_path(doc)], True),
    "a space in the path": (lambda doc: [_path(doc).replace(".html", " 2.html")],
                            lambda doc: [_path(doc).replace(".html", " 2.html")], False),
    "no path known": (lambda doc: [_path(doc)], lambda doc: [], False),
}


@pytest.mark.parametrize("case", CASES)
def test_prepared_records_write_the_same_segment(tmp_path, case, monkeypatch):
    paths_of, prepared_at, whole = CASES[case]
    documents = _documents()
    taken = []
    made = whoosh_writer._prepared_records
    monkeypatch.setattr(whoosh_writer, "_prepared_records",
                        lambda doc, prepared: taken.append(made(doc, prepared) is not None) or made(doc, prepared))
    expected = _segment(tmp_path / "writer", documents, paths_of, lambda doc: None)
    assert not any(taken)
    taken.clear()
    written = _segment(tmp_path / "worker", documents, paths_of, prepared_at)
    assert taken and set(taken) == {whole}
    assert "SEGMENT.pst" in expected and sorted(written) == sorted(expected)
    for name, data in expected.items():
        assert written[name] == data, name


def test_prepared_fields_carry_what_the_writer_stores():
    doc = Document(kind="release", id="r1", title="Memo", date="2019-05-01", pages=[])
    ready = WhooshWriter.prepare(IngestResult("ok", documents=[doc]), ["/foia/releases/memo.pdf"])[""][0]
    back = pickle.loads(pickle.dumps(ready, pickle.HIGHEST_PROTOCOL))
    assert back["id"][1].stored == "r1" and back["id"][1].texts == (b"r1",)
    assert back["date"][1].column == ready["date"][1].column and isinstance(back["date"][1].column, int)
    assert back["title"][1].stored is None and back["title"][1].items == ready["title"][1].items
    assert back["collection"][0] == "releases" and isinstance(back["facets"][1], Analyzed)
    assert back["facets"][1].texts == () and back["facets"][1].stored == ready["facets"][0]
