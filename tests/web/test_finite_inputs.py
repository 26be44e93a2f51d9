"""Numbers from outside are finite and in range: every numeric option of every `trellis` command,
every policy.json number and every numeric field of every web form refuse nan, inf, -inf, huge
and negative values with one clear line (exit 2) or a refused form, never a traceback or a
solve without a time limit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from helpers import post
from pydantic import ValidationError

from planner.cli import main
from planner.cli_numbers import Bounded
from planner.domain import Policy, ScenarioError
from planner.scenario_io import read_scenario

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
BAD_NUMBERS = ["nan", "NaN", "inf", "-inf", "Infinity", "1e400", "1e30", str(10**30), "-1", "-0.5", "abc", ""]


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    """(command path, command) of every command, subcommands of groups included."""
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


def _numeric_options():
    for path, command in _commands(main):
        for param in command.params:
            if isinstance(param.type, (click.types.IntParamType, click.types.FloatParamType, Bounded)):
                yield path, param


NUMERIC_OPTIONS = list(_numeric_options())


def test_the_walk_finds_the_numeric_options_of_every_command():
    names = {(" ".join(path), param.opts[0]) for path, param in NUMERIC_OPTIONS}
    assert {("plan", "--time-limit"), ("plan", "--periods"), ("plan", "--seed"), ("redeploy", "--time-limit"),
            ("generate", "--people"), ("serve", "--port"), ("validate", "--max-warnings")} <= names


@pytest.mark.parametrize("path, param", NUMERIC_OPTIONS, ids=lambda v: " ".join(v) if isinstance(v, tuple) else v.name)
def test_every_numeric_option_is_a_bounded_finite_number(path, param):
    assert isinstance(param.type, Bounded), f"trellis {' '.join(path)} {param.opts[0]} takes an unchecked number"
    for bad in BAD_NUMBERS:
        if bad not in ("", "abc") and param.type.low <= _as_number(bad) <= param.type.high:
            continue  # e.g. 1e30 is not out of range for an option without an upper end (none today)
        result = CliRunner().invoke(main, [*path, param.opts[0], bad])
        output = result.output.strip().splitlines()
        assert result.exit_code == 2, (path, param.opts[0], bad, result.output)
        assert len(output) == 1 and param.opts[0] in output[0] and "Traceback" not in result.output, output
        assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def _as_number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")


def test_good_values_still_pass():
    option = {" ".join(path) + " " + param.opts[0]: param.type for path, param in NUMERIC_OPTIONS}
    assert option["plan --time-limit"].convert("2.5", None, None) == 2.5
    assert option["plan --seed"].convert("0", None, None) == 0
    assert option["serve --port"].convert("8080", None, None) == 8080


def test_the_reported_case_plan_with_a_nan_time_limit_exits_2_with_one_line(tmp_path):
    """The outside tester's exact command, through the installed `trellis` entry point."""
    trellis = Path(sys.executable).parent / "trellis"
    for bad in ("nan", "inf"):
        done = subprocess.run(
            [str(trellis), "plan", str(SAMPLE), "--out", str(tmp_path / "out"), "--time-limit", bad, "--periods", "3"],
            capture_output=True, text=True, timeout=60, check=False, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.splitlines() == [f"Error: --time-limit: {bad!r} is not allowed; give a number from 0.1 to 86400"]
        assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------
# policy.json
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("policy, column", [
    ('{"time_limit_s": 1e999}', "time_limit_s"),
    ('{"time_limit_s": "nan"}', "time_limit_s"),
    ('{"time_limit_s": 1e9}', "time_limit_s"),
    ('{"weights": {"network": "inf"}}', "weights.network"),
    ('{"weights": {"preference": 1e300}}', "weights.preference"),
    ('{"fairness": {"min_share": "NaN"}}', "fairness.min_share"),
    ('{"fairness": {"bands": [[1, 1e30]]}}', "fairness.bands"),
    ('{"random_seed": -1}', "random_seed"),
    ('{"random_seed": 100000000000000000000}', "random_seed"),
    ('{"max_cross_organisation": 100000000000000000000}', "max_cross_organisation"),
    ('{"rest_days": 100000000000000000000}', "rest_days"),
])
def test_policy_numbers_are_finite_and_in_range(tmp_path, policy, column):
    folder = tmp_path / "scenario"
    folder.mkdir()
    for source in SAMPLE.glob("*.csv"):
        (folder / source.name).write_bytes(source.read_bytes())
    (folder / "policy.json").write_text(policy)
    with pytest.raises(ScenarioError) as caught:
        read_scenario(folder)
    assert [p.file for p in caught.value.problems] == ["policy.json"]
    assert caught.value.problems[0].column.startswith(column), caught.value.problems
    result = CliRunner().invoke(main, ["validate", str(folder)])
    assert result.exit_code == 2 and result.stdout.count("policy.json") == 1 and "Traceback" not in result.output


def test_the_policy_model_refuses_non_finite_numbers_however_they_arrive():
    for data in ({"time_limit_s": float("nan")}, {"time_limit_s": float("inf")},
                 {"weights": {"skill_fit": float("-inf")}}, {"fairness": {"min_share": float("nan")}}):
        with pytest.raises(ValidationError):
            Policy.model_validate(data)
    assert Policy.model_validate({"time_limit_s": 3600, "weights": {"preference": 6}}).time_limit_s == 3600


# ---------------------------------------------------------------------------------------------
# Web forms
# ---------------------------------------------------------------------------------------------

def _form_models():
    from web.security import FormModel

    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    return list(all_subclasses(FormModel))


def _numeric_fields(model):
    for name, field in model.model_fields.items():
        annotation = field.annotation
        inner = getattr(annotation, "__args__", (None,))[0] if getattr(annotation, "__origin__", None) is list else annotation
        if inner in (int, float):
            yield name, field, inner, annotation is not inner


def test_every_numeric_form_field_refuses_nan_inf_and_out_of_range_values(app):
    found = []
    for model in _form_models():
        assert model.model_config.get("allow_inf_nan") is False, model.__name__
        for name, field, _kind, is_list in _numeric_fields(model):
            found.append(f"{model.__name__}.{name}")
            bounds = {type(m).__name__ for m in field.metadata}
            if not is_list:  # list fields (profile skill levels) are checked by their rule, with its wording
                assert {"Ge", "Gt"} & bounds and {"Le", "Lt"} & bounds, f"{model.__name__}.{name} has no range"
            out_of_range = [] if is_list else [str(10**30), "-1000000"]
            for bad in ["nan", "inf", "-inf", "1e400", "-1e400", *out_of_range]:
                with pytest.raises(ValidationError) as caught:
                    model.model_validate({name: [bad] if is_list else bad})
                if not is_list:
                    assert any(e["loc"][0] == name for e in caught.value.errors()), (model.__name__, name, bad)
    # Demand numbers are read as text and parsed by the crisis sheet rules (with the cell named):
    # test_crisis_demand_numbers_are_finite_and_in_range covers them.
    assert {"PolicyForm.time_limit_s", "MarketFilter.page"} <= set(found)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "-1"])
def test_a_plan_run_with_a_non_finite_time_limit_is_not_started(as_role, store_engine, value):
    from planner.store.testing import database_dump

    client = as_role("hr")
    before = database_dump(store_engine)
    form = {"stretch_levels": 0, "periods": 1, "time_limit_s": value, "fairness_bands": "", "fairness_min_share": 0,
            "max_cross_organisation": "", "w_skill_fit": 3, "w_development": 4, "w_preference": 5,
            "w_network": 2, "w_diversity": 1}
    page = post(client, "/hr/plan/run", form, follow_redirects=True)
    assert page.status_code == 200 and "The plan was not started" in page.get_data(as_text=True)
    assert database_dump(store_engine) == before


@pytest.mark.parametrize("value", ["nan", "inf", "1e400", str(10**30)])
def test_crisis_demand_numbers_are_finite_and_in_range(as_role, store_engine, value):
    from planner.store.testing import database_dump

    client = as_role("emergency")
    before = database_dump(store_engine)
    page = post(client, "/crisis/demand", {"team_id": "T-DATA", "skill": "python", "level": 2, "count": value,
                                           "priority": 1}, follow_redirects=True)
    assert page.status_code < 500
    assert database_dump(store_engine) == before


# ---------------------------------------------------------------------------------------------
# Numbers in the scenario files
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("file, column, value", [
    ("people.csv", "grade", str(10**23)),
    ("people.csv", "grade", "-99999"),
    ("people.csv", "fte", "nan"),
    ("opportunities.csv", "capacity", str(10**23)),
    ("opportunities.csv", "grade_min", str(10**23)),
    ("teams.csv", "min_staff", str(10**23)),
    ("teams.csv", "max_release_share", "inf"),
])
def test_huge_or_non_finite_numbers_in_scenario_files_are_problems_not_crashes(tmp_path, file, column, value):
    import csv

    folder = tmp_path / "scenario"
    folder.mkdir()
    for source in SAMPLE.iterdir():
        (folder / source.name).write_bytes(source.read_bytes())
    rows = list(csv.reader((folder / file).open(newline="")))
    rows[1][rows[0].index(column)] = value
    with (folder / file).open("w", newline="") as out:
        csv.writer(out).writerows(rows)
    result = CliRunner().invoke(main, ["plan", str(folder), "--out", str(tmp_path / "out"), "--time-limit", "5"])
    assert result.exit_code == 2, result.output
    assert f"{file}, row 2, column {column}:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
