"""OCR of scanned pages: tesseract + pdftoppm, cached, and the no-OCR path."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from foiasearch.ingest import ocr
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.registry import ingest_file
from tests.builders import _text_image, text_picture, write_pdf
from tests.conftest import run_cli

needs_ocr_tools = pytest.mark.skipif(not ocr.available(), reason="tesseract or pdftoppm is not installed")

SCANNED = "QUOKKA DETAINER\nMEMORANDUM"


@pytest.fixture
def scanned(tmp_path: Path) -> Path:
    """Page 1 has a text layer; page 2 is an image only."""
    return write_pdf(tmp_path / "in" / "scan.pdf", ["A typed cover page about sheriffs.", None],
                     image_pages={1: SCANNED})


def _options(tmp_path: Path, **kw) -> IngestOptions:
    return IngestOptions(ocr_cache_dir=tmp_path / "cache", ocr_dpi=150, **kw)


def test_without_ocr_the_page_is_kept_as_needing_ocr(scanned):
    doc = ingest_file(scanned, IngestOptions(ocr=False)).documents[0]
    assert [(p.needs_ocr, p.ocr) for p in doc.pages] == [(False, False), (True, False)]
    assert "QUOKKA" not in doc.text


@needs_ocr_tools
def test_image_page_is_ocred_and_cached(tmp_path, scanned, monkeypatch):
    calls = []
    real = ocr.ocr_page
    monkeypatch.setattr(ocr, "ocr_page", lambda *a, **kw: calls.append(a[1]) or real(*a, **kw))
    doc = ingest_file(scanned, _options(tmp_path)).documents[0]
    assert calls == [2]  # the typed page is not OCRed
    page = doc.pages[1]
    assert (page.ocr, page.needs_ocr) == (True, False)
    assert "QUOKKA" in page.text and "MEMORANDUM" in page.text
    assert not doc.warnings
    again = ingest_file(scanned, _options(tmp_path)).documents[0]
    assert calls == [2]  # second ingest: from the cache, no tesseract
    assert again.pages[1].text == page.text


@needs_ocr_tools
def test_tesseract_failure_is_a_warning_naming_the_page(tmp_path, scanned):
    doc = ingest_file(scanned, _options(tmp_path, ocr_language="zzz-not-installed")).documents[0]
    assert doc.pages[1].needs_ocr and not doc.pages[1].ocr
    assert len(doc.warnings) == 1 and doc.warnings[0].startswith("page 2: OCR failed: tesseract failed")
    assert not list((tmp_path / "cache").rglob("*.json"))  # failures are not cached


@needs_ocr_tools
def test_encrypted_scan_is_rendered_with_the_password(tmp_path):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=StandardEncryption("Zq-scan-pw", ownerPassword="Zq-owner"))
    pdf.drawImage(_text_image(SCANNED), 36, 300, width=540, height=400)
    pdf.showPage()
    pdf.save()
    path = tmp_path / "locked-scan.pdf"
    path.write_bytes(buffer.getvalue())
    doc = ingest_file(path, _options(tmp_path, passwords=("Zq-scan-pw",))).documents[0]
    assert "QUOKKA" in doc.pages[0].text and doc.pages[0].ocr
    assert "Zq-scan-pw" not in repr(doc)


@needs_ocr_tools
def test_cli_no_ocr_then_ocr_on_the_next_run(runner, tmp_path, scanned):
    index_dir = tmp_path / "ix"
    run_cli(runner, "index", scanned.parent, "--index", index_dir, "--no-ocr")
    status = run_cli(runner, "status", "--index", index_dir).output
    assert "Pages needing OCR: 1" in status
    assert "without --no-ocr" in status and "install tesseract" not in status  # the tools are here
    assert json.loads(run_cli(runner, "search", "quokka", "--index", index_dir, "--json").output)["total"] == 0
    run_cli(runner, "index", scanned.parent, "--index", index_dir)  # unchanged file, but awaiting OCR
    assert "Pages needing OCR" not in run_cli(runner, "status", "--index", index_dir).output
    data = json.loads(run_cli(runner, "search", "quokka", "--index", index_dir, "--json").output)
    assert data["total"] == 1 and data["hits"][0]["pages"] == [2]


@needs_ocr_tools
def test_timeout_kills_the_ocr_processes(tmp_path):
    import os
    import subprocess

    from foiasearch.index.extract import extract

    path = write_pdf(tmp_path / "scans.pdf", [None] * 3, image_pages={i: SCANNED for i in range(3)})
    # 1200 dpi makes each page take well over the 1 s limit.
    options = IngestOptions(timeout_seconds=1, ocr_dpi=1200, ocr_jobs=2)
    result = extract(str(path), options).result
    assert (result.status, result.reason) == ("failed", "timed out after 1 s")
    children = subprocess.run(["pgrep", "-P", str(os.getpid())], capture_output=True, text=True).stdout.split()
    assert children == []


@needs_ocr_tools
def test_ocr_keeps_the_page_confidence_and_caches_it(tmp_path, scanned):
    doc = ingest_file(scanned, _options(tmp_path)).documents[0]
    page = doc.pages[1]
    assert page.ocr and page.ocr_confidence is not None and page.ocr_confidence >= 80
    assert not page.ocr_low and doc.pages[0].ocr_confidence is None  # the typed page is not OCR
    cached = [json.loads(p.read_text()) for p in (tmp_path / "cache").rglob("*.json")]
    assert [c["confidence"] for c in cached] == [page.ocr_confidence]


def test_skew_of_a_rotated_scan_is_measured_and_removed():
    import numpy as np

    image = text_picture("\n".join(["DETAINER REQUEST FORWARDED TO THE FIELD OFFICE"] * 12), (1200, 900), 28)
    tilted = np.asarray(image.rotate(2.0, fillcolor=255))
    assert abs(ocr.skew_angle(np.asarray(image))) < 0.3
    assert abs(ocr.skew_angle(tilted) + 2.0) <= 0.5  # the rotation that undoes it
    assert abs(ocr.skew_angle(ocr.clean_up(tilted))) < 0.3


def test_poor_readings_are_retried_and_flagged():
    assert ocr.needs_retry(ocr.OcrText("Ri gto fo Komge " * 5, 41.0))  # low confidence
    assert ocr.needs_retry(ocr.OcrText("a b", 95.0))  # too little text
    assert not ocr.needs_retry(ocr.OcrText("The detainer was lodged with the county jail on Monday.", 92.0))
    assert ocr.OcrText("x", 41.0).low and not ocr.OcrText("x", None).low


def test_low_ocr_confidence_shows_in_status_and_on_the_document_page(runner, tmp_path):
    from foiasearch.index.build import index_documents
    from foiasearch.index.location import IndexLocation
    from foiasearch.ingest.document import Document, Page
    from foiasearch.web import create_app

    location = IndexLocation(tmp_path / "ix")
    doc = Document(kind="release", title="Cable", pages=[
        Page(1, "REF requested coordination with State", ocr=True, ocr_confidence=91.0),
        Page(2, "Ri gto fo Komge", ocr=True, ocr_confidence=38.5)])
    [doc_id] = index_documents(location, [(doc, [str(tmp_path / "cable.pdf")])])
    status = run_cli(runner, "status", "--index", location.root).output
    assert "OCR pages: 2, mean word confidence 65; OCR confidence low (< 60): 1" in status
    data = json.loads(run_cli(runner, "status", "--index", location.root, "--json").output)
    assert (data["ocr_pages"], data["ocr_low_confidence_pages"]) == (2, 1)
    html = create_app(location.root).test_client().get(f"/documents/{doc_id}").get_data(as_text=True)
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("#p1 .ocr-low") is None
    assert "OCR confidence low" in soup.select_one("#p2").get_text()


def test_low_ocr_confidence_is_a_filter_even_on_an_index_made_before_it(runner, tmp_path):
    from whoosh import index as whoosh_index

    from foiasearch.index.build import index_documents
    from foiasearch.index.location import IndexLocation
    from foiasearch.index.whoosh.schema import build_schema
    from foiasearch.index.whoosh.storage import analysis_path, whoosh_dir
    from foiasearch.index.whoosh.schema import ANALYSIS_VERSION
    from foiasearch.ingest.document import Document, Page
    from foiasearch.web import create_app

    location = IndexLocation(tmp_path / "ix")
    old_schema = build_schema()
    old_schema.remove("ocr")  # as an index created before the facet existed
    whoosh_dir(location).mkdir(parents=True)
    whoosh_index.create_in(str(whoosh_dir(location)), old_schema)
    analysis_path(location).write_text(ANALYSIS_VERSION + "\n", encoding="utf-8")
    docs = [Document(kind="release", title="Cable", pages=[Page(1, "detainer cable", ocr=True, ocr_confidence=38.5)]),
            Document(kind="release", title="Memo", pages=[Page(1, "detainer memo", ocr=True, ocr_confidence=92.0)]),
            Document(kind="release", title="Letter", pages=[Page(1, "detainer letter")])]
    index_documents(location, [(doc, [str(tmp_path / f"{doc.title}.pdf")]) for doc in docs])
    found = json.loads(run_cli(runner, "search", "detainer", "--ocr", "low", "--index", location.root, "--json").output)
    assert [h["title"] for h in found["hits"]] == ["Cable"]
    api = create_app(location.root).test_client().get("/api/search?q=detainer").get_json()
    assert [(v["value"], v["count"]) for v in api["facets"]["ocr"]] == [("low", 1)]
