"""`trellis fairness`: each group's placement rate on a monitored characteristic (the equality
report), with groups under 10 eligible people left out. Special-category data: for HR only."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.cli import EXIT_PROBLEMS, load_scenario_or_exit, main

# The report (and OR-Tools, which its eligibility check imports) load inside the command: every
# command module is imported when `trellis` starts, and deferring them keeps start-up quick.


@main.command("fairness")
@click.argument("plan_dir", metavar="PLAN_DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--scenario", "scenario_dir", required=True, type=click.Path(exists=True, path_type=Path),
              help="The scenario the plan was made from (its people.csv holds the monitoring columns).")
@click.option("--attribute", default=None,
              help="The monitoring column to report on (default: the policy's equality.attribute).")
def fairness_command(plan_dir, scenario_dir, attribute):
    """Placement rate per group (placed / people available and eligible for at least one
    opportunity), and whether each reaches min_ratio (four-fifths) of the best group's."""
    from optimiser.equality_report import equality_report
    from planner.plan_io import read_plan

    scenario = load_scenario_or_exit(scenario_dir)
    try:
        plan = read_plan(plan_dir)
        report = equality_report(scenario, plan.placements, plan.periods, attribute)
    except (FileNotFoundError, ValueError) as error:
        click.echo(f"Cannot report: {error}", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"Placement rates by {report.attribute} (groups of at least 10 eligible people; "
               f"rule: at least {report.min_ratio:.0%} of the best group's rate)")
    header = f"{'group':24} {'eligible':>8}"
    for t in range(1, report.periods + 1):
        header += f" {'placed p' + str(t):>10} {'rate':>7} {'of best':>8}"
    click.echo(header)
    for g in report.groups:
        line = f"{g.group[:24]:24} {g.eligible:>8}"
        for placed, rate, of_best in zip(g.placed, g.rates, g.of_best):
            line += f" {placed:>10} {rate:>7.1%} {of_best:>8.0%}"
        click.echo(line)
    if not report.groups:
        click.echo("(no group has 10 or more eligible people)")
    if report.suppressed_groups:
        click.echo(f"{report.suppressed_groups} smaller group(s) not shown.")
    click.echo("Every group reaches the rule." if report.meets_rule else
               "Some group falls below the rule.")
