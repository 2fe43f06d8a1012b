"""Saved searches: save, run, --new, list with counts, bad input, and two
processes writing the saved-search database at once."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3

import pytest

from foiasearch.index.location import IndexLocation
from foiasearch.search.whoosh.engine import SearchEngine
from foiasearch.search.api import Query
from foiasearch.search.saved import SavedError, SavedStore, saved_db_path, saved_status
from tests.builders import write_html, write_pdf
from tests.conftest import run_cli


@pytest.fixture
def indexed(runner, mixed_folder, index_dir):
    result = run_cli(runner, "index", mixed_folder, "--index", index_dir, "--workers", "0")
    assert result.exit_code == 0, result.output
    return index_dir


def cli(runner, *args, code=0):
    from foiasearch.cli import main

    result = runner.invoke(main, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


def one_line_error(result) -> str:
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    return lines[0]


def test_add_show_list_rm(runner, indexed):
    out = cli(runner, "saved", "add", "det", "detainers", "--kind", "release", "--kind", "post",
              "--sort", "newest", "--index", indexed).output
    assert out.startswith("saved det:")
    shown = json.loads(cli(runner, "saved", "show", "det", "--index", indexed, "--json").output)
    assert shown["query"] == "detainers" and shown["filters"] == {"kind": ["release", "post"]}
    assert shown["sort"] == "newest" and shown["last_run"] is None and shown["created"]
    listed = json.loads(cli(runner, "saved", "list", "--index", indexed, "--json").output)
    assert [(s["name"], s["total"], s["new"]) for s in listed] == [("det", 3, 3)]
    assert "det: 'detainers' --kind 'release' --kind 'post' --sort newest · 3 documents, 3 new" in \
        cli(runner, "saved", "list", "--index", indexed).output
    assert saved_db_path(IndexLocation(indexed)).exists()
    cli(runner, "saved", "rm", "det", "--index", indexed)
    assert json.loads(cli(runner, "saved", "list", "--index", indexed, "--json").output) == []


def test_run_records_seen_and_new_lists_exactly_the_added_file(runner, indexed, mixed_folder):
    cli(runner, "saved", "add", "det", "detainers", "--index", indexed)
    first = json.loads(cli(runner, "saved", "run", "det", "--new", "--json", "--index", indexed).output)
    assert first["previous_run"] is None and first["total"] == first["new"] == 3 == len(first["hits"])
    again = json.loads(cli(runner, "saved", "run", "det", "--new", "--json", "--index", indexed).output)
    assert again["new"] == 0 and again["hits"] == [] and again["previous_run"]

    write_pdf(mixed_folder / "releases" / "added.pdf", ["Nothing here.", "New detainers memo."])
    write_html(mixed_folder / "posts" / "unrelated.html", "Unrelated", "About fingerprints only.")
    cli(runner, "index", mixed_folder, "--index", indexed, "--workers", "0")
    status = saved_status(SearchEngine.open(str(indexed)), SavedStore.open(IndexLocation(indexed)))
    assert [(s.total, s.new) for s in status] == [(4, 1)]  # listing does not mark anything seen

    new = json.loads(cli(runner, "saved", "run", "det", "--new", "--json", "--index", indexed).output)
    assert [h["paths"] for h in new["hits"]] == [[str(mixed_folder / "releases" / "added.pdf")]]
    assert new["hits"][0]["pages"] == [2] and new["total"] == 4 and new["new"] == 1
    human = cli(runner, "saved", "run", "det", "--new", "--index", indexed).output
    assert "4 documents match, 0 new since" in human and "added.pdf" not in human


def test_run_human_output(runner, indexed):
    cli(runner, "saved", "add", "optout", '"opt out"', "--index", indexed)
    out = cli(runner, "saved", "run", "optout", "--index", indexed, "--limit", "1").output
    assert "optout: 2 documents match, 2 new since never run before" in out
    assert "[opt out]" in out and "1 more: --limit 2" in out


@pytest.mark.parametrize("args", [
    ("saved", "run", "nope"), ("saved", "show", "nope"), ("saved", "rm", "nope"),
    ("saved", "export", "nope"), ("saved", "feed", "nope"),
    ("saved", "add", "bad name", "x"), ("saved", "add", "x" * 65, "x"), ("saved", "add", "ok", "x" * 2001),
])
def test_bad_input_is_one_line(runner, indexed, args):
    assert one_line_error(cli(runner, *args, "--index", indexed, code=1))


def test_existing_name_needs_replace(runner, indexed):
    cli(runner, "saved", "add", "det", "detainers", "--index", indexed)
    cli(runner, "saved", "run", "det", "--index", indexed)
    error = one_line_error(cli(runner, "saved", "add", "det", "other", "--index", indexed, code=1))
    assert "--replace" in error
    assert json.loads(cli(runner, "saved", "show", "det", "--json", "--index", indexed).output)["query"] == "detainers"
    cli(runner, "saved", "add", "det", "fingerprints", "--replace", "--index", indexed)
    shown = json.loads(cli(runner, "saved", "show", "det", "--json", "--index", indexed).output)
    assert shown["query"] == "fingerprints" and shown["last_run"] is None and shown["seen"] == 0


def test_saved_query_that_no_longer_runs(runner, indexed):
    cli(runner, "saved", "add", "det", "detainers", "--index", indexed)
    cli(runner, "saved", "add", "ok", "sheriffs", "--index", indexed)
    # As if written by an older version or by hand: a filter this version does not know.
    with sqlite3.connect(saved_db_path(IndexLocation(indexed))) as db:
        db.execute("""UPDATE saved SET filters='{"agency": ["ICE"]}' WHERE name='det'""")
    for command in ("run", "export", "feed"):
        error = one_line_error(cli(runner, "saved", command, "det", "--index", indexed, code=1))
        assert "saved search 'det' no longer runs: unknown filter 'agency'" in error
    listed = {s["name"]: s for s in json.loads(cli(runner, "saved", "list", "--json", "--index", indexed).output)}
    assert "no longer runs" in listed["det"]["error"] and listed["ok"]["total"] == 1


def test_no_index(runner, tmp_path):
    error = one_line_error(cli(runner, "saved", "add", "x", "y", "--index", tmp_path / "none", code=1))
    assert "no index at" in error
    assert not (tmp_path / "none").exists()


def test_store_api(tmp_path):
    store = SavedStore(tmp_path / "saved.db")
    store.add("a", Query("x", {"tag": ["ICE", ""]}))
    assert store.get("a").query.filters == {"tag": ["ICE", ""]}
    store.record_run("a", ["d1", "d2"])
    assert store.seen_ids("a") == {"d1", "d2"} and store.get("a").seen_count == 2
    store.remove("a")
    with pytest.raises(SavedError):
        store.record_run("a", ["d1"])
    assert store.db.execute("SELECT count(*) FROM seen").fetchone()[0] == 0


def _writer(path: str, prefix: str, barrier, rounds: int) -> None:
    store = SavedStore(path)
    barrier.wait()
    for i in range(rounds):
        name = f"{prefix}-{i}"
        store.add(name, Query(f"word{i}", {"tag": [prefix]}))
        store.record_run(name, [f"{prefix}{i}-{k}" for k in range(100)])
        store.add("shared", Query(prefix), replace=True)  # both fight over one row too
    store.close()


def test_two_processes_write_at_once(tmp_path):
    path = str(tmp_path / "saved.db")
    SavedStore(path).close()
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    procs = [context.Process(target=_writer, args=(path, p, barrier, 40)) for p in ("a", "b")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    store = SavedStore(path)
    assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    saved = {s.name: s for s in store.list()}
    assert len(saved) == 81 and saved["shared"].query.text in ("a", "b")
    assert all(saved[f"{p}-{i}"].seen_count == 100 for p in "ab" for i in range(40))
