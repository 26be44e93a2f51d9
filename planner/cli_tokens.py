"""`trellis tokens add|list|revoke`: API tokens for connected systems (see docs/api.md).

A token is printed once, when it is made, as the last line of `tokens add` (so a script can take
it with `tail -n 1`); the store keeps only its hash."""

from __future__ import annotations

import sys

import click

from planner import store
from planner.cli import EXIT_PROBLEMS, main
from planner.cli_store import _database_errors_explained, database_option, open_store_or_exit
from planner.store.api_tokens import TokenNameTaken, issue_token, list_tokens, revoke_token
from planner.store.tables import TOKEN_ROLES


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_PROBLEMS)


@main.group("tokens")
def tokens_group() -> None:
    """API tokens: add, list, revoke."""


@tokens_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(TOKEN_ROLES), help="What the token may do, as an account of this role.")
@click.option("--person", "person_id", default=None, help="The person a staff token reads (required for staff).")
@click.option("--actor", default="cli", show_default=True, help="Who is making the token (for the audit trail).")
@database_option
def add_command(name: str, role: str, person_id: str | None, actor: str, database_url: str | None) -> None:
    """Make a token called NAME and print it once (its last line is the token)."""
    engine = open_store_or_exit(database_url)
    with _database_errors_explained(engine):
        if person_id is not None and store.get_person(engine, person_id) is None:
            _fail(f"--person {person_id!r}: no such person in the stored scenario")
        try:
            issued = issue_token(engine, name, role, person_id=person_id, actor=actor)
        except (TokenNameTaken, ValueError) as error:
            _fail(str(error))
    linked = f" for person {issued.token.person_id}" if issued.token.person_id else ""
    click.echo(f"Token {issued.token.name!r} ({issued.token.role}{linked}) made. It is shown only now: "
               "keep it in the connected system's secret store.")
    click.echo(issued.secret)


@tokens_group.command("list")
@database_option
def list_command(database_url: str | None) -> None:
    """Every token: name, role, person, made when and by whom, last used, revoked."""
    engine = open_store_or_exit(database_url)
    with _database_errors_explained(engine):
        tokens = list_tokens(engine)
    if not tokens:
        click.echo("No API tokens. Make one with `trellis tokens add NAME --role ROLE`.")
        return
    header = ("name", "role", "person", "created", "by", "last used", "status")
    rows = [(t.name, t.role, t.person_id or "-", f"{t.created_at:%Y-%m-%d %H:%M}", t.created_by,
             f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never",
             f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "live") for t in tokens]
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())


@tokens_group.command("revoke")
@click.argument("name")
@click.option("--actor", default="cli", show_default=True, help="Who is revoking (for the audit trail).")
@database_option
def revoke_command(name: str, actor: str, database_url: str | None) -> None:
    """Refuse the token called NAME from now on."""
    engine = open_store_or_exit(database_url)
    with _database_errors_explained(engine):
        try:
            token = revoke_token(engine, name, actor=actor)
        except store.NotFound:
            _fail(f"no token named {name!r} (`trellis tokens list` shows them)")
    click.echo(f"Token {token.name!r} is revoked: requests carrying it are refused from now on.")
