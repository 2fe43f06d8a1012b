"""Before and after, side by side in one run: the same measures of
bench/run.py for two checkouts (each with its own ``.venv``), on one
synthetic corpus, alternating between them round by round so that both see
the same machine load. Prints a Markdown table with the ratio after/before.

    git worktree add /tmp/before <commit>  &&  (cd /tmp/before && python3 -m venv .venv \\
        && .venv/bin/pip install -q -e .)
    python bench/compare.py /tmp/before . --docs 2000 --rounds 3

Each checkout measures itself with its own bench/run.py functions
(query_latency, cli_query_seconds, web_throughput), in its own
interpreter, on an index it built itself.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gen_corpus import generate  # noqa: E402

# Run inside a checkout's interpreter: prints one JSON object.
PROBE = """
import json, sys
from pathlib import Path
sys.path.insert(0, {tree!r})
import bench.run as run
index = Path({index!r})
what = {what!r}
if what == "index":  # wall s, peak RSS KiB, CPU s (GNU time: the process tree)
    import subprocess, time
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%M %U %S", *run.FOIASEARCH, "index", {corpus!r},
                           "--index", str(index), "-q"], cwd=run.ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, check=True)
    rss, user, system = done.stderr.strip().splitlines()[-1].split()
    print(json.dumps([time.perf_counter() - started, int(rss), float(user) + float(system)]))
elif what == "query":
    print(json.dumps([run.query_latency(index, facets=False), run.query_latency(index, facets=True)]))
elif what == "query-cpu":
    # CPU seconds, not wall: on a shared machine wall time is mostly waiting for a core.
    import statistics, time
    try:
        from foiasearch.search.api import Query, open_backend
    except ImportError:  # a checkout from before the search API
        from foiasearch.search.query import Query
        from foiasearch.search.engine import SearchEngine as _Engine
        open_backend = lambda path: _Engine.open(str(path))
    engine = open_backend(index)
    found = []
    for facets in (False, True):
        engine.search(Query("warmup"), facets=facets)
        texts = run.distinct_queries()
        texts = [f"{{t}} OR agency" for t in texts] if facets else texts
        for _ in ("first time", "repeated text"):
            spent = []
            for text in texts:
                started = time.process_time()
                engine.search(Query(text), facets=facets)
                spent.append((time.process_time() - started) * 1000)
            found.append(statistics.median(spent))
    print(json.dumps(found))
elif what == "cli":
    print(json.dumps(run.cli_query_seconds(index)))
elif what == "web":
    from bench.web_load import drive
    print(json.dumps(drive(index, run.web_paths(index), workers=2, clients=8, seconds={seconds})))
"""


def probe(tree: Path, what: str, index: Path, corpus: Path, seconds: int = 10):
    python = tree / ".venv" / "bin" / "python"
    code = PROBE.format(tree=str(tree), index=str(index), what=what, corpus=str(corpus), seconds=seconds)
    done = subprocess.run([str(python), "-c", code], cwd=tree, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{tree}: {what} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def recoll_first_index(corpus: Path, work: Path) -> tuple[float, float] | None:
    """(wall s, CPU s) of recollindex's first index of ``corpus``, or None without recoll."""
    if not shutil.which("recollindex"):
        return None
    conf = work / "recoll"
    shutil.rmtree(conf, ignore_errors=True)
    conf.mkdir(parents=True)
    # idxniceprio: recollindex lowers its own priority to 19 by default; on a shared
    # machine that measured the load, not recoll (one first index of 2,000 files took 14 min).
    (conf / "recoll.conf").write_text(f"topdirs = {corpus}\nloglevel = 1\nidxniceprio = 0\n")
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "%U %S", "recollindex", "-c", str(conf)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=True)
    user, system = done.stderr.strip().splitlines()[-1].split()
    return time.perf_counter() - started, float(user) + float(system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--docs", default="2000", help="documents per synthetic corpus; several: 2000,20000 "
                                                         "(one table each, in one run)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--web-seconds", type=int, default=10, help="0: no web row")
    parser.add_argument("--index-only", action="store_true", help="only the first-index rows (no query, CLI, web)")
    parser.add_argument("--no-recoll", dest="recoll", action="store_false",
                        help="no recollindex rows (they need Debian's recollcmd)")
    parser.add_argument("--work", type=Path, help="corpus and indexes here (default: a new temporary folder)")
    parser.add_argument("--only", choices=["query", "query-cpu", "cli", "web"],
                        help="just this measure, both checkouts on the same indexes (the 'before' ones kept "
                             "in --work by an earlier run)")
    args = parser.parse_args()
    scales = [int(n) for n in str(args.docs).split(",") if n]
    base = args.work or Path(tempfile.mkdtemp(prefix="foiasearch-compare-"))
    for docs in scales:
        args.docs = docs
        compare(args, base / f"synthetic-{docs}" if len(scales) > 1 else base)


def compare(args, work: Path) -> None:
    """Every measure for both checkouts on one corpus of ``args.docs`` documents; prints the table."""
    trees = {"before": args.before.resolve(), "after": args.after.resolve()}
    corpus = work / "corpus"
    if not corpus.exists():
        releases = args.docs // 20
        generate(corpus, args.docs - releases, releases, 10, seed=1)
    found: dict[str, dict[str, list]] = {name: {} for name in trees}
    if args.only:
        # Both checkouts search the same index: segment counts depend on commit
        # timing, and a search costs more over more segments.
        kept = sorted(work.glob("ix-before-*"))
        for round_ in range(args.rounds):
            index = kept[round_ % len(kept)]
            for name, tree in trees.items():
                measured = probe(tree, args.only, index, corpus, args.web_seconds)
                rows = found[name]
                if args.only == "web":
                    rows.setdefault("web search page, 2 workers, 8 clients (req/s)", []).append(measured["rps"])
                    rows.setdefault("web latency p50 (ms)", []).append(measured["p50"])
                    rows.setdefault("web latency p99 (ms)", []).append(measured["p99"])
                elif args.only == "query-cpu":
                    labels = ("no facets, first time", "no facets, repeated text", "all facets, first time",
                              "all facets, repeated text")
                    for label, value in zip(labels, measured):
                        rows.setdefault(f"query CPU p50, {label} (ms)", []).append(value)
                elif args.only == "cli":
                    rows.setdefault("one CLI search, process start included (ms)", []).append(1000 * measured)
                else:
                    for label, values in zip(("no facets", "all facets"), measured):
                        rows.setdefault(f"query p50, {label}, first time (ms)", []).append(values[0])
                        rows.setdefault(f"query p95, {label}, first time (ms)", []).append(values[1])
                        rows.setdefault(f"query p50, {label}, repeated text (ms)", []).append(values[2])
        report(args, trees, found)
        return
    for round_ in range(args.rounds):
        for name, tree in trees.items():  # alternate: both see the same load
            index = work / f"ix-{name}-{round_}"
            shutil.rmtree(index, ignore_errors=True)  # a first index: not a run over one a kept --work holds
            seconds, rss, cpu = probe(tree, "index", index, corpus)
            rows = found[name]
            rows.setdefault("first index (s)", []).append(seconds)
            rows.setdefault("first index CPU, all processes (s)", []).append(cpu)
            recoll = recoll_first_index(corpus, work) if args.recoll else None
            if recoll:  # right after this tree's run, so that both see about the same load
                rows.setdefault("recollindex first index, same round (s)", []).append(recoll[0])
                rows.setdefault("first index / recollindex's, wall", []).append(seconds / recoll[0])
                rows.setdefault("first index / recollindex's, CPU", []).append(cpu / max(recoll[1], 0.01))
            rows.setdefault("indexer peak RSS (MB)", []).append(rss / 1024)
            if args.index_only:
                continue
            plain, faceted = probe(tree, "query", index, corpus)
            rows.setdefault("query p50, no facets, first time (ms)", []).append(plain[0])
            rows.setdefault("query p95, no facets, first time (ms)", []).append(plain[1])
            rows.setdefault("query p50, all facets, first time (ms)", []).append(faceted[0])
            rows.setdefault("query p95, all facets, first time (ms)", []).append(faceted[1])
            rows.setdefault("query p50, all facets, repeated text (ms)", []).append(faceted[2])
            rows.setdefault("one CLI search, process start included (ms)", []).append(
                1000 * probe(tree, "cli", index, corpus))
            if args.web_seconds:
                web = probe(tree, "web", index, corpus, args.web_seconds)
                rows.setdefault("web search page, 2 workers, 8 clients (req/s)", []).append(web["rps"])
                rows.setdefault("web latency p50 (ms)", []).append(web["p50"])
    report(args, trees, found)


def report(args, trees: dict[str, Path], found: dict[str, dict[str, list]]) -> None:
    print(f"{args.docs} synthetic documents, {args.rounds} rounds alternating before/after; medians")
    print(f"before: {trees['before']}\nafter: {trees['after']}\n")
    print("| measure | before | after | after/before |")
    print("|---|---|---|---|")
    for measure, values in found["before"].items():
        old, new = statistics.median(values), statistics.median(found["after"][measure])
        digits = 2 if max(old, new) < 10 else 1
        print(f"| {measure} | {old:.{digits}f} | {new:.{digits}f} | {new / old if old else float('nan'):.2f} |")


if __name__ == "__main__":
    main()
