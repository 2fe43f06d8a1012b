"""How segments are merged when the indexer commits.

The indexer commits every few seconds (a crash loses at most that much
work), so a run of 20,000 files writes dozens of small segments. Whoosh's
default policy (MERGE_SMALL) then merges *every* segment into one each time
about sixteen have piled up: at 20,000 files that rewrote the whole index
twice, in commits of 35-40 s during which no file was indexed, and the
cost grows with the square of the corpus.

Here segments are merged by tiers of size, as log-structured merge trees
do: ten segments of about the same size (the same power of ten, counted in
records) are merged into one of the next size, so every record is
rewritten about log10(records / records per commit) times, and there are at
most nine segments per tier. Segments that have lost a third of their
records to deletions are merged as well, to give the space back.

>>> class Seg:
...     def __init__(self, n, deleted=0): self.n, self.d = n, deleted
...     def doc_count_all(self): return self.n
...     def deleted_count(self): return self.d
...     def __repr__(self): return f"Seg({self.n})"
>>> segments = [Seg(5000), *[Seg(400) for _ in range(10)], Seg(300, deleted=200)]
>>> sorted(s.n for s in segments_to_merge(segments))
[300, 400, 400, 400, 400, 400, 400, 400, 400, 400, 400]
>>> segments_to_merge([Seg(5000), Seg(400), Seg(420)])
[]
"""

from __future__ import annotations

import math
import secrets
import shutil
import threading
from collections import defaultdict
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

TIER_FACTOR = 10  # segments per tier before they merge; also the size ratio between tiers
RECLAIM_SHARE = 1 / 3  # merge a segment once this share of its records is deleted
# No merge takes more records than this. Merging goes at about 2,000
# records/s on a 2-core machine, and a run's last commit waits for the
# merge under way: uncapped, the tier of 10,000-record segments made one
# merge of 275 s at 100,000 documents (issue 18). Past the cap, segments
# stay as they are: a large index has about one segment per
# MAX_MERGE_RECORDS records, which searches still read in one pass each.
MAX_MERGE_RECORDS = 10_000


def _tier(records: int) -> int:
    return int(math.log10(max(records, 1)) / math.log10(TIER_FACTOR))


def segments_to_merge(segments: list, budget: int = MAX_MERGE_RECORDS) -> list:
    """The segments worth merging now (Whoosh ``Segment`` objects), at most
    ``budget`` records in all.

    >>> class Seg:
    ...     def __init__(self, n): self.n = n
    ...     def doc_count_all(self): return self.n
    ...     def deleted_count(self): return 0
    >>> len(segments_to_merge([Seg(4000) for _ in range(10)]))  # two fit under the cap
    2
    """
    tiers: dict[int, list] = defaultdict(list)
    chosen = []
    for segment in segments:
        total, deleted = segment.doc_count_all(), segment.deleted_count()
        if total and deleted >= RECLAIM_SHARE * total and total - deleted <= budget:
            chosen.append(segment)
            budget -= total - deleted
        else:
            tiers[_tier(total)].append(segment)
    for tier in sorted(tiers):
        group = sorted(tiers[tier], key=lambda s: s.doc_count_all())
        if len(group) < TIER_FACTOR:
            continue
        taken, size = [], 0
        for segment in group:
            if size + segment.doc_count_all() > budget:
                break
            taken.append(segment)
            size += segment.doc_count_all()
        if len(taken) >= 2:
            chosen.extend(taken)
            budget -= size
    return chosen


class BackgroundMerge:
    """One merge written beside the index's writer, without its lock.

    Whoosh merges inside a writer, which holds the index's write lock: a
    merge of 10,000 records held every commit for 20-160 s at 100,000
    documents while extracted documents piled up in memory (issue 18).
    Here a writer of our own (no lock, temporary files of its own) reads the
    chosen segments as the table of contents showed them when it started,
    and writes the merged segment in a thread. Nothing is visible until the
    indexer's next commit swaps it in (:meth:`swap`, a Whoosh merge policy):
    commits go on meanwhile, and the records they delete from the segments
    being merged are deleted from the merged one as well.

    Crash safety: until a commit's table of contents names it, the merged
    segment is a set of unreferenced files, which Whoosh's next commit
    deletes (``protected`` keeps them alive while the merge runs).

    >>> import tempfile
    >>> from whoosh import fields, index
    >>> ix = index.create_in(tempfile.mkdtemp(), fields.Schema(id=fields.ID(stored=True)))
    >>> for n in range(3):
    ...     w = ix.writer(); w.add_document(id=str(n)); w.commit(merge=False)
    >>> merge = BackgroundMerge.start(ix, pick=lambda segments: segments)
    >>> merge.wait()
    >>> w = ix.writer(); _ = w.delete_by_term("id", "1"); w.commit(mergetype=merge.swap)
    >>> [len(ix._segments()), ix.doc_count()]
    [1, 2]
    """

    def __init__(self, ix, pick) -> None:
        from whoosh.index import FileIndex

        from foiasearch.index.whoosh.leanwriter import LeanSegmentWriter

        self.error: BaseException | None = None
        self.segment = None  # the merged segment, once written
        # Every Whoosh writer keeps its temporary files (posting runs,
        # columns) in "<index>.tmp" and deletes that folder when it ends:
        # the indexer's writer would delete this one's. The merge reads and
        # writes the same folder through a storage whose temporary folder is
        # its own.
        storage = _MergeStorage(ix.storage.folder)
        own = FileIndex(storage, schema=ix.schema, indexname=ix.indexname)
        self._writer = LeanSegmentWriter(own, _lk=False, limitmb=_POOL_MB)
        self.merging = list(pick(self._writer.segments))  # as the TOC showed them: deletions included
        self.protected = self._writer.newsegment.segment_id()
        self._thread = threading.Thread(target=self._run, name="whoosh-merge", daemon=True)
        self._stop = threading.Event()

    @classmethod
    def start(cls, ix, pick=segments_to_merge) -> "BackgroundMerge | None":
        """A merge of the segments ``pick`` chooses, under way; None when it chooses none."""
        merge = cls(ix, pick)
        if not merge.merging:
            merge._discard()
            return None
        merge._thread.start()
        return merge

    def _run(self) -> None:
        from whoosh.reading import SegmentReader

        writer = self._writer
        try:
            # The loops of a merge go through these iterators: stop() ends
            # it within one document or one term's postings (a merge adds
            # only readers: its pool stays empty).
            writer.wrap_postings = _stoppable(iter, self._stop)  # each segment's postings
            readers = []
            try:
                for segment in self.merging:
                    reader = SegmentReader(writer.storage, writer.schema, segment)
                    readers.append(reader)
                    reader.iter_docs = _stoppable(reader.iter_docs, self._stop)
                    writer.add_reader(reader)
                # The lean writer reads the segments' postings at the flush: readers open until then.
                self.segment = writer._finalize_segment()
            finally:
                for reader in readers:
                    reader.close()
            writer._tempstorage.destroy()
            writer.is_closed = True
        except BaseException as error:  # raised by wait(), in the indexer's thread
            self.error = error
            self._discard()

    def running(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        """End the merge now and delete what it wrote (the segments stay as they are)."""
        self._stop.set()
        self.discard()

    def wait(self) -> None:
        """Wait for the merge to end; raises what it raised."""
        if self._thread.ident is not None:
            self._thread.join()
        if self.error is not None:
            raise self.error

    def _discard(self) -> None:
        writer = self._writer
        writer._close_readers()  # those closed while the lean writer waited for its flush
        if not writer.is_closed:
            writer.is_closed = True
            try:
                writer._close_segment()
            finally:
                writer._tempstorage.destroy()
        prefix = self.protected + "."
        for name in list(writer.storage.list()):
            if name.startswith(prefix):
                try:
                    writer.storage.delete_file(name)
                except OSError:
                    pass
        self.segment = None

    def discard(self) -> None:
        """Drop the merge's segment (its files) once it ends, as when it cannot be swapped in."""
        if self._thread.ident is not None:
            self._thread.join()
        self._discard()

    def swap(self, writer, segments: list) -> list:
        """A Whoosh merge policy for the indexer's commit: ``segments`` (the
        writer's, with its deletions) without the merged ones, plus the merged
        segment carrying the deletions made since the merge began. Merged
        segments the writer no longer has (cannot happen with one writer)
        leave everything as it is."""
        current = {s.segment_id(): s for s in segments}
        if self.segment is None or any(s.segment_id() not in current for s in self.merging):
            return segments
        merged, number = self.segment, 0
        for before in self.merging:
            now = current[before.segment_id()]
            changed = now.deleted_count() != before.deleted_count()
            for docnum in range(before.doc_count_all()):
                if before.is_deleted(docnum):
                    continue  # not copied: the merged segment has no number for it
                if changed and now.is_deleted(docnum):
                    merged.delete_document(number)
                number += 1
        gone = {s.segment_id() for s in self.merging}
        kept = [s for s in segments if s.segment_id() not in gone]
        if merged.doc_count_all() > merged.deleted_count():
            kept.append(merged)  # else (every record deleted) its files go with the next clean-up
        return kept


_POOL_MB = 32  # the merge's posting pool spills sorted runs to disk past this
TEMPORARY_PREFIX = "merge-"


class _Stopped(Exception):
    """A merge ended by BackgroundMerge.stop()."""

    def __init__(self) -> None:
        super().__init__("merge stopped")


def _stoppable(iterate, stop: threading.Event):
    def checked(*args, **kwargs):
        for item in iterate(*args, **kwargs):
            if stop.is_set():
                raise _Stopped()
            yield item
    return checked


class _MergeStorage(FileStorage):
    """The index's folder, with a temporary folder of the merge's own."""

    def __init__(self, folder: str) -> None:
        super().__init__(folder)
        self._temporary = f"{TEMPORARY_PREFIX}{secrets.token_hex(8)}.tmp"

    def temp_storage(self, name=None):
        return super().temp_storage(self._temporary)


def remove_leftovers(folder: str) -> None:
    """Delete the temporary folders of merges a killed run left behind
    (call while holding the index's write lock, no merge running)."""
    for path in Path(folder).glob(f"{TEMPORARY_PREFIX}*.tmp"):
        shutil.rmtree(path, ignore_errors=True)
