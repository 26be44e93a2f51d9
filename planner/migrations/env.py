"""Alembic environment for the Trellis store.

Run programmatically by `planner.store.upgrade(engine)` (or `trellis db upgrade`), which hands
over its connection in `config.attributes["connection"]`; no `alembic.ini` is needed. Without a
connection, the store's URL is used (`TRELLIS_DATABASE_URL`, else the default SQLite file).

Later migrations (0002, ...) go in `versions/` with `down_revision` set to the previous one.
"""

from __future__ import annotations

from alembic import context

from planner.store.engine import make_engine
from planner.store.tables import metadata

config = context.config


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or None)
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Trellis migrations run against a live database: use `trellis db upgrade`.")
run_migrations_online()
