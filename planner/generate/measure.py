"""Measuring what was generated (used to calibrate the generator)."""

from __future__ import annotations

import numpy as np

from planner.domain import (
    Scenario,
)
from planner.eligibility import (
    eligibility_arrays,
    eligibility_mask,
)
from planner.generate.settings import COUNT_BLOCK_CELLS

# ---------------------------------------------------------------------------------------------
# Measuring what was generated
# ---------------------------------------------------------------------------------------------


def eligible_pair_count(scenario: Scenario, stretch_levels: int = 0) -> int:
    """How many (person, opportunity) pairs pass the contract's eligibility rules 1-5
    (`planner.eligibility.eligibility_mask`), to calibrate the generator.

    Counted a block of people at a time, so memory stays flat at 50,000 people."""
    people, opportunities = eligibility_arrays(scenario)
    rows = len(people.grade)
    if rows == 0 or len(opportunities.fte) == 0:
        return 0
    block = max(1, COUNT_BLOCK_CELLS // len(opportunities.fte))
    return sum(
        int(eligibility_mask(people.take(np.arange(start, min(rows, start + block))), opportunities,
                             stretch_levels).sum())
        for start in range(0, rows, block)
    )
