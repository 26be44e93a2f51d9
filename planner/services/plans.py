"""Planning runs and plan versions, as HR sees them.

A run's policy is the form's choices over the stored policy; the run itself is background work
that solves, saves a numbered plan version (audited with who ran it) and, for a re-run, carries
the accepted decisions over. A saved version is shown and exported as rows of placements with
their decisions.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Engine

from optimiser.distributed import solve_plan_in_parts
from optimiser.distributed.ray_runner import ray_runner
from optimiser.matching import solve_plan
from planner.domain import Plan, Policy, Scenario, Weights
from planner.services.assignments import with_commitments
from planner.services.engines import ray_address_for_jobs
from planner.services.plan_words import reason_in_names
from planner.services.work import JobOutcome, retry_when_locked
from planner.store import StoredPlan, latest_plan, save_plan
from planner.store.consent import carry_over_agreements
from planner.store.decisions import decide_placement, decisions_for_plan

MAX_SOLVE_SECONDS = 300.0

# The policy form's weight fields and the objective term each one weighs.
WEIGHT_FIELDS = {"w_skill_fit": "skill_fit", "w_development": "development", "w_preference": "preference",
                 "w_network": "network", "w_diversity": "diversity"}

NameOf = Callable[[str], str]

# The policy form asks about each weight in words: the question, what the term rewards, and
# choices that scale the default weight (`planner.domain.Weights`) so "normal" is the default.
WEIGHT_QUESTIONS = {
    "preference": ("How much staff preferences count",
                   "Placing people on the opportunities they ranked, first choices most."),
    "skill_fit": ("How much already holding the required skills counts",
                  "Placing people who meet every requirement over those who would stretch."),
    "development": ("How much growing the skills people want counts",
                    "Moves that take people towards the skill levels they say they want."),
    "network": ("How much new connections count",
                "Moves that link organisations, professions and services not yet connected."),
    "diversity": ("How much a mix of professions in a team counts",
                  "Placing people in teams where few share their profession."),
}
WEIGHT_LEVELS = (("not at all", 0.0), ("a little", 0.5), ("normal", 1.0), ("a lot", 2.0))


@dataclass(frozen=True)
class WeightField:
    """One weight of the policy form: its field name, question, hint and (value, words, chosen) choices."""

    name: str
    question: str
    hint: str
    choices: list[tuple[float, str, bool]]


def weight_choices(term: str, current: float) -> list[tuple[float, str, bool]]:
    """The choices for one weight: not at all, a little, normal (the default weight) and a lot
    (twice it). A value set elsewhere (policy.json, an earlier run) is offered as it is, chosen,
    so running again keeps it; the form still accepts any number from 0 to 100."""
    default = Weights.model_fields[term].default
    choices = [(round(default * factor, 2), words, False) for words, factor in WEIGHT_LEVELS]
    if not any(abs(value - current) < 1e-9 for value, _, _ in choices):
        choices.append((current, f"as set before ({current:g})", False))
    return [(value, words, abs(value - current) < 1e-9) for value, words, _ in choices]


def weight_fields(policy: Policy) -> list[WeightField]:
    """The policy form's weights, asked in words, in the order a planner weighs them."""
    return [WeightField(name, *WEIGHT_QUESTIONS[term], weight_choices(term, getattr(policy.weights, term)))
            for term in WEIGHT_QUESTIONS for name, t in WEIGHT_FIELDS.items() if t == term]


def parse_bands(text: str) -> tuple[tuple[int, int], ...]:
    """Grade bands written as `1-4, 5-7, 8-12` (inclusive); raises ValueError in plain words."""
    bands = []
    for part in [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]:
        low, sep, high = part.partition("-")
        if not sep or not low.strip().isdigit() or not high.strip().isdigit():
            raise ValueError(f"grade band {part!r} is not written like 5-7")
        if int(low) > int(high):
            raise ValueError(f"grade band {part!r} starts above its end")
        bands.append((int(low), int(high)))
    return tuple(bands)


def policy_for_run(choices: Mapping[str, Any], base: Policy, workers: int) -> Policy:
    """The policy of a run: the planner's choices (stretch, periods and their dates, time limit,
    stability, the cross-organisation cap, fairness bands and the weights) over the stored
    policy, which keeps its pinned and forbidden moves, rest days and seed. Raises ValueError in
    plain words."""
    cap = choices.get("max_cross_organisation") or ""
    data = base.model_dump()
    data.update(
        stretch_levels=choices["stretch_levels"], periods=choices["periods"],
        start=choices.get("start") or None, period_months=choices.get("period_months", base.period_months),
        time_limit_s=choices["time_limit_s"], stable=choices["stable"], workers=workers,
        max_cross_organisation=int(cap) if cap else None,
        fairness={"bands": parse_bands(choices.get("fairness_bands") or ""),
                  "min_share": choices["fairness_min_share"]},
        weights={term: choices[name] for name, term in WEIGHT_FIELDS.items()},
    )
    return Policy.model_validate(data)


def starting_policy(engine: Engine, scenario: Scenario | None) -> Policy:
    """What the policy form starts from: the newest run's choices, else the scenario's policy."""
    if scenario is None:
        return Policy()
    latest = latest_plan(engine, "matching")
    if latest is not None and latest.policy:
        try:
            return Policy.model_validate(latest.policy)
        except ValidationError:
            pass
    return scenario.policy


def stored_policy(stored: StoredPlan, scenario: Scenario) -> Policy:
    """The policy a saved version ran under (the scenario's own when it recorded none)."""
    return Policy.model_validate(stored.policy) if stored.policy else scenario.policy


def plan_summary(plan: Plan) -> dict[str, Any]:
    """The numbers of a plan run shown in lists (no personal data)."""
    return {"status": plan.status, "objective": plan.objective, "best_bound": plan.best_bound,
            "gap": plan.gap, "solve_seconds": plan.solve_seconds, "placements": len(plan.placements),
            "unplaced": len(plan.unplaced), "conflicts": list(plan.conflicts)}


def carry_over_accepted(engine: Engine, from_plan: int, to_plan: int, plan: Plan) -> int:
    """A re-run keeps the decisions already taken: placements accepted in the previous version
    and proposed again are accepted in the new one, in the name of whoever accepted them."""
    previous = decisions_for_plan(engine, from_plan)
    carried = 0
    for placement in plan.placements:
        earlier = previous.get((placement.person_id, placement.opportunity_id))
        if earlier is not None and earlier.decision == "accepted":
            decide_placement(engine, to_plan, placement.person_id, placement.opportunity_id, "accepted",
                             decided_by=earlier.decided_by)
            carried += 1
    return carried


def matching_work(engine: Engine, scenario: Scenario, policy: Policy, actor: str, carry_from: int | None):
    """The background work of a matching run: solve, save the plan as a new version (audited
    with who ran it), and carry accepted decisions over from the plan it re-runs. The plan starts
    from the record: people on an assignment are away for the periods it overlaps."""

    def work(progress) -> JobOutcome:
        nonlocal policy
        policy = with_commitments(engine, scenario, policy)
        plan = solve_matching(scenario, policy, progress)
        # The solver reports improvements as they happen; its last word (e.g. the bound closing
        # on the objective when optimality is proven) comes with the plan, so draw it too.
        progress.final(plan.solve_seconds, plan.objective, plan.best_bound)
        stored = retry_when_locked(lambda: save_plan(engine, "matching", plan, created_by=actor, policy=policy))
        if carry_from is not None:
            carry_over_accepted(engine, carry_from, stored.id, plan)
            carry_over_agreements(engine, carry_from, stored.id, proposed_pairs(stored))
        return JobOutcome(plan_summary(plan), stored.id)

    return work


def solve_matching(scenario: Scenario, policy: Policy, progress) -> Plan:
    """One process, or (with `TRELLIS_RAY_ADDRESS` set) in parts on that Ray cluster; a plan made
    on Ray records where its parts ran (`stats["ray"]`: node ids and times, no personal data)."""
    stop = getattr(progress, "stop", None)
    address = ray_address_for_jobs()
    if address is None:
        return solve_plan(scenario, policy, on_progress=progress, stop=stop)
    runner = ray_runner(address)
    plan = solve_plan_in_parts(scenario, policy, run_parts=runner, on_progress=progress, stop=stop)
    plan.stats["ray"] = runner.summary()
    return plan


@dataclass(frozen=True)
class PlacementRow:
    """One proposed placement of a plan version, with names and the decision taken on it."""

    person_id: str
    person_name: str
    team: str
    opportunity_id: str
    opportunity_title: str
    host_team: str
    period: int
    score: float
    explanation: str
    decision: str | None
    decided_by: str | None
    start: str | None = None  # ISO dates of a dated plan
    end: str | None = None
    # What the review page filters on (ids and organisations) and the score terms its "why" reads.
    team_id: str = ""
    organisation: str = ""
    host_team_id: str = ""
    host_organisation: str = ""
    kind: str = ""
    breakdown: Mapping[str, float] | None = None


def proposed_pairs(stored: StoredPlan) -> set[tuple[str, str]]:
    """The (person, opportunity) placements a plan version proposes."""
    return {(p["person_id"], p["opportunity_id"]) for p in (stored.result or {}).get("placements", [])}


def placement_rows(engine: Engine, stored: StoredPlan, scenario: Scenario | None, name_of: NameOf) -> list[PlacementRow]:
    """A version's placements as HR reads them: `name_of` gives the name the reader may see
    (their id otherwise); teams and titles come from the current scenario."""
    decisions = decisions_for_plan(engine, stored.id)
    teams = scenario.team_by_id if scenario else {}
    opps = scenario.opportunity_by_id if scenario else {}
    people = scenario.person_by_id if scenario else {}
    rows = []
    for item in (stored.result or {}).get("placements", []):
        person = people.get(item["person_id"])
        opp = opps.get(item["opportunity_id"])
        home = teams.get(person.team_id) if person else None
        host = teams.get(opp.host_team_id) if opp else None
        decision = decisions.get((item["person_id"], item["opportunity_id"]))
        rows.append(PlacementRow(
            person_id=item["person_id"], person_name=name_of(item["person_id"]),
            team=home.name if home else "",
            opportunity_id=item["opportunity_id"], opportunity_title=opp.title if opp else item["opportunity_id"],
            host_team=host.name if host else "",
            period=int(item.get("period", 1)), score=float(item.get("score", 0.0)),
            explanation=item.get("explanation", ""),
            decision=decision.decision if decision else None, decided_by=decision.decided_by if decision else None,
            start=item.get("start"), end=item.get("end"),
            team_id=home.team_id if home else "", organisation=home.organisation if home else "",
            host_team_id=host.team_id if host else "", host_organisation=host.organisation if host else "",
            kind=opp.kind.value if opp else "", breakdown=item.get("breakdown") or None,
        ))
    return rows


def decision_counts(rows: list[PlacementRow]) -> dict[str, int]:
    """How many placements are accepted, rejected and still undecided."""
    return {"accepted": sum(r.decision == "accepted" for r in rows),
            "rejected": sum(r.decision == "rejected" for r in rows),
            "undecided": sum(r.decision is None for r in rows)}


def unplaced_rows(stored: StoredPlan, name_of: NameOf, scenario: Scenario | None = None) -> list[tuple[str, str, str]]:
    """The people a version left unplaced, each with the main reason (in names, given the scenario)."""
    return [(person_id, name_of(person_id), reason_in_names(reason, scenario))
            for person_id, reason in sorted((stored.result or {}).get("unplaced", {}).items())]


PLAN_EXPORT_HEADER = ["person_id", "name", "team", "opportunity_id", "opportunity", "host_team", "period",
                      "score", "decision", "decided_by", "explanation", "start", "end"]


def plan_export_rows(rows: list[PlacementRow]) -> list[list[Any]]:
    """The placements sheet of an export, one line per placement, undecided ones said so."""
    return [[r.person_id, r.person_name, r.team, r.opportunity_id, r.opportunity_title, r.host_team, r.period,
             round(r.score, 3), r.decision or "undecided", r.decided_by or "", r.explanation,
             r.start or "", r.end or ""] for r in rows]


def plan_export_summary(stored: StoredPlan) -> list[list[Any]]:
    """The summary sheet of an export: review and solver status, objective, bound, who ran and
    who approved the version."""
    result = stored.result or {}
    return [["version", stored.version], ["review status", stored.status], ["solver status", result.get("status")],
            ["objective", result.get("objective")], ["best bound", result.get("best_bound")],
            ["gap", result.get("gap")], ["run by", stored.created_by], ["approved by", stored.approved_by or ""]]


# The plan page lists at most this many blocking pairs (and says how many there are in all).
BLOCKING_PAIRS_SHOWN = 50


@dataclass
class BlockingPairRow:
    person_id: str
    person_name: str
    opportunity_id: str
    opportunity_title: str
    period: int
    reason: str


def blocking_pair_rows(stored: StoredPlan, scenario: Scenario | None, name_of: NameOf,
                       limit: int = BLOCKING_PAIRS_SHOWN) -> tuple[int, list[BlockingPairRow]]:
    """A version's blocking pairs as HR reads them: how many in all, and the first `limit` with
    the person's name (as the reader may see it), the opportunity's title and the reason."""
    result = stored.result or {}
    # Versions saved before blocking pairs were listed hold only their count, under the same key.
    listed = result.get("blocking_pairs") or []
    if isinstance(listed, int):
        count, listed = listed, []
    else:
        count = max(int(result.get("blocking_pair_count") or 0), len(listed))
    opps = scenario.opportunity_by_id if scenario else {}
    rows = []
    for item in listed[:limit]:
        opp = opps.get(item["opportunity_id"])
        rows.append(BlockingPairRow(
            person_id=item["person_id"], person_name=name_of(item["person_id"]),
            opportunity_id=item["opportunity_id"], opportunity_title=opp.title if opp else item["opportunity_id"],
            period=int(item.get("period", 1)), reason=item.get("reason", "")))
    return count, rows
