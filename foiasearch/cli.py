"""The ``foiasearch`` command: a thin shell over ingest/, index/ and search/.

Each command parses its options, calls the library and turns library errors
into one-line ``ClickException`` messages.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from index.build import Indexer, IndexError_, RunSummary
from index.location import IndexLocation, IndexNotFound
from ingest.options import IngestOptions
from search.engine import SearchEngine
from search.query import Query, QueryError
from search.snippets import to_plain

index_option = click.option(
    "--index", "index_dir", metavar="DIR", envvar="FOIASEARCH_INDEX",
    help="Index folder (default: ./.foiasearch, or $FOIASEARCH_INDEX).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="foiasearch")
def main() -> None:
    """Search FOIA releases (PDF) and advocacy posts (HTML)."""


# -- index ---------------------------------------------------------------------
class _Progress:
    """A progress bar on a terminal; plain lines when output is a pipe or file."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.bar = None

    def __call__(self, done: int, total: int, path: str, outcome: str) -> None:
        if self.quiet:
            return
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


def _print_summary(summary: RunSummary) -> None:
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
            click.echo(f"  {path}: {reason}")


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@index_option
@click.option("--no-ocr", is_flag=True, help="Do not OCR pages without a text layer (they are marked 'needs OCR').")
@click.option("--password-file", type=click.File("r"), help="File of PDF passwords to try, one per line.")
@click.option("--workers", type=click.IntRange(0, 64), default=None,
              help="Extraction processes (default: one per core; 0: extract in this process).")
@click.option("--commit-every", type=click.FloatRange(0.1, 3600), default=5.0, show_default=True,
              metavar="SECONDS", help="Seconds between commits: at most this much work is redone after a crash.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output, only the summary.")
def index_command(paths, index_dir, no_ocr, password_file, workers, commit_every, quiet) -> None:
    """Index files and folders of HTML posts and PDF releases.

    Incremental: unchanged files are not read again, changed files are
    re-indexed, files gone from an indexed folder are removed.

        foiasearch index ~/foia/releases ~/foia/posts --index ~/foia/.foiasearch
    """
    location = IndexLocation.resolve(index_dir)
    passwords = tuple(line.strip() for line in password_file) if password_file else ()
    passwords = tuple(p for p in passwords if p)
    options = IngestOptions(ocr=not no_ocr, passwords=passwords, ocr_cache_dir=location.ocr_cache_dir)
    progress = _Progress(quiet)
    try:
        summary = Indexer(location, options, workers=workers, commit_every=commit_every,
                          progress=progress).run(paths)
    except IndexError_ as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        progress.close()
    _print_summary(summary)


# -- search ----------------------------------------------------------------------
def _open_engine(index_dir: str | None) -> SearchEngine:
    try:
        return SearchEngine.open(index_dir)
    except IndexNotFound as exc:
        raise click.ClickException(str(exc)) from None


def _pages_label(pages: list[int], shown: int = 8) -> str:
    if not pages:
        return ""
    label = ", ".join(str(p) for p in pages[:shown])
    more = f" and {len(pages) - shown} more" if len(pages) > shown else ""
    return ("p. " if len(pages) == 1 else "pp. ") + label + more


@main.command("search")
@click.argument("query_text", metavar="QUERY")
@index_option
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True, help="Hits to show.")
@click.option("--page", type=click.IntRange(1, 10_000), default=1, help="Page of results.")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]), default="relevance")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def search_command(query_text, index_dir, limit, page, sort, as_json) -> None:
    """Search the index. Words, "phrases", AND/OR/NOT, (parentheses), field:value.

        foiasearch search '"opt out" AND "Secure Communities"'
        foiasearch search 'title:detainer' --json
    """
    with _open_engine(index_dir) as engine:
        try:
            results = engine.search(Query(query_text, per_page=limit, page=page, sort=sort))
        except QueryError as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(results.to_json(), ensure_ascii=False, indent=2))
        return
    color = sys.stdout.isatty()
    click.echo(f"{results.total} documents match {query_text!r}")
    for rank, hit in enumerate(results.hits, start=(page - 1) * limit + 1):
        click.echo("")
        click.echo(click.style(f"{rank}. {hit.title}", bold=True))
        details = [hit.kind, hit.date[:10] if hit.date else "", _pages_label(hit.pages)]
        click.echo("   " + " · ".join(d for d in details if d))
        for path in hit.paths:
            click.echo(f"   {path}")
        if color:
            snippet = to_plain(hit.snippet, "\x1b[1;33m", "\x1b[0m")
        else:
            snippet = to_plain(hit.snippet, "[", "]")
        prefix = f"p. {hit.snippet_page}: " if hit.snippet_page else ""
        click.echo(f"   {prefix}{snippet}")


# -- status -------------------------------------------------------------------------
@main.command("status")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def status_command(index_dir, as_json) -> None:
    """Documents and pages by kind, last update, and current failures."""
    location = IndexLocation.resolve(index_dir)
    if not location.exists():
        raise click.ClickException(f"no index at {location.root} (run 'foiasearch index PATH' first)")
    store = location.open_store(readonly=True)
    try:
        counts = store.document_counts()
        failures = store.failures()
        files = store.file_counts()
        ocr = store.pages_needing_ocr()
        updated = store.get_meta("last_updated")
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({
            "index": str(location.root),
            "last_updated": updated,
            "kinds": {k: {"documents": d, "pages": p} for k, (d, p) in counts.items()},
            "files": files,
            "failures": [{"path": f.display, "reason": f.reason} for f in failures],
            "needs_ocr_pages": len(ocr),
        }, indent=2))
        return
    click.echo(f"Index: {location.root}")
    click.echo(f"Last updated: {updated or 'never'}")
    for kind, (docs, pages) in sorted(counts.items()):
        click.echo(f"  {kind}: {docs} documents, {pages} pages")
    click.echo("Files: " + ", ".join(f"{n} {status}" for status, n in sorted(files.items())))
    if ocr:
        click.echo(f"Pages needing OCR: {len(ocr)} (install tesseract-ocr and poppler-utils, then index again)")
    if failures:
        click.echo(f"Failures ({len(failures)}, retried on the next run):")
        for record in failures:
            click.echo(f"  {record.display}: {record.reason}")


# Saved searches, exports and batch search live in their own module.
from foiasearch.saved_cli import batch_command, export_command, saved_group  # noqa: E402

main.add_command(saved_group)
main.add_command(export_command)
main.add_command(batch_command)


if __name__ == "__main__":  # pragma: no cover
    main()
