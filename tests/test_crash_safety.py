"""A run killed with SIGKILL leaves an index that opens and searches, and
the next run completes the work without duplicates."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.builders import write_html, write_pdf
from tests.conftest import REPO, run_cli

FILES = 400


def _make_corpus(root):
    for n in range(FILES):
        if n % 10 == 0:
            write_pdf(root / f"release-{n:04d}.pdf", [f"Release {n} page one about detainers.",
                                                      f"Page two of release {n} mentions wardrobe."])
        else:
            write_html(root / f"post-{n:04d}.html", f"Post {n}", f"Post number {n} mentions wardrobe and ICE.")


def _wait_for_group(group: int, seconds: float = 30) -> None:
    """Until no process of ``group`` is left (a loaded machine takes a while
    to tear down the killed workers)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def test_kill_9_mid_run_then_resume(tmp_path, runner):
    corpus, index_dir = tmp_path / "corpus", tmp_path / "ix"
    _make_corpus(corpus)
    command = [sys.executable, "-m", "foiasearch", "index", str(corpus), "--index", str(index_dir),
               "--commit-every", "0.1", "--workers", "2"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    lines = 0
    for _line in process.stderr:
        lines += 1
        if lines == FILES // 2:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    _wait_for_group(process.pid)  # extraction workers hold the write lock until they are gone

    # The index opens and searches after the crash.
    partial = json.loads(run_cli(runner, "search", "wardrobe", "--index", index_dir, "--json").output)
    assert 0 < partial["total"] < FILES  # some commits landed, not all

    # The next run completes the work: every file once, no duplicates.
    result = run_cli(runner, "index", corpus, "--index", index_dir, "--workers", "2")
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output
    full = json.loads(run_cli(runner, "search", "wardrobe", "--index", index_dir, "--json", "--limit", "1").output)
    assert full["total"] == FILES
    status = json.loads(run_cli(runner, "status", "--index", index_dir, "--json").output)
    assert status["kinds"]["post"]["documents"] == FILES - FILES // 10
    assert status["kinds"]["release"] == {"documents": FILES // 10, "pages": 2 * (FILES // 10)}
