"""Watching and stopping a solve (`optimiser.run_control`) and the job pool's words for it, alone:
no web app. One real solve on a generated scenario proves a stop ends it promptly."""

from __future__ import annotations

import threading
import time
from datetime import UTC

import pytest

from optimiser.run_control import PHASES, SolveControl, phase_words


def test_a_stop_request_interrupts_the_solver_that_is_running():
    calls = []
    stop = threading.Event()
    control = SolveControl(stop, tick_s=0.05)
    with control.running(), control.interruptible(lambda: calls.append("interrupted")):
        stop.set()
        deadline = time.monotonic() + 2
        while not calls and time.monotonic() < deadline:
            time.sleep(0.01)
    assert calls and control.stopped()


def test_a_solver_starting_after_a_stop_is_interrupted_at_once():
    calls = []
    stop = threading.Event()
    stop.set()
    control = SolveControl(stop)
    with control.interruptible(lambda: calls.append("interrupted")):
        assert calls == ["interrupted"]


def test_ticks_repeat_the_phase_and_best_so_far_at_a_steady_pace():
    ticks = []
    control = SolveControl(on_tick=lambda s, phase, obj, bound: ticks.append((phase, obj, bound)), tick_s=0.05)
    with control.running():
        control.phase_is("improving")
        control.best(10.0, 12.0, placements=3)
        time.sleep(0.4)
    assert len(ticks) >= 4
    assert ticks[-1] == ("improving", 10.0, 12.0) and control.placements == 3


def test_a_solve_ends_when_its_work_does_not_at_the_next_tick():
    """The ticker sleeps between ticks; a finished solve does not wait for it to wake (that cost
    every solve up to one tick, half a second, before)."""
    control = SolveControl(tick_s=5.0)
    started = time.perf_counter()
    with control.running():
        pass
    assert time.perf_counter() - started < 1.0


def test_no_tick_is_reported_after_the_solve_ends():
    ticks = []
    control = SolveControl(on_tick=lambda *tick: ticks.append(tick), tick_s=0.02)
    with control.running():
        time.sleep(0.1)
    reported = len(ticks)
    time.sleep(0.1)
    assert reported >= 1 and len(ticks) == reported


def test_an_unknown_phase_is_refused_and_every_phase_has_words():
    with pytest.raises(ValueError):
        SolveControl().phase_is("thinking")
    assert all(phase_words(key) for key in PHASES) and phase_words("nonsense") is None


def test_a_planner_may_stop_their_own_run_or_one_of_their_kind():
    from datetime import datetime

    from web.jobs import Job, may_stop_job

    now = datetime.now(UTC)
    job = Job(1, "redeploy", "running", "ep1", now, now, None, now, 20.0, {}, [], None, None, None)
    assert may_stop_job(job, "ep1", "staff")  # the starter, whatever their role now
    assert may_stop_job(job, "ep2", "emergency") and may_stop_job(job, "admin1", "admin")
    assert not may_stop_job(job, "hr1", "hr")  # HR does not stop a crisis redeployment
    plan_job = Job(2, "matching", "running", "hr1", now, now, None, now, 20.0, {}, [], None, None, None)
    assert may_stop_job(plan_job, "hr2", "hr") and not may_stop_job(plan_job, "ep1", "emergency")


def test_the_bar_label_says_time_used_phase_and_placements():
    from datetime import datetime, timedelta

    from web.jobs import Job, share_of_time_limit

    started = datetime.now(UTC) - timedelta(seconds=5)
    points = [{"seconds": 1, "phase": "first_plan", "placements": 40}, {"seconds": 4.5, "phase": "improving"}]
    job = Job(3, "matching", "running", "hr1", started, started, None, started, 20.0, {}, points, None, None, None)
    data = job.as_dict()
    assert data["phase"] == "improving" and data["placements"] == 40
    assert 0.2 <= data["share_of_time_limit"] <= 0.35
    assert data["words"].startswith("5 s of the 20 s time limit; phase: improving; 40 placements")
    assert share_of_time_limit(50, 20, False) == 1.0 and share_of_time_limit(3, 20, True) == 1.0


@pytest.mark.slow
def test_stopping_a_large_solve_returns_the_best_plan_so_far_promptly():
    """Stopped while it improves (the LP relaxation, about 11 s unstopped): it ends within a few
    seconds with the first plan, not at its time limit."""
    from optimiser.matching import solve_plan
    from planner.generate import generate_scenario

    scenario = generate_scenario(4000, seed=5)
    policy = scenario.policy.model_copy(update={"time_limit_s": 30.0, "workers": 1, "periods": 2})
    stop = threading.Event()
    events, asked = [], []

    def on_progress(event):
        events.append(event)
        if event.phase == "improving" and not asked:
            asked.append(time.perf_counter() + 1.0)
            threading.Timer(1.0, stop.set).start()

    plan = solve_plan(scenario, policy, on_progress, stop)
    after_stop = time.perf_counter() - asked[0]
    assert after_stop < 3, after_stop  # the interrupted solver, then the write-up
    assert plan.status == "STOPPED_EARLY" and plan.placements
    assert "stopped during the LP relaxation" in plan.stats["method"]
    ticks = [e for e in events if e.source == "tick"]
    assert len(ticks) >= 3 and all(e.phase in PHASES for e in events)


def test_a_what_if_stopped_early_keeps_both_sides_best_plans_so_far():
    from scenarios import small_scenario

    from optimiser.matching import what_if

    scenario = small_scenario("consoles")
    stop = threading.Event()
    stop.set()  # asked before it starts: each side keeps its first plan
    outcome = what_if(scenario, stretch=1, policy=scenario.policy.model_copy(update={"time_limit_s": 10.0}), stop=stop)
    assert outcome.baseline.status == outcome.changed.status == "STOPPED_EARLY"
    assert outcome.baseline.placements and "stopped before optimising" in outcome.baseline.stats["method"]
    unstopped = what_if(scenario, stretch=1, policy=scenario.policy.model_copy(update={"time_limit_s": 10.0}))
    assert unstopped.baseline.status == "OPTIMAL"
