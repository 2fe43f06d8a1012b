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
checkout, and environment settings for its ``serve``. Each checkout writes
the same documents (bench.web_load's synthetic posts and multi-page
releases with every facet) into a database of its own on the one server,
through its own writer and schema; its sides read that database
(``--one-database``: checkouts of one schema version all read the first's). ``--whoosh DIR`` adds a Whoosh index of the same
documents (built in DIR once, then reused), served by the sides named in
``--whoosh-sides`` (default: the first), as sides "NAME on Whoosh".

``--database URL`` serves an existing database on every side instead (no
server, no writing; sides of one schema version).

``--statements PAGES`` counts instead, per side, the PostgreSQL statements
of a search page (the mix's first PAGES pages through the app in process,
result cache off) and their wall time, most time first.

``--mix both`` adds a row per side with no page asked twice (a long mix
without its repeats; each of wrk's threads takes its own share): beside the
mixed row it shows what the site's caches are worth.

Per side: median requests/s, latency p50/p99 (ms) and answers that were not
2xx over the rounds (a 429 "busy" answer is cheap: compare the last column,
search pages answered 2xx per second over all rounds, too), and CPU milliseconds per answered request: the serve
process tree's (its workers) and the database server's (its connections'
backends, from /proc: Linux only). CPU per request is the figure to compare
on a loaded machine; the load average is printed with the table. The last
columns: the share of answers the page cache served (``X-Cache: hit``,
web.pagecache; 0% for a checkout without it) and the answers that were not
2xx by status.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pg_compare import server_cpu  # noqa: E402
from bench.pg_scale import SHARED_BUFFERS  # noqa: E402

DISTINCT_DRAWN = 20_000  # pages drawn for --mix distinct; some 5,000-9,000 differ, more than a run asks for

# Run in a side's interpreter: one load run; prints the figures and the serve tree's CPU seconds as JSON.
# The load driver is this checkout's (bench.web_load: its hit and status counts); the server the side's.
PROBE = r"""
import json, resource, sys
sys.path.insert(0, sys.argv[5])
from bench.web_load import drive
paths = json.loads(open(sys.argv[3]).read())  # a file: a no-repeats mix is too long for argv
before = resource.getrusage(resource.RUSAGE_CHILDREN)
figures = drive(sys.argv[2], paths, workers=2, clients=8, seconds=int(sys.argv[4]), split=sys.argv[6] == "1",
                repo=sys.argv[1])
after = resource.getrusage(resource.RUSAGE_CHILDREN)
figures["cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
print(json.dumps(figures))
"""


# Run in a side's interpreter: the search pages of the mix through the app in process (result
# cache off), counting the PostgreSQL backend's statements (its _rows calls) and their wall time.
STATEMENTS = r"""
import collections, json, sys, time
sys.path.insert(0, sys.argv[1])
from foiasearch.search.postgres import engine
from foiasearch.web import SiteSettings, create_app
paths = json.loads(sys.argv[3])
counts, spent = collections.Counter(), collections.Counter()
plain = engine.PostgresBackend._rows
def counted(self, sql, params=(), matching=False):
    started = time.perf_counter()
    try:
        return plain(self, sql, params, matching)
    finally:
        key = " ".join(sql.split())[:60]
        counts[key] += 1
        spent[key] += time.perf_counter() - started
engine.PostgresBackend._rows = counted
off = {"result_cache": 0} if "result_cache" in SiteSettings.__dataclass_fields__ else {}  # a checkout before it
client = create_app(sys.argv[2], settings=SiteSettings(**off)).test_client()
client.get("/")
counts.clear(); spent.clear()
for path in paths:
    assert client.get(path).status_code < 500, path
print(json.dumps({"pages": len(paths), "counts": counts, "ms": {k: v * 1000 for k, v in spent.items()}}))
"""


def statements(side: dict, target: str, paths: list[str]) -> None:
    """Print the statements per search page of one side, most time first."""
    done = subprocess.run([side["python"], "-c", STATEMENTS, side["root"], target, json.dumps(paths)],
                          cwd=side["root"], capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{side['name']}: {done.stderr[-2000:]}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    pages, counts, spent = found["pages"], found["counts"], found["ms"]
    print(f"\n{side['name']}: {sum(counts.values()) / pages:.1f} statements per search page ({pages} pages)\n")
    print("| statement (start) | per page | wall ms per page |\n|---|---|---|")
    for key in sorted(spent, key=spent.get, reverse=True)[:8]:
        print(f"| `{key}` | {counts[key] / pages:.2f} | {spent[key] / pages:.1f} |")


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


def side_paths(side: dict, target: str, count: int = 400) -> list[str]:
    """bench/run.py's web mix for ``target`` (``count`` pages), made by the side's own checkout (its schema)."""
    done = subprocess.run([side["python"], "-c", "import json, sys; sys.path.insert(0, sys.argv[1]); "
                           "from bench.run import web_paths; print(json.dumps(web_paths(sys.argv[2], int(sys.argv[3]))))",
                           side["root"], target, str(count)], cwd=side["root"], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def distinct_paths(side: dict, target: str) -> list[str]:
    """The same kind of mix with every page once: a long mix without its repeats."""
    return list(dict.fromkeys(side_paths(side, target, DISTINCT_DRAWN)))


def parse_side(text: str) -> dict:
    name, python, root, *rest = text.split(":", 3)
    env = dict(pair.split("=", 1) for pair in rest[0].split(",")) if rest and rest[0] else {}
    return {"name": name, "python": python, "root": str(Path(root).resolve()), "env": env}


def main() -> None:
    from tests.pgcluster import Cluster

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--side", action="append", required=True, type=parse_side,
                        help="NAME:PYTHON:ROOT[:VAR=VALUE,...] (first: the reference)")
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15, help="of wrk per round and side")
    parser.add_argument("--statements", type=int, default=0, metavar="PAGES",
                        help="instead of load runs: statements per search page over the mix's first PAGES pages")
    parser.add_argument("--one-database", action="store_true",
                        help="the checkouts share one schema version: every side reads the first side's database")
    parser.add_argument("--database", help="every side serves this existing database (no server, no writing)")
    parser.add_argument("--data", type=Path, help="with --database: its server's data folder, for its CPU (/proc)")
    parser.add_argument("--whoosh", type=Path, help="also serve a Whoosh index of the same documents (built here)")
    parser.add_argument("--whoosh-sides", default="", help="sides (names, separated by ;) that serve it too")
    parser.add_argument("--mix", choices=("mixed", "distinct", "both"), default="mixed",
                        help="mixed: bench/run.py's 400 pages in a loop (repeats, as people browse); distinct: "
                             "every page once (what a cache cannot help); both: a row of each per side")
    args = parser.parse_args()

    sides = list(args.side)
    cluster = None if args.database else Cluster.primary(settings={"shared_buffers": SHARED_BUFFERS})
    try:
        first = sides[0]
        databases: dict[str, str] = {}  # checkout -> its database
        for side in sides:
            if args.database:
                databases[side["root"]] = args.database
            elif args.one_database and databases:
                databases[side["root"]] = next(iter(databases.values()))
            elif side["root"] not in databases:
                url = databases[side["root"]] = cluster.create_database(f"web{len(databases)}")
                wrote = write_index(side["python"], side["root"], url, args.docs)
                print(f"{side['root']} wrote {args.docs} documents in {wrote:.0f} s", file=sys.stderr)
        targets = {side["name"]: databases[side["root"]] for side in sides}
        if args.whoosh:
            from bench.web_load import build

            build(args.whoosh, args.docs)
            wanted = [name for name in args.whoosh_sides.split(";") if name] or [first["name"]]
            for side in [s for s in list(sides) if s["name"] in wanted]:
                name = f"{side['name']} on Whoosh"
                sides.append({**side, "name": name})
                targets[name] = str(args.whoosh)
        # Each side's mix from its own index with its own code (the same documents: the same mix).
        paths = {side["name"]: side_paths(side, targets[side["name"]]) for side in sides}
        if args.mix != "mixed":
            distinct = []
            for side in sides:
                row = {**side, "name": f"{side['name']}, no repeats", "split": True}
                paths[row["name"]] = distinct_paths(side, targets[side["name"]])
                targets[row["name"]] = targets[side["name"]]
                distinct.append(row)
            sides = distinct if args.mix == "distinct" else [row for pair in zip(sides, distinct) for row in pair]
        if args.statements:
            for side in sides:
                statements(side, targets[side["name"]], paths[side["name"]][:args.statements])
            return
        found: dict[str, list[dict]] = {side["name"]: [] for side in sides}
        loads = []
        data = cluster.data if cluster else args.data
        for round_number in range(args.rounds):
            shift = round_number % len(sides)
            for side in sides[shift:] + sides[:shift]:
                name = side["name"]
                database = server_cpu(data) if data else 0.0
                mix = Path(tempfile.mkdtemp()) / "paths.json"
                mix.write_text(json.dumps(paths[name]))
                done = subprocess.run(
                    [side["python"], "-c", PROBE, side["root"], targets[name], str(mix),
                     str(args.seconds), str(ROOT), "1" if side.get("split") else "0"],
                    cwd=side["root"], env={**os.environ, **side["env"]},
                    capture_output=True, text=True)
                shutil.rmtree(mix.parent, ignore_errors=True)
                if done.returncode:
                    sys.exit(f"{name}: load run failed:\n{done.stderr[-2000:]}")
                time.sleep(1)  # the workers' connections end and their backends are reaped
                figures = json.loads(done.stdout.strip().splitlines()[-1])
                figures["db_cpu"] = server_cpu(data) - database if data else 0.0
                found[name].append(figures)
                loads.append(os.getloadavg()[0])
                print(f"round {round_number + 1} {name}: {figures['rps']:.0f} req/s", file=sys.stderr)
        report(args, sides, found, loads)
    finally:
        if cluster:
            cluster.destroy()


def report(args, sides: list[dict], found: dict[str, list[dict]], loads: list[float]) -> None:
    reference = statistics.median(f["rps"] for f in found[sides[0]["name"]])
    print(f"\n{args.database or f'{args.docs} documents'}, {args.rounds} rounds of {args.seconds} s per side, wrk x8, "
          f"`serve --workers 2`; load average (1 min) after each run: {min(loads):.1f}-{max(loads):.1f}\n")
    print("| side | req/s (median of rounds) | p50 / p99 ms | not 2xx | serve CPU ms/req | database CPU ms/req "
          "| req/s ratio | 2xx pages/s | page cache hits | not 2xx: 400 / 429 / 5xx |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for side in sides:
        runs = found[side["name"]]
        rps = statistics.median(f["rps"] for f in runs)
        answered = sum(f["rps"] * args.seconds for f in runs) or 1
        each = ", ".join(f"{f['rps']:.0f}" for f in runs)
        print(f"| {side['name']} | {rps:.0f} ({each}) "
              f"| {statistics.median(f['p50'] for f in runs):.0f} / {statistics.median(f['p99'] for f in runs):.0f} "
              f"| {sum(f['bad'] for f in runs)} | {1000 * sum(f['cpu'] for f in runs) / answered:.1f} "
              f"| {1000 * sum(f['db_cpu'] for f in runs) / answered:.1f} | {rps / reference:.2f} "
              f"| {(answered - sum(f['bad'] for f in runs)) / (args.seconds * len(runs)):.1f} "
              f"| {_hit_rate(runs)} | {_statuses(runs)} |")


def _hit_rate(runs: list[dict]) -> str:
    answers = sum(f.get("answers", 0) for f in runs)
    return f"{100 * sum(f.get('hits', 0) for f in runs) / answers:.0f}%" if answers else "n/a"


def _statuses(runs: list[dict]) -> str:
    return " / ".join(str(sum(f.get("statuses", {}).get(code, 0) for f in runs)) for code in ("400", "429", "5xx"))


if __name__ == "__main__":
    main()
