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
            store.put_document(doc, item.packed[doc.part], keep=True)
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


def test_an_index_run_stores_the_rows_the_writer_would_make(tmp_path):
    """Rows packed in real extraction workers during an index run are the
    rows the writer process makes from each document as stored."""
    from foiasearch.index.build import Indexer
    from foiasearch.index.location import IndexLocation

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in _files(tmp_path):
        (corpus / path.name).write_bytes(path.read_bytes())
    Indexer(IndexLocation(tmp_path / "ix"), IngestOptions(ocr=False), workers=1).run([str(corpus)])
    store = DocumentStore(tmp_path / "ix" / "store.db", readonly=True)
    ids = [row[0] for row in store.db.execute("SELECT id FROM documents")]
    assert len(ids) > 10
    for doc_id in ids:
        kind, _, data = store.db.execute("SELECT kind, page_count, data FROM documents WHERE id=?", (doc_id,)).fetchone()
        pages = store.db.execute("SELECT number, text, meta FROM pages WHERE doc_id=? ORDER BY number",
                                 (doc_id,)).fetchall()
        doc = store.get_document(doc_id)
        doc.paths = []  # kept in file_docs, not in the row (get_document adds them)
        made = pack(doc)
        assert (kind, data, [tuple(page) for page in pages]) == (made.kind, made.data, made.pages), doc_id


def test_a_document_put_without_keep_is_read_from_disk(tmp_path):
    """A bulk rewrite (reanalyze, refreshed actors) keeps nothing in memory."""
    store = DocumentStore(tmp_path / "store.db")
    [doc] = extract(str(FIXTURES / "comments.html"), IngestOptions(ocr=False)).result.documents
    store.put_document(doc)
    doc.title = "Changed after it was stored"
    again = store.get_document(doc.id)
    assert again is not doc and again.title != doc.title
