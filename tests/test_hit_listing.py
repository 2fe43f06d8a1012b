"""What a result list reads, and what it may keep (issue 14's latency,
issue 18's web hot path): a hit's metadata is kept between searches only
until the document store changes, and whether a release gets thumbnails is
decided from the file's size and mtime, while the image and download routes
still check its bytes."""

from __future__ import annotations

import os
import shutil
import weakref
from pathlib import Path

import pytest

from foiasearch.index.build import index_documents
from foiasearch.index.location import IndexLocation
from foiasearch.index.originals import open_original, original_in_place
from foiasearch.ingest.document import Actor, Document, Page
from foiasearch.search.api import Query, open_backend
from foiasearch.web import create_app
from tests.builders import write_pdf
from tests.web_corpus import html_page


def _release(root: Path) -> tuple[IndexLocation, str, Path]:
    pdf = write_pdf(root / "files" / "memo.pdf", ["Detainer memo, page one.", "Detainer policy, page two."])
    doc = Document(kind="release", title="Detainer memo", actors=[Actor("ICE", "agency")],
                   pages=[Page(1, "Detainer memo, page one.", bates="DEF-1"),
                          Page(2, "Detainer policy, page two.", bates="DEF-2", exemptions=["b6"])])
    location = IndexLocation(root / "ix")
    return location, index_documents(location, [(doc, [str(pdf)])])[0], pdf


def _same_size_edit(path: Path) -> bytes:
    """Change a byte, keep the size and the mtime: only the hash can tell."""
    info, data = path.stat(), path.read_bytes()
    at = len(data) // 2
    path.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    return data


def test_in_place_checks_size_mtime_and_symlinks_while_open_checks_the_bytes(tmp_path):
    location, doc_id, pdf = _release(tmp_path)
    store = location.open_store(readonly=True)
    assert original_in_place(store, doc_id)
    _same_size_edit(pdf)
    assert original_in_place(store, doc_id)  # a listing offers thumbnails ...
    assert open_original(store, doc_id) is None  # ... but nothing changed is ever served
    os.utime(pdf, ns=(1, 1))
    assert not original_in_place(store, doc_id)
    secret = tmp_path / "secret.txt"
    secret.write_text("not indexed")
    pdf.unlink()
    pdf.symlink_to(secret)
    assert not original_in_place(store, doc_id)
    pdf.unlink()
    assert not original_in_place(store, doc_id)
    store.close()


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is missing")
def test_result_page_offers_thumbnails_without_hashing_and_the_image_route_checks(tmp_path):
    location, doc_id, pdf = _release(tmp_path)
    client = create_app(location.root).test_client()
    _same_size_edit(pdf)
    thumbs = html_page(client, "/?q=detainer").select(".hit .thumbs img")
    assert thumbs and doc_id in thumbs[0]["src"]
    assert client.get(thumbs[0]["src"]).status_code == 404  # the bytes no longer match what was indexed


def test_a_store_change_is_seen_by_the_next_search_with_no_new_whoosh_commit(tmp_path):
    location, doc_id, _ = _release(tmp_path)
    with open_backend(location.root) as engine:
        first = engine.search(Query("detainer")).hits[0]
        assert [a.name for a in first.document.actors] == ["ICE"]
        assert engine.search(Query("detainer")).hits[0].document is first.document  # kept between searches
        # What `foiasearch index --refresh-actors` or a re-extraction writes:
        # the store alone changes (it commits after Whoosh, or without it).
        writer = location.open_store()
        doc = writer.get_document(doc_id)
        doc.actors = [Actor("Cook County Sheriff's Office", "agency")]
        doc.pages[1].bates = "DEF-9"
        writer.put_document(doc)
        writer.commit()
        again = engine.search(Query("detainer")).hits[0]
        assert [a.name for a in again.document.actors] == ["Cook County Sheriff's Office"]
        assert [p.bates for p in again.document.pages] == ["DEF-1", "DEF-9"]
        writer.close()


def test_a_closed_engine_is_freed_with_its_view(tmp_path):
    # The engine freezes its long-lived objects for the cyclic collector
    # (gc.freeze), so only reference counting can free a closed engine: it
    # must hold no reference cycle (a cached bound method was one).
    location, _, _ = _release(tmp_path)
    engine = open_backend(location.root)
    engine.search(Query("detainer"))
    view = weakref.ref(engine._current()[1])
    gone = weakref.ref(engine)
    engine.close()
    del engine
    assert gone() is None and view() is None
