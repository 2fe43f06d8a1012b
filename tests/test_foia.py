"""FOIA exemptions, Bates numbers and printed e-mails: extraction and search."""

from __future__ import annotations

import json

import pytest

from foiasearch.ingest.foia import bates_sort_key, find_bates, find_emails, find_exemptions
from tests.builders import write_pdf
from tests.conftest import SHARED_CORPUS, needs_shared_corpus, run_cli


@pytest.mark.parametrize("text, codes", [
    ("(b)(6)", ["b6"]),
    ("(b) (6)", ["b6"]),
    ("b6", ["b6"]),
    ("(b)(7)(c)", ["b7C"]),
    ("(b)(6),(b)(7)(C)", ["b6", "b7C"]),
    ("(b)(6); (b)(7)(C)", ["b6", "b7C"]),
    ("(b) (7)(E)", ["b7E"]),
    ("(b) (6), (b) (7)(b) (7)(E)", ["b6", "b7", "b7E"]),
    ("withheld under 5 U.S.C. § 552(b)(5)", ["b5"]),
    ("FOIA exemption (b)(3) applies", ["b3"]),
    ("5 ILCS 140/7(1)(b)", ["IL-7(1)(b)"]),
    ("redacted under Section 7(1)(d)(v) and 7(1)(d)(vi) of FOIA", ["IL-7(1)(d)(v)", "IL-7(1)(d)(vi)"]),
    ("Section 7(1)(d)(v) and (vi) of FOIA", ["IL-7(1)(d)(v)", "IL-7(1)(d)(vi)"]),
])
def test_exemption_spellings(text, codes):
    assert find_exemptions(text) == codes


@pytest.mark.parametrize("text", [
    "The hex value 0xb6 and the word ab6c", "Paragraph (b)(2) of the lease requires notice.",
    "Vitamin B6 levels", "Section 7(1)(b) of the contract", "see (b) above",
    "FOIA case: motion to dismiss under Rule 12(b)(6)", "FOIA: see § 14-306(b), (b)(10)",
])
def test_exemption_false_positives(text):
    assert find_exemptions(text) == []


@pytest.mark.parametrize("page, bates", [
    ("Body text\nICE2010FOIA2674.000123", "ICE2010FOIA2674.000123"),
    ("DEF-000123\nBody text", "DEF-000123"),
    ("Body\nPage 4 of 9   CPD 0000456", "CPD 0000456"),
    ("Body\nCase No. 17-1234, filed 03/15/2011, call 312-555-0100", None),
    ("Body\nFOIA 15-3569", None),
    ("HW 50953\nBody", None),
])
def test_bates_numbers(page, bates):
    assert find_bates(page) == bates


def test_bates_sort_key_orders_ranges():
    values = ["DEF-000110", "DEF-000009", "DEF-000101"]
    assert sorted(values, key=bates_sort_key) == ["DEF-000009", "DEF-000101", "DEF-000110"]


OUTLOOK = """From: Whitaker, Jonathan
Sent: Tuesday, March 15, 2011 4:02 PM
To: Nguyen, Laura R; (b)(6)
Cc: Ortiz, Ray
Subject: RE: Secure Communities opt-out
We need one answer on this."""

GMAIL = """Carol Denning <cdenning@example.gov>
To: Jonathan Whitaker <jw@example.gov>, Ray Ortiz <ro@example.gov>
Wed, Mar 16, 2011 at 9:12 AM
Jon -- forwarding the sheriff's letter."""


def test_outlook_and_gmail_headers():
    [outlook] = find_emails(OUTLOOK, page=2)
    assert outlook.sender == "Whitaker, Jonathan"
    assert outlook.recipients == ["Nguyen, Laura R", "(b)(6)", "Ortiz, Ray"]
    assert outlook.date == "2011-03-15T16:02:00"
    assert outlook.subject == "RE: Secure Communities opt-out" and outlook.page == 2
    [gmail] = find_emails(GMAIL, page=4)
    assert gmail.sender == "Carol Denning"
    assert gmail.recipients == ["Jonathan Whitaker", "Ray Ortiz"]
    assert gmail.date == "2011-03-16T09:12:00"


def test_forwarded_message_on_one_line():
    text = "Thanks.\n-----Original Message-----From: Ortiz, Ray\nSent: Monday, March 14, 2011 1:37 PM\n" \
           "To: Whitaker, Jonathan\nSubject: County request"
    [email] = find_emails(text)
    assert (email.sender, email.subject) == ("Ortiz, Ray", "County request")


@pytest.fixture
def release_index(runner, tmp_path):
    pages = [
        "U.S. Immigration and Customs Enforcement FOIA Office\nWithheld under (b)(6) and (b)(7)(C).\nDEF-000101",
        OUTLOOK + "\n(b)(5)\nDEF-000102",
        "Deliberative notes about detainers\nb5\nDEF-000103",
        GMAIL + "\nDEF-000104",
    ]
    write_pdf(tmp_path / "files" / "production.pdf", pages)
    index_dir = tmp_path / "ix"
    assert run_cli(runner, "index", tmp_path / "files", "--index", index_dir).exit_code == 0
    return index_dir


def _search(runner, index_dir, query):
    return json.loads(run_cli(runner, "search", query, "--index", index_dir, "--json").output)


def test_exemption_field_finds_pages(runner, release_index):
    hit = _search(runner, release_index, "exemption:b6")["hits"][0]
    assert sorted(hit["pages"]) == [1, 2]
    assert hit["exemptions"] == ["b5", "b6", "b7C"]
    assert hit["page_exemptions"] == {"1": ["b6", "b7C"], "2": ["b5", "b6"], "3": ["b5"]}
    assert sorted(_search(runner, release_index, "exemption:b5")["hits"][0]["pages"]) == [2, 3]


def test_bates_lookup_and_range(runner, release_index):
    hit = _search(runner, release_index, "bates:DEF-000103")["hits"][0]
    assert hit["pages"] == [3]
    assert hit["bates_range"] == ["DEF-000101", "DEF-000104"]
    ranged = _search(runner, release_index, "bates:[DEF-000102 TO DEF-000103]")["hits"][0]
    assert sorted(ranged["pages"]) == [2, 3]
    text = run_cli(runner, "search", "bates:DEF-000103", "--index", release_index).output
    assert "DEF-000103 (p. 3)" in text


def test_email_fields(runner, release_index):
    hit = _search(runner, release_index, "from:whitaker")["hits"][0]
    assert hit["pages"] == [2]
    assert hit["emails"][0]["subject"] == "RE: Secure Communities opt-out"
    assert _search(runner, release_index, "to:ortiz")["hits"][0]["pages"] == [2, 4] or \
        sorted(_search(runner, release_index, "to:ortiz")["hits"][0]["pages"]) == [2, 4]
    assert _search(runner, release_index, "subject:opt")["hits"][0]["pages"] == [2]
    assert _search(runner, release_index, "from:nobody")["total"] == 0


def test_email_senders_become_actors(runner, release_index):
    actors = json.loads(run_cli(runner, "actors", "--index", release_index, "--json").output)
    people = {a["name"] for a in actors if a["type"] == "person"}
    assert {"Jonathan Whitaker", "Carol Denning"} <= people


@needs_shared_corpus
def test_uwchr_release_cites_b6(runner, tmp_path):
    index_dir = tmp_path / "ix"
    run_cli(runner, "index", SHARED_CORPUS / "pdf" / "uwchr-i213", "--index", index_dir, "--no-ocr")
    hit = _search(runner, index_dir, "exemption:b6")["hits"][0]
    assert hit["paths"][0].endswith("3866f3-1789-1791.pdf")
    assert set(hit["pages"]) >= {2, 3}
