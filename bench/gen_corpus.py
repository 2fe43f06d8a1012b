"""Write a synthetic, realistic corpus for benchmarks, deterministic by seed.

N WordPress-like HTML posts (tags, authors, dates, nav, sidebar, share
buttons, comments) and M PDF releases of K pages (printed e-mails,
exemption labels, Bates numbers, actors from the gazetteer).

    python bench/gen_corpus.py OUT --posts 2000 --releases 100 --pages 10 --seed 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import random
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.builders import pdf_bytes  # noqa: E402

WORDS = (
    "county sheriff jail booking fingerprints program federal local police community trust immigrants "
    "detention removal hearing court policy memo request records release agency office officials data "
    "deportation families advocates lawsuit council vote ordinance compliance database interoperability "
    "activation jurisdiction statistics conviction criminal noncriminal priorities enforcement funding "
    "transparency accountability oversight letter governor legislature bill assembly senate hearing"
).split()
TAGS = ["Secure Communities", "detainers", "ICE", "local police", "TRUST Act", "FOIA", "287(g)",
        "deportations", "civil rights", "Illinois", "California", "Texas", "sanctuary", "data", "courts"]
AUTHORS = ["Maria Lopez", "James Carter", "Ana Ruiz", "David Kim", "Grace Obi", "Tom Walsh"]
FALLBACK_ACTORS = ["U.S. Immigration and Customs Enforcement", "Department of Homeland Security",
                   "Secure Communities", "Cook County Sheriff's Office", "Governor Pat Quinn",
                   "Rep. Zoe Lofgren", "National Day Laborer Organizing Network", "ACLU"]
EXEMPTIONS = ["(b)(6)", "(b)(7)(C)", "(b)(6), (b)(7)(C)", "(b) (7)(E)", "(b)(5)"]


def actor_names() -> list[str]:
    """Names from the shipped gazetteer when it exists, else a fixed list."""
    gazetteer = ROOT / "ingest" / "gazetteer.toml"
    if gazetteer.exists():
        data = tomllib.loads(gazetteer.read_text())
        names = []
        for entries in data.values():
            if isinstance(entries, list):
                names += [e["name"] for e in entries if isinstance(e, dict) and "name" in e]
        if names:
            return names
    return FALLBACK_ACTORS


def sentence(rng: random.Random, actors: list[str]) -> str:
    words = rng.choices(WORDS, k=rng.randint(8, 18))
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words)), rng.choice(actors))
    return " ".join(words).capitalize() + "."


def paragraph(rng, actors, n=None) -> str:
    return " ".join(sentence(rng, actors) for _ in range(n or rng.randint(3, 7)))


def post_html(n: int, rng: random.Random, actors: list[str]) -> str:
    title = " ".join(rng.choices(WORDS, k=6)).title()
    author = rng.choice(AUTHORS)
    date = dt.date(2010, 1, 1) + dt.timedelta(days=rng.randrange(365 * 6))
    tags = rng.sample(TAGS, rng.randint(1, 4))
    body = "".join(f"<p>{html.escape(paragraph(rng, actors))}</p>" for _ in range(rng.randint(4, 10)))
    tag_links = " ".join(f'<a href="/tag/{i}" rel="tag">{html.escape(t)}</a>' for i, t in enumerate(tags))
    comments = "".join(f'<li class="comment"><p>{html.escape(sentence(rng, actors))}</p></li>' for _ in range(3))
    metas = "".join(f'<meta property="article:tag" content="{html.escape(t)}">' for t in tags)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Advocacy Network</title><meta property="og:title" content="{title}">
<meta property="article:published_time" content="{date.isoformat()}T09:00:00+00:00">{metas}
<link rel="canonical" href="https://example.org/{date.year}/post-{n}/"></head>
<body class="post-template-default single"><header><nav class="menu"><a href="/">Home</a> <a href="/issues">Issues</a>
<a href="/about">About</a> <a href="/donate">Donate</a></nav></header>
<main><article class="post-{n} post type-post status-publish">
<h1 class="entry-title">{title}</h1><p class="byline">By <a rel="author" href="/author/{n}">{author}</a>
<time datetime="{date.isoformat()}">{date:%B %d, %Y}</time></p>
<div class="entry-content">{body}</div>
<div class="sharedaddy"><h3>Share This:</h3><a href="#">Twitter</a> <a href="#">Facebook</a></div>
<footer class="entry-meta">Tags: {tag_links}</footer></article>
<div id="comments"><ol class="commentlist">{comments}</ol></div></main>
<aside class="sidebar"><h3>Recent posts</h3><ul><li>Older post</li><li>Another post</li></ul></aside>
<footer class="site-footer">Copyright Advocacy Network. All rights reserved.</footer></body></html>"""


def release_pages(n: int, pages: int, rng: random.Random, actors: list[str]) -> list[str]:
    prefix = f"ICE2011FOIA{1000 + n}"
    out = []
    for p in range(pages):
        lines = []
        if p % 3 == 0:
            lines += [f"From: {rng.choice(AUTHORS)}", f"Sent: Tuesday, March {1 + p % 28}, 2011 4:02 PM",
                      f"To: {rng.choice(AUTHORS)}; {rng.choice(AUTHORS)}",
                      f"Subject: RE: {rng.choice(TAGS)} {rng.choice(WORDS)}", ""]
        text = paragraph(rng, actors, 6)
        words = text.split()
        for i in range(0, len(words), 12):
            lines.append(" ".join(words[i:i + 12]))
        lines.append(rng.choice(EXEMPTIONS))
        lines.append(f"{prefix}.{p + 1:06d}")
        out.append("\n".join(lines))
    return out


def generate(out: Path, posts: int, releases: int, pages: int, seed: int) -> None:
    rng = random.Random(seed)
    actors = actor_names()
    for n in range(posts):
        folder = out / "posts" / f"{n // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"post-{n:06d}.html").write_text(post_html(n, rng, actors), encoding="utf-8")
    for n in range(releases):
        folder = out / "releases" / f"{n // 100:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"release-{n:05d}.pdf").write_bytes(pdf_bytes(release_pages(n, pages, rng, actors)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--posts", type=int, default=2000)
    parser.add_argument("--releases", type=int, default=100)
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    generate(args.out, args.posts, args.releases, args.pages, args.seed)


if __name__ == "__main__":
    main()
