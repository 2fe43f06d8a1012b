"""The ``foiasearch`` command's entry point: a plain ``foiasearch search``
runs without click; every other command line goes to foiasearch.cli.

Importing click (its types, formatting, gettext, uuid and platform) and
building every command's options was about 13 ms of the 120-150 ms of CPU a
one-shot search takes (bench/oneshot.py). :func:`search_args` reads only
the command lines it can read exactly as click would: ``search QUERY`` with
``--index``, ``--limit``/``-n``, ``--page``, ``--sort``, ``--json`` and the
facet filters, each at most once (filters repeatable), every value in a
separate or ``--name=value`` token, in range and not starting with ``-``.
Anything else (help, a bad value, an unknown option, ``--``, shell
completion) returns None and click parses it, with its own messages and exit
codes. The search itself and its printing are :func:`run_search`, which the
click command calls too; tests/test_quick_cli.py holds both paths to the
same output.

>>> search_args(["search", "opt out", "-n", "5", "--tag", "ICE", "--json"])["limit"]
5
>>> search_args(["search", "opt out", "--limit", "0"]) is None  # click says why
True
>>> search_args(["search", "--help"]) is None
True
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable

# Before numpy is imported: its OpenBLAS starts a thread per core that spins
# at start-up, a third of a one-shot search's CPU (bench/oneshot.py: 330 ->
# 218 ms at 2,000 documents); searching and OCR use no BLAS routine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

SORT_CHOICES = ("relevance", "newest", "oldest")  # the --sort choices of foiasearch.cli's search command
LIMIT_RANGE, PAGE_RANGE = (1, 1000), (1, 10_000)  # its --limit and --page ranges
DEFAULTS = {"limit": 10, "page": 1, "sort": "relevance"}  # and their defaults


class SearchFailed(Exception):
    """A search that cannot run (no index, a query error); the message is
    the one line ``Error: ...`` shows, as click's ClickException does."""


def run_search(query_text: str, index_dir: str | None, limit: int, page: int, sort: str, as_json: bool,
               filters: dict[str, list[str]], echo: Callable[[str], None], color: bool) -> None:
    """Run one search and print it line by line through ``echo``; raises
    SearchFailed. ``foiasearch search`` in both paths (click's and
    :func:`main`'s)."""
    from foiasearch.config import ConfigError, resolve_location
    from foiasearch.output import hit_lines, more_footer, plural
    from foiasearch.search.api import IndexNotFound, Query, QueryError, open_backend

    try:
        backend = open_backend(resolve_location(index_dir))
    except (ConfigError, IndexNotFound) as exc:
        raise SearchFailed(str(exc)) from None
    with backend:
        try:
            query = Query(query_text, filters=filters, per_page=limit, page=page, sort=sort)
            results = backend.search(query, suggest=True)
        except (QueryError, IndexNotFound) as exc:  # IndexNotFound: a database lost, a damaged saved view
            raise SearchFailed(str(exc)) from None
    if as_json:
        import json

        echo(json.dumps(results.to_json(), ensure_ascii=False, indent=2))
        return
    if results.suggestion:
        echo(f"Did you mean: {results.suggestion}")
    if results.all_words_total is not None:
        echo(f"{plural(results.all_words_total, 'document')} with every word of {query_text!r}; "
             f"{results.total} with most of them (best matches first)")
    else:
        echo(f"{plural(results.total, 'document')} match{'es' if results.total == 1 else ''} {query_text!r}")
    for rank, hit in enumerate(results.hits, start=(page - 1) * limit + 1):
        echo("")
        echo("\n".join(hit_lines(rank, hit, color)))
    footer = more_footer(results.total, page, limit)
    if footer and results.hits:
        echo("")
        echo(footer)


def _number(value: str, bounds: tuple[int, int]) -> int | None:
    """``value`` as click's IntRange reads plain digits in ``bounds``; None otherwise."""
    if not (value.isascii() and value.isdigit()):
        return None
    number = int(value)
    return number if bounds[0] <= number <= bounds[1] else None


def search_args(argv: list[str], facets: tuple[str, ...] | None = None) -> dict | None:
    """The parameters of ``foiasearch search`` in ``argv`` (run_search's
    keywords), or None when click should read it (see the module's doc).
    ``facets``: the filter options' names (default: search.api's FACETS)."""
    if len(argv) < 2 or argv[0] != "search":
        return None
    if facets is None:
        from foiasearch.search.api import FACET_NAMES as facets
    found: dict = {"query_text": None, "index_dir": None, **DEFAULTS, "as_json": False, "filters": {}}
    seen: set[str] = set()
    args = argv[1:]
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if not token.startswith("-"):
            if found["query_text"] is not None:  # click: "Got unexpected extra argument"
                return None
            found["query_text"] = token
            continue
        if token == "--json":
            if token in seen:
                return None
            seen.add(token)
            found["as_json"] = True
            continue
        if token.startswith("--"):
            name, equals, value = token.partition("=")
        elif token == "-n":
            name, equals, value = "--limit", "", ""
        else:
            return None  # any other short option (click: "No such option")
        option = name[2:]
        if option not in ("index", "limit", "page", "sort") and option not in facets:
            return None  # help, --version, an unknown option, "--", "-", short options run together
        if not equals:
            if i >= len(args):
                return None
            value = args[i]
            i += 1
        if value.startswith("-"):
            return None
        if option in facets:
            found["filters"].setdefault(option, []).append(value)
            continue
        if option in seen:
            return None
        seen.add(option)
        if option == "index":
            found["index_dir"] = value
        elif option == "sort":
            if value not in SORT_CHOICES:
                return None
            found["sort"] = value
        else:
            number = _number(value, LIMIT_RANGE if option == "limit" else PAGE_RANGE)
            if number is None:
                return None
            found[option] = number
    if found["query_text"] is None:
        return None
    if found["index_dir"] is None:
        found["index_dir"] = os.environ.get("FOIASEARCH_INDEX") or None  # click's envvar: empty is unset
    return found


class _Output:
    """click.echo's output for one stream, written at once: click itself
    (imported then) when the stream is not a plain text stream, or when it
    would strip colour escapes from text bound for a file or pipe."""

    def __init__(self, err: bool = False) -> None:
        self.err = err
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)

    def flush(self) -> None:
        stream = sys.stderr if self.err else sys.stdout
        if _plain(stream) and (stream.isatty() or not any("\x1b" in line for line in self.lines)):
            for line in self.lines:  # a write and a flush per line, as click.echo (`| head` ends it alike)
                stream.write(line + "\n")
                stream.flush()
            return
        import click

        for line in self.lines:
            click.echo(line, err=self.err)


def _plain(stream) -> bool:
    """Whether click.echo would write to ``stream`` as it is: a text stream
    with a non-ASCII encoding (click re-wraps ASCII ones)."""
    import codecs

    encoding = getattr(stream, "encoding", None)
    try:
        return encoding is not None and codecs.lookup(encoding).name != "ascii"
    except LookupError:
        return True


def _fast(argv: list[str]) -> int | None:
    """Run a plain search of ``argv``; its exit status, or None for click."""
    if any(key.startswith("_") and key.endswith("_COMPLETE") for key in os.environ):
        return None  # click's shell completion
    if sys.stdout is None or sys.stderr is None:
        return None
    # No cyclic garbage collection in this short process: its passes over the
    # objects that imports, the index's view and the scores create were about
    # a tenth of a search's CPU (bench/oneshot.py), and what they would free
    # is freed when the process ends. Back on for every other command (a
    # server, an indexer) before click runs it.
    gc.disable()
    args = search_args(argv)
    if args is None:
        gc.enable()
        return None
    out = _Output()
    try:
        try:
            run_search(**args, echo=out, color=sys.stdout.isatty())
        except SearchFailed as exc:
            error = _Output(err=True)
            error(f"Error: {exc}")
            error.flush()
            return 1
        out.flush()
    except KeyboardInterrupt:
        sys.stderr.write("\nAborted!\n")  # click's: a blank line after the terminal's ^C
        return 1
    except BrokenPipeError:  # `| head`: as click, exit 1 without a traceback at the interpreter's last flush
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    return 0


def main() -> None:
    """The ``foiasearch`` console script (and ``python -m foiasearch``)."""
    code = _fast(sys.argv[1:])
    if code is None:
        from foiasearch.cli import main as cli

        cli()
        return
    # The search is printed and its index closed; what is left is the
    # interpreter's teardown, freeing every module and the index's view one
    # object at a time (about 5 ms of a one-shot search at 20,000 documents),
    # which the end of the process does at once. Nothing a plain search
    # opens registers an exit handler.
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        code = 1
    os._exit(code)
