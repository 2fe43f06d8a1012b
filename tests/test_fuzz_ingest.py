"""Fuzzing of ingest: mutated PDFs, HTML pages and feeds, indexed by the real CLI.

Seed files are made here (reportlab PDFs, one of them several pages with text and an
image; HTML pages with metadata and WordPress markup; a WordPress WXR export and an
RSS feed). A seeded generator mutates them (byte flips, truncation, inserted junk,
duplicated and removed PDF objects, a broken xref, huge attribute counts, deep
nesting, bad encodings, NUL bytes), writes them into one folder, and
``python -m foiasearch index`` runs over it in a subprocess. Every file must get
exactly one outcome line, failures must be one line each and no traceback may
appear, the summary must add up, the run must exit 0, and the index must still
open and search afterwards (the unmutated seeds are found).

Bounded for CI (150 files, about 35 s on 2 cores). The longer run:

    FOIASEARCH_FUZZ_FILES=600 FOIASEARCH_FUZZ_SEED=7 .venv/bin/python -m pytest tests/test_fuzz_ingest.py -q -s

(``-s`` prints the figures: files, outcomes, worst per-file time.)
"""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from tests.builders import pdf_bytes, text_picture

FILES = int(os.environ.get("FOIASEARCH_FUZZ_FILES", "150"))
SEED = int(os.environ.get("FOIASEARCH_FUZZ_SEED", "17"))
REPO = Path(__file__).resolve().parents[1]
OUTCOME = re.compile(r"^\[(\d+)/(\d+)\] (indexed|unchanged|skipped|failed): (.*)$")
SUMMARY = re.compile(r"^(\d+) files? seen, (\d+) indexed, (\d+) unchanged, (\d+) skipped, (\d+) failed")


# --- seeds -----------------------------------------------------------------------------------

def _multipage_pdf() -> bytes:
    """Three pages: text, text with a picture beside it, text again; a title in the info."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=letter, invariant=1)
    pdf.setTitle("Detainer records release")
    pdf.setAuthor("FOIA Office")
    pdf.drawString(72, 740, "From: Smith, John  Subject: Secure Communities opt out")
    pdf.drawString(72, 720, "Counties asked whether they could opt out of the program.")
    pdf.showPage()
    pdf.drawString(72, 740, "Page two: the sheriff's detainer log, attached below.")
    pdf.drawInlineImage(text_picture("DETAINER LOG 2011", size=(400, 120), font_size=30), 72, 500, width=300, height=90)
    pdf.showPage()
    pdf.drawString(72, 740, "Page three: fingerprints shared with ICE under 287(g). DHS-00017")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _html_meta() -> bytes:
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Illinois leaves Secure Communities</title>"
            "<meta name='description' content='The state opts out.'><meta name='author' content='Maria Reyes'>"
            "<meta property='og:title' content='Illinois leaves S-Comm'><meta property='article:published_time' "
            "content='2011-05-04T14:00:00+00:00'><link rel='canonical' href='https://example.org/2011/05/il/'>"
            "<script type='application/ld+json'>{\"@type\":\"BlogPosting\",\"headline\":\"Illinois\","
            "\"datePublished\":\"2011-05-04\"}</script></head><body><nav><a href='/'>Home</a></nav>"
            "<article><h1>Illinois leaves Secure Communities</h1><p>Governor Pat Quinn wrote to DHS "
            "that the program failed.</p><p>Zephyrine counties asked about détainers — “opt out”.</p></article>"
            "<footer>Copyright Example</footer></body></html>").encode("utf-8")


def _html_wordpress() -> bytes:
    return ("<!DOCTYPE html><html><head><meta charset='UTF-8'><title>The TRUST Act &#8211; Sanctuary Blog</title>"
            "<link rel='stylesheet' href='/wp-content/themes/twentyten/style.css'>"
            "<meta name='generator' content='WordPress 3.2'></head><body class='single single-post postid-42'>"
            "<div id='wrapper'><div id='header'><div id='site-title'>Sanctuary Blog</div></div>"
            "<div id='container'><div id='content' role='main'><div id='post-42' class='post-42 post type-post "
            "status-publish hentry category-news tag-trust-act'><h1 class='entry-title'>The TRUST Act</h1>"
            "<div class='entry-meta'><span class='meta-prep'>Posted on</span> <abbr class='published' "
            "title='2013-09-12T10:00:00'>September 12, 2013</abbr> by <span class='author vcard'>Ana</span></div>"
            "<div class='entry-content'><p>The TRUST Act would limit detainers in California counties.</p>"
            "<p>[caption id='attachment_7']<img src='/wp-content/uploads/a.jpg' alt='rally'>[/caption]</p></div>"
            "<div class='entry-utility'>Posted in <a href='/category/news/' rel='category tag'>News</a></div>"
            "<div id='comments'><ol class='commentlist'><li class='comment'>Great news.</li></ol></div>"
            "</div></div></div><div id='footer'>Powered by WordPress</div></div></body></html>").encode("utf-8")


def _wxr() -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
            b'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            b'xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Sanctuary</title>'
            b'<wp:wxr_version>1.2</wp:wxr_version><wp:author><wp:author_login>mreyes</wp:author_login>'
            b'<wp:author_display_name><![CDATA[Maria Reyes]]></wp:author_display_name></wp:author>'
            b'<item><title>Jose in the county jail</title><link>https://example.org/2012/03/jose/</link>'
            b'<dc:creator><![CDATA[mreyes]]></dc:creator><category domain="post_tag" nicename="detainers">'
            b'<![CDATA[detainers]]></category><content:encoded><![CDATA[<p>Jose was held on a detainer '
            b'for nine days.</p><p>Quillfeather county paid.</p>]]></content:encoded>'
            b'<wp:post_date_gmt>2012-03-01 10:00:00</wp:post_date_gmt><wp:status>publish</wp:status>'
            b'<wp:post_type>post</wp:post_type></item>'
            b'<item><title>Draft</title><wp:status>draft</wp:status><wp:post_type>post</wp:post_type></item>'
            b'<item><title>About</title><content:encoded><![CDATA[<p>About the network.</p>]]></content:encoded>'
            b'<wp:status>publish</wp:status><wp:post_type>page</wp:post_type></item></channel></rss>\n')


def _rss() -> bytes:
    return (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>News</title>'
            b'<item><title>Ten questions for your county</title><link>https://example.org/ten/</link>'
            b'<pubDate>Mon, 04 Jun 2012 09:00:00 +0000</pubDate><description>&lt;p&gt;Ask your sheriff about '
            b'detainers.&lt;/p&gt;</description></item></channel></rss>\n')


def seeds() -> dict[str, bytes]:
    return {
        "multipage.pdf": _multipage_pdf(),
        "release.pdf": pdf_bytes(["Counties cannot opt out of Secure Communities, the memo said.",
                                  "Page two talks about detainers only."], title="Memo"),
        "meta.html": _html_meta(),
        "wordpress.html": _html_wordpress(),
        "export.xml": _wxr(),
        "feed.xml": _rss(),
    }


# --- mutations -------------------------------------------------------------------------------

_OBJ = re.compile(rb"\d+ \d+ obj\b.*?endobj", re.S)


def _flip(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 40)):
        if buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[:rng.randrange(len(data) + 1)]


def _junk(rng: random.Random, data: bytes) -> bytes:
    junk = rng.choice([bytes(rng.randrange(256) for _ in range(rng.randint(1, 4000))),
                       b"\x00" * rng.randint(1, 5000), b"<" * rng.randint(1, 3000),
                       b"stream\n" + rng.randbytes(rng.randint(1, 2000)) + b"\nendstream",
                       b"%%EOF\n", b"]]>", b"<![CDATA[", b"<!--", b"\xef\xbb\xbf", b"\xff\xfe"])
    at = rng.randrange(len(data) + 1)
    return data[:at] + junk + data[at:]


def _dup_object(rng: random.Random, data: bytes) -> bytes:
    objects = list(_OBJ.finditer(data))
    if not objects:
        return _junk(rng, data)
    obj = rng.choice(objects)
    at = rng.choice(objects).end()
    return data[:at] + b"\n" + obj.group(0) * rng.randint(1, 50) + data[at:]


def _drop_object(rng: random.Random, data: bytes) -> bytes:
    objects = list(_OBJ.finditer(data))
    if not objects:
        return _truncate(rng, data)
    obj = rng.choice(objects)
    return data[:obj.start()] + data[obj.end():]


def _break_xref(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(4)
    if choice == 0:  # startxref points anywhere
        return re.sub(rb"startxref\s+\d+", b"startxref\n%d" % rng.randint(0, 10**12), data)
    if choice == 1:  # offsets in the table scrambled
        return re.sub(rb"\d{10} \d{5} [nf]", lambda m: b"%010d 00000 n" % rng.randint(0, len(data) * 2), data)
    if choice == 2:  # the table gone
        return re.sub(rb"xref.*?trailer", b"trailer", data, flags=re.S)
    # object numbers, lengths and references turned into nonsense
    return re.sub(rb"/(Length|Size|Count|Parent|Root|Pages) [^/>]+",
                  lambda m: b"/" + m.group(1) + rng.choice([b" -1", b" 99999999 0 R", b" 1 0 R", b" (x)", b" 1e308"]),
                  data, count=rng.randint(1, 5))


def _attributes(rng: random.Random, data: bytes) -> bytes:
    count = rng.choice([500, 5000, 20000])
    attrs = b" ".join(b"a%d='%d'" % (i, i) for i in range(count))
    at = data.find(b"<body")
    at = data.find(b"<item") if at < 0 else at
    at = max(at, 0)
    return data[:at] + b"<div " + attrs + b">x</div>" + data[at:]


def _nesting(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([300, 3000, 20000])
    tag = rng.choice([b"div", b"b", b"table", b"item", b"p", b"span"])
    close = rng.random() < 0.5
    inner = b"<%s>" % tag * depth + b"deep detainer" + (b"</%s>" % tag * depth if close else b"")
    at = data.find(b"</body>")
    at = data.find(b"</channel>") if at < 0 else at
    at = len(data) // 2 if at < 0 else at
    return data[:at] + inner + data[at:]


def _encoding(rng: random.Random, data: bytes) -> bytes:
    choice = rng.randrange(6)
    if choice == 0:  # declared UTF-8, sent as UTF-16 without a BOM
        return data.decode("utf-8", "replace").encode("utf-16-le")
    if choice == 1:  # invalid UTF-8 sequences sprinkled in
        buf = bytearray(data)
        for _ in range(rng.randint(1, 30)):
            buf[rng.randrange(len(buf) + 1):0] = rng.choice([b"\xc3", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xff"])
        return bytes(buf)
    if choice == 2:  # a lying or absurd charset
        return re.sub(rb"(?i)(charset=['\"]?|encoding=['\"])[\w-]+",
                      lambda m: m.group(1) + rng.choice([b"utf-32", b"x-unknown", b"utf-7", b"ebcdic-cp-us", b"a" * 500]),
                      data)
    if choice == 3:  # a BOM that disagrees with the bytes
        return rng.choice([b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff"]) + data
    if choice == 4:  # NUL bytes and control characters in text
        return data.replace(b" ", b"\x00", rng.randint(1, 200)).replace(b"e", b"\x1b", rng.randint(0, 50))
    return data.decode("utf-8", "replace").encode("cp1252", "replace")  # legacy bytes under a UTF-8 claim


PDF_MUTATORS = [_flip, _truncate, _junk, _dup_object, _drop_object, _break_xref]
TEXT_MUTATORS = [_flip, _truncate, _junk, _attributes, _nesting, _encoding]


def mutate(rng: random.Random, name: str, data: bytes) -> bytes:
    mutators = PDF_MUTATORS if name.endswith(".pdf") else TEXT_MUTATORS
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        data = rng.choice(mutators)(rng, data)
    return data


def fuzz_folder(root: Path, count: int, seed: int) -> list[Path]:
    """``count`` files under ``root``: the unmutated seeds first, then mutants."""
    rng = random.Random(seed)
    originals = seeds()
    files = []
    for name, data in originals.items():
        files.append(root / "seeds" / name)
        files[-1].parent.mkdir(parents=True, exist_ok=True)
        files[-1].write_bytes(data)
    names = sorted(originals)
    for number in range(count - len(files)):
        name = rng.choice(names)
        path = root / "mutants" / f"{number:05d}-{name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(mutate(rng, name, originals[name]))
        files.append(path)
    return files


# --- the run ---------------------------------------------------------------------------------

def _cli(*args: str, timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "foiasearch", *args], cwd=REPO, capture_output=True,
                          text=True, errors="replace", timeout=timeout, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def index_timed(corpus: Path, index: Path, timeout: float):
    """Run ``index`` with one worker, timing each outcome line as it comes (with one
    worker the gap between two lines is one file's extraction and indexing)."""
    process = subprocess.Popen([sys.executable, "-m", "foiasearch", "index", str(corpus), "--index", str(index),
                                "--no-ocr", "--workers", "1", "--commit-every", "30"],
                               cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               errors="replace", env={**os.environ, "PYTHONUNBUFFERED": "1"})
    stdout: list[str] = []
    reader = threading.Thread(target=lambda: stdout.append(process.stdout.read()), daemon=True)
    reader.start()
    lines, gaps = [], []
    last = start = time.monotonic()
    deadline = start + timeout
    for line in process.stderr:
        now = time.monotonic()
        lines.append(line.rstrip("\n"))
        if OUTCOME.match(lines[-1]):
            gaps.append((now - last, lines[-1]))
            last = now
        if now > deadline:
            process.kill()
            pytest.fail(f"index run over {timeout} s")
    returncode = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    reader.join(timeout=10)
    return returncode, "".join(stdout), lines, gaps, time.monotonic() - start


def test_fuzzed_files_each_get_one_outcome_and_the_index_still_searches(tmp_path):
    files = fuzz_folder(tmp_path / "corpus", FILES, SEED)
    assert len(files) == FILES
    returncode, stdout, stderr_lines, gaps, elapsed = index_timed(tmp_path / "corpus", tmp_path / "ix",
                                                                  timeout=60 + FILES * 3)
    everything = stdout + "\n".join(stderr_lines)
    assert "Traceback" not in everything, everything[-3000:]
    assert returncode == 0, everything[-3000:]

    outcomes: dict[str, list[str]] = {}
    totals = set()
    for line in stderr_lines:
        match = OUTCOME.match(line)
        if match:
            totals.add(int(match.group(2)))
            outcomes.setdefault(match.group(4), []).append(match.group(3))
    assert totals == {FILES}
    assert sorted(outcomes) == sorted(str(f) for f in files), "files without or with a foreign outcome line"
    assert all(len(found) == 1 for found in outcomes.values()), {p: o for p, o in outcomes.items() if len(o) > 1}

    summary = next(SUMMARY.match(line) for line in stdout.splitlines() if SUMMARY.match(line))
    seen, indexed, unchanged, skipped, failed = (int(g) for g in summary.groups())
    counted = {kind: sum(found == [kind] for found in outcomes.values())
               for kind in ("indexed", "unchanged", "skipped", "failed")}
    assert seen == FILES == indexed + unchanged + skipped + failed
    assert (indexed, unchanged, skipped, failed) == (counted["indexed"], counted["unchanged"],
                                                     counted["skipped"], counted["failed"])
    # Every failure has one reason line: "  path: reason", the path a fuzzed file's.
    lines = stdout.splitlines()
    failure_lines = lines[lines.index("Failed (retried on the next run):") + 1:] if failed else []
    assert len(failure_lines) == failed, failure_lines
    failed_paths = {p for p, o in outcomes.items() if o == ["failed"]}
    assert sorted(line.split(": ", 1)[0].strip() for line in failure_lines) == sorted(failed_paths), failure_lines
    assert all(line.split(": ", 1)[1].strip() for line in failure_lines), failure_lines
    assert all(outcomes[str(tmp_path / "corpus" / "seeds" / name)] == ["indexed"] for name in seeds())

    # The index opens and searches: the seeds' own words are found, a query over all of it answers.
    for word, path in [("Zephyrine", "meta.html"), ("Quillfeather", "export.xml"), ("fingerprints", "multipage.pdf")]:
        found = _cli("search", word, "--limit", "1000", "--index", str(tmp_path / "ix"), timeout=120)
        assert found.returncode == 0 and "Traceback" not in found.stderr, found.stderr
        assert str(tmp_path / "corpus" / "seeds" / path) in found.stdout, found.stdout
    anything = _cli("search", "detainer OR county", "--index", str(tmp_path / "ix"), timeout=120)
    assert anything.returncode == 0 and "Traceback" not in anything.stderr, anything.stderr

    # A second run finds everything unchanged or retried, still one outcome each and no traceback.
    again = _cli("index", str(tmp_path / "corpus"), "--index", str(tmp_path / "ix"), "--no-ocr", "--workers", "2",
                 timeout=60 + FILES * 3)
    assert again.returncode == 0 and "Traceback" not in again.stdout + again.stderr, again.stderr[-3000:]
    again_summary = next(SUMMARY.match(line) for line in again.stdout.splitlines() if SUMMARY.match(line))
    assert int(again_summary.group(1)) == FILES
    assert int(again_summary.group(3)) >= indexed  # nothing indexed was lost

    worst = max(gaps)
    print(f"\nfuzz ingest: {FILES} files (seed {SEED}), {indexed} indexed, {unchanged} unchanged, {skipped} skipped, "
          f"{failed} failed in {elapsed:.1f} s; worst per-file time {worst[0]:.2f} s ({worst[1]})")


def test_mutations_are_deterministic_and_mutate():
    first = fuzz_folder_bytes(30, 3)
    assert first == fuzz_folder_bytes(30, 3)
    originals = set(seeds().values())
    assert sum(data not in originals for data in first) >= 20


def fuzz_folder_bytes(count: int, seed: int) -> list[bytes]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return [p.read_bytes() for p in fuzz_folder(Path(folder), count, seed)]
