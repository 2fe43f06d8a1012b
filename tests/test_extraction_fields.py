"""Issue 15: release dates and titles from the content (with their source),
wider Bates numbers with guards, exemptions counted only where withheld,
actor types checked by context, and re-extraction of documents made by an
older extractor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foiasearch.ingest.document import Document, Page
from foiasearch.ingest.foia import find_bates
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.pipeline import EXTRACTOR_VERSION, process_file
from foiasearch.ingest.actors import extract_actors
from tests.builders import pdf_bytes, write_html, write_pdf
from tests.conftest import run_cli

LETTER = ("U.S. Department of Homeland Security\nOffice of the General Counsel\nWashington, DC 20528\n\n"
          "March 3, 2011\n\nRe: Quokka County opt-out of Secure Communities\n\n"
          "Dear Counsel, the enclosed records were born on June 29, 1979 ...")
DEATH_REPORT = ("U.S. Immigration and Customs Enforcement\nEnforcement and Removal Operations\n"
                "Detainee Death Report: {name}\nDate of Birth: June 29, 1979\nDate of Death: January 25, 2020\n"
                "On January 14, 2020, ERO encountered Mr. {surname}.")


def _with_info(path: Path, pages: list[str], title: str, created: str) -> Path:
    """A PDF whose Info dictionary has ``title`` and the CreationDate ``created``
    (same length as reportlab's fixed stamp, so the xref offsets still hold)."""
    data = pdf_bytes(pages, title=title)
    fixed = b"D:20000101000000+00'00'"
    assert len(created) == len(fixed) and fixed in data
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.replace(fixed, created.encode()))
    return path


def test_letter_date_and_subject_win_over_placeholder_metadata(tmp_path):
    # reportlab's invariant mode stamps 2000-01-01 00:00:00: a placeholder, never the date
    path = write_pdf(tmp_path / "letter.pdf", [LETTER, "Page two"])
    doc = process_file(path, IngestOptions(ocr=False)).documents[0]
    assert (doc.date, doc.date_source) == ("2011-03-03", "content")
    assert doc.title == "Quokka County opt-out of Secure Communities"
    assert doc.extractor == EXTRACTOR_VERSION


def test_template_metadata_titles_give_way_and_titles_stay_distinct(tmp_path):
    docs = []
    for name, surname in (("OWEN, Ben James", "OWEN"), ("VOLKOV, Guerman", "VOLKOV")):
        path = _with_info(tmp_path / f"ddr-{surname}.pdf", [DEATH_REPORT.format(name=name, surname=surname)],
                          "DIRECTOR'S ADVISORY GROUP - DETENTION", "D:20200226172852-05'00'")
        docs.append(process_file(path, IngestOptions(ocr=False)).documents[0])
    assert [d.title for d in docs] == ["Detainee Death Report: OWEN, Ben James",
                                       "Detainee Death Report: VOLKOV, Guerman"]
    # no date of the document itself in the text (births and deaths are not it): the metadata's
    assert [(d.date, d.date_source) for d in docs] == [("2020-02-26", "metadata")] * 2


def test_series_subjects_get_the_record_number(tmp_path):
    notice = "Department of Police\nDecember 1, 2015\nRE: NOTICE OF RESPONSE TO FOIA REQUEST\nDear Ms. Helsby:"
    titles = {process_file(write_pdf(tmp_path / f"FOIA15-{n}.pdf", [notice]), IngestOptions(ocr=False))
              .documents[0].title for n in ("6786", "6955")}
    assert titles == {"NOTICE OF RESPONSE TO FOIA REQUEST (FOIA15-6786)",
                      "NOTICE OF RESPONSE TO FOIA REQUEST (FOIA15-6955)"}


def test_tables_of_dates_and_scans_give_no_date(tmp_path):
    table = "List of Deaths in Custody\nNAME DATE OF DEATH\n10/24/2016\nTexas\n5/31/2017\nArizona 1/2/2017\n4/4/2017"
    doc = process_file(write_pdf(tmp_path / "deaths.pdf", [table]), IngestOptions(ocr=False)).documents[0]
    assert doc.date is None and doc.date_source is None  # entries' dates, and a placeholder CreationDate


def test_html_dates_are_marked_as_metadata(tmp_path):
    path = write_html(tmp_path / "post.html", "Opt out", "Counties opt out.",
                      '<meta property="article:published_time" content="2011-05-04T10:00:00Z">')
    doc = process_file(path).documents[0]
    assert (doc.date[:10], doc.date_source) == ("2011-05-04", "metadata")


@pytest.mark.parametrize("page, bates", [
    ("Record of Deportable/Inadmissible Alien\n...\n2019-ICLI-00003 -022454", "2019-ICLI-00003 -022454"),
    ("text\nDHS-ICE-2018-FOIA 000045", "DHS-ICE-2018-FOIA 000045"),
    ("text\nCPD 0000456 Page 3 of 9", "CPD 0000456"),
    ("text\nCONFIDENTIAL DEF-000123", "DEF-000123"),
])
def test_bates_prefixes_with_years_request_numbers_and_spaces(page, bates):
    assert find_bates(page) == bates


@pytest.mark.parametrize("page", [
    "Narrative\nCPD FOIA 15-0599 Page 1 of 10",  # a request number and a page count
    "1/24/13 2306 PET SUPPLIES PLUS 0202187696, 0202187621 367.88",  # a table row
    "1/10/13 2303 Neustar LEAP0000001767 (1/1/2012-12/31/2013) 4,000.00",
    "Washington, DC 20528",
])
def test_bates_guards(page):
    assert find_bates(page) is None


def test_a_post_discussing_an_exemption_is_searchable_but_not_counted(runner, tmp_path):
    folder = tmp_path / "in"
    write_html(folder / "post.html", "What (b)(6) means", "Agencies cite FOIA exemption (b)(6) to withhold names.")
    write_pdf(folder / "release.pdf", ["Withheld under (b)(6) by the FOIA office."])
    index_dir = tmp_path / "ix"
    run_cli(runner, "index", folder, "--index", index_dir)
    found = json.loads(run_cli(runner, "search", "exemption:b6", "--index", index_dir, "--json").output)
    assert sorted(h["kind"] for h in found["hits"]) == ["post", "release"]
    from foiasearch.web import create_app

    facets = create_app(index_dir).test_client().get("/api/search?q=").get_json()["facets"]
    assert [(v["value"], v["count"]) for v in facets["exemption"]] == [("b6", 1)]


def test_phrases_of_ocr_text_are_not_people():
    memo = ("BUREAU OF ORGANIZED CRIME 17 January 2014\nTO: Nicholas Roti\nChief\nOrganized Crime Division\n"
            "Attention: Sgt. Brad Williams\nThe asset forfeiture funds pay for it, as organized crime units do.\n"
            "Approved by Asset Forfeiture Unit and Public Access Counselor")
    doc = Document(kind="release", pages=[Page(1, memo, ocr=True)])
    people = {a.name for a in extract_actors(doc) if a.type == "person"}
    assert people == {"Brad Williams"}


def test_documents_of_an_older_extractor_are_extracted_again(runner, tmp_path):
    folder = tmp_path / "in"
    write_pdf(folder / "letter.pdf", [LETTER])
    index_dir = tmp_path / "ix"
    run_cli(runner, "index", folder, "--index", index_dir)
    from foiasearch.index.location import IndexLocation

    store = IndexLocation(index_dir).open_store()
    [doc_id] = store.all_document_ids()
    doc = store.get_document(doc_id)
    doc.extractor, doc.title, doc.date = 1, "letter", "2000-01-01T00:00:00+00:00"  # as an older version left it
    store.put_document(doc)
    store.commit()
    store.close()
    output = run_cli(runner, "index", folder, "--index", index_dir).output
    assert "1 indexed" in output or "indexed: 1" in output.lower()
    data = json.loads(run_cli(runner, "search", "quokka", "--index", index_dir, "--json").output)
    assert data["hits"][0]["title"] == "Quokka County opt-out of Secure Communities"
    assert data["hits"][0]["date"].startswith("2011-03-03")
    again = run_cli(runner, "index", folder, "--index", index_dir).output  # now current: nothing to do
    assert "unchanged" in again.lower()
