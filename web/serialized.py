"""One search at a time per worker process, whatever the threads.

The site serves each connection from a thread (web.server), but the search
backend's file readers are not safe to share between threads: two searches
reading postings at once garbled each other's reads (UnpicklingError, 500s
in the hostile sweep). Searching is CPU-bound under one GIL anyway, so the
backend is used by one thread at a time: :class:`Serialized` wraps it and
every call (and every step of a result stream) holds the process's lock.
Threads still serve idle and slow clients and stream downloads between
steps. A query's time budget (search.budget) starts when it gets the lock,
not while it waits.

>>> import threading
>>> class Counter:
...     def __init__(self): self.n = 0
...     def bump(self): self.n += 1; return iter([self.n, self.n])
>>> counter = Serialized(Counter(), threading.Lock())
>>> list(counter.bump()), counter.n
([1, 1], 1)
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from foiasearch.search.budget import restart

_PLAIN = (str, bytes, int, float, bool, type(None), list, tuple, dict, set, frozenset)


class Serialized:
    """``target`` with every method call made under ``lock``; iterators and
    objects with methods that calls return (result streams) are wrapped the
    same way, so their work is under the lock too."""

    def __init__(self, target: Any, lock: threading.Lock | threading.RLock) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_lock", lock)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            with self._lock:
                restart()  # the budget counts work, not the wait for the lock
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
        with self._lock:
            return next(self._iterator)


def _wrap(result: Any, lock) -> Any:
    if isinstance(result, _PLAIN) or hasattr(result, "__dataclass_fields__"):
        return result  # plain data: nothing of the backend's is touched later
    if isinstance(result, Iterator):
        return _SerializedIterator(result, lock)
    if any(callable(getattr(type(result), name, None)) for name in ("hits", "ids", "newest")):
        return Serialized(result, lock)  # a result stream
    return result
