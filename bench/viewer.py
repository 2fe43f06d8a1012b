"""Speed of the page viewer (issue 16): page images on first view and from
the cache, and the search page with thumbnails before and after, side by
side in one run.

    python -m bench.viewer images                       # demo corpus: every release page, cold then cached
    python -m bench.viewer pdfs FOLDER --limit 40       # first page of each PDF in a folder, cold then cached
    python -m bench.viewer search --docs 20000 --index /tmp/viewer-bench-ix --before REV --render 300

``images`` indexes examples/corpus into a temporary folder and asks the app
(Flask's test client, in-process) for each release page's image at screen
resolution with an empty cache, then again; and for the thumbnails.

``search`` builds (once) bench.web_load's synthetic index whose releases
point at copies of a real PDF, so every release hit gets
thumbnails, then renders bench.web_load's request mix with this tree and
with git revision REV (exported to a temporary folder), alternating rounds
in fresh processes, and prints both medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "corpus"
LAYERS = ("ingest", "index", "search", "web")


# -- page images -----------------------------------------------------------------------
def image_times() -> dict:
    from foiasearch.search.api import Query, open_backend
    from foiasearch.web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "ix"
        subprocess.run([sys.executable, "-m", "foiasearch", "index", str(DEMO), "--index", str(index)],
                       check=True, stdout=subprocess.DEVNULL)
        with open_backend(index) as backend:
            pages = [(hit.id, n) for hit in backend.search(Query("", {"kind": ["release"]}, per_page=100)).hits
                     for n in range(1, len(backend.document(hit.id).pages) + 1)]
        client = create_app(index).test_client()
        client.get("/")  # open the index
        figures = {}
        for size in ("page", "thumb"):
            cold, warm = [], []
            for doc_id, number in pages:
                url = f"/documents/{doc_id}/pages/{number}/{size}.jpg"
                for times in (cold, warm):
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
            figures[size] = {"pages": len(pages), "first_median_ms": round(statistics.median(cold), 1),
                             "first_max_ms": round(max(cold), 1), "cached_median_ms": round(statistics.median(warm), 2),
                             "cached_max_ms": round(max(warm), 2)}
        return figures


def folder_times(folder: Path, limit: int) -> dict:
    """First page of up to ``limit`` PDFs under ``folder`` at screen
    resolution through web.pageimages directly (no index): first view, then cached."""
    from foiasearch.web.pageimages import PageImageError, PageImages

    with tempfile.TemporaryDirectory() as tmp:
        images = PageImages(Path(tmp))
        cold, warm, failed = [], [], 0
        for n, pdf in enumerate(sorted(folder.rglob("*.pdf"))[:limit]):
            key = f"{n:064x}"
            started = time.perf_counter()
            try:
                images.render(pdf, key, 1, "page")
            except PageImageError:
                failed += 1
                continue
            cold.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            images.render(pdf, key, 1, "page")
            warm.append((time.perf_counter() - started) * 1000)
    return {"pdfs": len(cold), "failed": failed, "first_median_ms": round(statistics.median(cold)),
            "first_p90_ms": round(statistics.quantiles(cold, n=10)[-1]), "first_max_ms": round(max(cold)),
            "cached_median_ms": round(statistics.median(warm), 2)}


# -- the search page, before and after -------------------------------------------------------
def build_with_files(index_dir: Path, docs: int) -> None:
    """bench.web_load's synthetic index, every release a copy of one real
    PDF (made distinct) and its pages citing some of its exemptions."""
    from bench.web_load import synthetic_documents
    from foiasearch.index.build import index_documents
    from foiasearch.index.location import IndexLocation

    location = IndexLocation(index_dir)
    if location.exists():
        return
    files = index_dir.parent / (index_dir.name + "-files")
    files.mkdir(parents=True, exist_ok=True)
    source = (DEMO / "releases" / "DEF_production_2011-07.pdf").read_bytes()
    batch = []
    for doc, paths in synthetic_documents(docs):
        if doc.kind == "release":
            for page in doc.pages:  # exemptions cited page by page, so the exemption facet counts pages
                page.exemptions = doc.exemptions[:page.number % (len(doc.exemptions) + 1)]
            path = files / Path(paths[0]).name
            # A document id is its file's hash: each release gets its own
            # bytes (a comment after %%EOF, which PDF readers ignore).
            path.write_bytes(source + f"\n% bench copy {path.stem}\n".encode())
            paths = [str(path)]
        batch.append((doc, paths))
        if len(batch) == 2000:
            index_documents(location, batch)
            batch = []
    if batch:
        index_documents(location, batch)


def export_tree(rev: str, folder: Path) -> Path:
    """``rev`` of this repository laid out as an importable ``foiasearch``
    package (the layer folders linked in as its sub-packages)."""
    tree = folder / "tree"
    tree.mkdir(parents=True)
    archive = subprocess.run(["git", "-C", str(REPO), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    shim = folder / "shim"
    package = shim / "foiasearch"
    package.mkdir(parents=True)
    for item in (tree / "foiasearch").iterdir():
        (package / item.name).symlink_to(item)
    for layer in LAYERS:
        (package / layer).symlink_to(tree / layer)
    (shim / "bench").symlink_to(tree / "bench") if (tree / "bench").exists() else None
    return shim


def render_round(index: Path, count: int, pythonpath: str | None) -> list[float]:
    code = ("import json,sys; from bench.web_load import render_times; "
            f"print(json.dumps(render_times(__import__('pathlib').Path({str(index)!r}), {count})))")
    env = dict(os.environ)
    env["PYTHONPATH"] = pythonpath or str(REPO)
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True,
                          cwd=pythonpath or str(REPO))
    return json.loads(done.stdout.strip().splitlines()[-1])


def first_request(index: Path, pythonpath: str | None) -> float:
    """Milliseconds of a fresh process's first search page (opening the
    index, building what is kept per searcher, counting pages per exemption)."""
    code = ("import time; from pathlib import Path; from foiasearch.web import create_app; "
            f"c = create_app(Path({str(index)!r})).test_client(); t = time.perf_counter(); "
            "assert c.get('/').status_code == 200; print((time.perf_counter() - t) * 1000)")
    env = dict(os.environ)
    env["PYTHONPATH"] = pythonpath or str(REPO)
    done = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True,
                          cwd=pythonpath or str(REPO))
    return float(done.stdout.strip().splitlines()[-1])


def thumbs_in(index: Path) -> int:
    from foiasearch.web import create_app

    body = create_app(index).test_client().get("/?q=county&kind=release").get_data(as_text=True)
    return body.count("thumb.jpg")


def search_times(index: Path, docs: int, before: str, count: int, rounds: int) -> dict:
    build_with_files(index, docs)
    with tempfile.TemporaryDirectory() as tmp:
        shim = export_tree(before, Path(tmp))
        runs: dict[str, list[float]] = {"before": [], "after": []}
        first: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(rounds):  # alternate, so load on the machine hits both alike
            first["before"].append(first_request(index, str(shim)))
            first["after"].append(first_request(index, None))
            runs["before"] += render_round(index, count, str(shim))
            runs["after"] += render_round(index, count, None)
    return {name: {"median_ms": round(statistics.median(t), 1), "p90_ms": round(statistics.quantiles(t, n=10)[-1], 1),
                   "pages": len(t), "first_request_ms": [round(f) for f in first[name]]}
            for name, t in runs.items()} | {"thumbnails_on_a_release_page": thumbs_in(index)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("images")
    pdfs = sub.add_parser("pdfs")
    pdfs.add_argument("folder", type=Path)
    pdfs.add_argument("--limit", type=int, default=40)
    search = sub.add_parser("search")
    search.add_argument("--docs", type=int, default=20_000)
    search.add_argument("--index", type=Path, default=Path("/tmp/viewer-bench-ix"))
    search.add_argument("--before", default="main", help="git revision to compare with")
    search.add_argument("--render", type=int, default=200, help="search pages per round")
    search.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    if args.what == "images":
        print(json.dumps(image_times()))
    elif args.what == "pdfs":
        print(json.dumps(folder_times(args.folder, args.limit)))
    else:
        print(json.dumps(search_times(args.index, args.docs, args.before, args.render, args.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
