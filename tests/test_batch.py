"""`foiasearch batch`: named queries from a CSV into one results file."""

from __future__ import annotations

import csv
import json

import pytest

from foiasearch.search.export import meta_path
from tests.test_export import direct
from tests.test_saved import cli, one_line_error


@pytest.fixture
def indexed(runner, mixed_folder, index_dir):
    cli(runner, "index", mixed_folder, "--index", index_dir, "--workers", "0")
    return index_dir


def write_queries(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def test_batch_runs_each_query_and_reports_bad_rows(runner, indexed, tmp_path):
    queries = write_queries(tmp_path / "q.csv", (
        "name,query,kind,tag\n"
        "detainers,detainers,,\n"
        'optout,"""opt out""",release|post,\n'
        f"too-long,{'x' * 2001},,\n"
        '"multi\nline",fingerprints,,\n'
        "releases-only,detainers,release,\n"
        "nothing,zebra,,\n"
    ))
    out = tmp_path / "results.csv"
    result = cli(runner, "batch", queries, "-o", out, "--index", indexed, code=1)
    assert "line 4 (too-long): query is too long" in result.stderr
    summary = dict(line.rsplit(": ", 1) for line in result.stdout.splitlines() if line.endswith((" documents", " document")))
    assert summary == {"detainers": "3 documents", "optout": "2 documents", "line": "1 document",
                       "releases-only": "2 documents", "nothing": "0 documents"}
    assert "8 rows from 5 queries written to" in result.stdout and "1 queries failed" in result.stdout

    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:2] == ["query_name", "id"]
    by_query: dict[str, list[str]] = {}
    for row in rows:
        by_query.setdefault(row["query_name"], []).append(row["id"])
    assert by_query["detainers"] == [r["id"] for r in direct(indexed, "detainers")]
    assert by_query["releases-only"] == [r["id"] for r in direct(indexed, "detainers", filters={"kind": ["release"]})]
    assert by_query["multi\nline"] == [r["id"] for r in direct(indexed, "fingerprints")]
    meta = json.loads(meta_path(out).read_text())
    assert [q["name"] for q in meta["queries"]] == ["detainers", "optout", "multi\nline", "releases-only", "nothing"]
    assert meta["queries"][1]["filters"] == {"kind": ["release", "post"]} and meta["rows"] == 8


def test_batch_json(runner, indexed, tmp_path):
    queries = write_queries(tmp_path / "q.csv", "\ufeffname,query\na,detainers\nb,Quinn\n")
    out = tmp_path / "r.json"
    cli(runner, "batch", queries, "-o", out, "--format", "json", "--index", indexed)
    data = json.loads(out.read_text())
    assert [(r["query_name"], r["title"]) for r in data["rows"] if r["query_name"] == "b"] == [
        ("b", "Illinois withdraws from Secure Communities")]
    assert data["meta"]["total"] == 4


@pytest.mark.parametrize("text, message", [
    ("query,name\n", None),
    ("title,query\nx,y\n", "'name' and 'query'"),
    ("name,query,agency\nx,y,z\n", "unknown column 'agency'"),
])
def test_bad_queries_file(runner, indexed, tmp_path, text, message):
    queries = write_queries(tmp_path / "q.csv", text)
    out = tmp_path / "r.csv"
    if message is None:  # a header and no rows: an empty results file
        cli(runner, "batch", queries, "-o", out, "--index", indexed)
        assert out.read_text().startswith("query_name,id,")
        return
    assert message in one_line_error(cli(runner, "batch", queries, "-o", out, "--index", indexed, code=1))
    assert not out.exists()


def test_queries_file_not_utf8(runner, indexed, tmp_path):
    queries = tmp_path / "q.csv"
    queries.write_bytes("name,query\nx,caf\u00e9\n".encode("utf-16"))
    out = tmp_path / "r.csv"
    assert "not a UTF-8 CSV file" in one_line_error(cli(runner, "batch", queries, "-o", out, "--index", indexed, code=1))
    assert not out.exists()
