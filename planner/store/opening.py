"""Opening the store for a command or a server: a store that cannot be used is one clear
sentence naming it and saying what to do, never a traceback, a 30 s wait or a server that
answers 500.

`open_store` is the one way the command line (serve, demo, import, export-scenario, db, users)
opens the store. Before it hands out an engine it checks, each rule a small function below:
- `store_is_reachable`: the file (or server) can be opened as a database at all;
- `store_is_intact`: on SQLite, `PRAGMA quick_check` finds no damaged page;
- `store_is_writable`: the store accepts writes and its write lock is free within a few seconds;
- the schema is migrated to the newest revision (only when it is not there already).
"""

from __future__ import annotations

import sqlite3

from alembic.util.exc import CommandError
from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from planner.store.engine import (
    current_revision,
    database_url,
    head_revision,
    make_engine,
    sqlite_file,
    upgrade,
)

# How long a command waits at start for a lock held by another program before saying so.
START_LOCK_WAIT_S = 3.0
# How long a command waits for a PostgreSQL server to answer before saying it cannot be reached.
CONNECT_TIMEOUT_S = 5
HOW_TO_CHOOSE = "--database-url (or TRELLIS_DATABASE_URL)"


class StoreUnavailable(RuntimeError):
    """The store cannot be used. The message is one line: which store, what is wrong, what to do."""


def store_name(url: str | URL) -> str:
    """How messages name a store: the SQLite file's full path, else the URL without its password."""
    parsed = make_url(url)
    file = sqlite_file(parsed) if parsed.get_backend_name() == "sqlite" else None
    if file is not None:
        return str(file.resolve())
    return parsed.render_as_string(hide_password=True)


def open_store(url: str | None = None, *, writable: bool = True, migrate: bool = True) -> Engine:
    """An engine on a store that is fit to use, or StoreUnavailable saying why not.

    `writable`: the command will write (serving, importing): a read-only or write-locked store
    is refused. `migrate`: bring the schema to the newest revision first. The checks run on a
    separate engine that waits only `START_LOCK_WAIT_S` for locks; the engine returned waits the
    usual 30 s, so concurrent writers queue while the server runs."""
    url = database_url(url)
    name = store_name(url)
    # An in-memory database lives as long as its engine: check and hand out the same one.
    in_memory = make_url(url).get_backend_name() == "sqlite" and make_url(url).database in (None, "", ":memory:")
    try:
        probe = make_engine(url) if in_memory else _probe_engine(url)
    except OSError as error:
        raise StoreUnavailable(
            f"cannot create the folder of the store {name}: {_sentence(error)} "
            f"Create the folder, or choose another place with {HOW_TO_CHOOSE}.") from None
    try:
        store_is_reachable(probe)
        store_is_intact(probe, name)
        if writable:
            store_is_writable(probe, name)
        if migrate and current_revision(probe) != head_revision():
            upgrade(probe)
    except StoreUnavailable:
        raise
    except (SQLAlchemyError, sqlite3.Error) as error:
        raise StoreUnavailable(explain(error, name, is_sqlite=probe.dialect.name == "sqlite")) from None
    except CommandError as error:
        raise StoreUnavailable(
            f"cannot bring the schema of the store {name} up to date: {_sentence(error)} "
            "Is it a store of a newer Trellis? Upgrade Trellis or restore a backup.") from None
    finally:
        if not in_memory:
            probe.dispose()
    return probe if in_memory else make_engine(url)


def _probe_engine(url: str) -> Engine:
    """An engine for the start-up checks: short waits, so a busy store is named within seconds."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return make_engine(url, lock_wait_s=START_LOCK_WAIT_S)
    return make_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def store_is_reachable(engine: Engine) -> None:
    """The store opens as a database (the file is a SQLite database; the server answers and
    accepts the password)."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def store_is_intact(engine: Engine, name: str) -> None:
    """A store with damaged pages is never served: SQLite's `quick_check` must answer "ok".
    (PostgreSQL checks its own pages as it reads them.)"""
    if engine.dialect.name != "sqlite":
        return
    raw = engine.raw_connection()
    try:
        findings = [row[0] for row in raw.driver_connection.execute("PRAGMA quick_check").fetchall()]
    finally:
        raw.close()
    if findings != ["ok"]:
        raise StoreUnavailable(_damaged(name, findings[0] if findings else "no answer"))


def store_is_writable(engine: Engine, name: str) -> None:
    """A store the command will write must accept writes, and its write lock must come free
    within `START_LOCK_WAIT_S` (it is held only for the length of one write normally)."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            connection = raw.driver_connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                # A real write, rolled back: a read-only open still grants BEGIN IMMEDIATE.
                connection.execute("CREATE TABLE trellis_write_probe (x)")
            finally:
                connection.execute("ROLLBACK")
        finally:
            raw.close()
        return
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            if connection.execute(text("SHOW transaction_read_only")).scalar() == "on":
                raise StoreUnavailable(
                    f"the store {name} is read-only (a standby server?). Point {HOW_TO_CHOOSE} "
                    "at the primary server.")


def explain(error: Exception, name: str, *, is_sqlite: bool) -> str:
    """One line for a database error met while opening the store: what is wrong and what to do."""
    reason = _one_line(getattr(error, "orig", None) or error)
    lowered = reason.lower()
    if "file is not a database" in lowered or "not a database" in lowered:
        return (f"{name} is not a SQLite database (it may be another kind of file, encrypted or "
                f"damaged). Point {HOW_TO_CHOOSE} at a Trellis store, or move this file away to "
                "start a new one.")
    if "malformed" in lowered or "corrupt" in lowered:
        return _damaged(name, reason)
    if "locked" in lowered or "busy" in lowered:
        return (f"the store {name} is locked by another program (waited {START_LOCK_WAIT_S:.0f} s). "
                "Stop the program holding it, or try again when it has finished.")
    if "readonly" in lowered or "read-only" in lowered:
        return (f"the store {name} cannot be written ({reason}). Give the user running Trellis "
                "write access to the file and its folder.")
    if "unable to open database file" in lowered:
        return (f"cannot open the store {name}: its folder is missing or not readable and "
                f"writable by this user. Check the path in {HOW_TO_CHOOSE} and the permissions.")
    if "authentication failed" in lowered or "does not exist" in lowered:
        return (f"the database server refused the store {name}: {_sentence(reason)} Check the "
                f"user, password and database name in {HOW_TO_CHOOSE}.")
    if not is_sqlite and ("connect" in lowered or "timeout" in lowered):
        return (f"cannot connect to the store {name}: {_sentence(reason)} Check the server is running and "
                f"the address in {HOW_TO_CHOOSE}.")
    return f"cannot use the store {name}: {_sentence(reason)} Check {HOW_TO_CHOOSE}."


def _damaged(name: str, finding: str) -> str:
    return (f"the store {name} is damaged (integrity check: {_one_line(finding)}). Restore it "
            "from a backup; Trellis will not use a damaged store.")


def _one_line(error: object) -> str:
    """A driver message on one line (psycopg's run over several)."""
    return " ".join(str(error).split()) or type(error).__name__


def _sentence(reason: object) -> str:
    """A driver message on one line, ending like a sentence."""
    line = _one_line(reason)
    return line if line.endswith((".", "?", "!")) else line + "."
