"""Planning a national scenario in parts solved side by side, then a coordinating pass
(`solve_plan_in_parts`); any engine that maps a function over calls can run the parts."""

from optimiser.distributed.engine import PartRunner, run_in_process, solve_part, solve_plan_in_parts

__all__ = ["PartRunner", "run_in_process", "solve_part", "solve_plan_in_parts"]
