"""`trellis redeploy`: cover crisis demand by skill and urgency; re-plan against a previous plan."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from planner.cli import main
from planner.cli_numbers import SECONDS
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


@main.command("redeploy")
@click.argument("scenario_path", metavar="DIR", type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write redeploy.csv and redeploy.json into.")
@click.option("--date", "plan_date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Plan date (YYYY-MM-DD) for the rest period; default policy.plan_date, else today.")
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A previous redeploy.csv: re-plan keeping as many of its redeployments as possible.")
@click.option("--time-limit", "time_limit", type=SECONDS, default=None,
              help="Seconds the solve may take (default: policy.time_limit_s).")
@click.option("--progress/--no-progress", default=None,
              help="Show solver progress on stderr (default: when stderr is a terminal).")
def redeploy_command(scenario_path: Path, out: Path, plan_date, baseline: Path | None, time_limit, progress):
    """Redeploy people in DIR (CSV folder, .xlsx or scenario.json) to cover crisis demand.

    Covers priority 1 demand as fully as possible, then priority 2 without losing any priority 1
    unit, and so on; then moves the fewest people, keeps previous redeployments (with
    --baseline), prefers close skill matches and staying within one's own organisation."""
    from optimiser.redeploy import redeploy
    from planner.redeploy_io import read_redeploy_csv, write_redeploy
    from planner.scenario_io import read_scenario

    try:
        read = read_scenario(scenario_path)
    except ScenarioError as error:
        _fail(error.problems, f"{scenario_path}")
    for warning in read.warnings:
        click.echo(f"warning: {warning.describe()}", err=True)
    scenario = read.scenario
    if not scenario.demand:
        click.echo(f"{scenario_path} has no crisis demand (demand.csv): nothing to redeploy.", err=True)
        sys.exit(EXIT_PROBLEMS)
    previous = None
    if baseline is not None:
        try:
            previous = read_redeploy_csv(baseline)
        except ScenarioError as error:
            _fail(error.problems, f"{baseline}")
    if progress is None:
        progress = sys.stderr.isatty()
    result = redeploy(
        scenario,
        plan_date=plan_date.date() if plan_date else None,
        baseline=previous,
        time_limit_s=time_limit if time_limit is not None else scenario.policy.time_limit_s,
        on_progress=_progress_printer(progress),
    )
    csv_path, json_path = write_redeploy(result, out)
    for line in summary_lines(result):
        click.echo(line)
    click.echo(f"Wrote {csv_path} and {json_path}")


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
