"""One PDF's pages read by several processes (IngestOptions.pdf_jobs,
ingest.forked): the same pages as one process, failures raised here, and no
process left behind when the reading is cut short."""

from __future__ import annotations

import os
import time

import pytest

from foiasearch.ingest import forked, pdf
from foiasearch.ingest.options import IngestOptions
from foiasearch.ingest.registry import ingest_file
from tests.builders import write_pdf

pytestmark = pytest.mark.skipif(not forked.available(), reason="no fork on this system")


def test_split_reading_gives_the_same_pages(tmp_path):
    path = write_pdf(tmp_path / "long.pdf", [f"Page {n} of the release, about detainer number {n * 7}." for n in
                                             range(1, 12)] + [None, "The last page."])
    one = ingest_file(path, IngestOptions(ocr=False)).documents[0]
    three = ingest_file(path, IngestOptions(ocr=False, pdf_jobs=3)).documents[0]
    assert [(p.number, p.text, p.needs_ocr) for p in three.pages] == [(p.number, p.text, p.needs_ocr)
                                                                      for p in one.pages]
    assert [p.number for p in three.pages] == list(range(1, 14)) and "detainer number 77" in three.pages[10].text


def test_short_files_are_read_in_one_process(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(pdf, "in_forks", lambda function, parts: calls.append(len(parts)) or
                        [function(part) for part in parts])
    path = write_pdf(tmp_path / "short.pdf", ["one", "two", "three", "four", "five"])
    with pdf._open_file(path) as handle:
        pages, _, _ = pdf.read_pdf(handle, jobs=2)
    assert len(pages) == 5 and calls == [1]  # fewer than PARALLEL_MIN_PAGES per process


def test_a_failure_in_a_child_is_raised_here():
    def part(n):
        if n == 2:
            raise ValueError("page 2 is broken")
        return n

    with pytest.raises(ValueError, match="page 2 is broken"):
        forked.in_forks(part, [1, 2, 3])


def test_children_are_killed_when_the_reading_is_cut_short():
    started = []

    def part(n):
        if n == 0:  # here: the indexer's time limit fires while the children work
            raise TimeoutError("time limit")
        time.sleep(30)
        return n

    def alive(pid: int) -> bool:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True

    original_fork = os.fork

    def recording_fork():
        pid = original_fork()
        if pid:
            started.append(pid)
        return pid

    os.fork, before = recording_fork, time.perf_counter()
    try:
        with pytest.raises(TimeoutError):
            forked.in_forks(part, [0, 1, 2])
    finally:
        os.fork = original_fork
    assert len(started) == 2 and not any(alive(pid) for pid in started)
    assert time.perf_counter() - before < 10


def test_parts_are_read_here_when_no_process_can_be_forked(monkeypatch):
    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    assert forked.in_forks(lambda n: n * 10, [1, 2, 3]) == [10, 20, 30]
