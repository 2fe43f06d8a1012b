"""A one-shot ``foiasearch search`` imports only what a search needs: the
parsers, the web site, the accounts (Argon2 hashes a password at import),
exports and spelling stay out of its start-up (bench/oneshot.py measures
the time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO, run_cli

# Modules a plain search that finds documents must not load. Whoosh imports
# urllib.request ... hashlib and never uses them here (index.whoosh.importing keeps them out).
NOT_FOR_SEARCH = ("foiasearch.web", "foiasearch.web.accounts", "argon2", "flask", "jinja2", "foiasearch.ingest.pdf",
                  "pdfminer", "trafilatura", "lxml", "symspellpy", "dateutil", "foiasearch.index.build",
                  "foiasearch.saved_cli", "foiasearch.users_cli", "foiasearch.search.export", "foiasearch.search.atom",
                  "urllib.request", "asyncio", "cached_property", "whoosh.lang.morph_en", "whoosh.lang.porter",
                  "whoosh.lang.dmetaphone", "whoosh.automata.lev", "whoosh.collectors", "hashlib", "secrets",
                  "foiasearch.ingest.foia",
                  "numpy")  # a small index's search scores in plain Python (search.whoosh.bulkscore)

PROBE = """
import json, sys
from foiasearch.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    loaded = sorted(m for m in {banned!r} if m in sys.modules)
    import os
    blas = os.environ.get("OPENBLAS_NUM_THREADS")
    print(json.dumps({{"exit": exit.code, "loaded": loaded, "blas": blas}}), file=sys.stderr)
"""


def loaded_by(*args: str) -> dict:
    probe = PROBE.format(banned=NOT_FOR_SEARCH)
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    done = subprocess.run([sys.executable, "-c", probe, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=env)
    return json.loads(done.stderr.strip().splitlines()[-1])


def test_search_loads_no_parser_site_or_accounts(runner, mixed_folder, index_dir):
    run_cli(runner, "index", mixed_folder, "--index", index_dir)
    found = loaded_by("search", "detainers", "--index", str(index_dir), "--json")
    # OpenBLAS threads off: they spun at numpy's import, a third of the CPU of a search
    assert found == {"exit": 0, "loaded": [], "blas": "1"}


def test_lazy_commands_still_run(runner, index_dir):
    """The sub-commands loaded on demand are listed by help and run."""
    result = run_cli(runner, "--help")
    for name in ("saved", "export", "batch", "users"):
        assert f"\n  {name} " in result.output
    result = run_cli(runner, "users", "list", "--index", index_dir)
    assert result.exit_code == 0
