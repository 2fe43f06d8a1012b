"""``foiasearch saved ...``, ``foiasearch export`` and ``foiasearch batch``.

Thin commands over search.saved, search.export and search.atom, all on the
search API (search.api); every library error becomes a one-line message and
exit status 1. Every command that runs a query takes the same filters
(``--tag``, ``--actor``, ...: one per facet in index.facet_registry), and a
batch file the same filter columns.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from foiasearch.config import ConfigError, resolve_location
from foiasearch.options import filter_options, filters_of
from foiasearch.search.api import FACET_NAMES, SORTS, Hit, IndexNotFound, Query, QueryError, SearchBackend, open_backend
from foiasearch.search.atom import FEED_LIMIT, atom_feed
from foiasearch.search.export import (FORMATS, Export, ExportError, ExportPart, atomic_output, check_writable,
                                      export_to_file, write_export)
from foiasearch.output import hit_lines, plural
from foiasearch.search.saved import SavedError, SavedStore, run_error, run_saved, saved_status

ERRORS = (SavedError, QueryError, ExportError, IndexNotFound, ConfigError)

index_option = click.option(
    "--index", "index_dir", metavar="DIR", envvar="FOIASEARCH_INDEX",
    help="Index folder (default: ./.foiasearch, or $FOIASEARCH_INDEX).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def query_options(command: Callable) -> Callable:
    """--tag/--actor/... (repeatable: OR within a facet, AND across) and --sort."""
    command = click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)(command)
    return filter_options(command)


def export_options(command: Callable) -> Callable:
    command = click.option("--bom", is_flag=True, help="Start CSV with a UTF-8 byte order mark (for Excel).")(command)
    command = click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
                           help="Write to FILE (atomically) instead of standard output.")(command)
    return click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="csv", show_default=True,
                        help="csv (for spreadsheets), json (one object with meta and rows) or jsonl.")(command)


def make_query(text: str, sort: str, options: dict) -> Query:
    return Query(text, filters_of(options), sort)


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Library errors as one-line messages (exit status 1)."""
    try:
        yield
    except ERRORS as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")) from None


@contextmanager
def opened(index_dir: str | None) -> Iterator[tuple[SearchBackend, SavedStore]]:
    with friendly_errors():
        location = resolve_location(index_dir)
    with friendly_errors(), open_backend(location) as backend, SavedStore.open(location) as store:
        yield backend, store


def describe(query: Query) -> str:
    filters = " ".join(f"--{k} {v!r}" for k, values in sorted(query.filters.items()) for v in values)
    sort = f" --sort {query.sort}" if query.sort != "relevance" else ""
    return f"{query.text!r}" + (f" {filters}" if filters else "") + sort


def emit_export(export: Export, fmt: str, output: Path | None, bom: bool) -> None:
    if output is None:
        write_export(export, fmt, sys.stdout, bom)
        return
    rows = export_to_file(export, fmt, output, bom)
    where = f"{output}" + (f" (provenance in {output.name}.meta.json)" if fmt != "json" else "")
    click.echo(f"{rows} rows written to {where}", err=True)


def print_hits(hits: Iterator[Hit], total: int, limit: int) -> None:
    """Hits as ``foiasearch search`` prints them (foiasearch.output)."""
    shown = 0
    color = sys.stdout.isatty()
    for shown, hit in enumerate(hits, start=1):
        if shown > limit:
            shown -= 1
            break
        click.echo("")
        click.echo("\n".join(hit_lines(shown, hit, color)))
    if total > shown:
        click.echo("")
        click.echo(f"{total - shown:,} more: --limit {total}, or 'foiasearch saved export'")


# -- saved ------------------------------------------------------------------------------
@click.group("saved")
def saved_group() -> None:
    """Named searches kept beside the index: run them again, see what is new, export them."""


@saved_group.command("add")
@click.argument("name")
@click.argument("query_text", metavar="QUERY")
@query_options
@click.option("--replace", is_flag=True, help="Overwrite a saved search of that name.")
@index_option
def add_command(name, query_text, sort, replace, index_dir, **options) -> None:
    """Save QUERY as NAME (letters, digits, '-', '_').

        foiasearch saved add opt-out '"opt out"' --tag "Secure Communities"
    """
    with opened(index_dir) as (backend, store):
        saved = store.add(name, make_query(query_text, sort, options), replace=replace, backend=backend)
    click.echo(f"saved {saved.name}: {describe(saved.query)}")


@saved_group.command("list")
@index_option
@json_option
def list_command(index_dir, as_json) -> None:
    """Saved searches with their current match counts and how many are new since the last run."""
    with opened(index_dir) as (backend, store):
        statuses = saved_status(backend, store)
    if as_json:
        click.echo(json.dumps([s.to_json() for s in statuses], ensure_ascii=False, indent=2))
        return
    if not statuses:
        click.echo("No saved searches (add one with 'foiasearch saved add NAME QUERY').")
    for status in statuses:
        counts = status.error or f"{plural(status.total, 'document')}, {status.new} new since " + (
            status.saved.last_run or "never run")
        click.echo(f"{status.saved.name}: {describe(status.saved.query)} · {counts}")


@saved_group.command("show")
@click.argument("name")
@index_option
@json_option
def show_command(name, index_dir, as_json) -> None:
    """The definition of saved search NAME, when it was created and last run."""
    with opened(index_dir) as (_, store):
        saved = store.get(name)
    if as_json:
        click.echo(json.dumps(saved.to_json(), ensure_ascii=False, indent=2))
        return
    click.echo(f"name: {saved.name}\nquery: {saved.query.text}\nfilters: {json.dumps(saved.query.filters)}")
    click.echo(f"sort: {saved.query.sort}\ncreated: {saved.created}\nlast run: {saved.last_run or 'never'}")
    click.echo(f"documents seen at the last run: {saved.seen_count}")


@saved_group.command("run")
@click.argument("name")
@click.option("--new", "new_only", is_flag=True, help="Only documents not seen at the last run.")
@click.option("--limit", "-n", type=click.IntRange(1), default=50, show_default=True, help="Hits to show.")
@index_option
@json_option
def run_command(name, new_only, limit, index_dir, as_json) -> None:
    """Run saved search NAME; its matches are then marked seen.

        foiasearch saved run opt-out --new     # only what appeared since the last run
    """
    with opened(index_dir) as (backend, store):
        run = run_saved(backend, store, name)
        total = len(run.new_ids) if new_only else run.total
        hits = run.hits(new_only=new_only)
        if as_json:
            data = {**run.saved.to_json(), "total": run.total, "new": len(run.new_ids),
                    "hits": [hit.to_json() for _, hit in zip(range(limit), hits)]}
            data["previous_run"] = data.pop("last_run")
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        since = run.saved.last_run or "never run before"
        verb = "matches" if run.total == 1 else "match"
        click.echo(f"{run.saved.name}: {plural(run.total, 'document')} {verb}, {len(run.new_ids)} new since {since}")
        print_hits(hits, total, limit)


@saved_group.command("rm")
@click.argument("name")
@index_option
def rm_command(name, index_dir) -> None:
    """Delete saved search NAME."""
    with opened(index_dir) as (_, store):
        store.remove(name)
    click.echo(f"removed {name}")


@saved_group.command("export")
@click.argument("name")
@export_options
@index_option
def saved_export_command(name, fmt, output, bom, index_dir) -> None:
    """Export every document saved search NAME matches (does not mark them seen).

        foiasearch saved export opt-out --format csv -o opt-out.csv --bom
    """
    with opened(index_dir) as (backend, store):
        saved = store.get(name)
        if output is not None:
            check_writable(output)
        try:
            export = Export.of_query(backend, saved.query, saved_name=name)
        except QueryError as exc:
            raise run_error(saved, exc) from None
        emit_export(export, fmt, output, bom)


@saved_group.command("feed")
@click.argument("name")
@click.option("--url", "self_url", metavar="URL", help="The feed's own address (its id and self link).")
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=FEED_LIMIT, show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
              help="Write to FILE (atomically) instead of standard output.")
@index_option
def feed_command(name, self_url, limit, output, index_dir) -> None:
    """An Atom feed of the newest documents saved search NAME matches
    (by date, else by when they were indexed). Does not mark them seen.

        foiasearch saved feed opt-out -o /var/www/feeds/opt-out.atom
    """
    with opened(index_dir) as (backend, store):
        saved = store.get(name)
        try:
            text = atom_feed(backend, saved, self_url=self_url, limit=limit)
        except QueryError as exc:
            raise run_error(saved, exc) from None
        if output is None:
            click.echo(text, nl=False)
            return
        with atomic_output(output) as out:
            out.write(text)


# -- export ----------------------------------------------------------------------------------
@click.command("export")
@click.argument("query_text", metavar="QUERY")
@query_options
@export_options
@index_option
def export_command(query_text, sort, fmt, output, bom, index_dir, **options) -> None:
    """Export every document matching QUERY: one row each, with matching pages and provenance.

        foiasearch export '"opt out"' --kind release --format csv -o opt-out.csv
    """
    with opened(index_dir) as (backend, _):
        if output is not None:
            check_writable(output)
        emit_export(Export.of_query(backend, make_query(query_text, sort, options)), fmt, output, bom)


# -- batch -------------------------------------------------------------------------------------
def read_batch(path: Path) -> Iterator[tuple[int, str, Query]]:
    """(line number, name, query) per row of a ``name,query[,tag,...]`` CSV.

    Filter cells hold several values separated by ``|``.
    """
    try:
        yield from _read_batch(path)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ExportError(f"{path}: not a UTF-8 CSV file ({exc})") from None


def _read_batch(path: Path) -> Iterator[tuple[int, str, Query]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = reader.fieldnames or []
        if "name" not in columns or "query" not in columns:
            raise ExportError(f"{path}: the first line must be a header with 'name' and 'query' columns")
        unknown = [c for c in columns if c not in ("name", "query", *FACET_NAMES)]
        if unknown:
            raise ExportError(f"{path}: unknown column {unknown[0]!r}; use name, query, {', '.join(FACET_NAMES)}")
        for row in reader:
            filters = {f: [v.strip() for v in (row.get(f) or "").split("|") if v.strip()] for f in FACET_NAMES}
            query = Query((row.get("query") or "").strip(), {k: v for k, v in filters.items() if v})
            yield reader.line_num, (row.get("name") or "").strip(), query


@click.command("batch")
@click.argument("queries_file", metavar="QUERIES.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE", required=True,
              help="The results file (written atomically).")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="csv", show_default=True)
@click.option("--bom", is_flag=True, help="Start CSV with a UTF-8 byte order mark (for Excel).")
@index_option
def batch_command(queries_file, output, fmt, bom, index_dir) -> None:
    """Run the named queries of QUERIES.csv into one results file, a
    query_name column on each row; prints a count per query.

        foiasearch batch queries.csv -o results.csv
    """
    failed = 0
    with opened(index_dir) as (backend, _):
        check_writable(output)
        parts = []
        for line, name, query in read_batch(queries_file):
            try:
                if not name:
                    raise QueryError("the name is empty")
                parts.append(ExportPart(name, query, backend.stream(query)))
            except QueryError as exc:
                failed += 1
                click.echo(f"line {line}{f' ({name})' if name else ''}: {exc}", err=True)
        rows = export_to_file(Export(backend, parts, batch=True), fmt, output, bom)
    for part in parts:
        click.echo(f"{part.name}: {plural(part.results.total, 'document')}")
    click.echo(f"{rows} rows from {len(parts)} queries written to {output}"
               + (f"; {failed} queries failed" if failed else ""))
    if failed:
        sys.exit(1)
