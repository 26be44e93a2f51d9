"""One row of a scenario file, checked on its own against the stored scenario: how an
opportunity posted in the web app is checked with exactly the rules and messages of a row of
opportunities.csv.

The row goes through the same three passes as an import (`assemble`): its cells are parsed
(`skill:level;...`, dates), the row is validated by the domain model, and its references (host
team, skills of the catalogue) are checked by `planner.domain.reference_problems` against the
stored teams and skills. Problems name the file and the column, so a form shows each next to its
field.
"""

from __future__ import annotations

from planner.domain import FILE_OF, Opportunity, Policy, Problem, Scenario, reference_problems

from .assemble import _stand_in, collection_from_table, locate_reference_problems, validate_collection
from .cells import format_cell
from .layout import TABLE_BY_KIND
from .tables import RawTable

OPPORTUNITY_COLUMNS = tuple(TABLE_BY_KIND["opportunities"].columns)
ROW = 2  # the row a one-row opportunities.csv would put it on (the header is row 1)


def opportunity_cells(opportunity: Opportunity) -> dict[str, str]:
    """An opportunity as the cells of its opportunities.csv row (how a form shows it)."""
    return {column: format_cell(getattr(opportunity, column)) for column in OPPORTUNITY_COLUMNS}


def check_opportunity_row(cells: dict[str, str], stored: Scenario, *,
                          new: bool) -> tuple[Opportunity | None, list[Problem]]:
    """The opportunity a row of cells describes, or None with every problem found, checked as
    a row of opportunities.csv would be on import into the stored scenario. A `new` row's id
    must not be used yet by another opportunity."""
    layout = TABLE_BY_KIND["opportunities"]
    table = RawTable(layout, FILE_OF["opportunities"], list(OPPORTUNITY_COLUMNS),
                     rows=[[str(cells.get(column) or "") for column in OPPORTUNITY_COLUMNS]], row_numbers=[ROW])
    collection, problems = collection_from_table(table)
    items, row_problems = validate_collection(collection)
    problems += row_problems
    item = items[0]
    # References exactly as an import checks them, against the stored teams and skills only.
    draft = Scenario.model_construct(
        skills=stored.skills, teams=stored.teams, people=(), demand=(), policy=Policy(),
        opportunities=(item if item is not None else _stand_in(layout, collection.records[0]),))
    found = [p for p in reference_problems(draft) if p.file == FILE_OF["opportunities"]]
    already = {(p.file, p.row, p.column, p.value) for p in problems}
    problems += locate_reference_problems(found, {"opportunities": collection}, "policy.json", already)
    opportunity_id = (item.opportunity_id if item is not None else str(cells.get("opportunity_id") or "").strip())
    if new and opportunity_id and opportunity_id in stored.opportunity_by_id:
        problems.append(Problem(file=FILE_OF["opportunities"], row=ROW, column="opportunity_id", value=opportunity_id,
                                message=f"duplicate id: {opportunity_id!r} is already used by another opportunity",
                                suggestion="each id must be unique within its file"))
    return (item if not problems else None), problems
