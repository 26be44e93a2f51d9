"""From rows of text (or JSON objects) to a validated Scenario, collecting every problem.

Three passes, each reporting everything it finds:
1. cells: list cells, yes/no and dates are parsed (malformed items are reported per cell);
2. rows: each row is validated by its domain model (pydantic), errors mapped to row and column;
3. references: `planner.domain.reference_problems` over all rows, even those that failed pass 2,
   so an unknown team is reported in the same run as a bad grade on the same row.
Only when nothing is wrong is the Scenario built; warnings travel with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace

from pydantic import BaseModel, TypeAdapter, ValidationError

from planner.domain import FILE_OF, Policy, Problem, Scenario, ScenarioError, did_you_mean, reference_problems

from .cells import parse_column
from .layout import PARSED_COLUMNS, TABLE_BY_KIND, TABLES, VERBATIM_COLUMNS, TableLayout
from .messages import plain_words
from .tables import RawTable, normalise_header

KIND_OF_FILE = {file: kind for kind, file in FILE_OF.items()}
# How `reference_problems` names what a reference points to ("unknown team 'x'").
REFERENCE_NOUN = {"skills": "skill", "teams": "team", "people": "person", "opportunities": "opportunity", "demand": "demand"}


@dataclass
class ReadResult:
    """A scenario that passed every check, what is odd about it, and how many rows each file had."""

    scenario: Scenario
    warnings: list[Problem] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class Collection:
    """The rows of one table ready for validation, and how to point a person at any of them.

    `rows` holds the spreadsheet row of every record (CSV and workbooks); JSON documents have no
    rows, so their problems name the item's path instead (`people[3].grade`)."""

    layout: TableLayout
    label: str
    records: list[dict]
    rows: list[int] | None = None
    # Cells of the columns outside the format, by normalised column name (stripped text per
    # record): read only for the equality-monitoring columns the policy names.
    extra: dict[str, list[str]] = field(default_factory=dict)

    def where(self, index: int, column: str | None) -> tuple[int | None, str | None]:
        if self.rows is not None:
            return self.rows[index], column
        path = f"{self.layout.kind}[{index}]"
        return None, f"{path}.{column}" if column else path


def collection_from_table(table: RawTable) -> tuple[Collection, list[Problem]]:
    """Records of the non-blank cells of every row; list cells, yes/no and dates parsed.

    Works column by column (one comprehension per column) because this runs over every cell of
    files with a hundred thousand rows."""
    problems: list[Problem] = []
    by_position = list(zip(*table.rows)) if table.rows else []
    keys: list[str] = []
    values_by_column: list[list] = []
    for position, column in enumerate(table.columns):
        if column is None:
            continue
        cells = by_position[position] if by_position else ()
        if column not in VERBATIM_COLUMNS:
            cells = [cell.strip() for cell in cells]
        if column in PARSED_COLUMNS:
            cells = _parse_column(table, column, cells, problems)
        keys.append(column)
        values_by_column.append(cells)
    # A blank cell is left out of the record: optional columns take their default, required ones
    # are reported as missing. Records are built whole, then the (few) blank cells removed.
    records = [dict(zip(keys, values)) for values in zip(*values_by_column)] if keys else [{} for _ in table.rows]
    for key, values in zip(keys, values_by_column):
        if "" in values:  # blank cells are always "" here; parsed values (dicts, flags) never equal it
            for index in [i for i, value in enumerate(values) if value == ""]:
                del records[index][key]
    extra = {name: [cell.strip() for cell in by_position[position]] if by_position else []
             for name, position in table.extra.items()}
    return Collection(table.layout, table.label, records, list(table.row_numbers), extra), problems


def _parse_column(table: RawTable, column: str, cells, problems: list[Problem]) -> list:
    values, complaints = parse_column(column, cells)
    for index, found in complaints.items():
        for item, complaint in found:
            problems.append(
                Problem(file=table.label, row=table.row_numbers[index], column=column, value=item, message=complaint)
            )
    return values


@cache
def _list_adapter(model: type[BaseModel]) -> TypeAdapter:
    return TypeAdapter(list[model])


def validate_collection(collection: Collection) -> tuple[list[BaseModel | None], list[Problem]]:
    """Validate every record with its domain model; None stands for a record that failed."""
    model = collection.layout.model
    try:
        return list(_list_adapter(model).validate_python(collection.records)), []
    except ValidationError:
        pass  # at least one row is wrong: validate row by row to keep the good ones and locate the bad
    items: list[BaseModel | None] = []
    problems: list[Problem] = []
    for index, record in enumerate(collection.records):
        try:
            items.append(model.model_validate(record))
        except ValidationError as error:
            items.append(None)
            for detail in error.errors():
                problems.append(row_problem(collection, index, record, detail))
    return items, problems


def _cell_value(record: dict, loc: tuple, raw_text: bool) -> str | None:
    """The text the person wrote for the part of the row an error is about."""
    if not loc or loc[0] not in record:
        return None
    value = record[loc[0]]
    if len(loc) >= 2 and isinstance(value, dict) and loc[1] in value:
        return f"{loc[1]}:{value[loc[1]]}" if raw_text else repr({loc[1]: value[loc[1]]})
    if len(loc) >= 2 and isinstance(value, (list, tuple)) and isinstance(loc[1], int) and loc[1] < len(value):
        item = value[loc[1]]
        if raw_text and isinstance(item, dict):
            return ":".join(str(item.get(k, "")) for k in ("skill", "level", "count"))
        return str(item)
    if isinstance(value, str):
        return value
    if raw_text and isinstance(value, tuple):
        return ";".join(map(str, value))
    return repr(value) if not isinstance(value, bool) else ("yes" if value else "no")


def _column_of(detail: dict) -> str | None:
    loc = detail["loc"]
    if loc and isinstance(loc[0], str):
        return loc[0]
    # A rule across columns (grade_min above grade_max, start after end) names its first column.
    message = str((detail.get("ctx") or {}).get("error", ""))
    return message.split(" ", 1)[0] if message.startswith(("grade_min", "start")) else None


def row_problem(collection: Collection, index: int, record: dict, detail: dict) -> Problem:
    """One pydantic error as a Problem at the row and column it came from."""
    raw_text = collection.rows is not None
    column = _column_of(detail)
    loc = tuple(detail["loc"])
    value = _cell_value(record, loc, raw_text) if loc else (str(record.get(column)) if column in record else None)
    message, suggestion = plain_words(detail, value)
    if detail["type"] == "extra_forbidden":
        suggestion = did_you_mean(str(loc[-1]), collection.layout.columns)
    if detail["type"] == "missing" and raw_text and len(loc) == 1:
        message = "is required but the cell is blank"
    row, where = collection.where(index, column)
    return Problem(file=collection.label, row=row, column=where, value=value, message=message, suggestion=suggestion)


# ---------------------------------------------------------------------------------------------
# References across files
# ---------------------------------------------------------------------------------------------


def _stand_in(layout: TableLayout, record: dict):
    """A row that failed validation, reduced to the ids it names, so its references are checked too."""

    def text(name):
        value = record.get(name, "")
        return value if isinstance(value, str) else ""

    def names(name):
        value = record.get(name)
        return {k: v for k, v in value.items() if isinstance(k, str)} if isinstance(value, dict) else {}

    def ids(name):
        value = record.get(name)
        return tuple(v for v in value if isinstance(v, str)) if isinstance(value, (list, tuple)) else ()

    fields = {c: text(c) for c in layout.columns if c.endswith("_id") or c == "skill"}
    for c in layout.columns:
        if c in ("skills", "aspirations", "required_skills", "development_skills"):
            fields[c] = names(c)
    if "preferences" in layout.columns:
        fields["preferences"] = ids("preferences")
    if "critical_skills" in layout.columns:
        value = record.get("critical_skills")
        fields["critical_skills"] = tuple(
            SimpleNamespace(skill=item["skill"])
            for item in (value if isinstance(value, (list, tuple)) else ())
            if isinstance(item, dict) and isinstance(item.get("skill"), str)
        )
    return SimpleNamespace(**fields)


def _draft_parts(collections: dict[str, Collection], items: dict[str, list]) -> dict[str, tuple]:
    return {
        kind: tuple(
            item if item is not None else _stand_in(TABLE_BY_KIND[kind], collections[kind].records[i])
            for i, item in enumerate(found)
        )
        for kind, found in items.items()
    }


def locate_reference_problems(
    found: list[Problem], collections: dict[str, Collection], policy_label: str,
    already: set, policy_prefix: str = "",
) -> list[Problem]:
    """Duplicate ids and references to nothing, moved from item positions to the file, row and
    column a person sees."""
    problems = []
    first_rows: dict[tuple[str, str], dict] = {}
    for problem in found:
        if problem.value in ("", None):
            continue  # the blank id is already reported as missing
        kind = KIND_OF_FILE[problem.file]
        if kind == "policy":
            problems.append(problem.model_copy(update={"file": policy_label, "column": policy_prefix + problem.column}))
            continue
        collection = collections[kind]
        row, column = collection.where(problem.row, problem.column)
        if (collection.label, row, column, problem.value) in already:
            continue  # the row's own error (e.g. an id with ':') says it already
        update = {"file": collection.label, "row": row, "column": column}
        if problem.message.startswith("duplicate id"):
            key = (kind, problem.column)
            if key not in first_rows:  # built once: a file pasted twice has a duplicate on every row
                first_rows[key] = _first_uses(collection, problem.column)
            update["message"] = f"duplicate id: {problem.value!r} is already used {first_rows[key].get(problem.value, 'earlier')}"
            update["suggestion"] = "each id must be unique within its file"
        problems.append(problem.model_copy(update=update))
    return problems


def _first_uses(collection: Collection, column: str) -> dict[str, str]:
    """Where each id of a column is first used, in words: `on row 2` or `by people[0]`."""
    first: dict[str, str] = {}
    for index, record in enumerate(collection.records):
        value = record.get(column)
        if isinstance(value, str) and value not in first:
            row, where = collection.where(index, None)
            first[value] = f"on row {row}" if row is not None else f"by {where}"
    return first


# ---------------------------------------------------------------------------------------------
# Policy
# ---------------------------------------------------------------------------------------------


def validate_policy(data, label: str, prefix: str = "") -> tuple[Policy, list[Problem]]:
    """policy.json's keys are `planner.domain.Policy`; unknown keys are refused with a suggestion."""
    if not isinstance(data, dict):
        return Policy(), [Problem(file=label, message="must be a JSON object of settings, e.g. {\"stretch_levels\": 1}")]
    try:
        return Policy.model_validate(data), []
    except ValidationError as error:
        problems = []
        for detail in error.errors():
            loc = tuple(detail["loc"])
            value = _policy_value(data, loc)
            message, suggestion = plain_words(detail, value)
            if detail["type"] == "extra_forbidden":
                message = "is not a known setting"
                known = _known_keys(loc[:-1])
                suggestion = did_you_mean(str(loc[-1]), known) if known else None
            column = prefix + ".".join(str(part) for part in loc) if loc else None
            problems.append(Problem(file=label, column=column, value=value, message=message, suggestion=suggestion))
        return Policy(), problems


def _policy_value(data, loc) -> str | None:
    value = data
    for part in loc:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return None
    return value if isinstance(value, str) else repr(value)


def _known_keys(parent: tuple) -> list[str]:
    model: type[BaseModel] = Policy
    for part in parent:
        field_info = model.model_fields.get(part) if isinstance(part, str) else None
        annotation = getattr(field_info, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)


# ---------------------------------------------------------------------------------------------
# Warnings: allowed, but worth a look
# ---------------------------------------------------------------------------------------------


def people_without_skills(scenario: Scenario, collection: Collection) -> list[Problem]:
    """A person with no skills listed can only take opportunities that require none."""
    return [
        Problem(
            file=collection.label, row=collection.where(i, "skills")[0], column=collection.where(i, "skills")[1],
            severity="warning", message="this person has no skills listed, so only opportunities requiring none fit",
        )
        for i, person in enumerate(scenario.people)
        if not person.skills
    ]


def skill_in_words(scenario: Scenario, skill_id: str) -> str:
    """A skill as a planner reads it: its catalogue name with its id, or the quoted id when the
    catalogue does not name it."""
    name = scenario.skill_name_by_id.get(skill_id)
    return f"{name} ({skill_id})" if name and name != skill_id else repr(skill_id)


def teams_short_of_critical_skills(scenario: Scenario, collection: Collection) -> list[Problem]:
    """A team that already has fewer holders of a critical skill than it asks for keeps all of them
    (contract), so none of those holders can be released: worth knowing before planning."""
    holders: dict[tuple[str, str], list[int]] = {}
    wanted = {(t.team_id, c.skill) for t in scenario.teams for c in t.critical_skills}
    for person in scenario.people:
        for skill, level in person.skills.items():
            if (person.team_id, skill) in wanted:
                holders.setdefault((person.team_id, skill), []).append(level)
    warnings = []
    for i, team in enumerate(scenario.teams):
        for critical in team.critical_skills:
            have = sum(1 for level in holders.get((team.team_id, critical.skill), ()) if level >= critical.level)
            if have < critical.count:
                row, column = collection.where(i, "critical_skills")
                warnings.append(Problem(
                    file=collection.label, row=row, column=column, severity="warning",
                    value=f"{critical.skill}:{critical.level}:{critical.count}",
                    message=(
                        f"{team.name} ({team.team_id}) has {have} of the {critical.count} people it needs holding "
                        f"{skill_in_words(scenario, critical.skill)} at level {critical.level} or above; "
                        "none of them can be released"
                    ),
                ))
    return warnings


# ---------------------------------------------------------------------------------------------
# The whole scenario
# ---------------------------------------------------------------------------------------------


def assemble(
    collections: dict[str, Collection],
    policy_data=None,
    policy_label: str = "policy.json",
    problems: list[Problem] | None = None,
    missing=None,
    policy_prefix: str = "",
    unreadable: frozenset[str] | set[str] = frozenset(),
) -> ReadResult:
    """Validate every collection, check references, and build the Scenario or raise ScenarioError
    with every problem found (errors first, in file order; warnings are returned, not raised).

    `unreadable` names the tables whose file was given but could not be read at all: references
    into them are not reported (each would be a false "unknown team"), the file's own problem is."""
    problems = list(problems or [])
    missing = missing or _missing_file
    for layout in TABLES:
        if layout.required_file and layout.kind not in collections:
            absent = missing(layout)
            if not any(p.file == absent.file and p.column == absent.column for p in problems):
                problems.append(absent)
    policy, policy_problems = (
        (Policy(), []) if policy_data is None else validate_policy(policy_data, policy_label, policy_prefix)
    )
    problems += policy_problems

    items: dict[str, list] = {}
    for layout in TABLES:
        collection = collections.get(layout.kind)
        if collection is None:
            items[layout.kind] = []
            continue
        items[layout.kind], row_problems = validate_collection(collection)
        problems += row_problems

    monitoring, monitoring_problems = monitoring_from_collection(collections.get("people"), policy, policy_label)
    problems += monitoring_problems
    errors = [p for p in problems if p.severity == "error"]
    scenario = None
    if not errors:
        try:  # the Scenario checks its own references; relocate what it finds
            scenario = Scenario.model_validate({kind: tuple(found) for kind, found in items.items()} | {"policy": policy})
        except ScenarioError as error:
            errors = locate_reference_problems(error.problems, collections, policy_label, set(), policy_prefix)
    else:  # check references over every row, the failed ones too, so one run reports everything
        already = {(p.file, p.row, p.column, p.value) for p in errors}
        draft = Scenario.model_construct(**_draft_parts(collections, items), policy=policy)
        unchecked = set(unreadable) | {t.kind for t in TABLES if t.required_file and t.kind not in collections}
        errors += [
            problem
            for problem in locate_reference_problems(
                reference_problems(draft), collections, policy_label, already, policy_prefix
            )
            if not any(problem.message.startswith(f"unknown {REFERENCE_NOUN[kind]} ") for kind in unchecked)
        ]
    if errors or scenario is None:
        raise ScenarioError(_in_file_order(errors, collections))

    if monitoring:
        scenario = scenario.model_copy(update={"monitoring": monitoring})
    monitored = set(policy.equality.monitored)
    warnings = [p for p in problems if p.severity == "warning" and not _a_monitoring_column(p, collections, monitored)]
    if "people" in collections:
        warnings += people_without_skills(scenario, collections["people"])
    if "teams" in collections:
        warnings += teams_short_of_critical_skills(scenario, collections["teams"])
    counts = {t.file: len(collections[t.kind].records) for t in TABLES if t.kind in collections}
    return ReadResult(scenario=scenario, warnings=warnings, counts=counts)


def _missing_file(layout: TableLayout) -> Problem:
    return Problem(
        file=layout.file, message="is required but missing",
        suggestion="its columns are " + ", ".join(layout.columns),
    )


def _in_file_order(problems: list[Problem], collections: dict[str, Collection]) -> list[Problem]:
    """Problems sorted by file (in the contract's order), then row, so a person can work down them."""
    order = {t.file: i for i, t in enumerate(TABLES)}
    order.update({c.label: order[c.layout.file] for c in collections.values()})
    return sorted(problems, key=lambda p: (order.get(p.file, len(order)), p.row if p.row is not None else 0))


# ---------------------------------------------------------------------------------------------
# Equality monitoring columns (special-category data)
# ---------------------------------------------------------------------------------------------

MAX_MONITORING_VALUE = 100


def monitoring_from_collection(people: Collection | None, policy: Policy,
                               policy_label: str) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    """The equality-monitoring values of people.csv: for each column the policy names
    (`equality.attribute`, `equality.attributes`), person_id -> value; a blank cell means not
    stated. A named column missing from people.csv is an error. Problems never quote a value:
    these are special-category data."""
    monitored = policy.equality.monitored
    if not monitored or people is None:
        return {}, []
    problems = []
    found: dict[str, dict[str, str]] = {}
    for column in monitored:
        cells = people.extra.get(column)
        if column in people.layout.columns:
            problems.append(Problem(
                file=policy_label, column="equality", value=column,
                message=f"names {column!r} as a monitoring column, but it is a column of the scenario format",
                suggestion="name the column that holds the protected characteristic, e.g. ethnicity"))
            continue
        if cells is None:
            problems.append(Problem(
                file=policy_label, column="equality", value=column,
                message=f"names the monitoring column {column!r}, which {people.label} does not have",
                suggestion="add the column to people.csv (blank cells mean not stated) or remove it from the policy"))
            continue
        for index, (record, value) in enumerate(zip(people.records, cells)):
            if len(value) > MAX_MONITORING_VALUE:
                row, where = people.where(index, column)
                problems.append(Problem(file=people.label, row=row, column=where,
                                        message=f"is longer than {MAX_MONITORING_VALUE} characters"))
            elif value and "person_id" in record:
                found.setdefault(record["person_id"], {})[column] = value
    return found, problems


def _a_monitoring_column(problem: Problem, collections: dict[str, Collection], monitored: set[str]) -> bool:
    """The "column is ignored" warning of a column the policy reads as equality monitoring."""
    people = collections.get("people")
    return (people is not None and problem.file == people.label and problem.column is not None
            and normalise_header(problem.column) in monitored)
