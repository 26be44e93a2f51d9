"""Occupation profiles as an opportunity's required skills (issue 15, item 1): `trellis taxonomy
load` stores an O*NET import's profiles (the real sample, imported by `trellis taxonomy onet`
here), the line manager's opportunity form offers them, and "Use its skills" fills Skills
required with the skills the scenario's catalogue has, naming the others."""

from __future__ import annotations

import csv
import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import csrf_token, sign_in

from planner import store
from planner.cli import main
from planner.domain import Skill
from planner.services.occupation_profiles import (
    MOST_TITLES_LISTED,
    fit_to_catalogue,
    load_occupation_profiles,
    occupation_choices,
    pick_occupation,
)
from planner.store.occupations import replace_occupation_profiles, stored_occupation_profiles

SAMPLE = Path("/work/shared/taxonomies/onet-skills-sample.txt")
AIDES_CELL = ("reading-comprehension:2;active-listening:3;writing:2;speaking:2;critical-thinking:2;"
              "active-learning:2;learning-strategies:2;monitoring:2;social-perceptiveness:2;coordination:2;"
              "persuasion:2;instructing:2;service-orientation:2;complex-problem-solving:2;"
              "judgment-and-decision-making:2;time-management:2")


@pytest.fixture(scope="module")
def onet_dir(tmp_path_factory) -> Path:
    """The folder `trellis taxonomy onet` writes from the real O*NET sample (25 occupations)."""
    if not SAMPLE.is_file():
        pytest.fail(f"the O*NET sample {SAMPLE} is missing")
    out = tmp_path_factory.mktemp("onet") / "onet"
    result = CliRunner().invoke(main, ["taxonomy", "onet", str(SAMPLE), "--out", str(out), "--release", "30.0"])
    assert result.exit_code == 0, result.output
    return out


def copy_of(onet_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "edited"
    folder.mkdir()
    for name in ("skills.csv", "occupation_profiles.csv"):
        (folder / name).write_bytes((onet_dir / name).read_bytes())
    return folder


def load(folder: Path, url: str):
    return CliRunner().invoke(main, ["taxonomy", "load", str(folder), "--database-url", url])


def stored(url: str) -> list[tuple[str, str, str]]:
    engine = store.make_engine(url)
    try:
        return stored_occupation_profiles(engine)
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# trellis taxonomy load
# ---------------------------------------------------------------------------------------------


def test_load_stores_every_profile_of_the_sample_and_a_second_load_replaces_them(onet_dir, tmp_path):
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    result = load(onet_dir, url)
    assert result.exit_code == 0, result.output
    assert "loaded 25 occupation profiles" in result.output
    rows = stored(url)
    assert len(rows) == 25
    assert ("31-1011.00", "Home Health Aides", AIDES_CELL) in rows
    with (onet_dir / "occupation_profiles.csv").open(encoding="utf-8") as text:
        assert {(r["soc_code"], r["title"], r["skills"]) for r in csv.DictReader(text)} == set(rows)

    smaller = copy_of(onet_dir, tmp_path)
    lines = (smaller / "occupation_profiles.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (smaller / "occupation_profiles.csv").write_text("".join(lines[:4]), encoding="utf-8")
    assert load(smaller, url).exit_code == 0
    assert len(stored(url)) == 3
    assert "Home Health Aides" not in {title for _code, title, _cell in stored(url)}


BREAKAGES = {
    "a skill not in skills.csv": (lambda rows: rows[3].replace(",reading-comprehension:", ",telepathy:"),
                                  "row 4, column skills", "telepathy"),
    "an occupation listed twice": (lambda rows: rows[5].replace(rows[5].split(",")[0], rows[2].split(",")[0], 1),
                                   "row 6, column soc_code", "already on row 3"),
    "a level out of range": (lambda rows: rows[2].replace(":2;", ":9;", 1), "row 3, column skills", "1 to 5"),
    "an empty title": (lambda rows: re.sub(r"^([^,]+),(\"[^\"]*\"|[^,]*),", r"\1,,", rows[7]), "row 8, column title",
                       "needs a title"),
}


@pytest.mark.parametrize("breakage", list(BREAKAGES))
def test_a_bad_folder_is_one_line_exit_2_and_the_stored_profiles_stay(onet_dir, tmp_path, breakage):
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    assert load(onet_dir, url).exit_code == 0
    before = stored(url)
    broken = copy_of(onet_dir, tmp_path)
    path = broken / "occupation_profiles.csv"
    rows = path.read_text(encoding="utf-8").splitlines(keepends=True)
    change, where, what = BREAKAGES[breakage]
    index = int(where.split(",")[0].split()[1]) - 1
    rows[index] = change(rows)
    path.write_text("".join(rows), encoding="utf-8")
    result = load(broken, url)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert str(path) in result.stderr and where in result.stderr and what in result.stderr, result.stderr
    assert stored(url) == before


@pytest.mark.parametrize("name", ["occupation_profiles.csv", "skills.csv"])
def test_a_file_that_is_not_utf8_is_one_line(onet_dir, tmp_path, name):
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    folder = copy_of(onet_dir, tmp_path)
    (folder / name).write_bytes((folder / name).read_bytes() + "Soci\u00e9t\u00e9,x,y\n".encode("latin-1"))
    result = load(folder, url)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert len(result.stderr.splitlines()) == 1 and f"{folder / name}: is not UTF-8 text" in result.stderr
    assert stored(url) == []


@pytest.mark.parametrize("missing", ["occupation_profiles.csv", "skills.csv"])
def test_a_folder_without_its_files_is_refused(onet_dir, tmp_path, missing):
    url = f"sqlite:///{tmp_path}/store.sqlite3"
    folder = copy_of(onet_dir, tmp_path)
    (folder / missing).unlink()
    result = load(folder, url)
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and f"{folder / missing}: does not exist" in result.stderr
    assert stored(url) == []


# ---------------------------------------------------------------------------------------------
# The mapping to the skills catalogue, alone
# ---------------------------------------------------------------------------------------------


def test_a_profile_keeps_the_catalogue_skills_at_their_levels_and_names_the_others():
    fit = fit_to_catalogue("Home Health Aides", {"active-listening": 3, "telepathy": 2, "speaking": 2, "writing": 4},
                           {"speaking", "active-listening", "python"})
    assert fit.requirements == {"active-listening": 3, "speaking": 2}
    assert fit.cell == "active-listening:3;speaking:2"
    assert fit.not_in_catalogue == ("telepathy", "writing")


def test_a_profile_with_none_of_the_catalogue_skills_requires_nothing_and_names_them_all():
    fit = fit_to_catalogue("Tellers", {"speaking": 2, "mathematics": 3}, set())
    assert fit.requirements == {} and fit.cell == "" and fit.not_in_catalogue == ("speaking", "mathematics")


def test_the_occupation_list_is_searched_on_the_server_past_the_limit(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path}/store.sqlite3")
    try:
        store.upgrade(engine)
        rows = [(f"99-{n:04d}.00", f"Occupation {n:04d}", "speaking:2") for n in range(MOST_TITLES_LISTED + 50)]
        replace_occupation_profiles(engine, [*rows, ("29-1141.00", "Registered Nurses", "speaking:3")],
                                    actor="test", source="test")
        titles, more = occupation_choices(engine)
        assert len(titles) == MOST_TITLES_LISTED and more
        assert occupation_choices(engine, "nurse") == (["Registered Nurses"], False)
        assert occupation_choices(engine, "29-11") == (["Registered Nurses"], False)
        assert occupation_choices(engine, "100%") == ([], False)  # % is a character, not a wildcard
        assert pick_occupation(engine, "registered nurses", {"speaking"}).requirements == {"speaking": 3}
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# The picker on the line manager's opportunity form
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def with_profiles(store_engine, onet_dir):
    """The sample's profiles loaded, and two of its skills added to the scenario's catalogue."""
    load_occupation_profiles(store_engine, onet_dir, actor="test")
    scenario = store.load_scenario(store_engine)
    extra = (Skill(skill_id="active-listening", name="Active Listening", category="social"),
             Skill(skill_id="speaking", name="Speaking", category="social"))
    store.save_scenario(store_engine, scenario.model_copy(update={"skills": (*scenario.skills, *extra)}), actor="test")
    return store_engine


FORM = {"opportunity_id": "O-CARE", "title": "Home visits", "kind": "project", "host_team_id": "T-CHILD",
        "capacity": "1", "fte": "0.4", "required_skills": "first-aid:1"}


def datalist_options(page: str) -> list[str]:
    match = re.search(r'<datalist id="occupation-titles">(.*?)</datalist>', page, re.S)
    assert match, "no occupation list"
    return [html.unescape(v) for v in re.findall(r'<option value="([^"]*)">', match.group(1))]


def field_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    assert match, f"no field {name}"
    return html.unescape(match.group(1))


def test_the_form_offers_the_loaded_occupations(loaded_app, with_profiles):
    client = sign_in(loaded_app.test_client(), "manager")
    page = client.get("/manager/opportunities").get_data(as_text=True)
    assert 'list="occupation-titles"' in page
    assert len(datalist_options(page)) == 25 and "Home Health Aides" in datalist_options(page)
    assert 'formaction="/manager/opportunity-profile"' in page


def test_use_its_skills_fills_skills_required_from_the_catalogue_and_names_the_rest(loaded_app, with_profiles):
    client = sign_in(loaded_app.test_client(), "manager")
    response = client.post("/manager/opportunity-profile", data={
        "csrf_token": csrf_token(client, "/manager/opportunities"), **FORM,
        "occupation": "home health aides", "profile_action": "use"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:500]
    assert field_value(page, "required_skills") == "active-listening:3;speaking:2"
    assert field_value(page, "title") == "Home visits" and field_value(page, "fte") == "0.4"
    assert field_value(page, "occupation") == "Home Health Aides"
    warning = html.unescape(re.search(r'flash--warning[^>]*>([^<]*)<', page).group(1))
    assert warning.startswith("not in your skills catalogue: reading-comprehension, writing, critical-thinking")
    assert "speaking" not in warning and "active-listening" not in warning
    assert warning.endswith("add them with the taxonomy's skills.csv")
    assert "O-CARE" not in {o.opportunity_id for o in store.load_scenario(with_profiles).opportunities}  # unsaved

    # The filled form posts as it is.
    saved = client.post("/manager/opportunities", data={
        "csrf_token": csrf_token(client, "/manager/opportunities"), **FORM,
        "required_skills": field_value(page, "required_skills"), "occupation": "Home Health Aides"})
    assert saved.status_code == 303, saved.get_data(as_text=True)[:500]
    posted = store.load_scenario(with_profiles).opportunity_by_id["O-CARE"]
    assert posted.required_skills == {"active-listening": 3, "speaking": 2}


def test_editing_uses_a_profile_for_its_own_opportunity_only(loaded_app, with_profiles):
    client = sign_in(loaded_app.test_client(), "manager")
    token = csrf_token(client, "/manager/opportunities")
    mine = client.post("/manager/opportunity-profile/O-HUB", data={
        "csrf_token": token, **FORM, "opportunity_id": "O-HUB", "occupation": "31-1011.00"})
    page = mine.get_data(as_text=True)
    assert mine.status_code == 200 and field_value(page, "required_skills") == "active-listening:3;speaking:2"
    assert 'action="/manager/opportunities/O-HUB"' in page
    other = client.post("/manager/opportunity-profile/O-DASH", data={
        "csrf_token": token, **FORM, "host_team_id": "T-DATA", "occupation": "31-1011.00"})
    assert other.status_code == 404


def test_an_unknown_occupation_says_the_closest_and_search_narrows_the_list(loaded_app, with_profiles):
    client = sign_in(loaded_app.test_client(), "manager")
    token = csrf_token(client, "/manager/opportunities")
    unknown = client.post("/manager/opportunity-profile", data={"csrf_token": token, **FORM, "occupation": "Home Health Aide"})
    page = html.unescape(unknown.get_data(as_text=True))
    assert unknown.status_code == 400
    assert "did you mean 'Home Health Aides'?" in page and 'aria-invalid="true"' in page
    assert field_value(page, "required_skills") == "first-aid:1"
    search = client.post("/manager/opportunity-profile", data={"csrf_token": token, **FORM, "occupation": "aides",
                                                              "profile_action": "search"})
    assert search.status_code == 200
    assert datalist_options(search.get_data(as_text=True)) == ["Home Health Aides", "Occupational Therapy Aides", "Psychiatric Aides"]


@pytest.mark.parametrize("role", ["staff", "hr"])
def test_other_roles_cannot_use_the_picker(loaded_app, with_profiles, role):
    client = sign_in(loaded_app.test_client(), role)
    response = client.post("/manager/opportunity-profile", data={
        "csrf_token": csrf_token(client), **FORM, "occupation": "Home Health Aides"})
    assert response.status_code == 403


def test_the_picker_needs_a_csrf_token(loaded_app, with_profiles):
    client = sign_in(loaded_app.test_client(), "manager")
    response = client.post("/manager/opportunity-profile", data={**FORM, "occupation": "Home Health Aides"})
    assert response.status_code == 400


def test_without_loaded_profiles_the_form_has_no_picker(loaded_app):
    client = sign_in(loaded_app.test_client(), "manager")
    assert 'name="occupation"' not in client.get("/manager/opportunities").get_data(as_text=True)
