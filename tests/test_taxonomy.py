"""`trellis taxonomy`: O*NET's Skills table and ESCO's skills CSV, as published, become a
skills.csv a scenario accepts, occupation profiles become required skills, and bad files are
refused with one line naming file, row and column, writing nothing.

Expected profiles are worked out by hand from the sample's rows (importance >= 3 kept; level =
LV / 7 x 5 with halves rounded up, at least 1)."""

from __future__ import annotations

import csv
import io
import shutil
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.scenario_io import read_scenario
from planner.taxonomy import (
    TaxonomyError,
    UnknownOccupation,
    profile_requirements,
    read_esco_skills,
    read_occupation_profiles,
    read_onet_skills,
)
from planner.taxonomy.onet import onet_attribution, trellis_level

SAMPLES = Path("/work/shared/taxonomies")
ONET = SAMPLES / "onet-skills-sample.txt"
ESCO = SAMPLES / "esco-ict-skills-sample.csv"

MATHEMATICIANS = (
    "reading-comprehension:4;active-listening:3;writing:3;speaking:3;mathematics:4;science:3;critical-thinking:4;"
    "active-learning:4;learning-strategies:3;complex-problem-solving:3;judgment-and-decision-making:3;"
    "systems-analysis:3;systems-evaluation:2"
)
GEOTHERMAL_MANAGERS = (
    "reading-comprehension:3;active-listening:3;writing:3;speaking:3;mathematics:3;critical-thinking:3;"
    "active-learning:2;learning-strategies:2;monitoring:3;social-perceptiveness:3;coordination:3;persuasion:2;"
    "negotiation:2;instructing:3;complex-problem-solving:3;operation-monitoring:3;quality-control-analysis:2;"
    "judgment-and-decision-making:3;systems-analysis:3;systems-evaluation:3;time-management:3;"
    "management-of-financial-resources:3;management-of-material-resources:2;management-of-personnel-resources:3"
)


def trellis(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def onet_lines() -> list[str]:
    return ONET.read_text(encoding="utf-8").splitlines()


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def set_cell(lines: list[str], soc: str, element: str, scale: str, column: int, value: str) -> list[str]:
    """The sample with one cell of one rating changed (column by position, 0-based)."""
    changed = []
    for line in lines:
        cells = line.split("\t")
        if cells[0] == soc and cells[2] == element and cells[4] == scale:
            cells[column] = value
        changed.append("\t".join(cells))
    return changed


# --- O*NET -------------------------------------------------------------------------------------

def test_onet_sample_gives_the_35_skills_each_in_its_o_net_group():
    skills = read_onet_skills(ONET).skills
    assert len(skills) == 35
    rows = skills.set_index("skill_id")[["name", "category"]].to_dict("index")
    assert rows["reading-comprehension"] == {"name": "Reading Comprehension", "category": "Basic Skills: Content"}
    assert rows["critical-thinking"] == {"name": "Critical Thinking", "category": "Basic Skills: Process"}
    assert rows["negotiation"]["category"] == "Cross-Functional Skills: Social Skills"
    assert rows["complex-problem-solving"]["category"] == "Cross-Functional Skills: Complex Problem Solving Skills"
    assert rows["quality-control-analysis"]["category"] == "Cross-Functional Skills: Technical Skills"
    assert rows["judgment-and-decision-making"] == {
        "name": "Judgment and Decision Making", "category": "Cross-Functional Skills: Systems Skills"}
    assert rows["management-of-personnel-resources"]["category"] == "Cross-Functional Skills: Resource Management Skills"


def test_onet_profiles_keep_skills_of_importance_3_or_more_with_levels_converted():
    profiles = read_onet_skills(ONET).profiles.set_index("soc_code")
    assert len(profiles) == 25
    assert profiles.loc["15-2021.00", "title"] == "Mathematicians"
    assert profiles.loc["15-2021.00", "skills"] == MATHEMATICIANS
    # Persuasion has importance exactly 3 (kept, LV 3.38 -> 2.41 -> 2); Service Orientation 2.88 is not.
    assert profiles.loc["11-3051.02", "skills"] == GEOTHERMAL_MANAGERS


def test_trellis_level_rounds_halves_up_and_is_never_below_1():
    onet = pd.Series([0.0, 0.7, 2.1, 3.5, 4.9, 6.3, 7.0, 3.49])
    assert trellis_level(onet).tolist() == [1, 1, 2, 3, 4, 5, 5, 2]


def test_a_suppressed_or_not_relevant_rating_drops_the_skill_from_the_profile(tmp_path):
    lines = onet_lines()
    lines = set_cell(lines, "15-2021.00", "2.A.1.a", "LV", 11, "Y")  # level suppressed
    lines = set_cell(lines, "15-2021.00", "2.A.1.e", "IM", 11, "Y")  # importance suppressed
    lines = set_cell(lines, "15-2021.00", "2.A.1.c", "LV", 12, "Y")  # not relevant
    profiles = read_onet_skills(write_lines(tmp_path / "Skills.txt", lines)).profiles.set_index("soc_code")
    expected = ";".join(item for item in MATHEMATICIANS.split(";")
                        if item.split(":")[0] not in {"reading-comprehension", "mathematics", "writing"})
    assert profiles.loc["15-2021.00", "skills"] == expected
    assert profiles.loc["11-3051.02", "skills"] == GEOTHERMAL_MANAGERS


def test_onet_workbook_reads_the_same_as_the_text_file(tmp_path):
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Skills")
    for number, line in enumerate(onet_lines()):
        cells = line.split("\t")
        if number:  # the published workbook holds numbers as numbers
            cells[6:11] = [float(c) for c in cells[6:11]]
        sheet.append(cells)
    book.save(tmp_path / "Skills.xlsx")
    from_text, from_book = read_onet_skills(ONET), read_onet_skills(tmp_path / "Skills.xlsx")
    pd.testing.assert_frame_equal(from_book.skills, from_text.skills)
    pd.testing.assert_frame_equal(from_book.profiles, from_text.profiles)


def full_size_onet(path: Path, copies: int = 36) -> Path:
    """A Skills table the size of a full release: the sample's 25 occupations x 36 = 900."""
    header, *rows = onet_lines()
    with path.open("w", encoding="utf-8") as out:
        out.write(header + "\n")
        for copy in range(copies):
            for row in rows:
                soc, rest = row.split("\t", 1)
                out.write(f"{soc[:-2]}{copy:02d}\t{rest}\n")
    return path


def test_a_full_size_onet_release_imports_in_seconds(tmp_path):
    (tmp_path / "db_30_0_text").mkdir()
    source = full_size_onet(tmp_path / "db_30_0_text" / "Skills.txt")
    started = time.perf_counter()
    result = trellis("taxonomy", "onet", source, "--out", tmp_path / "out")
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "35 skills, 900 occupation profiles from 63000 rows" in result.stdout
    assert seconds < 5, f"took {seconds:.1f}s"
    profiles = pd.read_csv(tmp_path / "out" / "occupation_profiles.csv", dtype=str).set_index("soc_code")
    assert profiles.loc["15-2021.35", "skills"] == MATHEMATICIANS
    assert "O*NET 30.0 Database" in (tmp_path / "out" / "ATTRIBUTION.txt").read_text()


# --- ESCO --------------------------------------------------------------------------------------

def test_esco_sample_gives_ids_from_concept_uris_and_categories_from_type_and_reuse():
    imported = read_esco_skills(ESCO)
    skills = imported.skills.set_index("skill_id")
    assert len(skills) == 21
    assert skills.loc["21d2f96d-35f7-4e3f-9745-c533d2dd6e97"].to_dict() == {
        "name": "computer programming", "category": "transversal knowledge"}
    assert skills.loc["1d6c7de4-350e-4868-a47b-333b4b0d9650"].to_dict() == {
        "name": "evaluate data, information and digital content", "category": "transversal skill/competence"}
    labels = imported.alt_labels.set_index("skill_id")["alt_labels"]
    assert labels["16a00c69-9c74-4c37-96d7-6301d285e5ce"] == (
        "apply e-services|use e-services|able to use e-services|utilise e-services|make use of e-services|"
        "use online payment solutions|using e-services")
    assert labels["14832d87-2f2f-4895-b290-e4760ebae42a"] == ""


ESCO_FULL_HEADER = ["conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels",
                    "hiddenLabels", "status", "modifiedDate", "scopeNote", "definition", "inScheme", "description"]


def esco_full_rows(count: int) -> list[list[str]]:
    """Rows shaped like ESCO's skills_en.csv: one alternative label a line, multi-line descriptions."""
    return [["KnowledgeSkillCompetence", f"http://data.europa.eu/esco/skill/{n:08x}-0000-4000-8000-000000000000",
             "skill/competence", "sector-specific", f"skill number {n}", f"alias {n} a\nalias {n} b\n",
             "", "released", "2024-01-01", "", "", "", f"Line one of {n}.\nLine two, \"quoted\"."]
            for n in range(count)]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_a_full_size_esco_skills_file_with_multi_line_cells_imports_in_seconds(tmp_path):
    folder = tmp_path / "ESCO dataset - v1.2.0 - classification - en - csv"
    folder.mkdir()
    source = write_csv(folder / "skills_en.csv", ESCO_FULL_HEADER, esco_full_rows(14_000))
    started = time.perf_counter()
    result = trellis("taxonomy", "esco", source, "--out", tmp_path / "out")
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert "14000 skills from 14000 rows" in result.stdout
    assert seconds < 5, f"took {seconds:.1f}s"
    labels = pd.read_csv(tmp_path / "out" / "skill_alt_labels.csv", dtype=str, keep_default_na=False)
    assert labels.iloc[7].tolist() == ["00000007-0000-4000-8000-000000000000",
                                       "http://data.europa.eu/esco/skill/00000007-0000-4000-8000-000000000000",
                                       "alias 7 a|alias 7 b"]
    assert (tmp_path / "out" / "ATTRIBUTION.txt").read_text().startswith(
        "ESCO classification v1.2.0, European Commission, CC BY 4.0")


def test_esco_problem_rows_count_records_not_lines(tmp_path):
    rows = esco_full_rows(5)
    rows[3][0] = "Occupation"  # record 5 of the file; its line is later, since cells span lines
    result = trellis("taxonomy", "esco", write_csv(tmp_path / "skills_en.csv", ESCO_FULL_HEADER, rows),
                     "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(
        "skills_en.csv, row 5, column conceptType: is not a skill (value 'Occupation'); give ESCO's skills_en.csv "
        "or a skills collection, not occupations or skill groups")


def test_esco_label_without_a_uri_gets_a_slug_id_and_a_repeated_skill_is_refused(tmp_path):
    rows = esco_full_rows(3)
    rows[1][1] = ""
    imported = read_esco_skills(write_csv(tmp_path / "a.csv", ESCO_FULL_HEADER, rows))
    assert imported.skills["skill_id"].tolist()[1] == "skill-number-1"
    rows[2][1] = rows[0][1]
    with pytest.raises(TaxonomyError) as refused:
        read_esco_skills(write_csv(tmp_path / "b.csv", ESCO_FULL_HEADER, rows))
    assert refused.value.problems[0].row == 4
    assert "already listed on row 2" in refused.value.problems[0].message


# --- Bad input: one line, exit 2, nothing written -------------------------------------------------

def comma_separated(lines: list[str]) -> list[str]:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(line.split("\t") for line in lines)
    return out.getvalue().splitlines()


BAD_ONET = {
    "missing column": (
        lambda lines: ["\t".join(c for c in line.split("\t") if c != "Scale ID") if n == 0 else line
                       for n, line in enumerate(lines)],
        "row 1, column Scale ID: required column 'Scale ID' is missing from the header; is this the O*NET Skills table?",
    ),
    "wrong delimiter": (
        comma_separated,
        "row 1: columns are separated by commas, not by tabs as the O*NET Skills table is published",
    ),
    "unknown scale": (
        lambda lines: set_cell(lines, "13-1041.06", "2.A.1.c", "LV", 4, "XX"),
        ("row 77, column Scale ID: is not a scale of the Skills table (value 'XX'); "
         "the Skills table rates IM (importance) and LV (level)"),
    ),
    "non-numeric value": (
        lambda lines: set_cell(lines, "15-2021.00", "2.A.1.b", "IM", 6, "3,38"),
        "row 144, column Data Value: is not a number (value '3,38')",
    ),
    "value outside its scale": (
        lambda lines: set_cell(lines, "15-2021.00", "2.A.1.b", "IM", 6, "6.5"),
        "row 144, column Data Value: is outside the IM scale (1 to 5) (value '6.5')",
    ),
    "another O*NET table": (
        lambda lines: set_cell(lines, "15-2021.00", "2.A.1.b", "IM", 2, "2.C.1.a"),
        "row 144, column Element ID: is not a skill (skills are elements 2.A.x and 2.B.x) (value '2.C.1.a')",
    ),
    "a cell too many": (
        lambda lines: lines[:9] + [lines[9] + "\textra"] + lines[10:],
        "row 10: the row has 16 cells but the header has 15 columns (value 'extra')",
    ),
    "a rating twice": (
        lambda lines: lines + [lines[5]],
        "row 1752, column Scale ID: occupation 11-3051.02 already has a IM rating for 2.A.1.c (row 6) (value 'IM')",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ONET))
def test_a_bad_onet_file_is_refused_in_one_line_naming_row_and_column_and_nothing_is_written(tmp_path, case):
    spoil, expected = BAD_ONET[case]
    source = write_lines(tmp_path / "Skills.txt", spoil(onet_lines()))
    result = trellis("taxonomy", "onet", source, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"{source}, {expected}")
    assert not (tmp_path / "out").exists()


def test_a_refused_import_leaves_an_earlier_import_as_it_was(tmp_path):
    out = tmp_path / "out"
    assert trellis("taxonomy", "onet", ONET, "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = write_lines(tmp_path / "Skills.txt", set_cell(onet_lines(), "15-2021.00", "2.A.1.b", "IM", 6, "n/a"))
    assert trellis("taxonomy", "onet", broken, "--out", out).exit_code == 2
    assert trellis("taxonomy", "esco", tmp_path / "missing.csv", "--out", out).exit_code == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_file_not_in_utf8_is_refused_with_its_row(tmp_path):
    lines = onet_lines()
    data = ("\n".join(lines[:30]) + "\n").encode() + "\n".join(lines[30:]).replace("Coroners", "Coron\u00e9rs").encode("cp1252")
    (tmp_path / "Skills.txt").write_bytes(data)
    result = trellis("taxonomy", "onet", tmp_path / "Skills.txt", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert ", row 72: is not UTF-8 text" in result.stderr
    assert not (tmp_path / "out").exists()


def test_importing_another_taxonomy_into_the_folder_removes_the_first_ones_files(tmp_path):
    out = tmp_path / "out"
    trellis("taxonomy", "onet", ONET, "--out", out)
    assert trellis("taxonomy", "esco", ESCO, "--out", out).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["ATTRIBUTION.txt", "skill_alt_labels.csv", "skills.csv"]


# --- Attribution -------------------------------------------------------------------------------

def test_attribution_names_the_release_given_and_the_modification(tmp_path):
    result = trellis("taxonomy", "onet", ONET, "--out", tmp_path, "--release", "23.3")
    text = (tmp_path / "ATTRIBUTION.txt").read_text(encoding="utf-8")
    assert result.exit_code == 0
    assert text.startswith("This file includes information from the O*NET 23.3 Database by the U.S. Department "
                           "of Labor, Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 "
                           "license. O*NET\u00ae is a trademark of USDOL/ETA.")
    assert "USDOL/ETA has not approved, endorsed, or tested these modifications." in text
    assert "O*NET Database" in onet_attribution(None)


# --- The outputs work in a scenario --------------------------------------------------------------

def scenario_with(folder: Path, skills_csv: Path, person_skills: str, required_skills: str) -> Path:
    folder.mkdir()
    shutil.copy(skills_csv, folder / "skills.csv")
    (folder / "teams.csv").write_text(
        "team_id,name,organisation\nanalytics,Analytics,Northshire County Council\n"
        "research,Research,Northshire County Council\n", encoding="utf-8")
    (folder / "people.csv").write_text(
        f"person_id,name,team_id,grade,profession,skills\np1,Ada,analytics,5,analysis,{person_skills}\n", encoding="utf-8")
    (folder / "opportunities.csv").write_text(
        "opportunity_id,title,kind,host_team_id,required_skills\n"
        f"o1,Mathematician secondment,secondment,research,{required_skills}\n", encoding="utf-8")
    return folder


def test_onet_skills_and_a_pasted_profile_validate_in_a_scenario(tmp_path):
    assert trellis("taxonomy", "onet", ONET, "--out", tmp_path / "onet").exit_code == 0
    printed = trellis("taxonomy", "profile", tmp_path / "onet", "Mathematicians")
    assert printed.exit_code == 0
    assert printed.stdout == MATHEMATICIANS + "\n"
    folder = scenario_with(tmp_path / "scenario", tmp_path / "onet" / "skills.csv", "mathematics:4;writing:2",
                           printed.stdout.strip())
    result = trellis("validate", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "skills.csv: 35 rows"
    assert result.stdout.rstrip().endswith("valid (0 warnings).")
    assert read_scenario(folder).scenario.opportunities[0].required_skills["learning-strategies"] == 3


def test_esco_skills_validate_in_a_scenario(tmp_path):
    assert trellis("taxonomy", "esco", ESCO, "--out", tmp_path / "esco").exit_code == 0
    folder = scenario_with(tmp_path / "scenario", tmp_path / "esco" / "skills.csv",
                           "21d2f96d-35f7-4e3f-9745-c533d2dd6e97:3", "21d2f96d-35f7-4e3f-9745-c533d2dd6e97:2")
    result = trellis("validate", folder)
    assert result.exit_code == 0, result.output
    assert result.stdout.rstrip().endswith("valid (0 warnings).")


# --- Occupation profiles as requirements ---------------------------------------------------------

def test_profile_requirements_finds_an_occupation_by_title_or_soc_code(tmp_path):
    trellis("taxonomy", "onet", ONET, "--out", tmp_path)
    profiles = read_occupation_profiles(tmp_path)
    expected = {item.split(":")[0]: int(item.split(":")[1]) for item in MATHEMATICIANS.split(";")}
    assert profile_requirements(profiles, "mathematicians") == expected
    assert profile_requirements(profiles, "15-2021.00") == expected
    assert profile_requirements(profiles, "15-2021") == expected
    with pytest.raises(UnknownOccupation, match="did you mean 'Mathematicians'"):
        profile_requirements(profiles, "Mathematician")


def test_profile_of_an_unknown_occupation_is_one_line_and_exit_2(tmp_path):
    trellis("taxonomy", "onet", ONET, "--out", tmp_path)
    result = trellis("taxonomy", "profile", tmp_path, "Registered Nurses")
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path / 'occupation_profiles.csv'}: no occupation has the SOC code or title 'Registered Nurses'\n"
    missing = trellis("taxonomy", "profile", tmp_path / "nowhere", "Mathematicians")
    assert missing.exit_code == 2
    assert "occupation_profiles.csv: does not exist; run `trellis taxonomy onet FILE --out DIR` first" in missing.stderr


BAD_ESCO = {
    "missing column": (
        lambda text: text.replace("preferredLabel", "label", 1),
        "row 1, column preferredLabel: required column 'preferredLabel' is missing from the header; "
        "is this an ESCO skills CSV?",
    ),
    "semicolons": (
        lambda text: text.replace(",", ";"),
        "row 1: columns are separated by semicolons, not by commas as an ESCO skills CSV is published",
    ),
    "empty label": (
        lambda text: text.replace(",computer programming,", ",,", 1),
        "row 6, column preferredLabel: is empty: every skill needs a name",
    ),
}


@pytest.mark.parametrize("case", list(BAD_ESCO))
def test_a_bad_esco_file_is_refused_in_one_line_and_nothing_is_written(tmp_path, case):
    spoil, expected = BAD_ESCO[case]
    source = tmp_path / "skills_en.csv"
    source.write_text(spoil(ESCO.read_text(encoding="utf-8")), encoding="utf-8")
    result = trellis("taxonomy", "esco", source, "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"{source}, {expected}")
    assert not (tmp_path / "out").exists()


def test_a_zip_that_is_not_a_workbook_is_refused_in_one_line(tmp_path):
    with zipfile.ZipFile(tmp_path / "Skills.xlsx", "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    result = trellis("taxonomy", "onet", tmp_path / "Skills.xlsx", "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr == f"{tmp_path / 'Skills.xlsx'}: is a zip file but not a readable .xlsx workbook; give the workbook as published\n"
    assert not (tmp_path / "out").exists()


def test_a_hand_edited_profiles_file_with_a_bad_level_is_refused_with_its_row(tmp_path):
    trellis("taxonomy", "onet", ONET, "--out", tmp_path)
    profiles = tmp_path / "occupation_profiles.csv"
    profiles.write_text(profiles.read_text().replace("systems-evaluation:2", "systems-evaluation:6"))
    result = trellis("taxonomy", "profile", tmp_path, "Mathematicians")
    assert result.exit_code == 2
    assert result.stderr == f"{profiles}, row 4, column skills: levels are whole numbers 1 to 5 (value '6')\n"


def test_two_onet_skills_whose_names_give_the_same_id_are_refused(tmp_path):
    lines = [line.replace("\tActive Listening\t", "\tReading-Comprehension\t") for line in onet_lines()]
    result = trellis("taxonomy", "onet", write_lines(tmp_path / "Skills.txt", lines), "--out", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr == (f"{tmp_path / 'Skills.txt'}, column skill_id: two skills would share this id: "
                             "'Reading Comprehension' and 'Reading-Comprehension' (value 'reading-comprehension')\n")
    assert not (tmp_path / "out").exists()
