"""A scanned FOIA release for the reader tests, added to the web corpus
(tests/web_corpus.py): a real PDF written here with reportlab, two of its
pages images only (like a scan), indexed with the per-page Bates numbers,
exemptions and printed e-mails the ingester would find."""

from __future__ import annotations

from pathlib import Path

from foiasearch.index.build import index_documents
from foiasearch.index.location import IndexLocation
from foiasearch.ingest.document import Actor, Document, Email, Page
from tests.builders import write_pdf
from tests.web_corpus import build_web_corpus

SCAN_TEXT = "BUREAU OF ORGANIZED CRIME\nDetainer requests, Cook County\n(b)(6) withheld"


def scanned_release_pages() -> list[str]:
    """Six pages of text as the PDF prints them (hard line breaks)."""
    return [
        "From: Whitaker, Dana\nSent: Thursday, June 2, 2011 9:14 AM\nTo: Nguyen, Lan\n"
        "Subject: Detainer policy\n\nLan, the sheriff asked again whether the county could decline\n"
        "detainer requests from ICE. Counsel says the answer turns on the\n"
        "memo we sent last week. Names withheld under (b)(6).",
        "",  # a scan, OCRed (text below)
        "",  # a scan, not OCRed
        "Routine correspondence about fingerprints and the schedule for the\n"
        "quarterly meeting of the county board. Nothing about holds here.",
        "Name\nCounty\nStatus\nDate\nCook\nIllinois\nActive\n2011\nLake\nIllinois\nPending\n2011",
        "The detainer memo again: (b)(5) deliberative, (b)(6) privacy.\n"
        "The county may decline a detainer request that lacks a warrant.",
    ]


def add_scanned_release(root: Path, location: IndexLocation) -> str:
    """Write ``root/releases/scanned-release.pdf`` and index it; returns its id."""
    texts = scanned_release_pages()
    pdf = write_pdf(root / "releases" / "scanned-release.pdf", texts,
                    image_pages={1: SCAN_TEXT, 2: "HANDWRITTEN NOTE\nCall the sheriff re: holds"})
    exemptions = [["b6"], ["b6"], [], [], [], ["b5", "b6"]]
    pages = [Page(n + 1, text, exemptions=exemptions[n], bates=f"DEF-{n + 101:06d}") for n, text in enumerate(texts)]
    pages[1].text, pages[1].ocr = "BUREAU OF ORGAY~TxZED GRIME\nDetainer requests, Cook County\n(b)(6) withheld", True
    pages[2].needs_ocr = True
    doc = Document(
        kind="release", title="Cook County detainer records (scanned)", pages=pages,
        actors=[Actor("ICE", "agency"), Actor("Dana Whitaker", "person")], exemptions=["b5", "b6"],
        bates_range=("DEF-000101", "DEF-000106"), date="2011-06-02", date_source="metadata",
        emails=[Email(sender="Dana Whitaker", recipients=["Lan Nguyen"], date="2011-06-02T09:14:00",
                      subject="Detainer policy", page=1)])
    return index_documents(location, [(doc, [str(pdf)])])[0]


def build_reader_corpus(root: Path) -> tuple[IndexLocation, dict[str, str]]:
    """The web corpus (tests/web_corpus.py) plus the scanned release, under
    ``id["scan"]``: what the reader's route and browser tests share."""
    location, ids = build_web_corpus(root)
    ids["scan"] = add_scanned_release(root, location)
    return location, ids
