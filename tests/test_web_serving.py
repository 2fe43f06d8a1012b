"""The real `foiasearch serve` (gunicorn, GuardedThreadWorker) keeps answering
while idle and slow clients hold connections open (issue 17, item 5)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.web_corpus import build_web_corpus


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("serving")
    location, _ = build_web_corpus(root)
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "foiasearch", "serve", "--index", str(location.root),
                                "--port", str(port), "--workers", "1"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=2).read()
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("foiasearch serve did not come up")
        yield port, base
    finally:
        process.terminate()
        process.wait(10)


def _connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=5)


def test_site_answers_while_50_idle_and_slow_connections_are_open(server):
    port, base = server
    held = [_connect(port) for _ in range(50)]  # open, send nothing
    for _ in range(10):  # a POST announcing 50 MB that sends 6 bytes
        sock = _connect(port)
        sock.sendall(b"POST /saved HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded"
                     b"\r\nContent-Length: 52428800\r\n\r\ncsrf=x")
        held.append(sock)
    for _ in range(10):  # a request head that never ends
        sock = _connect(port)
        sock.sendall(b"GET /?q=opt HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        held.append(sock)
    try:
        worst = 0.0
        for _ in range(20):
            start = time.monotonic()
            with urllib.request.urlopen(base + "/?q=opt+out", timeout=10) as response:
                assert response.status == 200
                assert b"documents match" in response.read()
            worst = max(worst, time.monotonic() - start)
        assert worst < 2.0, worst
    finally:
        for sock in held:
            sock.close()


def test_a_request_head_that_never_ends_is_dropped(server):
    from foiasearch.web.server import REQUEST_READ_S

    port, _ = server
    sock = _connect(port)
    sock.settimeout(REQUEST_READ_S + 10)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
    start = time.monotonic()
    assert sock.recv(100) == b""  # closed by the server, nothing sent
    assert REQUEST_READ_S - 1 < time.monotonic() - start < REQUEST_READ_S + 5
    sock.close()


def test_oversized_headers_and_bad_hosts_get_4xx_not_5xx(server):
    port, _ = server
    cases = [
        b"GET /?" + b"q" * 9000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"x" * 9000 + b"\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: " + b"a" * 70 + b".example\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n",
    ]
    for raw in cases:
        with _connect(port) as sock:
            sock.sendall(raw)
            status = sock.recv(100).split(b"\r\n")[0]
            assert status.startswith(b"HTTP/1.1 4"), (raw[:60], status)


def test_concurrent_searches_in_one_worker_never_give_a_500(server):
    """Threads share one backend per process; its readers are not thread-safe
    (web.serialized): concurrent searches once garbled each other's reads."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlencode

    port, base = server
    texts = ["opt out", "detainer*", '"secure communities"~5', "*a* OR *e*", "county NOT jail", "weekly OR update",
             "title:detainer", "date:[2010 TO 2015]", "sheriff* AND update", "fingerprints OR routine"] * 4

    def status(text: str) -> int:
        for path in ("/?", "/api/search?", "/export.csv?"):
            try:
                with urllib.request.urlopen(base + path + urlencode({"q": text}), timeout=60) as response:
                    response.read()
            except urllib.error.HTTPError as exc:
                if exc.code >= 500:
                    return exc.code
        return 200

    with ThreadPoolExecutor(12) as pool:
        assert set(pool.map(status, texts)) == {200}


def test_a_head_with_bare_line_feeds_is_closed_at_once(server):
    port, _ = server
    with _connect(port) as sock:
        sock.sendall(b"GET / HTTP/1.1\nHost: localhost\n\n")
        start = time.monotonic()
        assert sock.recv(100) == b""
        assert time.monotonic() - start < 2.0
