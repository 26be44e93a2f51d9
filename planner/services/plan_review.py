"""Reviewing a plan version of any size: search, filter, sort and page its placements and the
people it left out, count what each filter would show, and name the group a bulk decision
applies to.

A 10,000-person plan proposes thousands of placements; the page shows at most `MAX_PAGE_SIZE`
rows at a time, and a bulk decision applies to every row the filter matches (not only the rows
on screen), so the filter itself is the group HR decides on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace

from planner.domain import Policy, Scenario, Weights
from planner.services.plan_words import move_crossings, reason_in_names, why_in_words
from planner.services.plans import NameOf, PlacementRow, decision_counts
from planner.store import StoredPlan

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = max(PAGE_SIZES)
DECISION_FILTERS = {"accepted": "Accepted", "rejected": "Rejected", "undecided": "Waiting for a decision"}
KIND_WORDS = {"secondment": "Secondment", "project": "Project", "development_move": "Development move",
              "shadowing": "Shadowing", "role": "Role"}

# The columns a reviewer may sort by, each with the value it sorts on.
SORT_KEYS: dict[str, Callable[[PlacementRow], object]] = {
    "name": lambda r: (r.person_name.casefold(), r.person_id),
    "team": lambda r: (r.team.casefold(), r.person_name.casefold()),
    "opportunity": lambda r: (r.opportunity_title.casefold(), r.person_name.casefold()),
    "host": lambda r: (r.host_team.casefold(), r.person_name.casefold()),
    "period": lambda r: (r.period, r.person_name.casefold()),
    "score": lambda r: (r.score, r.person_name.casefold()),
    "decision": lambda r: (r.decision or "undecided", r.person_name.casefold()),
}
SORT_WORDS = {"name": "Name", "team": "Team", "opportunity": "Opportunity", "host": "Host team",
              "period": "Period", "score": "Score", "decision": "Decision"}


class BadReviewQuery(ValueError):
    """A review query naming a sort, filter value or page size the page does not offer."""


@dataclass(frozen=True)
class ReviewFilter:
    """Which placements to show or decide on: a search over names, ids and teams, and one value
    each of team (joining or leaving it), organisation (either side), decision and kind."""

    search: str = ""
    team: str = ""
    organisation: str = ""
    decision: str = ""
    kind: str = ""

    def describe(self, team_names: Mapping[str, str] | None = None) -> str:
        """The filter in words (teams by name), for the message that confirms a bulk decision."""
        parts = []
        if self.search:
            parts.append(f"matching “{self.search}”")
        if self.team:
            parts.append(f"team {(team_names or {}).get(self.team, self.team)}")
        if self.organisation:
            parts.append(f"organisation {self.organisation}")
        if self.decision:
            parts.append(DECISION_FILTERS.get(self.decision, self.decision).lower())
        if self.kind:
            parts.append(KIND_WORDS.get(self.kind, self.kind).lower())
        return ", ".join(parts) if parts else "every placement"


def review_filter(search: str = "", team: str = "", organisation: str = "", decision: str = "",
                  kind: str = "") -> ReviewFilter:
    """A filter from a query or form, checked: decision and kind must be ones the page offers."""
    if decision and decision not in DECISION_FILTERS:
        raise BadReviewQuery(f"unknown decision filter {decision!r}")
    if kind and kind not in KIND_WORDS:
        raise BadReviewQuery(f"unknown kind {kind!r}")
    return ReviewFilter(search.strip()[:200], team.strip()[:200], organisation.strip()[:200], decision, kind)


def row_matches_search(row: PlacementRow, needle: str) -> bool:
    """A search finds a placement by the person's name or id, either team (name or id) or the
    opportunity's title or id, ignoring case."""
    haystack = (row.person_name, row.person_id, row.team, row.team_id, row.host_team, row.host_team_id,
                row.opportunity_title, row.opportunity_id)
    return any(needle in value.casefold() for value in haystack)


def row_matches(row: PlacementRow, chosen: ReviewFilter, skip: str = "") -> bool:
    """Does a placement pass every part of the filter (but `skip`, when counting that facet)?"""
    if chosen.search and skip != "search" and not row_matches_search(row, chosen.search.casefold()):
        return False
    if chosen.team and skip != "team" and chosen.team not in (row.team_id, row.host_team_id):
        return False
    if chosen.organisation and skip != "organisation" and chosen.organisation not in (
            row.organisation, row.host_organisation):
        return False
    if chosen.decision and skip != "decision" and (row.decision or "undecided") != chosen.decision:
        return False
    return not (chosen.kind and skip != "kind" and row.kind != chosen.kind)


def matching_rows(rows: Iterable[PlacementRow], chosen: ReviewFilter) -> list[PlacementRow]:
    """The placements a filter selects: the rows shown, and the group a bulk decision applies to."""
    return [r for r in rows if row_matches(r, chosen)]


@dataclass(frozen=True)
class FacetChoice:
    value: str
    label: str
    count: int


def facet_counts(rows: list[PlacementRow], chosen: ReviewFilter) -> dict[str, list[FacetChoice]]:
    """For each filter, how many placements each of its values would show with the other filters
    as they are (so a count never promises rows the page will not show)."""
    teams: Counter = Counter()
    team_names: dict[str, str] = {}
    organisations: Counter = Counter()
    decisions: Counter = Counter()
    kinds: Counter = Counter()
    for r in rows:
        if row_matches(r, chosen, skip="team"):
            for team_id, name in {(r.team_id, r.team), (r.host_team_id, r.host_team)}:
                if team_id:
                    teams[team_id] += 1
                    team_names[team_id] = name or team_id
        if row_matches(r, chosen, skip="organisation"):
            for organisation in {r.organisation, r.host_organisation} - {""}:
                organisations[organisation] += 1
        if row_matches(r, chosen, skip="decision"):
            decisions[r.decision or "undecided"] += 1
        if row_matches(r, chosen, skip="kind") and r.kind:
            kinds[r.kind] += 1
    return {
        "team": sorted((FacetChoice(t, team_names[t], n) for t, n in teams.items()), key=lambda c: c.label.casefold()),
        "organisation": sorted((FacetChoice(o, o, n) for o, n in organisations.items()), key=lambda c: c.label),
        "decision": [FacetChoice(d, label, decisions[d]) for d, label in DECISION_FILTERS.items()],
        "kind": [FacetChoice(k, KIND_WORDS[k], kinds[k]) for k in KIND_WORDS if kinds[k]],
    }


def sorted_rows(rows: list[PlacementRow], sort: str, descending: bool) -> list[PlacementRow]:
    """Rows in the order asked for; an unknown sort key is refused."""
    if sort not in SORT_KEYS:
        raise BadReviewQuery(f"unknown sort {sort!r}: use one of {', '.join(SORT_KEYS)}")
    return sorted(rows, key=SORT_KEYS[sort], reverse=descending)


@dataclass(frozen=True)
class Page:
    """One page of a longer list: its items, which page it is of how many, and the totals."""

    items: list
    number: int
    pages: int
    size: int
    matching: int

    @property
    def first(self) -> int:
        return (self.number - 1) * self.size + 1 if self.matching else 0

    @property
    def last(self) -> int:
        return min(self.matching, self.number * self.size)


def page_of(items: list, number: int, size: int) -> Page:
    """The `number`th page of `size` items; a page number past the end shows the last page."""
    if size not in PAGE_SIZES:
        raise BadReviewQuery(f"a page holds {', '.join(map(str, PAGE_SIZES))} rows")
    pages = max(1, -(-len(items) // size))
    number = min(max(1, number), pages)
    return Page(items[(number - 1) * size: number * size], number, pages, size, len(items))


def with_why(rows: list[PlacementRow], stored: StoredPlan, scenario: Scenario | None) -> list[tuple[PlacementRow, str]]:
    """Each row of a page with the sentence saying why it was proposed (see `why_in_words`);
    rows saved without a score breakdown keep the optimiser's own explanation."""
    weights = Policy.model_validate(stored.policy).weights if stored.policy else Weights()
    out = []
    for row in rows:
        if not row.breakdown:
            out.append((row, reason_in_names(row.explanation, scenario)))
            continue
        crossings: tuple[str, ...] = ()
        if scenario is not None:
            person = scenario.person_by_id.get(row.person_id)
            opp = scenario.opportunity_by_id.get(row.opportunity_id)
            if person is not None and opp is not None:
                teams = scenario.team_by_id
                crossings = move_crossings(teams.get(person.team_id), teams.get(opp.host_team_id),
                                           person.profession, opp.profession)
        out.append((row, why_in_words(row.breakdown, weights, crossings)))
    return out


@dataclass(frozen=True)
class UnplacedRow:
    """Someone who asked for a move and got none, with the main reason in names."""

    person_id: str
    name: str
    team_id: str
    team: str
    organisation: str
    reason: str


def unplaced_review_rows(stored: StoredPlan, scenario: Scenario | None, name_of: NameOf) -> list[UnplacedRow]:
    """The people a version left out, in name order, with their team; reasons are put in names
    when a page shows them (`named_reasons`)."""
    people = scenario.person_by_id if scenario else {}
    teams = scenario.team_by_id if scenario else {}
    rows = []
    for person_id, reason in (stored.result or {}).get("unplaced", {}).items():
        person = people.get(person_id)
        team = teams.get(person.team_id) if person else None
        rows.append(UnplacedRow(person_id, name_of(person_id), team.team_id if team else "",
                                team.name if team else "", team.organisation if team else "", reason))
    return sorted(rows, key=lambda r: (r.name.casefold(), r.person_id))


def unplaced_matching(rows: list[UnplacedRow], chosen: ReviewFilter) -> list[UnplacedRow]:
    """The people left out that the search, team and organisation filters select (decision and
    kind are about placements and do not apply)."""
    needle = chosen.search.casefold()
    return [r for r in rows
            if (not needle or any(needle in v.casefold() for v in (r.name, r.person_id, r.team, r.team_id)))
            and (not chosen.team or r.team_id == chosen.team)
            and (not chosen.organisation or r.organisation == chosen.organisation)]


def named_reasons(rows: list[UnplacedRow], scenario: Scenario | None) -> list[UnplacedRow]:
    """Rows with their reasons in names (`reason_in_names`), for the rows a page shows."""
    return [replace(r, reason=reason_in_names(r.reason, scenario)) for r in rows]


@dataclass(frozen=True)
class Review:
    """Everything the plan page shows of a version's placements and of the people left out."""

    placements: Page
    why: list[tuple[PlacementRow, str]]
    facets: dict[str, list[FacetChoice]]
    total: int
    unplaced: Page
    unplaced_total: int
    counts: dict[str, int] = field(default_factory=dict)


def review_plan(rows: list[PlacementRow], unplaced: list[UnplacedRow], stored: StoredPlan,
                scenario: Scenario | None, chosen: ReviewFilter, sort: str = "name", descending: bool = False,
                page: int = 1, size: int = DEFAULT_PAGE_SIZE, unplaced_page: int = 1) -> Review:
    """One page of a version's review: the placements the filter matches, sorted and paged, with
    their reasons; counts per filter value; and a page of the people left out."""
    shown = page_of(sorted_rows(matching_rows(rows, chosen), sort, descending), page, size)
    left_out = page_of(unplaced_matching(unplaced, chosen), unplaced_page, size)
    left_out = replace(left_out, items=named_reasons(left_out.items, scenario))
    return Review(shown, with_why(shown.items, stored, scenario), facet_counts(rows, chosen), len(rows),
                  left_out, len(unplaced), decision_counts(rows))
