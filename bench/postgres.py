"""PostgreSQL beside Whoosh on one synthetic corpus, in one run: first index
(docs/s, one indexer; PostgreSQL also with two concurrent indexers on the
two halves of the corpus), faceted query latency (p50/p95, first-time texts,
every facet counted), web requests/s (``serve --workers 2``, bench.web_load's
mix) and size on disk. Prints a Markdown table.

    python bench/postgres.py --docs 20000 [--pages 10] [--release-share 0.05] [--web-seconds 15]

The PostgreSQL server is a throwaway cluster (tests/pgcluster.py) on this
machine, with fsync off: a production server with fsync on writes slower.
Figures are wall-clock on a shared machine: compare within one run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.gen_corpus import generate  # noqa: E402
from bench.run import QUERIES, distinct_queries, du, percentile  # noqa: E402

FOIASEARCH = [sys.executable, "-m", "foiasearch"]


def index_seconds(runs: list[list[Path]], index: str) -> float:
    """Wall seconds for concurrent `foiasearch index` processes, one per list of paths."""
    started = time.perf_counter()
    processes = [subprocess.Popen([*FOIASEARCH, "index", *map(str, paths), "--index", index, "-q"], cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for paths in runs]
    for process in processes:
        _, err = process.communicate()
        if process.returncode:
            raise SystemExit(f"index failed: {err[-2000:]}")
    return time.perf_counter() - started


def latency(index: str) -> tuple[float, float, int]:
    """(p50, p95) ms of first-time faceted searches, and the documents indexed."""
    from foiasearch.search.api import Query, open_backend

    with open_backend(index) as backend:
        total = backend.search(Query("")).total
        backend.search(Query("warmup"), facets=True)
        times = []
        for text in [f"{t} OR agency" for t in distinct_queries()]:
            started = time.perf_counter()
            backend.search(Query(text), facets=True)
            times.append((time.perf_counter() - started) * 1000)
    return percentile(times, 0.5), percentile(times, 0.95), total


def web(index: str, seconds: int) -> dict:
    from bench.web_load import drive, request_mix
    from foiasearch.search.api import Query, open_backend

    with open_backend(index) as backend:
        facets = backend.search(Query(""), facets=True, facet_limit=12).facets
    values = {n: [v.value for v in facets.get(n, [])] for n in ("tag", "actor", "year", "kind", "exemption")}
    paths = request_mix(400, 3, queries=QUERIES, facet_values=values, query_share=0.7)
    return drive(index, paths, workers=2, clients=8, seconds=seconds)


def pg_size(url: str) -> int:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                            "ON n.oid = c.relnamespace WHERE n.nspname = 'foiasearch' AND c.relkind = 'r'"
                            ).fetchone()[0]


def main() -> None:
    from tests.pgcluster import Cluster

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--pages", type=int, default=10, help="pages per PDF release")
    parser.add_argument("--release-share", type=float, default=0.05)
    parser.add_argument("--web-seconds", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="foiasearch-bench-pg-"))
    corpus = work / "corpus"
    releases = int(args.docs * args.release_share)
    generate(corpus, args.docs - releases, releases, args.pages, seed=1)
    folders = sorted(p for kind in ("posts", "releases") for p in (corpus / kind).iterdir())
    halves = [folders[0::2], folders[1::2]]
    cluster = Cluster.primary()
    try:
        whoosh_dir = str(work / "whoosh")
        one, two = cluster.create_database("one"), cluster.create_database("two")
        rows = {}
        rows["whoosh index"] = index_seconds([[corpus]], whoosh_dir)
        rows["pg index"] = index_seconds([[corpus]], one)
        rows["pg index x2"] = index_seconds(halves, two)
        w50, w95, wdocs = latency(whoosh_dir)
        p50, p95, pdocs = latency(one)
        _, _, pdocs2 = latency(two)
        wweb, pweb = web(whoosh_dir, args.web_seconds), web(one, args.web_seconds)
        print(f"Machine: {platform.machine()}, {os.cpu_count()} cores; {args.docs} documents "
              f"({releases} PDF releases of {args.pages} pages)")
        print("| measure | Whoosh | PostgreSQL | ratio PG/Whoosh |\n|---|---|---|---|")
        print(f"| documents indexed | {wdocs} | {pdocs} (two indexers: {pdocs2}) | |")
        for label, w, p in [
            ("first index, one indexer: docs/s", wdocs / rows["whoosh index"], pdocs / rows["pg index"]),
            ("first index, two concurrent indexers: docs/s", None, pdocs2 / rows["pg index x2"]),
            ("faceted query p50 (ms)", w50, p50), ("faceted query p95 (ms)", w95, p95),
            ("web requests/s (serve --workers 2)", wweb.get("rps"), pweb.get("rps")),
            ("web p99 (ms)", wweb.get("p99"), pweb.get("p99")),
            ("size on disk (MB)", du(Path(whoosh_dir)) / 1e6, float(pg_size(one)) / 1e6),
        ]:
            ratio = f"{p / w:.2f}" if w and p else ""
            print(f"| {label} | {'' if w is None else f'{w:.1f}'} | {p:.1f} | {ratio} |")
        print(f"web detail: whoosh {wweb}, postgresql {pweb}")
    finally:
        cluster.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
