"""`foiasearch index`: walking, sniffing, outcomes, status and exit codes."""

from __future__ import annotations

import json
import os
import re

from tests.conftest import run_cli


def _summary_counts(output: str) -> dict[str, int]:
    line = next(l for l in output.splitlines() if "files seen" in l)
    return {name: int(n) for n, name in re.findall(r"(\d+) (?:files )?(seen|indexed|unchanged|skipped|failed|removed)", line)}


def test_every_file_has_one_outcome(runner, mixed_folder, index_dir):
    result = run_cli(runner, "index", mixed_folder, "--index", index_dir)
    assert result.exit_code == 0, result.output
    counts = _summary_counts(result.output)
    assert counts["seen"] == 10  # the hidden folder is not walked
    assert counts["indexed"] + counts["unchanged"] + counts["skipped"] + counts["failed"] == counts["seen"]
    assert counts == {"seen": 10, "indexed": 6, "unchanged": 0, "skipped": 1, "failed": 3}
    assert "empty.pdf: empty file" in result.output
    assert "broken.pdf: " in result.output
    assert "fake.pdf: not a valid PDF" in result.output
    assert "Traceback" not in result.output


def test_pdfs_are_recognised_by_content(runner, mixed_folder, index_dir):
    run_cli(runner, "index", mixed_folder, "--index", index_dir)
    for query, name in [("suffix", "NOEXTENSION"), ("fingerprints", "UPPER.PDF"), ("sheriffs", "stray.pdf")]:
        data = json.loads(run_cli(runner, "search", query, "--index", index_dir, "--json").output)
        assert data["total"] == 1, query
        assert data["hits"][0]["kind"] == "release"
        assert data["hits"][0]["paths"][0].endswith(name)


def test_status_lists_kinds_and_failures(runner, mixed_folder, index_dir):
    run_cli(runner, "index", mixed_folder, "--index", index_dir)
    result = run_cli(runner, "status", "--index", index_dir)
    assert "post: 2 documents, 2 pages" in result.output
    assert "release: 4 documents, 6 pages" in result.output
    assert "Last updated: 20" in result.output
    assert "empty.pdf: empty file" in result.output
    data = json.loads(run_cli(runner, "status", "--index", index_dir, "--json").output)
    assert data["kinds"]["release"] == {"documents": 4, "pages": 6}
    assert len(data["failures"]) == 3


def test_index_location_from_environment(runner, mixed_folder, tmp_path, monkeypatch):
    target = tmp_path / "from-env"
    monkeypatch.setenv("FOIASEARCH_INDEX", str(target))
    assert run_cli(runner, "index", mixed_folder / "posts").exit_code == 0
    assert (target / "store.db").exists()
    assert json.loads(run_cli(runner, "search", "TRUST", "--json").output)["total"] == 1


def test_default_index_is_dot_foiasearch(runner, mixed_folder, tmp_path, monkeypatch):
    monkeypatch.delenv("FOIASEARCH_INDEX", raising=False)
    monkeypatch.chdir(tmp_path)
    assert run_cli(runner, "index", mixed_folder / "posts").exit_code == 0
    assert (tmp_path / ".foiasearch" / "store.db").exists()


def test_symlink_loops_do_not_hang(runner, tmp_path, index_dir):
    from tests.builders import write_html

    root = tmp_path / "loop"
    write_html(root / "a" / "post.html", "Loop", "Symlinked folders must not loop.")
    os.symlink(root, root / "a" / "back-to-root")
    result = run_cli(runner, "index", root, "--index", index_dir)
    assert result.exit_code == 0
    assert _summary_counts(result.output)["indexed"] == 1


def test_missing_path_is_a_clear_error(runner, tmp_path, index_dir):
    result = runner.invoke(__import__("foiasearch.cli").cli.main, ["index", str(tmp_path / "nope"), "--index", str(index_dir)])
    assert result.exit_code != 0
    assert "nope: no such file or folder" in result.output
    assert "Traceback" not in result.output


def test_locked_index_is_a_clear_error(runner, mixed_folder, index_dir):
    from foiasearch.index.build import WriteLock

    index_dir.mkdir(parents=True)
    from foiasearch.cli import main

    with WriteLock(index_dir / "write.lock"):
        result = runner.invoke(main, ["index", str(mixed_folder), "--index", str(index_dir)])
    assert result.exit_code == 1
    assert "locked by another writer" in result.output


def test_search_without_index_is_a_clear_error(runner, tmp_path):
    from foiasearch.cli import main

    result = runner.invoke(main, ["search", "x", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "no index at" in result.output


def test_plain_progress_lines_when_not_a_terminal(runner, mixed_folder, index_dir):
    result = run_cli(runner, "index", mixed_folder, "--index", index_dir)
    assert re.search(r"^\[10/10\] \w+: ", result.output, re.M)


def test_worker_pool_and_in_process_agree(runner, mixed_folder, tmp_path):
    pooled = run_cli(runner, "index", mixed_folder, "--index", tmp_path / "a", "--workers", "2")
    inline = run_cli(runner, "index", mixed_folder, "--index", tmp_path / "b", "--workers", "0")
    assert _summary_counts(pooled.output) == _summary_counts(inline.output)
