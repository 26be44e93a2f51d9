"""Watching and stopping a running solve: its phase in words, progress at a steady pace, a stop.

A long solve (a national plan takes minutes) must show that it is alive and let its planner stop
it. `SolveControl` is shared by the solve and whoever watches it:

- `phase_is(key)`: the solve says which phase it is in (`PHASES` gives the words shown).
- a ticker thread reports the best objective and bound so far every `tick_s` seconds, so a chart
  gets points while a phase runs for minutes without finding anything new.
- `stop` (a `threading.Event` the caller may set from any thread): the solve ends as soon as it
  can and returns the best plan found so far. Which phases can be interrupted:
  * finding candidates: no (array work; it is checked as soon as it ends);
  * first plan (greedy): no (one linear pass, a fraction of the time limit);
  * improving / proving with CP-SAT: yes (`CpSolver.stop_search`);
  * improving with the LP relaxation (GLOP) and proving with SCIP: yes (`Solver.stop_search`
    of OR-Tools' model builder);
  * crisis MIP stages: yes (`pywraplp.Solver.InterruptSolve`); the min-cost flow: no (seconds).
  A solver registers its interrupt with `interruptible(...)` while it runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# Phase keys the optimisers report, and the words the progress page shows for each.
PHASES = {
    "candidates": "finding candidates",
    "first_plan": "first plan",
    "improving": "improving",
    "proving": "proving",
    "writing_up": "writing up the plan",
    "parts": "planning the parts",
    "coordinating": "coordinating moves across parts",
}
TICK_S = 0.5


class SolveControl:
    """The phase, best-so-far and stop request of one solve (see the module docstring)."""

    def __init__(self, stop: threading.Event | None = None,
                 on_tick: Callable[[float, str, float | None, float | None], None] | None = None,
                 tick_s: float = TICK_S) -> None:
        self.stop = stop if stop is not None else threading.Event()
        # Someone may ask this solve to stop (a web job); solvers then prefer interruptible back ends.
        self.stoppable = stop is not None
        self.phase = "candidates"
        self.objective: float | None = None
        self.bound: float | None = None
        self.placements: int | None = None
        self._on_tick = on_tick
        self._tick_s = tick_s
        self._interrupt: Callable[[], Any] | None = None
        self._lock = threading.Lock()
        self._started = time.perf_counter()
        self._done = threading.Event()
        # Held while a tick reports, and while the solve says it is done, so no tick is reported
        # after `running()` ends (without waiting for the ticker to wake up).
        self._tick_lock = threading.Lock()
        self._ticker: threading.Thread | None = None

    # -- the solve's side ----------------------------------------------------------------------

    def phase_is(self, key: str) -> None:
        if key not in PHASES:
            raise ValueError(f"unknown solve phase {key!r}")
        self.phase = key

    def best(self, objective: float | None, bound: float | None, placements: int | None = None) -> None:
        """Remember the best objective, bound and placements reported so far (for the ticks)."""
        if placements is not None:
            self.placements = placements
        if objective is not None:
            self.objective = objective
        if bound is not None:
            self.bound = bound

    def stopped(self) -> bool:
        return self.stop.is_set()

    @contextmanager
    def interruptible(self, interrupt: Callable[[], Any]) -> Iterator[None]:
        """While the block runs, a stop request calls `interrupt` (a solver's stop-search)."""
        with self._lock:
            self._interrupt = interrupt
        try:
            if self.stopped():
                interrupt()
            yield
        finally:
            with self._lock:
                self._interrupt = None

    @contextmanager
    def running(self) -> Iterator[SolveControl]:
        """Start the ticker (which also passes a stop request on to the running solver)."""
        self._started = time.perf_counter()
        self._ticker = threading.Thread(target=self._tick, daemon=True, name="trellis-solve-ticker")
        self._ticker.start()
        try:
            yield self
        finally:
            # Not joined: the ticker sleeps in `stop.wait`, which only a stop request cuts short, so
            # joining made every solve last up to one more tick. Under the lock, no tick is
            # reported after this; the (daemon) ticker ends when it next wakes.
            with self._tick_lock:
                self._done.set()

    # -- the ticker ----------------------------------------------------------------------------

    def _tick(self) -> None:
        while True:
            if self.stopped():
                # Already asked to stop: keep ticking (not spinning) until the solve notices.
                self._done.wait(self._tick_s)
            else:
                # Wake at once on a stop request, else every tick.
                self.stop.wait(self._tick_s)
            with self._tick_lock:
                if self._done.is_set():
                    return
                if self.stopped():
                    with self._lock:
                        interrupt = self._interrupt
                    if interrupt is not None:
                        interrupt()  # asking a solver to stop twice is harmless
                if self._on_tick is not None:
                    self._on_tick(time.perf_counter() - self._started, self.phase, self.objective, self.bound)


def phase_words(key: str | None) -> str | None:
    """The words shown for a phase key (None when unknown)."""
    return PHASES.get(key or "")
