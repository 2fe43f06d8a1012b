"""Issue 15, HTML: tags united from every source, categories apart, caption
shortcodes kept, the lead paragraph kept, one language facet value per language."""

from __future__ import annotations

import json
from pathlib import Path

from foiasearch.ingest.feeds import ingest as ingest_feed
from foiasearch.ingest.html import document_from_html
from foiasearch.ingest.options import IngestOptions
from tests.builders import write_html
from tests.conftest import run_cli

WORDPRESS_POST = """<html lang="en-US"><head><title>Quokka county ends detainers</title>
<meta property="article:tag" content="Detainers">
<meta property="article:tag" content="Cook County">
</head><body>
<article class="post-7 post type-post status-publish hentry category-local-news tag-detainers tag-cook-county
 tag-s-comm tag-amazon-com">
<h1>Quokka county ends detainers</h1>
<p>The county board voted to stop holding people for immigration agents without a warrant.</p>
<footer class="entry-footer">
 <a href="/category/local-news/" rel="category tag">Local News</a>
 <a href="/tag/sheriff/" rel="tag">Sheriff</a>
 <a href="/tag/amazon-com/" rel="tag">Amazon.com</a>
</footer></article></body></html>"""


def test_tags_are_united_across_metas_links_and_wordpress_classes():
    doc = document_from_html(WORDPRESS_POST.encode())
    # article:tag gives two, rel=tag two more, the classes add "s comm" (listed nowhere else);
    # "tag-amazon-com" is the slug of the rel=tag "Amazon.com", not a new tag
    assert doc.tags == ["Detainers", "Cook County", "Sheriff", "Amazon.com", "s comm"]
    assert doc.categories == ["Local News"]  # rel="category tag" is a category, not a tag
    assert "Local News" not in doc.tags


def test_lead_paragraph_under_the_headline_is_kept():
    page = """<html><head><title>We already have the promise</title></head><body>
    <header><h2>We already have the promise</h2>
      <p class="byline">By Ana Ruiz on 14 May 2019 in the morning edition of the paper</p>
      <p>The party says it knew nothing of the free paper mailed to every household, but
         internal documents suggest otherwise.</p></header>
    <div class="content"><article><p>First: the politicians involved deny that it happened this way.
    Their account contradicts documents that reporters have seen and checked with two sources.</p>
    <p>The documents point to a request in March from the local branch of the party for money.</p>
    <p>The campaign manager stayed calm, because he knew something his colleagues did not know.</p>
    </article></div></body></html>"""
    doc = document_from_html(page.encode())
    assert doc.text.startswith("The party says it knew nothing of the free paper")
    assert "By Ana Ruiz" not in doc.text
    assert doc.text.count("internal documents suggest otherwise") == 1


def test_caption_shortcode_text_is_kept_in_wxr_posts(tmp_path: Path):
    wxr = tmp_path / "export.xml"
    wxr.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:wp="http://wordpress.org/export/1.2/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Watch</title><wp:wxr_version>1.2</wp:wxr_version>
<item><title>Photo of the gate</title><dc:creator>ana</dc:creator>
<content:encoded><![CDATA[[caption id="attachment_9" align="aligncenter" width="640" caption="Families waiting at the detention center gate."]<a href="x.jpg"><img src="x.jpg" alt=""/></a>[/caption]]]></content:encoded>
<wp:post_id>9</wp:post_id><wp:post_date>2019-05-14 10:00:00</wp:post_date>
<wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>
</channel></rss>""", encoding="utf-8")
    docs = ingest_feed(wxr, IngestOptions()).documents
    assert [d.text for d in docs] == ["Families waiting at the detention center gate."]


def test_language_facet_has_one_value_per_language(runner, tmp_path: Path):
    folder = tmp_path / "posts"
    for name, lang in (("a", "en"), ("b", "en-US"), ("c", "en-GB"), ("d", "en-au"), ("e", "de-DE")):
        write_html(folder / f"{name}.html", f"Post {name}", "Opt out of the detainer program now.")
        path = folder / f"{name}.html"
        path.write_text(path.read_text().replace("<html>", f'<html lang="{lang}">', 1))
    index_dir = tmp_path / "ix"
    run_cli(runner, "index", folder, "--index", index_dir)
    data = json.loads(run_cli(runner, "search", "detainer", "--index", index_dir, "--json").output)
    assert sorted(h["language"] for h in data["hits"]) == ["de-DE", "en", "en-GB", "en-US", "en-au"]
    english = json.loads(run_cli(runner, "search", "language:en", "--index", index_dir, "--json").output)
    assert english["total"] == 4
