"""The PostgreSQL manifest read in batches (index.postgres.store): a folder's
records in one round trip, and documents' paths settled once per commit,
give what the SQLite store gives for the same runs."""

from __future__ import annotations

import os
import shutil

import pytest

from foiasearch.index.build import Indexer
from foiasearch.index.location import IndexLocation
from foiasearch.index.postgres import store as pg_store
from foiasearch.search.api import Query, open_backend
from tests.builders import write_html

TEXTS = {name: f"The {name} memo says the county may opt out of {name} detainers. " * 5
         for name in ("alpha", "beta", "gamma", "delta")}


def page(path, name):
    write_html(path, f"Memo {name}", TEXTS[name])


def paths_by_title(location: IndexLocation) -> dict[str, list[str]]:
    """Each document's paths as search hits show them (the document row's) and as the manifest has them."""
    with open_backend(location) as backend:
        hits = backend.search(Query("", per_page=100)).hits
    store = location.open_store(readonly=True)
    try:
        manifest = {h.title: store.get_document(h.id, with_pages=False).paths for h in hits}
    finally:
        store.close()
    shown = {h.title: sorted(os.path.relpath(p, location.root.parent) for p in h.paths) for h in hits}
    assert shown == {t: [os.path.relpath(p, location.root.parent) for p in paths] for t, paths in manifest.items()}
    return shown


def run(location: IndexLocation, *folders):
    return Indexer(location, workers=0, commit_every=0).run(list(folders))


@pytest.fixture
def both(tmp_path, pg_url):
    """A folder index (SQLite store) and a database index, over the same files."""
    return IndexLocation(tmp_path / "ix"), IndexLocation(tmp_path / "pg", url=pg_url)


def test_copies_moves_and_swapped_contents_leave_the_same_paths_as_the_folder_store(tmp_path, both, monkeypatch):
    monkeypatch.setattr(pg_store, "SNAPSHOT_FILES", 2)  # several snapshots per folder
    files = tmp_path / "files"
    page(files / "a" / "p.html", "alpha")
    page(files / "a" / "q.html", "beta")
    page(files / "a" / "r.html", "gamma")
    page(files / "a" / "s.html", "alpha")  # the same content twice in one commit
    steps = [
        lambda: None,
        lambda: shutil.copy(files / "a" / "p.html", files / "b.html"),  # a copy in a later run
        lambda: (page(files / "a" / "p.html", "beta"), page(files / "a" / "q.html", "alpha")),  # swapped
        lambda: (os.remove(files / "a" / "s.html"), page(files / "a" / "r.html", "delta")),
    ]
    for step in steps:
        step()
        seen = []
        for location in both:
            summary = run(location, files)
            seen.append((paths_by_title(location), summary.indexed, summary.unchanged))
        assert seen[0] == seen[1]
    assert seen[1][0] == {"Memo alpha": ["files/a/q.html", "files/b.html"], "Memo beta": ["files/a/p.html"],
                          "Memo delta": ["files/a/r.html"]}


def test_unchanged_files_are_found_in_snapshots_and_a_changed_one_is_indexed(tmp_path, pg_url, monkeypatch):
    monkeypatch.setattr(pg_store, "SNAPSHOT_FILES", 3)
    files = tmp_path / "files"
    for i in range(10):
        write_html(files / f"{i:02}.html", f"Note {i}", f"Note {i} about detainers in county {i}. " * 4)
    location = IndexLocation(tmp_path / "pg", url=pg_url)
    assert run(location, files).indexed == 10
    write_html(files / "07.html", "Note seven", "A new text about fingerprints. " * 4)
    summary = run(location, files)
    assert (summary.indexed, summary.unchanged) == (1, 9)
    assert paths_by_title(location)["Note seven"] == ["files/07.html"]
