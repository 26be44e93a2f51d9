"""The crisis extras: paused and critical services, demand by skill and priority, recent redeployments."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from planner import sample_place as place
from planner.domain import (
    Demand,
)
from planner.generate.settings import PLAN_DATE
from planner.generate.teams import TeamDraw

# ---------------------------------------------------------------------------------------------
# Crisis
# ---------------------------------------------------------------------------------------------

# (team kind, skill, level, priority, units per 600 staff)
CRISIS_NEEDS: tuple[tuple[str, str, int, int, float], ...] = (
    ("emergency-dept", "clinical-assessment", 3, 1, 6),
    ("acute-ward", "medication-administration", 3, 1, 5),
    ("reablement", "personal-care", 2, 1, 4),
    ("patient-flow", "discharge-planning", 3, 1, 3),
    ("mental-health-crisis", "approved-mental-health-practice", 3, 1, 2),
    ("control-room", "call-handling", 2, 1, 4),
    ("resilience", "emergency-planning", 3, 1, 2),
    ("acute-ward", "personal-care", 2, 2, 4),
    ("vaccination", "vaccination", 2, 2, 3),
    ("adults-sc", "care-assessment", 3, 2, 2),
    ("food-network", "volunteer-coordination", 2, 2, 3),
    ("public-health", "data-analysis", 2, 2, 2),
    ("council-comms", "british-sign-language", 3, 2, 2),
    ("emergency-dept", "business-administration", 2, 3, 2),
    ("vaccination", "business-administration", 2, 3, 3),
    ("food-network", "community-engagement", 2, 3, 4),
    ("public-health", "contact-tracing", 1, 3, 2),
    ("communities", "language-urdu", 3, 3, 2),
    ("communities", "language-polish", 3, 4, 2),
    ("contact-centre", "call-handling", 1, 4, 4),
    ("libraries", "business-administration", 1, 4, 3),
)


def draw_crisis_statuses(teams: TeamDraw) -> list[str]:
    """The business continuity plan decides: planned and non-urgent services (elective surgery,
    outpatients, planning, therapies, face-to-face advice...) pause and release their staff;
    urgent ones (emergency care, wards, control room, safeguarding...) are critical and release
    nobody; the rest carry on as normal."""
    return [kind.crisis_status for kind in teams.kinds]


def draw_last_redeployed(people: int, rng: np.random.Generator) -> list[date | None]:
    """One in eight was redeployed before; about a third of them within the last four weeks,
    so they must rest now."""
    redeployed = rng.random(people) < 0.12
    days_ago = np.where(rng.random(people) < 0.33, rng.integers(1, 28, size=people),
                        rng.integers(29, 400, size=people))
    return [PLAN_DATE - timedelta(days=int(d)) if r else None for r, d in zip(redeployed, days_ago)]


def draw_crisis_demand(teams: TeamDraw, statuses: list[str], people: int, rng: np.random.Generator) -> list[Demand]:
    """Demand in proportion to the workforce, spread over the teams of the kind that needs it
    (when the place has none of that kind: a working team of the same service, else a critical
    team of the same employer). Paused teams never ask for people."""
    by_kind: dict[str, list[int]] = {}
    for t, kind in enumerate(teams.kinds):
        by_kind.setdefault(kind.key, []).append(t)
    rows: dict[tuple[int, str, int, int], int] = {}
    for kind_key, skill, level, priority, per_600 in CRISIS_NEEDS:
        hosts = [t for t in by_kind.get(kind_key, []) if statuses[t] != "paused"]
        if not hosts:
            wanted = place.TEAM_KINDS[kind_key]
            hosts = (
                [t for t, k in enumerate(teams.kinds)
                 if (k.organisation, k.service) == (wanted.organisation, wanted.service) and statuses[t] != "paused"]
                or [t for t, k in enumerate(teams.kinds) if k.organisation == wanted.organisation and statuses[t] == "critical"]
                or [t for t, s in enumerate(statuses) if s == "critical"]
                or [0]
            )
            hosts = [hosts[int(rng.integers(0, len(hosts)))]]
        units = max(1, round(per_600 * people / 600))
        split = rng.multinomial(units, np.full(len(hosts), 1 / len(hosts)))
        for t, count in zip(hosts, split):
            if count:
                key = (t, skill, level, priority)
                rows[key] = rows.get(key, 0) + int(count)
    return [
        Demand(team_id=teams.ids[t], skill=skill, level=level, count=count, priority=priority)
        for (t, skill, level, priority), count in sorted(rows.items(), key=lambda kv: (kv[0][3], kv[0][0], kv[0][1]))
    ]
