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


def _tier(records: int) -> int:
    return int(math.log10(max(records, 1)) / math.log10(TIER_FACTOR))


def segments_to_merge(segments: list) -> list:
    """The segments worth merging now (Whoosh ``Segment`` objects)."""
    tiers: dict[int, list] = defaultdict(list)
    chosen = []
    for segment in segments:
        total = segment.doc_count_all()
        if total and segment.deleted_count() >= RECLAIM_SHARE * total:
            chosen.append(segment)
        else:
            tiers[_tier(total)].append(segment)
    for group in tiers.values():
        if len(group) >= TIER_FACTOR:
            chosen.extend(group)
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
