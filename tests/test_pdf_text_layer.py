"""The text layer reader (ingest.pdftext): word and line boundaries kept where
text objects meet, on PDFs made here with reportlab."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from foiasearch.ingest import pdf
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.registry import ingest_file


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _meeting_boxes_pdf(path):
    """Words in separate text objects that touch: a line ending in "at"
    and the next starting "Seattle"; two boxes on one line whose glyphs
    meet with a gap of a quarter of the font size ("Border" "Crossing");
    a word drawn glyph by glyph with kerning-sized gaps ("purpose")."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, invariant=1)
    page.setFont("Helvetica", 10)
    page.drawString(72, 700, "a citizen of Mexico, arrived at")
    page.drawString(72, 688, "Seattle-Tacoma International Airport")
    x = 72 + stringWidth("Border", "Helvetica", 10)
    page.drawString(72, 660, "Border")
    page.drawString(x + 2.5, 660, "Crossing Card")
    x = 72.0
    for letter in "purpose":
        page.drawString(x, 640, letter)
        x += stringWidth(letter, "Helvetica", 10) + 0.3
    page.drawString(x + 3, 640, "stated")
    page.showPage()
    page.save()
    path.write_bytes(buffer.getvalue())
    return path


def test_words_and_lines_stay_apart_where_text_objects_meet(tmp_path):
    doc = ingest_file(_meeting_boxes_pdf(tmp_path / "i213.pdf"), IngestOptions(ocr=False)).documents[0]
    words = _words(doc.pages[0].text)
    for word in ("at", "seattle", "border", "crossing", "purpose", "stated"):
        assert word in words, (word, doc.pages[0].text)
    assert "atseattle" not in words and "bordercrossing" not in words
    assert doc.pages[0].text.splitlines()[:2] == ["a citizen of Mexico, arrived at", "Seattle-Tacoma International Airport"]


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_same_words_as_pdftotext(tmp_path):
    path = _meeting_boxes_pdf(tmp_path / "i213.pdf")
    with pdf._open_file(path) as handle:
        pages, _, _ = pdf.read_pdf(handle)
    reference = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True).stdout.decode()
    assert sorted(_words(pages[0].text)) == sorted(_words(reference))


def test_image_cover_is_measured_without_layout_analysis(tmp_path):
    from tests.builders import write_pdf

    path = write_pdf(tmp_path / "scan.pdf", [None], image_pages={0: "SCANNED PAGE"})
    with pdf._open_file(path) as handle:
        fast, _, _ = pdf.read_pdf(handle)
    with pdf._open_file(path) as handle:
        layout, _, _ = pdf.read_pdf(handle, layout=True)
    assert fast[0].image_cover == pytest.approx(layout[0].image_cover, abs=0.01)
    assert fast[0].needs_ocr
