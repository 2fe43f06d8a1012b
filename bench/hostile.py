"""Hostile requests for the site, as raw bytes, and a sweep that sends them.

The generator covers what an attacker tries first: query-parser abuse
(wildcard storms, huge-slop phrases, repeated ranges, deep nesting, odd
Unicode, NUL and invalid UTF-8), URL parameters out of range or repeated,
path traversal and odd document ids, hostile Host headers (DNS rebinding,
70-character labels), oversized and malformed headers, bad cookies and
tokens, absurd CSRF tokens, bodies that lie about their length, unusual
methods and request lines that are not HTTP at all.

    python -m bench.hostile --docs 20000 --index /tmp/web-bench-ix --count 1500
    python -m bench.hostile --index /tmp/web-bench-ix --count 1500 --with-indexing   # index runs meanwhile

Prints one JSON object: requests sent, answers by status class (``429
busy``, the site's fast "try again" when a request cannot start within its
time budget, counted apart), every 5xx, the slowest requests and latency
percentiles (seconds to the answer's first bytes). Exit status 1 if any
answer was a 5xx, a request got no answer in 30 s, or an answer took longer
than --max-seconds (connections the server drops on purpose, such as a body
shorter than announced, after 15 s, are counted as "closed").
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlencode

from foiasearch.index.facet_registry import FACET_NAMES

SAFE_HOST = b"127.0.0.1"
WORDS = ["detainer", "opt", "out", "county", "sheriff", "border", "asylum", "custody", "memo", "warrant"]
FACETS = list(FACET_NAMES)  # every filter the site takes


def _get(path: str, headers: dict[str, bytes] | None = None, host: bytes = SAFE_HOST) -> bytes:
    lines = [b"GET " + path.encode("utf-8", "surrogateescape") + b" HTTP/1.1", b"Host: " + host]
    lines += [name.encode() + b": " + value for name, value in (headers or {}).items()]
    return b"\r\n".join(lines) + b"\r\nConnection: close\r\n\r\n"


def _q(text: str, **params: str) -> str:
    return "/?" + urlencode({"q": text, **params}, errors="surrogatepass")


def query_texts(rng: random.Random) -> list[str]:
    """Query box texts that have hurt search engines."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    word = lambda: rng.choice(WORDS)  # noqa: E731
    texts = [
        " OR ".join(f"*{c}*" for c in letters),
        " OR ".join(f"{c}*" for c in letters) * 3,
        f'"{word()} {word()}"~{rng.choice([100, 10_000, 10**9])}',
        f'"{" ".join(word() for _ in range(40))}"~50000',
        f'"{" ".join(word() for _ in range(40))}"~50',
        " OR ".join(f'"{word()} {word()} {word()}"~50' for _ in range(20)),
        " ".join(f"{word()}~2" for _ in range(12)),
        "*", "* OR * OR *", "* NOT *",
        "content:[a TO m] OR title:[a TO m]",
        " OR ".join(f"date:[{1900 + i}-01-01 TO {2000 + i}-12-31]" for i in range(60)),
        " ".join(f"year:[{1000 + i} TO {3000 - i}]" for i in range(80)),
        "(" * 500 + word() + ")" * 500,
        "(" * 300 + word(),
        '"' * 301,
        "NOT " * 400 + word(),
        "AND OR NOT " * 100,
        f"{word()}~5 " * 50,
        f"{word()}~" * 40,
        "*" * 200,
        "?" * 200 + word(),
        "title:" * 300,
        "nosuchfield:x " * 50,
        "date:[9999-99-99 TO 0000-00-00]",
        "date:tomorrow date:yesterday date:[now TO -100years]",
        "bates:[A TO Z]",
        "content:" + "x" * 1990,
        "x" * 2001,
        "\x00" * 50 + word(),
        "\u202e" + word() + "\u202d",
        "e\u0301" * 300,
        "𝔡𝔢𝔱𝔞𝔦𝔫𝔢𝔯 🦄" * 20,
        "\ud800" + word(),
        "%" * 100,
        "\\" * 100,
        "{" * 50 + "}" * 50,
        "[" * 80 + word(),
        "^" * 60 + word() + "^1e308",
        f"{word()}^99999999999999999999",
        f"{word()}~99999999999999999999",
        "' OR 1=1 --",
        "<script>alert(1)</script>",
        "{{7*7}}",
        "${jndi:ldap://x}",
    ]
    for _ in range(60):  # random soup of operators, wildcards and words
        parts = [rng.choice(["AND", "OR", "NOT", "(", ")", '"', "*", word() + "*", "*" + word()[:2] + "*",
                             word(), f"{word()}~{rng.randint(0, 9)}", f"tag:{word()}", "date:[2000 TO 2020]"])
                 for _ in range(rng.randint(5, 120))]
        texts.append(" ".join(parts)[:1999])
    return texts


def requests(count: int, doc_ids: list[str], seed: int = 17) -> list[tuple[str, bytes]]:
    """At least ``count`` (label, raw request) pairs, a mix of every kind."""
    rng = random.Random(seed)
    doc = doc_ids[0] if doc_ids else "0" * 64
    out: list[tuple[str, bytes]] = []
    for text in query_texts(rng):
        out.append(("query", _get(_q(text))))
        out.append(("api-query", _get("/api/search?" + urlencode({"q": text}, errors="surrogatepass"))))
        out.append(("export-query", _get("/export.csv?" + urlencode({"q": text}, errors="surrogatepass"))))
    params = [
        "page=-1", "page=0", "page=99999999999999999999", "page=1e9", "page=%00", "limit=0", "limit=100000",
        "limit=abc", "sort=evil", "sort=", "more=nosuch", "more=tag&more=tag&more=tag", "find_tag=" + "x" * 5000,
        "evil=1", "q=&q=&q=", "&".join(["tag=x"] * 500), "tag=" + "x" * 400, "&".join(f"tag=v{i}" for i in range(300)),
        "year=abcd", "year=" + "9" * 5000, "q=%ZZ", "q=%", "q=%C3%28", "q=%FF%FE", "q=a%00b", "bom=1",
        "&&&&&&", "=x", "q", "q=" + "%41" * 3000,
    ]
    for p in params:
        for base in ("/", "/api/search", "/export.json", "/export.jsonl"):
            out.append(("params", _get(f"{base}?{p}")))
    paths = [
        "/documents/../../etc/passwd", "/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/documents/..%2F..%2Fetc",
        f"/documents/{doc}/original", f"/documents/{doc}.txt", f"/documents/{doc}?q=" + quote("*a* OR *b*"),
        f"/documents/{doc}/../../../etc/passwd", "/documents/" + "f" * 5000, "/documents/" + "0" * 64 + "/original",
        "/documents/%00", "/documents/\u00e9", "/api/documents/" + "a" * 129, "/api/documents/../../x",
        "/saved/../../etc.atom", "/saved/" + "x" * 300 + ".atom", "/saved/%0d%0aSet-Cookie:x=1.atom",
        "/saved/nosuch/export.csv", "/export.exe", "/export.", "/static/../web/auth.py", "/static/%2e%2e/x",
        "//etc/passwd", "/\\evil", "/" + "a/" * 2000, "/login?next=//evil.example", "/login?next=https://evil.example",
        "/login?next=" + quote("/\\evil"), "/saved?done=saved&name=" + quote("<script>"), "/api/", "/api/search/",
        "/favicon.ico", "/robots.txt", "/.git/config", "/.env", "/users.db", "/web-secret",
    ]
    for path in paths:
        out.append(("path", _get(path)))
    hosts = [b"evil.example", b"a" * 70 + b".example", b"a" * 63 + b"." + b"b" * 63, b"localhost:99999",
             b"[::1", b"127.0.0.1.nip.io", b"xn--80ak6aa92e.com", b"\xff\xfe", b"local host", b"", b"a" * 300]
    for host in hosts:
        out.append(("host", _get("/?q=detainer", host=host)))
        out.append(("host", _get(f"/documents/{doc}", host=host)))
    headers = [
        {"X-Big": b"x" * 9000}, {f"X-{i}": b"v" for i in range(150)}, {"Cookie": b"foiasearch_session=" + b"A" * 4000},
        {"Cookie": b"foiasearch_session=eyJ1c2VyIjoiYWRtaW4ifQ.forged.sig"}, {"Authorization": b"Bearer " + b"x" * 5000},
        {"Authorization": b"Bearer fst_forged"}, {"Authorization": b"Basic " + b"=" * 100}, {"Authorization": b"\xff"},
        {"Range": b"bytes=0-0,1-1,2-2" * 200}, {"Range": b"bytes=99999999999-"}, {"If-Modified-Since": b"garbage"},
        {"Accept-Encoding": b"gzip;q=" + b"9" * 1000}, {"Content-Length": b"-1"}, {"Transfer-Encoding": b"chunked, identity"},
        {"X-Forwarded-Proto": b"https"}, {"X-Forwarded-Host": b"evil.example"}, {"Accept": b"*/*" * 2000},
    ]
    for extra in headers:
        out.append(("header", _get("/?q=detainer", extra)))
        out.append(("header", _get(f"/documents/{doc}/original", extra)))
    form = "application/x-www-form-urlencoded"
    for body in (b"csrf=" + b"1" * 5000, b"csrf=" + b"9" * 13 + b".ab", b"csrf=.", b"name=x&q=y", b"csrf=%ZZ",
                 b"\xff\xfe\x00", b"csrf=1.2&" + b"a=b&" * 1000):
        for path in ("/saved", "/saved/x/delete", "/saved/x/seen", "/login", "/logout"):
            out.append(("post", b"POST " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + form.encode()
                        + b"\r\nContent-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body))
    out.append(("post", b"POST /saved HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 52428800\r\nConnection: close\r\n\r\ncsrf=x"))
    out.append(("post", b"POST /saved HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=x\r\n"
                        b"Content-Length: 20\r\nConnection: close\r\n\r\n--x\r\n--x--\r\n\r\n"))
    for method in (b"PUT", b"DELETE", b"TRACE", b"OPTIONS", b"PATCH", b"CONNECT", b"PROPFIND", b"G\x00T"):
        out.append(("method", method + b" / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"))
    for raw in (b"GET / HTTP/9.9\r\nHost: 127.0.0.1\r\n\r\n", b"GARBAGE\r\n\r\n", b"GET http://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n", b"GET /\x00 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                b"GET / HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n", b"GET / HTTP/1.1\nHost: 127.0.0.1\n\n"):
        out.append(("raw", raw))
    while len(out) < count:  # fill up with random mixes of the above
        label, raw = rng.choice(out)
        out.append((label, raw))
    return out


def send(port: int, raw: bytes, timeout: float = 30.0) -> tuple[int, float, float]:
    """(status, seconds to the answer's first bytes, seconds to its end) for
    one raw request; status 0: closed without an answer."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(raw)
            first = sock.recv(64)
        except (ConnectionResetError, BrokenPipeError):
            first = b""
        except socket.timeout:
            return -1, time.monotonic() - started, time.monotonic() - started  # no answer in time
        elapsed = time.monotonic() - started
        while True:  # read the rest, so the server is not stopped mid-answer
            try:
                if not sock.recv(65536):
                    break
            except OSError:
                break
        total = time.monotonic() - started
    parts = first.split(b" ", 2)
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    return status, elapsed, total


def sweep(port: int, reqs: list[tuple[str, bytes]], clients: int = 4) -> dict:
    """Send every request (``clients`` at a time); the figures as a dict."""
    def one(item):
        label, raw = item
        status, seconds, total = send(port, raw)
        return label, raw, status, seconds, total

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, reqs))
    times = sorted(r[3] for r in results)
    by_class: dict[str, int] = {}
    for _, _, status, _, _ in results:
        key = f"{status // 100}xx" if status > 0 else ("closed" if status == 0 else "no answer in 30 s")
        key = "429 busy" if status == 429 else key  # a fast "try again" (web.deadline), counted apart
        by_class[key] = by_class.get(key, 0) + 1
    slowest = sorted(results, key=lambda r: -r[3])[:5]
    return {
        "requests": len(results),
        "by_status": dict(sorted(by_class.items())),
        "server_errors": [{"kind": l, "status": s, "request": r[:120].decode("latin-1")}
                          for l, r, s, _, _ in results if s >= 500],
        "unanswered": [{"kind": l, "request": r[:160].decode("latin-1")} for l, r, s, _, _ in results if s < 0],
        "worst_seconds": round(times[-1], 3),
        "worst_answered_seconds": round(max((r[3] for r in results if r[2] > 0), default=0.0), 3),
        "worst_complete_seconds": round(max(r[4] for r in results), 3),
        "over_2s": sum(1 for t in times if t > 2.0),
        "answered_over_2s_count": sum(1 for r in results if r[3] > 2.0 and r[2] > 0),
        "busy_429": sum(1 for r in results if r[2] == 429),
        "p50_seconds": round(statistics.median(times), 4),
        "p99_seconds": round(times[int(len(times) * 0.99) - 1], 3),
        "slowest": [{"kind": l, "seconds": round(t, 3), "complete": round(c, 3), "status": s,
                     "request": r[:100].decode("latin-1")} for l, r, s, t, c in slowest],
        "answered_over_2s": [{"kind": l, "seconds": round(t, 3), "status": s, "request": r[:100].decode("latin-1")}
                             for l, r, s, t, _ in results if t > 2.0 and s > 0],
    }


def main() -> None:
    from bench.web_load import _free_port, _wait, build

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path(tempfile.gettempdir()) / "foiasearch-web-bench")
    parser.add_argument("--docs", type=int, default=20_000, help="documents in the index built when missing")
    parser.add_argument("--count", type=int, default=1500)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-seconds", type=float, default=2.0)
    parser.add_argument("--with-indexing", action="store_true",
                        help="run 'foiasearch index' on a generated corpus into the same index meanwhile")
    args = parser.parse_args()
    build(args.index, args.docs)
    from foiasearch.search.api import Query, open_backend

    with open_backend(args.index) as backend:
        doc_ids = [h.id for h in backend.search(Query("", per_page=5)).hits]
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "foiasearch", "serve", "--index", str(args.index), "--public",
                               "--port", str(port), "--workers", str(args.workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    indexer, corpus = None, None
    try:
        _wait(port)
        if args.with_indexing:
            corpus = Path(tempfile.mkdtemp(prefix="hostile-corpus-"))
            subprocess.run([sys.executable, "-m", "bench.gen_corpus", str(corpus), "--posts", "1500",
                            "--releases", "20"], check=True, capture_output=True)
            indexer = subprocess.Popen([sys.executable, "-m", "foiasearch", "index", str(corpus), "--index",
                                        str(args.index), "-q", "--workers", "1"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        figures = sweep(port, requests(args.count, doc_ids), args.clients)
        figures["index_running"] = bool(indexer and indexer.poll() is None) if args.with_indexing else None
    finally:
        if indexer is not None:
            indexer.terminate()
            indexer.wait(30)
        if corpus is not None:  # the generated files; the index keeps what was indexed
            shutil.rmtree(corpus, ignore_errors=True)
        server.terminate()
        server.wait(30)
    figures.update(docs=args.docs, workers=args.workers, clients=args.clients)
    print(json.dumps(figures, indent=2))
    # A connection closed unanswered (a body that never comes, a request line that is not HTTP) is
    # dropped on purpose after REQUEST_READ_S: the bound is on answers.
    bad = figures["server_errors"] or figures["unanswered"] or figures["worst_answered_seconds"] > args.max_seconds
    raise SystemExit(1 if bad else 0)


if __name__ == "__main__":
    main()
