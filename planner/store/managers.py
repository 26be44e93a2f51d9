"""Line managers: which teams a `manager` account manages.

A manager sees and decides only for their teams: their people proposed to leave (release
decisions) and the opportunities their teams host. Team ids are checked against the stored
scenario by the caller (`web.auth.manager_teams_problem`); a team later dropped by an import
simply shows nobody."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine, delete, insert, select

from planner.store._common import NotFound, write_audit
from planner.store.engine import write_transaction
from planner.store.tables import manager_teams, users


def set_manager_teams(engine: Engine, user_id: int, team_ids: Iterable[str], *, actor: str) -> tuple[str, ...]:
    """Replace the teams an account manages (audited with the team ids, which are not personal
    data). Raises NotFound for an unknown account."""
    teams = tuple(dict.fromkeys(t for t in team_ids if t))
    with write_transaction(engine) as connection:
        if connection.execute(select(users.c.id).where(users.c.id == user_id)).first() is None:
            raise NotFound(f"no user {user_id}")
        connection.execute(delete(manager_teams).where(manager_teams.c.user_id == user_id))
        if teams:
            connection.execute(insert(manager_teams), [{"user_id": user_id, "team_id": t} for t in teams])
        write_audit(connection, actor, "user.manager_teams", f"user:{user_id}", f"teams={','.join(teams)}")
    return teams


def teams_managed_by(engine: Engine, user_id: int) -> tuple[str, ...]:
    """The team ids an account manages, sorted."""
    with engine.connect() as connection:
        return tuple(connection.execute(select(manager_teams.c.team_id).where(manager_teams.c.user_id == user_id)
                                        .order_by(manager_teams.c.team_id)).scalars())


def managers_by_user(engine: Engine) -> dict[int, tuple[str, ...]]:
    """Every manager account's teams, by account id (for the admin's users page)."""
    found: dict[int, list[str]] = {}
    with engine.connect() as connection:
        for row in connection.execute(select(manager_teams).order_by(manager_teams.c.team_id)):
            found.setdefault(row.user_id, []).append(row.team_id)
    return {user_id: tuple(teams) for user_id, teams in found.items()}
