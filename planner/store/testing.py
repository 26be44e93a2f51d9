"""Throw-away databases for tests (the store's and the web app's).

`temporary_engine(url)` yields an engine on an empty database: on PostgreSQL a fresh schema of
the server's database (selected through `search_path`, dropped afterwards), so parallel test
workers sharing one server never see each other's tables; on SQLite the URL's own file.
`database_dump(engine)` renders every table's rows in a stable order, to prove a database is
unchanged."""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, MetaData, create_engine, select, text
from sqlalchemy.engine import make_url

from planner.store.engine import make_engine

POSTGRES_URL_ENV = "TRELLIS_TEST_POSTGRES_URL"


def postgres_test_url() -> str | None:
    """The PostgreSQL server tests may use (set by scripts/with-postgres.sh), or None."""
    return os.environ.get(POSTGRES_URL_ENV) or None


def schema_url(url: str, schema: str) -> str:
    """The URL of `url`'s database with `schema` first on the search path (psycopg)."""
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)


@contextmanager
def temporary_engine(url: str) -> Iterator[Engine]:
    """An engine on an empty database, removed afterwards (a fresh schema on PostgreSQL)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    schema = f"trellis_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(parsed, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = make_engine(schema_url(url, schema))
        try:
            yield engine
        finally:
            engine.dispose()
            with admin.connect() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


def database_dump(engine: Engine) -> str:
    """Every table of the database (the Alembic version table too) with all its rows, sorted,
    as text: equal dumps mean equal databases."""
    metadata = MetaData()
    metadata.reflect(engine)
    lines = []
    with engine.connect() as connection:
        for name in sorted(metadata.tables):
            table = metadata.tables[name]
            lines.append(f"== {name} ({', '.join(c.name for c in table.columns)})")
            rows = [repr(tuple(row)) for row in connection.execute(select(table))]
            lines.extend(sorted(rows))
    return "\n".join(lines)


def database_fingerprint(engine: Engine) -> str:
    """SHA-256 of `database_dump`."""
    return hashlib.sha256(database_dump(engine).encode()).hexdigest()
