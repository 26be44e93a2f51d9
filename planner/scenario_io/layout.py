"""Which files a scenario is made of and which columns each holds.

The columns come from the domain models themselves (field order = column order), so the CSV
layout, the JSON Schema and the domain never drift apart. Only the way a cell is written
(list cells, yes/no) is decided here.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from planner.domain import Demand, Opportunity, Person, Skill, Team


@dataclass(frozen=True)
class TableLayout:
    """One CSV file of a scenario: its name, the model of one row, and whether it must be there."""

    kind: str  # the Scenario field, e.g. "people"
    file: str  # e.g. "people.csv"
    model: type[BaseModel]
    required_file: bool

    @property
    def columns(self) -> list[str]:
        return list(self.model.model_fields)

    @property
    def required_columns(self) -> list[str]:
        return [name for name, field in self.model.model_fields.items() if field.is_required()]


# Order matters: it is the order files are read, written and reported in.
TABLES: tuple[TableLayout, ...] = (
    TableLayout("skills", "skills.csv", Skill, required_file=False),
    TableLayout("teams", "teams.csv", Team, required_file=True),
    TableLayout("people", "people.csv", Person, required_file=True),
    # Absent opportunities.csv reads as "no opportunities": crisis redeployment and the network view
    # need none, and matching then simply has nothing to offer (the reader warns).
    TableLayout("opportunities", "opportunities.csv", Opportunity, required_file=False),
    TableLayout("demand", "demand.csv", Demand, required_file=False),
)
TABLE_BY_KIND = {t.kind: t for t in TABLES}
TABLE_BY_FILE = {t.file: t for t in TABLES}
POLICY_FILE = "policy.json"
SCENARIO_JSON = "scenario.json"

# How list cells are written: `skill:level;...`, `id;...` and `skill:level:count;...`.
SKILL_LEVEL_COLUMNS = frozenset({"skills", "aspirations", "required_skills", "development_skills"})
ID_LIST_COLUMNS = frozenset({"preferences"})
CRITICAL_SKILL_COLUMNS = frozenset({"critical_skills"})
YES_NO_COLUMNS = frozenset({"available", "remote"})
DATE_COLUMNS = frozenset({"last_redeployed", "start", "end"})
LIST_COLUMNS = SKILL_LEVEL_COLUMNS | ID_LIST_COLUMNS | CRITICAL_SKILL_COLUMNS
PARSED_COLUMNS = LIST_COLUMNS | YES_NO_COLUMNS | DATE_COLUMNS  # the cells `cells.parse_column` reads

# Optional columns added to the format later (teams' `region`, opportunities' `remote`): a writer
# leaves such a column out when no row sets it, so the files of a scenario that does not use it
# stay exactly as they were before the column existed.
WRITTEN_WHEN_SET = frozenset({"region", "remote"})

# Free text is kept exactly as written; every other cell has surrounding spaces removed,
# because HR exports often pad codes and numbers.
VERBATIM_COLUMNS = frozenset({"name", "title"})
