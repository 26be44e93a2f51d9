"""Names as the signed-in account may see them: the one place the consoles turn a person id
into a name."""

from __future__ import annotations

from collections.abc import Callable

from planner.domain import Scenario
from web.security import current_user, may_see_person


def name_for_reader(scenario: Scenario | None) -> Callable[[str], str]:
    """A function giving a person's name for the signed-in account, or their id when they are
    no longer in the scenario (or the account may not see them)."""
    user = current_user()
    # Looked up once: a plan page names thousands of people.
    people = scenario.person_by_id if scenario is not None else {}

    def name_of(person_id: str) -> str:
        if user is None or not may_see_person(user, person_id):
            return person_id
        person = people.get(person_id)
        return person.name if person is not None else person_id

    return name_of
