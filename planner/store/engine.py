"""Connecting to the store and bringing its schema up to date.

The database is chosen by URL: the argument, else the environment variable
`TRELLIS_DATABASE_URL`, else a SQLite file `instance/trellis.sqlite3` under the current folder.
The schema is owned by the Alembic migrations shipped inside the package (`planner/migrations`),
run programmatically, so an installed Trellis needs no `alembic.ini`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

DATABASE_URL_ENV = "TRELLIS_DATABASE_URL"
WRITE_OPTION = "trellis_write"
DEFAULT_SQLITE_PATH = Path("instance") / "trellis.sqlite3"
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
LOCK_WAIT_S = 30.0


def database_url(url: str | None = None) -> str:
    """The URL of the store: the one given, else `TRELLIS_DATABASE_URL`, else the default file."""
    if url:
        return url
    from_env = os.environ.get(DATABASE_URL_ENV, "").strip()
    if from_env:
        return from_env
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def make_engine(url: str | None = None, *, lock_wait_s: float = LOCK_WAIT_S, **engine_options) -> Engine:
    """An engine for the store.

    SQLite: the file's folder is created; every connection enforces foreign keys, uses
    write-ahead logging (readers never block the writer) and waits up to `lock_wait_s` (30 s)
    for a lock; each transaction starts with an explicit BEGIN, so an import is all-or-nothing
    on SQLite too. PostgreSQL: `postgresql://` URLs use psycopg 3; connections are checked
    before use. Use `open_store` to start a command: it also checks the store is usable."""
    parsed = make_url(database_url(url))
    if parsed.get_backend_name() == "sqlite":
        database = sqlite_file(parsed)
        if database is not None:
            database.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **engine_options)
        _configure_sqlite(engine, lock_wait_s)
        return engine
    if parsed.drivername in ("postgresql", "postgres"):
        # The driver Trellis installs; SQLAlchemy would otherwise look for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine_options.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **engine_options)


def sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL (None for an in-memory or `file:` URI database)."""
    database = url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _configure_sqlite(engine: Engine, lock_wait_s: float) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(lock_wait_s * 1000)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # A writing transaction takes the write lock up front (BEGIN IMMEDIATE): one that read
        # first and wrote later could fail with "database is locked" when another writer
        # committed in between, instead of waiting its turn.
        writing = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction for changes, committed at the end or rolled back on any error.

    Use it instead of `engine.begin()` whenever a transaction reads and then writes: on SQLite
    it takes the write lock at the start, so concurrent writers queue (up to the 30 s busy
    timeout) instead of failing; on PostgreSQL it is an ordinary transaction."""
    with engine.connect() as connection:
        connection.execution_options(**{WRITE_OPTION: True})
        with connection.begin():
            yield connection


def alembic_config() -> Config:
    """Alembic configuration pointing at the migrations inside the installed package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Migrate the store's schema to `revision` (default: the newest); returns the revision now
    in place. Safe to run on every start: an up-to-date database is left alone."""
    config = alembic_config()
    with write_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return current_revision(engine)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    """The newest schema revision shipped with this Trellis."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
