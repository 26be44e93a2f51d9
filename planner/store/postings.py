"""Opportunities posted or edited in the web app by a host team's line manager, stored in the
scenario's own opportunities table so the next plan offers them (HR plans from the stored
scenario). An import replaces the scenario whole, posted opportunities included."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, Engine, func, insert, select, update

from planner.domain import Opportunity
from planner.store.engine import write_transaction
from planner.store.scenario import bump_revision, opportunity_values
from planner.store.tables import opportunities


def save_opportunity(engine: Engine, opportunity: Opportunity, *,
                     on_saved: Callable[[Connection, bool], None]) -> bool:
    """Store a new opportunity (after the others) or replace the one with its id, in one
    transaction that bumps the scenario's revision and calls `on_saved(connection, created)`
    (the audit row). Returns True when it was new."""
    columns = [c.name for c in opportunities.columns]
    with write_transaction(engine) as connection:
        position = connection.execute(select(opportunities.c.position).where(
            opportunities.c.opportunity_id == opportunity.opportunity_id)).scalar()
        created = position is None
        if created:
            position = (connection.execute(select(func.max(opportunities.c.position))).scalar() or 0) + 1
        values = dict(zip(columns, opportunity_values(opportunity, position)))
        if created:
            connection.execute(insert(opportunities).values(**values))
        else:
            connection.execute(update(opportunities).where(
                opportunities.c.opportunity_id == opportunity.opportunity_id).values(**values))
        bump_revision(connection)
        on_saved(connection, created)
    return created
