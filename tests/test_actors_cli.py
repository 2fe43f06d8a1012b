"""Actors in the CLI: the `actors` command, --actor filters, user
gazetteers (--actors and the config file) and --refresh-actors."""

from __future__ import annotations

import json

import pytest

from tests.builders import write_html
from tests.conftest import DEMO_CORPUS, run_cli

QUINN_POST = "2011-05-police-leaders-illinois-leaves-secure-communities.html"


@pytest.fixture
def demo_index(runner, tmp_path):
    index_dir = tmp_path / "ix"
    assert run_cli(runner, "index", DEMO_CORPUS, "--index", index_dir).exit_code == 0
    return index_dir


def test_quinn_post_actors(runner, demo_index):
    data = json.loads(run_cli(runner, "search", 'actor:"Pat Quinn"', "--index", demo_index, "--json").output)
    assert [h["paths"][0].rsplit("/", 1)[1] for h in data["hits"]] == [QUINN_POST]
    names = {a["name"]: a["type"] for a in data["hits"][0]["actors"]}
    for name, kind in [("Pat Quinn", "person"), ("Zoe Lofgren", "person"), ("DHS", "agency"), ("ICE", "agency"),
                       ("Secure Communities", "program"), ("National Day Laborer Organizing Network", "organization"),
                       ("Illinois", "place"), ("California", "place"), ("Texas", "place")]:
        assert names.get(name) == kind, name


def test_actors_command_counts_documents(runner, demo_index):
    listed = json.loads(run_cli(runner, "actors", "--index", demo_index, "--json").output)
    by_name = {a["name"]: a for a in listed}
    assert by_name["ICE"]["type"] == "agency"
    assert by_name["Pat Quinn"]["count"] == json.loads(
        run_cli(runner, "search", "", "--actor", "Pat Quinn", "--index", demo_index, "--json").output)["total"]
    counts = [a["count"] for a in listed]
    assert counts == sorted(counts, reverse=True)
    people = json.loads(run_cli(runner, "actors", "--type", "person", "--limit", "3", "--index", demo_index,
                                "--json").output)
    assert len(people) <= 3 and {a["type"] for a in people} == {"person"}


def test_actor_filter_is_or_within_and_across(runner, demo_index):
    def total(*args):
        return json.loads(run_cli(runner, "search", "", *args, "--index", demo_index, "--json").output)["total"]

    quinn, lofgren = total("--actor", "Pat Quinn"), total("--actor", "Zoe Lofgren")
    both_or = total("--actor", "Pat Quinn", "--actor", "Zoe Lofgren")
    assert max(quinn, lofgren) <= both_or <= quinn + lofgren
    assert total("--actor", "Pat Quinn", "--kind", "release") == 0


def _user_gazetteer(path):
    path.write_text('[[actor]]\nname = "Marlow Rivers Coalition"\ntype = "organization"\n'
                    'aliases = ["Marlow Rivers"]\n', encoding="utf-8")
    return path


def test_user_gazetteer_and_refresh_actors(runner, tmp_path):
    folder, index_dir = tmp_path / "posts", tmp_path / "ix"
    write_html(folder / "p.html", "River news", "Volunteers from Marlow Rivers met the sheriff on Monday.")
    run_cli(runner, "index", folder, "--index", index_dir)
    assert json.loads(run_cli(runner, "actors", "--index", index_dir, "--json").output) == []
    gazetteer = _user_gazetteer(tmp_path / "mine.toml")
    result = run_cli(runner, "index", "--refresh-actors", "--actors", gazetteer, "--index", index_dir)
    assert "1 document changed" in result.output
    listed = json.loads(run_cli(runner, "actors", "--index", index_dir, "--json").output)
    assert listed == [{"name": "Marlow Rivers Coalition", "type": "organization", "count": 1}]
    again = run_cli(runner, "index", "--refresh-actors", "--actors", gazetteer, "--index", index_dir)
    assert "0 documents changed" in again.output


def test_config_file_adds_gazetteer(runner, tmp_path, monkeypatch):
    folder, index_dir = tmp_path / "posts", tmp_path / "ix"
    write_html(folder / "p.html", "River news", "Volunteers from Marlow Rivers met the sheriff on Monday.")
    _user_gazetteer(tmp_path / "mine.toml")
    config = tmp_path / "foiasearch.toml"
    config.write_text(f'index = "{index_dir}"\nactors = ["mine.toml"]\n')
    monkeypatch.setenv("FOIASEARCH_CONFIG", str(config))
    monkeypatch.delenv("FOIASEARCH_INDEX", raising=False)
    assert run_cli(runner, "index", folder).exit_code == 0
    listed = json.loads(run_cli(runner, "actors", "--json").output)
    assert [a["name"] for a in listed] == ["Marlow Rivers Coalition"]


def test_bad_gazetteer_is_one_line_error(runner, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[actor]\nname = ")
    from foiasearch.cli import main

    result = runner.invoke(main, ["index", str(tmp_path), "--actors", str(bad), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert "bad.toml" in result.output and "Traceback" not in result.output
