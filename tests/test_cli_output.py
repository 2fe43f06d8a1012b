"""How `foiasearch search` and `foiasearch saved run` print (issue 16, item 8):
wrapped to the terminal, a footer naming the next page, one highlight
style, counts in words, --help examples on their own lines."""

from __future__ import annotations

import pytest

from foiasearch.output import highlight, wrap
from tests.conftest import run_cli


@pytest.fixture
def indexed(runner, mixed_folder, index_dir):
    run_cli(runner, "index", mixed_folder, "--index", index_dir)
    return index_dir


def human(runner, *args, columns: int = 60) -> str:
    from foiasearch.cli import main

    result = runner.invoke(main, [str(a) for a in args], env={"COLUMNS": str(columns)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_search_output_is_wrapped_to_the_terminal_width(runner, indexed):
    for columns in (50, 80):
        out = human(runner, "search", "opt OR detainers OR program", "--index", indexed, columns=columns)
        lines = out.splitlines()
        paths = {line for line in lines if line.strip().startswith(str(indexed.parent))}
        assert all(len(line) <= columns for line in lines if line not in paths), columns
        assert any(len(line) > columns - 15 for line in lines if line not in paths)  # wrapped, not cut short
        snippet_lines = [line for line in lines if line.startswith("   ") and "[" in line]
        assert snippet_lines  # the snippet keeps its marks across the wrap


def test_footer_names_the_next_page_and_counts_are_words(runner, indexed):
    out = human(runner, "search", "detainers OR opt OR fingerprints", "--index", indexed, "--limit", "1")
    total = int(out.split()[0])
    assert total > 1 and out.rstrip().endswith(f"{total - 1} more: --page 2")
    last = human(runner, "search", "detainers OR opt OR fingerprints", "--index", indexed, "--limit", "1",
                 "--page", str(total))
    assert "more: --page" not in last
    one = human(runner, "search", "fingerprints", "--index", indexed)
    assert one.startswith("1 document matches 'fingerprints'")


def test_one_highlight_style_in_search_and_saved_run(runner, indexed):
    search = human(runner, "search", '"opt out"', "--index", indexed)
    run_cli(runner, "saved", "add", "optout", '"opt out"', "--index", indexed)
    saved = human(runner, "saved", "run", "optout", "--index", indexed)
    assert "[opt out]" in search and "[opt out]" in saved
    assert "[opt] [out]" not in search + saved
    assert highlight("\x02opt\x03 \x02out\x03", color=True) == "\x1b[1;33mopt out\x1b[0m"


def test_help_examples_are_on_their_own_lines(runner):
    out = human(runner, "search", "--help", columns=120)
    assert "\n      foiasearch search '\"opt out\" AND \"Secure Communities\"'\n" in out
    assert "\n      foiasearch search 'title:detainer' --json\n" in out


def test_colour_escapes_do_not_count_towards_the_width():
    marked = "word " * 8 + "\x1b[1;33mopt\x1b[0m " + "word " * 8
    lines = wrap(marked, width=30, indent="   ").split("\n")
    assert all(len(line.replace("\x1b[1;33m", "").replace("\x1b[0m", "")) <= 30 for line in lines)
    assert "\x1b[1;33mopt\x1b[0m" in "".join(lines)
