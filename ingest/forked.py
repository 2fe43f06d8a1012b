"""Run one function over a few parts of a job at once, in forked copies of
this process, so that work already done here (a parsed PDF's cross-reference
table and page tree) is not done again.

The first part runs here, every other part in a child forked for it; each
child sends its result (or the exception it raised) back pickled on a pipe
and exits at once. Children are killed when this call ends early (the
indexer's time limit raises in the middle of it) and die with this process.

>>> in_forks(lambda part: [n * n for n in part], [[1, 2], [3], [4, 5]])
[[1, 4], [9], [16, 25]]
>>> in_forks(lambda part: 1 // part, [1, 0])
Traceback (most recent call last):
ZeroDivisionError: integer division or modulo by zero
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
from collections.abc import Callable, Sequence
from typing import TypeVar

Part = TypeVar("Part")
Result = TypeVar("Result")
_PR_SET_PDEATHSIG = 1


def available() -> bool:
    """True where processes can be forked (not on Windows)."""
    return hasattr(os, "fork")


def die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (Linux's
    parent-death signal), so no child outlives a killed run. Elsewhere a no-op:
    the child still ends when its work is done or its pipe closes."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _child(function: Callable[[Part], Result], part: Part, pipe: int) -> None:
    """In the child: run, send, exit without running the parent's clean-up
    (atexit handlers, buffered output, test fixtures)."""
    try:
        die_with_parent()
        try:
            outcome = (True, function(part))
        except BaseException as exc:  # noqa: BLE001 - every failure goes back to the parent
            outcome = (False, exc)
        try:
            data = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # an exception that does not pickle: its text still does
            data = pickle.dumps((False, RuntimeError(f"{type(outcome[1]).__name__}: {outcome[1]}"[:500])))
        with os.fdopen(pipe, "wb") as out:
            out.write(data)
    finally:
        os._exit(0)


def in_forks(function: Callable[[Part], Result], parts: Sequence[Part]) -> list[Result]:
    """``[function(part) for part in parts]``, the parts at once: the first
    here, each other one in a forked child. An exception raised by any
    part is raised here (the first part's first)."""
    if len(parts) < 2 or not available():
        return [function(part) for part in parts]
    forked: list[tuple[int, int, int]] = []  # (part's index, child, read end of its pipe)
    here = [0]  # the parts read in this process
    try:
        for index in range(1, len(parts)):
            try:
                reader, writer = os.pipe()
            except OSError:  # out of file descriptors: this part is read here
                here.append(index)
                continue
            try:
                pid = os.fork()
            except OSError:  # out of processes or memory: this part is read here
                os.close(reader)
                os.close(writer)
                here.append(index)
                continue
            if pid == 0:
                os.close(reader)
                _child(function, parts[index], writer)
            os.close(writer)
            forked.append((index, pid, reader))
        results = {index: function(parts[index]) for index in here}
        while forked:
            index, pid, reader = forked.pop(0)
            try:
                with os.fdopen(reader, "rb") as source:
                    data = source.read()
            finally:
                _end(pid)
            if not data:
                raise RuntimeError("a process reading part of the file died")
            ok, value = pickle.loads(data)
            if not ok:
                raise value
            results[index] = value
        return [results[index] for index in range(len(parts))]
    finally:
        for _, pid, reader in forked:  # only left when this call ends early
            _end(pid)
            os.close(reader)


def _end(pid: int) -> None:
    """Kill (a no-op once it has exited) and reap a child."""
    try:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
