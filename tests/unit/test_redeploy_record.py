"""`trellis redeploy --stored [--commit]`: crisis plans made from the store and its record, on a
real SQLite store. Committing records each redeployment; the next day's plan respects rest
counted from the end of the latest one, and keeps the redeployments still running."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner import store
from planner.cli import main
from planner.store.assignments import assignments_for_person

SAMPLE_CRISIS = Path(__file__).resolve().parents[2] / "data" / "sample-crisis"
DAY1, DAY2 = "2027-01-11", "2027-01-12"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def moved(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "redeploy.csv").open(newline="", encoding="utf-8") as f:
        return {row["person_id"]: row for row in csv.DictReader(f)}


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'crisis.sqlite3'}"
    result = run("import", SAMPLE_CRISIS, "--database-url", url)
    assert result.exit_code == 0, result.output
    return url


def test_commit_twice_on_consecutive_days_the_second_respects_rest(database, tmp_path):
    first = run("redeploy", "--stored", "--commit", "--date", DAY1, "--days", 1, "--out", tmp_path / "d1",
                "--database-url", database, "--time-limit", 10)
    assert first.exit_code == 0, first.output
    day1 = moved(tmp_path / "d1")
    assert day1 and "Recorded:" in first.output
    assert {(r["start"], r["end"]) for r in day1.values()} == {(DAY1, DAY1)}

    engine = store.make_engine(database)
    some = next(iter(day1))
    [record] = assignments_for_person(engine, some)
    assert (record.kind, record.start, record.end, record.team_id) == (
        "redeployment", date(2027, 1, 11), date(2027, 1, 11), day1[some]["to_team_id"])
    assert store.get_person(engine, some).last_redeployed == date(2027, 1, 11)
    confirmed = store.latest_plan(engine, "redeploy")
    assert (confirmed.status, confirmed.approved_by, record.plan_id) == ("approved", "cli", confirmed.id)

    second = run("redeploy", "--stored", "--commit", "--date", DAY2, "--days", 1, "--out", tmp_path / "d2",
                 "--database-url", database, "--time-limit", 10)
    assert second.exit_code == 0, second.output
    day2 = moved(tmp_path / "d2")
    # Yesterday's redeployment has ended, and its people rest (28 days from its last day).
    assert not set(day1) & set(day2)
    resting = [int(re.search(r"protected: (\d+) resting", r.output).group(1)) for r in (first, second)]
    assert resting[1] >= resting[0] + len(day1) - 1
    engine.dispose()


def test_a_redeployment_still_running_is_kept_the_next_day(database, tmp_path):
    first = run("redeploy", "--stored", "--commit", "--date", DAY1, "--days", 3, "--out", tmp_path / "d1",
                "--database-url", database, "--time-limit", 10)
    assert first.exit_code == 0, first.output
    day1 = moved(tmp_path / "d1")
    second = run("redeploy", "--stored", "--commit", "--date", DAY2, "--days", 3, "--out", tmp_path / "d2",
                 "--database-url", database, "--time-limit", 10)
    assert second.exit_code == 0, second.output
    day2 = moved(tmp_path / "d2")
    kept = {p for p in day1 if p in day2 and day2[p]["to_team_id"] == day1[p]["to_team_id"]}
    assert kept == set(day1)  # same demand: everyone redeployed stays where they are
    assert f"{len(kept)} kept" in second.output


def test_without_commit_nothing_is_recorded(database, tmp_path):
    result = run("redeploy", "--stored", "--date", DAY1, "--out", tmp_path / "d1", "--database-url", database,
                 "--time-limit", 10)
    assert result.exit_code == 0, result.output
    engine = store.make_engine(database)
    assert all(assignments_for_person(engine, p) == [] for p in moved(tmp_path / "d1"))
    engine.dispose()


@pytest.mark.parametrize(("args", "message"), [
    (["--commit"], "add --stored"),
    (["--stored", "DIR"], "not both"),
    ([], "give a scenario DIR"),
])
def test_bad_combinations_are_one_line_and_exit_2(tmp_path, args, message):
    args = [SAMPLE_CRISIS if a == "DIR" else a for a in args]
    if "--commit" in args:
        args = [SAMPLE_CRISIS, *args]
    result = run("redeploy", *args, "--out", tmp_path / "out")
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_stored_with_an_empty_store_says_import_first(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    assert run("db", "upgrade", "--database-url", url).exit_code == 0
    result = run("redeploy", "--stored", "--out", tmp_path / "out", "--database-url", url)
    assert result.exit_code == 2 and "trellis import" in result.output


def test_a_committed_redeployment_tells_the_person_moved_and_nobody_else_about_them(database, tmp_path):
    """Confirming a redeployment puts a message in the inbox of each person moved (and only
    about themselves); a plan that is not committed tells nobody."""
    from planner.store.notifications import inbox
    from planner.store.users import create_user

    draft = run("redeploy", "--stored", "--date", DAY1, "--out", tmp_path / "d0", "--database-url", database,
                "--time-limit", 10)
    assert draft.exit_code == 0, draft.output
    first, second = sorted(moved(tmp_path / "d0"))[:2]
    engine = store.make_engine(database)
    account = create_user(engine, "moved-person", "x" * 60, "staff", person_id=first, actor="test").id
    assert inbox(engine, account)[0] == []  # the draft told nobody
    committed = run("redeploy", "--stored", "--commit", "--date", DAY1, "--days", 2, "--out", tmp_path / "d1",
                    "--database-url", database, "--time-limit", 10)
    assert committed.exit_code == 0, committed.output
    assert first in moved(tmp_path / "d1")
    messages, _ = inbox(engine, account)
    assert len(messages) == 1 and messages[0].kind == "redeployment"
    names = {p.person_id: p.name for p in store.load_scenario(engine).people}
    text = messages[0].subject + messages[0].body
    assert names[second] not in text and second not in text
    engine.dispose()
