"""National scenarios (`trellis generate --regions R`): the workforce spread over R English
regions, each with its own four employers, and a small share of remote opportunities.

Every region is a Riverbrook of its own: its teams are drawn as a place of its size would be
(`draw_teams`), so each region has every kind of service, and each organisation works within one
region. Opportunities are then hosted as in one place (`draw_opportunities` keeps moves inside
the model's own employer, hence region); about one in ten is remote, open to every region
(eligibility rule 5 closes the others to people of other regions).
"""

from __future__ import annotations

import re

import numpy as np

from planner.generate.teams import TeamDraw, draw_teams

# The English regions, largest first, with their rough shares of the public-sector workforce.
REGIONS: tuple[tuple[str, float], ...] = (
    ("London", 0.16),
    ("South East", 0.15),
    ("North West", 0.13),
    ("East of England", 0.11),
    ("West Midlands", 0.10),
    ("Yorkshire and the Humber", 0.10),
    ("South West", 0.10),
    ("East Midlands", 0.09),
    ("North East", 0.06),
)
MAX_REGIONS = len(REGIONS)
MIN_PEOPLE_PER_REGION = 100  # a region smaller than this would not have every kind of service
REMOTE_SHARE = 0.1  # of opportunities: remote, open to people of every region


def region_slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def people_per_region(people: int, regions: int) -> list[int]:
    """`people` shared over the first `regions` regions in proportion to their workforce
    (largest remainders, so the counts add up exactly)."""
    shares = np.array([share for _, share in REGIONS[:regions]])
    exact = people * shares / shares.sum()
    counts = np.floor(exact).astype(int)
    counts[np.argsort(-(exact - counts), kind="stable")[: people - counts.sum()]] += 1
    return counts.tolist()


def draw_regional_teams(people: int, regions: int, rng: np.random.Generator) -> TeamDraw:
    """The teams of each region, drawn as for a place of the region's size, one region after
    the other; ids start with the region (`london-rbc-emergency-dept`)."""
    parts = [draw_teams(count, rng) for count in people_per_region(people, regions)]
    names = tuple(name for name, _ in REGIONS[:regions])
    return TeamDraw(
        kinds=[kind for part in parts for kind in part.kinds],
        ids=[f"{region_slug(names[r])}-{team_id}" for r, part in enumerate(parts) for team_id in part.ids],
        names=[name for part in parts for name in part.names],
        sizes=np.concatenate([part.sizes for part in parts]),
        region=np.concatenate([np.full(part.count, r) for r, part in enumerate(parts)]),
        region_names=names,
    )


def draw_remote(opportunities: int, rng: np.random.Generator) -> np.ndarray:
    """About one opportunity in ten is remote (`REMOTE_SHARE`)."""
    return rng.random(opportunities) < REMOTE_SHARE
