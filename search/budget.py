"""A time budget per query: the work stops, not just the wait.

The web app runs each search inside ``time_budget(seconds)``; the matching
loops (search.bitquery, search.bulkscore) call :func:`check` as they go,
so a query that would hold a worker for half a minute (a huge-slop phrase,
thousands of ranges) ends with a one-line :class:`QueryTooSlow` instead.
Outside a budget (the CLI, exports' row streaming) nothing is limited.
The budget lives in a context variable: each request thread has its own.

>>> import time
>>> with time_budget(0.01):
...     time.sleep(0.02)
...     check()  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
foiasearch.search.budget.QueryTooSlow: the query took longer than 0.01 s ...
>>> check()  # no budget: never raises
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from foiasearch.search.api import QueryError

T = TypeVar("T")
_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("foiasearch_query_deadline", default=None)


class QueryTooSlow(QueryError):
    """The query ran out of its time budget."""


@contextmanager
def time_budget(seconds: float | None) -> Iterator[None]:
    """Run the enclosed searches with at most ``seconds`` of work each
    (None: no limit)."""
    if seconds is None:
        yield
        return
    token = _DEADLINE.set((time.monotonic() + seconds, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def restart() -> None:
    """Start the current budget's clock again (once the search may run)."""
    budget = _DEADLINE.get()
    if budget is not None:
        _DEADLINE.set((time.monotonic() + budget[1], budget[1]))


def check() -> None:
    """Raise QueryTooSlow when the current budget is spent."""
    budget = _DEADLINE.get()
    if budget is not None and time.monotonic() > budget[0]:
        raise QueryTooSlow(f"the query took longer than {budget[1]:g} s and was stopped; "
                           "make it narrower (fewer wildcards, ranges or a smaller phrase slop)")


def checked(items: Iterable[T], every: int = 64) -> Iterator[T]:
    """``items``, checking the budget every ``every`` items."""
    for count, item in enumerate(items):
        if count % every == 0:
            check()
        yield item

