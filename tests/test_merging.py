"""Segments merge by tiers as the indexer commits: their number stays
small, and nothing is lost or doubled on the way."""

from __future__ import annotations

import pytest

from foiasearch.index.location import IndexLocation
from foiasearch.index.whoosh.storage import open_index
from foiasearch.index.whoosh.merging import TIER_FACTOR, segments_to_merge
from foiasearch.ingest.document import Document, Page
from foiasearch.search.whoosh.engine import SearchEngine
from foiasearch.search.api import Query
from tests.synthetic import write_index


def _segment_sizes(location: IndexLocation) -> list[int]:
    with open_index(location).reader() as reader:
        leaves = reader.leaf_readers() if not reader.is_atomic() else [(reader, 0)]
        return sorted(leaf.doc_count_all() for leaf, _ in leaves)


def test_many_commits_leave_few_segments_and_every_document(tmp_path):
    location = IndexLocation(tmp_path / "ix")
    commits = 3 * TIER_FACTOR + 4
    for batch in range(commits):  # one commit each, like an indexer run committing every few seconds
        write_index(location, [Document(kind="post", title=f"Post {batch}-{i}", id=f"{batch:03d}{i:02d}" * 4,
                                        pages=[Page(1, f"county detainer memo batch{batch}")]) for i in range(5)])
    sizes = _segment_sizes(location)
    assert len(sizes) < TIER_FACTOR + 4, sizes  # without merging there would be one per commit
    assert sum(sizes) == commits * 5
    with SearchEngine.open(str(location.root)) as engine:
        found = engine.search(Query("detainer", per_page=1000))
        assert found.total == commits * 5
        assert len({hit.id for hit in found.hits}) == commits * 5
        assert engine.search(Query(f"batch{commits - 1}")).total == 5


def test_replaced_documents_are_reclaimed_by_merging(tmp_path):
    location = IndexLocation(tmp_path / "ix")
    docs = [Document(kind="post", title=f"Post {i}", id=f"{i:04d}" * 16, pages=[Page(1, "first words")])
            for i in range(30)]
    write_index(location, docs)
    for doc in docs:  # the same documents again, changed: old records are deleted, new ones written
        doc.pages = [Page(1, "second words")]
    write_index(location, docs)
    with SearchEngine.open(str(location.root)) as engine:
        assert engine.search(Query("first")).total == 0
        assert engine.search(Query("second")).total == 30
    # The first segment lost all its records: merged away at that commit.
    assert _segment_sizes(location) == [30]


def test_policy_leaves_a_mixed_handful_alone():
    class Segment:
        def __init__(self, records: int, deleted: int = 0) -> None:
            self.records, self.deleted = records, deleted

        def doc_count_all(self) -> int:
            return self.records

        def deleted_count(self) -> int:
            return self.deleted

    assert segments_to_merge([Segment(50_000), Segment(4_000), Segment(400), Segment(40)]) == []
    tier = [Segment(500 + i) for i in range(TIER_FACTOR)]
    assert segments_to_merge([Segment(50_000), *tier]) == tier


def test_merges_run_in_the_background_between_commits(tmp_path):
    """A commit writes only its own segment; the merge it calls for runs in
    a thread (busy) while commits go on. Nothing lost or doubled."""
    from foiasearch.index.backend import open_writer

    location = IndexLocation(tmp_path / "ix")
    location.root.mkdir()
    location.open_store().close()  # an index folder: the store, then the search index
    writer = open_writer(location)
    seen_busy = False
    for batch in range(TIER_FACTOR + 2):
        for i in range(5):
            writer.replace(Document(kind="post", title=f"Post {batch}-{i}", id=f"{batch:03d}{i:02d}" * 4,
                                    paths=[f"p{batch}-{i}.html"], pages=[Page(1, f"county memo batch{batch}")]))
        writer.commit()
        seen_busy = seen_busy or writer.busy()
    writer.commit(background_merge=False)
    writer.close()
    assert seen_busy
    sizes = _segment_sizes(location)
    assert len(sizes) < TIER_FACTOR and sum(sizes) == (TIER_FACTOR + 2) * 5, sizes
    with SearchEngine.open(str(location.root)) as engine:
        assert engine.search(Query("county", per_page=1000)).total == (TIER_FACTOR + 2) * 5


def test_records_deleted_during_a_merge_stay_deleted(tmp_path):
    """A merge reads the segments as they were when it began; what commits
    delete from them meanwhile (documents replaced) is deleted from the
    merged segment when it is swapped in: no old version comes back."""
    from foiasearch.index.backend import open_writer
    from foiasearch.index.whoosh.merging import BackgroundMerge

    location = IndexLocation(tmp_path / "ix")
    location.root.mkdir()
    location.open_store().close()
    writer = open_writer(location)

    def post(batch: int, i: int, words: str) -> Document:
        return Document(kind="post", title=f"Post {batch}-{i}", id=f"{batch:03d}{i:02d}" * 4,
                        paths=[f"p{batch}-{i}.html"], pages=[Page(1, words)])

    for batch in range(3):
        for i in range(4):
            writer.replace(post(batch, i, "first version"))
        writer.commit()
    writer.replace(post(0, 0, "second version"))  # deleted before the merge begins
    writer.commit()
    writer._merge = merge = BackgroundMerge.start(writer.ix, pick=lambda segments: segments)
    merge.wait()
    for batch, i in ((0, 1), (1, 2), (2, 3)):  # deleted from three merged segments while it ran
        writer.replace(post(batch, i, "second version"))
    writer.commit(background_merge=False)
    writer.close()
    assert len(_segment_sizes(location)) <= 2
    with SearchEngine.open(str(location.root)) as engine:
        assert engine.search(Query("first", per_page=100)).total == 12 - 4
        assert engine.search(Query("second", per_page=100)).total == 4
        assert engine.search(Query("version", per_page=100)).total == 12


def test_a_stopped_merge_leaves_the_index_as_it_was(tmp_path):
    """A run's last commit stops a merge under way: its files go, the
    segments it was reading stay, and the index answers as before."""
    from foiasearch.index.backend import open_writer
    from foiasearch.index.whoosh.merging import BackgroundMerge

    location = IndexLocation(tmp_path / "ix")
    location.root.mkdir()
    location.open_store().close()
    writer = open_writer(location)
    for batch in range(4):
        for i in range(50):
            writer.replace(Document(kind="post", title=f"Post {batch}-{i}", id=f"{batch:03d}{i:02d}" * 4,
                                    paths=[f"p{batch}-{i}.html"], pages=[Page(1, f"county memo batch{batch}")]))
        writer.commit()
    writer._stop_merge()
    before = _segment_sizes(location)
    merge = BackgroundMerge.start(writer.ix, pick=lambda segments: segments)
    merge.stop()
    stopped = BackgroundMerge(writer.ix, pick=lambda segments: segments)
    stopped._stop.set()  # stopped before its first document: it must end there, not finish
    stopped._thread.start()
    with pytest.raises(Exception, match="stop"):
        stopped.wait()
    folder = tmp_path / "ix" / "whoosh"
    for ended in (merge, stopped):
        assert not [p for p in folder.iterdir() if p.name.startswith(ended.protected + ".")]
    assert not list(folder.glob("merge-*.tmp"))
    writer.close()
    assert _segment_sizes(location) == before
    with SearchEngine.open(str(location.root)) as engine:
        assert engine.search(Query("county", per_page=1000)).total == 200
