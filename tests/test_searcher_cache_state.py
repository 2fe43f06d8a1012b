"""A persisted searcher view that does not fit the index it is loaded for is
rebuilt (issue 17 sweep: a stale cache/view-*.pickle made every search raise
IndexError after an index run into a served index)."""

from __future__ import annotations

import shutil

from foiasearch.index.build import index_documents
from foiasearch.index.location import IndexLocation
from foiasearch.ingest.document import Document, Page
from foiasearch.search.api import Query, open_backend
from tests.builders import write_html


def _index(root, count):
    items = [(Document(kind="post", title=f"Post {n}", pages=[Page(1, f"detainer number {n}")]),
              [str(write_html(root / "files" / f"p{n}.html", f"Post {n}", f"detainer number {n}"))])
             for n in range(count)]
    location = IndexLocation(root / "ix")
    index_documents(location, items)
    return location


def test_a_view_of_a_bigger_state_under_this_generation_is_rebuilt(tmp_path):
    big = _index(tmp_path / "big", 40)
    small = _index(tmp_path / "small", 3)
    with open_backend(big) as backend:
        assert backend.search(Query("")).total == 40  # writes big's view file
    with open_backend(small) as backend:
        backend.search(Query(""))
    big_files = sorted((tmp_path / "big" / "ix" / "cache").glob("view-*.pickle"))
    small_files = sorted((tmp_path / "small" / "ix" / "cache").glob("view-*.pickle"))
    assert big_files and small_files
    shutil.copy(big_files[-1], small_files[-1])  # small's name, big's content
    with open_backend(small) as backend:
        assert backend.search(Query("")).total == 3
        assert len(backend.search(Query("", per_page=10)).hits) == 3
