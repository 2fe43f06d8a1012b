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
from collections import defaultdict

TIER_FACTOR = 10  # segments per tier before they merge; also the size ratio between tiers
RECLAIM_SHARE = 1 / 3  # merge a segment once this share of its records is deleted
# No commit merges more records than this. A merge runs inside the commit,
# and nothing is indexed meanwhile: uncapped, the tier of 10,000-record
# segments made one commit of 275 s at 100,000 documents (issue 18), and
# merging went on at about 2,000 records/s on this 2-core machine. Past the
# cap, segments stay as they are: a large index has about one segment per
# MAX_MERGE_RECORDS records, which searches still read in one pass each.
MAX_MERGE_RECORDS = 10_000


def _tier(records: int) -> int:
    return int(math.log10(max(records, 1)) / math.log10(TIER_FACTOR))


def segments_to_merge(segments: list) -> list:
    """The segments worth merging now (Whoosh ``Segment`` objects), at most
    MAX_MERGE_RECORDS records in all.

    >>> class Seg:
    ...     def __init__(self, n): self.n = n
    ...     def doc_count_all(self): return self.n
    ...     def deleted_count(self): return 0
    >>> len(segments_to_merge([Seg(4000) for _ in range(10)]))  # two fit under the cap
    2
    """
    tiers: dict[int, list] = defaultdict(list)
    chosen = []
    budget = MAX_MERGE_RECORDS
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


def merge_tiered(writer, segments: list) -> list:
    """A Whoosh merge policy (``writer.commit(mergetype=merge_tiered)``):
    adds the segments chosen by :func:`segments_to_merge` to the writer's
    new segment and returns the ones kept as they are."""
    from whoosh.reading import SegmentReader

    merging = segments_to_merge(segments)
    if not merging:
        return segments
    for segment in merging:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    chosen = {id(s) for s in merging}
    return [s for s in segments if id(s) not in chosen]
