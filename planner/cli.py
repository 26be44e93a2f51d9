"""The `trellis` command line. Each area registers its commands from its own module, listed in
COMMAND_MODULES, so adding a command touches one place."""

from __future__ import annotations

import importlib
import sys

import click

# Slow imports (scenario reading, with pandas) happen inside the commands that use them:
# `trellis` imports every command module at start-up (COMMAND_MODULES), and deferring them
# keeps `trellis --help` and the other commands quick to start.


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="trellis")
def main() -> None:
    """Trellis: plan networked and developmental progression across public services."""


EXIT_PROBLEMS = 2


def load_scenario_or_exit(path):
    """Read a scenario for a command; on problems print every one (file, row, column) and exit 2."""
    from planner.domain import ScenarioError
    from planner.scenario_io import read_scenario

    try:
        return read_scenario(path).scenario
    except ScenarioError as error:
        for problem in error.problems:
            click.echo(f"  {problem.describe()}", err=True)
        click.echo(f"{path}: {len(error.problems)} problem(s) in the scenario; fix them and try again.", err=True)
        sys.exit(EXIT_PROBLEMS)


# Each module decorates its commands onto `main` when imported.
COMMAND_MODULES: list[str] = [
    "planner.cli_generate",
    "planner.cli_scenario",
    "planner.cli_store",
    "planner.cli_web",
    "planner.cli_crisis",
    "planner.cli_pathways",
    "planner.cli_plan",
    "planner.cli_fairness",
    "planner.cli_taxonomy",
    "planner.cli_tokens",
]

for _module in COMMAND_MODULES:
    importlib.import_module(_module)
