"""The advocacy posts of the demo corpus: texts and the WordPress page around them.

Every post is written for this project (fictional sites, authors and readers on
``.example.org`` domains). :func:`write_posts` saves each one as a whole page,
the way a browser's "Save page as" would: head metas, JSON-LD, navigation,
sidebar, share buttons, related posts, comments and footer around the article.

>>> import tempfile, pathlib
>>> paths = write_posts(pathlib.Path(tempfile.mkdtemp()))
>>> len(paths)
6
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Site:
    name: str
    url: str
    tagline: str
    menu: tuple[str, ...]


@dataclass(frozen=True)
class Comment:
    author: str
    date: str  # ISO 8601 with offset
    text: str
    url: str = ""


@dataclass(frozen=True)
class Post:
    filename: str
    site: Site
    post_id: int
    slug: str
    title: str
    author: str
    author_slug: str
    published: str  # ISO 8601 with offset
    category: str
    tags: tuple[str, ...]
    # Text shown in the rel=tag links; defaults to ``tags``. The Quinn post
    # overrides it with the empty-tag mess some themes print.
    tag_links: tuple[str, ...] | None
    description: str
    paragraphs: tuple[str, ...]
    comments: tuple[Comment, ...]
    charset: str = "utf-8"
    related: tuple[int, ...] = field(default=())

    @property
    def url(self) -> str:
        return f"{self.site.url}/{self.published[:4]}/{self.published[5:7]}/{self.slug}/"


WATCH = Site(
    name="Community Safety Watch",
    url="https://communitysafetywatch.example.org",
    tagline="Policing, immigration and the rights of everyone in our towns",
    menu=("Home", "About", "Secure Communities", "Know Your Rights", "FOIA Library", "Donate"),
)
GATES = Site(
    name="Open Gates Project",
    url="https://opengates.example.org",
    tagline="Public records on immigration enforcement, read closely",
    menu=("Home", "Our Work", "Documents", "Blog", "Contact"),
)


POSTS: tuple[Post, ...] = (
    Post(
        filename="2011-04-opt-out-documents-what-they-show.html",
        site=GATES,
        post_id=212,
        slug="opt-out-documents-what-they-show",
        title="Can a County Say No? What the First Opt-Out Records Show",
        author="Daniel Okafor",
        author_slug="dokafor",
        published="2011-04-21T10:30:00-05:00",
        category="Documents",
        tags=("FOIA", "Secure Communities", "opt-out", "ICE", "NDLON"),
        tag_links=None,
        description="A first reading of the ICE records released under FOIA about whether counties may opt out of Secure Communities.",
        paragraphs=(
            "For two years, county supervisors who asked whether they could decline Secure Communities received "
            "answers that changed with the audience. The first batch of records released under the Freedom of "
            "Information Act lets the public compare those answers side by side.",
            "The release runs to several hundred pages of e-mail, briefing slides and draft letters from ICE and "
            "its parent agency, DHS. Many names are blacked out under exemptions (b)(6) and (b)(7)(C), and whole "
            "paragraphs of internal discussion are withheld as deliberative under (b)(5). Even so, a pattern is "
            "visible: staff debated for months what \"opt out\" should mean before anyone wrote it down.",
            "Several messages describe a county's request to stay out of the program as something headquarters "
            "could \"accommodate\". Others, written weeks later, say that fingerprints taken at booking would "
            "reach ICE regardless of what a county decided. Both positions were shared with local officials at "
            "different times.",
            "The documents were obtained by the National Day Laborer Organizing Network together with its legal "
            "partners. We have posted an index of the pages we quote, with their Bates numbers, so readers can "
            "check every citation against the release itself.",
            "We will keep reading. If you find a page that matters to your county, send us its Bates number and "
            "we will add it to the index.",
        ),
        comments=(
            Comment("Teresa Vance", "2011-04-21T13:02:00-05:00",
                    "Thank you for posting the Bates numbers. Our supervisors were told last year that opting out was a formality."),
            Comment("R. Castellanos", "2011-04-22T08:45:00-05:00",
                    "Page ICE2010FOIA2674.000104 is the one to read first. It says the quiet part out loud."),
        ),
        related=(318, 147),
    ),
    Post(
        filename="2011-05-police-leaders-illinois-leaves-secure-communities.html",
        site=WATCH,
        post_id=147,
        slug="police-leaders-illinois-leaves-secure-communities",
        title="Police Leaders to Lawmakers: Leave Immigration Enforcement to Washington",
        author="Maria Delgado",
        author_slug="mdelgado",
        published="2011-05-06T09:14:00-05:00",
        category="Blog",
        tags=("Secure Communities", "Illinois", "local police", "TRUST Act", "California"),
        # The theme printed the tag links with empty text, and only "Blog" survived.
        tag_links=("", " ", "", "  ", "", "Blog"),
        description="Illinois becomes the first state to try to leave Secure Communities, and police chiefs in three states say the program gets in the way of their work.",
        paragraphs=(
            "The people who run police departments keep telling elected officials the same thing: when local "
            "officers are turned into immigration agents, residents stop calling them. Chiefs and sheriffs in "
            "Texas, Illinois and California have now gone on record against bills and federal programs that would "
            "turn every booking into a deportation screening, and they want lawmakers to let them set their own "
            "policing priorities.",
            "Illinois has gone further than any state so far. Governor Pat Quinn has told the Department of "
            "Homeland Security that the state is withdrawing from Secure Communities, the first attempt by any "
            "state to leave the program completely. His letter to DHS sets the program's stated aim, removing "
            "dangerous offenders, against its record: by the state's count, more than 30% of the people deported "
            "through Secure Communities had no criminal conviction at all.",
            "The program had been on hold in Illinois since last November, when state officials decided it was "
            "not working as promised. The withdrawal means it will be switched off in the 26 localities, out of "
            "the state's 102, that had been activated since 2009.",
            "California is asking hard questions of its own. Last month the National Day Laborer Organizing "
            "Network obtained internal ICE documents which suggest that agency officials may have misled local "
            "governments about whether they could opt out. Rep. Zoe Lofgren (D-CA), who leads her party on the "
            "immigration panel of the House Judiciary Committee, wants the DHS inspector general to look into it.",
            "In Sacramento, the TRUST Act (the name is short for Transparency and Responsibility Using State "
            "Tools) is pending in the California Assembly. It would give counties a clear way to leave the program and "
            "would limit when local jails hold people for ICE.",
            "None of this is a fringe position. It comes from chiefs who have spent careers building trust in "
            "neighborhoods where many families include someone without papers. They are asking for something "
            "simple: room to do their jobs.",
        ),
        comments=(
            Comment("Frank Ostrowski", "2011-05-06T11:20:00-05:00",
                    "Retired patrol sergeant here. Witnesses who fear deportation do not come forward. It is that simple."),
            Comment("Lena Brooks", "2011-05-06T16:48:00-05:00",
                    "Does anyone know whether the 26 Illinois counties will stop sharing fingerprints right away, or only after DHS answers?"),
            Comment("Maria Delgado", "2011-05-07T08:05:00-05:00",
                    "Lena, the letter asks for immediate deactivation. We will post DHS's reply when we have it.",
                    url="https://communitysafetywatch.example.org/author/mdelgado/"),
        ),
        related=(212, 318, 265),
    ),
    Post(
        filename="2011-08-sheriffs-287g-detainers-cost.html",
        site=WATCH,
        post_id=178,
        slug="sheriffs-287g-detainers-cost",
        title="Who Pays for an ICE Detainer? Sheriffs Start Counting",
        author="Kevin Marsh",
        author_slug="kmarsh",
        published="2011-08-18T14:00:00-05:00",
        category="Local Policing",
        tags=("detainers", "287(g)", "local police", "ICE", "sheriffs"),
        tag_links=None,
        description="County jails hold people on ICE detainers at their own expense. Some sheriffs are starting to add up the bill.",
        paragraphs=(
            "An immigration detainer is a request from ICE asking a jail to keep someone for up to 48 hours, not "
            "counting weekends and holidays, after that person would otherwise go free. The federal government "
            "does not pay for those extra days. The county does.",
            "Sheriffs who signed 287(g) agreements, which deputize jail staff to perform some immigration "
            "functions, have carried those costs for years. Now sheriffs without such agreements are seeing the "
            "same requests arrive through Secure Communities, because every set of fingerprints taken at booking "
            "is checked against DHS databases.",
            "One sheriff's office we spoke with keeps a spreadsheet of every detainer it has received. Most of "
            "the people named had been booked for traffic offenses or misdemeanors. Few were ever charged with a "
            "serious crime.",
            "Detainers also raise a legal problem that budgets do not capture: holding someone without a judge's "
            "order may violate the Fourth Amendment, and the county, not ICE, is the one that gets sued.",
            "We are filing public records requests with a dozen counties to learn what detainers cost them. If "
            "your county has already released numbers, tell us in the comments.",
        ),
        comments=(
            Comment("Deputy J. Harlan", "2011-08-18T19:31:00-05:00",
                    "Our jail is at capacity most weekends. Every detainer hold is a bed we do not have."),
            Comment("Priya Natarajan", "2011-08-19T10:12:00-05:00",
                    "The Fourth Amendment point deserves its own post. Several counties have already settled claims."),
        ),
        related=(147, 265),
    ),
    Post(
        filename="2012-03-jose-county-jail-detainer.html",
        site=GATES,
        post_id=265,
        slug="jose-county-jail-detainer",
        title="Two Extra Nights: José’s Weekend in the County Jail",
        author="Lucía Fernández",
        author_slug="lfernandez",
        published="2012-03-09T08:45:00-06:00",
        category="Stories",
        tags=("detainers", "ICE", "Secure Communities", "local police", "Cook County"),
        tag_links=None,
        description="A fictional account, drawn from many we have heard, of what an ICE detainer means for one family.",
        charset="windows-1252",
        paragraphs=(
            "José Ramírez was stopped on a Friday for a broken taillight. By Friday night the charge — driving "
            "without a license — had been dropped, and the clerk told his sister he could go home. He did not.",
            "The jail’s booking system had sent his fingerprints to the FBI, which passed them to DHS under "
            "Secure Communities. On Saturday morning an ICE detainer arrived by fax. “We’re just holding him for "
            "immigration,” a deputy said. “It’s out of our hands.”",
            "It was not entirely out of the county’s hands. A detainer is a request, and the county decides "
            "whether to honor it. Cook County later adopted a policy of declining most detainers unless ICE "
            "agrees to pay for the extra days, a choice other counties are now studying.",
            "José spent two more nights in a cell. His daughter missed school on Monday to translate for the "
            "family at the consulate. His employer, a bakery owner named Renée Dubois, wrote a letter on his "
            "behalf: “He has opened my shop at 5 a.m. for six years.”",
            "Stories like José’s are why we keep asking counties for their detainer numbers, and why the words "
            "“voluntary” and “mandatory” in ICE’s own records matter so much.",
        ),
        comments=(
            Comment("Renée D.", "2012-03-09T12:15:00-06:00",
                    "Thank you for writing this. The bakery is open, and José is back at work."),
            Comment("Tomás Ibáñez", "2012-03-10T09:40:00-06:00",
                    "The same thing happened to my cousin in Kane County. Nobody told us a detainer was only a request."),
            Comment("Gwen Ashford", "2012-03-11T17:22:00-06:00",
                    "Is there a list of counties that decline detainers? I would like to bring it to our board meeting."),
        ),
        related=(178, 318),
    ),
    Post(
        filename="2012-06-ten-questions-for-your-county.html",
        site=GATES,
        post_id=318,
        slug="ten-questions-for-your-county",
        title="Ten Questions to Ask Your County About ICE",
        author="Daniel Okafor",
        author_slug="dokafor",
        published="2012-06-14T11:00:00-04:00",
        category="Know Your Rights",
        tags=("FOIA", "detainers", "local police", "ICE", "Secure Communities"),
        tag_links=None,
        description="A checklist for residents who want to know how their sheriff and police work with ICE, and the public records requests that answer it.",
        paragraphs=(
            "Residents often learn how their county works with immigration authorities only after a neighbor "
            "disappears into the system. These questions, each paired with the records that can answer it, are a "
            "way to find out first.",
            "1. When did Secure Communities start in our county, and who signed the paperwork? Ask for the "
            "activation notice and any letters exchanged with ICE or DHS.",
            "2. Did the county ever ask to opt out? Ask for every message that uses the words \"opt out\" or "
            "\"opt-out\", including those with the state identification bureau.",
            "3. How many detainers did the jail receive last year, and how many did it honor? Ask for the "
            "detainer log or the booking system report.",
            "4. Does the sheriff's office have a 287(g) agreement? Ask for the memorandum of agreement and the "
            "most recent renewal.",
            "5. Who pays for holding people on detainers? Ask for any reimbursement requests sent to ICE.",
            "The remaining five questions, about training, interpreters, release notices and complaints, are in "
            "our printable guide. When agencies withhold pages, they must cite an exemption such as (b)(5), "
            "(b)(6) or (b)(7)(E); write those down, because they are the basis for an appeal.",
        ),
        comments=(
            Comment("Marcus Lee", "2012-06-14T15:03:00-04:00",
                    "Question 3 got us a spreadsheet of 1,400 detainers in a county of 300,000. Keep asking."),
            Comment("Ana Beltrán", "2012-06-15T07:58:00-04:00",
                    "Is there a Spanish version of the guide? Our parish committee would use it."),
        ),
        related=(212, 178),
    ),
    Post(
        filename="2013-09-trust-act-heads-to-governor.html",
        site=WATCH,
        post_id=402,
        slug="trust-act-heads-to-governor",
        title="The TRUST Act Reaches the Governor: What It Would Change",
        author="Samuel Whitfield",
        author_slug="swhitfield",
        published="2013-09-12T17:30:00-07:00",
        category="Policy",
        tags=("TRUST Act", "California", "detainers", "local police", "Secure Communities"),
        tag_links=None,
        description="California's TRUST Act would limit when local jails hold people for ICE. Here is what the bill does and does not do.",
        paragraphs=(
            "After two years of hearings, amendments and one veto, California's TRUST Act is on the governor's "
            "desk again. The bill is short, but it changes how every county jail in the state answers an ICE "
            "detainer.",
            "Under the bill, a local agency could hold someone on a detainer only if that person has been "
            "convicted of, or is charged with, an offense on a list of serious crimes. For everyone else, the "
            "jail would release them when their criminal case allows, as it would anyone else.",
            "The bill does not end Secure Communities. Fingerprints would still travel from county booking "
            "stations to DHS. What changes is what the county does after ICE asks it to keep someone.",
            "Police chiefs and sheriffs are divided, but a growing number support the bill for the reason they "
            "have given since 2011: victims and witnesses stop cooperating when any contact with local police "
            "can lead to deportation.",
            "If you live in California, the governor's office counts calls. Tell them what the TRUST Act would "
            "mean in your community.",
        ),
        comments=(
            Comment("Helen Park", "2013-09-12T19:10:00-07:00",
                    "Called this morning. The line was busy for twenty minutes, which is a good sign."),
            Comment("Chief (ret.) Alan Ruiz", "2013-09-13T06:55:00-07:00",
                    "I ran a department for eleven years. A victim who is afraid of us is a case we cannot solve."),
        ),
        related=(147, 178, 265),
    ),
)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _human_date(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return f"{moment:%B} {moment.day}, {moment.year}"


def _human_time(iso: str) -> str:
    moment = datetime.fromisoformat(iso)
    return f"{_human_date(iso)} at {moment.hour % 12 or 12}:{moment:%M} {'am' if moment.hour < 12 else 'pm'}"


def _by_id(post_id: int) -> Post:
    return next(post for post in POSTS if post.post_id == post_id)


def _head(post: Post) -> str:
    charset = (
        # Only the old http-equiv form, so a reader must find the charset there.
        f'<meta http-equiv="Content-Type" content="text/html; charset={post.charset}" />'
        if post.charset != "utf-8"
        else '<meta charset="UTF-8" />'
    )
    ld = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": post.title,
        "description": post.description,
        "author": {"@type": "Person", "name": post.author, "url": f"{post.site.url}/author/{post.author_slug}/"},
        "publisher": {"@type": "Organization", "name": post.site.name, "url": post.site.url},
        "datePublished": post.published,
        "dateModified": post.published,
        "mainEntityOfPage": post.url,
        "keywords": ", ".join(post.tags),
        "articleSection": post.category,
    }
    tag_metas = "\n".join(f'<meta property="article:tag" content="{_e(tag)}" />' for tag in post.tags)
    return f"""<head>
{charset}
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{_e(post.title)} | {_e(post.site.name)}</title>
<meta name="description" content="{_e(post.description)}" />
<link rel="canonical" href="{post.url}" />
<link rel="alternate" type="application/rss+xml" title="{_e(post.site.name)} &raquo; Feed" href="{post.site.url}/feed/" />
<meta property="og:locale" content="en_US" />
<meta property="og:type" content="article" />
<meta property="og:title" content="{_e(post.title)}" />
<meta property="og:description" content="{_e(post.description)}" />
<meta property="og:url" content="{post.url}" />
<meta property="og:site_name" content="{_e(post.site.name)}" />
<meta property="article:published_time" content="{post.published}" />
<meta property="article:section" content="{_e(post.category)}" />
{tag_metas}
<meta name="generator" content="WordPress 3.5.1" />
<link rel="stylesheet" id="twentytwelve-style-css" href="{post.site.url}/wp-content/themes/twentytwelve/style.css?ver=3.5.1" type="text/css" media="all" />
<script type="text/javascript" src="{post.site.url}/wp-includes/js/jquery/jquery.js?ver=1.8.3"></script>
<script type="application/ld+json">{json.dumps(ld, ensure_ascii=False, indent=1)}</script>
</head>"""


def _header(site: Site) -> str:
    items = "\n".join(
        f'<li class="menu-item menu-item-{i}"><a href="{site.url}/{"" if label == "Home" else _slug(label) + "/"}">{_e(label)}</a></li>'
        for i, label in enumerate(site.menu, start=11)
    )
    return f"""<header id="masthead" class="site-header" role="banner">
<hgroup>
<h1 class="site-title"><a href="{site.url}/" title="{_e(site.name)}" rel="home">{_e(site.name)}</a></h1>
<h2 class="site-description">{_e(site.tagline)}</h2>
</hgroup>
<nav id="site-navigation" class="main-navigation" role="navigation">
<h3 class="menu-toggle">Menu</h3>
<a class="assistive-text" href="#content" title="Skip to content">Skip to content</a>
<div class="menu-main-container"><ul id="menu-main" class="nav-menu">
{items}
</ul></div>
</nav>
</header>"""


def _article(post: Post) -> str:
    classes = " ".join(
        [f"post-{post.post_id}", "post", "type-post", "status-publish", "format-standard", "hentry",
         f"category-{_slug(post.category)}"]
        + [f"tag-{_slug(tag)}" for tag in post.tags]
    )
    body = "\n".join(f"<p>{_e(p)}</p>" for p in post.paragraphs)
    share = "\n".join(
        f'<a class="share-{net.lower()}" href="https://share.example.com/{net.lower()}?u={post.url}" '
        f'rel="nofollow" title="Share on {net}">{net}</a>'
        for net in ("Facebook", "Twitter", "Google+", "Email")
    )
    shown_tags = post.tag_links if post.tag_links is not None else post.tags
    # The hrefs keep the real slugs even where the theme lost the link text.
    slugs = [_slug(tag) for tag in post.tags] + [_slug(shown) for shown in shown_tags[len(post.tags):]]
    tag_links = ", ".join(
        f'<a href="{post.site.url}/tag/{slug}/" rel="tag">{_e(shown)}</a>' for shown, slug in zip(shown_tags, slugs)
    )
    return f"""<article id="post-{post.post_id}" class="{classes}">
<header class="entry-header">
<h1 class="entry-title">{_e(post.title)}</h1>
<div class="entry-meta">
<span class="byline">By <span class="author vcard"><a class="url fn n" href="{post.site.url}/author/{post.author_slug}/" title="View all posts by {_e(post.author)}" rel="author">{_e(post.author)}</a></span></span>
on <a href="{post.url}" rel="bookmark"><time class="entry-date" datetime="{post.published}">{_human_date(post.published)}</time></a>
</div>
</header>
<div class="entry-content">
<div class="share-buttons">
<span class="share-label">Share This:</span>
{share}
</div>
{body}
</div>
<footer class="entry-meta">
<span class="cat-links">Posted in <a href="{post.site.url}/category/{_slug(post.category)}/" title="View all posts in {_e(post.category)}" rel="category tag">{_e(post.category)}</a></span>
<span class="tag-links">tags: {tag_links}</span>
</footer>
</article>"""


def _related(post: Post) -> str:
    items = "\n".join(
        f'<li><a href="{_by_id(pid).url}" rel="bookmark">{_e(_by_id(pid).title)}</a></li>' for pid in post.related
    )
    return f"""<div class="related-posts">
<h3>Related Posts</h3>
<ul>
{items}
</ul>
</div>"""


def _comments(post: Post) -> str:
    items = []
    for number, comment in enumerate(post.comments, start=1):
        name = (
            f'<a href="{comment.url}" rel="external nofollow" class="url">{_e(comment.author)}</a>'
            if comment.url
            else _e(comment.author)
        )
        cid = post.post_id * 10 + number
        items.append(f"""<li class="comment even thread-even depth-1" id="li-comment-{cid}">
<article id="comment-{cid}" class="comment">
<header class="comment-meta comment-author vcard">
<cite><b class="fn">{name}</b></cite>
<a href="{post.url}#comment-{cid}"><time datetime="{comment.date}">{_human_time(comment.date)}</time></a>
</header>
<section class="comment-content comment"><p>{_e(comment.text)}</p></section>
<div class="reply"><a class="comment-reply-link" href="?replytocom={cid}#respond">Reply</a></div>
</article>
</li>""")
    joined = "\n".join(items)
    return f"""<div id="comments" class="comments-area">
<h2 class="comments-title">{len(post.comments)} thoughts on &ldquo;{_e(post.title)}&rdquo;</h2>
<ol class="commentlist">
{joined}
</ol>
<div id="respond">
<h3 id="reply-title">Leave a Reply</h3>
<form action="{post.site.url}/wp-comments-post.php" method="post" id="commentform">
<p class="comment-form-author"><label for="author">Name</label> <input id="author" name="author" type="text" value="" size="30" /></p>
<p class="comment-form-comment"><label for="comment">Comment</label><textarea id="comment" name="comment" cols="45" rows="8"></textarea></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" value="Post Comment" /></p>
</form>
</div>
</div>"""


def _sidebar(post: Post) -> str:
    siblings = sorted((p for p in POSTS if p.site == post.site), key=lambda p: p.published, reverse=True)
    recent = "\n".join(f'<li><a href="{p.url}">{_e(p.title)}</a></li>' for p in siblings)
    months = sorted({p.published[:7] for p in siblings}, reverse=True)
    archives = "\n".join(
        f"<li><a href='{post.site.url}/{m[:4]}/{m[5:]}/'>{datetime.strptime(m, '%Y-%m'):%B %Y}</a></li>"
        for m in months
    )
    counts: dict[str, int] = {}
    for p in siblings:
        for tag in p.tags:
            counts[tag] = counts.get(tag, 0) + 1
    cloud = "\n".join(
        f"<a href='{post.site.url}/tag/{_slug(tag)}/' class='tag-link-{i}' title='{n} topic{'s' if n > 1 else ''}' "
        f"style='font-size: {8 + 4 * n}pt;'>{_e(tag)}</a>"
        for i, (tag, n) in enumerate(sorted(counts.items()), start=3)
    )
    return f"""<div id="secondary" class="widget-area" role="complementary">
<aside id="search-2" class="widget widget_search"><form role="search" method="get" id="searchform" action="{post.site.url}/"><input type="text" name="s" id="s" /><input type="submit" id="searchsubmit" value="Search" /></form></aside>
<aside id="recent-posts-2" class="widget widget_recent_entries"><h3 class="widget-title">Recent Posts</h3>
<ul>
{recent}
</ul></aside>
<aside id="archives-2" class="widget widget_archive"><h3 class="widget-title">Archives</h3>
<ul>
{archives}
</ul></aside>
<aside id="tag_cloud-2" class="widget widget_tag_cloud"><h3 class="widget-title">Tags</h3><div class="tagcloud">
{cloud}
</div></aside>
</div>"""


def _footer(site: Site, year: str) -> str:
    return f"""<footer id="colophon" role="contentinfo">
<div class="site-info">
&copy; {year} {_e(site.name)}. All rights reserved. | <a href="{site.url}/privacy/">Privacy</a> | <a href="https://wordpress.org/" title="Semantic Personal Publishing Platform">Proudly powered by WordPress</a>
</div>
</footer>"""


def render(post: Post) -> str:
    """The whole saved page of ``post`` as text (encode it with ``post.charset``)."""
    return f"""<!DOCTYPE html>
<!--[if IE 8]><html class="ie ie8" lang="en-US"><![endif]-->
<html lang="en-US">
{_head(post)}
<body class="single single-post postid-{post.post_id} single-format-standard">
<div id="page" class="hfeed site">
{_header(post.site)}
<div id="main" class="wrapper">
<div id="primary" class="site-content">
<div id="content" role="main">
{_article(post)}
{_related(post)}
<nav class="nav-single"><span class="nav-previous"><a href="{post.site.url}/" rel="prev">&larr; Previous post</a></span></nav>
{_comments(post)}
</div>
</div>
{_sidebar(post)}
</div>
{_footer(post.site, post.published[:4])}
</div>
<script type="text/javascript" src="{post.site.url}/wp-content/themes/twentytwelve/js/navigation.js?ver=1.0"></script>
</body>
</html>
"""


def write_posts(outdir: Path) -> list[Path]:
    """Write every post under ``outdir`` and return the paths, in ``POSTS`` order."""
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for post in POSTS:
        path = outdir / post.filename
        # Bytes, not text mode: no platform newline translation, strict encoding.
        path.write_bytes(render(post).encode(post.charset))
        paths.append(path)
    return paths
