"""The PostgreSQL backend of two checkouts, before and after, in one run on
one throwaway server: the first index of the same corpus by each (wall,
the indexer's CPU (``client``: the indexer and its extraction workers;
``main``: the indexer's own process) and the server's CPU), then query latency rounds that
alternate the sides (the order rotates each round), each side on the
database it indexed, with bench/run.py's first-time texts: p50/p95 wall of
plain searches and of searches with every facet counted (``TEXT OR
agency``), then the faceted texts again (repeated), and the searching
process's CPU per query; "faceted, new backend" times the faceted texts in
a process of their own first, as bench/run.py does (every word's matches
read anew).

    python bench/pg_compare.py --side before:PYTHON:ROOT --side after:PYTHON:ROOT --corpus DIR [--rounds 3]
        [--index-rounds N] [--index-only]

``--index-rounds N`` indexes the corpus N times per side, the sides taking
turns (the order rotates each round), each time into a new database; the
table gives the median of each side's runs and the ratio of the medians.
``--same`` first checks that every side gives the same answers on its
database: totals, hit ids in order, every facet's values and counts and
the exemption page counts of the plain and faceted texts, with facet
selections and a hidden collection taken from the index's own values.
``--index-only`` leaves out the query rounds. ``--database URL`` (no
``--corpus``) skips the server and the indexing: every side queries that
existing database (sides of one schema version; e.g. an index of 100,000
documents built once and kept); ``--data DIR``, its server's data folder,
adds the server's CPU per query (its processes', from /proc: the searches'
connections, and whatever else the server did meanwhile).

PYTHON is the interpreter of a checkout's virtualenv (its editable install
maps foiasearch.* to that checkout), ROOT the checkout. The server's CPU is
what its postmaster's finished children used (every connection's backend
is one), read from /proc: Linux only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg_scale import SHARED_BUFFERS  # noqa: E402
from bench.run import distinct_queries, percentile  # noqa: E402

# The indexer's own process, apart from its extraction workers: its CPU
# seconds (threads included) go to stderr's last line when it exits.
INDEXER = r"""
import atexit, resource, runpy, sys
atexit.register(lambda: print(f"main-cpu {sum(resource.getrusage(resource.RUSAGE_SELF)[:2]):.3f}", file=sys.stderr))
sys.argv = ["foiasearch", *sys.argv[1:]]
runpy.run_module("foiasearch", run_name="__main__")
"""

PROBE = r"""
import json, os, sys, time
from foiasearch.search.api import Query, open_backend
texts, out = json.loads(sys.argv[2]), {}
postmaster = int(open(sys.argv[3]).read().split()[0]) if len(sys.argv) > 3 else None  # its postmaster.pid


def server_cpu():
    # CPU seconds of the server so far: the postmaster, its live children (this probe's
    # connections among them) and its finished children (Linux /proc; 0 without --data).
    if postmaster is None:
        return 0.0
    ticks = 0
    for pid in os.listdir("/proc"):
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or gone meanwhile
        if pid.isdigit() and (int(pid) == postmaster or int(fields[1]) == postmaster):
            ticks += sum(int(fields[i]) for i in ((11, 12, 13, 14) if int(pid) == postmaster else (11, 12)))
    return ticks / os.sysconf("SC_CLK_TCK")


faceted = [f"{t} OR agency" for t in texts]
# "faceted, new backend": the faceted texts first in a backend of their own, as bench/run.py
# times them (no word's matches read yet in this process); then the other three in one backend.
for runs in ((("faceted, new backend", True, faceted),),
             (("plain", False, texts), ("faceted", True, faceted), ("faceted again", True, faceted))):
    with open_backend(sys.argv[1]) as backend:
        backend.search(Query("warmup"), facets=True)
        if hasattr(backend, "_numbers"):  # a site worker's arrays, read once per commit: read before timing
            backend._numbers(wait=True)
        for key, facets, shown in runs:
            times, cpu, server = [], time.process_time(), server_cpu()
            for text in shown:
                started = time.perf_counter()
                backend.search(Query(text), facets=facets)
                times.append((time.perf_counter() - started) * 1000)
            out[key] = times
            out[f"{key} cpu"] = (time.process_time() - cpu) * 1000 / len(shown)
            out[f"{key} server cpu"] = (server_cpu() - server) * 1000 / len(shown)
print(json.dumps(out))
"""


# Every answer a side gives to the bench texts, as JSON (``--same``).
ANSWERS = r"""
import json, sys
from foiasearch.search.api import Query, open_backend
texts, out = json.loads(sys.argv[2]), []
with open_backend(sys.argv[1]) as backend:
    front = backend.search(Query(""), facets=True, facet_limit=3).facets
    if hasattr(backend, "_numbers"):  # the worker's arrays (else the first searches count in SQL)
        backend._numbers(wait=True)
    picks = [{name: [front[name][0].value]} for name in ("tag", "actor", "year", "kind", "exemption") if front.get(name)]
    queries = [Query(t) for t in texts] + [Query(f"{t} OR agency") for t in texts] + [Query("", f) for f in picks]
    queries += [Query(t, f) for t in texts[:10] for f in picks] + [Query(texts[0], {**picks[0], **picks[-1]})]
    queries += [Query(t, hidden_collections=("nothing",)) for t in texts[:5]] + [Query(t, page=2) for t in texts[:5]]
    for query in queries:
        r = backend.search(query, facets=True)
        out.append({"query": repr(query), "total": r.total, "all_words": r.all_words_total,
                    "hits": [(h.id, h.matching_pages, h.snippet, h.missing) for h in r.hits],
                    "facets": {n: [(v.value, v.count, v.key, v.type) for v in vs] for n, vs in r.facets.items()},
                    "pages": backend.page_counts(query)})
print(json.dumps(out))
"""


def same_answers(sides: list[tuple[str, str, str]], urls: dict[str, str], texts: list[str]) -> None:
    """Print whether every side answers the bench queries as the first does."""
    answers = {}
    for name, python, root in sides:
        done = subprocess.run([python, "-c", ANSWERS, urls[name], json.dumps(texts)], cwd=root,
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{root}: the answers probe failed:\n{done.stderr[-3000:]}")
        answers[name] = json.loads(done.stdout.strip().splitlines()[-1])
    ref = sides[0][0]
    for name in answers:
        differ = [a["query"] for a, b in zip(answers[ref], answers[name]) if a != b]
        if len(answers[name]) != len(answers[ref]):
            differ.append(f"{len(answers[name])} answers against {len(answers[ref])}")
        print(f"same answers, {name} against {ref}: {len(answers[name]) - len(differ)} of {len(answers[name])} "
              f"queries identical" + (f"; differ: {differ[:5]}" if differ else ""), flush=True)


def server_cpu(data: Path) -> float:
    """CPU seconds of the server's finished children (connections' backends) and the postmaster."""
    pid = int((data / "postmaster.pid").read_text().split()[0])
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def index_once(python: str, root: str, corpus: Path, url: str, data: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    server = server_cpu(data)
    started = time.perf_counter()
    done = subprocess.run([python, "-c", INDEXER, "index", str(corpus), "--index", url, "-q"], cwd=root,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"{root}: index failed:\n{done.stderr[-2000:]}")
    time.sleep(1)  # the indexer's backends exit and are reaped
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    main = float(done.stderr.strip().splitlines()[-1].split()[-1])
    return {"wall": wall, "client": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            "main": main, "server": server_cpu(data) - server}


def main() -> None:
    from tests.pgcluster import Cluster

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", action="append", required=True, help="NAME:PYTHON:ROOT (first: the reference)")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--database", help="query this existing database on every side (no indexing)")
    parser.add_argument("--data", type=Path, help="with --database: its server's data folder (the server's CPU)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--index-rounds", type=int, default=1, help="first index runs per side, alternating")
    parser.add_argument("--index-only", action="store_true", help="no query rounds")
    parser.add_argument("--same", action="store_true", help="first check that the sides give the same answers")
    args = parser.parse_args()
    if bool(args.corpus) == bool(args.database):
        parser.error("give either --corpus DIR or --database URL")
    sides = [tuple(s.split(":", 2)) for s in args.side]
    names = [s[0] for s in sides]
    texts = distinct_queries()
    cluster = Cluster.primary(settings={"shared_buffers": SHARED_BUFFERS}) if args.corpus else None
    try:
        urls: dict[str, str] = {name: args.database for name in names} if args.database else {}
        indexed: dict[str, list[dict]] = {name: [] for name in names}
        for round_ in range(args.index_rounds if cluster else 0):
            for name, python, root in sides[round_ % len(sides):] + sides[:round_ % len(sides)]:
                urls[name] = cluster.create_database(f"{name}_{round_}")
                indexed[name].append(index_once(python, root, args.corpus, urls[name], cluster.data))
                print(f"{name}: indexed {indexed[name][-1]}; load {os.getloadavg()[0]:.1f}", flush=True)
        measures = ("wall", "client", "main", "server")
        indexing = {n: {k: statistics.median(r[k] for r in indexed[n]) if indexed[n] else 0.0 for k in measures}
                    for n in names}
        if args.same:
            same_answers(sides, urls, texts)
        runs: dict[str, list[dict]] = {name: [] for name in names}
        for round_ in range(0 if args.index_only else args.rounds):
            order = sides[round_ % len(sides):] + sides[:round_ % len(sides)]
            for name, python, root in order:
                data = [str((cluster.data if cluster else args.data) / "postmaster.pid")] if cluster or args.data else []
                done = subprocess.run([python, "-c", PROBE, urls[name], json.dumps(texts), *data], cwd=root,
                                      capture_output=True, text=True)
                if done.returncode:
                    sys.exit(f"{root}: the probe failed:\n{done.stderr[-3000:]}")
                runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"round {round_ + 1} done; load {os.getloadavg()[0]:.1f}", flush=True)
        ref = names[0]
        print(f"\n| measure | {' | '.join(names)} | " + " | ".join(f"{n}/{ref}" for n in names[1:]) + " |")
        print("|---" * (1 + 2 * len(names) - 1) + "|")
        of = f", median of {args.index_rounds}" if args.index_rounds > 1 else ""
        rows = [(f"first index: {k} (s{of})", {n: indexing[n][k] for n in names}) for k in measures if cluster]
        for key in () if args.index_only or not args.rounds else ("plain", "faceted", "faceted again",
                                                                   "faceted, new backend"):
            for q in (0.5, 0.95):
                rows.append((f"{key}: wall p{int(q * 100)} (ms, median of {args.rounds} rounds)",
                             {n: statistics.median(percentile(r[key], q) for r in runs[n]) for n in names}))
            # the searching process's own CPU (not the server's): steadier than wall on a busy machine
            rows.append((f"{key}: client CPU per query (ms, median of {args.rounds} rounds)",
                         {n: statistics.median(r.get(f"{key} cpu", 0.0) for r in runs[n]) for n in names}))
            if cluster or args.data:
                rows.append((f"{key}: server CPU per query (ms, median of {args.rounds} rounds)",
                             {n: statistics.median(r.get(f"{key} server cpu", 0.0) for r in runs[n]) for n in names}))
        for label, values in rows:
            print(f"| {label} | " + " | ".join(f"{values[n]:.1f}" for n in names) + " | "
                  + " | ".join(f"{values[n] / values[ref]:.2f}" if values[ref] else "" for n in names[1:]) + " |")
    finally:
        if cluster:
            cluster.destroy()


if __name__ == "__main__":
    main()
