"""Shared fixtures: a folder of files made here, and the CLI runner."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.builders import write_html, write_pdf

REPO = Path(__file__).resolve().parents[1]
# <repo>/../shared/corpus; a worktree under /work/wt/<name> finds it one level up.
SHARED_CORPUS = next((p / "shared" / "corpus" for p in REPO.parents if (p / "shared" / "corpus").is_dir()),
                     REPO.parent / "shared" / "corpus")
DEMO_CORPUS = REPO / "examples" / "corpus"

needs_shared_corpus = pytest.mark.skipif(not SHARED_CORPUS.is_dir(), reason="../shared/corpus is not present")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "ix"


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    """HTML posts, PDF releases (one without extension, one .PDF, one with
    stray leading bytes), and files that must be skipped or fail."""
    root = tmp_path / "corpus"
    write_html(root / "posts" / "illinois.html", "Illinois withdraws from Secure Communities",
               "Governor Pat Quinn wrote to DHS that the program failed.\n\n"
               "Counties asked whether they could opt out of the program.")
    write_html(root / "posts" / "trust-act.html", "The TRUST Act in California",
               "The TRUST Act would limit detainers in California counties.")
    write_pdf(root / "releases" / "emails.pdf", [
        "From: Smith, John\nSent: Tuesday, March 15, 2011 4:02 PM\nSubject: Secure Communities opt out",
        "Page two talks about detainers only.",
        "Counties cannot opt out of Secure Communities, the memo said.",
    ])
    write_pdf(root / "releases" / "NOEXTENSION", ["A release without a file suffix about detainers."])
    write_pdf(root / "releases" / "UPPER.PDF", ["An upper case extension release about fingerprints."])
    write_pdf(root / "releases" / "stray.pdf", ["Stray bytes before the header, about sheriffs."], prefix=b"\r\n")
    (root / "data.json").write_text('{"not": "indexed"}')
    (root / "releases" / "empty.pdf").write_bytes(b"")
    (root / "releases" / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj garbage garbage")
    (root / "releases" / "fake.pdf").write_bytes(b"this is not a pdf at all")
    (root / ".hidden").mkdir()
    write_html(root / ".hidden" / "secret.html", "Hidden", "Never indexed.")
    return root


def run_cli(runner: CliRunner, *args: str | os.PathLike):
    from foiasearch.cli import main

    return runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL server for the whole session (tests/pgcluster.py):
    skipped without PostgreSQL, failing under CI."""
    from tests.pgcluster import Cluster, require_binaries

    cluster = Cluster.primary(require_binaries())
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg_url(pg_cluster, request) -> str:
    """The URL of a new, empty database on the session's server."""
    import re

    name = "t_" + re.sub(r"\W", "_", request.node.name.lower())[:40] + f"_{os.getpid()}_{id(request) % 100000}"
    return pg_cluster.create_database(name)
