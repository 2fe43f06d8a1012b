"""The writer's shortcuts through the document store: rows packed in the
extraction worker, and a document put since the last commit given back
without reading it. Both must give exactly what a read from disk gives."""

from __future__ import annotations

from pathlib import Path

from foiasearch.index.extract import extract
from foiasearch.index.store import DocumentStore, pack
from foiasearch.ingest.options import IngestOptions
from tests.builders import write_pdf

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def _files(tmp_path: Path) -> list[Path]:
    pdf = write_pdf(tmp_path / "release.pdf", [
        "From: Jane Roe\nTo: John Doe\nSubject: Detainers\nPage one withheld under (b)(6). ICE-000101",
        "Page two about Secure Communities, (b)(7)(C). ICE-000102"])
    return sorted(FIXTURES.iterdir()) + [pdf]


def test_a_document_given_back_fresh_equals_the_one_read_from_disk(tmp_path):
    store = DocumentStore(tmp_path / "store.db")
    fresh, ids = {}, []
    for path in _files(tmp_path):
        item = extract(str(path), IngestOptions(ocr=False))
        if item.result.status != "ok":
            continue
        docs = item.result.documents
        for doc in docs:
            assert item.packed[doc.part] == pack(doc)  # the worker's rows are the writer's
            store.put_document(doc, item.packed[doc.part])
        store.put_file(_record(path, item), [doc.id for doc in docs])
        for doc in docs:
            fresh[doc.id] = store.get_document(doc.id)
            assert fresh[doc.id] is doc
            ids.append(doc.id)
    store.commit()
    assert len(ids) > 10
    reader = DocumentStore(tmp_path / "store.db", readonly=True)
    for doc_id in ids:
        assert reader.get_document(doc_id) == fresh[doc_id]
        assert store.get_document(doc_id) == fresh[doc_id]  # once given back (or committed): from disk
    assert any(doc.pages and len(doc.pages) == 2 for doc in fresh.values())


def test_packed_rows_for_another_id_are_not_used(tmp_path):
    store = DocumentStore(tmp_path / "store.db")
    item = extract(str(FIXTURES / "comments.html"), IngestOptions(ocr=False))
    [doc] = item.result.documents
    wrong = pack(doc)
    doc.id, doc.title = "other", "Changed after packing"
    store.put_document(doc, wrong)
    store.commit()
    assert store.get_document("other").title == "Changed after packing"


def _record(path, item):
    from foiasearch.index.store import FileRecord

    return FileRecord(str(path), str(path), item.size, item.mtime_ns, item.sha256, "indexed", "", item.at)
