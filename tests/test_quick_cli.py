"""The ``foiasearch`` command's plain-search path without click
(foiasearch.quick) prints what the click command prints: the same stdout,
stderr and exit status for searches, errors, and the command lines it hands
to click (help, bad values, unknown options)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO, run_cli

QUICK = "from foiasearch.quick import main; main()"
CLICK = "from foiasearch.cli import main; main()"


def run(entry: str, *args: str, env: dict | None = None) -> tuple[int, str, str]:
    done = subprocess.run([sys.executable, "-c", entry, *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env={**os.environ, **(env or {})})
    return done.returncode, done.stdout, done.stderr


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> str:
    from click.testing import CliRunner

    from tests.builders import write_html, write_pdf

    root = tmp_path_factory.mktemp("quick")
    write_html(root / "posts" / "illinois.html", "Illinois withdraws from Secure Communities",
               "Governor Pat Quinn wrote to DHS that the program failed. Counties asked to opt out.")
    write_html(root / "posts" / "escape.html", "A title with \x1b[31mred\x1b[0m escapes",
               "Detainers and a colour escape in the title.")
    write_pdf(root / "releases" / "emails.pdf", ["Secure Communities opt out", "Page two is about detainers.",
                                                 "Counties cannot opt out, the memo said."])
    run_cli(CliRunner(), "index", root, "--index", root / "ix")
    return str(root / "ix")


SEARCHES = [
    ["detainers"],
    ["detainers", "--json", "-n", "1"],
    ["opt out", "--limit=1", "--page", "2"],
    ["", "--actor", "Pat Quinn", "--kind", "release", "--kind", "post"],
    ["detainers", "--sort", "newest"],
    ["detentoin"],  # a suggestion
    ["title:("],  # a query error: one line from click's ClickException, or the same from quick
    # handed to click: a bad value, help, an unknown option, a missing query, an extra argument
    ["detainers", "--limit", "0"],
    ["detainers", "--sort", "Newest"],
    ["--help"],
    ["detainers", "--colour", "red"],
    ["detainers", "-xindex", "/nonexistent"],  # a short option click does not know, ending in a long one's name
    [],
    ["opt", "out"],
]


@pytest.mark.parametrize("args", SEARCHES, ids=[" ".join(a) or "no-args" for a in SEARCHES])
def test_quick_prints_what_click_prints(index, args):
    command = ["search", *args, "--index", index]
    assert run(QUICK, *command) == run(CLICK, *command)


def test_errors_and_environment_as_click(index, tmp_path):
    missing = ["search", "detainers", "--index", str(tmp_path / "none")]
    assert run(QUICK, *missing) == run(CLICK, *missing)
    assert run(QUICK, *missing)[0] == 1
    env = {"FOIASEARCH_INDEX": index}
    found = run(QUICK, "search", "detainers", env=env)
    assert found == run(CLICK, "search", "detainers", env=env) and found[0] == 0 and "detainers" in found[1]


def test_a_plain_search_does_not_import_click(index):
    """Nor collect cyclic garbage; any other command line runs with the collector on."""
    probe = ("import gc, json, sys\nfrom foiasearch.quick import _fast\ntry:\n    code = _fast(sys.argv[1:])\n"
             "    if code is None:\n        from foiasearch.cli import main\n        main()\n"
             "except SystemExit as exit:\n    code = exit.code\n"
             "print(json.dumps([code, 'click' in sys.modules, gc.isenabled()]), file=sys.stderr)")
    code, out, err = run(probe, "search", "detainers", "--tag", "x", "--json", "--index", index)
    assert json.loads(err.splitlines()[-1]) == [0, False, False]
    code, out, err = run(probe, "search", "detainers", "--limit", "0", "--index", index)
    assert json.loads(err.splitlines()[-1]) == [2, True, True]  # click's usage error
    code, out, err = run(probe, "status", "--index", index)
    assert json.loads(err.splitlines()[-1]) == [0, True, True]


def test_quick_reads_the_options_click_declares():
    """Every option of the click command is one quick reads, and no other."""
    from foiasearch.cli import search_command
    from foiasearch.quick import search_args
    from foiasearch.search.api import FACET_NAMES

    declared = {opt for param in search_command.params for opt in param.opts if opt.startswith("-")}
    assert declared - {"--help"} == {"--index", "--limit", "-n", "--page", "--sort", "--json"} | {
        f"--{name}" for name in FACET_NAMES}
    for option in declared - {"--help", "--json"}:
        value = "5" if option in ("--limit", "-n", "--page") else "newest" if option == "--sort" else "v"
        assert search_args(["search", "q", option, value]) is not None, option
    assert search_args(["search", "q", "--json"])["as_json"] is True
    assert search_args(["search", "q", "--tag", "a", "--site", "b", "--tag", "c"])["filters"] == {
        "tag": ["a", "c"], "site": ["b"]}
    assert search_args(["search", "q", "-xlimit", "5"]) is None


def test_quick_uses_the_defaults_and_choices_click_declares():
    from foiasearch.cli import search_command
    from foiasearch.quick import DEFAULTS, SORT_CHOICES, search_args
    from foiasearch.search.api import SORTS

    assert {param.name: param.default for param in search_command.params if param.name in DEFAULTS} == DEFAULTS
    assert SORT_CHOICES == SORTS
    found = search_args(["search", "q"])
    assert {name: found[name] for name in DEFAULTS} == DEFAULTS
