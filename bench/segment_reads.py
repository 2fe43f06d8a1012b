"""Segment files read in place (index.whoosh.segmentfiles) against Whoosh's
own BytesIO copies, in one process: the rounds alternate the two, each
opening a fresh engine on INDEX, searching once to warm up, then timing new
texts (bench.run's distinct queries, made new per round and side). Prints
the CPU to open (and load the view) and the median per-search CPU of each side.

    .venv/bin/python bench/segment_reads.py IX20K --rounds 8
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import distinct_queries  # noqa: E402
from foiasearch.index.whoosh import segmentfiles  # noqa: E402
from foiasearch.search.api import Query, open_backend  # noqa: E402

SIDES = {"in place": True, "BytesIO copy": False}  # side -> segmentfiles.read_in_place(...)


def one_pass(index: Path, texts: list[str]) -> tuple[float, list[float]]:
    """CPU ms to open and run the first search, and of each later search."""
    started = time.process_time()
    engine = open_backend(index)
    engine.search(Query("warmup"))
    opened = (time.process_time() - started) * 1000
    times = []
    for text in texts:
        started = time.process_time()
        engine.search(Query(text))
        times.append((time.process_time() - started) * 1000)
    engine.close()
    return opened, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--texts", type=int, default=40)
    args = parser.parse_args()
    found: dict[str, list[tuple[float, float, float]]] = {side: [] for side in SIDES}
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for round_ in range(args.rounds):
        for side in list(SIDES)[round_ % 2:] + list(SIDES)[:round_ % 2]:
            segmentfiles.read_in_place(SIDES[side])
            # "OR" a word no document has: the same matches, a text neither side ran before
            texts = [f"{t} OR zz{round_}{len(side)}" for t in distinct_queries(args.texts)]
            opened, times = one_pass(args.index, texts)
            found[side].append((opened, statistics.median(times), sum(times)))
    segmentfiles.read_in_place(True)
    print(f"{args.rounds} rounds of {args.texts} new texts, sides alternating; medians over rounds, CPU ms")
    print("| side | open + first search | per-search p50 | all searches |")
    print("|---|---|---|---|")
    for side, rows in found.items():
        print(f"| {side} | {statistics.median(r[0] for r in rows):.1f} | {statistics.median(r[1] for r in rows):.2f} "
              f"| {statistics.median(r[2] for r in rows):.0f} |")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
