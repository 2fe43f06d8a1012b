"""Property-based fuzzing (hypothesis) of what the site takes from strangers:
the query parser, every URL parameter, paths, Host headers, CSRF tokens,
API tokens, links and titles. Whatever comes in, the answer is a result or
a one-line 4xx, never a 500 or a traceback.

Bounded for CI (a few hundred examples per property). The longer run:

    FOIASEARCH_FUZZ_EXAMPLES=20000 .venv/bin/python -m pytest tests/test_fuzz_web.py -q
"""

from __future__ import annotations

import os
import string
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from foiasearch.search.api import Query, QueryError, open_backend
from foiasearch.search.links import safe_http_url
from foiasearch.search.whoosh.query import parse_text
from foiasearch.web import SiteSettings, create_app
from foiasearch.web.csrf import CsrfSigner
from foiasearch.web.hosts import HostAllowList, host_name
from tests.web_corpus import build_web_corpus

EXAMPLES = int(os.environ.get("FOIASEARCH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 150,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
OK_STATUSES = {200, 303, 400, 403, 404, 405, 413}

# Query texts built from the syntax's own pieces, so the parser's corners are reached.
SYNTAX = st.sampled_from(['"', "(", ")", "*", "?", "~", "^", ":", "[", "]", "{", "}", " TO ", " AND ", " OR ",
                          " NOT ", "title:", "date:", "tag:", "year:", "bates:", "from:", "-", "+", "\\", "/",
                          "opt", "out", "detainer", "2011", "~2", "^3", " ", "\x00", "é", "\u202e", "🦄"])
QUERY_TEXT = st.one_of(st.text(max_size=300), st.lists(SYNTAX, max_size=60).map("".join))
PARAM_NAMES = st.sampled_from(["q", "page", "limit", "sort", "more", "tag", "actor", "kind", "collection", "year",
                               "exemption", "category", "site", "language", "find_tag", "find_actor", "bom",
                               "evil", ""])
PARAM_VALUES = st.one_of(st.text(max_size=200), st.integers(-10**30, 10**30).map(str),
                         st.sampled_from(["relevance", "newest", "oldest", "tag", "-1", "0", "1e9", "%ZZ"]))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    location, ids = build_web_corpus(root)
    return location, ids


@pytest.fixture(scope="module")
def client(corpus):
    return create_app(corpus[0].root, settings=SiteSettings(query_seconds=5.0)).test_client()


@FUZZ
@given(text=QUERY_TEXT)
def test_query_parser_gives_a_query_or_a_query_error(text):
    try:
        parse_text(text)
    except QueryError as exc:
        assert "\n" not in str(exc).strip() or "\n" in text


@FUZZ
@given(text=QUERY_TEXT, sort=st.sampled_from(["relevance", "newest", "oldest"]))
def test_engine_search_gives_results_or_a_query_error(corpus, text, sort):
    with open_backend(corpus[0]) as backend:
        try:
            results = backend.search(Query(text, sort=sort), facets=True, suggest=True)
        except QueryError:
            return
        assert results.total >= len(results.hits)


@FUZZ
@given(params=st.lists(st.tuples(PARAM_NAMES, PARAM_VALUES), max_size=12),
       base=st.sampled_from(["/", "/api/search", "/export.csv", "/export.json"]))
def test_url_parameters_never_give_a_500(client, params, base):
    response = client.get(base + "?" + urlencode(params))
    assert response.status_code in OK_STATUSES, (params, response.status_code)


@FUZZ
@given(tail=st.text(alphabet=string.printable + "é\u202e", max_size=120),
       base=st.sampled_from(["/documents/", "/api/documents/", "/saved/", "/export.", "/static/", "/"]))
def test_paths_never_give_a_500(client, tail, base):
    response = client.get(base + tail)
    assert response.status_code in OK_STATUSES | {308}, (base + tail, response.status_code)


@FUZZ
@given(host=st.one_of(st.text(max_size=120), st.from_regex(r"[a-z0-9.\-\[\]:]{0,90}", fullmatch=True)))
def test_host_headers_get_the_page_or_a_400(client, host):
    try:
        response = client.get("/", headers={"Host": host})
    except ValueError:  # the test client itself refuses header values with newlines
        return
    assert response.status_code in (200, 400)
    assert HostAllowList().allows(host) == (response.status_code == 200) or not host.strip()


@FUZZ
@given(token=st.one_of(st.text(max_size=6000), st.integers(1, 6000).map(lambda k: "9" * k + ".ab")))
def test_csrf_check_is_a_plain_no(tmp_path_factory, token):
    signer = CsrfSigner(tmp_path_factory.getbasetemp() / "fuzz-web-secret")
    assert signer.check(token, "a-session") is False


@FUZZ
@given(form=st.dictionaries(st.sampled_from(["csrf", "name", "q", "replace", "password", "next", "tag"]),
                            st.text(max_size=300), max_size=6),
       path=st.sampled_from(["/saved", "/saved/x/delete", "/saved/x/seen", "/login", "/logout"]))
def test_forms_never_give_a_500(client, form, path):
    assert client.post(path, data=form).status_code in OK_STATUSES


@FUZZ
@given(value=st.text(max_size=300), scheme=st.sampled_from(["", "http://", "https://", "javascript:", "//", "data:"]))
def test_safe_links_are_http_or_nothing(value, scheme):
    url = safe_http_url(scheme + value)
    assert url is None or url.lower().startswith(("http://", "https://"))


@FUZZ
@given(header=st.text(max_size=400))
def test_host_name_parsing_never_raises(header):
    name = host_name(header)
    assert name is None or (len(name) <= 253 and name == name.lower())
