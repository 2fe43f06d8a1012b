"""The per-index-state view cache that makes one-shot CLI searches fast."""

from __future__ import annotations

import foiasearch.search.whoosh.searcher_cache as view_module
from foiasearch.search.whoosh.engine import SearchEngine
from foiasearch.search.api import Query
from tests.builders import write_html
from tests.conftest import run_cli


def _cache_files(index_dir):
    return sorted(p.name for p in (index_dir / "cache").glob("view-*.pickle"))


def test_second_process_loads_the_view_instead_of_building(runner, mixed_folder, index_dir, monkeypatch):
    run_cli(runner, "index", mixed_folder, "--index", index_dir)
    with SearchEngine.open(str(index_dir)) as engine:
        first = engine.search(Query("detainers"), facets=True)
    assert len(_cache_files(index_dir)) == 1

    def no_build(reader):
        raise AssertionError("the view should come from the cache")

    monkeypatch.setattr(view_module.SearcherCache, "build", staticmethod(no_build))
    with SearchEngine.open(str(index_dir)) as engine:
        again = engine.search(Query("detainers"), facets=True)
    assert again.total == first.total
    assert [h.id for h in again.hits] == [h.id for h in first.hits]
    assert {k: [(v.value, v.count) for v in vs] for k, vs in again.facets.items()} == \
        {k: [(v.value, v.count) for v in vs] for k, vs in first.facets.items()}


def test_a_new_commit_gets_a_new_view(runner, mixed_folder, index_dir):
    run_cli(runner, "index", mixed_folder, "--index", index_dir)
    run_cli(runner, "search", "detainers", "--index", index_dir)
    before = _cache_files(index_dir)
    write_html(mixed_folder / "posts" / "new.html", "New post", "Detainers again, in a new post.")
    run_cli(runner, "index", mixed_folder, "--index", index_dir)
    result = run_cli(runner, "search", "detainers", "--index", index_dir, "--json")
    assert '"total": 4' in result.output
    after = _cache_files(index_dir)
    assert len(after) == 1 and after != before  # the stale view was replaced


def test_damaged_cache_file_is_rebuilt(runner, mixed_folder, index_dir):
    run_cli(runner, "index", mixed_folder, "--index", index_dir)
    run_cli(runner, "search", "detainers", "--index", index_dir)
    [name] = _cache_files(index_dir)
    (index_dir / "cache" / name).write_bytes(b"not a pickle")
    result = run_cli(runner, "search", "detainers", "--index", index_dir, "--json")
    assert '"total": 3' in result.output


def _saved_view(runner, mixed_folder, index_dir):
    """The index's view as saved by a search, and its reader."""
    from foiasearch.index.location import IndexLocation
    from foiasearch.index.whoosh.storage import open_index

    run_cli(runner, "index", mixed_folder, "--index", index_dir)
    run_cli(runner, "search", "detainers", "--index", index_dir)
    return open_index(IndexLocation(index_dir)).searcher().reader()


SECTIONS = {"view": ("newest", "oldest", "page_records"),
            "values": ("bits", "pairs", "display", "types", "postings")}


def test_a_lazy_view_reads_its_sections_when_used_and_gives_the_same(runner, mixed_folder, index_dir):
    reader = _saved_view(runner, mixed_folder, index_dir)
    whole = view_module.load_or_build(reader, index_dir / "cache")
    lazy = view_module.load_or_build(reader, index_dir / "cache", lazy=True)
    assert not set(SECTIONS["view"]) & set(vars(lazy)) and not set(SECTIONS["values"]) & set(vars(lazy.values))
    assert lazy.values.all_docs == whole.values.all_docs and lazy.page_numbers == whole.page_numbers
    for name in SECTIONS["view"]:
        assert getattr(lazy, name) == getattr(whole, name)
    for name in SECTIONS["values"]:
        assert getattr(lazy.values, name) == getattr(whole.values, name)
    assert "_source" not in vars(whole)  # read whole: the file is let go


def test_a_lazy_view_reads_its_sections_after_the_file_is_gone(runner, mixed_folder, index_dir):
    reader = _saved_view(runner, mixed_folder, index_dir)
    lazy = view_module.load_or_build(reader, index_dir / "cache", lazy=True)
    for path in (index_dir / "cache").glob("view-*.pickle"):
        path.unlink()  # as a newer index state's view deletes this one
    assert lazy.newest and lazy.values.bits["kind"]


def test_a_view_cut_short_is_rebuilt_not_read(runner, mixed_folder, index_dir, monkeypatch):
    reader = _saved_view(runner, mixed_folder, index_dir)
    [path] = (index_dir / "cache").glob("view-*.pickle")
    path.write_bytes(path.read_bytes()[:-10])  # the last section loses its end
    built = []
    original = view_module.SearcherCache.build
    monkeypatch.setattr(view_module.SearcherCache, "build", classmethod(
        lambda cls, reader: built.append(1) or original.__func__(cls, reader)))
    view = view_module.load_or_build(reader, index_dir / "cache", lazy=True)
    assert built and view.newest


def test_a_damaged_section_is_one_line_and_the_next_search_rebuilds(runner, mixed_folder, index_dir):
    """A section damaged on disk (read lazily, after the view was trusted) stops
    that search with one line and removes the file; the next search works."""
    import struct

    from foiasearch.cli import main

    _saved_view(runner, mixed_folder, index_dir)
    [path] = (index_dir / "cache").glob("view-*.pickle")
    data = path.read_bytes()
    base = 8 + struct.unpack("<Q", data[:8])[0]  # the sections begin after the view's own pickle
    path.write_bytes(data[:base] + b"\x00" * (len(data) - base))
    failed = runner.invoke(main, ["search", "detainers", "--sort", "newest", "--index", str(index_dir)])
    assert failed.exit_code == 1 and isinstance(failed.exception, SystemExit)  # a ClickException, not a crash
    assert "saved view" in failed.output and "run the search again" in failed.output
    assert "Traceback" not in failed.output and not path.exists()
    again = run_cli(runner, "search", "detainers", "--sort", "newest", "--index", index_dir)
    assert again.exit_code == 0 and "detainers" in again.output.lower()
