"""Query latency of several checkouts side by side, in one run: the sides
take turns (the order rotates every round), each in its own process on its
own index of the same documents, with bench/run.py's procedure and query
mix: a fresh engine per pass, one warm-up search, 60 texts never run
before ("first time"), then the same texts again ("repeated"), once
without facets and once with every facet counted (on ``TEXT OR agency``,
so that those texts are new too). Each search is timed in CPU
(``time.process_time``) and wall time (``time.perf_counter``).

    python bench/query_ab.py NAME:PYTHON:ROOT:INDEX NAME:PYTHON:ROOT:INDEX [...] [--rounds 10] [--json FILE]

PYTHON is the interpreter of a checkout's virtualenv (its editable install
maps foiasearch.* to that checkout), ROOT the checkout, INDEX an index that
checkout can read (give each side its own copy: a side may rewrite the
index's cache folder). Checkouts from before search/api.py are driven
through their search.engine. The first side is the reference: the tables
give each side's median over the rounds of its per-round p50 and p95, and
each later side's ratio to the first (and to the second, with three or
more sides); then the named texts (``detention``, the corpus's most frequent
word, and the phrase ``"secure communities"``) one by one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.run import distinct_queries  # noqa: E402

NAMED = ["detention", '"secure communities"']
PROBE = r"""
import json, sys, time
from pathlib import Path
try:
    from foiasearch.search.api import Query, open_backend
except ImportError:  # a checkout from before search/api.py
    from foiasearch.search.query import Query
    from foiasearch.search.engine import SearchEngine
    open_backend = lambda path: SearchEngine.open(str(path))
texts = json.loads(sys.argv[2])
out = {}
for facets in (False, True):
    engine = open_backend(Path(sys.argv[1]))
    wall, cpu = time.perf_counter(), time.process_time()
    engine.search(Query("warmup"), facets=facets)
    out[f"open-{int(facets)}"] = [(time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000]
    pass_texts = [f"{t} OR agency" for t in texts] if facets else texts
    for phase in ("first", "repeated"):
        times = []
        for text in pass_texts:
            wall, cpu = time.perf_counter(), time.process_time()
            found = engine.search(Query(text), facets=facets)
            times.append([(time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000,
                          int(getattr(found, "total", 0) or 0)])
        out[f"{int(facets)}-{phase}"] = times
    engine.close()
print(json.dumps(out))
"""
PASSES = [("0-first", "no facets, first time"), ("0-repeated", "no facets, repeated"),
          ("1-first", "all facets, first time"), ("1-repeated", "all facets, repeated")]


def percentile(values: list[float], q: float) -> float:
    """bench/run.py's percentile: the value at rank round(q * (n - 1))."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def probe(python: str, root: str, index: str, texts: list[str]) -> dict:
    done = subprocess.run([python, "-c", PROBE, index, json.dumps(texts)], cwd=root, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{root}: the probe failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _number(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def table(names: list[str], rows: list[tuple[str, dict[str, float]]]) -> list[str]:
    """Markdown: one column per side, then each later side against the first (and second)."""
    bases = names[:2] if len(names) > 2 else names[:1]
    ratios = [(n, b) for n in names[1:] for b in bases if b != n]
    lines = ["| ms | " + " | ".join(names) + " | " + " | ".join(f"{n}/{b}" for n, b in ratios) + " |",
             "|---" * (1 + len(names) + len(ratios)) + "|"]
    for label, values in rows:
        lines.append(f"| {label} | " + " | ".join(_number(values[n]) for n in names) + " | "
                     + " | ".join(f"{values[n] / values[b]:.2f}" for n, b in ratios) + " |")
    return lines


def report(names: list[str], runs: dict[str, list[dict]], texts: list[str]) -> list[str]:
    def over_rounds(name: str, pick) -> float:
        return statistics.median(pick(r) for r in runs[name])

    out = []
    for clock, label in ((1, "CPU"), (0, "wall")):
        rows = []
        for key, what in PASSES:
            for q in (0.5, 0.95):
                rows.append((f"{what}, {label} p{int(q * 100)}", {
                    n: over_rounds(n, lambda r: percentile([t[clock] for t in r[key]], q)) for n in names}))
        for facets in (0, 1):
            rows.append((f"first search after open ({'all facets' if facets else 'no facets'}), {label}",
                         {n: over_rounds(n, lambda r: r[f"open-{facets}"][clock]) for n in names}))
        out += [f"**{label} time**, median of {len(runs[names[0]])} rounds", ""] + table(names, rows) + [""]
    rows = []
    for text in NAMED:
        i = texts.index(text)
        for key, what in PASSES:
            shown = text if key.startswith("0") else f"{text} OR agency"
            rows.append((f"`{shown}`, {what.split(', ')[1]}, CPU",
                         {n: over_rounds(n, lambda r: r[key][i][1]) for n in names}))
    out += ["**Named texts**, CPU time, median of the rounds", ""] + table(names, rows) + [""]
    out += slower_texts(names, runs, texts) + [""]
    for key, what in PASSES[::2]:
        out.append(f"hits summed over the {what.split(',')[0]} texts: "
                   + ", ".join(f"{n} {sum(t[2] for t in runs[n][0][key])}" for n in names))
    return out


def slower_texts(names: list[str], runs: dict[str, list[dict]], texts: list[str], margin: float = 1.05) -> list[str]:
    """Per later side and pass: the texts whose median CPU time over the
    rounds is more than ``margin`` times the first side's (and the second's,
    with three or more sides), worst first."""
    lines = []
    pairs = [(n, b) for n in names[1:] for b in (names[:2] if len(names) > 2 else names[:1]) if b != n]
    for name, base in pairs:
        for key, what in PASSES:
            def cpu(side: str, i: int) -> float:
                return statistics.median(r[key][i][1] for r in runs[side])
            ratios = sorted(((cpu(name, i) / cpu(base, i), i) for i in range(len(texts))), reverse=True)
            suffix = " OR agency" if key.startswith("1") else ""
            slower = [(ratio, texts[i] + suffix) for ratio, i in ratios if ratio > margin]
            shown = ", ".join(f"`{text}` {ratio:.2f}x" for ratio, text in slower[:5])
            lines.append(f"- {name} against {base}, {what}: {len(slower)} of {len(texts)} texts more than "
                         f"{(margin - 1) * 100:.0f} % slower (CPU){': ' + shown if shown else ''}; "
                         f"the worst ratio {ratios[0][0]:.2f}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sides", nargs="+", metavar="NAME:PYTHON:ROOT:INDEX")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write every timing here")
    args = parser.parse_args()
    sides = {}
    for side in args.sides:
        parts = side.split(":")
        if len(parts) != 4 or not all(parts):
            parser.error(f"a side is NAME:PYTHON:ROOT:INDEX, not {side!r}")
        sides[parts[0]] = parts[1:]
    if len(sides) < 2:
        parser.error("give at least two sides, with different names")
    names = list(sides)
    texts = distinct_queries()
    runs: dict[str, list[dict]] = {n: [] for n in names}
    loads = [os.getloadavg()[0]]
    started = time.time()
    for round_ in range(args.rounds):
        order = names[round_ % len(names):] + names[:round_ % len(names)]  # who goes first rotates
        for name in order:
            python, root, index = sides[name]
            runs[name].append(probe(python, root, index, texts))
        loads.append(os.getloadavg()[0])
        print(f"round {round_ + 1}/{args.rounds} done, load {loads[-1]:.1f}", file=sys.stderr, flush=True)
        if args.json:
            args.json.write_text(json.dumps({"texts": texts, "runs": runs, "loads": loads}))
    print(f"{args.rounds} rounds, sides alternating, {time.time() - started:.0f} s; 1-minute load average "
          f"{min(loads):.1f} to {max(loads):.1f} (median {statistics.median(loads):.1f}); per round the p50 "
          f"and p95 over {len(texts)} texts\n")
    print("\n".join(report(names, runs, texts)))


if __name__ == "__main__":
    main()
