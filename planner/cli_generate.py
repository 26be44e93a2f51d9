"""`trellis generate`: write a seeded, fictional scenario (or the bundled sample) to disk."""

from __future__ import annotations

import time
from pathlib import Path

import click

from planner.cli import main
from planner.cli_numbers import SEED, whole
from planner.generate import MAX_PEOPLE, MAX_REGIONS, MIN_PEOPLE, SAMPLE_PEOPLE, SAMPLE_SEED, generate_scenario
from planner.generate.monitoring import MONITORING_VALUES, with_monitoring
from planner.generate.regions import MIN_PEOPLE_PER_REGION
from planner.scenario_io import write_scenario_csv, write_scenario_json, write_scenario_xlsx
from planner.scenario_io.writers import EXCEL_MAX_ROWS


def write_generated(scenario, out: Path, monitoring: bool = False) -> None:
    """A `.json` path gets one JSON document, `.xlsx` a workbook, anything else a CSV folder."""
    suffix = out.suffix.lower()
    if suffix == ".json":
        write_scenario_json(scenario, out)
    elif suffix == ".xlsx":
        write_scenario_xlsx(scenario, out)
    else:
        write_scenario_csv(scenario, out, monitoring=monitoring)


@main.command("generate")
@click.option("--people", type=whole(MIN_PEOPLE, MAX_PEOPLE), help="how many staff to generate")
@click.option("--seed", type=SEED, help="the same seed gives the same scenario (default 0)")
@click.option("--regions", type=whole(1, MAX_REGIONS),
              help="a national scenario: spread the staff over this many English regions, each with its own "
                   "employers; about one opportunity in ten is remote (default: no regions)")
@click.option("--crisis", is_flag=True, help="add a crisis: paused and critical teams, demand.csv, rest dates")
@click.option("--sample", is_flag=True,
              help=f"the bundled sample exactly: {SAMPLE_PEOPLE} people, seed {SAMPLE_SEED}")
@click.option("--monitoring", type=click.Choice(sorted(MONITORING_VALUES)), default=None,
              help="add a synthetic equality-monitoring column to people.csv and the four-fifths rule "
                   "on it to policy.json (CSV folders only; off by default)")
@click.argument("out", type=click.Path(path_type=Path))
def generate_command(people: int | None, seed: int | None, regions: int | None, crisis: bool, sample: bool,
                     monitoring: str | None, out: Path) -> None:
    """Write a realistic, fictional scenario of the Riverbrook partnership to OUT (a CSV folder,
    or a .json / .xlsx file).

    \b
    Examples:
      trellis generate --people 10000 --seed 7 big/
      trellis generate --people 1000000 --regions 7 --seed 7 national/
      trellis generate --sample data/sample
      trellis generate --sample --crisis data/sample-crisis
    """
    if sample:
        if people is not None or seed is not None or regions is not None:
            raise click.UsageError("--sample fixes the size and seed; leave out --people, --seed and --regions")
        people, seed = SAMPLE_PEOPLE, SAMPLE_SEED
    elif people is None:
        raise click.UsageError("say how many people to generate with --people N (or use --sample)")
    if regions and people < MIN_PEOPLE_PER_REGION * regions:
        raise click.UsageError(f"--regions {regions} needs at least {MIN_PEOPLE_PER_REGION * regions:,} people "
                               f"({MIN_PEOPLE_PER_REGION} per region)")
    if out.suffix.lower() == ".xlsx" and people >= EXCEL_MAX_ROWS:
        raise click.UsageError(f"an Excel sheet holds at most {EXCEL_MAX_ROWS - 1:,} people: "
                               "write a CSV folder (or a .json file) instead")
    if monitoring and out.suffix.lower() in (".json", ".xlsx"):
        raise click.UsageError("--monitoring writes a CSV folder: monitoring columns are read from people.csv")
    seed = 0 if seed is None else seed
    started = time.perf_counter()
    scenario = generate_scenario(people, seed, crisis=crisis, regions=regions or 0)
    if monitoring:
        scenario = with_monitoring(scenario, monitoring, seed)
    write_generated(scenario, out, monitoring=bool(monitoring))
    extra = f", {sum(d.count for d in scenario.demand)} units of crisis demand" if crisis else ""
    click.echo(
        f"Wrote {len(scenario.people):,} people in {len(scenario.teams):,} teams, "
        f"{len(scenario.opportunities):,} opportunities{extra}{f' in {regions} regions' if regions else ''} to {out} "
        f"(seed {seed}, {time.perf_counter() - started:.1f} s)"
    )
