"""The extraction pool (index.pool.WorkerPool): started before the indexer
opens its index, given its options with the files, results read a few at a
time from a worker's pipe; and the OCR's numpy left out of a run that does
no OCR."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
import time

from foiasearch.index import build, pool
from foiasearch.index.build import Indexer
from foiasearch.index.location import IndexLocation
from foiasearch.index.pool import WorkerPool, extract_in_workers
from foiasearch.ingest.options import IngestOptions
from tests.builders import write_html
from tests.conftest import REPO
from tests.test_pdf_passwords import OWNER_PW, USER_PW, write_encrypted


def test_a_pool_works_with_the_options_it_is_given_after_it_started(tmp_path):
    """The workers are forked before the options are known (the indexer
    changes them after its walk): each extract call's options reach them."""
    locked = str(write_encrypted(tmp_path / "locked.pdf", "Detainer memo about wombats", USER_PW, OWNER_PW))
    with WorkerPool(2) as workers:
        assert len(multiprocessing.active_children()) == 2  # forked when made, before any file
        found = list(workers.extract([locked], IngestOptions(ocr=False, passwords=(USER_PW,))))
    assert [item.result.status for item in found] == ["ok"]
    assert "wombats" in found[0].result.documents[0].pages[0].text
    with WorkerPool(1) as workers:
        found = list(workers.extract([locked], IngestOptions(ocr=False)))
    assert found[0].result.reason == "encrypted: password required"
    assert not multiprocessing.active_children()


def test_keep_stops_the_workers_a_short_run_does_not_need(tmp_path):
    paths = [str(write_html(tmp_path / f"p{n}.html", f"P{n}", "Opt out.")) for n in range(2)]
    with WorkerPool(3) as workers:
        workers.keep(2)
        assert len(multiprocessing.active_children()) == 2
        assert sorted(i.path for i in workers.extract(paths, IngestOptions(ocr=False))) == sorted(paths)
    assert not multiprocessing.active_children()


def test_closing_a_pool_in_the_middle_of_an_extraction_stops_its_thread(tmp_path):
    """The indexer closes its pool when it raises while reading results:
    the results thread and the workers end then, not at the process's exit."""
    paths = [str(write_html(tmp_path / f"p{n}.html", f"P{n}", "Opt out. " * 50)) for n in range(8)]
    workers = WorkerPool(2)
    results = workers.extract(paths, IngestOptions(ocr=False))
    assert next(results).result.status == "ok"
    workers.close()
    assert not any(thread.name == "extraction-results" for thread in threading.enumerate())
    assert not multiprocessing.active_children()
    results.close()


def test_results_are_read_whole_however_the_pipe_cuts_them():
    """Two results and part of a third in the pipe: one read gives the two,
    the next the third once the rest of it has come."""
    reader, writer = multiprocessing.Pipe(duplex=False)
    worker = pool._Worker.__new__(pool._Worker)
    worker.conn, worker.inbox = reader, bytearray()
    pool._write(writer.fileno(), b"first")  # as a worker writes them
    pool._write(writer.fileno(), b"x" * 20_000)
    third = pool._LENGTH.pack(5) + b"third"
    os.write(writer.fileno(), third[:6])
    assert worker.read() == [b"first", b"x" * 20_000]
    assert worker.answered()  # part of the next is here
    os.write(writer.fileno(), third[6:])
    assert worker.read() == [b"third"] and not worker.answered()
    writer.close()
    assert worker.read() is None  # the worker is gone
    reader.close()


def test_the_workers_are_running_before_the_index_is_opened(tmp_path, monkeypatch):
    """They start up while the indexer opens its writer and store and walks
    the folders; every file still gets its outcome."""
    for n in range(4):
        write_html(tmp_path / "corpus" / f"p{n}.html", f"P{n}", "Opt out of Secure Communities.")
    seen = []
    opened = build.open_writer

    def open_writer(location, *args, **kwargs):
        seen.append(len(multiprocessing.active_children()))
        return opened(location, *args, **kwargs)

    monkeypatch.setattr(build, "open_writer", open_writer)
    location = IndexLocation(tmp_path / "ix")
    summary = Indexer(location, IngestOptions(ocr=False, ocr_cache_dir=location.ocr_cache_dir), workers=2).run(
        [tmp_path / "corpus"])
    assert seen == [2]
    assert (summary.seen, summary.indexed) == (4, 4)
    assert not multiprocessing.active_children()


def test_an_indexer_with_nothing_to_extract_leaves_no_worker_behind(tmp_path):
    write_html(tmp_path / "corpus" / "p.html", "P", "Opt out.")
    location = IndexLocation(tmp_path / "ix")
    options = IngestOptions(ocr=False, ocr_cache_dir=location.ocr_cache_dir)
    assert Indexer(location, options, workers=2).run([tmp_path / "corpus"]).indexed == 1
    assert Indexer(location, options, workers=2).run([tmp_path / "corpus"]).unchanged == 1
    assert not multiprocessing.active_children()


def test_indexing_imports_no_numpy_until_a_page_is_ocred():
    """numpy (the OCR's images) was a fifth of an index run's start-up."""
    code = ("import sys, foiasearch.cli, foiasearch.index.build, foiasearch.ingest.ocr as ocr\n"
            "assert 'numpy' not in sys.modules, 'numpy imported'\n"
            "assert ocr.parse_pgm(b'P5 2 1 255 ' + bytes([0, 255])).tolist() == [[0, 255]]\n"
            "assert 'numpy' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def _pool_started_when_the_writer_opened(tmp_path, monkeypatch, files: int) -> tuple[list[bool], object]:
    for n in range(files):
        write_html(tmp_path / "corpus" / f"p{n}.html", f"P{n}", "Opt out of Secure Communities.")
    location = IndexLocation(tmp_path / "ix")
    indexer = Indexer(location, IngestOptions(ocr=False, ocr_cache_dir=location.ocr_cache_dir), workers=2)
    started = []
    opened = build.open_writer

    def open_writer(where, *args, **kwargs):
        started.append(indexer._pool._running is not None)
        return opened(where, *args, **kwargs)

    monkeypatch.setattr(build, "open_writer", open_writer)
    return started, indexer.run([tmp_path / "corpus"])


def test_the_workers_read_the_files_the_walk_finds_before_it_ends(tmp_path, monkeypatch):
    """With as many files as cores and workers, the pool reads them as the
    walk finds them, before the writer opens; every file gets its outcome."""
    files = max(os.cpu_count() or 1, 2) + 3
    started, summary = _pool_started_when_the_writer_opened(tmp_path, monkeypatch, files)
    assert started == [True]
    assert (summary.seen, summary.indexed, summary.failed) == (files, files, [])
    assert not multiprocessing.active_children()


def test_fewer_files_than_cores_wait_for_the_end_of_the_walk(tmp_path, monkeypatch):
    """Fewer files than cores: the options change after the walk (a PDF's
    pages over several processes), so the pool starts only then."""
    started, summary = _pool_started_when_the_writer_opened(tmp_path, monkeypatch, 1)
    assert started == [False] and summary.indexed == 1


def test_a_ready_frame_starts_the_clock_and_is_not_a_result():
    """A worker writes an empty frame once set up: read() gives no result
    for it, and the time limit of its first file counts from then."""
    reader, writer = multiprocessing.Pipe(duplex=False)
    worker = pool._Worker.__new__(pool._Worker)
    worker.conn, worker.inbox, worker.started = reader, bytearray(), 0.0
    pool._write(writer.fileno(), b"")
    pool._write(writer.fileno(), b"first")
    assert worker.read() == [b"first"]
    assert worker.started > 0.0
    writer.close()
    reader.close()


def test_files_queued_while_the_walk_is_slow_are_sent_and_not_timed_out(tmp_path):
    """The indexer's walk hands files out as it finds them and may pause
    (hashing unchanged files): files already queued to a worker are sent to
    it before the pool waits for the walk, and their time limit starts when
    they are sent, so none is stopped for the walk's pause."""
    paths = [str(write_html(tmp_path / f"w{n}.html", f"W{n}", "Opt out.")) for n in range(3)]

    def slow_walk():
        yield from paths[:2]
        time.sleep(3.0)  # longer than the time limit
        yield paths[2]

    outcomes = {e.path: e.result for e in extract_in_workers(slow_walk(), IngestOptions(ocr=False), workers=2,
                                                              time_limit=2.0)}
    assert sorted(outcomes) == sorted(paths)
    assert all(result.status == "ok" for result in outcomes.values()), outcomes
