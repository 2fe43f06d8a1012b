"""Incremental indexing: unchanged, touched, changed, removed, duplicated and
retried files."""

from __future__ import annotations

import json
import os
import time

from foiasearch.index.build import Indexer
from foiasearch.index.location import IndexLocation
from tests.builders import write_html, write_pdf
from tests.conftest import run_cli


def _index(index_dir, *paths, **kwargs):
    return Indexer(IndexLocation(index_dir), workers=0, **kwargs).run(list(paths))


def _search(runner, index_dir, query):
    return json.loads(run_cli(runner, "search", query, "--index", index_dir, "--json").output)


def test_unchanged_rerun_extracts_nothing(mixed_folder, index_dir, monkeypatch):
    first = _index(index_dir, mixed_folder)
    calls = []
    import foiasearch.index.build as build

    real = build.extract
    monkeypatch.setattr(build, "extract", lambda path, options: calls.append(path) or real(path, options))
    second = _index(index_dir, mixed_folder)
    assert second.seen == first.seen
    # indexed and skipped files are unchanged; only the failures are retried
    assert second.unchanged == first.indexed + first.skipped
    assert sorted(os.path.basename(p) for p in calls) == ["broken.pdf", "empty.pdf", "fake.pdf"]
    assert len(second.failed) == 3


def test_touched_but_identical_file_is_not_reextracted(mixed_folder, index_dir):
    _index(index_dir, mixed_folder)
    post = mixed_folder / "posts" / "illinois.html"
    later = time.time() + 10
    os.utime(post, (later, later))
    summary = _index(index_dir, mixed_folder)
    assert summary.indexed == 0 and summary.unchanged == 7


def test_changed_file_replaces_its_old_document(runner, mixed_folder, index_dir):
    _index(index_dir, mixed_folder)
    assert _search(runner, index_dir, "Quinn")["total"] == 1
    write_html(mixed_folder / "posts" / "illinois.html", "Illinois update", "Now the post is about Lofgren.")
    summary = _index(index_dir, mixed_folder)
    assert summary.indexed == 1
    assert _search(runner, index_dir, "Quinn")["total"] == 0
    hits = _search(runner, index_dir, "Lofgren")["hits"]
    assert [h["title"] for h in hits] == ["Illinois update"]


def test_removed_file_leaves_the_index(runner, mixed_folder, index_dir):
    _index(index_dir, mixed_folder)
    (mixed_folder / "releases" / "emails.pdf").unlink()
    summary = _index(index_dir, mixed_folder)
    assert summary.removed == 1
    assert _search(runner, index_dir, '"Tuesday, March 15"')["total"] == 0


def test_same_bytes_at_two_paths_is_one_document(runner, tmp_path, index_dir):
    pages = ["Identical release about detainers."]
    write_pdf(tmp_path / "a" / "one.pdf", pages)
    write_pdf(tmp_path / "b" / "two.pdf", pages)
    _index(index_dir, tmp_path)
    data = _search(runner, index_dir, "identical")
    assert data["total"] == 1
    assert [os.path.basename(p) for p in data["hits"][0]["paths"]] == ["one.pdf", "two.pdf"]
    (tmp_path / "a" / "one.pdf").unlink()
    _index(index_dir, tmp_path)
    data = _search(runner, index_dir, "identical")
    assert data["total"] == 1 and [os.path.basename(p) for p in data["hits"][0]["paths"]] == ["two.pdf"]


def test_failed_file_is_retried_and_recovers(runner, mixed_folder, index_dir):
    _index(index_dir, mixed_folder)
    write_pdf(mixed_folder / "releases" / "empty.pdf", ["Now the file has content about deportations."])
    summary = _index(index_dir, mixed_folder)
    assert summary.indexed == 1 and len(summary.failed) == 2
    assert _search(runner, index_dir, "deportations")["total"] == 1


def test_indexing_a_subfolder_does_not_remove_siblings(runner, mixed_folder, index_dir):
    _index(index_dir, mixed_folder)
    _index(index_dir, mixed_folder / "posts")
    assert _search(runner, index_dir, "fingerprints")["total"] == 1
