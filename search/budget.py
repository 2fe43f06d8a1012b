"""A time budget per query: the work stops, not just the wait.

The web app runs each search inside ``time_budget(seconds, started=...)``;
the matching loops (search.bitquery, search.bulkscore) call :func:`check`
as they go, so a query that would hold a worker for half a minute (a
huge-slop phrase, thousands of ranges) ends with a one-line
:class:`QueryTooSlow` instead. Outside a budget (the CLI, exports' row
streaming) nothing is limited. The budget lives in a context variable:
each request thread has its own.

The budget is a deadline: ``started`` (a ``time.monotonic()`` reading) is
when the work was asked for, e.g. when a web request arrived, so time a
request spent queued behind others counts. A search that queued 1 s gets
the 0.5 s left of a 1.5 s budget, and no request outlives its deadline by
more than one uninterruptible step.

For engines that hand the limit to a server (PostgreSQL's
``statement_timeout``), :func:`remaining` gives the seconds left and
:func:`stopped` raises the budget's error when the server stopped a
statement.

>>> import time
>>> with time_budget(0.01):
...     time.sleep(0.02)
...     check()  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
foiasearch.search.budget.QueryTooSlow: the query took longer than 0.01 s ...
>>> check()  # no budget: never raises
>>> with time_budget(1.5, started=time.monotonic() - 1.0):  # queued 1 s already
...     0.4 < remaining() <= 0.5
True
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import NoReturn, TypeVar

from foiasearch.search.api import QueryError

T = TypeVar("T")
WAITED_NOTE_S = 0.1  # a wait shorter than this is not worth mentioning in the message


@dataclass(frozen=True)
class _Budget:
    deadline: float  # time.monotonic() after which the work stops
    seconds: float  # the budget as given
    started: float  # when the work was asked for
    working: float  # when it got to run (after waiting for the engine)


_BUDGET: ContextVar[_Budget | None] = ContextVar("foiasearch_query_budget", default=None)


class QueryTooSlow(QueryError):
    """The query ran out of its time budget."""


@contextmanager
def time_budget(seconds: float | None, started: float | None = None) -> Iterator[None]:
    """Run the enclosed searches within ``seconds`` (None: no limit) counted
    from ``started`` (a ``time.monotonic()`` reading; default: now)."""
    if seconds is None:
        yield
        return
    start = time.monotonic() if started is None else started
    token = _BUDGET.set(_Budget(start + seconds, seconds, start, start))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def working() -> None:
    """Note that the work starts now (the engine was free): the time since
    ``started`` was spent waiting, which the message of QueryTooSlow says.
    The deadline does not move."""
    budget = _BUDGET.get()
    if budget is not None:
        _BUDGET.set(replace(budget, working=time.monotonic()))


def remaining() -> float | None:
    """Seconds left in the current budget (None: no budget), for an engine
    that hands the limit to its server (PostgreSQL's statement_timeout).

    >>> with time_budget(60):
    ...     0 < remaining() <= 60
    True
    >>> remaining() is None
    True
    """
    budget = _BUDGET.get()
    return None if budget is None else max(0.0, budget.deadline - time.monotonic())


def check() -> None:
    """Raise QueryTooSlow when the current budget is spent."""
    budget = _BUDGET.get()
    if budget is not None and time.monotonic() > budget.deadline:
        stopped()


def stopped() -> NoReturn:
    """Raise the budget's QueryTooSlow (the budget is spent, or the server
    stopped the query): one line, saying how long it waited when it did."""
    budget = _BUDGET.get()
    took = f"took longer than {budget.seconds:g} s" if budget else "took too long"
    waited = budget.working - budget.started if budget else 0.0
    if waited >= WAITED_NOTE_S:
        raise QueryTooSlow(f"the query {took} and was stopped ({waited:.1f} s of it waiting for the busy "
                           "site): try again in a moment, or make it narrower")
    raise QueryTooSlow(f"the query {took} and was stopped; "
                       "make it narrower (fewer wildcards, ranges or a smaller phrase slop)")


def checked(items: Iterable[T], every: int = 64) -> Iterator[T]:
    """``items``, checking the budget every ``every`` items."""
    for count, item in enumerate(items):
        if count % every == 0:
            check()
        yield item
