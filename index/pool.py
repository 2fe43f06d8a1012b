"""Extraction worker processes, each watched: a few small files queued per
worker (read one at a time), a hard time limit per file, and a dead worker
replaced, the files it had not started given to another.

``concurrent.futures.ProcessPoolExecutor`` cannot do this: it does not say
which worker holds which file, cannot stop one, and when one dies it breaks
the whole pool (the files still queued were dropped without an outcome).
Here every file handed to a worker comes back as exactly one
:class:`~foiasearch.index.extract.Extracted`: the worker's own, or a failure
saying the worker was stopped (over the time limit) or died (killed, out
of memory).

Workers die with the indexer: each asks the kernel for SIGKILL when its
parent exits (``PR_SET_PDEATHSIG``), and leaves when its pipe closes.

A :class:`WorkerPool` starts its processes when made, before it is given
any file: the indexer makes it first, and the workers start up while it
opens its index and walks the folders.

>>> import tempfile, pathlib
>>> from foiasearch.ingest.options import IngestOptions
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> paths = [str(folder / f"{n}.json") for n in range(3)]
>>> for p in paths: _ = pathlib.Path(p).write_text("{}")
>>> sorted(e.result.status for e in extract_in_workers(paths, IngestOptions(), workers=2))
['skipped', 'skipped', 'skipped']
"""

from __future__ import annotations

import collections
import fcntl
import gc
import multiprocessing
import os
import signal
import struct
import threading
import time
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler

from foiasearch.ingest.document import IngestResult
from foiasearch.ingest.forked import die_with_parent
from foiasearch.ingest.options import IngestOptions
from foiasearch.index.extract import Extracted, extract, init_worker

# The worker's own alarm (index.extract) stops a file at the time limit when
# the parser returns to Python; a parser stuck in C code (lxml on an element
# with 200,000 attributes) does not, so the parent kills the worker this
# many seconds later.
KILL_GRACE_SECONDS = 10
# Reasons that mark a file as not to be tried again until it changes (the
# indexer reads them back from the manifest).
LIMIT_REASONS = ("timed out after", "too large: ran out of memory", "extraction process died")

# Results held for the writer, per worker: enough for a commit's length
# (1-2 s, ~100 files per worker), so the workers go on meanwhile. With 8,
# they stopped on full pipes for 16% of their time (py-spy, 2,000 files).
# The bound is the backpressure: past it the workers wait, whatever the
# writer is doing, and memory stays at a few MB of results.
WINDOW_PER_WORKER = 128
# ... and at most this many bytes of them (as the workers sent them; a
# result takes 2-2.5x that once unpickled). Counted in files alone, the
# window held 256 ten-page PDFs at once and the indexer's memory grew with
# them (1,008 MB at 100,000 files, issue 18); a synthetic post is ~10 KB,
# a ten-page PDF ~40 KB, so only runs of large files meet this bound.
WINDOW_BYTES_PER_WORKER = 4 * 1024 * 1024

# Files in a worker's hands at once: the one it reads and the next ones,
# already in its task pipe, so that it never waits for the results thread
# to give it work (with one, it waited in recv for ~10% of its time at
# 2,000 files: that thread shares the GIL with the writer's and the merge's).
# Only small files queue (QUEUED_BYTES in all behind the one being read): a
# large one (a scan to OCR, minutes) goes to an idle worker, so that no
# file waits behind it while the other worker has nothing to do.
PATHS_PER_WORKER = 6
QUEUED_BYTES = 256 * 1024

RESULT_PIPE_BYTES = 1024 * 1024  # Linux's default ceiling for an unprivileged pipe


# A result on its pipe: its length (8 bytes, big-endian), then the pickle.
# Not Connection.send/recv_bytes: the results thread reads every result a
# worker has written in one read (below), and each read or write of this
# process waits for the GIL when it returns.
_LENGTH = struct.Struct("!Q")


def _serve(tasks: Connection, results: Connection, parent: int) -> None:
    """A worker's loop until its task pipe closes or says None: options
    (an IngestOptions, for the files that follow), or a list of paths, each
    answered by an Extracted on the result pipe."""
    die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(0)
    # Forked before the indexer froze its own objects: what is alive now
    # lives for the whole run, and the collections skip it from here on.
    gc.freeze()
    init_worker()
    options = IngestOptions()
    out = results.fileno()
    # An empty frame: ready. The parent starts the clock of the first file
    # then, not at the fork (a cold start took 0.4-0.6 s under load, which
    # counted against the time limit).
    _write(out, b"")
    while True:
        try:
            message = tasks.recv()
        except (EOFError, OSError):
            break
        if message is None:
            break
        if isinstance(message, IngestOptions):
            options = message
            continue
        for path in message:
            try:
                _write(out, ForkingPickler.dumps(extract(path, options)))
            except OSError:  # the parent is gone
                os._exit(0)
    results.close()


def _write(fd: int, data) -> None:
    """One framed result, whole (a pipe write may stop short of it)."""
    header = _LENGTH.pack(len(data))
    written = os.writev(fd, [header, data])
    if written < len(header) + len(data):
        rest = memoryview(header + bytes(data))[written:]
        while rest:
            rest = rest[os.write(fd, rest):]


def _widen(conn: Connection) -> None:
    """A pipe of RESULT_PIPE_BYTES: a worker's result (a 10-page PDF's
    analysed pages are a few hundred KB) is written in one go, and the
    worker goes on to its next file instead of waiting for the reader."""
    try:
        fcntl.fcntl(conn.fileno(), fcntl.F_SETPIPE_SZ, RESULT_PIPE_BYTES)
    except (OSError, AttributeError):  # not Linux, or over /proc/sys/fs/pipe-max-size
        pass


class _Worker:
    """One extraction process and the files in its hands, in the order it
    reads them: the first is the one it reads now (since ``started``), the
    others wait in its task pipe."""

    def __init__(self, context) -> None:
        task_reader, self.tasks = context.Pipe(duplex=False)
        self.conn, result_writer = context.Pipe(duplex=False)
        _widen(self.conn)
        self.process = context.Process(target=_serve, args=(task_reader, result_writer, os.getpid()), daemon=True)
        self.process.start()
        task_reader.close()
        result_writer.close()
        self.held: collections.deque[tuple[str, int]] = collections.deque()  # (path, size in bytes)
        self.started = 0.0
        self.closed = False  # its task pipe broke: it died, its result pipe will say so
        self.inbox = bytearray()  # what it wrote of a result not yet whole
        self.unsent: list[str] = []  # queued to it, not yet written to its task pipe

    def takes(self, size: int) -> bool:
        """Whether a file of ``size`` bytes may join this worker's queue: an
        idle worker takes any file; a busy one takes small files, up to
        PATHS_PER_WORKER in hand and QUEUED_BYTES waiting."""
        if self.closed:
            return False
        if not self.held:
            return True
        waiting = sum(s for _, s in self.held) - self.held[0][1]
        return len(self.held) < PATHS_PER_WORKER and waiting + size <= QUEUED_BYTES

    def queue(self, path: str, size: int) -> None:
        """Put ``path`` in its hands; :meth:`send` gives it the files queued."""
        if not self.held:
            self.started = time.monotonic()
        self.held.append((path, size))
        self.unsent.append(path)

    def send(self) -> list[str]:
        """Give the worker the files queued since the last send, in one write
        (the results thread waits for the GIL after each write, not after
        each file); the ones its broken pipe did not take, taken back."""
        paths, self.unsent = self.unsent, []
        try:
            self.tasks.send(paths)
        except OSError:
            for _ in paths:
                self.held.pop()
            return paths
        if len(self.held) == len(paths):  # it had nothing to read: its file starts now, not when queued
            self.started = time.monotonic()
        return []

    def starving(self) -> bool:
        """Whether it holds files not yet sent while it has at most one sent
        to read: it would go idle waiting for them."""
        return bool(self.unsent) and len(self.held) - len(self.unsent) <= 1

    def done(self) -> str:
        """The file the worker has just answered for; its next one starts now."""
        path, _ = self.held.popleft()
        self.started = time.monotonic()
        return path

    def read(self) -> list[bytes] | None:
        """The results whole in the pipe now, in one read (a few at once when
        this thread answers late); None once the worker is gone (its pipe
        closed)."""
        try:
            chunk = os.read(self.conn.fileno(), RESULT_PIPE_BYTES)
        except OSError:
            chunk = b""
        if not chunk:
            return None
        inbox = self.inbox
        inbox += chunk
        found = []
        while len(inbox) >= _LENGTH.size:
            (size,) = _LENGTH.unpack_from(inbox)
            end = _LENGTH.size + size
            if len(inbox) < end:
                break
            if size == 0:  # ready (_serve): the clock of its first file starts now
                self.started = time.monotonic()
            else:
                with memoryview(inbox) as view:
                    found.append(bytes(view[_LENGTH.size:end]))
            del inbox[:end]
        return found

    def answered(self) -> bool:
        """Whether a result has come, or is coming, and is not read yet."""
        return bool(self.inbox) or self.conn.poll()

    def stop(self) -> None:
        """Kill the process now and reap it."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()
        self.tasks.close()

    def death(self) -> str:
        """Why the process is gone, for the file it held."""
        self.process.join(timeout=5)
        code = self.process.exitcode
        if code is not None and code < 0:
            try:
                return f"signal {signal.Signals(-code).name}"
            except ValueError:
                return f"signal {-code}"
        return f"exit status {code}"


def _failed(path: str, reason: str) -> Extracted:
    """A failure for ``path``, with the size and mtime that tell, next run,
    whether the file changed since."""
    try:
        stat = os.stat(path)
        size, mtime_ns = stat.st_size, stat.st_mtime_ns
    except OSError:
        size = mtime_ns = 0
    return Extracted(path, "", size, mtime_ns, IngestResult("failed", reason=reason))


class _Window:
    """A queue bounded by a count and by bytes: ``put`` waits while either
    bound is reached (a single result larger than the byte bound still
    passes, alone). Nothing here blocks for good: ``put`` gives up when
    ``stop`` is set.

    >>> w = _Window(items=2, size=10, stop=threading.Event())
    >>> w.put("a", 8), w.put("b", 8, timeout=0.01), w.get(), w.put("b", 8)
    (True, False, 'a', True)
    """

    def __init__(self, items: int, size: int, stop: threading.Event) -> None:
        self._items: collections.deque = collections.deque()
        self._max_items, self._max_size, self._size = items, size, 0
        self._stop = stop
        self._changed = threading.Condition()

    def put(self, item, size: int = 0, timeout: float | None = None) -> bool:
        """Add ``item`` of ``size`` bytes; False if stopped (or ``timeout``
        seconds passed) first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while self._items and (len(self._items) >= self._max_items or self._size + size > self._max_size):
                if self._stop.is_set() or (deadline is not None and time.monotonic() >= deadline):
                    return False
                self._changed.wait(0.2)
            self._items.append((item, size))
            self._size += size
            self._changed.notify_all()
            return True

    def get(self):
        with self._changed:
            while not self._items:
                self._changed.wait()
            item, size = self._items.popleft()
            self._size -= size
            self._changed.notify_all()
            return item


class _Raised:
    def __init__(self, error: BaseException) -> None:
        self.error = error


_DONE = object()


def extract_in_workers(paths: Iterable[str], options: IngestOptions, workers: int,
                       time_limit: float | None = None, window: int | None = None) -> Iterator[Extracted]:
    """Extract every path in ``workers`` processes; yields one Extracted per
    path, in the order they finish (:meth:`WorkerPool.extract`)."""
    with WorkerPool(workers) as pool:
        yield from pool.extract(paths, options, time_limit, window)


class WorkerPool:
    """Extraction processes, started now, that read the files of one
    :meth:`extract` call; closed (every process stopped and reaped) by
    ``close`` or at the end of the ``with`` block.

    Made before the indexer opens its index and walks its folders, the
    workers start meanwhile (fork, their set-up) instead of after.

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.json").write_text("{}")
    >>> with WorkerPool(2) as pool:
    ...     pool.keep(1)
    ...     [e.result.status for e in pool.extract([str(folder / "a.json")], IngestOptions())]
    ['skipped']
    """

    def __init__(self, workers: int) -> None:
        self.context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        self.workers = [_Worker(self.context) for _ in range(max(1, workers))]
        self._running: tuple[threading.Event, threading.Thread] | None = None  # extract's results thread

    def __enter__(self) -> "WorkerPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def keep(self, count: int) -> None:
        """Stop all workers but ``count`` (at least one): fewer files than
        workers leave the others nothing to do."""
        while len(self.workers) > max(1, count):
            _close([self.workers.pop()])

    def close(self) -> None:
        """Stop the results thread of an extraction left unfinished (its
        caller raised), tell every worker to leave, then stop and reap them."""
        if self._running is not None and self._running[1] is not threading.current_thread():
            stop, thread = self._running
            stop.set()
            thread.join()
        workers, self.workers = self.workers, []
        _close(workers)

    def extract(self, paths: Iterable[str], options: IngestOptions, time_limit: float | None = None,
                window: int | None = None) -> Iterator[Extracted]:
        """Extract every path; the Extracted of each, in the order they
        finish. ``time_limit`` defaults to the options' ``timeout_seconds``
        plus a grace period for the worker's own alarm. The pool is closed
        when the extraction ends: one call per pool.

        The files are handed out from now on, before the first result is
        asked for, as ``paths`` yields them: the indexer gives its files as
        its walk finds them. A thread of this process receives the results
        and hands out the next files while the caller is busy (committing
        the index, for one): the workers never wait for the writer, up to
        ``window`` results ahead.
        """
        limit = (options.timeout_seconds + KILL_GRACE_SECONDS) if time_limit is None else time_limit
        stop = threading.Event()
        count = max(1, len(self.workers))
        results = _Window(window or WINDOW_PER_WORKER * count, WINDOW_BYTES_PER_WORKER * count, stop)

        def pump() -> None:
            dispatch = self._dispatch(paths, options, limit, stop)
            try:
                for item, size in dispatch:
                    if not results.put(item, size):
                        break
            except BaseException as error:  # handed to the caller's thread
                results.put(_Raised(error))
            finally:
                dispatch.close()
                results.put(_DONE)

        thread = threading.Thread(target=pump, name="extraction-results", daemon=True)
        self._running = (stop, thread)
        thread.start()
        return _received(results, stop, thread)

    def _dispatch(self, paths: Iterable[str], options: IngestOptions, limit: float,
                  stop: threading.Event) -> Iterator[tuple[Extracted | bytes, int]]:
        """The workers' loop (in the results thread): hand out files, receive,
        stop the ones over ``limit``, replace the dead. Yields each result as
        the worker sent it (pickled bytes; the caller's thread unpickles) or a
        failure made here, with its size as sent, in bytes.

        Each worker holds a few small files at once (:meth:`_Worker.takes`):
        it starts its next one as soon as it has sent a result, without
        waiting for this thread, which shares the GIL with the writer's and may
        answer late. A worker stopped or dead fails only the file it was
        reading; the ones it had not started are given again, first."""
        pool = self.workers
        pending = iter(paths)
        again: collections.deque[str] = collections.deque()  # taken back from a stopped or dead worker
        looked: list[tuple[str, int]] = []  # the next file and its size, not yet given

        def upcoming() -> tuple[str, int] | None:
            if not looked:
                if not again and any(w.starving() for w in pool):
                    # ``pending`` may block (the indexer's walk is still
                    # finding files): no worker waits idle behind it for
                    # files already queued to it.
                    send_queued()
                path = again.popleft() if again else next(pending, None)
                if path is None:
                    return None
                looked.append((path, _size(path)))
            return looked[0]

        def start(worker: _Worker) -> None:
            """The options for this call, first in its task pipe."""
            try:
                worker.tasks.send(options)
            except OSError:  # it died: its result pipe says so (it holds nothing yet)
                worker.closed = True

        def replace(worker: _Worker) -> None:
            """A fresh process in place of ``worker``, which is stopped; the
            files it held but had not started are given again."""
            pool.remove(worker)
            worker.stop()
            again.extendleft(reversed([path for path, _ in worker.held]))
            fresh = _Worker(self.context)
            pool.append(fresh)
            start(fresh)

        def send_queued() -> bool:
            """Write each worker's queued files to it; whether a pipe broke
            (its files are in ``again``, to be handed out anew)."""
            broke = False
            for worker in [w for w in pool if w.unsent]:
                refused = worker.send()
                if refused:  # it died: idle, replaced now; else its pipe tells, below
                    again.extendleft(reversed(refused))
                    broke = True
                    if worker.held:
                        worker.closed = True  # takes no more
                    else:
                        replace(worker)
            return broke

        def feed() -> None:
            """Hand out files while a worker takes the next one (the least
            loaded), each worker's in one write."""
            while True:
                while (head := upcoming()) is not None:
                    path, size = head
                    taker = min((w for w in pool if w.takes(size)), key=lambda w: len(w.held), default=None)
                    if taker is None:
                        break
                    taker.queue(path, size)
                    looked.clear()
                if not send_queued():
                    return

        for worker in pool:
            start(worker)
        try:
            feed()
            while not stop.is_set():
                # A closed worker (its task pipe broke) is read until its result
                # pipe says it is gone, even with nothing in hand: then replaced.
                busy = {w.conn: w for w in pool if w.held or w.closed}
                if not busy:
                    break
                deadline = min((w.started for w in busy.values() if w.held), default=time.monotonic() + 1.0) + limit
                ready = wait(list(busy), timeout=max(0.0, deadline - time.monotonic()))
                for conn in ready:
                    worker = busy[conn]
                    found = worker.read()
                    if found is None:  # gone
                        if not worker.held:  # it died after its last answer: no file lost
                            replace(worker)
                            feed()
                            continue
                        path, _ = worker.held.popleft()
                        failed = _failed(path, f"extraction process died ({worker.death()}); "
                                               "not retried until the file changes")
                        replace(worker)
                        feed()
                        yield failed, 0
                        continue
                    for _ in found:
                        worker.done()
                    if found:
                        feed()  # before handing the results on: the worker goes on meanwhile
                    for data in found:
                        yield data, len(data)
                now = time.monotonic()
                for worker in list(pool):
                    if worker.held and worker.conn not in ready and now - worker.started >= limit:
                        if worker.answered():  # it answered meanwhile (this thread waited on the writer): read next
                            continue
                        path, _ = worker.held.popleft()
                        replace(worker)
                        feed()
                        yield _failed(path, f"timed out after {options.timeout_seconds} s "
                                            "(stopped); not retried until the file changes"), 0
        finally:
            self.close()


def _received(results: _Window, stop: threading.Event, thread: threading.Thread) -> Iterator[Extracted]:
    """The results ``thread`` puts in the window, unpickled here (the
    caller's thread); the thread is stopped when this ends."""
    try:
        while True:
            item = results.get()
            if item is _DONE:
                break
            if isinstance(item, _Raised):
                raise item.error
            yield ForkingPickler.loads(item) if type(item) is bytes else item
    finally:
        stop.set()
        thread.join()


def _close(workers: list[_Worker]) -> None:
    """Tell ``workers`` to leave, give them a second, then stop and reap them."""
    for worker in workers:
        try:
            worker.tasks.send(None)
        except OSError:
            pass
    for worker in workers:
        worker.process.join(timeout=1)
        worker.stop()


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:  # the worker reports why
        return 0
