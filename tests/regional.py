"""Regional crisis scenarios for the tests of redeployment in parts and of the Ray engine."""

from __future__ import annotations

from planner.domain import Scenario
from planner.generate import generate_scenario

REGIONS = ("North", "Midlands", "South")


def with_regions(scenario: Scenario, regions: tuple[str, ...] = REGIONS) -> Scenario:
    """The scenario with its teams dealt round the regions in turn (team 1 North, 2 Midlands, ...)."""
    teams = tuple(t.model_copy(update={"region": regions[i % len(regions)]}) for i, t in enumerate(scenario.teams))
    return scenario.model_copy(update={"teams": teams})


def regional_crisis(people: int = 300, seed: int = 3, regions: tuple[str, ...] = REGIONS) -> Scenario:
    """A generated crisis scenario (statuses, demand, people resting) over several regions."""
    return with_regions(generate_scenario(people, seed, crisis=True), regions)
