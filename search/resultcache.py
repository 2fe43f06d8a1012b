"""Whole answers remembered per index state, for any backend: a site
answers the same search pages (a query, its facet clicks, page 2) many
times over, and an answer depends only on the index state it was read from.

:class:`CachedBackend` wraps a backend (search.api.SearchBackend): its
``search`` and ``page_counts`` answers are kept in a :class:`ResultCache`
keyed on (the index's fingerprint value, the call, the query in a canonical
form). The fingerprint changes with every commit of any writer (Whoosh: the
TOC generation and the store's last update; PostgreSQL: the generation in
its state table), so a new commit shows at the next request: nothing is
ever served for an older state. Entries of older states are not looked up
again and age out of the LRU. The cache is bounded by entries and by their
pickled bytes. Everything else passes through to the backend.

The fingerprint is read once per request (web.deadline calls :func:`pin_state`
before a request and :func:`unpin_state` after it), not once per call: a search page asks for results and
page counts. An answer read after a commit may be stored under the state
read just before it: later requests read the newer state and never see it
again, and no answer of an older state is ever stored under a newer one.

>>> from foiasearch.search.api import Query
>>> class Counting:  # a stand-in backend with a state that changes on "commit"
...     def __init__(self): self.state, self.calls = 1, 0
...     def fingerprint(self): return type("F", (), {"value": str(self.state)})()
...     def search(self, query, facets=False, facet_limit=None, suggest=False):
...         self.calls += 1; return ("results", self.state, query.text)
>>> inner = Counting(); backend = CachedBackend(inner, ResultCache(entries=8))
>>> backend.search(Query("opt out")), backend.search(Query("opt out")), inner.calls
(('results', 1, 'opt out'), ('results', 1, 'opt out'), 1)
>>> inner.state = 2; backend.search(Query("opt out")), inner.calls  # a commit: asked again
(('results', 2, 'opt out'), 2)
"""

from __future__ import annotations

import dataclasses
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any

from foiasearch.search import budget
from foiasearch.search.api import RESULT_CACHE_ENTRIES

DEFAULT_BYTES = 64 * 1024 * 1024  # pickled, per process
_STATE: ContextVar[dict | None] = ContextVar("foiasearch_result_state", default=None)


def pin_state() -> None:
    """From now until :func:`unpin_state`, each cached backend reads its
    index's fingerprint at most once in this thread (a web request's
    several calls share it). A new pin forgets what an older one read."""
    _STATE.set({})


def unpin_state() -> None:
    """Read the fingerprint on every call again (outside a request)."""
    _STATE.set(None)


def request_memo() -> dict | None:
    """What this request (between :func:`pin_state` and :func:`unpin_state`)
    has read of its index's state, for a backend that reads it once per
    request too (PostgreSQL's generation); None outside a request."""
    return _STATE.get()


def query_key(query: Any) -> Hashable:
    """A query in a canonical form: facets by name (their order in the URL
    does not change the answer), everything else as given.

    >>> from foiasearch.search.api import Query
    >>> query_key(Query("a", {"tag": ["x"], "kind": ["post"]})) == query_key(Query("a", {"kind": ["post"], "tag": ["x"]}))
    True
    """
    fields = dataclasses.asdict(query)
    filters = tuple(sorted((name, tuple(values)) for name, values in (fields.pop("filters") or {}).items() if values))
    return (filters, tuple(sorted((k, repr(v)) for k, v in fields.items())))


class ResultCache:
    """An LRU of answers, bounded by ``entries`` and by ``max_bytes``; safe
    to share between threads. Answers are kept pickled: their size is
    known exactly (a search page's answer is some 30-40 KB), and every
    caller gets its own copy, so nothing a caller does to one reaches
    another (unpickling one takes well under a millisecond).

    >>> cache = ResultCache(entries=2)
    >>> cache.get_or_make("a", lambda: [1]), cache.get_or_make("a", lambda: [2]), cache.hits, cache.misses
    ([1], [1], 1, 1)
    """

    def __init__(self, entries: int = RESULT_CACHE_ENTRIES, max_bytes: int = DEFAULT_BYTES) -> None:
        self.entries, self.max_bytes = entries, max_bytes
        self._answers: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get_or_make(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """A copy of the answer remembered for ``key``, else ``make()``
        (outside the lock: two threads may make the same answer once each),
        remembered unless the search's time budget ran out while it was made
        (a backend may then leave out a nicety, such as a spelling suggestion)."""
        with self._lock:
            found = self._answers.get(key)
            if found is not None:
                self._answers.move_to_end(key)
                self.hits += 1
            else:
                self.misses += 1
        if found is not None:
            return pickle.loads(found)
        answer = make()
        left = budget.remaining()
        if left is not None and left <= 0:
            return answer
        blob = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        if len(blob) > self.max_bytes // 8:
            return answer  # one huge answer must not empty the cache
        with self._lock:
            old = self._answers.pop(key, None)
            self._bytes += len(blob) - (len(old) if old else 0)
            self._answers[key] = blob
            while self._answers and (len(self._answers) > self.entries or self._bytes > self.max_bytes):
                _, dropped = self._answers.popitem(last=False)
                self._bytes -= len(dropped)
        return answer

    def __len__(self) -> int:
        return len(self._answers)


class CachedBackend:
    """``backend`` with its ``search`` and ``page_counts`` answers
    remembered in ``cache`` per index state; every other attribute is the
    backend's own."""

    def __init__(self, backend: Any, cache: ResultCache) -> None:
        self._backend = backend
        self._cache = cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)

    def __enter__(self) -> "CachedBackend":
        return self

    def __exit__(self, *exc: object) -> None:
        self._backend.close()

    def state(self) -> str:
        """The index's fingerprint value, read once between :func:`pin_state` and :func:`unpin_state`
        (a page kept for this state elsewhere, web.pagecache, is keyed on the same reading)."""
        memo = _STATE.get()
        if memo is not None and id(self) in memo:
            return memo[id(self)]
        value = self._backend.fingerprint().value
        if memo is not None:
            memo[id(self)] = value
        return value

    def search(self, query, facets: bool = False, facet_limit: int | None = None, suggest: bool = False):
        key = (self.state(), "search", query_key(query), facets, facet_limit, suggest)
        answer = self._cache.get_or_make(key, lambda: self._backend.search(query, facets=facets,
                                                                           facet_limit=facet_limit, suggest=suggest))
        if dataclasses.is_dataclass(answer):
            answer.query = query  # the caller's own Query object (an equal one made the answer)
        return answer

    def page_counts(self, query, facet: str = "exemption") -> dict[str, int]:
        key = (self.state(), "page_counts", query_key(query), facet)
        return self._cache.get_or_make(key, lambda: self._backend.page_counts(query, facet))
