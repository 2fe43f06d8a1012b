"""`foiasearch search`: query syntax, JSON shape, page hits and bad queries."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli


@pytest.fixture
def indexed(runner, mixed_folder, index_dir):
    run_cli(runner, "index", mixed_folder, "--index", index_dir)
    return index_dir


def search(runner, index_dir, *args):
    result = run_cli(runner, "search", *args, "--index", index_dir, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_json_shape(runner, indexed):
    data = search(runner, indexed, "detainers")
    assert set(data) >= {"query", "total", "hits"}
    assert data["query"] == "detainers"
    hit = data["hits"][0]
    for key, kind in [("id", str), ("title", str), ("kind", str), ("paths", list), ("pages", list),
                      ("snippet", str), ("score", float)]:
        assert isinstance(hit[key], kind), key
    assert "url" in hit and "date" in hit


def test_pdf_hits_name_matching_pages_best_first(runner, indexed):
    data = search(runner, indexed, '"opt out"')
    by_title = {h["kind"]: h for h in data["hits"]}
    release = by_title["release"]
    assert sorted(release["pages"]) == [1, 3]
    assert by_title["post"]["pages"] == []
    assert "<mark>opt</mark> <mark>out</mark>" in release["snippet"]


def test_stemming_and_default_and(runner, indexed):
    assert search(runner, indexed, "detainer")["total"] == 3  # stems: detainers
    closest = search(runner, indexed, "Quinn detainers")  # AND by default: no document has both words,
    assert closest["all_words_total"] == 0  # so the best matches come, each naming what it lacks
    assert closest["hits"] and all(h["missing"] for h in closest["hits"])
    assert search(runner, indexed, "Quinn OR TRUST")["total"] == 2
    assert search(runner, indexed, "detainers NOT TRUST")["total"] == 2
    assert search(runner, indexed, "(Quinn OR TRUST) AND California")["total"] == 1


def test_title_field_and_phrases(runner, indexed):
    assert [h["title"] for h in search(runner, indexed, "title:TRUST")["hits"]] == ["The TRUST Act in California"]
    assert search(runner, indexed, '"program failed"')["total"] == 1
    assert search(runner, indexed, '"failed program"')["total"] == 0


def test_limit(runner, indexed):
    data = search(runner, indexed, "detainers", "--limit", "2")
    assert data["total"] == 3 and len(data["hits"]) == 2


@pytest.mark.parametrize("query", ['"opt out', "(Quinn", "Quinn)", "AND", "OR OR", "NOT", "title:", ":", "*",
                                    "[a TO", "date:[2011 TO", '"', "((((", "\x00", "ü" * 50])
def test_malformed_queries_never_trace(runner, indexed, query):
    from foiasearch.cli import main

    result = runner.invoke(main, ["search", query, "--index", str(indexed)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code in (0, 1)
    if result.exit_code == 1:
        assert len(result.output.strip().splitlines()) == 1


def test_human_output_marks_matches(runner, indexed):
    result = run_cli(runner, "search", '"opt out"', "--index", indexed)
    assert "2 documents match" in result.output
    assert "[opt out]" in result.output  # adjacent marked words are one highlight
    assert "pp. 1, 3" in result.output or "pp. 3, 1" in result.output
