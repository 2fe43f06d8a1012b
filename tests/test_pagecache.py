"""The shared page cache only ever saves time: failures are misses, and
folders left by killed servers are removed."""

from __future__ import annotations

import os
import subprocess
import sys

from foiasearch.web import pagecache
from foiasearch.web.pagecache import PageCache


def test_a_cache_that_cannot_be_opened_is_a_miss_not_an_error(tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache's folder should be")
    pages = PageCache(blocked)
    pages.put(("state", "local", "q=x"), ("<top>", "<rest>", 1))  # no exception
    assert pages.get(("state", "local", "q=x")) is None and pages.misses == 1


def test_folders_of_servers_that_are_gone_are_removed(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    left = tmp_path / f"{pagecache.PREFIX}{gone}-abc"
    live = tmp_path / f"{pagecache.PREFIX}{os.getpid()}-def"
    other = tmp_path / "unrelated"
    for folder in (left, live, other):
        folder.mkdir()
    pagecache._remove_orphans(tmp_path)
    assert not left.exists() and live.exists() and other.exists()
