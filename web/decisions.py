"""HR's decisions on placements are stored by `planner.store.decisions`; this name stays for old
imports."""

from planner.store.decisions import Decision, decide_placement, decisions_for_plan

__all__ = ["Decision", "decide_placement", "decisions_for_plan"]
