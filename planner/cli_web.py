"""`trellis serve`, `trellis users add|list|remove` and `trellis demo`: the web app from the
command line. The database is `--database-url`, else `TRELLIS_DATABASE_URL`, else
`instance/trellis.sqlite3`; the app's secret key is generated once into `instance/secret_key`."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click

from planner import store
from planner.cli import main
from planner.cli_numbers import PORT, whole
from planner.cli_store import open_store_or_exit
from planner.store.users import email_address_problem, get_user_by_name, set_email

# Slow imports (the Flask app, waitress, password hashing) happen inside the commands that use them:
# `trellis` imports every command module at start-up (COMMAND_MODULES), and deferring them
# keeps `trellis --help` and the other commands quick to start.

EXIT_PROBLEMS = 2
DEFAULT_SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
# Every role an account can have (web.security.ROLES, not imported here: it loads Flask); the
# demo makes one account of each.
ACCOUNT_ROLES = DEMO_ROLES = ("staff", "hr", "emergency", "admin", "manager")

database_option = click.option(
    "--database-url", envvar=store.DATABASE_URL_ENV, default=None, show_envvar=True,
    help="SQLAlchemy URL of the store (default: sqlite:///instance/trellis.sqlite3).",
)


def _serve(database_url: str | None, host: str, port: int, threads: int, trusted_proxy: str | None = None) -> None:
    """Start the app under waitress (a production WSGI server), in production mode, believing
    X-Forwarded-* headers only from the `trusted_proxy` addresses (comma-separated)."""
    # Imported here so `trellis --help` and the planning commands do not load Flask and waitress.
    import logging

    from web import create_app
    from web.serving import TrustedProxyError, make_server, trusted_proxy_addresses

    try:
        proxies = trusted_proxy_addresses(trusted_proxy)
    except TrustedProxyError as error:
        click.echo(f"Not started: {error}.", err=True)
        sys.exit(EXIT_PROBLEMS)
    # Sign-ins, sign-outs and refusals are logged by account number, never by name.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    engine = open_store_or_exit(database_url)
    app = create_app({"PRODUCTION": True, "ENGINE": engine})
    server = make_server(app, host, port, threads, proxies)
    behind = f"; forwarded headers trusted from {', '.join(proxies)}" if proxies else ""
    click.echo(f"Trellis is serving on http://{host}:{port}/{behind} (press Ctrl+C to stop)")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


trusted_proxy_option = click.option(
    "--trusted-proxy", envvar="TRELLIS_TRUSTED_PROXY", default=None, show_envvar=True,
    help="Comma-separated IP addresses of the TLS-terminating proxy in front of this server; "
         "X-Forwarded-For/Proto/Host are believed from these addresses only (default: none).",
)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=PORT, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, type=whole(1, 64), help="Worker threads.")
@trusted_proxy_option
@database_option
def serve_command(host: str, port: int, threads: int, trusted_proxy: str | None, database_url: str | None) -> None:
    """Serve the web app with waitress. Upgrades the database schema first (safe to repeat)."""
    _serve(database_url, host, port, threads, trusted_proxy)


@main.group("users")
def users_group() -> None:
    """Manage sign-in accounts (roles: staff, hr, emergency, admin, manager)."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ACCOUNT_ROLES), help="What the account may do.")
@click.option("--person", "person_id", default=None, help="The person a staff account is linked to (required for staff).")
@click.option("--team", "teams", multiple=True,
              help="A team a manager account manages (required for managers; repeat for several).")
@click.option("--email", default=None, help="Where the account's notifications are emailed when TRELLIS_SMTP_URL is set (optional).")
@database_option
def users_add(name: str, role: str, person_id: str | None, teams: tuple[str, ...], email: str | None,
              database_url: str | None) -> None:
    """Add account NAME. The password is read from standard input (one line; at least 12
    characters, not a common or easily guessed one; long passphrases welcome), so it never
    appears in the shell history or the process list."""
    from web.auth import AccountError, create_account

    if email and email_address_problem(email):
        click.echo(f"Account not added: {email_address_problem(email)}.", err=True)
        sys.exit(EXIT_PROBLEMS)
    password = sys.stdin.readline().rstrip("\r\n")
    engine = open_store_or_exit(database_url)
    if person_id is not None and store.get_person(engine, person_id) is None:
        click.echo(f"No person {person_id!r} in the stored scenario; import it first or check the id.", err=True)
        sys.exit(EXIT_PROBLEMS)
    try:
        user_id = create_account(engine, name, password, role, person_id=person_id, actor="cli", teams=teams)
    except AccountError as error:
        click.echo(f"Account not added: {error}.", err=True)
        sys.exit(EXIT_PROBLEMS)
    if email:
        set_email(engine, user_id, email, actor="cli")
    managing = f", teams {', '.join(teams)}" if teams else ""
    click.echo(f"Added account {name} ({role}{', person ' + person_id if person_id else ''}{managing}).")


@users_group.command("list")
@database_option
def users_list(database_url: str | None) -> None:
    """List accounts: name, role, linked person."""
    from web.auth import list_accounts

    engine = open_store_or_exit(database_url)
    accounts = list_accounts(engine)
    if not accounts:
        click.echo("No accounts yet. Add one with: trellis users add NAME --role admin")
        return
    click.echo(f"{'name':<24} {'role':<10} person")
    for account in accounts:
        click.echo(f"{account.username:<24} {account.role:<10} {account.person_id or '-'}")


@users_group.command("email")
@click.argument("name")
@click.argument("address", required=False, default="")
@database_option
def users_email(name: str, address: str, database_url: str | None) -> None:
    """Set the address account NAME's notifications are emailed to; without ADDRESS, remove it."""
    if address and email_address_problem(address):
        click.echo(f"Not changed: {email_address_problem(address)}.", err=True)
        sys.exit(EXIT_PROBLEMS)
    engine = open_store_or_exit(database_url)
    user = get_user_by_name(engine, name)
    if user is None:
        click.echo(f"Not changed: there is no account named {name!r}.", err=True)
        sys.exit(EXIT_PROBLEMS)
    set_email(engine, user.id, address or None, actor="cli")
    click.echo(f"Email of {name} {'set' if address else 'removed'}.")


@users_group.command("remove")
@click.argument("name")
@database_option
def users_remove(name: str, database_url: str | None) -> None:
    """Remove account NAME (its sessions end at once)."""
    from web.auth import AccountError, remove_account

    engine = open_store_or_exit(database_url)
    try:
        remove_account(engine, name, actor="cli")
    except AccountError as error:
        click.echo(f"Not removed: {error}.", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"Removed account {name}.")


def demo_staff_person(scenario) -> str:
    """The person the demo's staff account is linked to: the first available person with both
    aspirations and ranked preferences (so every page shows something), else the first person."""
    for wanted in (lambda p: p.aspirations and p.preferences, lambda p: p.preferences):
        for person in scenario.people:
            if person.available and wanted(person):
                return person.person_id
    return scenario.people[0].person_id


def prepare_demo(engine, sample: Path) -> tuple[dict[str, str], bool]:
    """Upgrade the store, import `sample` when no scenario is stored, and give one account per
    role a fresh random password (creating the accounts when missing). Returns the passwords
    by account name and whether the sample was imported."""
    from planner.scenario_io import read_scenario
    from web.auth import create_account, hash_password

    store.upgrade(engine)
    imported = False
    scenario = store.load_scenario(engine)
    if scenario is None:
        scenario = read_scenario(sample).scenario
        store.save_scenario(engine, scenario, actor="demo")
        imported = True
    passwords: dict[str, str] = {}
    staff_person = demo_staff_person(scenario)
    for role in DEMO_ROLES:
        name = f"demo-{role}"
        password = secrets.token_urlsafe(12)
        person_id = staff_person if role == "staff" else None
        # The demo line manager manages the demo staff member's team, so both sides can be tried.
        teams = (scenario.person_by_id[staff_person].team_id,) if role == "manager" else ()
        existing = store.get_user_by_name(engine, name)
        if existing is None:
            create_account(engine, name, password, role, person_id=person_id, actor="demo", teams=teams)
        else:
            store.set_password_hash(engine, existing.id, hash_password(password), actor="demo")
            if role == "staff" and existing.person_id not in scenario.person_by_id:
                store.link_person(engine, existing.id, person_id, actor="demo")
        passwords[name] = password
    return passwords, imported


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=PORT)
@click.option("--sample", type=click.Path(exists=True, path_type=Path), default=DEFAULT_SAMPLE,
              show_default="data/sample", help="Scenario imported when the store is empty.")
@click.option("--no-serve", is_flag=True, help="Prepare the data and accounts, then exit.")
@database_option
def demo_command(host: str, port: int, sample: Path, no_serve: bool, database_url: str | None) -> None:
    """Load the bundled sample data (when the store is empty), create one account per role with a
    fresh random password printed once, and serve the app."""
    from planner.domain import ScenarioError

    engine = open_store_or_exit(database_url)
    try:
        passwords, imported = prepare_demo(engine, sample)
    except ScenarioError as error:
        for problem in error.problems:
            click.echo(f"  {problem.describe()}", err=True)
        click.echo(f"The sample at {sample} cannot be imported.", err=True)
        sys.exit(EXIT_PROBLEMS)
    if imported:
        counts = store.scenario_counts(engine)
        click.echo(f"Imported the sample scenario: {counts['people']} people, {counts['opportunities']} opportunities.")
    else:
        click.echo("A scenario is already stored; it was kept.")
    click.echo("Demo accounts (passwords are new each run; note them now, they are not shown again):")
    for name, password in passwords.items():
        click.echo(f"  {name:<16} {password}")
    if not no_serve:
        _serve(database_url, host, port, threads=8)
