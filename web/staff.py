"""Pages for a member of staff: My pathways, My record, and the opportunity marketplace.

Every page about a person reaches them through `web.security.get_person_for`, which refuses
(403/404) any person the signed-in account may not see. Changes (skills, aspirations, interest
in an opportunity, the order of preferences) go through `planner.store.update_person`, which
checks them like an import and audits them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from markupsafe import Markup, escape
from pydantic import Field

from planner.domain import SKILL_LEVEL_NAMES, OpportunityKind, Person, Scenario, ScenarioError
from planner.eligibility import eligibility_reasons
from planner.services.assignments import moves_already_made, person_record
from web.consent import consent_panel
from web.data_access import current_scenario, derived, engine, pathway_index, scenario_changed
from web.security import (
    FormModel,
    FormRejected,
    current_user,
    get_person_for,
    log_refusal,
    login_required,
    may_export_person,
    parse_form,
    roles_required,
    same_site_path,
)

log = logging.getLogger("trellis.web.staff")

bp = Blueprint("staff", __name__)

NAV = [
    ("staff.my_pathways", "My pathways", ("staff",)),
    ("staff.my_record", "My record", ("staff",)),
    ("staff.marketplace", "Opportunities", ("staff", "hr", "emergency", "admin", "manager")),
]

KIND_LABELS = {
    OpportunityKind.secondment: "Secondment",
    OpportunityKind.project: "Project",
    OpportunityKind.development_move: "Development move",
    OpportunityKind.shadowing: "Shadowing",
    OpportunityKind.role: "Role",
}
PAGE_SIZE = 12
MAX_PREFERENCES = 10


def _scenario_or_404() -> Scenario:
    scenario = current_scenario()
    if scenario is None:
        abort(404, description="No scenario has been imported yet.")
    return scenario


def _own_person_id() -> str:
    """The person the signed-in account is linked to (404 for accounts linked to nobody)."""
    user = current_user()
    if user.person_id is None:
        log_refusal("account not linked to a person", 404)
        abort(404)
    return user.person_id


def may_edit_person(person: Person) -> bool:
    """People edit their own skills, aspirations and preferences; HR and admins may correct them."""
    user = current_user()
    return user.role in ("hr", "admin") or user.person_id == person.person_id


def skill_namer(scenario: Scenario) -> Callable[[str], str]:
    """A skill's name from the catalogue (its id when the scenario has no catalogue)."""
    names = scenario._cache("skill_names", lambda: {s.skill_id: s.name for s in scenario.skills})
    return lambda skill_id: names.get(skill_id, skill_id)


def level_words(level: int) -> str:
    return f"{level} ({SKILL_LEVEL_NAMES.get(level, '')})"


# ---------------------------------------------------------------------------------------------
# My pathways
# ---------------------------------------------------------------------------------------------


@bp.get("/me/pathways")
@login_required
def my_pathways():
    return redirect(url_for("staff.pathways", person_id=_own_person_id()))


@bp.get("/people/<person_id>/pathways")
@login_required
def pathways(person_id: str):
    person = get_person_for(current_user(), person_id)
    scenario = _scenario_or_404()
    try:
        query = parse_form(PathwaysQuery, request.args)
    except FormRejected:
        abort(400, description="The target is not valid; choose one from the list.")
    target = scenario.opportunity_by_id.get(query.target) if query.target else None
    if query.target and target is None:
        abort(400, description="That opportunity is no longer offered; choose another target.")
    from web.pathway_view import pathway_page

    made = moves_already_made(engine(), person.person_id, scenario)
    done = frozenset(m.opportunity_id for m in made)
    view = derived(  # the record is part of the key: a new assignment changes the routes
        ("pathway_page", person.person_id, query.target, done),
        lambda: pathway_page(scenario, pathway_index(), person, target=query.target or None, done=done),
    )
    return render_template(
        "staff/pathways.html", person=person, scenario=scenario, view=view, target=target, moves_made=made,
        target_options=_role_options(scenario),
        team=scenario.team_by_id[person.team_id], editable=may_edit_person(person),
        skill_name=skill_namer(scenario), level_words=level_words,
        skill_options=skill_options(scenario),
    )


def skill_options(scenario: Scenario, selected: frozenset[str] = frozenset()) -> Markup:
    """The catalogue as <option>s, by name; rendered once per scenario (pages list every skill,
    and escaping them on each request is most of a page's cost)."""
    options: dict[str, str] = scenario._cache("skill_options", lambda: {
        sid: f'<option value="{escape(sid)}">{escape(sname)}</option>' for sid, sname in _skill_catalogue(scenario)
    })
    if not selected:
        return scenario._cache("skill_options_html", lambda: Markup("".join(options.values())))
    return Markup("".join(
        html.replace("<option ", "<option selected ", 1) if sid in selected else html for sid, html in options.items()
    ))


def _skill_catalogue(scenario: Scenario) -> list[tuple[str, str]]:
    """(id, name) of every skill a person may record, by name."""
    name = skill_namer(scenario)
    return scenario._cache(
        "skill_catalogue",
        lambda: sorted(((s, name(s)) for s in scenario.skill_ids()), key=lambda pair: pair[1].lower()),
    )


class PathwaysQuery(FormModel):
    """What My pathways aims at: an opportunity (usually a role), or the person's aspirations."""

    target: str = Field(default="", max_length=200)


def _role_options(scenario: Scenario) -> list[tuple[str, str]]:
    """Roles a person can aim for, by title: (id, "title, host team")."""
    return scenario._cache("role_options", lambda: sorted(
        ((o.opportunity_id, f"{o.title}, {scenario.team_by_id[o.host_team_id].name}")
         for o in scenario.opportunities if o.kind == OpportunityKind.role),
        key=lambda pair: pair[1].lower(),
    ))


class ProfileForm(FormModel):
    """Skills and aspirations as parallel lists: `skill[i]` at `skill_level[i]` (0 removes it)."""

    skill: list[str] = Field(default_factory=list, max_length=200)
    skill_level: list[int] = Field(default_factory=list, max_length=200)
    aspiration: list[str] = Field(default_factory=list, max_length=200)
    aspiration_level: list[int] = Field(default_factory=list, max_length=200)


def levels_from_form(ids: list[str], levels: list[int], known: set[str]) -> dict[str, int]:
    """Pair each skill with its level; level 0 (or no skill chosen) leaves it out. A skill outside
    the catalogue or a level outside 0-5 makes the whole form invalid."""
    if len(ids) != len(levels):
        raise FormRejected(["each skill needs a level"])
    chosen: dict[str, int] = {}
    for skill, level in zip(ids, levels):
        if not skill:
            continue
        if skill not in known:
            raise FormRejected([f"unknown skill {skill!r}"])
        if not 0 <= level <= 5:
            raise FormRejected([f"levels go from 1 to 5 (0 removes the skill), not {level}"])
        if level:
            chosen[skill] = level
    return chosen


@bp.post("/people/<person_id>/profile")
@login_required
def update_profile(person_id: str):
    person = get_person_for(current_user(), person_id)
    if not may_edit_person(person):
        log_refusal("edit another person's profile", 403)
        abort(403)
    scenario = _scenario_or_404()
    try:
        form = parse_form(ProfileForm)
        known = scenario.skill_ids()
        skills = levels_from_form(form.skill, form.skill_level, known)
        aspirations = levels_from_form(form.aspiration, form.aspiration_level, known)
    except FormRejected as rejected:
        flash("Your changes were not saved: " + "; ".join(rejected.errors), "error")
        return redirect(url_for("staff.pathways", person_id=person.person_id), 303)
    _save_person(person.person_id, skills=skills, aspirations=aspirations)
    flash("Your skills and aspirations are saved; your pathways below use them.", "success")
    return redirect(url_for("staff.pathways", person_id=person.person_id), 303)


def _save_person(person_id: str, **changes) -> None:
    from planner.store import update_person

    try:
        update_person(engine(), person_id, actor=f"user:{current_user().id}", **changes)
    except ScenarioError as error:
        messages = "; ".join(p.message for p in error.problems)
        abort(400, description=f"The change was not saved: {messages}")
    scenario_changed()


# ---------------------------------------------------------------------------------------------
# My record, preferences and export
# ---------------------------------------------------------------------------------------------


@bp.get("/me/record")
@login_required
def my_record():
    return redirect(url_for("staff.record", person_id=_own_person_id()))


@bp.get("/people/<person_id>/record")
@login_required
def record(person_id: str):
    person = get_person_for(current_user(), person_id)
    scenario = _scenario_or_404()
    preferences = [scenario.opportunity_by_id[o] for o in person.preferences if o in scenario.opportunity_by_id]
    history = person_record(engine(), person.person_id, scenario)
    return render_template(
        "staff/record.html", person=person, team=scenario.team_by_id[person.team_id],
        preferences=preferences, editable=may_edit_person(person), kind_labels=KIND_LABELS,
        skill_name=skill_namer(scenario), level_words=level_words,
        host_team=lambda o: scenario.team_by_id[o.host_team_id],
        proposal=proposal_for(person.person_id, scenario),
        assignments=history, current=[row for row in history if row.status == "active"],
        timeline=[{"what": row.what, "team": row.team, "kind": row.kind, "status": row.status,
                   "start": row.start.isoformat(), "end": row.end.isoformat() if row.end else None}
                  for row in history],
        consent=consent_panel(person, scenario),
    )


@dataclass(frozen=True)
class Proposal:
    """What the newest matching plan says about one person: the moves it proposes (title,
    period, the planner's reasons) or why they were not placed, and whether a planner has
    approved the plan yet."""

    version: int
    status: str
    approved_by: str | None
    moves: tuple[tuple[str, int, str], ...]
    not_placed_because: str | None


def proposal_for(person_id: str, scenario: Scenario) -> Proposal | None:
    """Humans decide, and the person can see why: the newest matching plan's moves for them,
    each with the reasons the planner gave, or the reason they were left out. None when no
    plan mentions them."""
    from planner.store import latest_plan

    stored = latest_plan(engine(), "matching")
    result = (stored.result or {}) if stored else {}
    moves = tuple(
        (getattr(scenario.opportunity_by_id.get(p["opportunity_id"]), "title", p["opportunity_id"]),
         int(p.get("period") or 1), str(p.get("explanation") or ""))
        for p in result.get("placements", []) if p.get("person_id") == person_id
    )
    reason = (result.get("unplaced") or {}).get(person_id)
    if stored is None or (not moves and not reason):
        return None
    return Proposal(stored.version, stored.status, stored.approved_by, moves, reason)


@bp.get("/people/<person_id>/export.json")
@login_required
def export(person_id: str):
    """Everything held about the person, as JSON (UK GDPR right of access): to the person
    themself or an admin only (`may_export_person`); the download is audited like every other."""
    from planner.store import export_person

    user = current_user()
    if not may_export_person(user, person_id):  # decided before the lookup: no probing of ids
        log_refusal("export of another person's data", 403)
        abort(403)
    person = get_person_for(user, person_id)
    response = jsonify(export_person(engine(), person.person_id))
    response.headers["Content-Disposition"] = f'attachment; filename="trellis-{person.person_id}.json"'
    return response


class PreferenceForm(FormModel):
    opportunity_id: str = Field(min_length=1, max_length=200)
    action: str = Field(pattern=r"^(up|down|remove)$")


def reorder_preferences(preferences: tuple[str, ...], opportunity_id: str, action: str) -> list[str]:
    """Move one ranked preference up or down a place, or take it off the list."""
    ranked = list(preferences)
    if opportunity_id not in ranked:
        return ranked
    i = ranked.index(opportunity_id)
    if action == "remove":
        ranked.pop(i)
    elif action == "up" and i > 0:
        ranked[i - 1], ranked[i] = ranked[i], ranked[i - 1]
    elif action == "down" and i < len(ranked) - 1:
        ranked[i + 1], ranked[i] = ranked[i], ranked[i + 1]
    return ranked


@bp.post("/people/<person_id>/preferences")
@login_required
def update_preferences(person_id: str):
    person = get_person_for(current_user(), person_id)
    if not may_edit_person(person):
        log_refusal("edit another person's preferences", 403)
        abort(403)
    try:
        form = parse_form(PreferenceForm)
    except FormRejected:
        abort(400)
    _save_person(person.person_id, preferences=reorder_preferences(person.preferences, form.opportunity_id, form.action))
    flash("Your ranked preferences are updated.", "success")
    return redirect(url_for("staff.record", person_id=person.person_id), 303)


# ---------------------------------------------------------------------------------------------
# Marketplace
# ---------------------------------------------------------------------------------------------


def skill_gaps(skills: dict[str, int], opportunity) -> dict[str, int]:
    """How many levels short of each required skill a person is (only the skills they lack)."""
    return {
        skill: level - skills.get(skill, 0)
        for skill, level in opportunity.required_skills.items()
        if skills.get(skill, 0) < level
    }


def developing_moves(scenario: Scenario) -> dict[str, list]:
    """For each skill, the opportunities that develop it (most levels first)."""

    def build():
        by_skill: dict[str, list] = {}
        for opportunity in scenario.opportunities:
            for skill in opportunity.development_skills:
                by_skill.setdefault(skill, []).append(opportunity)
        for skill, moves in by_skill.items():
            moves.sort(key=lambda o: -o.development_skills[skill])
        return by_skill

    return scenario._cache("developing_moves", build)


def eligibility_by_opportunity(scenario: Scenario, person: Person) -> dict[str, list[str]]:
    """Why the person may not take each opportunity (empty: eligible), at the plan's stretch;
    worked out once per person until the scenario changes."""

    def build():
        stretch = scenario.policy.stretch_levels
        return {
            o.opportunity_id: eligibility_reasons(person, o, scenario, stretch_levels=stretch)
            for o in scenario.opportunities
        }

    return derived(("eligibility", person.person_id), build)


@dataclass
class MarketEntry:
    opportunity: object
    host_team: object
    reasons: list[str]
    gaps: dict[str, int]
    developers: list[tuple[str, list[tuple[str, str]]]] = ()
    interested: bool = False
    rank: int | None = None


class MarketFilter(FormModel):
    kind: str = Field(default="", max_length=40)
    organisation: str = Field(default="", max_length=200)
    skill: list[str] = Field(default_factory=list, max_length=20)
    eligible: str = Field(default="", pattern=r"^(|1)$")
    q: str = Field(default="", max_length=100)
    page: int = Field(default=1, ge=1, le=10_000)


def matches_filter(opportunity, host_team, flt: MarketFilter) -> bool:
    """An opportunity shows when it is of the chosen kind, hosted by the chosen organisation,
    asks for or develops every chosen skill, and its title contains the search words."""
    if flt.kind and opportunity.kind.value != flt.kind:
        return False
    if flt.organisation and host_team.organisation != flt.organisation:
        return False
    for skill in flt.skill:
        if skill and skill not in opportunity.required_skills and skill not in opportunity.development_skills:
            return False
    return not flt.q or flt.q.lower() in opportunity.title.lower()


@bp.get("/marketplace")
@login_required
def marketplace():
    scenario = _scenario_or_404()
    try:
        flt = parse_form(MarketFilter, request.args)
    except FormRejected:
        abort(400, description="The filter is not valid; clear it and try again.")
    user = current_user()
    person = get_person_for(user, user.person_id) if user.person_id else None
    reasons = eligibility_by_opportunity(scenario, person) if person is not None else {}
    teams = scenario.team_by_id
    entries = [
        MarketEntry(opportunity=o, host_team=teams[o.host_team_id], reasons=reasons.get(o.opportunity_id, []), gaps={})
        for o in scenario.opportunities
        if matches_filter(o, teams[o.host_team_id], flt)
    ]
    if flt.eligible and person is not None:
        entries = [e for e in entries if not e.reasons]
    # What the person can take comes first, then what is nearest (fewest reasons), else file order.
    entries.sort(key=lambda e: len(e.reasons))
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    page = min(flt.page, pages)
    shown = entries[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    if person is not None:
        _explain_gaps(scenario, person, shown)
    organisations = scenario._cache("organisations", lambda: sorted({t.organisation for t in scenario.teams}))
    query = request.args.to_dict(flat=False)
    query.pop("page", None)
    return render_template(
        "staff/marketplace.html", entries=shown, total=len(entries), page=page, pages=pages,
        flt=flt, person=person, kinds=KIND_LABELS, organisations=organisations,
        skill_options=skill_options(scenario, frozenset(flt.skill)), skill_name=skill_namer(scenario),
        level_words=level_words, query=query, max_preferences=MAX_PREFERENCES,
    )


class InterestForm(FormModel):
    opportunity_id: str = Field(min_length=1, max_length=200)
    interested: str = Field(pattern=r"^(yes|no)$")
    back: str = Field(default="", max_length=2000)


def developer_links(scenario: Scenario) -> dict[str, list[tuple[str, str, str]]]:
    """For each skill, (opportunity id, title, marketplace link) of the four moves that develop
    it most: enough to show three besides the opportunity being read."""

    def build():
        base = url_for("staff.marketplace")
        return {
            skill: [(o.opportunity_id, o.title, f"{base}?{urlencode({'q': o.title})}") for o in moves[:4]]
            for skill, moves in developing_moves(scenario).items()
        }

    return scenario._cache("developer_links", build)


def _explain_gaps(scenario: Scenario, person: Person, entries: list[MarketEntry]) -> None:
    """For the entries shown: the skills the person lacks, the moves that develop each one (three
    at most, other than the opportunity itself), and where it sits in their preferences."""
    links_by_skill = developer_links(scenario)
    name = skill_namer(scenario)
    ranked = person.preferences
    for entry in entries:
        own_id = entry.opportunity.opportunity_id
        entry.gaps = skill_gaps(person.skills, entry.opportunity)
        entry.developers = []
        for skill in entry.gaps:
            links = [(title, href) for oid, title, href in links_by_skill.get(skill, []) if oid != own_id][:3]
            if links:
                entry.developers.append((name(skill), links))
        entry.interested = own_id in ranked
        entry.rank = ranked.index(own_id) + 1 if entry.interested else None


def add_interest(preferences: tuple[str, ...], opportunity_id: str, limit: int = MAX_PREFERENCES) -> list[str]:
    """Expressing interest adds the opportunity at the bottom of the person's ranked preferences
    (they reorder on My record); a person ranks at most `limit` opportunities."""
    ranked = list(preferences)
    if opportunity_id in ranked:
        return ranked
    if len(ranked) >= limit:
        raise FormRejected([f"you can rank at most {limit} opportunities; remove one on My record first"])
    return ranked + [opportunity_id]


@bp.post("/marketplace/interest")
@roles_required("staff")
def interest():
    person = get_person_for(current_user(), _own_person_id())
    scenario = _scenario_or_404()
    try:
        form = parse_form(InterestForm)
    except FormRejected:
        abort(400)
    opportunity = scenario.opportunity_by_id.get(form.opportunity_id)
    if opportunity is None:
        abort(404)
    if form.interested == "yes":
        try:
            ranked = add_interest(person.preferences, opportunity.opportunity_id)
        except FormRejected as rejected:
            flash("Not added: " + "; ".join(rejected.errors) + ".", "error")
            return redirect(_back(form.back), 303)
        message = f"Added “{opportunity.title}” to your preferences, ranked {len(ranked)}."
    else:
        ranked = [o for o in person.preferences if o != opportunity.opportunity_id]
        message = f"Removed “{opportunity.title}” from your preferences."
    _save_person(person.person_id, preferences=ranked)
    flash(message, "success")
    return redirect(_back(form.back), 303)


def _back(target: str) -> str:
    """Return to the marketplace page the person was on (same site only)."""
    if (same_site_path(target) or "").startswith("/marketplace"):
        return target
    return url_for("staff.marketplace")
