"""Query latency of two checkouts side by side, in one run: A and B take
turns (three rounds each), each in its own process on its own index of the
same documents, with bench/run.py's query mix (60 first-time texts, then
the same texts again; without and with facet counts).

    python bench/query_ab.py A_PYTHON A_ROOT A_INDEX B_PYTHON B_ROOT B_INDEX [--rounds 3]

A_PYTHON is the interpreter of a checkout's virtualenv (its editable
install maps foiasearch.* to that checkout), A_ROOT the checkout (for
bench.run), A_INDEX an index that checkout can read. Prints a Markdown
table of medians over the rounds, and B/A.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
from pathlib import Path

PROBE = """
import json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
from bench.run import query_latency
plain = query_latency(Path({index!r}), False)
faceted = query_latency(Path({index!r}), True)
print(json.dumps({{"plain": plain, "faceted": faceted}}))
"""
ROWS = [("no facets, first time p50", "plain", 0), ("no facets, first time p95", "plain", 1),
        ("no facets, repeated p50", "plain", 2), ("all facets, first time p50", "faceted", 0),
        ("all facets, first time p95", "faceted", 1), ("all facets, repeated p50", "faceted", 2)]


def probe(python: str, root: str, index: str) -> dict:
    out = subprocess.run([python, "-c", PROBE.format(root=root, index=index)], cwd=root,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for side in ("a", "b"):
        parser.add_argument(f"{side}_python")
        parser.add_argument(f"{side}_root")
        parser.add_argument(f"{side}_index")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"a": [], "b": []}
    for _ in range(args.rounds):
        for side in ("a", "b"):
            runs[side].append(probe(getattr(args, f"{side}_python"), str(Path(getattr(args, f"{side}_root"))),
                                    str(Path(getattr(args, f"{side}_index")))))
    print("| query latency (ms, median of rounds) | A | B | B/A |")
    print("|---|---|---|---|")
    for label, key, i in ROWS:
        a = statistics.median(r[key][i] for r in runs["a"])
        b = statistics.median(r[key][i] for r in runs["b"])
        print(f"| {label} | {a:.1f} | {b:.1f} | {b / a:.2f} |")


if __name__ == "__main__":
    main()
