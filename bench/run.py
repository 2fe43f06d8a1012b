"""Benchmarks: first index, unchanged re-index, index size, query latency
(with and without facets), web throughput; side by side with recoll and
pdfgrep on the same files in the same run. Prints a Markdown table.

    python bench/run.py --scales 2000,20000 [--shared ../shared/corpus] [--keep DIR]
    python bench/run.py --scales 100000 --index-only --keep DIR   # time, peak RSS, longest stall
    python bench/run.py --scales 20000 --backends whoosh,postgresql  # PostgreSQL beside Whoosh (bench.pg_scale)
    python bench/run.py --scales 100000 --backends whoosh,postgresql --skip recoll,reindex  # shorter

``--skip`` leaves parts out: ``recoll`` (recollindex, recollq and pdfgrep:
pdfgrep alone reads every PDF five times), ``reindex`` (the unchanged
re-index and the one-shot CLI searches), ``two-indexers`` (PostgreSQL's
second first index, two processes at once), ``web`` (the web throughput rows).

Figures are wall-clock on whatever else the machine is doing: compare the
ratios within one run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import os
import platform
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

QUERIES = ["detention", "sheriff", '"secure communities"', "fingerprints", "deportation families",
           "governor", "compliance database", "oversight", "hearing", "ordinance",
           "priorities", "jurisdiction", "letter", "statistics", "removal"]
FOIASEARCH = [sys.executable, "-m", "foiasearch"]


TIME_FORMAT = "%M %U %S"  # GNU time: peak RSS (KiB), user and system CPU seconds of the tree


def _rss_cpu(line: str) -> tuple[int, float]:
    """(peak RSS KiB, CPU seconds) from GNU time's TIME_FORMAT line."""
    fields = line.split()
    try:
        return int(fields[0]), float(fields[1]) + float(fields[2])
    except (IndexError, ValueError):
        return 0, 0.0


CPU: dict[str, float] = {}  # command's first word -> CPU seconds of its last run (see run_measured)


def run_measured(command: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Wall seconds and peak RSS (KiB) of the command's process tree.

    The RSS comes from GNU time, a small process: a child forked straight
    from this (large) benchmark process would report this process's size
    as its own high-water mark, since it survives exec.
    """
    timed = ["/usr/bin/time", "-f", TIME_FORMAT] + command if Path("/usr/bin/time").exists() else command
    started = time.perf_counter()
    process = subprocess.run(timed, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr[-2000:]}")
    last = process.stderr.strip().splitlines()[-1] if process.stderr.strip() else ""
    rss, CPU[command[0]] = _rss_cpu(last)
    return elapsed, rss


def run_indexing(command: list[str], cwd: Path | None = None) -> tuple[float, int, float, float]:
    """Wall seconds, peak RSS (KiB), CPU seconds and the longest stall of an
    ``index`` run: the longest time between two of its progress lines (one
    per file, on stderr when it is not a terminal), from the first file's
    line (Python's start-up and imports before it are not counted) to the
    end of the final commit."""
    timed = ["/usr/bin/time", "-f", TIME_FORMAT] + command if Path("/usr/bin/time").exists() else command
    started = time.perf_counter()
    last: float | None = None
    longest = 0.0
    tail: list[str] = []
    process = subprocess.Popen(timed, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    for line in process.stderr:
        now = time.perf_counter()
        if last is not None:
            longest = max(longest, now - last)
        last = now
        tail = (tail + [line])[-20:]
    process.wait()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{''.join(tail)}")
    rss, cpu = _rss_cpu(tail[-1] if tail else "")
    return elapsed, rss, cpu, longest


def du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def distinct_queries(n: int = 60) -> list[str]:
    """Query texts never seen before by the engine's per-searcher cache."""
    from bench.gen_corpus import WORDS

    pairs = [f"{a} {b}" for i, a in enumerate(WORDS) for b in WORDS[i + 1:]]
    return QUERIES + pairs[: max(0, n - len(QUERIES))]


def query_latency(index_dir: Path, facets: bool) -> tuple[float, float, float, float]:
    """(p50, p95) of first-time queries, then (p50, p95) of the same texts
    again (the engine caches a text's matches per searcher)."""
    from foiasearch.search.api import Query, open_backend

    engine = open_backend(index_dir)
    engine.search(Query("warmup"), facets=facets)  # builds the per-searcher view once
    if hasattr(engine, "_numbers"):  # PostgreSQL: a site worker's arrays, read in a thread once per commit
        engine._numbers(wait=True)
    texts = distinct_queries()
    if facets:  # a different set, so that these are first-time too
        texts = [f"{t} OR agency" for t in texts]
    cold, warm = [], []
    for bucket in (cold, warm):
        for text in texts:
            started = time.perf_counter()
            engine.search(Query(text), facets=facets)
            bucket.append((time.perf_counter() - started) * 1000)
    engine.close()
    return percentile(cold, 0.5), percentile(cold, 0.95), percentile(warm, 0.5), percentile(warm, 0.95)


def cli_query_seconds(index_dir: Path) -> float:
    """Median wall time of one `foiasearch search` process (startup included)."""
    times = []
    for text in QUERIES:
        times.append(run_measured([*FOIASEARCH, "search", text, "--index", str(index_dir)], cwd=ROOT)[0])
    return statistics.median(times)


def web_paths(index_dir: Path, count: int = 400, seed: int = 3) -> list[str]:
    """Search pages as people click them on this index (bench.web_load's
    mix), with this index's most common facet values and the query texts."""
    from bench.web_load import request_mix
    from foiasearch.search.api import Query, open_backend

    with open_backend(index_dir) as engine:
        facets = engine.search(Query(""), facets=True, facet_limit=12).facets
    # [:12]: years are never cut by facet_limit (search.api.UNCUT_FACETS); older checkouts cut them
    values = {name: [v.value for v in facets.get(name, [])][:12] for name in ("tag", "actor", "year", "kind", "exemption")}
    return request_mix(count, seed, queries=QUERIES, facet_values=values, query_share=0.7)


def web_throughput(index_dir: Path, seconds: int = 20) -> dict:
    """``foiasearch serve --workers 2`` under 8 clients requesting web_paths()."""
    from bench.web_load import drive

    return drive(index_dir, web_paths(index_dir), workers=2, clients=8, seconds=seconds)


def recoll(corpus: Path, work: Path) -> dict[str, float] | None:
    if not shutil.which("recollindex"):
        return None
    conf = work / "recoll"
    conf.mkdir(parents=True, exist_ok=True)
    # idxniceprio: recollindex lowers its own priority to 19 by default; on a shared
    # machine that measured the load, not recoll (one first index of 2,000 files took 14 min).
    (conf / "recoll.conf").write_text(f"topdirs = {corpus}\nloglevel = 1\nidxniceprio = 0\n")
    first, rss = run_measured(["recollindex", "-c", str(conf)])
    cpu = CPU["recollindex"]
    again, _ = run_measured(["recollindex", "-c", str(conf)])
    times = [run_measured(["recollq", "-c", str(conf), "-n", "10", text.strip('"')])[0] for text in QUERIES]
    return {"first": first, "rss": rss, "cpu": cpu, "again": again, "query": statistics.median(times), "size": du(conf)}


def pdfgrep_seconds(corpus: Path) -> float | None:
    if not shutil.which("pdfgrep"):
        return None
    times = []
    for text in QUERIES[:5]:
        started = time.perf_counter()
        subprocess.run(["pdfgrep", "-ril", text.strip('"'), str(corpus)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def indexed_counts(index_dir: Path) -> tuple[int, int]:
    """(files indexed, pages of the documents indexed), from the index's own store."""
    from foiasearch.index.location import IndexLocation

    store = IndexLocation(index_dir).open_store(readonly=True)
    try:
        files = store.file_counts().get("indexed", 0)
        pages = sum(p for _, p in store.document_counts().values())
    finally:
        store.close()
    return files, pages


def rate(count: float, seconds: float) -> str:
    per_second = count / seconds
    return f"{per_second:.1f}" if per_second < 10 else f"{per_second:.0f}"


SKIPPABLE = ("recoll", "reindex", "two-indexers", "web")


def bench_corpus(label: str, corpus: Path, work: Path, index_only: bool = False,
                 stats: dict | None = None, skip: frozenset[str] = frozenset()) -> list[str]:
    """The table's rows for ``corpus``; ``stats`` (if given) receives the
    figures other backends are set beside (bench.pg_scale); ``skip``: parts
    of SKIPPABLE to leave out."""
    index_dir = work / "ix"
    shutil.rmtree(index_dir, ignore_errors=True)  # a kept folder from an earlier run
    shutil.rmtree(work / "recoll", ignore_errors=True)
    first, rss, cpu, stall = run_indexing([*FOIASEARCH, "index", str(corpus), "--index", str(index_dir)], cwd=ROOT)
    docs, pages = indexed_counts(index_dir)
    first_row = (f"| {label} | first index | {first:.1f} s ({docs} files: {rate(docs, first)} files/s, "
                 f"{pages} pages: {rate(pages, first)} pages/s), CPU {cpu:.1f} s, peak RSS {rss / 1024:.0f} MB, "
                 f"longest stall {stall:.1f} s |")
    if index_only:
        return [first_row + " | |"]
    again = (run_measured([*FOIASEARCH, "index", str(corpus), "--index", str(index_dir), "-q"], cwd=ROOT)[0]
             if "reindex" not in skip else None)
    size = du(index_dir)
    plain = query_latency(index_dir, facets=False)
    faceted = query_latency(index_dir, facets=True)
    cli = cli_query_seconds(index_dir) if "reindex" not in skip else None
    web = web_throughput(index_dir) if "web" not in skip else None
    if stats is not None:
        stats.update(first=first, docs=docs, plain=plain, faceted=faceted, web_rps=web and web["rps"], size=size)
    theirs = recoll(corpus, work) if "recoll" not in skip else None
    grep = pdfgrep_seconds(corpus) if "recoll" not in skip else None
    rows = [
        first_row + (f" {theirs['first']:.1f} s, CPU {theirs['cpu']:.1f} s, peak RSS {theirs['rss'] / 1024:.0f} MB "
                     f"| {first / theirs['first']:.2f} (CPU {cpu / max(theirs['cpu'], 0.01):.2f}) |"
                     if theirs else " n/a | |"),
        (f"| {label} | unchanged re-index | {again:.2f} s ({100 * again / first:.1f}% of first) |"
         + (f" {theirs['again']:.2f} s | {again / theirs['again']:.2f} |" if theirs else " n/a | |"))
        if again is not None else f"| {label} | unchanged re-index | skipped | | |",
        f"| {label} | index size | {size / 1e6:.1f} MB |" + (f" {theirs['size'] / 1e6:.1f} MB | "
                                                             f"{size / theirs['size']:.2f} |" if theirs else " n/a | |"),
        f"| {label} | query p50 / p95, no facets, first time (in-process) | {plain[0]:.1f} / {plain[1]:.1f} ms | | |",
        f"| {label} | query p50 / p95, all facets, first time (in-process) | {faceted[0]:.1f} / {faceted[1]:.1f} ms "
        f"| | |",
        f"| {label} | query p50 / p95, all facets, repeated text (cached) | {faceted[2]:.1f} / {faceted[3]:.1f} ms "
        f"| | |",
    ]
    if web is not None:
        rows.append(f"| {label} | web search page, `serve --workers 2`, 8 clients ({web['tool']}), mixed faceted "
                    f"searches | {web['rps']:.0f} req/s, latency p50 {web['p50']:.0f} / p99 {web['p99']:.0f} ms, "
                    f"{web['bad']} not 2xx | | |")
    if cli is not None:
        rows.append(f"| {label} | one CLI search, process start included (median) | {cli * 1000:.0f} ms |"
                    + (f" recollq {theirs['query'] * 1000:.0f} ms | {cli / theirs['query']:.2f} |"
                       if theirs else " n/a | |"))
    if grep is not None and cli is not None:  # --skip reindex leaves out the CLI search
        rows.append(f"| {label} | answer one query over the PDFs (median) | {cli * 1000:.0f} ms (indexed) |"
                    f" pdfgrep -r {grep * 1000:.0f} ms | {cli / grep:.3f} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="2000,20000", help="total documents per synthetic corpus")
    parser.add_argument("--pages", type=int, default=10, help="pages per PDF release")
    parser.add_argument("--release-share", type=float, default=0.05, help="share of documents that are PDFs")
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--keep", type=Path, help="keep corpora and indexes here")
    parser.add_argument("--index-only", action="store_true",
                        help="only the first index row (time, peak RSS, longest stall), e.g. at 100000")
    parser.add_argument("--backends", default="whoosh",
                        help="comma-separated: whoosh, postgresql (a throwaway server with a streaming replica)")
    parser.add_argument("--skip", default="", help=f"comma-separated parts to leave out: {', '.join(SKIPPABLE)}")
    args = parser.parse_args()
    skip = frozenset(p.strip() for p in args.skip.split(",") if p.strip())
    if not skip <= set(SKIPPABLE):
        parser.error(f"--skip: unknown {', '.join(sorted(skip - set(SKIPPABLE)))}; use {', '.join(SKIPPABLE)}")
    backends = {b.strip() for b in args.backends.split(",") if b.strip()}
    if not backends <= {"whoosh", "postgresql"}:
        parser.error(f"--backends: unknown {', '.join(sorted(backends - {'whoosh', 'postgresql'}))}; "
                     "use whoosh, postgresql")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| corpus | measure | foiasearch | recoll / pdfgrep | ratio ours/theirs |")
    print("|---|---|---|---|---|")
    base = args.keep or Path(tempfile.mkdtemp(prefix="foiasearch-bench-"))
    for scale in [int(s) for s in args.scales.split(",") if s]:
        releases = int(scale * args.release_share)
        posts = scale - releases
        work = base / f"synthetic-{scale}"
        corpus = work / "corpus"
        if not corpus.exists():
            generate(corpus, posts, releases, args.pages, seed=1)
        whoosh: dict = {}
        if "whoosh" in backends:
            for row in bench_corpus(f"synthetic {scale}", corpus, work, args.index_only, stats=whoosh, skip=skip):
                print(row, flush=True)
        if "postgresql" in backends:  # the same corpus, beside Whoosh's figures
            from bench.pg_scale import rows as postgres_rows

            for row in postgres_rows(f"synthetic {scale}", corpus, whoosh, skip=skip):
                print(row, flush=True)
        if not args.keep:
            shutil.rmtree(work)
    if args.shared.is_dir() and not args.index_only and "whoosh" in backends:
        work = base / "shared"
        work.mkdir(parents=True, exist_ok=True)
        for row in bench_corpus("../shared/corpus", args.shared, work, skip=skip):
            print(row, flush=True)
        if not args.keep:
            shutil.rmtree(work)


if __name__ == "__main__":
    main()
