"""The search site over PostgreSQL, side by side for several checkouts or
settings, in one run on one throwaway server: ``foiasearch serve --workers 2``
under 8 connections (wrk) requesting bench/run.py's web mix (search pages
built from the index's own facet values), rounds alternating the sides (the
order rotates each round) so that every side sees the same machine load.

    python bench/pg_web.py --docs 20000 --rounds 3 \\
        --side before:/work/wt/before/.venv/bin/python:/work/wt/before \\
        --side after:.venv/bin/python:. \\
        --side "after, no result cache:.venv/bin/python:.:FOIASEARCH_RESULT_CACHE=0"

A side is NAME:PYTHON:ROOT[:VAR=VALUE,...]: the interpreter of a checkout's
virtualenv (its editable install maps foiasearch.* to that checkout), the
checkout, and environment settings for its ``serve``. The index is written
once, through the first side's PostgreSQL writer, from bench.web_load's
synthetic documents (posts and multi-page releases with every facet), and
read by every side. ``--whoosh DIR`` adds a Whoosh index of the same
documents (built in DIR once, then reused), served by the sides named in
``--whoosh-sides`` (default: the first), as sides "NAME on Whoosh".

Per side: median requests/s, latency p50/p99 (ms) and answers that were not
2xx over the rounds, and CPU milliseconds per answered request: the serve
process tree's (its workers) and the database server's (its connections'
backends, from /proc: Linux only). CPU per request is the figure to compare
on a loaded machine; the load average is printed with the table.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg_compare import server_cpu  # noqa: E402
from bench.pg_scale import SHARED_BUFFERS  # noqa: E402

# Run in a side's interpreter: one load run; prints the figures and the serve tree's CPU seconds as JSON.
PROBE = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[1])
from bench.web_load import drive
paths = json.loads(sys.argv[3])
before = resource.getrusage(resource.RUSAGE_CHILDREN)
figures = drive(sys.argv[2], paths, workers=2, clients=8, seconds=int(sys.argv[4]))
after = resource.getrusage(resource.RUSAGE_CHILDREN)
figures["cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
print(json.dumps(figures))
"""


def write_index(python: str, root: str, url: str, docs: int) -> float:
    """Write ``docs`` synthetic documents into ``url`` with one checkout's writer; wall seconds."""
    script = ("import sys; sys.path.insert(0, sys.argv[1])\n"
              "from bench.web_load import synthetic_documents\n"
              "from foiasearch.index.build import index_documents\n"
              "from foiasearch.index.location import IndexLocation\n"
              "location, batch = IndexLocation.resolve(sys.argv[2]), []\n"
              "for item in synthetic_documents(int(sys.argv[3])):\n"
              "    batch.append(item)\n"
              "    if len(batch) == 2000:\n"
              "        index_documents(location, batch); batch = []\n"
              "if batch:\n"
              "    index_documents(location, batch)\n")
    started = time.perf_counter()
    subprocess.run([python, "-c", script, root, url, str(docs)], cwd=root, check=True)
    return time.perf_counter() - started


def parse_side(text: str) -> dict:
    name, python, root, *rest = text.split(":", 3)
    env = dict(pair.split("=", 1) for pair in rest[0].split(",")) if rest and rest[0] else {}
    return {"name": name, "python": python, "root": str(Path(root).resolve()), "env": env}


def main() -> None:
    from bench.run import web_paths
    from tests.pgcluster import Cluster

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", action="append", required=True, type=parse_side,
                        help="NAME:PYTHON:ROOT[:VAR=VALUE,...] (first: the reference)")
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15, help="of wrk per round and side")
    parser.add_argument("--whoosh", type=Path, help="also serve a Whoosh index of the same documents (built here)")
    parser.add_argument("--whoosh-sides", default="", help="sides (names, comma-separated) that serve it too")
    args = parser.parse_args()

    sides = list(args.side)
    cluster = Cluster.primary(settings={"shared_buffers": SHARED_BUFFERS})
    try:
        url = cluster.create_database("web")
        first = sides[0]
        wrote = write_index(first["python"], first["root"], url, args.docs)
        print(f"wrote {args.docs} documents in {wrote:.0f} s", file=sys.stderr)
        targets = {side["name"]: url for side in sides}
        if args.whoosh:
            from bench.web_load import build

            build(args.whoosh, args.docs)
            wanted = [name for name in args.whoosh_sides.split(",") if name] or [first["name"]]
            for side in [s for s in list(sides) if s["name"] in wanted]:
                name = f"{side['name']} on Whoosh"
                sides.append({**side, "name": name})
                targets[name] = str(args.whoosh)
        paths = {name: web_paths(target) for name, target in targets.items()}
        found: dict[str, list[dict]] = {side["name"]: [] for side in sides}
        loads = []
        for round_number in range(args.rounds):
            shift = round_number % len(sides)
            for side in sides[shift:] + sides[:shift]:
                name = side["name"]
                database = server_cpu(cluster.data)
                done = subprocess.run(
                    [side["python"], "-c", PROBE, side["root"], targets[name], json.dumps(paths[name]),
                     str(args.seconds)], cwd=side["root"], env={**os.environ, **side["env"]},
                    capture_output=True, text=True)
                if done.returncode:
                    sys.exit(f"{name}: load run failed:\n{done.stderr[-2000:]}")
                time.sleep(1)  # the workers' connections end and their backends are reaped
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                figures["db_cpu"] = server_cpu(cluster.data) - database
                found[name].append(figures)
                loads.append(os.getloadavg()[0])
                print(f"round {round_number + 1} {name}: {figures['rps']:.0f} req/s", file=sys.stderr)
        report(args, sides, found, loads)
    finally:
        cluster.destroy()


def report(args, sides: list[dict], found: dict[str, list[dict]], loads: list[float]) -> None:
    reference = statistics.median(f["rps"] for f in found[sides[0]["name"]])
    print(f"\n{args.docs} documents, {args.rounds} rounds of {args.seconds} s per side, wrk x8, "
          f"`serve --workers 2`; load average (1 min) after each run: {min(loads):.1f}-{max(loads):.1f}\n")
    print("| side | req/s (median of rounds) | p50 / p99 ms | not 2xx | serve CPU ms/req | database CPU ms/req "
          "| req/s ratio |")
    print("|---|---|---|---|---|---|---|")
    for side in sides:
        runs = found[side["name"]]
        rps = statistics.median(f["rps"] for f in runs)
        answered = sum(f["rps"] * args.seconds for f in runs) or 1
        each = ", ".join(f"{f['rps']:.0f}" for f in runs)
        print(f"| {side['name']} | {rps:.0f} ({each}) "
              f"| {statistics.median(f['p50'] for f in runs):.0f} / {statistics.median(f['p99'] for f in runs):.0f} "
              f"| {sum(f['bad'] for f in runs)} | {1000 * sum(f['cpu'] for f in runs) / answered:.1f} "
              f"| {1000 * sum(f['db_cpu'] for f in runs) / answered:.1f} | {rps / reference:.2f} |")


if __name__ == "__main__":
    main()
