"""The ``foiasearch`` command: a thin shell over the indexer (index.build)
and the search API (search.api).

Each command parses its options, calls the library and turns library errors
into one-line ``ClickException`` messages.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

# First: foiasearch.quick limits OpenBLAS to one thread before numpy can be imported.
from foiasearch.quick import DEFAULTS, LIMIT_RANGE, PAGE_RANGE, SORT_CHOICES, SearchFailed, run_search

import click

from foiasearch.ingest.document import LOW_OCR_CONFIDENCE
from foiasearch.options import filter_options, filters_of
from foiasearch.search.api import RESULT_CACHE_ENTRIES, IndexLocation, IndexNotFound, SearchBackend, open_backend
from foiasearch.output import plural

index_option = click.option(
    "--index", "index_dir", metavar="DIR", envvar="FOIASEARCH_INDEX",
    help="Index folder (default: ./.foiasearch, or $FOIASEARCH_INDEX).",
)


class LazyGroup(click.Group):
    """A command group whose listed sub-commands are imported only when run
    (or when help lists them), as click's documentation shows: a one-shot
    ``foiasearch search`` then never loads the accounts (Argon2 hashes a
    dummy password at import), the exports or the feeds.

    >>> sorted(main.list_commands(None))[:3]
    ['actors', 'batch', 'export']
    """

    def __init__(self, *args, lazy: dict[str, str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})  # command name -> "module:attribute"

    def list_commands(self, ctx) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx, name: str):
        if name in self.lazy and name not in self.commands:
            import importlib

            module, _, attribute = self.lazy[name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), name)
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]},
             lazy={"saved": "foiasearch.saved_cli:saved_group", "export": "foiasearch.saved_cli:export_command",
                   "batch": "foiasearch.saved_cli:batch_command", "users": "foiasearch.users_cli:users_group"})
@click.version_option(package_name="foiasearch")
def main() -> None:
    """Search FOIA releases (PDF) and advocacy posts (HTML)."""


# -- index ---------------------------------------------------------------------
def printable(text: str) -> str:
    """A path as one line: a newline or escape in a file name must not forge
    a progress line or move the terminal's cursor.

    >>> printable("a\\n[2/2] indexed: b.pdf")
    'a\\\\n[2/2] indexed: b.pdf'
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for c in text)


class _Progress:
    """A progress bar on a terminal; plain lines when output is a pipe or file."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.bar = None

    def __call__(self, done: int, total: int, path: str, outcome: str) -> None:
        if self.quiet:
            return
        path = printable(path)
        if not self.tty:
            click.echo(f"[{done}/{total}] {outcome}: {path}", err=True)
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="Indexing", file=sys.stderr,
                                         item_show_func=lambda item: item, show_pos=True)
            self.bar.__enter__()
        name = path if len(path) <= 40 else "…" + path[-39:]
        self.bar.update(1, name)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _print_summary(summary) -> None:
    parts = [f"{summary.seen} files seen", f"{summary.indexed} indexed", f"{summary.unchanged} unchanged",
             f"{summary.skipped} skipped", f"{len(summary.failed)} failed"]
    if summary.removed:
        parts.append(f"{summary.removed} removed")
    click.echo(", ".join(parts) + f" in {summary.seconds:.1f} s")
    for key, value in sorted(summary.counts.items()):
        click.echo(f"  {key.replace('_', ' ')}: {value}")
    if summary.failed:
        click.echo("Failed (retried on the next run):")
        for path, reason in summary.failed:
            click.echo(f"  {printable(path)}: {printable(reason)}")


def _config():
    from foiasearch.config import ConfigError, load_config

    try:
        return load_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _location(index_dir: str | None) -> IndexLocation:
    from foiasearch.config import ConfigError, resolve_location

    try:
        return resolve_location(index_dir)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--no-ocr", is_flag=True, help="Do not OCR pages without a text layer (they are marked 'needs OCR').")
@click.option("--password-file", type=click.File("r"), help="File of PDF passwords to try, one per line.")
@click.option("--actors", "actor_files", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra gazetteer (TOML) of actors; repeatable. Adds to the config file's.")
@click.option("--refresh-actors", is_flag=True,
              help="Recompute actors from the stored text (after a gazetteer change); reads no files.")
@click.option("--reanalyze", is_flag=True,
              help="Rebuild the word index from the stored text (after an upgrade changed word analysis); "
                   "reads no files.")
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Extraction processes (default: one per core; 0: extract in this process).")
@click.option("--commit-every", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True,
              metavar="SECONDS", help="Seconds between commits: at most this much work is redone after a crash.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output, only the summary.")
def index_command(paths, index_dir, no_ocr, password_file, actor_files, refresh_actors, reanalyze, workers,
                  commit_every, quiet) -> None:
    """Index files and folders of HTML posts and PDF releases.

    Incremental: unchanged files are not read again, changed files are
    re-indexed, files gone from an indexed folder are removed.

        foiasearch index ~/foia/releases ~/foia/posts --index ~/foia/.foiasearch
        foiasearch index --refresh-actors --actors my-actors.toml
        foiasearch index --reanalyze
    """
    # Imported here: the parsers cost half a second of start-up that
    # `search` and `status` do not need.
    from foiasearch.index.build import Indexer, IndexError_, outdated
    from foiasearch.ingest.document import IngestError
    from foiasearch.ingest.options import IngestOptions
    from foiasearch.ingest.pipeline import gazetteer_for

    config = _config()
    location = IndexLocation.resolve(index_dir or config.index)
    actor_files = tuple(config.actors) + tuple(actor_files)
    try:
        gazetteer_for(actor_files)  # a bad gazetteer stops here, not in every worker
    except IngestError as exc:
        raise click.ClickException(str(exc)) from None
    if reanalyze or (location.exists() and outdated(location)):
        if reanalyze and paths:
            raise click.UsageError("--reanalyze reads no files: give it no PATH")
        _reanalyze(location)
        if reanalyze:
            return
    if refresh_actors:
        if paths:
            raise click.UsageError("--refresh-actors reads no files: give it no PATH")
        _refresh_actors(location, actor_files)
        return
    if not paths:
        raise click.UsageError("give at least one PATH to index (or --refresh-actors, --reanalyze)")
    passwords: tuple[str, ...] = ()
    if password_file is None and config.password_file:
        try:
            password_file = open(config.password_file, encoding="utf-8")
        except OSError as exc:
            raise click.ClickException(f"{config.password_file}: {exc.strerror}") from None
    if password_file is not None:
        passwords = tuple(p for p in (line.strip() for line in password_file) if p)
    options = IngestOptions(ocr=config.ocr and not no_ocr, passwords=passwords,
                            ocr_cache_dir=location.ocr_cache_dir, actor_files=actor_files)
    progress = _Progress(quiet)
    try:
        summary = Indexer(location, options, workers=workers, commit_every=commit_every,
                          progress=progress).run(paths)
    except (IndexError_, IndexNotFound) as exc:  # IndexNotFound: a database unreachable or lost mid-run
        raise click.ClickException(str(exc)) from None
    finally:
        progress.close()
    _print_summary(summary)


def _reanalyze(location: IndexLocation) -> None:
    from foiasearch.index.build import IndexError_, reanalyze

    if not location.exists():
        raise click.ClickException(f"no index at {location.root} (run 'foiasearch index PATH' first)")
    try:
        count = reanalyze(location)
    except IndexError_ as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Word index rebuilt from stored text with the current analysis: {count} documents")


def _refresh_actors(location: IndexLocation, actor_files: tuple[Path, ...]) -> None:
    from foiasearch.index.build import IndexError_, refresh_documents
    from foiasearch.ingest.actors import extract_actors
    from foiasearch.ingest.pipeline import gazetteer_for

    if not location.exists():
        raise click.ClickException(f"no index at {location.root} (run 'foiasearch index PATH' first)")
    gazetteer = gazetteer_for(actor_files)

    def recompute(doc):
        actors = extract_actors(doc, gazetteer)
        if [(a.name, a.type) for a in actors] == [(a.name, a.type) for a in doc.actors]:
            return None
        doc.actors = actors
        return doc

    try:
        changed = refresh_documents(location, recompute)
    except IndexError_ as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Actors recomputed from stored text: {plural(changed, 'document')} changed")


# -- search ----------------------------------------------------------------------
def _open_backend(index_dir: str | None) -> SearchBackend:
    try:
        return open_backend(_location(index_dir))
    except IndexNotFound as exc:
        raise click.ClickException(str(exc)) from None


@main.command("search")
@click.argument("query_text", metavar="QUERY")
@index_option
@click.option("--limit", "-n", type=click.IntRange(*LIMIT_RANGE), default=DEFAULTS["limit"], show_default=True,
              help="Hits to show.")
@click.option("--page", type=click.IntRange(*PAGE_RANGE), default=DEFAULTS["page"], help="Page of results.")
@click.option("--sort", type=click.Choice(SORT_CHOICES), default=DEFAULTS["sort"])
@filter_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def search_command(query_text, index_dir, limit, page, sort, as_json, **filters) -> None:
    """Search the index. Words, "phrases", AND/OR/NOT, (parentheses), field:value.

    \b
        foiasearch search '"opt out" AND "Secure Communities"'
        foiasearch search 'title:detainer' --json
        foiasearch search detainer --page 2
    """
    # The installed command runs a plain search without click (foiasearch.quick); the same code prints it.
    try:
        run_search(query_text, index_dir, limit, page, sort, as_json, filters_of(filters), click.echo,
                   color=sys.stdout.isatty())
    except SearchFailed as exc:
        raise click.ClickException(str(exc)) from None


# -- serve -----------------------------------------------------------------------
@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (the default is this machine only).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Worker processes (searches are CPU-bound: about one per core).")
@click.option("--access-log", is_flag=True, help="Log every request to stderr.")
@click.option("--public", is_flag=True,
              help="Anyone may search and read, without an account; nothing can be changed anonymously.")
@click.option("--public-originals", is_flag=True, help="With --public: anonymous visitors may download original files.")
@click.option("--allowed-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="A host name the site answers to besides localhost (repeatable; .example.org: its subdomains too).")
@click.option("--query-seconds", type=click.FloatRange(0.1, 600), default=1.5, show_default=True,
              help="Time budget of one search: a costlier query is stopped with a one-line message.")
@click.option("--replica", metavar="URL", help="A hot standby of the --index database: searches go there, "
              "saving a search to --index (also: 'replica' in the config file).")
@click.option("--secure-cookies", is_flag=True,
              help="Mark session cookies Secure even on plain http (when a TLS proxy is in front).")
@click.option("--result-cache", type=click.IntRange(0, 100_000), default=RESULT_CACHE_ENTRIES, show_default=True,
              envvar="FOIASEARCH_RESULT_CACHE", metavar="N",
              help="Search answers each worker remembers until the index changes (0: none; "
                   "also $FOIASEARCH_RESULT_CACHE).")
def serve_command(index_dir, host, port, workers, access_log, public, public_originals, allowed_hosts,
                  query_seconds, secure_cookies, replica, result_cache) -> None:
    """Serve the search site in the browser (gunicorn worker processes).

        foiasearch serve --index ~/foia/.foiasearch      # then open http://127.0.0.1:8080/
        foiasearch serve --public --host 0.0.0.0 --allowed-host search.example.org

    The index is opened read-only and new documents from a running
    'foiasearch index' show up without a restart.
    """
    from foiasearch.web.serving import site_settings
    from foiasearch.web.server import serve
    from foiasearch.web.settings import SettingsError

    location = _location(index_dir)
    try:
        settings = site_settings(location, _config(), host=host, public=public, public_originals=public_originals,
                                 allowed_hosts=allowed_hosts, secure_cookies=secure_cookies,
                                 query_seconds=query_seconds, result_cache=result_cache)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    replica = replica or _config().replica
    if replica and not location.url:
        raise click.UsageError("--replica needs a database --index (postgresql://...)")
    if not location.exists():
        click.echo(f"No index at {location.root} yet: the site will say how to create one.", err=True)
    click.echo(f"Serving {location.display} on http://{host}:{port}/ (Ctrl-C to stop)", err=True)
    serve(location.url or str(location.root), host=host, port=port, workers=workers, access_log=access_log,
          settings=settings, replica=replica)


# -- status -------------------------------------------------------------------------
@main.command("status")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status_command(index_dir, as_json) -> None:
    """Documents and pages by kind, last update, and current failures."""
    location = _location(index_dir)
    if not location.exists():
        raise click.ClickException(f"no index at {location.root} (run 'foiasearch index PATH' first)")
    with _open_backend(index_dir) as backend:
        status = backend.status()
    if as_json:
        click.echo(json.dumps(status.to_json(), indent=2))
        return
    click.echo(f"Index: {status.location}")
    click.echo(f"Last updated: {status.last_updated or 'never'}")
    for kind, (docs, pages) in sorted(status.kinds.items()):
        click.echo(f"  {kind}: {docs} documents, {pages} pages")
    click.echo("Files: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(status.files.items())))
    if status.needs_ocr_pages:
        # Say what is actually missing: the tools, or only a run with OCR on.
        if shutil.which("tesseract") and shutil.which("pdftoppm"):
            why = "OCR was off when they were indexed: run 'foiasearch index' on them again without --no-ocr"
        else:
            why = "install tesseract-ocr and poppler-utils, then index again"
        click.echo(f"Pages needing OCR: {status.needs_ocr_pages} ({why})")
    if status.ocr_pages:
        mean = f", mean word confidence {status.ocr_mean_confidence:.0f}" if status.ocr_mean_confidence else ""
        click.echo(f"OCR pages: {status.ocr_pages}{mean}; OCR confidence low (< {LOW_OCR_CONFIDENCE}): "
                   f"{status.ocr_low_confidence_pages}")
    if status.failures:
        click.echo(f"Failures ({len(status.failures)}, retried on the next run):")
        for problem in status.failures:
            click.echo(f"  {problem.path}: {problem.reason}")


# -- actors --------------------------------------------------------------------------
@main.command("actors")
@index_option
@click.option("--type", "actor_type", type=click.Choice(["person", "agency", "organization", "place", "program"]),
              help="Only actors of this type.")
@click.option("--limit", "-n", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {name, type, count}.")
def actors_command(index_dir, actor_type, limit, as_json) -> None:
    """Actors named in the indexed documents, most frequent first.

        foiasearch actors --type agency --limit 20
    """
    with _open_backend(index_dir) as backend:
        actors = backend.facet_values("actor", type=actor_type, limit=limit)
    if as_json:
        click.echo(json.dumps([{"name": a.value, "type": a.type, "count": a.count} for a in actors],
                              ensure_ascii=False, indent=2))
        return
    width = max((len(a.value) for a in actors), default=0)
    for actor in actors:
        click.echo(f"{actor.count:6d}  {actor.value:<{width}}  {actor.type or ''}")


if __name__ == "__main__":  # pragma: no cover
    main()
