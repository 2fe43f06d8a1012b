"""Which single steps of a search run past its time budget: the longest
stretch of CPU time between two budget checks (search.budget.check), per
query text, over the hostile sweep's query texts (bench.hostile) and a list
of heavy ones (long phrases with slop, many-term ORs, fuzzy words, ranges,
a lone ``*``, deep nesting).

A search is stopped only at a check, so a step longer than the gap left in
its budget makes the answer late by that much. Each text is searched as the
site does (facets, suggestion, the exemption page counts), without a budget
so that every step runs whole; the first text without results pays for the
speller's vocabulary.

    python -m bench.budget_gaps --index /tmp/foiasearch-web-bench --top 10

Prints one line per text, the longest gaps first: the gap, the text's whole
CPU time, the text, and where the step ended (the calls that checked next).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from pathlib import Path

from werkzeug.datastructures import MultiDict

from bench.hostile import WORDS, query_texts
from foiasearch.search import budget
from foiasearch.search.api import Query, QueryError, open_backend
from foiasearch.web.state import SearchState


def heavy_texts(seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    word = lambda: rng.choice(WORDS)  # noqa: E731
    return [
        '"' + " ".join(word() for _ in range(40)) + '"~50',
        " OR ".join(f'"{word()} {word()} {word()}"~50' for _ in range(20)),
        " OR ".join(word() + str(i % 3 or "") for i in range(300)),
        " ".join(WORDS * 20),
        " ".join("NOT " + w for w in WORDS * 10),
        " OR ".join(w + "~2" for w in (WORDS + WORDS)[:12]),
        "content:[a TO z]",
        " OR ".join(f"year:[{1000 + i} TO {3000 - i}]" for i in range(12)),
        "*", "* OR * OR *", "* NOT detainer",
        "(" * 500 + "detainer" + ")" * 500,
        "detainer~" * 40,
    ]


class GapMeter:
    """Wraps search.budget.check to record the longest CPU stretch between calls."""

    def __init__(self) -> None:
        self.original = budget.check
        self.last = time.process_time()
        self.longest = (0.0, "")

    def __call__(self) -> None:
        now = time.process_time()
        if now - self.last > self.longest[0]:
            where = traceback.extract_stack(limit=5)[:-1][::-1]
            self.longest = (now - self.last, " < ".join(f"{f.name}:{f.lineno}" for f in where))
        self.last = now
        self.original()

    def reset(self) -> None:
        self.last, self.longest = time.process_time(), (0.0, "")


def _install(meter: GapMeter) -> None:
    """Put ``meter`` wherever the engine's modules hold search.budget.check
    (through the module, or imported under another name)."""
    for name, module in list(sys.modules.items()):
        if name.startswith("foiasearch.") and module is not None:
            for attr, value in list(vars(module).items()):
                if value is meter.original:
                    setattr(module, attr, meter)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--top", type=int, default=10)
    args = parser.parse_args()
    meter = GapMeter()
    rows = []
    with open_backend(args.index) as backend:
        backend.search(Query("detainer"))  # opened and warm: the view is not what is measured
        _install(meter)
        for text in heavy_texts() + query_texts(random.Random(17)):
            try:
                query = SearchState.from_args(MultiDict({"q": text[:1999]})).query
            except QueryError:
                continue
            meter.reset()
            started = time.process_time()
            try:
                backend.search(query, facets=True, suggest=True)
                meter()
                backend.page_counts(query)
                meter()
            except QueryError:
                pass
            rows.append((meter.longest[0], time.process_time() - started, text[:50], meter.longest[1]))
    rows.sort(reverse=True)
    print(f"{len(rows)} query texts; longest CPU stretch between budget checks:")
    for gap, cpu, text, where in rows[:args.top]:
        print(f"  {gap:.3f} s  (text {cpu:.2f} s CPU)  {text!r}  before {where}")


if __name__ == "__main__":
    main()
