"""Occupation profiles in the store (`trellis taxonomy load`): each occupation's O*NET-SOC code,
title and required skills as an opportunities.csv `required_skills` cell. A load replaces the
previous one whole, in one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, delete, func, insert, select

from planner.store._common import write_audit
from planner.store.engine import write_transaction
from planner.store.tables import occupation_profiles

# How many rows one INSERT carries: well under SQLite's 32,766 bound parameters at 3 a row.
INSERT_BATCH = 2000


def replace_occupation_profiles(engine: Engine, rows: Iterable[tuple[str, str, str]], *, actor: str,
                                source: str) -> int:
    """Store (soc_code, title, requirements cell) rows in place of every stored profile, with an
    audit row, all in one transaction; returns how many are stored."""
    values = [{"soc_code": code, "title": title, "requirements": cell} for code, title, cell in rows]
    with write_transaction(engine) as connection:
        connection.execute(delete(occupation_profiles))
        for start in range(0, len(values), INSERT_BATCH):
            connection.execute(insert(occupation_profiles), values[start:start + INSERT_BATCH])
        write_audit(connection, actor, "occupation_profiles.load", None,
                    f"{len(values)} occupation profiles from {source}")
    return len(values)


def count_occupation_profiles(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(occupation_profiles)).scalar_one()


def stored_occupation_profiles(engine: Engine) -> list[tuple[str, str, str]]:
    """Every stored (soc_code, title, requirements cell), by title."""
    query = select(occupation_profiles.c.soc_code, occupation_profiles.c.title, occupation_profiles.c.requirements)
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query.order_by(occupation_profiles.c.title,
                                                                        occupation_profiles.c.soc_code))]


def occupation_titles(engine: Engine, containing: str = "", *, limit: int) -> list[str]:
    """Up to `limit` stored titles, by title, that contain `containing` (any case) or whose
    SOC code starts with it."""
    query = select(occupation_profiles.c.title).order_by(occupation_profiles.c.title).limit(limit)
    wanted = " ".join(containing.split()).lower()
    if wanted:
        escaped = wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(occupation_profiles.c.title).like(f"%{escaped}%", escape="\\")
                            | occupation_profiles.c.soc_code.like(f"{escaped}%", escape="\\"))
    with engine.connect() as connection:
        return list(connection.execute(query).scalars())
