"""PostgreSQL beside Whoosh in bench/run.py's table, and the command for a
large archive of pages.

In bench/run.py (the same corpus, the same run, the same measuring
functions as Whoosh's rows)::

    python bench/run.py --scales 20000 --backends whoosh,postgresql

Per corpus: the first index with one ``foiasearch index`` and with two at
once (the corpus's folders split between them, into a second database),
faceted query p50/p95 (first-time texts, every facet counted), the web
search page's requests/s (``serve --workers 2``), size on disk and the lag of
a streaming replica while the one indexer writes (``pg_stat_replication``'s
replay_lag, sampled every half second, and how long after the indexer ends
the standby shows its last commit).

Alone, for an archive of many pages (releases of N pages written straight
through the PostgreSQL writer, extraction left out: it is the same work
whatever the backend)::

    python bench/pg_scale.py pages --pages 1000000 [--pages-per-release 10]

The server is a throwaway cluster (tests/pgcluster.py) on this machine with
fsync off and shared_buffers at 256 MB; wall-clock figures on a shared
machine: compare within one run.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import FOIASEARCH, percentile, query_latency, run_indexing, web_throughput  # noqa: E402

SHARED_BUFFERS = "256MB"  # PostgreSQL's default is 128MB; the test clusters use 32MB


def schema_bytes(url: str) -> int:
    """Tables, indexes and TOAST of the index's schema, in bytes."""
    import psycopg

    with psycopg.connect(url) as conn:
        return int(conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'foiasearch' AND c.relkind = 'r'").fetchone()[0])


def generation(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=2) as conn:
            return conn.execute("SELECT generation FROM foiasearch.state").fetchone()[0]
    except psycopg.Error:
        return None  # no schema yet


class ReplicaLag(threading.Thread):
    """Samples the standby's replay lag on the primary every ``every`` seconds until stopped.

    >>> ReplicaLag("postgresql://x@127.0.0.1:1/postgres").summary()
    {'samples': 0}
    """

    def __init__(self, primary_url: str, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.url, self.every = primary_url, every
        self.lags: list[float] = []
        self._done = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._done.wait(self.every):
                row = conn.execute("SELECT extract(epoch FROM replay_lag) FROM pg_stat_replication").fetchone()
                if row and row[0] is not None:
                    self.lags.append(float(row[0]) * 1000)

    def stop(self) -> None:
        self._done.set()
        self.join(10)

    def summary(self) -> dict:
        if not self.lags:
            return {"samples": 0}
        return {"samples": len(self.lags), "p50": percentile(self.lags, 0.5), "p95": percentile(self.lags, 0.95),
                "max": max(self.lags)}


def caught_up_after(primary_url: str, standby_url: str, timeout: float = 120) -> float:
    """Seconds until the standby shows the primary's last commit (its generation)."""
    wanted, started = generation(primary_url), time.perf_counter()
    while generation(standby_url) != wanted:
        if time.perf_counter() - started > timeout:
            return float("inf")
        time.sleep(0.02)
    return time.perf_counter() - started


def concurrent_index_seconds(runs: list[list[Path]], index: str) -> float:
    """Wall seconds for ``foiasearch index`` processes started together, one per list of paths."""
    import subprocess

    started = time.perf_counter()
    processes = [subprocess.Popen([*FOIASEARCH, "index", *map(str, paths), "--index", index, "-q"], cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for paths in runs]
    failures = [err for process in processes for _, err in [process.communicate()] if process.returncode]
    if failures:
        raise SystemExit(f"index failed: {failures[0][-2000:]}")
    return time.perf_counter() - started


def bench_cluster():
    """A primary with a streaming standby, sized as a small production server would be."""
    from tests.pgcluster import Cluster

    primary = Cluster.primary(settings={"shared_buffers": SHARED_BUFFERS})
    return primary, primary.replica()


def measure(corpus: Path, web_seconds: int = 20, skip: frozenset[str] = frozenset()) -> dict:
    """The PostgreSQL figures for one corpus (see the module's docstring);
    ``skip``: "two-indexers", "web" (bench.run.SKIPPABLE) to leave out."""
    from foiasearch.search.api import Query, open_backend

    primary, standby = bench_cluster()
    try:
        one, two = primary.create_database("one"), primary.create_database("two")
        lag = ReplicaLag(primary.url("one"))
        lag.start()
        first, rss, cpu, stall = run_indexing([*FOIASEARCH, "index", str(corpus), "--index", one], cwd=ROOT)
        lag.stop()
        caught_up = caught_up_after(one, standby.url("one"))
        folders = sorted(p for kind in sorted(corpus.iterdir()) if kind.is_dir() for p in sorted(kind.iterdir()))
        two_seconds, docs_two = None, 0
        if "two-indexers" not in skip:
            two_seconds = concurrent_index_seconds([folders[0::2], folders[1::2]], two)
            with open_backend(two) as backend:
                docs_two = backend.search(Query("")).total
        with open_backend(one) as backend:
            docs = backend.search(Query("")).total
        with open_backend(standby.url("one")) as backend:
            standby_docs = backend.search(Query("")).total
        return {"first": first, "rss": rss, "cpu": cpu, "stall": stall, "docs": docs, "two": two_seconds,
                "docs_two": docs_two, "standby_docs": standby_docs, "faceted": query_latency(one, facets=True),
                "plain": query_latency(one, facets=False),
                "web": web_throughput(one, seconds=web_seconds) if "web" not in skip else None,
                "size": schema_bytes(one), "lag": lag.summary(), "caught_up": caught_up}
    finally:
        standby.destroy()
        primary.destroy()


def rows(label: str, corpus: Path, whoosh: dict | None, web_seconds: int = 20,
         skip: frozenset[str] = frozenset()) -> list[str]:
    """bench/run.py's table rows for PostgreSQL on ``corpus``, beside
    Whoosh's figures from the same run (``whoosh``: bench.run.bench_corpus's stats)."""
    pg = measure(corpus, web_seconds, skip)
    w = whoosh or {}

    def ratio(ours: float, theirs: float | None) -> str:
        return f"{ours / theirs:.2f}" if theirs else ""

    rate = pg["docs"] / pg["first"]
    w_rate = w["docs"] / w["first"] if w.get("first") else None
    lag = pg["lag"]
    lag_text = (f"replay lag p50 {lag['p50']:.0f} / p95 {lag['p95']:.0f} / max {lag['max']:.0f} ms "
                f"({lag['samples']} samples)" if lag.get("samples") else "no replay-lag samples")
    f, p = pg["faceted"], pg["plain"]
    web = pg["web"]
    two = pg["two"]
    return [
        f"| {label} | PostgreSQL: first index, one indexer | {pg['first']:.1f} s ({pg['docs']} docs: {rate:.1f} docs/s), "
        f"indexer CPU {pg['cpu']:.1f} s, peak RSS {pg['rss'] / 1024:.0f} MB, longest stall {pg['stall']:.1f} s "
        f"| Whoosh {w_rate or 0:.1f} docs/s | {ratio(rate, w_rate)} |",
        f"| {label} | PostgreSQL: first index, two concurrent indexers (halves of the folders) | "
        + (f"{two:.1f} s ({pg['docs_two']} docs: {pg['docs_two'] / two:.1f} docs/s) "
           f"| Whoosh {w_rate or 0:.1f} docs/s (one writer) | {ratio(pg['docs_two'] / two, w_rate)} |"
           if two else "skipped | | |"),
        f"| {label} | PostgreSQL: query p50 / p95, no facets, first time | {p[0]:.1f} / {p[1]:.1f} ms "
        f"| Whoosh {w.get('plain', (0, 0))[0]:.1f} / {w.get('plain', (0, 0))[1]:.1f} ms "
        f"| {ratio(p[1], w.get('plain', (0, 0))[1])} |",
        f"| {label} | PostgreSQL: query p50 / p95, all facets, first time | {f[0]:.1f} / {f[1]:.1f} ms "
        f"| Whoosh {w.get('faceted', (0, 0))[0]:.1f} / {w.get('faceted', (0, 0))[1]:.1f} ms "
        f"| {ratio(f[1], w.get('faceted', (0, 0))[1])} |",
        (f"| {label} | PostgreSQL: web search page, `serve --workers 2`, 8 clients ({web['tool']}) | "
         f"{web['rps']:.0f} req/s, p50 {web['p50']:.0f} / p99 {web['p99']:.0f} ms, {web['bad']} not 2xx "
         f"| Whoosh {w.get('web_rps') or 0:.0f} req/s | {ratio(web['rps'], w.get('web_rps'))} |")
        if web else f"| {label} | PostgreSQL: web search page | skipped | | |",
        f"| {label} | PostgreSQL: size on disk (tables, indexes, TOAST) | {pg['size'] / 1e6:.1f} MB "
        f"| Whoosh {w.get('size', 0) / 1e6:.1f} MB | {ratio(pg['size'], w.get('size'))} |",
        f"| {label} | PostgreSQL: streaming replica during the one-indexer run | {lag_text}; standby showed the last "
        f"commit {pg['caught_up'] * 1000:.0f} ms after the indexer ended, {pg['standby_docs']} docs | | |",
    ]


# -- the archive of pages -------------------------------------------------------------------------
def release_documents(count: int, pages: int, seed: int = 1):
    """``count`` releases of ``pages`` pages each, as extraction would make
    them: dated, with actors, exemptions and Bates numbers per page."""
    from bench.gen_corpus import TAGS, actor_names, release_pages
    from foiasearch.ingest.document import Actor, Document, Page

    rng, actors = random.Random(seed), actor_names()
    for n in range(count):
        texts = release_pages(n, pages, rng, actors)
        doc_pages = []
        for number, text in enumerate(texts, start=1):
            label = text.splitlines()[-2]  # the page's exemption label, e.g. "(b)(6), (b)(7)(C)"
            exemptions = sorted({e.strip().replace(" ", "").lower().removeprefix("(b)(").rstrip(")").replace(")(", "")
                                 for e in label.split(",")})
            doc_pages.append(Page(number, text, exemptions=[f"b{e}" for e in exemptions],
                                  bates=text.splitlines()[-1]))
        named = rng.sample(actors, 3)
        yield Document(kind="release", id=f"release-{seed}-{n:08d}", title=f"FOIA release {n}: {rng.choice(TAGS)}",
                       date=f"{2008 + n % 12}-{1 + n % 12:02d}-{1 + n % 28:02d}", tags=rng.sample(TAGS, 2),
                       actors=[Actor(name, "agency") for name in named],
                       exemptions=sorted({e for p in doc_pages for e in p.exemptions}),
                       paths=[f"/archive/{n // 1000:04d}/release-{n:08d}.pdf"], pages=doc_pages)


def pages_command(total_pages: int, per_release: int, web_seconds: int) -> None:
    """Write ``total_pages`` pages through the PostgreSQL writer, then measure queries and the site."""
    from foiasearch.index.location import IndexLocation
    from foiasearch.index.postgres.writer import PostgresWriter

    releases = total_pages // per_release
    primary, standby = bench_cluster()
    try:
        url = primary.create_database("pages")
        writer = PostgresWriter(IndexLocation.resolve(url))
        started, cpu = time.perf_counter(), time.process_time()
        lag = ReplicaLag(primary.url("pages"))
        lag.start()
        for count, doc in enumerate(release_documents(releases, per_release), start=1):
            writer.replace(doc)
            if count % 200 == 0:
                writer.commit()
            if count % 5000 == 0:
                print(f"  {count * per_release} pages in {time.perf_counter() - started:.0f} s", flush=True)
        writer.commit()
        writer.close()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        lag.stop()
        caught_up = caught_up_after(url, standby.url("pages"))
        faceted, plain = query_latency(url, facets=True), query_latency(url, facets=False)
        web = web_throughput(url, seconds=web_seconds)
        lags = lag.summary()
        print(f"| {total_pages} pages ({releases} releases of {per_release}) | written through the writer | "
              f"{seconds:.0f} s: {releases / seconds:.1f} releases/s, {total_pages / seconds:.0f} pages/s "
              f"(writer process CPU {cpu:.0f} s) |")
        print(f"| | query p50 / p95, no facets, first time | {plain[0]:.1f} / {plain[1]:.1f} ms |")
        print(f"| | query p50 / p95, all facets, first time | {faceted[0]:.1f} / {faceted[1]:.1f} ms |")
        print(f"| | web search page, `serve --workers 2`, 8 clients ({web['tool']}) | {web['rps']:.0f} req/s, "
              f"p50 {web['p50']:.0f} / p99 {web['p99']:.0f} ms, {web['bad']} not 2xx |")
        print(f"| | size on disk (tables, indexes, TOAST) | {schema_bytes(url) / 1e6:.0f} MB |")
        print(f"| | streaming replica while writing | replay lag {lags}; caught up {caught_up * 1000:.0f} ms after "
              "the last commit |")
    finally:
        standby.destroy()
        primary.destroy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    pages = sub.add_parser("pages", help="an archive of PDF release pages written through the PostgreSQL writer")
    pages.add_argument("--pages", type=int, default=1_000_000)
    pages.add_argument("--pages-per-release", type=int, default=10)
    pages.add_argument("--web-seconds", type=int, default=20)
    args = parser.parse_args()
    print("| archive | measure | PostgreSQL |\n|---|---|---|")
    pages_command(args.pages, args.pages_per_release, args.web_seconds)


if __name__ == "__main__":
    main()
