"""Adding or replacing one opportunity without re-importing the scenario (the HR system posts
new vacancies and secondments through the API). The opportunity arrives validated (see
`planner.scenario_io.records.validate_opportunity`); this module writes it, bumps the scenario
revision so every cached copy reloads, and audits it by id."""

from __future__ import annotations

from sqlalchemy import Engine, func, insert, select, update

from planner.domain import Opportunity, Problem, ScenarioError
from planner.store._common import NotFound, write_audit
from planner.store.engine import write_transaction
from planner.store.scenario import bump_revision, opportunity_values
from planner.store.tables import opportunities, scenario_meta


def _row(opportunity: Opportunity, position: int) -> dict:
    return dict(zip((column.name for column in opportunities.columns), opportunity_values(opportunity, position)))


def add_opportunity(engine: Engine, opportunity: Opportunity, *, actor: str, label: str = "request body") -> None:
    """Add a new opportunity after the others. Its id must be new (ScenarioError otherwise, worded
    like the import's duplicate check); NotFound when no scenario is stored."""
    with write_transaction(engine) as connection:
        if connection.execute(select(scenario_meta.c.id)).first() is None:
            raise NotFound("no scenario is stored")
        taken = connection.execute(select(opportunities.c.position).where(
            opportunities.c.opportunity_id == opportunity.opportunity_id)).first()
        if taken is not None:
            raise ScenarioError([Problem(file=label, column="opportunity_id", value=opportunity.opportunity_id,
                                         message="duplicate id: already used by another opportunity",
                                         suggestion="change it with PUT on that opportunity, or choose a new id")])
        position = (connection.execute(select(func.max(opportunities.c.position))).scalar() or 0) + 1
        connection.execute(insert(opportunities).values(_row(opportunity, position)))
        bump_revision(connection)
        write_audit(connection, actor, "opportunity.create", f"opportunity:{opportunity.opportunity_id}")


def replace_opportunity(engine: Engine, opportunity: Opportunity, *, actor: str) -> None:
    """Replace the stored opportunity of the same id with `opportunity`, keeping its place in
    the list. NotFound when there is no such opportunity."""
    with write_transaction(engine) as connection:
        position = connection.execute(select(opportunities.c.position).where(
            opportunities.c.opportunity_id == opportunity.opportunity_id)).scalar()
        if position is None:
            raise NotFound(f"no opportunity {opportunity.opportunity_id!r}")
        connection.execute(update(opportunities)
                           .where(opportunities.c.opportunity_id == opportunity.opportunity_id)
                           .values(_row(opportunity, position)))
        bump_revision(connection)
        write_audit(connection, actor, "opportunity.update", f"opportunity:{opportunity.opportunity_id}")
