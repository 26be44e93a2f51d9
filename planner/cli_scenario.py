"""`trellis validate`, `trellis schema` and `trellis convert`: scenario files from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from planner.cli import main
from planner.cli_numbers import whole
from planner.domain import Policy, Scenario, ScenarioError

# Slow imports (scenario reading and writing, with pandas) happen inside the commands that use them:
# `trellis` imports every command module at start-up (COMMAND_MODULES), and deferring them
# keeps `trellis --help` and the other commands quick to start.

EXIT_PROBLEMS = 2


def _read_or_exit(path: Path):
    """Read the scenario, or print every problem (one a line) and exit with status 2."""
    from planner.scenario_io import read_scenario

    try:
        return read_scenario(path)
    except ScenarioError as error:
        for problem in error.problems:
            click.echo(problem.describe())
        noun = "problem" if len(error.problems) == 1 else "problems"
        click.echo(f"{path}: {len(error.problems)} {noun} found; fix them and run `trellis validate` again.", err=True)
        sys.exit(EXIT_PROBLEMS)


def _echo_warnings(warnings, limit: int) -> None:
    shown = warnings if limit <= 0 else warnings[:limit]
    for warning in shown:
        click.echo(f"warning: {warning.describe()}")
    if len(shown) < len(warnings):
        click.echo(f"... and {len(warnings) - len(shown)} more warnings (--max-warnings 0 shows all)")


@main.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--max-warnings", type=whole(0, 1_000_000_000), default=50, show_default=True, help="Warnings to print; 0 prints all.")
def validate_command(path: Path, max_warnings: int) -> None:
    """Check the scenario at PATH (a CSV folder, .xlsx workbook or scenario.json) against the
    format. Prints every problem as `file, row N, column C: message (value 'x'); suggestion`
    and exits 2; when it is valid, prints the rows read per file and any warnings and exits 0."""
    result = _read_or_exit(path)
    for file, rows in result.counts.items():
        click.echo(f"{file}: {rows} {'row' if rows == 1 else 'rows'}")
    _echo_warnings(result.warnings, max_warnings)
    noun = "warning" if len(result.warnings) == 1 else "warnings"
    click.echo(f"{path}: valid ({len(result.warnings)} {noun}).")


@main.command("schema")
@click.argument("what", type=click.Choice(["scenario", "policy"]), default="scenario")
def schema_command(what: str) -> None:
    """Print the JSON Schema of scenario.json (or of policy.json with `trellis schema policy`)."""
    model = Scenario if what == "scenario" else Policy
    click.echo(json.dumps(model.model_json_schema(), indent=2, ensure_ascii=False))


@main.command("convert")
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite DEST when it already holds a scenario.")
def convert_command(source: Path, dest: Path, force: bool) -> None:
    """Convert a scenario between formats: SOURCE (CSV folder, .xlsx or .json) to DEST, which is
    written as scenario JSON when it ends in .json, a workbook when it ends in .xlsx, else a
    folder of CSV files. SOURCE is validated first; nothing is written when it has problems."""
    from planner.scenario_io import TABLES, write_scenario_csv, write_scenario_json, write_scenario_xlsx

    result = _read_or_exit(source)
    suffix = dest.suffix.lower()
    if not force:
        occupied = dest.is_file() or (
            dest.is_dir() and any((dest / t.file).exists() for t in TABLES)
        )
        if occupied:
            raise click.UsageError(f"{dest} already holds a scenario; add --force to overwrite it")
    if suffix == ".json":
        write_scenario_json(result.scenario, dest)
    elif suffix == ".xlsx":
        try:
            write_scenario_xlsx(result.scenario, dest)
        except ValueError as too_big:  # more rows than an Excel sheet holds
            raise click.UsageError(str(too_big)) from None
    else:
        if dest.exists() and not dest.is_dir():
            raise click.UsageError(f"{dest} is a file; give a folder, a .json or an .xlsx path")
        write_scenario_csv(result.scenario, dest)
    counts = ", ".join(f"{rows} {file.removesuffix('.csv')}" for file, rows in result.counts.items())
    click.echo(f"wrote {dest} ({counts})")
