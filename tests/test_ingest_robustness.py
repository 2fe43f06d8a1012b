"""Ingest under bad conditions: file names that are not UTF-8, entries that
are not files, files over the time limit, workers that die, runs killed
with SIGKILL at random moments, and indexes with nothing in them yet."""

from __future__ import annotations

import collections
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from foiasearch.index.build import Indexer
from foiasearch.index.location import IndexLocation
from foiasearch.index import pool
from foiasearch.index.pool import extract_in_workers
from foiasearch.ingest.options import IngestOptions
from foiasearch.web import create_app
from tests.builders import write_html, write_pdf
from tests.conftest import REPO, run_cli

NO_OCR = IngestOptions(ocr=False)


def _slow_html(path: Path, attributes: int = 100_000) -> Path:
    """An element with 100,000 attributes: tens of seconds of parsing (the
    extractor's cost grows with the square of the count), mostly inside
    lxml, where the worker's own alarm cannot stop it."""
    attrs = " ".join(f'a{i}="v{i}"' for i in range(attributes))
    path.write_text(f"<html><body><div {attrs}><p>opt out</p></div></body></html>")
    return path


def test_file_names_that_are_not_utf8_are_indexed_and_printed_safely(tmp_path, runner):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    raw = os.fsencode(corpus) + b"/memo-\xff\xfe.html"
    with open(raw, "wb") as handle:
        handle.write(b"<html><title>Memo</title><body><p>Opt out of Secure Communities.</p></body></html>")
    write_pdf(Path(os.fsdecode(os.fsencode(corpus) + b"/scan-\xe9.pdf")), ["Detainer request page."])
    result = run_cli(runner, "index", corpus, "--index", tmp_path / "ix")
    assert result.exit_code == 0, result.output
    assert "2 indexed" in result.output and "0 failed" in result.output
    assert "memo-\\xff\\xfe.html" in result.output  # the progress line, escaped
    hits = json.loads(run_cli(runner, "search", "detainer", "--index", tmp_path / "ix", "--json").output)["hits"]
    assert hits and hits[0]["paths"][0].endswith("scan-\\xe9.pdf")
    again = run_cli(runner, "index", corpus, "--index", tmp_path / "ix")
    assert "2 unchanged" in again.output
    # The manifest gives the path back as the file system has it: the original opens.
    store = IndexLocation(tmp_path / "ix").open_store(readonly=True)
    originals = store.file_paths_of(hits[0]["id"])
    store.close()
    assert os.path.isfile(originals[0]) and os.fsencode(originals[0]).endswith(b"scan-\xe9.pdf")


def test_every_walked_entry_gets_an_outcome(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    write_html(corpus / "a.html", "A", "Opt out.")
    (corpus / "gone.html").symlink_to(corpus / "nowhere.html")
    (corpus / "sub").mkdir()
    (corpus / "sub" / "up").symlink_to(corpus)  # a loop
    write_html(corpus / "locked" / "b.html", "B", "Opt out.")
    real_scandir = os.scandir

    def scandir(path):  # root reads every folder; this one stands for a chmod 000 folder
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    summary = Indexer(IndexLocation(tmp_path / "ix"), NO_OCR, workers=0).run([corpus])
    reasons = dict(summary.failed)
    assert summary.seen == summary.indexed + summary.unchanged + summary.skipped + len(summary.failed) == 4
    assert summary.indexed == 1 and summary.skipped == 1  # the loop
    assert reasons[str(corpus / "gone.html")] == "dangling symlink"
    assert reasons[str(corpus / "locked")].startswith("unreadable folder: Permission denied")


def test_a_file_over_the_time_limit_is_stopped_even_inside_a_parser(tmp_path):
    slow, quick = _slow_html(tmp_path / "slow.html"), write_html(tmp_path / "quick.html", "Q", "Opt out.")
    started = time.monotonic()
    # The worker's own alarm is at 60 s: only the parent's kill can stop it at 1 s.
    items = list(extract_in_workers([str(slow), str(quick)], IngestOptions(ocr=False, timeout_seconds=60),
                                    workers=1, time_limit=1.0))
    assert time.monotonic() - started < 30
    by_path = {item.path: item.result for item in items}
    assert by_path[str(quick)].status == "ok"
    assert by_path[str(slow)].status == "failed" and "(stopped)" in by_path[str(slow)].reason
    assert not multiprocessing.active_children()


def test_a_file_over_the_limit_is_not_retried_until_it_changes(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "KILL_GRACE_SECONDS", 1)  # the parent stops it 1 s after the alarm
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    slow = _slow_html(corpus / "slow.html")
    write_html(corpus / "quick.html", "Q", "Opt out.")
    location = IndexLocation(tmp_path / "ix")
    options = IngestOptions(ocr=False, timeout_seconds=1, ocr_cache_dir=location.ocr_cache_dir)
    first = Indexer(location, options, workers=1).run([corpus])
    assert first.indexed == 1 and dict(first.failed)[str(slow)].startswith("timed out after 1 s")
    started = time.monotonic()
    second = Indexer(location, options, workers=1).run([corpus])
    assert time.monotonic() - started < 5  # not read again
    assert second.unchanged == 1 and dict(second.failed)[str(slow)].startswith("timed out after 1 s")
    slow.write_text("<html><body><p>Opt out, now small.</p></body></html>")
    third = Indexer(location, options, workers=1).run([corpus])
    assert third.indexed == 1 and not third.failed


def test_dead_workers_are_replaced_and_every_file_gets_its_outcome(tmp_path):
    paths = [str(write_html(tmp_path / f"p{n}.html", f"P{n}", "Opt out. " * 200)) for n in range(12)]
    paths[5] = str(_slow_html(tmp_path / "slow.html", 8000))
    results = []
    for item in extract_in_workers(paths, NO_OCR, workers=2):
        results.append(item)
        if len(results) == 2:
            for child in multiprocessing.active_children():
                os.kill(child.pid, signal.SIGKILL)
    assert sorted(item.path for item in results) == sorted(paths)
    died = [item for item in results if "extraction process died (signal SIGKILL)" in item.result.reason]
    assert died and all(item.result.status in ("ok", "failed") for item in results)
    assert sum(item.result.status == "ok" for item in results) >= len(paths) - 2
    assert not multiprocessing.active_children()


def test_files_queued_behind_a_killed_or_stopped_file_are_given_again_not_failed(tmp_path):
    """One worker holds the slow file and, queued behind it, the quick ones:
    killed (SIGKILL) or stopped (over the limit) on the slow one, only that
    one fails; the others are read by the worker that replaces it."""
    slow = str(_slow_html(tmp_path / "slow.html"))
    quick = [str(write_html(tmp_path / f"q{n}.html", f"Q{n}", "Opt out.")) for n in range(4)]

    def kill_soon():
        time.sleep(1.0)
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_soon)
    killer.start()
    killed = {i.path: i.result for i in extract_in_workers([slow, *quick], IngestOptions(ocr=False, timeout_seconds=60),
                                                              workers=1)}
    killer.join()
    stopped = {i.path: i.result for i in extract_in_workers([slow, *quick], IngestOptions(ocr=False, timeout_seconds=60),
                                                               workers=1, time_limit=1.0)}
    for results, reason in ((killed, "extraction process died (signal SIGKILL)"), (stopped, "(stopped)")):
        assert sorted(results) == sorted([slow, *quick])
        assert results[slow].status == "failed" and reason in results[slow].reason
        assert all(results[q].status == "ok" for q in quick)
    assert not multiprocessing.active_children()


def test_a_worker_that_dies_idle_while_being_given_a_file_is_replaced(tmp_path):
    """The worker answers its first file, then dies before the next is
    handed to it (its task pipe breaks on the send): it is replaced and
    every file still gets exactly one outcome (the later ones were lost
    when only a worker holding files was waited for)."""
    paths = [str(write_html(tmp_path / f"q{n}.html", f"Q{n}", "Opt out.")) for n in range(6)]

    def given():
        yield paths[0]
        time.sleep(2.0)  # the worker answers the first file meanwhile
        for child in multiprocessing.active_children():
            os.kill(child.pid, signal.SIGKILL)
            child.join()
        yield from paths[1:]

    results = {i.path: i.result for i in extract_in_workers(given(), IngestOptions(ocr=False), workers=1)}
    assert sorted(results) == sorted(paths)
    assert all(results[path].status == "ok" for path in paths)
    assert not multiprocessing.active_children()


def test_a_file_answered_at_the_time_limit_is_not_stopped(tmp_path):
    """A worker that answered while the results thread waited on a full
    window (the writer busy) is not killed for the time that wait took:
    its answer is read, not replaced by "timed out"."""
    paths = [str(write_html(tmp_path / f"q{n}.html", f"Q{n}", "Opt out.")) for n in range(3)]
    outcomes = []
    # The limit counts from the worker's readiness (its start-up does not
    # count), with room for a first file under load.
    for item in extract_in_workers(paths, IngestOptions(ocr=False), workers=1, time_limit=2.0, window=1):
        outcomes.append(item.result)
        time.sleep(2.5)  # a writer slower than the time limit
    assert len(outcomes) == 3 and all(result.status == "ok" for result in outcomes), outcomes


def test_a_busy_worker_queues_small_files_only():
    worker = pool._Worker.__new__(pool._Worker)
    worker.held, worker.closed = collections.deque(), False
    assert worker.takes(10**9)  # idle: any file
    worker.held.append(("reading.pdf", 10**9))
    assert worker.takes(1000) and not worker.takes(pool.QUEUED_BYTES + 1)
    worker.held.extend(("small.html", 1000) for _ in range(pool.PATHS_PER_WORKER - 1))
    assert not worker.takes(1)  # full
    worker.held.clear()
    worker.closed = True
    assert not worker.takes(1)  # its pipe broke: it is dying


def test_the_results_window_is_bounded_in_bytes_as_well_as_in_files():
    stop = threading.Event()
    window = pool._Window(items=100, size=10, stop=stop)
    assert window.put("a", 6)
    second = threading.Thread(target=window.put, args=("b", 6))
    second.start()
    second.join(0.3)
    assert second.is_alive()  # 12 bytes would be over the bound: it waits for the reader
    assert window.get() == "a"
    second.join(5)
    assert not second.is_alive()
    assert not window.put("large", 50, timeout=0.2)  # over the bound beside "b"
    assert window.get() == "b"
    assert window.put("large", 50, timeout=0.2)  # alone, a result larger than the bound passes
    stop.set()
    assert not window.put("c", 1)  # a stopped reader releases the writer


def test_a_window_of_one_byte_neither_deadlocks_nor_loses_a_file(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "WINDOW_BYTES_PER_WORKER", 1)
    paths = [str(write_html(tmp_path / f"p{n}.html", f"P{n}", "Opt out. " * 50)) for n in range(6)]
    items = list(extract_in_workers(paths, NO_OCR, workers=2))
    assert sorted(item.path for item in items) == sorted(paths)
    assert all(item.result.status == "ok" for item in items)


def _corpus(root: Path, files: int) -> None:
    for n in range(files):
        if n % 10 == 0:
            write_pdf(root / f"r{n:03d}.pdf", [f"Release {n} about wardrobe.", "Page two."])
        else:
            write_html(root / f"p{n:03d}.html", f"Post {n}", f"Post {n} mentions wardrobe.")


def _alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
        return True
    except ProcessLookupError:
        return False


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kill_9_of_the_indexer_at_a_random_moment(tmp_path, runner, seed):
    """SIGKILL to the indexer alone (not its workers): before or after its
    first commit, the index searches (zero or more results) in the CLI and
    on the site, no worker outlives it, and the next run finishes the work."""
    files = 60
    corpus, index_dir = tmp_path / "corpus", tmp_path / "ix"
    _corpus(corpus, files)
    delay = random.Random(seed).uniform(0.0, 2.5)
    process = subprocess.Popen([sys.executable, "-m", "foiasearch", "index", str(corpus), "--index", str(index_dir),
                                "--commit-every", "0.2", "--workers", "2", "-q"],
                               cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    process.kill()
    process.wait(timeout=30)
    deadline = time.monotonic() + 10
    while _alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(process.pid), "a worker outlived the killed indexer"
    if (index_dir / "store.db").exists():
        result = run_cli(runner, "search", "wardrobe", "--index", index_dir, "--json")
        assert result.exit_code == 0, result.output
        assert 0 <= json.loads(result.output)["total"] <= files
        page = create_app(index_dir).test_client().get("/?q=wardrobe")
        assert page.status_code == 200
    result = run_cli(runner, "index", corpus, "--index", index_dir, "--workers", "2")
    assert result.exit_code == 0 and "0 failed" in result.output, result.output
    full = json.loads(run_cli(runner, "search", "wardrobe", "--index", index_dir, "--json").output)
    assert full["total"] == files


def test_an_empty_index_searches_with_zero_results(tmp_path, runner):
    (tmp_path / "empty").mkdir()
    assert run_cli(runner, "index", tmp_path / "empty", "--index", tmp_path / "ix").exit_code == 0
    result = run_cli(runner, "search", "anything", "--index", tmp_path / "ix", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total"] == 0
    client = create_app(tmp_path / "ix").test_client()
    assert client.get("/?q=anything").status_code == 200
    assert client.get("/api/search?q=anything").get_json()["total"] == 0
    # A store without Whoosh's first commit (a run killed in between) too.
    (tmp_path / "ix" / "whoosh").rename(tmp_path / "whoosh-away")
    result = run_cli(runner, "search", "anything", "--index", tmp_path / "ix", "--json")
    assert result.exit_code == 0 and json.loads(result.output)["total"] == 0
