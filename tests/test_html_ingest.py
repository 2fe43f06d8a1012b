"""HTML pages: metadata from each source, main text apart from comments, encodings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from foiasearch.ingest.document import IngestError
from foiasearch.ingest.html import document_from_html, ingest
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.registry import ingest_file

FIXTURES = Path(__file__).parent / "fixtures" / "html"
REPO = Path(__file__).resolve().parents[1]
CORPUS = next((p / "shared" / "corpus" / "html" for p in REPO.parents
               if (p / "shared" / "corpus" / "html").is_dir()), None)


def doc(name: str):
    result = ingest(FIXTURES / name, IngestOptions())
    assert result.status == "ok"
    return result.documents[0]


def test_json_ld_wins_and_resolves_graph_references():
    d = doc("meta_jsonld.html")
    assert d.title == "Cook County ends detainers"
    assert d.authors == ["Ana Ruiz", "Ben Okafor"]
    assert d.date == "2024-03-05T09:30:00-06:00"
    assert d.modified == "2024-03-06T10:00:00-06:00"
    assert d.site == "Detention Watch Example"
    assert d.tags == ["detainers", "Cook County", "ICE"]  # empty dropped, duplicate merged
    assert d.categories == ["Immigration", "Local"]


def test_open_graph_and_article_meta():
    d = doc("meta_opengraph.html")
    assert d.title == "Cook County ends detainers"
    assert d.url == "https://dw.example.org/2024/03/detainers/"
    assert d.authors == ["Ana Ruiz"]  # article:author is a URL: not a name
    assert d.date == "2024-03-05T15:30:00+00:00"
    assert d.description == "The county stopped holding people for ICE."
    assert d.tags == ["Detainers", "ICE"]
    assert d.categories == ["Immigration"]


def test_rel_tag_links_outside_menus():
    d = doc("meta_reltag.html")
    assert d.tags == ["FOIA", "Sheriff"]  # "Elections" sits in a menu
    assert d.categories == ["Immigration"]


def test_wordpress_classes_are_a_fallback():
    d = doc("meta_wpclasses.html")
    assert d.tags == ["public records", "sheriff"]
    assert d.categories == ["local news"]


def test_dublin_core():
    d = doc("meta_dublincore.html")
    assert d.authors == ["Ana Ruiz", "Ben Okafor"]
    assert d.date == "2024-03-05"
    assert d.tags == ["detainers", "public records"]


def test_time_elements_and_byline():
    d = doc("meta_time.html")
    assert d.authors == ["Ana Ruiz"]
    assert d.date == "2024-03-05T09:30:00-06:00"
    assert d.modified == "2024-03-07T08:00:00-06:00"


def test_keywords_meta_is_cleaned():
    d = doc("meta_keywords.html")
    assert d.tags == ["Blog", "detainers", "ICE"]  # " , , , , Blog" and case duplicates
    assert d.url == "https://dw.example.org/detainers"


def test_main_text_without_boilerplate_and_comments_apart():
    d = doc("comments.html")
    assert "detainer policy in 2011" in d.text
    assert "exemption (b)(6)" in d.text
    for junk in ("About us", "Subscribe to our newsletter", "Copyright 2024", "took courage"):
        assert junk not in d.text
    assert "took courage" in d.comments and "four days" in d.comments
    assert d.kind == "post" and d.pages[0].number == 1


@pytest.mark.parametrize("name, expected", [
    ("enc_windows1252_httpequiv.html", "Ça coûte cher à l'État. Prix: 5 €."),
    ("enc_iso8859_1_declared.html", "Preis: 5 € \u201eQuelle\u201c."),
    ("enc_utf8_bom.html", "Größere Änderungen folgen später."),
    ("enc_utf16_bom.html", "dénoncent une décision « brutale »"),
    ("enc_undeclared_latin1.html", "dénoncent une décision « brutale »"),
    ("enc_undeclared_utf8.html", "Flüchtlingsräte kritisieren"),
    ("enc_wrong_declared_utf8.html", "Ça coûte cher à l'État."),
])
def test_encodings_without_mojibake(name, expected):
    d = doc(name)
    assert expected in d.text
    assert d.title == "Préfecture & Behörde"
    assert "été — \u201cok\u201d fin." in d.text  # entities decoded, NBSP squashed
    for mojibake in ("Ã", "â€", "\ufffd"):
        assert mojibake not in d.text


def test_registry_routes_html_pages_to_html():
    result = ingest_file(FIXTURES / "meta_jsonld.html")
    assert result.status == "ok" and result.documents[0].title == "Cook County ends detainers"


def test_fragment_without_title_or_text_is_an_error():
    with pytest.raises(IngestError):
        document_from_html("<html><body><script>x()</script></body></html>")


# ---------------------------------------------------------------- shared corpus

@pytest.mark.skipif(CORPUS is None, reason="shared corpus not present")
def test_corpus_french_and_german_pages_decode_cleanly():
    key = json.loads((CORPUS / "trafilatura" / "trafilatura-evaldata-subset.json").read_text())
    for entry in key.values():
        if entry["file"] not in ("legrandcontinent.eu.heran.html", "de.globalvoices.org.nicaragua.html",
                                 "correctiv.org.zusage.html"):
            continue
        d = ingest(CORPUS / "trafilatura" / entry["file"], IngestOptions()).documents[0]
        assert not any(m in d.text for m in ("Ã©", "Ã¼", "â€", "\ufffd")), entry["file"]
        for snippet in entry["with"]:
            assert " ".join(snippet.split()) in " ".join(d.text.split()), snippet


@pytest.mark.skipif(CORPUS is None, reason="shared corpus not present")
def test_corpus_comments_never_in_main_text():
    key = json.loads((CORPUS / "trafilatura" / "trafilatura-evaldata-subset.json").read_text())
    checked = 0
    for entry in key.values():
        if not entry.get("comments"):
            continue
        d = ingest(CORPUS / "trafilatura" / entry["file"], IngestOptions()).documents[0]
        for snippet in entry["comments"]:
            assert snippet not in d.text
            checked += 1
    assert checked >= 6
