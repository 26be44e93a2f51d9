"""One record sent on its own (an opportunity posted to the API), checked exactly like a row of
its CSV file: the same domain model, the same plain-words messages and suggestions, and the same
reference checks against the stored scenario. Problems name the `label` (e.g. "request body")
and the field, as there is no spreadsheet row."""

from __future__ import annotations

from dataclasses import dataclass

from planner.domain import Opportunity, Policy, Problem, Scenario, ScenarioError, reference_problems

from .assemble import Collection, validate_collection
from .layout import TABLE_BY_KIND


@dataclass
class _SingleRecord(Collection):
    """A collection of one record that has no row number: problems point at the field alone."""

    def where(self, index: int, column: str | None) -> tuple[int | None, str | None]:
        return None, column


def validate_opportunity(record: object, scenario: Scenario, label: str = "request body") -> Opportunity:
    """The opportunity `record` describes, checked like a row of opportunities.csv: field by field
    (types, ranges, grade_min not above grade_max, start not after end), then its host team and
    skills against `scenario`. Raises ScenarioError with every problem found."""
    if not isinstance(record, dict):
        raise ScenarioError([Problem(file=label, message="must be a JSON object with the opportunity's fields",
                                     suggestion="columns are " + ", ".join(TABLE_BY_KIND["opportunities"].columns))])
    collection = _SingleRecord(TABLE_BY_KIND["opportunities"], label, [record])
    items, problems = validate_collection(collection)
    if problems:
        raise ScenarioError(problems)
    opportunity = items[0]
    draft = Scenario.model_construct(skills=scenario.skills, teams=scenario.teams, people=(),
                                     opportunities=(opportunity,), demand=(), policy=Policy())
    problems = [problem.model_copy(update={"file": label, "row": None}) for problem in reference_problems(draft)]
    if problems:
        raise ScenarioError(problems)
    return opportunity
