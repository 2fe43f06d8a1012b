"""Query fields over the demo corpus: title:, author:, tag:, site:, dates
as ranges, and the known-item search on ../shared/corpus."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DEMO_CORPUS, SHARED_CORPUS, needs_shared_corpus, run_cli


@pytest.fixture(scope="module")
def demo_index(tmp_path_factory):
    from click.testing import CliRunner

    index_dir = tmp_path_factory.mktemp("demo") / "ix"
    assert run_cli(CliRunner(), "index", DEMO_CORPUS, "--index", index_dir, "--no-ocr").exit_code == 0
    return index_dir


def titles(runner, index_dir, query):
    result = run_cli(runner, "search", query, "--index", index_dir, "--json", "--limit", "50")
    assert result.exit_code == 0, result.output
    return sorted(h["title"] for h in json.loads(result.output)["hits"])


def test_author_field(runner, demo_index):
    found = titles(runner, demo_index, "author:okafor")
    assert found and len(found) == 2
    assert titles(runner, demo_index, 'author:"Daniel Okafor"') == found


def test_tag_and_site_fields(runner, demo_index):
    tagged = titles(runner, demo_index, 'tag:"TRUST Act"')
    assert "Police Leaders to Lawmakers: Leave Immigration Enforcement to Washington" in tagged
    site = titles(runner, demo_index, 'site:"Open Gates Project"')
    assert len(site) == 3 and set(titles(runner, demo_index, "author:okafor")) < set(site)


def test_date_ranges(runner, demo_index):
    in_2011 = titles(runner, demo_index, "date:[2011-01-01 TO 2011-12-31] kind:post")
    assert len(in_2011) == 3
    assert titles(runner, demo_index, "date:2011 kind:post") == in_2011
    assert len(titles(runner, demo_index, "date:[2012-01-01 TO 2013-12-31] kind:post")) == 3


def test_hits_carry_post_metadata(runner, demo_index):
    result = run_cli(runner, "search", "author:okafor", "--index", demo_index, "--json")
    hit = json.loads(result.output)["hits"][0]
    assert hit["author"] == "Daniel Okafor" and hit["site"] == "Open Gates Project"
    assert hit["tags"] and hit["language"].startswith("en") and hit["date"].startswith("201")


def test_newest_and_oldest_sorts(runner, demo_index):
    def dates(sort):
        out = run_cli(runner, "search", "kind:post", "--sort", sort, "--index", demo_index, "--json").output
        return [h["date"][:10] for h in json.loads(out)["hits"]]

    assert dates("newest") == sorted(dates("newest"), reverse=True)
    assert dates("oldest") == sorted(dates("oldest"))


@needs_shared_corpus
def test_known_item_on_shared_corpus(runner, tmp_path):
    index_dir = tmp_path / "ix"
    run_cli(runner, "index", SHARED_CORPUS / "pdf" / "ice-detainee-deaths", "--index", index_dir, "--no-ocr")
    data = json.loads(run_cli(runner, "search", '"List of Deaths in ICE Custody"', "--index", index_dir,
                              "--json").output)
    first = data["hits"][0]
    assert first["paths"][0].endswith("foia_detaineedeaths_2003_2017.pdf")
    assert 1 in first["pages"]
