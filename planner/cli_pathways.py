"""`trellis pathways` (one person's networked, developmental and ladder pathways) and
`trellis network` (the organisation as a network of teams, before and after a plan)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from planner.cli import EXIT_PROBLEMS, load_scenario_or_exit, main
from planner.cli_numbers import whole

# Slow imports (the pathway search and networkx) happen inside the commands that use them:
# `trellis` imports every command module at start-up (COMMAND_MODULES), and deferring them
# keeps `trellis --help` and the other commands quick to start.


KIND_HEADINGS = {
    "networked": "Networked: across teams, professions and organisations",
    "developmental": "Developmental: the most skill growth, whatever the grade",
    "ladder": "Ladder: promotions within your own profession (for comparison)",
}


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(EXIT_PROBLEMS)


@main.command("pathways")
@click.argument("scenario_dir", metavar="DIR", type=click.Path(exists=True, path_type=Path))
@click.option("--person", "person_id", required=True, help="The person's person_id.")
@click.option(
    "--target",
    default=None,
    help="An opportunity id (usually a role), or skill goals like 'data-analysis:3;gis:2'.",
)
@click.option("--max-steps", type=whole(1, 6), default=3, show_default=True, help="Most moves in a pathway.")
@click.option("--json", "as_json", is_flag=True, help="Print the pathways as JSON.")
def pathways_command(scenario_dir: Path, person_id: str, target: str | None, max_steps: int, as_json: bool) -> None:
    """Where one person's skills can take them: networked, developmental and ladder pathways of
    up to --max-steps moves, each step one they are eligible for with the skills gained so far."""
    from planner.pathways import PathwayIndex, PathwayInputError

    scenario = load_scenario_or_exit(scenario_dir)
    try:
        result = PathwayIndex(scenario).pathways_for(person_id, target=target, max_steps=max_steps)
    except PathwayInputError as error:
        _fail(f"Cannot show pathways: {error}")
    if as_json:
        click.echo(result.model_dump_json(indent=2))
        return
    click.echo(_pathways_text(scenario, result, target, max_steps))


def _pathways_text(scenario, result, target: str | None, max_steps: int) -> str:
    person = scenario.person_by_id[result.person_id]
    team = scenario.team_by_id[person.team_id]
    lines = [f"Pathways for {person.person_id}: grade {person.grade}, {person.profession}, {team.name} ({team.organisation})"]
    if person.aspirations:
        lines.append("Aspirations: " + ", ".join(f"{s} {lv}" for s, lv in sorted(person.aspirations.items())))
    if target:
        lines.append(f"Target: {target}")
    opps = scenario.opportunity_by_id
    for kind, heading in KIND_HEADINGS.items():
        lines += ["", heading]
        found = result.of_kind(kind)
        if not found:
            lines.append(f"  none within {max_steps} move(s)")
        for n, pathway in enumerate(found, start=1):
            facts = [f"{len(pathway.steps)} step(s)", f"{round(pathway.aspirations_reached * 100)}% of aspirations"]
            if pathway.target_reached is not None:
                facts.append("target reached" if pathway.target_reached else "target not reached")
            lines.append(f"  {n}. " + ", ".join(facts))
            for k, step in enumerate(pathway.steps, start=1):
                crosses = [c for c in step.crosses if c != "team"]
                extra = f" [crosses {' and '.join(crosses)}]" if crosses else ""
                lines.append(f"     {k}) {step.opportunity_id} {opps[step.opportunity_id].title}{extra}")
                lines.append(f"        {step.explanation}")
    if result.unreachable:
        lines += ["", "Out of reach:"] + [f"  - {note}" for note in result.unreachable]
    return "\n".join(lines)


@main.command("network")
@click.argument("scenario_dir", metavar="DIR", type=click.Path(exists=True, path_type=Path))
@click.option("--plan", "plan_path", type=click.Path(path_type=Path), default=None, help="A plan.csv to compare against.")
@click.option("--json", "as_json", is_flag=True, help="Print nodes, edges, metrics and flows as JSON.")
def network_command(scenario_dir: Path, plan_path: Path | None, as_json: bool) -> None:
    """The organisation as a network of teams: islands, links across organisations, average steps
    between teams and bridges, before and (with --plan) after a plan."""
    from planner.network import PlanFileError, organisation_network, read_plan_placements

    scenario = load_scenario_or_exit(scenario_dir)
    placements = None
    if plan_path is not None:
        try:
            placements = read_plan_placements(plan_path, scenario)
        except PlanFileError as error:
            for problem in error.problems:
                click.echo(f"  {problem}", err=True)
            _fail(f"{plan_path}: cannot be read against this scenario.")
    report = organisation_network(scenario, placements)
    if as_json:
        click.echo(report.model_dump_json(indent=2))
        return
    click.echo(_network_text(scenario, report))


def _network_text(scenario, report) -> str:
    teams = scenario.team_by_id
    final = report.after or report.before
    lines = [f"Organisation network: {final.teams} teams"]
    lines += [f"  {line}" for line in report.summary]
    if final.isolated_team_ids:
        names = ", ".join(teams[t].name for t in final.isolated_team_ids[:10])
        more = f" and {len(final.isolated_team_ids) - 10} more" if len(final.isolated_team_ids) > 10 else ""
        lines.append(f"Teams with no link{' after the plan' if report.after else ''}: {names}{more}")
    if final.bridge_links:
        lines.append("Bridges (losing one would split a group):")
        for b in final.bridge_links[:10]:
            lines.append(f"  {teams[b.source].name} - {teams[b.target].name}")
        if len(final.bridge_links) > 10:
            lines.append(f"  and {len(final.bridge_links) - 10} more")
    if report.flows:
        lines.append("People moved between services (largest flows):")
        for f in report.flows[:10]:
            lines.append(f"  {f.from_service} -> {f.to_service}: {f.people}")
    return "\n".join(lines)
