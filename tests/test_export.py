"""Exports: CSV and JSON read back equal a direct search; provenance;
spreadsheet safety; Bates-labelled pages; atomic files; streaming."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from foiasearch.index.location import IndexLocation
from foiasearch.search.whoosh.engine import SearchEngine
from foiasearch.search.export import COLUMNS, Export, iter_csv, meta_path, stream
from foiasearch.search.api import Query
from foiasearch.search.marks import to_plain
from tests.builders import write_html
from tests.synthetic import synthetic_documents, write_index
from foiasearch.ingest.document import Document, Page
from tests.test_saved import cli, one_line_error


@pytest.fixture
def indexed(runner, mixed_folder, index_dir):
    write_html(mixed_folder / "posts" / "formula.html", "=HYPERLINK(\"http://evil\") detainers",
               "@SUM(1) detainers and +1 and -2 in a cell.")
    cli(runner, "index", mixed_folder, "--index", index_dir, "--workers", "0")
    return index_dir


def direct(index_dir: Path, text: str, **kw) -> list[dict]:
    """What engine.search gives, in the shape an export row has."""
    with SearchEngine.open(str(index_dir)) as engine:
        results = engine.search(Query(text, per_page=1000, **kw))
    return [{"id": h.id, "title": h.title, "kind": h.kind, "paths": h.paths, "pages": sorted(h.matching_pages),
             "snippet": to_plain(h.snippet), "score": round(h.score, 4)} for h in results.hits]


def test_saved_export_csv_and_json_round_trip(runner, indexed, tmp_path):
    cli(runner, "saved", "add", "det", "detainers OR opt", "--index", indexed)
    cli(runner, "saved", "run", "det", "--index", indexed)
    expected = direct(indexed, "detainers OR opt")
    assert len(expected) == 5

    out_csv, out_json = tmp_path / "det.csv", tmp_path / "det.json"
    cli(runner, "saved", "export", "det", "--format", "csv", "-o", out_csv, "--index", indexed)
    cli(runner, "saved", "export", "det", "--format", "json", "-o", out_json, "--index", indexed)

    with open(out_csv, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == list(COLUMNS)
    from_csv = [{"id": r["id"], "title": r["title"].removeprefix("'"), "kind": r["kind"],
                 "paths": r["paths"].split("; "), "pages": [int(p) for p in r["pages"].split("; ") if p],
                 "snippet": r["snippet"].removeprefix("'"), "score": float(r["score"])} for r in rows]
    assert from_csv == expected

    data = json.loads(out_json.read_text(encoding="utf-8"))
    from_json = [{**{k: r[k] for k in ("id", "title", "kind", "paths", "snippet", "score")},
                  "pages": [p["page"] for p in r["pages"]]} for r in data["rows"]]
    assert from_json == expected

    meta = data["meta"]
    assert meta["saved_search"] == "det" and meta["query"] == "detainers OR opt" and meta["total"] == 5
    assert meta["foiasearch_version"] and meta["exported_at"] and len(meta["index"]["fingerprint"]) == 16
    companion = json.loads(meta_path(out_csv).read_text())
    assert companion["rows"] == 5 and companion["index"]["fingerprint"] == meta["index"]["fingerprint"]
    assert json.loads(cli(runner, "saved", "show", "det", "--json", "--index", indexed).output)["seen"] == 5


def test_fingerprint_changes_with_the_index(runner, indexed, mixed_folder):
    def fingerprint():
        out = cli(runner, "export", "detainers", "--format", "json", "--index", indexed).stdout
        return json.loads(out)["meta"]["index"]["fingerprint"]

    before = fingerprint()
    assert fingerprint() == before
    write_html(mixed_folder / "posts" / "new.html", "New", "More detainers.")
    cli(runner, "index", mixed_folder, "--index", indexed, "--workers", "0")
    assert fingerprint() != before


def test_unsaved_export_with_filters_jsonl_and_sort(runner, indexed, tmp_path):
    out = tmp_path / "r.jsonl"
    cli(runner, "export", "detainers", "--kind", "release", "--format", "jsonl", "-o", out, "--index", indexed)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert {r["kind"] for r in rows} == {"release"} and len(rows) == 2
    assert [r["id"] for r in rows] == [r["id"] for r in direct(indexed, "detainers", filters={"kind": ["release"]})]
    assert json.loads(meta_path(out).read_text())["filters"] == {"kind": ["release"]}
    newest = cli(runner, "export", "detainers", "--sort", "oldest", "--format", "json", "--index", indexed).stdout
    assert [r["id"] for r in json.loads(newest)["rows"]] == [r["id"] for r in direct(indexed, "detainers", sort="oldest")]


def test_csv_is_safe_for_spreadsheets_and_bom(runner, indexed, tmp_path):
    out = tmp_path / "f.csv"
    cli(runner, "export", "HYPERLINK", "--format", "csv", "-o", out, "--bom", "--index", indexed)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert len(rows) == 1
    assert rows[0]["title"] == "'=HYPERLINK(\"http://evil\") detainers"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    plain = cli(runner, "export", "HYPERLINK", "--format", "csv", "--index", indexed).stdout
    assert not plain.startswith("\ufeff") and plain.startswith("id,title,")


def test_bad_output_and_atomic_files(runner, indexed, tmp_path):
    error = one_line_error(cli(runner, "export", "x", "-o", tmp_path / "missing" / "x.csv", "--index", indexed, code=1))
    assert "cannot write" in error
    assert "folder" in one_line_error(cli(runner, "export", "x", "-o", tmp_path, "--index", indexed, code=1))
    existing = tmp_path / "keep.csv"
    existing.write_text("precious")
    cli(runner, "export", "x" * 2001, "-o", existing, "--index", indexed, code=1)  # the query fails
    assert existing.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus", "ix", "keep.csv"]  # no temp files left
    cli(runner, "export", "detainers", "-o", existing, "--index", indexed)  # -o overwrites when it works
    assert existing.read_text().startswith("id,title")


@pytest.fixture(scope="module")
def bates_index(tmp_path_factory) -> Path:
    location = IndexLocation(tmp_path_factory.mktemp("bates") / "bix")
    pages = [Page(n, f"page {n} " + ("opt out" if n in (3, 17) else "nothing"),
                  bates=f"DEF-{100 + n:06d}" if n != 17 else None) for n in range(1, 21)]
    write_index(location, [Document(kind="release", title="Memo", pages=pages, exemptions=["b6"],
                                    bates_range=("DEF-000101", "DEF-000120"))])
    write_index(location, synthetic_documents(1200))
    return location.root


def test_pages_carry_bates_numbers(runner, bates_index):
    out = cli(runner, "export", '"opt out"', "--index", bates_index).stdout
    rows = list(csv.DictReader(io.StringIO(out, newline="")))
    assert [(r["title"], r["pages"], r["bates_range"], r["exemptions"]) for r in rows] == [
        ("Memo", "3 (DEF-000103); 17", "DEF-000101 to DEF-000120", "b6")]
    rel = json.loads(cli(runner, "export", '"page two 3"', "--format", "json", "--index", bates_index).stdout)["rows"]
    assert [(r["title"], r["pages"]) for r in rel] == [("Release 3", [{"page": 2, "bates": "SYN-0000008"}])]
    post = json.loads(cli(runner, "export", "title:post title:4", "--format", "json", "--index", bates_index).stdout)
    assert post["rows"][0]["tags"] == ["ICE", "topic4"]
    assert post["rows"][0]["actors"] == [{"name": "Pat Quinn", "type": "person"}]


def test_export_streams(bates_index):
    with SearchEngine.open(str(bates_index)) as engine:
        export = Export.of_query(engine, Query("records"))
        assert export.total == 1200
        chunks = stream(export, "json")
        assert '"total": 1200' in next(chunks)  # meta first, before any row is built
        assert export.written == 0
        next(chunks)
        assert export.written == 1  # one row out, 1199 still to build
        rest = list(chunks)
        assert export.written == 1200 and len(rest) == 1200
        csv_export = Export.of_query(engine, Query("records"))
        assert sum(1 for _ in iter_csv(csv_export)) == 1201  # header + one chunk per row


@pytest.mark.parametrize("text", ['"opt out"', "detainers", "memo detainers", "secure OR fingerprints",
                                  "detain*", "title:emails"])
def test_streamed_pages_equal_the_engines(indexed, text):
    with SearchEngine.open(str(indexed)) as engine:
        got = {hit.id: sorted(hit.matching_pages) for hit in engine.stream(Query(text)).hits(batch=2)}
        expected = {hit.id: sorted(hit.matching_pages) for hit in engine.search(Query(text, per_page=1000)).hits}
    assert got == expected
    if text == "memo detainers":  # no page has both words: the pages with either (then best matches, search.relax)
        assert [2, 3] in [p for p in got.values() if p]
