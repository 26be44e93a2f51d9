"""The matching model: data, variables, rules, objective (`build_model`), kept apart from solving
(`solve`), so tests can inspect a model without solving it.

Variables are x[pair, period], one Boolean per eligible (person, opportunity) pair and period,
numbered `period * n_pairs + pair`. The rules of `optimiser.rules` arrive as sparse rows; each row
becomes one CP-SAT linear constraint, written straight into the model's proto from arrays.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from optimiser.candidates import eligible_pair_blocks, scenario_arrays
from optimiser.model_data import ModelData, Rows
from optimiser.objective import score_pairs
from optimiser.rules import HARD_RULES, build_rows
from optimiser.run_control import SolveControl
from planner.domain import Policy, Scenario

# Variable names make a model dump readable; beyond this size they only cost build time.
_NAMED_VARS_UP_TO = 20_000
_LIGHT_PRESOLVE_FROM = 5_000


@dataclass
class BuiltModel:
    data: ModelData
    rows: dict[str, Rows]
    model: cp_model.CpModel
    points: np.ndarray  # objective coefficient per variable
    build_seconds: float
    candidate_seconds: float = 0.0
    assumptions: dict[int, str] = field(default_factory=dict)  # literal index -> rule instance

    @property
    def n_vars(self) -> int:
        return self.data.n_vars


# Beyond this many candidate pairs (the largest scenarios), each person keeps only their best
# PAIRS_KEPT_PER_PERSON pairs by score, plus every pair they ranked or HR pinned or forbade.
# Large scenarios have millions of eligible pairs (bench/README.md); a person is placed at most
# once per period, so pairs far down their own list rarely matter, and those that do are found by
# pricing every eligible pair with the LP duals and added back (column generation, optimiser.pricing).
PRUNE_FROM_PAIRS = 1_500_000
PAIRS_KEPT_PER_PERSON = 3


@dataclass
class EligiblePairs:
    """Every eligible pair of a scenario, compactly: the opportunities and points of each person's
    pairs, person by person (`starts[p]:starts[p+1]`), sorted by opportunity within a person.
    Eight bytes a pair (300 MB for the 37 million pairs of 100,000 people); no Python objects.
    `in_model` marks the pairs that are variables of the current model."""

    starts: np.ndarray  # int64, one more than people
    opp: np.ndarray  # int32
    points: np.ndarray  # int32
    in_model: np.ndarray  # bool
    # A bound needing no solver (see pricing.trivial_bound): each person's best pairs, one per period,
    # summed; or each opportunity's best points times its places and periods, if smaller.
    best_alone: float | None = None

    @property
    def n_pairs(self) -> int:
        return len(self.opp)

    def person_of(self, index: np.ndarray) -> np.ndarray:
        """The person (position in the scenario) of each pair index."""
        return (np.searchsorted(self.starts, index, side="right") - 1).astype(np.int32)

    def blocks(self, size: int = 2_000_000):
        """(first index, person, opp, points) in blocks of about `size` pairs; each person's pairs
        are all in one block."""
        n = self.n_pairs
        first = 0
        while first < n:
            last = min(n, first + size)
            if last < n:  # end on a person boundary
                last = int(self.starts[np.searchsorted(self.starts, last, side="left")])
            yield first, self.person_of(np.arange(first, last)), self.opp[first:last], self.points[first:last]
            first = last

    @staticmethod
    def of_model(data: ModelData) -> EligiblePairs:
        """The model's own pairs in the same form (every one `in_model`)."""
        person = data.pairs["person"].to_numpy()
        counts = np.bincount(person, minlength=data.arrays.n_people)
        return EligiblePairs(starts=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                             opp=data.pairs["opp"].to_numpy().astype(np.int32),
                             points=data.pairs["points"].to_numpy().astype(np.int32),
                             in_model=np.ones(len(person), dtype=bool))


def best_pairs_mask(person: np.ndarray, points: np.ndarray, rank: np.ndarray, per_person: int,
                    must_keep: np.ndarray | None = None) -> np.ndarray:
    """Which pairs are among their person's `per_person` best by score, ranked, or `must_keep`."""
    position = rank_within_person(person, points)
    keep = (position < per_person) | (rank > 0)
    if must_keep is not None:
        keep |= must_keep
    return keep


def rank_within_person(person: np.ndarray, points: np.ndarray) -> np.ndarray:
    """0 for each person's best-scoring pair, 1 for the next... (ties by position)."""
    if len(person) == 0:
        return np.zeros(0, dtype=np.int64)
    # One sort of one int64 key (person, then points descending) is several times faster than lexsort.
    low = points.astype(np.int64)
    key = person.astype(np.int64) * (1 << 32) + (low.max() - low)
    order = np.argsort(key, kind="stable")
    sorted_person = person[order]
    first = np.searchsorted(sorted_person, sorted_person, side="left")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order)) - first
    return position


def keep_best_pairs(scored: pd.DataFrame, per_person: int, must_keep: np.ndarray | None = None) -> pd.DataFrame:
    """Each person's `per_person` best-scoring pairs, plus ranked pairs and `must_keep` rows."""
    keep = best_pairs_mask(scored["person"].to_numpy(), scored["points"].to_numpy(), scored["rank"].to_numpy(),
                           per_person, must_keep)
    return scored[keep].reset_index(drop=True)


def _fixed_pair_keys(a, policy: Policy) -> np.ndarray:
    """person * n_opps + opp of every pinned or forbidden pair (they always stay in the model)."""
    person_pos = {pid: i for i, pid in enumerate(a.person_ids)}
    opp_pos = {oid: i for i, oid in enumerate(a.opp_ids)}
    fixed = {(person_pos[x.person_id], opp_pos[x.opportunity_id]) for x in policy.pinned + policy.forbidden}
    return np.array(sorted(p * a.n_opps + o for p, o in fixed), dtype=np.int64)


def model_and_eligible_pairs(scenario: Scenario, policy: Policy | None = None, periods: int | None = None,
                             keep_per_person: int | None = None,
                             prune_from: int | None = None) -> tuple[ModelData, EligiblePairs]:
    """The model's scored pairs and every eligible pair, made block by block of people.

    When there are more than `prune_from` eligible pairs (default PRUNE_FROM_PAIRS) and the plan
    need not be stable, the model keeps each person's `keep_per_person` best pairs (default
    PAIRS_KEPT_PER_PERSON, at least one) plus ranked, pinned and forbidden ones; the rest stay in
    `EligiblePairs` for pricing. The model's pairs carry their index there in column `eligible`."""
    policy = policy or scenario.policy
    a = scenario_arrays(scenario)
    keep = max(1, PAIRS_KEPT_PER_PERSON if keep_per_person is None else keep_per_person)
    limit = PRUNE_FROM_PAIRS if prune_from is None else prune_from
    may_prune = not policy.stable
    fixed = _fixed_pair_keys(a, policy)
    k = periods or policy.periods
    best_alone = 0.0
    best_on_opp = np.zeros(a.n_opps, dtype=np.int64)
    counts = np.zeros(a.n_people, dtype=np.int64)
    shortlist = _Shortlist(CANDIDATES_PER_PLACE * a.opp_capacity * k)
    opp_parts, point_parts = [], []
    unpruned: list[pd.DataFrame] = []
    kept: list[pd.DataFrame] = []
    total = 0

    def prune(scored: pd.DataFrame) -> pd.DataFrame:
        keep_mask = (scored["position"].to_numpy() < keep) | (scored["rank"].to_numpy() > 0)
        if len(fixed):
            keys = scored["person"].to_numpy(np.int64) * a.n_opps + scored["opp"].to_numpy(np.int64)
            keep_mask |= np.isin(keys, fixed)
        return scored[keep_mask].drop(columns="position")

    for person, opp in eligible_pair_blocks(scenario, policy):
        scored = score_pairs(a, pd.DataFrame({"person": person, "opp": opp}), policy.weights)
        scored["eligible"] = np.arange(total, total + len(scored), dtype=np.int64)
        scored["position"] = rank_within_person(person, scored["points"].to_numpy())
        # Each person's best pair per period, one each: a bound that needs no solver.
        best_alone += float(scored["points"].to_numpy()[scored["position"].to_numpy() < k].sum())
        np.maximum.at(best_on_opp, opp, scored["points"].to_numpy())
        total += len(scored)
        counts += np.bincount(person, minlength=a.n_people)
        opp_parts.append(opp)
        point_parts.append(scored["points"].to_numpy().astype(np.int32))
        shortlist.offer(scored["eligible"].to_numpy(), opp, scored["points"].to_numpy())
        if may_prune and total > limit:
            kept.extend(prune(part) for part in unpruned)
            unpruned = []
            kept.append(prune(scored))
        else:
            unpruned.append(scored)
    parts = kept + unpruned
    if kept:  # pruned: add each opportunity's best candidates too (see _Shortlist)
        index = np.setdiff1d(shortlist.index, np.concatenate([part["eligible"].to_numpy() for part in kept]))
        opp_all = np.concatenate(opp_parts)
        person_all = (np.searchsorted(np.cumsum(counts), index, side="right")).astype(np.int32)
        extra = score_pairs(a, pd.DataFrame({"person": person_all, "opp": opp_all[index]}), policy.weights)
        extra["eligible"] = index
        parts = parts + [extra]
    if parts:
        pairs = pd.concat(parts, ignore_index=True)
        if "position" in pairs:
            pairs = pairs.drop(columns="position")
        pairs = pairs.sort_values("eligible", kind="stable").reset_index(drop=True)
    else:
        pairs = score_pairs(a, pd.DataFrame({"person": np.zeros(0, np.int32), "opp": np.zeros(0, np.int32)}),
                            policy.weights)
        pairs["eligible"] = np.zeros(0, np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    in_model = np.zeros(total, dtype=bool)
    in_model[pairs["eligible"].to_numpy()] = True
    eligible = EligiblePairs(starts=starts,
                             opp=np.concatenate(opp_parts) if opp_parts else np.zeros(0, np.int32),
                             points=np.concatenate(point_parts) if point_parts else np.zeros(0, np.int32),
                             in_model=in_model,
                             best_alone=min(best_alone, float((best_on_opp * a.opp_capacity).sum() * k)))
    data = ModelData(scenario=scenario, arrays=a, pairs=pairs, policy=policy, periods=periods or policy.periods)
    data.pruned_from = total if len(pairs) < total else None
    return data, eligible


# A pruned model also keeps each opportunity's best CANDIDATES_PER_PLACE candidates per place and
# period: where places are scarce, the people an opportunity should get are often not among their
# own 3 best, and without them the first LP round's duals price too many pairs positively.
CANDIDATES_PER_PLACE = 2


class _Shortlist:
    """The best-scoring pairs of each opportunity (at most `quota[o]`), kept while blocks of
    pairs go by: a pair enters only if it beats the opportunity's current last one."""

    def __init__(self, quota: np.ndarray):
        self.quota = quota.astype(np.int64)
        self.threshold = np.full(len(quota), -1, dtype=np.int64)
        self.index = np.zeros(0, dtype=np.int64)
        self.opp = np.zeros(0, dtype=np.int64)
        self.points = np.zeros(0, dtype=np.int64)

    def offer(self, index: np.ndarray, opp: np.ndarray, points: np.ndarray) -> None:
        enter = points >= self.threshold[opp]
        self.index = np.concatenate([self.index, index[enter]])
        self.opp = np.concatenate([self.opp, opp[enter].astype(np.int64)])
        self.points = np.concatenate([self.points, points[enter].astype(np.int64)])
        position = rank_within_person(self.opp, self.points)
        keep = position < self.quota[self.opp]
        last = keep & (position == self.quota[self.opp] - 1)
        self.threshold[self.opp[last]] = self.points[last]
        self.index, self.opp, self.points = self.index[keep], self.opp[keep], self.points[keep]


def model_data(scenario: Scenario, policy: Policy | None = None, periods: int | None = None,
               pairs: pd.DataFrame | None = None, prune: bool = True) -> ModelData:
    """Scored candidate pairs and everything the rules read (large scenarios: each person's best)."""
    policy = policy or scenario.policy
    if pairs is None:
        return model_and_eligible_pairs(scenario, policy, periods, prune_from=None if prune else 2**62)[0]
    a = scenario_arrays(scenario)
    scored = score_pairs(a, pairs, policy.weights)
    return ModelData(scenario=scenario, arrays=a, pairs=scored, policy=policy, periods=periods or policy.periods)


def with_more_pairs(data: ModelData, eligible: EligiblePairs, index: np.ndarray) -> ModelData:
    """The model with the eligible pairs at `index` added (column generation): scored, sorted by
    person then opportunity like the rest, marked `in_model`."""
    index = np.unique(index[~eligible.in_model[index]])
    if len(index) == 0:
        return data
    a = data.arrays
    added = score_pairs(a, pd.DataFrame({"person": eligible.person_of(index), "opp": eligible.opp[index]}),
                        data.policy.weights)
    added["eligible"] = index
    pairs = pd.concat([data.pairs, added], ignore_index=True).sort_values("eligible", kind="stable")
    eligible.in_model[index] = True
    grown = ModelData(scenario=data.scenario, arrays=a, pairs=pairs.reset_index(drop=True), policy=data.policy,
                      periods=data.periods, critical_table=data.critical_table)
    grown.pruned_from = data.pruned_from if len(pairs) < eligible.n_pairs else None
    return grown


def _add_rows(model: cp_model.CpModel, rows: Rows, enforce: list[int] | None = None) -> None:
    """Write each row as a linear constraint; `enforce[g]` (optional) is the literal that switches
    group g on, for infeasibility diagnosis."""
    if rows.n_rows == 0:
        return
    order = np.argsort(rows.row, kind="stable")
    var = rows.var[order].tolist()
    coef = rows.coef[order].tolist()
    ends = np.cumsum(np.bincount(rows.row, minlength=rows.n_rows)).tolist()
    lb, ub = rows.lb.tolist(), rows.ub.tolist()
    group = rows.row_group.tolist()
    constraints = model.proto.constraints
    start = 0
    for r, end in enumerate(ends):
        ct = constraints.add()
        if enforce is not None:
            ct.enforcement_literal.append(enforce[group[r]])
        lin = ct.linear
        lin.vars.extend(var[start:end])
        lin.coeffs.extend(coef[start:end])
        lin.domain.extend([lb[r], ub[r]])
        start = end


def build_model(data: ModelData, diagnose: bool = False) -> BuiltModel:
    """The CP-SAT model: one Boolean per candidate pair and period, every hard rule, and the
    weighted objective. With `diagnose`, every rule instance is switched on by its own literal
    so an infeasible model can name the instances that conflict (CP-SAT assumptions)."""
    started = time.perf_counter()
    rows = build_rows(data)
    model = cp_model.CpModel()
    n, k = data.n_pairs, data.periods
    if data.n_vars <= _NAMED_VARS_UP_TO:
        pid = data.arrays.person_ids[data.pairs["person"].to_numpy()]
        oid = data.arrays.opp_ids[data.pairs["opp"].to_numpy()]
        for t in range(k):
            for p, o in zip(pid, oid):
                model.new_bool_var(f"x[{p},{o},{t + 1}]")
    else:
        variables = model.proto.variables
        for _ in range(data.n_vars):
            variables.add().domain.extend([0, 1])
    for name, lb, ub in data.aux:
        model.new_int_var(lb, ub, name)
    assumptions: dict[int, str] = {}
    literals = []
    for rule in HARD_RULES:
        r = rows[rule.key]
        enforce = None
        if diagnose and r.n_rows:
            enforce = []
            for g in r.groups:
                lit = model.new_bool_var(f"rule[{g}]")
                assumptions[lit.index] = g
                literals.append(lit)
                enforce.append(lit.index)
        _add_rows(model, r, enforce)
    points = np.tile(data.pairs["points"].to_numpy(dtype=np.int64), k)
    if not diagnose:
        objective = model.proto.objective
        objective.vars.extend(range(n * k))
        objective.coeffs.extend((-points).tolist())
        objective.scaling_factor = -1.0
    if assumptions:
        model.add_assumptions(literals)
    return BuiltModel(data=data, rows=rows, model=model, points=points,
                      build_seconds=time.perf_counter() - started, assumptions=assumptions)


@dataclass
class Progress:
    """One progress event: seconds since the solve started, best objective and best bound."""

    seconds: float
    objective: float | None
    bound: float | None
    source: str = "cp-sat"
    phase: str | None = None  # a key of optimiser.run_control.PHASES
    placements: int | None = None  # in the best plan so far, when known


@dataclass
class SolveResult:
    status: str
    objective: float | None
    bound: float | None
    chosen: np.ndarray  # 0/1 per variable
    seconds: float
    progress: list[Progress]
    conflicts: list[str] = field(default_factory=list)


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, n_vars: int, emit: Callable[[Progress], None]):
        super().__init__()
        self.n_vars = n_vars
        self.emit = emit

    def on_solution_callback(self) -> None:
        solution = self.response_proto.solution
        placed = int(sum(solution[i] for i in range(min(self.n_vars, len(solution)))))
        self.emit(Progress(self.wall_time, self.objective_value, self.best_objective_bound, placements=placed))


def solve(built: BuiltModel, time_limit_s: float, workers: int = 2, seed: int = 0,
          hint: np.ndarray | None = None, on_progress: Callable[[Progress], None] | None = None,
          log: bool = False, light_presolve: bool | None = None,
          control: SolveControl | None = None) -> SolveResult:
    """Solve within `time_limit_s`; return the best plan found with its status, objective and bound.
    With `control`, a stop request ends the search early (the best plan so far is kept)."""
    model = built.model
    model.proto.clear_solution_hint()
    if hint is not None and len(hint) in (built.n_vars, built.data.n_total_vars):
        model.proto.solution_hint.vars.extend(range(len(hint)))
        model.proto.solution_hint.values.extend(np.asarray(hint, dtype=np.int64).tolist())
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, float(time_limit_s))
    p.num_workers = workers
    p.random_seed = seed
    p.log_search_progress = log
    if light_presolve is None:
        light_presolve = built.n_vars > _LIGHT_PRESOLVE_FROM
    if light_presolve:
        # Measured (bench/README.md): on large models full presolve (probing, symmetry) used the whole
        # time limit before search began; the model is already tight, so skip them.
        p.cp_model_presolve = False
        p.symmetry_level = 0
    events: list[Progress] = []
    best = {"bound": None}

    def emit(event: Progress) -> None:
        if event.bound is None:
            event.bound = best["bound"]
        events.append(event)
        if on_progress is not None:
            on_progress(event)

    def on_bound(bound: float) -> None:
        best["bound"] = bound
        last = events[-1].objective if events else None
        emit(Progress(time.perf_counter() - started, last, bound))

    solver.best_bound_callback = on_bound
    started = time.perf_counter()
    with control.interruptible(solver.stop_search) if control is not None else nullcontext():
        status = solver.solve(model, _Reporter(built.n_vars, emit))
    seconds = time.perf_counter() - started
    name = solver.status_name(status)
    chosen = np.zeros(built.n_vars, dtype=np.int8)
    objective = bound = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = np.fromiter(solver.response_proto.solution, dtype=np.int64, count=built.n_vars).astype(np.int8)
        objective = float(solver.objective_value) if not built.assumptions else None
        bound = float(solver.best_objective_bound) if not built.assumptions else None
    elif status == cp_model.UNKNOWN:
        name = "TIME_LIMIT_NO_PLAN"
    conflicts = []
    if status == cp_model.INFEASIBLE and built.assumptions:
        conflicts = [built.assumptions[i] for i in solver.sufficient_assumptions_for_infeasibility()
                     if i in built.assumptions]
    return SolveResult(name, objective, bound, chosen, seconds, events, conflicts)
