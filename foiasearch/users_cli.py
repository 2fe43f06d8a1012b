"""``foiasearch users ...``: the site's accounts and API tokens (web.accounts).

    foiasearch users add ana --role editor        # asks for the password twice
    foiasearch users list
    foiasearch users passwd ana                   # ends ana's sessions
    foiasearch users token ana --label scripts    # prints a new API token once
    foiasearch users rm ana

Scripts can pipe the password: ``--password-stdin`` reads one line.
Errors are one line on standard error and exit status 1.
"""

from __future__ import annotations

import json
import sys

import click

from foiasearch.config import ConfigError, resolve_location
from foiasearch.web.accounts import ROLES, AccountError, AccountStore, accounts_path

index_option = click.option(
    "--index", "index_dir", metavar="DIR", envvar="FOIASEARCH_INDEX",
    help="Index folder whose site the accounts are for (default: ./.foiasearch, or $FOIASEARCH_INDEX).",
)
password_stdin = click.option("--password-stdin", is_flag=True,
                              help="Read the password from the first line of standard input.")


def _store(index_dir: str | None) -> AccountStore:
    try:
        return AccountStore(accounts_path(resolve_location(index_dir).root))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _run(action) -> None:
    try:
        action()
    except AccountError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"{exc.filename or 'users.db'}: {exc.strerror or exc}") from None


@click.group("users")
def users_group() -> None:
    """Accounts for 'foiasearch serve': reader, editor or admin.

    With no account, the site answers only on this machine (or, with
    --public, anonymous read-only); once one exists, visitors sign in.
    """


@users_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="reader", show_default=True,
              help="reader: search and read; editor: also save and delete searches; admin: as editor.")
@password_stdin
@index_option
def add_command(name, role, password_stdin, index_dir) -> None:
    """Add an account."""
    store = _store(index_dir)
    _run(lambda: store.add(name, role, _password(password_stdin)))
    click.echo(f"Added {name} ({role})")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@index_option
def list_command(as_json, index_dir) -> None:
    """List the accounts with their roles and number of API tokens."""
    store = _store(index_dir)
    rows = []
    _run(lambda: rows.extend({"name": u.name, "role": u.role, "created_at": u.created_at,
                              "tokens": len(store.tokens(u.name))} for u in store.users()))
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("No accounts: the site answers only on this machine, or read-only with --public.")
    for row in rows:
        click.echo(f"{row['name']}  {row['role']}  since {row['created_at']}  {row['tokens']} API tokens")


@users_group.command("rm")
@click.argument("name")
@index_option
def rm_command(name, index_dir) -> None:
    """Remove an account, its API tokens and its sessions."""
    store = _store(index_dir)
    _run(lambda: store.remove(name))
    click.echo(f"Removed {name}")


@users_group.command("passwd")
@click.argument("name")
@password_stdin
@index_option
def passwd_command(name, password_stdin, index_dir) -> None:
    """Set a new password (the account's sessions end)."""
    store = _store(index_dir)
    _run(lambda: store.set_password(name, _password(password_stdin)))
    click.echo(f"Password changed for {name}")


@users_group.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@index_option
def role_command(name, role, index_dir) -> None:
    """Change an account's role (its sessions end)."""
    store = _store(index_dir)
    _run(lambda: store.set_role(name, role))
    click.echo(f"{name} is now {role}")


@users_group.command("token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (shown by 'users list').")
@click.option("--revoke", is_flag=True, help="Revoke all of NAME's tokens instead.")
@index_option
def token_command(name, label, revoke, index_dir) -> None:
    """Print a new API token for NAME (shown once), for the JSON API:

        curl -H "Authorization: Bearer fst_..." http://127.0.0.1:8080/api/search?q=detainer
    """
    store = _store(index_dir)
    if revoke:
        count = []
        _run(lambda: count.append(store.revoke_tokens(name)))
        click.echo(f"Revoked {count[0]} tokens of {name}")
        return
    token = []
    _run(lambda: token.append(store.new_token(name, label)))
    click.echo(token[0])
