"""PDF text layers: pages, metadata, scans with stamps, and bad files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.pdf import meaningful_title, pdf_date
from foiasearch.ingest.registry import ingest_file
from tests.builders import write_pdf
from tests.conftest import SHARED_CORPUS, needs_shared_corpus

NO_OCR = IngestOptions(ocr=False)


def _titled_pdf(path: Path, title: str) -> Path:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    pdf.setTitle(title)
    pdf.drawString(72, 720, "Body text about the Secure Communities program.")
    pdf.showPage()
    pdf.save()
    path.write_bytes(buffer.getvalue())
    return path


def test_pages_are_numbered_and_empty_pages_need_ocr(tmp_path):
    path = write_pdf(tmp_path / "r.pdf", ["First page about detainers.", None, "Third page about sheriffs."])
    doc = ingest_file(path, NO_OCR).documents[0]
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert [p.needs_ocr for p in doc.pages] == [False, True, False]
    assert "sheriffs" in doc.pages[2].text


def test_meaningful_title_and_creation_date(tmp_path):
    doc = ingest_file(_titled_pdf(tmp_path / "memo.pdf", "Detainer policy review"), NO_OCR).documents[0]
    assert doc.title == "Detainer policy review"
    assert doc.date == "2000-01-01T00:00:00+00:00"  # reportlab's invariant date


@pytest.mark.parametrize("title", ["Microsoft Word - memo.doc", "untitled", "  ", "scan0001.pdf"])
def test_tool_made_titles_fall_back_to_the_file_name(tmp_path, title):
    assert ingest_file(_titled_pdf(tmp_path / "memo.pdf", title), NO_OCR).documents[0].title == "memo"


@pytest.mark.parametrize("value, expected", [
    ("D:20110315160200-05'00'", "2011-03-15T16:02:00-05:00"),
    ("D:20110315", "2011-03-15"),
    ("20110315160200Z", "2011-03-15T16:02:00+00:00"),
    ("D:20111345", None),
    ("", None),
])
def test_pdf_dates(value, expected):
    assert pdf_date(value) == expected


def test_meaningful_title_keeps_real_titles():
    assert meaningful_title("ICE  detainee\ndeath review") == "ICE detainee death review"


def test_stray_bytes_before_header_keep_offsets(tmp_path):
    # Like missouri.pdf: bytes before %PDF- shift every xref offset.
    path = write_pdf(tmp_path / "shifted.pdf", ["Shifted release about fingerprints."], prefix=b"%%EOF\r\n")
    result = ingest_file(path, NO_OCR)
    assert result.status == "ok", result.reason
    assert "fingerprints" in result.documents[0].text


@pytest.mark.parametrize("data, reason", [
    (b"%PDF-1.4\n1 0 obj garbage garbage", "PDF"),
    (b"%PDF-1.7\n", "PDF"),
])
def test_broken_pdfs_fail_with_one_line_reason(tmp_path, data, reason):
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    result = ingest_file(path, NO_OCR)
    assert result.status == "failed"
    assert reason in result.reason and "\n" not in result.reason


def test_truncated_pdf_does_not_raise(tmp_path):
    whole = write_pdf(tmp_path / "whole.pdf", ["A page about detainers."] * 3).read_bytes()
    for cut in (len(whole) // 3, len(whole) // 2, len(whole) - 40):
        path = tmp_path / f"cut{cut}.pdf"
        path.write_bytes(whole[:cut])
        result = ingest_file(path, NO_OCR)
        assert result.status in ("ok", "failed")
        assert "\n" not in result.reason


@needs_shared_corpus
def test_awkward_corpus_never_raises():
    for path in sorted((SHARED_CORPUS / "awkward").iterdir()):
        result = ingest_file(path, NO_OCR)
        assert result.status in ("ok", "failed"), path
        assert "\n" not in result.reason and "Traceback" not in result.reason


@needs_shared_corpus
def test_missouri_reads_with_pdfminer():
    doc = ingest_file(SHARED_CORPUS / "pdf" / "freelaw-doctor" / "missouri.pdf", NO_OCR).documents[0]
    assert len(doc.pages) == 5 and not any(p.needs_ocr for p in doc.pages)
    assert doc.title == "missouri"  # metadata title is "Microsoft Word - ..."
    assert doc.date.startswith("2021-01-14")


@needs_shared_corpus
def test_stamp_over_a_scan_needs_ocr():
    # ca4_17.pdf: a ~43-character e-filing stamp over a full-page scan.
    doc = ingest_file(SHARED_CORPUS / "pdf" / "freelaw-doctor" / "ca4_17.pdf", NO_OCR).documents[0]
    assert doc.pages[0].text and doc.pages[0].needs_ocr
    # A scan with a real OCR text layer is not OCRed again.
    layered = ingest_file(SHARED_CORPUS / "awkward" / "CPD_FOIA15-6585RedactionsLawsuit", NO_OCR).documents[0]
    assert not any(p.needs_ocr for p in layered.pages)
