"""Run the app under gunicorn, configured in-process, so that idle or slow
clients cannot block it.

gunicorn's sync workers serve one connection at a time: two clients that
open a connection and send nothing (or announce a 50 MB POST and send 6
bytes) froze the site. Here each worker process runs a pool of threads
(gunicorn's ``gthread`` worker), and:

- a connection waits in the worker's event loop, not in a thread, until
  its whole request head (and a small body) has arrived, so idle and slow
  clients cost no thread at all (:class:`GuardedThreadWorker`);
- a connection that sends nothing for ``IDLE_S`` seconds, or does not
  finish its request within ``REQUEST_READ_S``, is dropped;
- request lines, header counts and sizes are limited by gunicorn, and
  bodies by Flask (``MAX_CONTENT_LENGTH``): a POST announcing more gets a
  413 before anything is read;
- a response write that stalls for ``WRITE_TIMEOUT_S`` drops the client;
- the moment a request has fully arrived is passed to the app
  (``environ["foiasearch.arrived"]``, a ``time.monotonic()`` reading): its
  time budget counts from then, including time queued behind other
  requests (web.serialized, search.budget).

Searching is CPU-bound (one GIL per process), so processes still give the
parallelism: about one worker per core, a few threads each.

>>> GunicornServer(lambda: None, {"bind": "127.0.0.1:0", "workers": 1}).cfg.workers
1
"""

from __future__ import annotations

import dataclasses
import errno
import os
import re
import selectors
import socket
import threading
import time
from functools import partial
from collections.abc import Callable
from typing import Any

from gunicorn import http
from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import TConn, ThreadWorker

from foiasearch.web.serialized import ARRIVED_KEY

REQUEST_READ_S = 15.0  # the whole request head and body, from its first byte
IDLE_S = 30.0  # a new connection that sends nothing
WRITE_TIMEOUT_S = 60.0  # one stalled write of the response
THREADS = 8  # per worker process
MAX_HEAD_BYTES = 64 * 1024  # more without a blank line: the parser refuses it
MAX_WAITED_BODY = 256 * 1024  # bodies up to this are gathered before a thread is used
_serving = threading.local()  # the request this thread is handling: arrived


class GunicornServer(BaseApplication):
    """gunicorn's BaseApplication with the app and settings given in code
    (no command line, no config file)."""

    def __init__(self, load: Callable[[], Any], options: dict[str, Any]) -> None:
        self._load = load
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key.lower(), value)

    def load(self):
        return self._load()


class SlowClient(http.errors.NoMoreData, TimeoutError):
    """The request did not arrive in time. gunicorn drops such a connection
    quietly (as a client that went away); raised while the app reads a
    body, the app answers 408."""

    def __str__(self) -> str:
        return "request not received in time"


class DeadlineReader:
    """The socket as gunicorn's request parser sees it: first the bytes the
    worker already gathered (``prefix``), then ``recv`` calls that get only
    what is left of the request's read deadline.

    >>> a, b = socket.socketpair()
    >>> reader = DeadlineReader(a); reader.arm(0.05, b"GET"); _ = b.send(b" /")
    >>> reader.recv(10), reader.recv(10)
    (b'GET', b' /')
    >>> reader.recv(10)  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    foiasearch.web.server.SlowClient: request not received in time
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.prefix = b""
        self.deadline = time.monotonic() + REQUEST_READ_S

    def arm(self, seconds: float = REQUEST_READ_S, prefix: bytes = b"") -> None:
        self.deadline = time.monotonic() + seconds
        self.prefix = prefix

    def recv(self, size: int) -> bytes:
        if self.prefix:
            data, self.prefix = self.prefix, b""
            return data
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise SlowClient(b"")
        self.sock.settimeout(left)
        try:
            return self.sock.recv(size)
        except socket.timeout:
            raise SlowClient(b"") from None
        finally:
            self.sock.settimeout(WRITE_TIMEOUT_S)


_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*([0-9]{1,12})[ \t]*\r\n", re.I)


def request_complete(buffer: bytes, max_body: int = MAX_WAITED_BODY) -> bool:
    """Whether ``buffer`` holds a whole request head, and its body when that
    is small enough to wait for (a larger one is refused by the app at once).

    >>> request_complete(b"GET / HTTP/1.1\\r\\nHost: a\\r\\n"), request_complete(b"GET / HTTP/1.1\\r\\n\\r\\n")
    (False, True)
    >>> head = b"POST /saved HTTP/1.1\\r\\nContent-Length: 10\\r\\n\\r\\n"
    >>> request_complete(head + b"csrf="), request_complete(head + b"csrf=12345")
    (False, True)
    """
    end, blank = buffer.find(b"\r\n\r\n"), 4
    if end < 0:
        return len(buffer) > MAX_HEAD_BYTES  # let the parser refuse it
    match = _CONTENT_LENGTH.search(buffer, 0, end + 2)
    length = int(match.group(1)) if match else 0
    return length > max_body or len(buffer) - (end + blank) >= length


class GuardedThreadWorker(ThreadWorker):
    """gunicorn's gthread worker that hands a connection to a thread only
    once its request has arrived.

    Bytes are gathered in the worker's event loop (non-blocking) until the
    head, and a body of up to MAX_WAITED_BODY bytes, are complete; a client
    that sends nothing for IDLE_S seconds, or does not finish its request
    within REQUEST_READ_S, is dropped there, without ever holding a thread.
    Threads then read with a deadline (DeadlineReader) and write with a
    timeout (gunicorn sets neither on its blocking sockets).
    """

    def init_process(self) -> None:
        self._gathering: dict[Any, float] = {}  # connection -> when it is dropped
        super().init_process()

    def accept(self, server, listener) -> None:
        try:
            sock, client = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        conn = TConn(self.cfg, sock, client, server)
        conn.head = bytearray()
        self.nr_conns += 1
        with self._lock:
            self._gathering[conn] = time.monotonic() + IDLE_S
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_client_socket_readable, conn))

    def on_client_socket_readable(self, conn, client) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        head = getattr(conn, "head", None)
        if head is None:
            head = conn.head = bytearray()
        if not head:
            with self._lock:  # the request's clock starts with its first byte
                self._gathering[conn] = time.monotonic() + REQUEST_READ_S
                if conn in self._keep:  # a kept-alive connection: now timed here
                    self._keep.remove(conn)
        head += data
        if b"\r\n\r\n" not in head and b"\n\n" in head:
            self._drop(conn)  # a head ended by bare line feeds is not HTTP/1.1: gunicorn would wait for more
            return
        if not request_complete(bytes(head)):
            return  # stay in the poller, costing no thread
        conn.prefix, conn.head = bytes(head), bytearray()
        conn.arrived = time.monotonic()  # the request's clock (its time budget) starts here
        with self._lock:
            self._gathering.pop(conn, None)
            self.poller.unregister(client)
            if conn in self._keep:
                self._keep.remove(conn)
        self.enqueue_req(conn)

    def load_wsgi(self) -> None:
        super().load_wsgi()
        app = self.wsgi

        def stamped(environ, start_response):
            environ[ARRIVED_KEY] = getattr(_serving, "arrived", None) or time.monotonic()
            return app(environ, start_response)

        self.wsgi = stamped

    def handle(self, conn):
        _serving.arrived, conn.arrived = getattr(conn, "arrived", None), None  # not for a pipelined next one
        try:
            return super().handle(conn)
        finally:
            _serving.arrived = None

    def _drop(self, conn) -> None:
        with self._lock:
            self._gathering.pop(conn, None)
            try:
                self.poller.unregister(conn.sock)
            except (KeyError, ValueError, OSError):
                pass
            if conn in self._keep:
                self._keep.remove(conn)
        self.nr_conns -= 1
        conn.close()

    def murder_keepalived(self) -> None:
        super().murder_keepalived()
        now = time.monotonic()
        with self._lock:
            late = [conn for conn, deadline in self._gathering.items() if deadline < now]
        for conn in late:
            self._drop(conn)

    def enqueue_req(self, conn) -> None:
        if conn.parser is None and not self.cfg.is_ssl:
            conn.initialized = True
            conn.sock.setblocking(True)
            conn.reader = DeadlineReader(conn.sock)
            conn.parser = http.RequestParser(self.cfg, conn.reader, conn.client)
        else:
            conn.init()
        reader = getattr(conn, "reader", None)
        if reader is not None:
            # A new request (also on a kept-alive connection) starts its clock.
            reader.arm(REQUEST_READ_S, getattr(conn, "prefix", b""))
            conn.prefix = b""
        conn.sock.settimeout(WRITE_TIMEOUT_S)
        future = self.tpool.submit(self.handle, conn)
        self._wrap_future(future, conn)


WORKER_CLASS = f"{__name__}.GuardedThreadWorker"


def server_options(host: str, port: int, workers: int, access_log: bool, threads: int = THREADS) -> dict[str, Any]:
    """gunicorn settings for :func:`serve`.

    >>> server_options("::1", 8080, 2, False)["bind"]
    '[::1]:8080'
    """
    return {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": WORKER_CLASS,
        "threads": threads,
        "worker_connections": 1000,  # open connections per worker, idle ones included
        "keepalive": 5,
        "timeout": 120,  # a worker whose main loop stalls this long is replaced
        "graceful_timeout": 5,
        "limit_request_line": 8190,
        "limit_request_fields": 100,
        "limit_request_field_size": 8190,
        "accesslog": "-" if access_log else None,
        "errorlog": "-",
        "loglevel": "info",
        "proc_name": "foiasearch-serve",
    }


def serve(index_dir: str | os.PathLike | None, host: str = "127.0.0.1", port: int = 8080,
          workers: int = 2, access_log: bool = False, settings=None, replica: str | None = None) -> None:
    """Serve the search site until interrupted (Ctrl-C). ``settings`` is a
    :class:`foiasearch.web.settings.SiteSettings` (public mode, allowed
    hosts, ...); ``replica``: a hot standby's URL for searches."""
    from foiasearch.web import SiteSettings, create_app
    from foiasearch.web.pagecache import shared_page_cache

    # A served index takes up new commits in the background: no visitor's search waits for it.
    settings = dataclasses.replace(settings or SiteSettings(), refresh_in_background=True)
    # gunicorn makes the app in each worker after the fork: the page cache's folder is made
    # here, in the master, so that every worker uses the same one (and the master removes it).
    pages = shared_page_cache() if settings.result_cache > 0 else None
    GunicornServer(lambda: create_app(index_dir, settings=settings, replica=replica, pages=pages),
                   server_options(host, port, workers, access_log)).run()
