"""Demand lines typed into the crisis console's table or pasted from a spreadsheet.

Each line is five cells, `team, skill, level, count, priority`: the team and the skill by id or by
name (case does not matter), the numbers as whole numbers. Every cell is checked and every
problem is reported with its row, its column, what is wrong and, for a likely typo, what was
probably meant (`planner.domain.Problem`, as a scenario import reports them); when any row is
bad no line is returned, so nothing is saved.
"""

from __future__ import annotations

import csv
import difflib
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import ValidationError

from planner.domain import Demand, Problem, Scenario, TeamStatus

PASTE_COLUMNS = ("team", "skill", "level", "count", "priority")
PASTED = "pasted demand"
TABLE = "demand table"
# A planner may paste the spreadsheet's header row too; it is recognised and skipped.
TEAM_HEADERS = {"team", "team_id", "team id"}
SKILL_HEADERS = {"skill", "skill_id", "skill id"}
MAX_PASTED_ROWS = 5_000


@dataclass(frozen=True)
class SheetResult:
    """The demand lines read, or every problem found (then `lines` is empty)."""

    lines: list[Demand] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def is_header_row(cells: Sequence[str]) -> bool:
    """A spreadsheet's header row names its first two columns team and skill (a team that is
    really called "Team" still reads as data, its skill being a real skill)."""
    return len(cells) > 1 and cells[0].casefold() in TEAM_HEADERS and cells[1].casefold() in SKILL_HEADERS


def split_pasted_rows(text: str) -> list[tuple[int, list[str]]]:
    """Rows pasted from a spreadsheet, numbered as pasted (1 = first line): tab-separated when
    the text holds a tab (what a spreadsheet copies), comma-separated otherwise (quotes allowed).
    Blank lines and a header row (`team, skill, …`) are skipped."""
    delimiter = "\t" if "\t" in text else ","
    rows = []
    lines = io.StringIO(text.strip("\r\n"))
    reader = csv.reader(lines, delimiter=delimiter, skipinitialspace=True)
    for cells in reader:
        number = reader.line_num  # the line the row ends on, as the planner's text numbers it
        cells = [c.strip() for c in cells]
        if not any(cells):
            continue
        if not rows and is_header_row(cells):
            continue
        rows.append((number, cells))
    return rows


def _closest(value: str, names: Iterable[str]) -> str | None:
    """`did you mean …?` for the known name closest to a likely typo, case ignored."""
    by_fold = {n.casefold(): n for n in names}
    matches = difflib.get_close_matches(value.casefold(), list(by_fold), n=1, cutoff=0.6)
    return f"did you mean {by_fold[matches[0]]!r}?" if matches else None


def _lookup(pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """A case-insensitive index from (name, id) pairs: name, folded -> the ids it may mean."""
    index: dict[str, set[str]] = {}
    for name, item_id in pairs:
        index.setdefault(name.casefold(), set()).add(item_id)
    return index


def team_lookup(scenario: Scenario) -> dict[str, set[str]]:
    """A team is named by its id or its name; an id always wins over another team's name."""
    index = _lookup((t.name, t.team_id) for t in scenario.teams)
    for t in scenario.teams:
        index[t.team_id.casefold()] = {t.team_id}
    return index


def skill_lookup(scenario: Scenario) -> dict[str, set[str]]:
    """A skill is named by its id or, when there is a catalogue, its name."""
    index = _lookup((s.name, s.skill_id) for s in scenario.skills)
    for skill_id in scenario.skill_ids():
        index[skill_id.casefold()] = {skill_id}
    return index


def _resolve(where: str, row: int, column: str, value: str, index: Mapping[str, set[str]],
             known: Iterable[str], what: str, problems: list[Problem]) -> str | None:
    if not value:
        problems.append(Problem(file=where, row=row, column=column, message=f"the {what} is missing"))
        return None
    ids = index.get(value.casefold(), set())
    if len(ids) == 1:
        return next(iter(ids))
    if ids:
        problems.append(Problem(file=where, row=row, column=column, value=value,
                                message=f"more than one {what} is called this; use its id",
                                suggestion="one of " + ", ".join(sorted(ids))))
    else:
        problems.append(Problem(file=where, row=row, column=column, value=value, message=f"unknown {what}",
                                suggestion=_closest(value, known)))
    return None


def _whole_number(where: str, row: int, column: str, value: str, problems: list[Problem]) -> int | None:
    try:
        return int(value)
    except ValueError:
        problems.append(Problem(file=where, row=row, column=column, value=value,
                                message="must be a whole number" if value else f"the {column} is missing"))
        return None


def demand_line_from_cells(scenario: Scenario, row: int, cells: Sequence[str], where: str = PASTED,
                           lookups: tuple[dict, dict] | None = None) -> tuple[Demand | None, list[Problem]]:
    """One demand line from its five cells, or every problem in them (row and column named)."""
    teams, skills = lookups or (team_lookup(scenario), skill_lookup(scenario))
    problems: list[Problem] = []
    if len(cells) != len(PASTE_COLUMNS):
        problems.append(Problem(file=where, row=row, value=", ".join(cells),
                                message=f"expected {len(PASTE_COLUMNS)} cells ({', '.join(PASTE_COLUMNS)}), "
                                        f"found {len(cells)}"))
        return None, problems
    team_cell, skill_cell, *numbers = cells
    team_names = [t.name for t in scenario.teams] + [t.team_id for t in scenario.teams]
    team_id = _resolve(where, row, "team", team_cell, teams, team_names, "team", problems)
    skill_names = [s.name for s in scenario.skills] + sorted(scenario.skill_ids())
    skill = _resolve(where, row, "skill", skill_cell, skills, skill_names, "skill", problems)
    values = {column: _whole_number(where, row, column, cell, problems)
              for column, cell in zip(PASTE_COLUMNS[2:], numbers, strict=True)}
    if problems:
        return None, problems
    try:
        return Demand(team_id=team_id, skill=skill, **values), []
    except ValidationError as error:
        for e in error.errors():
            column = str(e["loc"][0]) if e["loc"] else None
            problems.append(Problem(file=where, row=row, column=column, value=str(values.get(column, "")),
                                    message=e["msg"].lower()))
        return None, problems


def demand_from_rows(scenario: Scenario, rows: Sequence[tuple[int, Sequence[str]]], where: str = PASTED) -> SheetResult:
    """Demand lines from numbered rows of five cells; all or nothing: any bad cell and no line
    is returned, with every problem of every row."""
    if len(rows) > MAX_PASTED_ROWS:
        return SheetResult(problems=[Problem(file=where, message=f"at most {MAX_PASTED_ROWS} rows at once; "
                                                                 f"found {len(rows)}")])
    lookups = (team_lookup(scenario), skill_lookup(scenario))
    lines, problems = [], []
    for number, cells in rows:
        line, found = demand_line_from_cells(scenario, number, cells, where, lookups)
        problems += found
        if line is not None:
            lines.append(line)
    return SheetResult(problems=problems) if problems else SheetResult(lines=lines)


def demand_from_paste(scenario: Scenario, text: str) -> SheetResult:
    """Demand lines pasted from a spreadsheet (`team, skill, level, count, priority` per row)."""
    rows = split_pasted_rows(text)
    if not rows:
        return SheetResult(problems=[Problem(file=PASTED, message="nothing to add: paste one row per demand line")])
    return demand_from_rows(scenario, rows)


def team_statuses_from_form(scenario: Scenario, team_ids: Sequence[str],
                            statuses: Sequence[str]) -> tuple[dict[str, TeamStatus], list[Problem]]:
    """Every team's new status from the statuses table (one row per team); all or nothing: an
    unknown team or status names its row and nothing is changed. Only teams whose status differs
    are returned."""
    problems: list[Problem] = []
    if len(team_ids) != len(statuses):
        return {}, [Problem(file="team statuses", message="each row needs one team and one status")]
    known = scenario.team_by_id
    allowed = [s.value for s in TeamStatus]
    changes: dict[str, TeamStatus] = {}
    for row, (team_id, status) in enumerate(zip(team_ids, statuses, strict=True), start=1):
        if team_id not in known:
            problems.append(Problem(file="team statuses", row=row, column="team", value=team_id,
                                    message="unknown team", suggestion=_closest(team_id, known)))
        elif status not in allowed:
            problems.append(Problem(file="team statuses", row=row, column="status", value=status,
                                    message="must be one of " + ", ".join(allowed),
                                    suggestion=_closest(status, allowed)))
        elif known[team_id].status.value != status:
            changes[team_id] = TeamStatus(status)
    return ({}, problems) if problems else (changes, [])


def team_labels(scenario: Scenario) -> dict[str, str]:
    """How the demand table names each team: by its name, or by its id when another team has
    the same name (so what is shown always reads back as the same team)."""
    index = team_lookup(scenario)
    return {t.team_id: t.name if index.get(t.name.casefold()) == {t.team_id} else t.team_id for t in scenario.teams}


def demand_table_rows(scenario: Scenario) -> list[tuple[int, list[str]]]:
    """The stored demand as the table shows it: numbered lines of five cells."""
    labels = team_labels(scenario)
    return [(n, [labels.get(d.team_id, d.team_id), d.skill, str(d.level), str(d.count), str(d.priority)])
            for n, d in enumerate(scenario.demand, start=1)]


def priority_one_gaps(result: dict) -> dict[str, int]:
    """Priority 1 is what must be covered first: the priority-1 units a redeployment left
    uncovered, by team (teams with none are left out)."""
    gaps: dict[str, int] = {}
    for u in result.get("uncovered", []):
        if int(u.get("priority", 0)) == 1 and u.get("units"):
            gaps[u["team_id"]] = gaps.get(u["team_id"], 0) + int(u["units"])
    return gaps
