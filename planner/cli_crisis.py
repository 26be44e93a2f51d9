"""`trellis redeploy`: cover crisis demand by skill and urgency; re-plan against a previous plan,
or plan from the store and its record (`--stored`) and record the plan as decided (`--commit`).

The optimiser, the store and the services are imported inside the commands, as in every command
module, so `trellis --help` starts fast."""

from __future__ import annotations

import sys
from datetime import date
from functools import partial
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from planner.cli import main
from planner.cli_numbers import SECONDS, whole
from planner.cli_plan import engine_options, part_runner_or_exit
from planner.domain import ScenarioError

# Slow imports (the redeployment solver, OR-Tools) happen inside the commands that use them:
# `trellis` imports every command module at start-up (COMMAND_MODULES), and deferring them
# keeps `trellis --help` and the other commands quick to start.

EXIT_PROBLEMS = 2


def _fail(problems, what: str) -> None:
    for problem in problems:
        click.echo(f"  {problem.describe()}", err=True)
    click.echo(f"{what}: {len(problems)} problem(s). Nothing was written.", err=True)
    sys.exit(EXIT_PROBLEMS)


def _progress_printer(enabled: bool):
    def show(event) -> None:
        if not enabled:
            return
        text = f"[{event.seconds:6.2f}s] {event.stage}"
        if event.objective is not None:
            text += f": {event.objective:g} units covered" + (" at this priority" if event.stage.startswith("exact") else "")
            if event.bound is not None and event.bound != event.objective:
                text += f" (bound {event.bound:g})"
        if event.message and not event.message.startswith("units covered"):
            text += f" - {event.message}"
        click.echo(text, err=True)
    return show


def _stop(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_PROBLEMS)


def _scenario_from_files(scenario_path: Path):
    from planner.scenario_io import read_scenario

    try:
        read = read_scenario(scenario_path)
    except ScenarioError as error:
        _fail(error.problems, f"{scenario_path}")
    for warning in read.warnings:
        click.echo(f"warning: {warning.describe()}", err=True)
    return read.scenario


@main.command("redeploy")
@click.argument("scenario_path", metavar="[DIR]", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write redeploy.csv and redeploy.json into.")
@click.option("--date", "plan_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Plan date (YYYY-MM-DD) for the rest period; default policy.plan_date, else today.")
@click.option("--days", type=whole(1, 366), default=1, show_default=True,
              help="Days the redeployments run, from the plan date (redeploy.csv start..end).")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A previous redeploy.csv: re-plan keeping as many of its redeployments as possible.")
@click.option("--stored", is_flag=True,
              help="Plan from the stored scenario and its record: redeployments in force on the plan date "
                   "are the baseline, and the rest period counts from the end of each person's latest one.")
@click.option("--commit", is_flag=True,
              help="With --stored: record the plan as decided (assignments, last_redeployed), as the "
                   "console's confirm step does.")
@click.option("--database-url", envvar="TRELLIS_DATABASE_URL", default=None, show_envvar=True,
              help="With --stored: SQLAlchemy URL of the store (default: sqlite:///instance/trellis.sqlite3).")
@click.option("--time-limit", "time_limit", type=SECONDS, default=None,
              help="Seconds the solve may take (default: policy.time_limit_s).")
@click.option("--progress/--no-progress", default=None,
              help="Show solver progress on stderr (default: when stderr is a terminal).")
@engine_options
def redeploy_command(scenario_path: Path | None, out: Path, plan_date, days: int, baseline: Path | None,
                     stored: bool, commit: bool, database_url: str | None, time_limit, progress, engine: str,
                     ray_address: str | None):
    """Redeploy people in DIR (CSV folder, .xlsx or scenario.json), or in the stored scenario
    with --stored, to cover crisis demand.

    Covers priority 1 demand as fully as possible, then priority 2 without losing any priority 1
    unit, and so on; then moves the fewest people, keeps previous redeployments (with
    --baseline, or the recorded ones with --stored), prefers close skill matches and staying
    within one's own organisation. With --engine ray, each region is solved as one part (a Ray
    task); the combined plan is the same optimum."""
    from optimiser.distributed.crisis import redeploy_in_parts
    from optimiser.redeploy import redeploy
    from optimiser.redeploy.rules import plan_date_of
    from planner.redeploy_io import read_redeploy_csv, with_dates, write_redeploy

    if stored == (scenario_path is not None):
        _stop("give a scenario DIR, or --stored to plan from the store (not both)")
    if commit and not stored:
        _stop("--commit records a plan made from the store: add --stored")
    if stored and baseline is not None:
        _stop("--stored re-plans from the redeployments on record; --baseline is for file scenarios")
    runner = part_runner_or_exit(engine, ray_address)
    store_engine = None
    if stored:
        store_engine, scenario = _stored_scenario(database_url)
        where = "the stored scenario"
    else:
        scenario = _scenario_from_files(scenario_path)
        where = str(scenario_path)
    if not scenario.demand:
        _stop(f"{where} has no crisis demand (demand.csv): nothing to redeploy.")
    day = plan_date_of(scenario.policy, plan_date.date() if plan_date else None)
    previous = None
    if baseline is not None:
        try:
            previous = read_redeploy_csv(baseline)
        except ScenarioError as error:
            _fail(error.problems, f"{baseline}")
    if stored:
        scenario, previous = _from_the_record(store_engine, scenario, day)
    if progress is None:
        progress = sys.stderr.isatty()
    solve = redeploy if runner is None else partial(redeploy_in_parts, run_parts=runner)
    result = solve(
        scenario,
        plan_date=day,
        baseline=previous,
        time_limit_s=time_limit if time_limit is not None else scenario.policy.time_limit_s,
        on_progress=_progress_printer(progress),
    )
    result = with_dates(result, days)
    csv_path, json_path = write_redeploy(result, out)
    for line in summary_lines(result):
        click.echo(line)
    click.echo(f"Wrote {csv_path} and {json_path}")
    if commit:
        _commit(store_engine, result, days)


def _stored_scenario(database_url: str | None):
    """The store's engine and scenario (the store opened and checked like every command's);
    one line and exit 2 when it cannot be used."""
    from planner import store
    from planner.cli_store import open_store_or_exit

    engine = open_store_or_exit(database_url)
    try:
        scenario = store.load_scenario(engine)
    except SQLAlchemyError as error:
        _stop(f"cannot use the database: {getattr(error, 'orig', None) or error}")
    if scenario is None:
        _stop("the store holds no scenario: run `trellis import DIR` first")
    return engine, scenario


def _from_the_record(engine, scenario, day: date):
    """The stored scenario with rest counted from the end of each person's latest recorded
    redeployment, and the redeployments in force on the plan date as the baseline."""
    from planner.services.assignments import current_redeployments, scenario_with_rest

    scenario = scenario_with_rest(engine, scenario, day)
    return scenario, current_redeployments(engine, scenario, day)


def _commit(engine, result, days: int) -> None:
    from planner.services.crisis import commit_redeployment

    confirmed = commit_redeployment(engine, result, days, actor="cli")
    click.echo(f"Recorded: {confirmed.recorded} new redeployment(s), {confirmed.kept} kept, "
               f"{confirmed.ended} ended; plan saved as redeployment v{confirmed.version}")


def summary_lines(result) -> list[str]:
    lines = [f"{result.status} ({result.method}) in {result.solve_seconds:.2f} s; plan date {result.plan_date}"]
    for pc in result.coverage_by_priority:
        lines.append(f"  priority {pc.priority}: {pc.covered} of {pc.demanded} units covered"
                     + (f", {pc.uncovered} uncovered" if pc.uncovered else ""))
    lines.append(f"  people moved: {result.people_moved}; cross-organisation moves: {result.cross_organisation_moves}")
    p = result.protected
    lines.append(f"  protected: {p.resting} resting (rest {p.rest_days} days), {p.unavailable} unavailable; "
                 f"{p.resting_candidates + p.unavailable_candidates} of them hold a demanded skill")
    if result.changes is not None:
        c = result.changes
        lines.append(f"  against the previous plan: {len(c.stayed)} stay, {len(c.moved)} newly moved, "
                     f"{len(c.reassigned)} reassigned, {len(c.returned)} return home")
    for u in result.uncovered[:10]:
        lines.append(f"  uncovered: {u.units} x {u.skill}:{u.level} for {u.team_id} (priority {u.priority}): {u.reason}")
    if len(result.uncovered) > 10:
        lines.append(f"  ... and {len(result.uncovered) - 10} more demand lines short (see redeploy.json)")
    lines.extend(f"  note: {n}" for n in result.notes)
    return lines
