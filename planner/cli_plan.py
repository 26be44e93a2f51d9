"""`trellis plan` (make a matching plan), `trellis explain` (why a person got what they got) and
`trellis whatif` (what relaxing a requirement or allowing stretch would change)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.cli import EXIT_PROBLEMS, load_scenario_or_exit, main
from planner.cli_numbers import SECONDS, SEED, WORKERS, whole

# Slow imports (the matching solver, OR-Tools) happen inside the commands that use them:
# `trellis` imports every command module at start-up (COMMAND_MODULES), and deferring them
# keeps `trellis --help` and the other commands quick to start.

EXIT_INFEASIBLE = 1


def _policy(scenario, time_limit, periods, workers, seed, start=None, period_months=None):
    update = {k: v for k, v in (("time_limit_s", time_limit), ("periods", periods), ("workers", workers),
                                ("random_seed", seed), ("start", start), ("period_months", period_months))
              if v is not None}
    return scenario.policy.model_copy(update=update)


def _progress_printer(enabled: bool):
    if not enabled:
        return None

    def show(event) -> None:
        obj = "-" if event.objective is None else f"{event.objective:,.0f}"
        bound = "-" if event.bound is None else f"{event.bound:,.0f}"
        click.echo(f"  {event.seconds:6.1f}s  best plan {obj:>12}  bound {bound:>12}  ({event.source})", err=True)

    return show


def _summary(plan) -> str:
    gap = "-" if plan.gap is None else f"{plan.gap:.2%}"
    obj = "-" if plan.objective is None else f"{plan.objective:,.0f}"
    bound = "-" if plan.best_bound is None else f"{plan.best_bound:,.0f}"
    scope = f" ({plan.bound_scope})" if plan.bound_scope and plan.best_bound is not None else ""
    return (f"status {plan.status}: {len(plan.placements)} placements over {plan.periods} period(s); "
            f"objective {obj}, bound {bound}{scope}, gap {gap}; {plan.blocking_pair_count} blocking pair(s); "
            f"{plan.solve_seconds:.1f}s")


def _stored_scenario(database_url):
    """The store's engine and scenario (the store opened and checked like every command's);
    one line and exit 2 when it cannot be used."""
    from sqlalchemy.exc import SQLAlchemyError

    from planner import store
    from planner.cli_store import open_store_or_exit

    engine = open_store_or_exit(database_url)
    try:
        scenario = store.load_scenario(engine)
    except SQLAlchemyError as error:
        click.echo(f"cannot use the database: {getattr(error, 'orig', None) or error}", err=True)
        sys.exit(EXIT_PROBLEMS)
    if scenario is None:
        click.echo("the store holds no scenario: run `trellis import DIR` first", err=True)
        sys.exit(EXIT_PROBLEMS)
    return engine, scenario


ENGINES = ("single", "ray")


def engine_options(command):
    """`--engine` and `--ray-address`, shared by `trellis plan` and `trellis redeploy`."""
    command = click.option(
        "--ray-address", envvar="RAY_ADDRESS", default=None, show_envvar=True,
        help="With --engine ray: host:port of the Ray cluster's head (default: a Ray started on this machine).",
    )(command)
    return click.option(
        "--engine", type=click.Choice(ENGINES), default="single", show_default=True,
        help="single: solve in this process; ray: solve in independent parts as Ray tasks, on this machine "
             "or on the cluster at --ray-address.",
    )(command)


def part_runner_or_exit(engine: str, address: str | None):
    """The Ray part runner for `--engine ray` (None for single); one line and exit 2 when the
    cluster cannot be reached, or when --ray-address is given without --engine ray."""
    if engine != "ray":
        source = click.get_current_context().get_parameter_source("ray_address")
        if address and source == click.core.ParameterSource.COMMANDLINE:
            click.echo("--ray-address is for --engine ray", err=True)
            sys.exit(EXIT_PROBLEMS)
        return None
    # Ray takes most of a second to import: only the commands that use it pay for it.
    from optimiser.distributed.ray_runner import RayUnreachable, ray_runner

    try:
        return ray_runner(address)
    except RayUnreachable as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_PROBLEMS)


time_limit_option = click.option("--time-limit", type=SECONDS, default=None,
                                 help="Seconds for the whole solve (default: policy time_limit_s, 30).")


@main.command("plan")
@click.argument("scenario_dir", metavar="[DIR]", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for plan.csv and plan.json.")
@time_limit_option
@click.option("--periods", type=whole(1, 12), default=None, help="Rotation periods to plan (default 1).")
@click.option("--start", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="First day of period 1, YYYY-MM-DD (default: policy start; without one, periods are undated).")
@click.option("--period-months", type=whole(1, 24), default=None,
              help="Length of one period in months (default: policy period_months, 6).")
@click.option("--workers", type=WORKERS, default=None, help="Solver threads (default 2).")
@click.option("--seed", type=SEED, default=None, help="Solver random seed (default 0).")
@click.option("--progress/--no-progress", default=None,
              help="Show objective and bound as they improve (default: on a terminal).")
@click.option("--stored", is_flag=True,
              help="Plan the stored scenario (no DIR): people on an assignment in the record are away for "
                   "the periods it overlaps, and count against their home team's release limit.")
@click.option("--database-url", envvar="TRELLIS_DATABASE_URL", default=None, show_envvar=True,
              help="With --stored: SQLAlchemy URL of the store (default: sqlite:///instance/trellis.sqlite3).")
@engine_options
def plan_command(scenario_dir, out_dir, time_limit, periods, start, period_months, workers, seed, progress,
                 stored, database_url, engine, ray_address):
    """Match people to cross-team opportunities under every rule, and write OUT/plan.csv and
    OUT/plan.json. DIR is a scenario folder (or file); --stored plans the store's scenario from
    its record of assignments instead."""
    from optimiser.matching import solve_plan
    from planner.plan_io import write_plan

    if stored == (scenario_dir is not None):
        click.echo("give a scenario DIR, or --stored to plan from the store (not both)", err=True)
        sys.exit(EXIT_PROBLEMS)
    runner = part_runner_or_exit(engine, ray_address)
    if stored:
        store_engine, scenario = _stored_scenario(database_url)
    else:
        scenario = load_scenario_or_exit(scenario_dir)
    policy = _policy(scenario, time_limit, periods, workers, seed, start.date() if start else None, period_months)
    if stored:
        from planner.services.assignments import with_commitments

        policy = with_commitments(store_engine, scenario, policy)
        store_engine.dispose()
    show = progress if progress is not None else sys.stderr.isatty()
    if runner is None:
        plan = solve_plan(scenario, policy, on_progress=_progress_printer(show))
    else:
        from optimiser.distributed import solve_plan_in_parts

        plan = solve_plan_in_parts(scenario, policy, run_parts=runner, on_progress=_progress_printer(show))
        plan.stats["ray"] = runner.summary()
    csv_path, json_path = write_plan(plan, out_dir)
    click.echo(_summary(plan))
    for warning in plan.warnings:
        click.echo(f"warning: {warning}", err=True)
    if plan.status == "INFEASIBLE":
        click.echo("No plan can meet all of these rules together:", err=True)
        for conflict in plan.conflicts:
            click.echo(f"  - {conflict}", err=True)
        click.echo("Relax one of them (policy.json or the scenario) and plan again.", err=True)
    click.echo(f"wrote {csv_path} and {json_path}")
    if plan.status == "INFEASIBLE":
        sys.exit(EXIT_INFEASIBLE)


@main.command("explain")
@click.argument("plan_dir", metavar="OUT", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--person", "person_id", default=None, help="The person's person_id.")
@click.option("--blocking", is_flag=True, help="List the blocking pairs: who would drop what for whom.")
def explain_command(plan_dir, person_id, blocking):
    """Why a person got their placement(s), or the main reason they got none; with --blocking,
    every person and opportunity who would both rather have each other than what they got."""
    from planner.plan_io import read_plan

    if not person_id and not blocking:
        raise click.UsageError("give --person PERSON_ID and/or --blocking")
    try:
        plan = read_plan(plan_dir)
    except FileNotFoundError as error:
        click.echo(str(error), err=True)
        sys.exit(EXIT_PROBLEMS)
    if blocking:
        _echo_blocking_pairs(plan)
    if person_id:
        _explain_person(plan, person_id)


def _echo_blocking_pairs(plan) -> None:
    count = max(plan.blocking_pair_count, len(plan.blocking_pairs))
    if count == 0:
        click.echo("No blocking pairs: nobody and no opportunity would both rather have each other.")
        return
    click.echo(f"{count} blocking pair(s):")
    for pair in plan.blocking_pairs:
        click.echo(f"  {pair.person_id} + {pair.opportunity_id}: {pair.reason}")
    if len(plan.blocking_pairs) < count:
        click.echo("  (this plan file holds only the count; plan again to list them)")


def _explain_person(plan, person_id: str) -> None:
    mine = [p for p in plan.placements if p.person_id == person_id]
    for p in mine:
        when = f", {p.start} to {p.end}" if p.start else ""
        click.echo(f"{person_id} -> {p.opportunity_id} (period {p.period}{when}): {p.explanation}")
    if mine:
        return
    if person_id in plan.unplaced:
        click.echo(f"{person_id}: no placement. Main reason: {plan.unplaced[person_id]}")
        return
    if plan.status == "INFEASIBLE":
        click.echo(f"{person_id}: no plan was made; conflicting rules: " + "; ".join(plan.conflicts))
        return
    click.echo(f"{person_id}: no placement, and no preferences stated (or not in this plan's scenario).")


def _relax_pair(value: str) -> tuple[str, str]:
    opp, sep, skill = value.partition(":")
    if not sep or not opp or not skill:
        raise click.BadParameter(f"{value!r}: write OPPORTUNITY:SKILL, e.g. OPP0012:gis")
    return opp, skill


@main.command("whatif")
@click.argument("scenario_dir", metavar="DIR", type=click.Path(exists=True, path_type=Path))
@click.option("--relax", "relax", multiple=True, metavar="OPP:SKILL",
              help="Drop one required skill from one opportunity (repeatable).")
@click.option("--stretch", type=whole(0, 4), default=None,
              help="Levels a person may be short of a requirement.")
@time_limit_option
@click.option("--workers", type=WORKERS, default=None)
@click.option("--seed", type=SEED, default=None)
def whatif_command(scenario_dir, relax, stretch, time_limit, workers, seed):
    """Compare the baseline plan with one where requirements are relaxed or stretch is allowed:
    how many more people become eligible, and how the plan changes."""
    from optimiser.matching import what_if

    if not relax and stretch is None:
        raise click.UsageError("give --relax OPP:SKILL and/or --stretch N")
    scenario = load_scenario_or_exit(scenario_dir)
    policy = _policy(scenario, time_limit, None, workers, seed)
    try:
        result = what_if(scenario, [_relax_pair(r) for r in relax], stretch, policy)
    except KeyError as error:
        click.echo(f"Cannot run the what-if: {error.args[0]}", err=True)
        sys.exit(EXIT_PROBLEMS)
    b, c = result.baseline, result.changed
    rows = [
        ("eligible (person, opportunity) pairs", result.eligible_pairs_before, result.eligible_pairs_after),
        ("placements", len(b.placements), len(c.placements)),
        ("objective", b.objective, c.objective),
        ("people left out who wanted a move", len(b.unplaced), len(c.unplaced)),
        ("status", b.status, c.status),
    ]
    click.echo(f"What if: {result.change}")
    click.echo(f"{'':40} {'baseline':>14} {'changed':>14}")
    for label, before, after in rows:
        fb = f"{before:,.0f}" if isinstance(before, (int, float)) else str(before)
        fa = f"{after:,.0f}" if isinstance(after, (int, float)) else str(after)
        click.echo(f"{label:40} {fb:>14} {fa:>14}")
    click.echo(f"people eligible for at least one more opportunity: {result.people_newly_eligible}")
    for r in result.eligible_by_opportunity.itertuples():
        click.echo(f"  {r.opportunity_id}: {r.before} -> {r.after} eligible people")
    gained, lost = result.moved()
    click.echo(f"placements gained: {len(gained)}, placements lost: {len(lost)}")
    for person, opp, period in sorted(gained)[:20]:
        click.echo(f"  + {person} -> {opp} (period {period})")
    for person, opp, period in sorted(lost)[:20]:
        click.echo(f"  - {person} -> {opp} (period {period})")
