"""Screenshots of the search site for docs/: a search, a scanned release's
page beside its text, and a phone view, taken with Playwright's chromium on
the bundled demo corpus (examples/corpus), indexed afresh each run.

    .venv/bin/python scripts/screenshots.py              # writes docs/screenshots/*.png
    .venv/bin/python scripts/screenshots.py --out /tmp/shots

The PNGs are reduced to a 64-colour palette so they stay small in git.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "examples" / "corpus"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
QUERY = "secure communities"  # release hits first, with their thumbnails


def build_index(folder: Path) -> Path:
    index = folder / "ix"
    subprocess.run([sys.executable, "-m", "foiasearch", "index", str(CORPUS), "--index", str(index)],
                   check=True, stdout=subprocess.DEVNULL)
    return index


def scanned_page(index: Path) -> tuple[str, int]:
    """The first release page that is a scan (OCRed or waiting for OCR)."""
    from foiasearch.search.api import Query, open_backend

    with open_backend(index) as backend:
        for hit in backend.search(Query("", {"kind": ["release"]}, per_page=100)).hits:
            doc = backend.document(hit.id)
            for page in doc.pages:
                if page.ocr or page.needs_ocr:
                    return doc.id, page.number
    raise SystemExit("the demo corpus has no scanned page")


def shrink(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def wait_for_images(page) -> None:
    page.wait_for_function("() => [...document.images].filter(i => { const r = i.getBoundingClientRect();"
                           " return r.bottom > 0 && r.top < innerHeight; }).every(i => i.complete && i.naturalWidth > 0)")


def take(out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from foiasearch.web import create_app

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        index = build_index(Path(tmp))
        doc_id, number = scanned_page(index)
        server = make_server("127.0.0.1", 0, create_app(index), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        q = urlencode({"q": QUERY})
        shots = [
            ("search.png", f"{base}/?{q}", DESKTOP),
            ("scanned-page.png", f"{base}/documents/{doc_id}?{q}#p{number}", DESKTOP),
            ("phone.png", f"{base}/?{q}", PHONE),
        ]
        written = []
        chromium = shutil.which("chromium") or "/usr/bin/chromium"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
                for name, url, viewport in shots:
                    context = browser.new_context(viewport=viewport, device_scale_factor=1,
                                                  is_mobile=viewport is PHONE, color_scheme="light")
                    page = context.new_page()
                    page.goto(url)
                    wait_for_images(page)
                    page.screenshot(path=str(out / name))
                    context.close()
                    shrink(out / name)
                    written.append(out / name)
                browser.close()
        finally:
            server.shutdown()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args(argv)
    for path in take(args.out):
        print(f"{path.stat().st_size:>8}  {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
