"""Web speed: render time of the search page and throughput of
``foiasearch serve`` on a synthetic index.

    python -m bench.web_load --docs 20000 --index /tmp/web-bench-ix   # builds once, then reuses
    python -m bench.web_load --index /tmp/web-bench-ix --render 200   # page render times in-process
    python -m bench.web_load --index /tmp/web-bench-ix --load 2000 --workers 2 --clients 8

The index is made through the library (``index.build.index_documents``)
from generated Documents: posts and multi-page releases with tags, actors
(typed), exemptions, collections and dates, so every facet has values (tags
and actors in the hundreds, Zipf-distributed). The load run starts
``foiasearch serve`` on a free loopback port and drives a mix of faceted
searches with ``wrk`` when installed, else with a thread pool of
http.client connections.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from foiasearch.index.build import index_documents
from foiasearch.index.location import IndexLocation
from foiasearch.ingest.document import Actor, Document, Page

REPO = Path(__file__).resolve().parents[1]
TOPICS = ["detainer", "opt out", "secure communities", "fingerprint", "sheriff", "county jail", "removal",
          "border", "asylum", "custody", "deportation", "policy", "memo", "transfer", "warrant", "hold"]
TYPES = ["person", "agency", "organization", "place", "program"]
EXEMPTIONS = ["b5", "b6", "b7c", "b7e", "b2", "b4"]


def _zipf(rng: random.Random, items: list[str], k: int) -> list[str]:
    picks = {items[min(len(items) - 1, int(rng.paretovariate(1.1)) - 1)] for _ in range(k)}
    return sorted(picks)


def synthetic_documents(count: int, seed: int = 7):
    """``count`` Documents with metadata for every facet (no files)."""
    rng = random.Random(seed)
    words = [f"{a}{b}" for a in ("pro", "re", "de", "con", "in", "ex", "sub", "trans", "pre", "dis")
             for b in ("gram", "port", "tain", "ject", "cord", "vise", "mit", "form", "duct", "spect",
                       "fer", "pose", "tract", "scribe", "press", "sist", "tend", "clude", "voke", "rupt")]
    vocabulary = words + [w for t in TOPICS for w in t.split()] * 3 + ["county", "state", "agency", "office"] * 5
    tags = [f"Topic {n:03d}" for n in range(400)]
    actors = [(f"Actor {n:04d}", TYPES[n % len(TYPES)]) for n in range(1500)]
    for n in range(count):
        release = n % 10 == 0
        npages = rng.randint(3, 8) if release else 1
        pages = [Page(i + 1, " ".join(rng.choice(vocabulary) for _ in range(rng.randint(40, 90))) + ".")
                 for i in range(npages)]
        year = rng.randint(2008, 2020)
        doc = Document(
            kind="release" if release else "post",
            title=" ".join(rng.choice(vocabulary) for _ in range(rng.randint(3, 7))).capitalize(),
            pages=pages, date=f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            tags=_zipf(rng, tags, rng.randint(1, 4)),
            actors=[Actor(*actors[int(rng.paretovariate(0.9)) % len(actors)]) for _ in range(rng.randint(0, 4))],
            exemptions=rng.sample(EXEMPTIONS, rng.randint(1, 3)) if release else [],
            collection=f"collection-{rng.randint(1, 20):02d}", site=None if release else "example.org",
        )
        # distinct paths, no files: the manifest records them as indexed
        yield doc, [f"/synthetic/{doc.collection}/{n:06d}.{'pdf' if release else 'html'}"]


def build(index_dir: Path, docs: int) -> float:
    location = IndexLocation(index_dir)
    if location.exists():
        return 0.0
    started = time.perf_counter()
    batch: list = []
    for item in synthetic_documents(docs):
        batch.append(item)
        if len(batch) == 2000:  # one commit per 2000: bounded memory
            index_documents(location, batch)
            batch = []
    if batch:
        index_documents(location, batch)
    return time.perf_counter() - started


def request_mix(count: int, seed: int = 3, queries: list[str] | None = None,
                facet_values: dict[str, list[str]] | None = None, query_share: float = 0.6) -> list[str]:
    """Faceted searches as people click them: a query (``query_share`` of
    them) or none, 0-3 facet values, a sort, sometimes page 2. By default the
    queries and facet values of this module's synthetic documents."""
    rng = random.Random(seed)
    queries = queries or TOPICS
    if facet_values is None:
        facet_values = {"tag": [f"Topic {n:03d}" for n in range(12)],
                        "actor": [f"Actor {n:04d}" for n in range(8)],
                        "year": [str(y) for y in range(2008, 2021)],
                        "kind": ["release", "post"],
                        "exemption": EXEMPTIONS}
    paths = []
    for _ in range(count):
        params: list[tuple[str, str]] = []
        if rng.random() < query_share:
            params.append(("q", rng.choice(queries)))
        for facet, values in facet_values.items():
            if values and rng.random() < 0.25:
                params.append((facet, rng.choice(values)))
        if rng.random() < 0.2:
            params.append(("sort", rng.choice(["newest", "oldest"])))
        if rng.random() < 0.1:
            params.append(("page", "2"))
        paths.append("/?" + urlencode(params) if params else "/")
    return paths


def render_times(index_dir: Path, count: int) -> list[float]:
    """Milliseconds per search page, in-process through the test client."""
    from foiasearch.web import create_app

    client = create_app(index_dir).test_client()
    client.get("/")  # open the index and build the value map once
    times = []
    for path in request_mix(count):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    return times


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", "/")  # opens the index in a worker
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("foiasearch serve did not come up")


def load(index_dir: Path, requests: int, workers: int, clients: int, seconds: int, warm: bool) -> str:
    figures = drive(index_dir, request_mix(requests), workers, clients, seconds, warm)
    return (f"{figures['tool']} x{clients}, {workers} workers: {figures['rps']:.0f} req/s, latency p50 "
            f"{figures['p50']:.0f} ms, p99 {figures['p99']:.0f} ms, {figures['bad']} not 2xx")


def drive(index_dir: Path, paths: list[str], workers: int = 2, clients: int = 8, seconds: int = 10,
          warm: bool = False, split: bool = False, repo: Path = REPO) -> dict:
    """Start ``foiasearch serve`` on ``index_dir`` and request ``paths`` in a
    loop with ``clients`` connections (wrk for ``seconds`` when installed,
    else one pass of a thread pool). Returns the tool, requests/s, latency
    p50 and p99 in ms, how many answers were not 2xx, and with wrk how many the
    page cache served (``hits`` of ``answers``) and the non-2xx by status.
    ``split``: no path twice in a run shorter than the list (see _wrk);
    ``repo``: the checkout whose ``foiasearch serve`` runs (this one's by default)."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(repo)}
    server = subprocess.Popen([sys.executable, "-m", "foiasearch", "serve", "--index", str(index_dir),
                               "--port", str(port), "--workers", str(workers)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        _wait(port)
        for _ in range(workers * 3):  # every worker opens its index before timing
            _get(port, paths[0])
        if warm:  # each worker sees each query text once: the steady state of faceted browsing
            texts = sorted({p for p in paths if p.startswith("/?q=")})
            with ThreadPoolExecutor(workers * 2) as pool:
                list(pool.map(lambda p: _get(port, p), texts * (workers * 2)))
        if shutil.which("wrk"):
            return _wrk(port, paths, clients, seconds, split)
        return _threads(port, paths, clients)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(15)


def _get(port: int, path: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _timed_get(port: int, path: str) -> tuple[int, float]:
    started = time.perf_counter()
    status = _get(port, path)
    return status, (time.perf_counter() - started) * 1000


def _threads(port: int, paths: list[str], clients: int) -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        answers = list(pool.map(lambda p: _timed_get(port, p), paths))
    elapsed = time.perf_counter() - started
    times = sorted(ms for _, ms in answers)
    return {"tool": "http.client", "rps": len(paths) / elapsed, "p50": times[len(times) // 2],
            "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
            "bad": sum(1 for status, _ in answers if not 200 <= status < 300)}


WRK_THREADS = 2
_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(port: int, paths: list[str], clients: int, seconds: int, split: bool = False) -> dict:
    """One wrk run over ``paths`` in a loop (each of wrk's threads walks the
    whole list from its start; ``split``: thread n takes every other path
    from the n-th, so a list longer than the run sees each path once).
    Counts the answers the site's page cache served (``X-Cache: hit``)."""
    script = Path(tempfile.mkdtemp()) / "mix.lua"
    lua_paths = ",\n".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    step = WRK_THREADS if split else 1
    script.write_text(
        f"local paths = {{\n{lua_paths}\n}}\nlocal threads, made = {{}}, 0\n"
        f"setup = function(thread)\n  thread:set('first', made * {int(split)})\n  made = made + 1\n"
        "  table.insert(threads, thread)\nend\n"
        "init = function(args)\n  i = first or 0\n  hits, answers, c400, c429, c5xx = 0, 0, 0, 0, 0\nend\n"
        f"request = function()\n  local path = paths[(i % #paths) + 1]\n  i = i + {step}\n"
        "  return wrk.format('GET', path)\nend\n"
        "response = function(status, headers, body)\n  answers = answers + 1\n"
        "  if headers['X-Cache'] == 'hit' then hits = hits + 1 end\n"
        "  if status == 400 then c400 = c400 + 1 elseif status == 429 then c429 = c429 + 1 "
        "elseif status >= 500 then c5xx = c5xx + 1 end\nend\n"
        "done = function(summary, latency, requests)\n"
        "  local h, a, b, r, x = 0, 0, 0, 0, 0\n"
        "  for _, t in ipairs(threads) do h = h + t:get('hits'); a = a + t:get('answers'); "
        "b = b + t:get('c400'); r = r + t:get('c429'); x = x + t:get('c5xx') end\n"
        "  io.write(string.format('non-2xx: %d\\n', summary.errors.status))\n"
        "  io.write(string.format('cache hits: %d of %d\\n', h, a))\n"
        "  io.write(string.format('statuses: 400 %d, 429 %d, 5xx %d\\n', b, r, x))\nend\n")
    result = subprocess.run(["wrk", "-t", str(WRK_THREADS), "-c", str(clients), "-d", f"{seconds}s", "--latency",
                             "-s", str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True)
    out = result.stdout
    latency = {q: float(v) * _WRK_UNITS[u] for q, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)}
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    bad = re.search(r"non-2xx: (\d+)", out)
    hits = re.search(r"cache hits: (\d+) of (\d+)", out)
    statuses = re.search(r"statuses: 400 (\d+), 429 (\d+), 5xx (\d+)", out)
    if not rps or len(latency) < 2:
        raise SystemExit(f"could not read wrk's output:\n{out}{result.stderr}")
    return {"tool": "wrk", "rps": float(rps.group(1)), "p50": latency["50"], "p99": latency["99"],
            "bad": int(bad.group(1)) if bad else 0,
            "hits": int(hits.group(1)) if hits else 0, "answers": int(hits.group(2)) if hits else 0,
            "statuses": dict(zip(("400", "429", "5xx"), map(int, statuses.groups()))) if statuses else {}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / "foiasearch-web-bench")
    parser.add_argument("--docs", type=int, default=20_000)
    parser.add_argument("--render", type=int, default=0, help="search pages to time in-process")
    parser.add_argument("--load", type=int, default=0, help="requests in the mix for the load run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10, help="duration of a wrk run")
    parser.add_argument("--warm", action="store_true", help="run every query text on every worker first")
    args = parser.parse_args()
    seconds = build(args.index, args.docs)
    if seconds:
        print(f"built {args.docs} documents in {seconds:.0f} s at {args.index}")
    if args.render:
        times = render_times(args.index, args.render)
        qs = statistics.quantiles(times, n=20)
        print(f"search page render, {len(times)} faceted searches: median {statistics.median(times):.1f} ms, "
              f"p95 {qs[18]:.1f} ms, max {max(times):.1f} ms")
    if args.load:
        print(load(args.index, args.load, args.workers, args.clients, args.seconds, args.warm))


if __name__ == "__main__":
    main()
