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
from tests.builders import _text_image, write_pdf
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
    assert not list((tmp_path / "cache").rglob("*.txt"))  # failures are not cached


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
    assert "Pages needing OCR: 1" in run_cli(runner, "status", "--index", index_dir).output
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
