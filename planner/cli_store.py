"""`trellis import`, `trellis export-scenario` and `trellis db ...`: the store from the command
line. The database is `--database-url`, else `TRELLIS_DATABASE_URL`, else
`instance/trellis.sqlite3`."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from planner import store
from planner.bulk_work import without_cycle_collection
from planner.cli import main
from planner.domain import ScenarioError

# Slow imports (scenario reading and writing, with pandas) happen inside the commands that use them:
# `trellis` imports every command module at start-up (COMMAND_MODULES), and deferring them
# keeps `trellis --help` and the other commands quick to start.

EXIT_PROBLEMS = 2
WARNINGS_SHOWN = 20

database_option = click.option(
    "--database-url", envvar=store.DATABASE_URL_ENV, default=None, show_envvar=True,
    help="SQLAlchemy URL of the store (default: sqlite:///instance/trellis.sqlite3).",
)


def _where(engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def open_store_or_exit(database_url: str | None, *, writable: bool = True, migrate: bool = True):
    """The store for a command, checked and migrated (`store.open_store`); a store that cannot
    be used is one line naming it and saying what to do, and exit status 2."""
    try:
        return store.open_store(database_url, writable=writable, migrate=migrate)
    except store.StoreUnavailable as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(EXIT_PROBLEMS)


@contextmanager
def _database_errors_explained(engine):
    """A database that cannot be reached or used is a message, not a traceback."""
    try:
        yield
    except SQLAlchemyError as error:
        raise click.ClickException(
            f"cannot use the database at {_where(engine)}: {getattr(error, 'orig', None) or error}") from None
    finally:
        engine.dispose()


def _refuse(problems: list, what: str) -> None:
    for problem in problems:
        click.echo(f"  {problem.describe()}", err=True)
    noun = "problem" if len(problems) == 1 else "problems"
    click.echo(f"{what}: {len(problems)} {noun}. Nothing was imported; the database is unchanged.",
               err=True)
    sys.exit(EXIT_PROBLEMS)


def _show_warnings(warnings: list, show_all: bool) -> None:
    shown = warnings if show_all else warnings[:WARNINGS_SHOWN]
    for warning in shown:
        click.echo(f"  warning: {warning.describe()}", err=True)
    if len(warnings) > len(shown):
        click.echo(f"  ... and {len(warnings) - len(shown)} more warnings (--all-warnings lists them)",
                   err=True)


@main.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@database_option
@click.option("--actor", default="cli", show_default=True, help="Who is importing (for the audit trail).")
@click.option("--all-warnings", is_flag=True, help=f"List every warning (default: the first {WARNINGS_SHOWN}).")
def import_command(path: Path, database_url: str | None, actor: str, all_warnings: bool) -> None:
    """Validate the scenario at PATH (a CSV folder, .xlsx workbook or scenario.json) and store
    it, replacing the stored scenario in one transaction.

    On any problem every problem is listed, the exit status is 2 and the database is left
    exactly as it was."""
    from planner.scenario_io import read_scenario

    started = time.perf_counter()
    try:
        with without_cycle_collection():
            result = read_scenario(path)
    except ScenarioError as error:
        _refuse(error.problems, f"{path} cannot be imported")
    _show_warnings(result.warnings, all_warnings)
    read_seconds = time.perf_counter() - started

    engine = open_store_or_exit(database_url)
    try:
        counts = store.save_scenario(engine, result.scenario, actor=actor)
    except SQLAlchemyError as error:
        click.echo(f"The database at {_where(engine)} refused the import: "
                   f"{error.__class__.__name__}: {getattr(error, 'orig', error)}", err=True)
        click.echo("Nothing was imported; the database is unchanged.", err=True)
        sys.exit(EXIT_PROBLEMS)
    finally:
        engine.dispose()
    total = time.perf_counter() - started
    summary = ", ".join(f"{count} {name}" for name, count in counts.items())
    click.echo(f"Imported {summary} into {_where(engine)} "
               f"(read and checked in {read_seconds:.1f} s, {total:.1f} s in all).")


@main.command("export-scenario")
@click.argument("out", type=click.Path(path_type=Path))
@database_option
def export_scenario_command(out: Path, database_url: str | None) -> None:
    """Write the stored scenario to OUT: a CSV folder, or one JSON document when OUT ends in
    .json. Round-trips with `trellis import`."""
    from planner.scenario_io import write_scenario_csv, write_scenario_json

    engine = open_store_or_exit(database_url, writable=False, migrate=False)
    with _database_errors_explained(engine):
        if store.current_revision(engine) is None:
            raise click.ClickException(f"{_where(engine)} holds no Trellis data: run `trellis import` first.")
        scenario = store.load_scenario(engine)
    if scenario is None:
        raise click.ClickException(f"{_where(engine)} holds no scenario: run `trellis import` first.")
    if out.suffix.lower() == ".json":
        write_scenario_json(scenario, out)
    else:
        write_scenario_csv(scenario, out)
    click.echo(f"Wrote {len(scenario.people)} people, {len(scenario.teams)} teams and "
               f"{len(scenario.opportunities)} opportunities to {out}.")


@main.group("db")
def db_group() -> None:
    """Manage the store's database schema."""


@db_group.command("upgrade")
@database_option
def db_upgrade_command(database_url: str | None) -> None:
    """Create or migrate the database schema to the newest revision (safe to repeat)."""
    engine = open_store_or_exit(database_url, migrate=False)
    with _database_errors_explained(engine):
        before = store.current_revision(engine)
        after = store.upgrade(engine)
    if before == after:
        click.echo(f"{_where(engine)} is already at revision {after}.")
    else:
        click.echo(f"Upgraded {_where(engine)} from revision {before or '(empty)'} to {after}.")


@db_group.command("status")
@database_option
def db_status_command(database_url: str | None) -> None:
    """Show the schema revision and what the stored scenario holds."""
    engine = open_store_or_exit(database_url, writable=False, migrate=False)
    click.echo(f"database: {_where(engine)}")
    with _database_errors_explained(engine):
        revision = store.current_revision(engine)
        click.echo(f"schema revision: {revision or '(empty)'} (newest: {store.head_revision()})")
        info = store.scenario_info(engine) if revision else None
    if info is None:
        click.echo("scenario: none imported")
        return
    click.echo(f"scenario: revision {info['revision']}, imported {info['imported_at']:%Y-%m-%d %H:%M} UTC "
               f"by {info['imported_by']}")
    for name, count in info["counts"].items():
        click.echo(f"  {name}: {count}")
