"""Accounts, roles, sessions, API tokens and public mode (issue 17), through
Flask's test client on the web corpus, and `foiasearch users` / `serve` on
the command line."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys

import pytest

from foiasearch.web import SiteSettings, create_app
from foiasearch.web.accounts import AccountStore, accounts_path
from tests.web_corpus import build_web_corpus

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("accounts")
    location, ids = build_web_corpus(root)
    return root, location, ids


@pytest.fixture()
def accounts(corpus):
    store = AccountStore(accounts_path(corpus[1].root))
    for user in store.users():
        store.remove(user.name)
    with sqlite3.connect(store.path) as db:  # failed sign-ins of earlier tests (web.throttle) are forgotten
        db.execute("DROP TABLE IF EXISTS login_failures")
    store.add("rita", "reader", PASSWORD)
    store.add("ed", "editor", PASSWORD)
    yield store
    for user in store.users():
        store.remove(user.name)


def client_for(corpus, **settings):
    return create_app(corpus[1].root, settings=SiteSettings(**settings)).test_client()


def token_of(client, url="/login") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)


def login(client, name, password=PASSWORD, target="/"):
    return client.post("/login", data={"csrf": token_of(client), "name": name, "password": password,
                                       "next": target})


# -- open local mode -----------------------------------------------------------------------
def test_without_accounts_the_site_is_open_on_loopback_only(corpus):
    client = client_for(corpus)
    assert client.get("/?q=opt+out").status_code == 200
    assert 'name="csrf"' in client.get("/?q=opt+out").get_data(as_text=True)  # the save form
    remote = client.get("/?q=opt+out", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert remote.status_code == 403 and b"users add" in remote.data


# -- accounts ----------------------------------------------------------------------------------
def test_with_accounts_everything_but_the_login_page_needs_signing_in(corpus, accounts):
    client = client_for(corpus)
    response = client.get("/?q=opt+out")
    assert response.status_code == 303 and response.headers["Location"].startswith("/login?next=/")
    assert client.get("/api/search?q=opt").status_code == 401
    assert client.get(f"/documents/{corpus[2]['release']}").status_code == 303
    assert client.get("/export.csv?q=opt").status_code == 303
    assert client.get("/saved/x.atom").status_code == 303
    assert client.get("/login").status_code == 200


def test_wrong_password_or_unknown_name_is_refused_alike(corpus, accounts):
    client = client_for(corpus)
    wrong = login(client, "rita", "not the password")
    unknown = login(client, "nobody", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert b"Wrong account name or password" in wrong.data and b"Wrong account name or password" in unknown.data
    assert client.get("/").status_code == 303


def test_session_cookie_is_httponly_samesite_and_secure_over_https(corpus, accounts):
    client = client_for(corpus)
    response = login(client, "rita", target="/?q=opt")
    assert response.status_code == 303 and response.headers["Location"] == "/?q=opt"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    other = client_for(corpus)
    secure = other.post("/login", base_url="https://localhost", data={
        "csrf": token_of(other), "name": "rita", "password": PASSWORD})
    assert "Secure" in secure.headers["Set-Cookie"]
    behind_proxy = client_for(corpus, secure_cookies=True)
    assert "Secure" in login(behind_proxy, "rita").headers["Set-Cookie"]


def test_login_never_redirects_off_site(corpus, accounts):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert login(client_for(corpus), "rita", target=target).headers["Location"] == "/"


def test_reader_reads_but_cannot_save_or_delete(corpus, accounts):
    client = client_for(corpus)
    login(client, "rita")
    page = client.get("/?q=opt+out").get_data(as_text=True)
    assert "3 documents" in page and 'action="/saved"' not in page and "rita (reader)" in page
    form = {"csrf": token_of(client), "name": "mine", "q": "opt out"}
    assert client.post("/saved", data=form).status_code == 403
    assert client.post("/saved/mine/delete", data={"csrf": token_of(client)}).status_code == 403


def test_editor_saves_and_deletes_then_logs_out(corpus, accounts):
    client = client_for(corpus)
    login(client, "ed")
    token = token_of(client, "/?q=opt+out")
    assert client.post("/saved", data={"csrf": token, "name": "eds", "q": "opt out"}).status_code == 303
    assert "eds" in client.get("/saved").get_data(as_text=True)
    assert client.post("/saved/eds/delete", data={"csrf": token, "confirm": "1"}).status_code == 303
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert client.get("/saved").status_code == 303  # signed out: back to the login page


def test_csrf_tokens_are_bound_to_the_session(corpus, accounts):
    editor, other_editor = client_for(corpus), client_for(corpus)
    login(editor, "ed")
    login(other_editor, "ed")  # the same account, another browser
    token = token_of(editor, "/?q=opt+out")
    # Leaked to another session (even of the same account): refused.
    assert other_editor.post("/saved", data={"csrf": token, "name": "leak", "q": "opt"}).status_code == 400
    assert other_editor.post("/logout", data={"csrf": token}).status_code == 400
    # A token from before signing in is refused after it: signing in starts a new session.
    before = client_for(corpus)
    old_token = token_of(before)
    login(before, "ed")
    assert before.post("/saved", data={"csrf": old_token, "name": "old", "q": "opt"}).status_code == 400
    # After signing out, the session's tokens are worthless.
    assert editor.post("/logout", data={"csrf": token}).status_code == 303
    login(editor, "ed")
    assert editor.post("/saved", data={"csrf": token, "name": "stale", "q": "opt"}).status_code == 400
    assert editor.post("/saved", data={"csrf": token_of(editor, "/?q=opt"), "name": "fresh", "q": "opt"}).status_code == 303


def test_without_accounts_a_token_is_bound_to_the_visitors_cookie(corpus):
    owner, stranger = client_for(corpus), client_for(corpus)
    token = token_of(owner, "/?q=opt+out")  # open local mode: the save form for everyone on this machine
    assert owner.get_cookie("foiasearch_session") is not None
    assert stranger.post("/saved", data={"csrf": token, "name": "x", "q": "opt"}).status_code == 400
    response = owner.post("/saved", data={"csrf": token, "name": "mine", "q": "opt"})
    assert response.status_code == 303
    owner.post("/saved/mine/delete", data={"csrf": token_of(owner, "/saved"), "confirm": "1"})


def test_password_change_or_removal_ends_sessions(corpus, accounts):
    client = client_for(corpus)
    login(client, "rita")
    assert client.get("/").status_code == 200
    accounts.set_password("rita", "another long password")
    assert client.get("/").status_code == 303
    login(client, "ed")
    accounts.remove("ed")
    assert client.get("/").status_code == 303


def test_api_tokens_open_the_json_api(corpus, accounts):
    client = client_for(corpus)
    token = accounts.new_token("rita", "tests")
    found = client.get("/api/search?q=opt+out", headers={"Authorization": f"Bearer {token}"})
    assert found.status_code == 200 and found.get_json()["total"] == 3
    for bad in (f"Bearer {token}x", "Bearer ", "Basic cml0YTpwdw==", "Bearer " + "x" * 5000):
        response = client.get("/api/search?q=opt", headers={"Authorization": bad})
        assert response.status_code == 401 and "WWW-Authenticate" in response.headers
    accounts.revoke_tokens("rita")
    assert client.get("/api/search?q=opt", headers={"Authorization": f"Bearer {token}"}).status_code == 401


# -- public mode --------------------------------------------------------------------------------
def test_public_mode_reads_anonymously_and_writes_nothing(corpus):
    client = client_for(corpus, public=True)
    page = client.get("/?q=opt+out").get_data(as_text=True)
    assert "3 documents" in page and 'action="/saved"' not in page and "Log in" in page
    assert client.post("/saved", data={"csrf": "x", "name": "n", "q": "opt"}).status_code == 403
    assert client.get("/saved").status_code == 403


def test_public_mode_shows_no_server_path(corpus):
    root, location, ids = corpus
    client = client_for(corpus, public=True)
    server = str(root)
    for url in ("/?q=opt+out", "/api/search?q=opt+out", f"/documents/{ids['release']}",
                f"/api/documents/{ids['release']}", "/export.json?q=opt", "/export.csv?q=opt"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert server not in response.get_data(as_text=True), url
    assert "scomm-emails.pdf" in client.get(f"/documents/{ids['release']}").get_data(as_text=True)
    missing = create_app(root / "no-index-here", settings=SiteSettings(public=True)).test_client().get("/")
    assert missing.status_code == 503 and server not in missing.get_data(as_text=True)


def test_public_originals_only_when_allowed(corpus):
    url = f"/documents/{corpus[2]['release']}/original"
    assert client_for(corpus, public=True).get(url).status_code == 403
    assert client_for(corpus, public=True, public_originals=True).get(url).status_code == 200


def test_public_exports_are_bounded(corpus):
    client = client_for(corpus, public=True, anonymous_export_rows=5)
    data = client.get("/export.json?q=").get_json()
    assert len(data["rows"]) == 5 and data["meta"]["rows_limit"] == 5 and data["meta"]["total"] > 5


# -- command line ----------------------------------------------------------------------------------
def run_cli(*args, stdin: str | None = None):
    return subprocess.run([sys.executable, "-m", "foiasearch", *args], input=stdin, capture_output=True, text=True)


def test_users_command_line(tmp_path):
    ix = str(tmp_path / "ix")
    added = run_cli("users", "add", "ana", "--role", "editor", "--password-stdin", "--index", ix,
                    stdin=PASSWORD + "\n")
    assert added.returncode == 0 and "Added ana (editor)" in added.stdout
    assert run_cli("users", "add", "ana", "--password-stdin", "--index", ix, stdin=PASSWORD + "\n").stderr \
        .strip() == "Error: an account named 'ana' exists"
    short = run_cli("users", "add", "bo", "--password-stdin", "--index", ix, stdin="short\n")
    assert short.returncode == 1 and "too short" in short.stderr and "Traceback" not in short.stderr
    token = run_cli("users", "token", "ana", "--index", ix).stdout.strip()
    assert token.startswith("fst_")
    listed = run_cli("users", "list", "--json", "--index", ix)
    assert '"tokens": 1' in listed.stdout and PASSWORD not in (tmp_path / "ix" / "users.db").read_bytes().decode(
        "latin-1") and token not in (tmp_path / "ix" / "users.db").read_bytes().decode("latin-1")
    assert (tmp_path / "ix" / "users.db").stat().st_mode & 0o077 == 0
    assert run_cli("users", "rm", "ana", "--index", ix).returncode == 0
    assert run_cli("users", "rm", "ana", "--index", ix).stderr.strip() == "Error: no account named 'ana'"


def test_serve_refuses_the_network_without_accounts_or_public(tmp_path):
    result = run_cli("serve", "--host", "0.0.0.0", "--index", str(tmp_path / "ix"))
    assert result.returncode == 1 and "no account exists" in result.stderr and "Traceback" not in result.stderr
    result = run_cli("serve", "--public-originals", "--index", str(tmp_path / "ix"))
    assert result.returncode == 1 and "--public-originals needs --public" in result.stderr


def test_password_guessing_is_slowed_down(corpus, accounts):
    client = client_for(corpus)
    statuses = [login(client, "ed", f"guess number {n}").status_code for n in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    assert b"Too many failed attempts" in login(client, "ed").data  # even the right password waits
    assert login(client, "rita").status_code == 429  # the same address, another name
    # Another worker process (another app) sees the same count: it is kept in users.db.
    assert login(client_for(corpus), "rita").status_code == 429
    elsewhere = client_for(corpus)
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert login(elsewhere, "rita", target="/x").status_code == 303  # another address, another name
    assert login(client_for(corpus), "ed").status_code == 429  # ed waits whatever the worker


def test_a_failed_sign_in_counts_in_every_worker(corpus, accounts):
    workers = [client_for(corpus) for _ in range(3)]
    for n in range(5):
        assert login(workers[n % 3], "ed", f"guess {n}").status_code == 401
    assert [login(w, "ed").status_code for w in workers] == [429, 429, 429]


def test_sign_in_is_refused_not_unthrottled_when_the_count_cannot_be_kept(corpus, accounts):
    client = client_for(corpus)
    token = token_of(client)
    with sqlite3.connect(corpus[1].root / "users.db") as db:  # a table the throttle cannot use
        db.execute("CREATE TABLE login_failures (something_else TEXT)")
    response = client.post("/login", data={"csrf": token, "name": "ed", "password": "a wrong guess"})
    assert response.status_code == 503 and b"Signing in is unavailable" in response.data
