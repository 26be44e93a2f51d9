"""The rotation programme as a picture: every placement and redeployment on record, as bars of
a timeline by team (people away from a team and people hosted by it) and by person.

The rows come from the record of assignments (`planner.store.assignments`); a status is
computed from the dates on the day the page is read. Filters (team, organisation, date window)
are applied here, and the people are paged so a large store draws a bounded chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine

from planner.domain import Scenario
from planner.rotation_calendar import overlap
from planner.store.assignments import Assignment, assignments_ending_on_or_after

PEOPLE_PER_PAGE = 40


class BadProgrammeQuery(ValueError):
    """A filter of the programme page that cannot be read (named in the message)."""


@dataclass(frozen=True)
class ProgrammeFilter:
    team: str = ""
    organisation: str = ""
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True)
class ProgrammeBar:
    """One assignment: who, from which home team, with which team, what, when, where it stands."""

    person_id: str
    person: str
    home_team_id: str
    home_team: str
    host_team_id: str
    host_team: str
    kind: str
    what: str
    start: date
    end: date | None
    status: str


@dataclass(frozen=True)
class ProgrammePage:
    bars: list[ProgrammeBar]
    people_total: int
    bars_total: int
    page: int
    pages: int


def programme_filter(team: str = "", organisation: str = "", start: str = "", end: str = "") -> ProgrammeFilter:
    """The filters as typed; a date that is not YYYY-MM-DD, or a window ending before it
    starts, is refused with a message naming the field."""
    days = {}
    for name, text in (("start", start), ("end", end)):
        try:
            days[name] = date.fromisoformat(text) if text else None
        except ValueError:
            raise BadProgrammeQuery(f"{name}: {text[:20]!r} is not a date (YYYY-MM-DD)") from None
    if days["start"] and days["end"] and days["end"] < days["start"]:
        raise BadProgrammeQuery("end: the window ends before it starts")
    return ProgrammeFilter(team=team, organisation=organisation, start=days["start"], end=days["end"])


def shown_in_programme(assignment: Assignment) -> bool:
    """The programme shows what is decided or proposed; a declined assignment never happened."""
    return assignment.decision != "declined"


def concerns_team(bar: ProgrammeBar, team_id: str) -> bool:
    """A team's programme is the people away from it and the people it hosts."""
    return team_id in (bar.home_team_id, bar.host_team_id)


def concerns_organisation(bar: ProgrammeBar, organisation: str, scenario: Scenario) -> bool:
    """An organisation's programme is the people its teams release or host."""
    teams = scenario.team_by_id
    return any(t in teams and teams[t].organisation == organisation for t in (bar.home_team_id, bar.host_team_id))


def within_window(bar: ProgrammeBar, chosen: ProgrammeFilter) -> bool:
    """An assignment is in the date window when any of its days falls inside it."""
    return overlap((chosen.start or date.min, chosen.end or date.max), (bar.start, bar.end)) is not None


def programme_bars(assignments: list[Assignment], scenario: Scenario, chosen: ProgrammeFilter,
                   today: date) -> list[ProgrammeBar]:
    """The bars the filters keep, by home team name, person name and start. People who left the
    scenario are left out (their record has no home team to draw them under)."""
    people, teams, opps = scenario.person_by_id, scenario.team_by_id, scenario.opportunity_by_id
    bars = []
    for a in assignments:
        person = people.get(a.person_id)
        if person is None or not shown_in_programme(a):
            continue
        host = a.team_id or ""
        if a.kind == "placement":
            what = opps[a.opportunity_id].title if a.opportunity_id in opps else (a.opportunity_id or "")
        else:
            what = f"Crisis redeployment ({a.skill})"
        bar = ProgrammeBar(person_id=person.person_id, person=person.name, home_team_id=person.team_id,
                           home_team=teams[person.team_id].name if person.team_id in teams else person.team_id,
                           host_team_id=host, host_team=teams[host].name if host in teams else host,
                           kind=a.kind, what=what, start=a.start, end=a.end, status=a.status(today))
        if chosen.team and not concerns_team(bar, chosen.team):
            continue
        if chosen.organisation and not concerns_organisation(bar, chosen.organisation, scenario):
            continue
        if within_window(bar, chosen):
            bars.append(bar)
    bars.sort(key=lambda b: (b.home_team.casefold(), b.person.casefold(), b.person_id, b.start))
    return bars


def page_by_people(bars: list[ProgrammeBar], page: int, per_page: int = PEOPLE_PER_PAGE) -> ProgrammePage:
    """One page of the programme: up to `per_page` people with all their bars (a person is never
    split across pages). A page past the last shows the last."""
    order = list(dict.fromkeys(b.person_id for b in bars))
    pages = max(1, -(-len(order) // per_page))
    page = min(max(1, page), pages)
    chosen = set(order[(page - 1) * per_page: page * per_page])
    return ProgrammePage(bars=[b for b in bars if b.person_id in chosen], people_total=len(order),
                         bars_total=len(bars), page=page, pages=pages)


def programme(engine: Engine, scenario: Scenario, chosen: ProgrammeFilter, page: int = 1,
              today: date | None = None) -> ProgrammePage:
    """The programme page from the store: assignments that end on or after the window's start."""
    today = today or date.today()
    record = assignments_ending_on_or_after(engine, chosen.start or date.min)
    return page_by_people(programme_bars(record, scenario, chosen, today), page)


def chart_rows(bars: list[ProgrammeBar]) -> list[dict]:
    """The bars as the chart's JSON data island reads them (dates as ISO text)."""
    return [{"person": b.person, "home": b.home_team, "host": b.host_team, "kind": b.kind, "what": b.what,
             "start": b.start.isoformat(), "end": b.end.isoformat() if b.end else None, "status": b.status}
            for b in bars]


__all__ = ["PEOPLE_PER_PAGE", "BadProgrammeQuery", "ProgrammeBar", "ProgrammeFilter", "ProgrammePage",
           "chart_rows", "page_by_people", "programme", "programme_bars", "programme_filter"]
