"""A bounded number of searches at a time per worker process (one for
Whoosh), and no request waits for the backend past its deadline.

The site serves each connection from a thread (web.server), but the Whoosh
backend's file readers are not safe to share between threads: two searches
reading postings at once garbled each other's reads (UnpicklingError, 500s
in the hostile sweep). Searching is CPU-bound under one GIL anyway, so that
backend is used by one thread at a time: :class:`Serialized` wraps it and
every call (and every step of a result stream) holds the process's lock.
A backend whose searches run in a database server, each on a connection
of its pool (PostgreSQL), is given a semaphore of that many slots instead
(web.BackendHolder): while one request waits for the server, the next runs
its Python. "The lock" below is either.

A web request (between :func:`begin_request` and :func:`end_request`):

- waits for the lock at most until its ``wait_until`` (counted from when
  the request arrived, see web.server): a request that cannot start in
  time gets :class:`Busy` at once, which the site answers with a 429
  and ``Retry-After`` rather than an answer seconds late;
- once it has the lock, keeps it until the request ends (the view has
  returned; a download's rows then take it step by step), so a search
  page's several calls (results, page counts, thumbnails) do not queue
  again behind other requests between calls;
- marks when its work started (search.budget.working), so a query
  stopped by its budget says how long it waited.

Outside a request (the CLI, a download's rows) calls wait as long as needed.

>>> import threading
>>> class Counter:
...     def __init__(self): self.n = 0
...     def bump(self): self.n += 1; return iter([self.n, self.n])
>>> counter = Serialized(Counter(), threading.RLock())
>>> list(counter.bump()), counter.n
([1, 1], 1)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from foiasearch.search import budget

_PLAIN = (str, bytes, int, float, bool, type(None), list, tuple, dict, set, frozenset)
RETRY_AFTER_S = 2
# A request waits for the backend at most this share of its time budget: the rest is for its
# own work and its page (on a loaded machine, rendering alone can take a few hundred ms).
WAIT_SHARE = 0.5
ARRIVED_KEY = "foiasearch.arrived"  # WSGI environ: time.monotonic() when the request had arrived (web.server)
_request = threading.local()  # this thread's request: wait_until, keep, held (the lock it keeps)


class Busy(Exception):
    """The backend was not free before the request's deadline.

    Not a QueryError: nothing is wrong with the query, and the site answers
    429 (try again) instead of 400."""

    retry_after = RETRY_AFTER_S

    def __str__(self) -> str:
        return f"the site is busy with other searches: try again in {self.retry_after} seconds"


def begin_request(wait_until: float | None) -> None:
    """This thread now serves a request that may wait for the backend until
    ``wait_until`` (a time.monotonic() reading; None: as long as needed)
    and keeps it, once it has it, until :func:`end_request`."""
    end_request()
    _request.wait_until, _request.keep = wait_until, True


def end_request() -> None:
    """The request is answered (or only streams now): let the backend go.
    Safe to call twice."""
    held = getattr(_request, "held", None)
    _request.wait_until, _request.keep, _request.held = None, False, None
    if held is not None:
        held.release()


def let_go() -> None:
    """Release the backend before slow work that does not need it (running
    pdftoppm); later calls in this request take it call by call."""
    wait_until = getattr(_request, "wait_until", None)
    end_request()
    _request.wait_until = wait_until


@contextmanager
def _entered(lock) -> Iterator[None]:
    if getattr(_request, "held", None) is lock:  # this request has it already
        yield
        return
    wait_until = getattr(_request, "wait_until", None)
    if wait_until is None:
        lock.acquire()
    elif not lock.acquire(timeout=max(0.0, wait_until - time.monotonic())):
        raise Busy()
    budget.working()
    if getattr(_request, "keep", False):
        _request.held = lock  # released by end_request()
        yield
        return
    try:
        yield
    finally:
        lock.release()


class Serialized:
    """``target`` with every method call made under ``lock`` (an RLock; a
    semaphore for a backend that searches side by side); iterators and objects with methods that calls return (result streams)
    are wrapped the same way, so their work is under the lock too."""

    def __init__(self, target: Any, lock: threading.RLock | threading.Semaphore) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_lock", lock)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            with _entered(self._lock):
                return _wrap(attr(*args, **kwargs), self._lock)

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


class _SerializedIterator:
    def __init__(self, iterator: Iterator, lock) -> None:
        self._iterator = iterator
        self._lock = lock

    def __iter__(self):
        return self

    def __next__(self):
        with _entered(self._lock):
            return next(self._iterator)


def _wrap(result: Any, lock) -> Any:
    if isinstance(result, _PLAIN) or hasattr(result, "__dataclass_fields__"):
        return result  # plain data: nothing of the backend's is touched later
    if isinstance(result, Iterator):
        return _SerializedIterator(result, lock)
    if any(callable(getattr(type(result), name, None)) for name in ("hits", "ids", "newest")):
        return Serialized(result, lock)  # a result stream
    return result
