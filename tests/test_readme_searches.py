"""The README's `foiasearch search` lines print the same thing in a one-shot
process (Whoosh imported lean by index.whoosh.importing, segment files read
in place by index.whoosh.segmentfiles) as in this process with Whoosh's own
BytesIO copies of the segment files."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys

from click.testing import CliRunner

from foiasearch.index.whoosh import segmentfiles
from tests.conftest import DEMO_CORPUS, REPO, run_cli


def readme_searches() -> list[list[str]]:
    """The arguments of every `foiasearch search` line of the README (comments cut)."""
    found = []
    for line in (REPO / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("foiasearch search "):
            found.append(shlex.split(re.sub(r"\s+#\s.*$", "", line))[1:])
    return found


def test_readme_searches_print_the_same(tmp_path):
    searches = readme_searches()
    assert len(searches) >= 10
    index_dir = tmp_path / "ix"
    assert run_cli(CliRunner(), "index", DEMO_CORPUS, "--index", index_dir, "--no-ocr").exit_code == 0
    env = {k: v for k, v in os.environ.items() if k != "FOIASEARCH_INDEX"}
    segmentfiles.read_in_place(False)
    try:
        for args in searches:
            copied = run_cli(CliRunner(), *args, "--index", index_dir)
            one_shot = subprocess.run([sys.executable, "-m", "foiasearch", *args, "--index", str(index_dir)],
                                      cwd=REPO, capture_output=True, text=True, timeout=120, env=env)
            assert (one_shot.returncode, one_shot.stdout) == (copied.exit_code, copied.output), args
    finally:
        segmentfiles.read_in_place(True)
