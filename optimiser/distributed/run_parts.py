"""How the parts of a problem are run: the `PartRunner` contract and the in-process runner.

A part runner takes a function and a list of argument tuples and returns the function's results
in the same order, like `map`. The decompositions (`crisis.py`, `matching.py`) only ever call a
runner, so the same code runs in one process, on a laptop's Ray or on a Ray cluster
(`ray_runner.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

PartRunner = Callable[[Callable[..., T], list[tuple]], list[T]]


def run_in_process(fn: Callable[..., T], calls: list[tuple[Any, ...]]) -> list[T]:
    """Run every part here, one after another: results in the order of `calls`."""
    return [fn(*args) for args in calls]
