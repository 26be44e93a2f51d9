"""The calendar of a rotation programme: the dates of each period, when an opportunity is
offered within it, and who is away on a decided assignment.

Contract: `docs/scenario-format.md`, section "Dated periods". Period 1 starts on the policy's
`start`; each period lasts `period_months` calendar months. Without a `start` the periods are
undated: opportunity windows cannot be placed on them (the plan says so in a warning) and a
person away on an assignment that has not ended by the plan date is away for the whole plan.

Pure functions over the domain objects; the optimiser builds its arrays from these.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from dateutil.relativedelta import relativedelta

from planner.domain import Commitment, Opportunity, Policy, Scenario

Window = tuple[date, date]

# Open ends of a window, as dates every real date lies between.
EARLIEST, LATEST = date.min, date.max


def period_dates(policy: Policy, periods: int | None = None) -> list[Window] | None:
    """The first and last day of each period, or None when the policy gives no `start`
    (undated periods). Period t runs from start + (t-1) x period_months months to the day
    before start + t x period_months months."""
    if policy.start is None:
        return None
    k = periods or policy.periods
    months = policy.period_months
    return [(policy.start + relativedelta(months=months * t),
             policy.start + relativedelta(months=months * (t + 1)) - timedelta(days=1)) for t in range(k)]


def overlap(first: Window, second: tuple[date | None, date | None]) -> Window | None:
    """The days two windows share (inclusive), or None when they share none. An open end
    (None) of the second window reaches as far as needed."""
    start = max(first[0], second[0] or EARLIEST)
    end = min(first[1], second[1] or LATEST)
    return (start, end) if start <= end else None


def offered_in_period(opportunity: Opportunity, period: Window) -> Window | None:
    """An opportunity is offered in a period only for the days its own `start`..`end` window
    (either end may be open) overlaps the period; a placement on it runs for those days."""
    return overlap(period, (opportunity.start, opportunity.end))


def away_in_period(commitment: Commitment, period: Window) -> bool:
    """A person on a decided assignment is away in every period the assignment overlaps."""
    return overlap(period, (commitment.start, commitment.end)) is not None


def away_for_undated_plan(commitment: Commitment, plan_date: date) -> bool:
    """Undated periods are the periods to come: a person whose assignment has not ended by the
    plan date is away for the whole of an undated plan."""
    return commitment.end is None or commitment.end >= plan_date


def _as_days(values: list[date | None], missing: date) -> np.ndarray:
    return np.array([(v or missing).toordinal() for v in values], dtype=np.int64)


def opportunity_offered_matrix(scenario: Scenario, policy: Policy, periods: int) -> np.ndarray:
    """opportunities x periods: True where the opportunity is offered in the period
    (`offered_in_period`, vectorised); every cell True when periods are undated."""
    n = len(scenario.opportunities)
    dates = period_dates(policy, periods)
    if dates is None:
        return np.ones((n, periods), dtype=bool)
    opp_start = _as_days([o.start for o in scenario.opportunities], EARLIEST)
    opp_end = _as_days([o.end for o in scenario.opportunities], LATEST)
    p_start = np.array([d[0].toordinal() for d in dates], dtype=np.int64)
    p_end = np.array([d[1].toordinal() for d in dates], dtype=np.int64)
    return (np.maximum(opp_start[:, None], p_start[None, :]) <= np.minimum(opp_end[:, None], p_end[None, :]))


def person_away_matrix(scenario: Scenario, policy: Policy, periods: int, plan_date: date) -> np.ndarray:
    """people x periods: True where the person is away on a commitment (`away_in_period`, or
    `away_for_undated_plan` when the periods are undated)."""
    away = np.zeros((len(scenario.people), periods), dtype=bool)
    if not policy.commitments:
        return away
    position = {p.person_id: i for i, p in enumerate(scenario.people)}
    dates = period_dates(policy, periods)
    for commitment in policy.commitments:
        i = position.get(commitment.person_id)
        if i is None:
            continue
        if dates is None:
            if away_for_undated_plan(commitment, plan_date):
                away[i, :] = True
            continue
        for t, period in enumerate(dates):
            if away_in_period(commitment, period):
                away[i, t] = True
    return away


def placement_window(opportunity: Opportunity, policy: Policy, period: int) -> Window | None:
    """The first and last day of a placement in `period` (1-based): the days its opportunity is
    offered in that period; None when the periods are undated."""
    dates = period_dates(policy, period)
    if dates is None:
        return None
    return offered_in_period(opportunity, dates[period - 1])


def dated_opportunities_ignored(scenario: Scenario, policy: Policy) -> int:
    """How many opportunities carry dates that an undated plan cannot honour (0 when dated)."""
    if policy.start is not None:
        return 0
    return sum(1 for o in scenario.opportunities if o.start is not None or o.end is not None)


def date_placements(scenario: Scenario, policy: Policy, placements) -> None:
    """Give each placement its first and last day (`placement_window`); undated plans leave
    them empty."""
    if policy.start is None:
        return
    opps = scenario.opportunity_by_id
    for placement in placements:
        window = placement_window(opps[placement.opportunity_id], policy, placement.period)
        if window is not None:
            placement.start, placement.end = window


def calendar_warnings(scenario: Scenario, policy: Policy) -> list[str]:
    """What an undated plan could not honour, in plain words (empty when the plan is dated)."""
    ignored = dated_opportunities_ignored(scenario, policy)
    if not ignored:
        return []
    return [f"the policy has no start date, so the periods are undated and the start/end dates of "
            f"{ignored} opportunity(ies) were not applied; set policy start (YYYY-MM-DD) and "
            f"period_months to plan dated periods"]


def assignment_status(decision: str, start: date, end: date | None, today: date) -> str:
    """Where an assignment stands today. Declined stays declined and ended (ended early by a
    decision) stays ended; a proposed or accepted assignment is active from its first day to its
    last, and ended after its last day. Computed when read, so no scheduled job is needed."""
    if decision in ("declined", "ended"):
        return decision
    if end is not None and today > end:
        return "ended"
    if start <= today:
        return "active"
    return decision


def undated_placement_window(policy: Policy, period: int, opportunity: Opportunity,
                             approved_on: date) -> Window:
    """An undated plan is dated when it is approved: its period 1 starts on the approval day,
    each period lasting `period_months` months; the placement runs for the days its opportunity
    is offered in that period (the whole period when the windows do not meet)."""
    dated = policy.model_copy(update={"start": approved_on})
    dates = period_dates(dated, period)
    return offered_in_period(opportunity, dates[period - 1]) or dates[period - 1]
