"""The HR planning console: import a scenario, run the optimiser, review and decide its
placements, compare what-ifs, export.

Import is two steps so nothing is saved before a person has seen it: the upload is read and
checked completely (every problem with its file, row and column), a valid one is held in memory
for its uploader only, and "Commit" stores it in one transaction. Plans run as background jobs
(`web.jobs`); each finished run is saved as a numbered plan version; HR accepts or rejects each
placement by name, and a re-run pins the accepted ones and forbids the rejected ones.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from pydantic import Field, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

# Imported with the app, not on a solve's first run, so a run's time is the solver's time.
from optimiser.matching import solve_plan, what_if
from planner.domain import Policy, Problem, Scenario, ScenarioError
from web.data_access import current_scenario, engine, scenario_changed
from web.security import FormModel, FormRejected, current_user, parse_form, roles_required

log = logging.getLogger("trellis.web.hr")

bp = Blueprint("hr", __name__, url_prefix="/hr")

NAV = [
    ("hr.index", "Plan", ("hr",)),
    ("hr.import_form", "Import", ("hr", "admin")),
]

IMPORT_ROLES = ("hr", "admin")
PLAN_ROLES = ("hr",)
STAGED_FOR_S = 30 * 60
MAX_STAGED = 8
MAX_FILES = 10


# ---------------------------------------------------------------------------------------------
# Import: upload, check every row, then commit in one transaction
# ---------------------------------------------------------------------------------------------


@dataclass
class StagedImport:
    """A checked upload waiting for its uploader to commit it."""

    token: str
    user_id: int
    created: float
    scenario: Scenario
    files: list[str]
    counts: dict[str, int]
    warnings: list[Problem] = field(default_factory=list)


class ImportStaging:
    """Checked uploads held in memory (never on disk, never in the database) until committed:
    at most `MAX_STAGED` at once, each for `STAGED_FOR_S`, each for its uploader only."""

    def __init__(self) -> None:
        self._items: dict[str, StagedImport] = {}
        self._lock = threading.Lock()

    def add(self, user_id: int, scenario: Scenario, files: list[str], counts: dict[str, int],
            warnings: list[Problem]) -> StagedImport:
        with self._lock:
            self._expire()
            for token in [t for t, item in self._items.items() if item.user_id == user_id]:
                del self._items[token]  # one pending upload per person: the newest wins
            while len(self._items) >= MAX_STAGED:
                oldest = min(self._items.values(), key=lambda item: item.created)
                del self._items[oldest.token]
            item = StagedImport(secrets.token_urlsafe(24), user_id, time.monotonic(), scenario, files,
                                counts, warnings)
            self._items[item.token] = item
            return item

    def take(self, token: str, user_id: int) -> StagedImport | None:
        with self._lock:
            self._expire()
            item = self._items.get(token)
            if item is None or item.user_id != user_id:
                return None
            return self._items.pop(token)

    def peek(self, token: str, user_id: int) -> StagedImport | None:
        with self._lock:
            self._expire()
            item = self._items.get(token)
            return item if item is not None and item.user_id == user_id else None

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, item in self._items.items() if now - item.created > STAGED_FOR_S]:
            del self._items[token]


def _staging() -> ImportStaging:
    from flask import current_app

    return current_app.extensions.setdefault("trellis_import_staging", ImportStaging())


def upload_limit_bytes() -> int:
    from flask import current_app

    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 16 * 1024 * 1024)


def upload_limit_words() -> str:
    return f"{upload_limit_bytes() / (1024 * 1024):g} MB"


def too_large_message() -> str:
    return (f"The upload is larger than {upload_limit_words()}, the most Trellis accepts at once. "
            "Nothing was saved. Upload the CSV files without other files, or save the workbook "
            "without images and unused sheets.")


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error):
    """An upload over the limit is refused before any of it is read or written anywhere."""
    log.info("upload refused: over the size limit")
    return render_template("hr/import.html", info=_scenario_info(), too_large=too_large_message(),
                           limit=upload_limit_words(), max_files=MAX_FILES), 413


def _scenario_info():
    from planner.store import scenario_info

    return scenario_info(engine())


@bp.get("/import")
@roles_required(*IMPORT_ROLES)
def import_form():
    return render_template("hr/import.html", info=_scenario_info(), limit=upload_limit_words(),
                           max_files=MAX_FILES)


def problems_by_file(problems: list[Problem]) -> list[tuple[str, list[Problem]]]:
    """Problems grouped by the file they are in, files in the order they were first named."""
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.file, []).append(problem)
    return list(grouped.items())


@bp.post("/import")
@roles_required(*IMPORT_ROLES)
def import_upload():
    """Read and check the upload; show every problem, or a preview to commit. Saves nothing."""
    from planner.scenario_io import read_scenario_files

    if (request.content_length or 0) > upload_limit_bytes():
        raise RequestEntityTooLarge()
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    if not uploads:
        return _import_refused([Problem(file="upload", message="no file was chosen",
                                        suggestion="choose the CSV files (teams.csv, people.csv, ...) or one .xlsx workbook")])
    if len(uploads) > MAX_FILES:
        return _import_refused([Problem(file="upload", message=f"{len(uploads)} files were sent; at most {MAX_FILES} are read",
                                        suggestion="upload only the scenario's files")])
    files: dict[str, bytes] = {}
    for upload in uploads:
        # The name as the browser sent it: the reader refuses folder parts instead of guessing.
        files[upload.filename] = upload.read()
        upload.close()
    try:
        result = read_scenario_files(files)
    except ScenarioError as error:
        log.info("upload refused: %d problem(s)", len(error.problems))
        return _import_refused(error.problems, names=list(files))
    staged = _staging().add(current_user().id, result.scenario, sorted(files), dict(result.counts),
                            list(result.warnings))
    return render_template("hr/import_preview.html", staged=staged, info=_scenario_info(),
                           warnings_by_file=problems_by_file(staged.warnings),
                           counts=_counts(result.scenario))


def _import_refused(problems: list[Problem], names: list[str] | None = None):
    return render_template("hr/import.html", info=_scenario_info(), problems=problems,
                           problems_by_file=problems_by_file(problems), names=names or [],
                           limit=upload_limit_words(), max_files=MAX_FILES), 422


def _counts(scenario: Scenario) -> dict[str, int]:
    return {"skills": len(scenario.skills), "teams": len(scenario.teams), "people": len(scenario.people),
            "opportunities": len(scenario.opportunities), "demand": len(scenario.demand)}


class CommitForm(FormModel):
    token: str = Field(min_length=1, max_length=100)


@bp.post("/import/commit")
@roles_required(*IMPORT_ROLES)
def import_commit():
    """Store the checked upload in one transaction, replacing the current scenario."""
    from planner.store import save_scenario

    try:
        form = parse_form(CommitForm)
    except FormRejected:
        abort(400)
    staged = _staging().peek(form.token, current_user().id)
    if staged is None:
        flash("That upload is no longer waiting (it expired, was committed, or a newer one replaced it). "
              "Upload the files again.", "error")
        return redirect(url_for("hr.import_form"))
    try:
        counts = save_scenario(engine(), staged.scenario, actor=current_user().username)
    except Exception as error:  # noqa: BLE001 - the store rolled back; say so plainly
        log.error("import not saved: %s", type(error).__name__)
        flash("The import could not be saved and nothing was changed: the previous scenario is still in "
              "place. Try again; if it repeats, tell an administrator.", "error")
        return redirect(url_for("hr.import_form"))
    _staging().take(form.token, current_user().id)
    scenario_changed()
    flash("Imported " + ", ".join(f"{count} {name}" for name, count in counts.items()) + ".", "success")
    return redirect(url_for("hr.import_form"))


# ---------------------------------------------------------------------------------------------
# Plan: the policy form, background runs, plan versions
# ---------------------------------------------------------------------------------------------

MAX_SOLVE_SECONDS = 300.0


class PolicyForm(FormModel):
    """The policy form as posted; `to_policy` turns it into the domain's `Policy`."""

    stretch_levels: int = Field(default=0, ge=0, le=4)
    periods: int = Field(default=1, ge=1, le=12)
    time_limit_s: float = Field(default=30.0, gt=0, le=MAX_SOLVE_SECONDS)
    stable: bool = False
    max_cross_organisation: str = Field(default="", max_length=6, pattern=r"^\d*$")
    fairness_bands: str = Field(default="", max_length=200)
    fairness_min_share: float = Field(default=0.0, ge=0, le=1)
    w_skill_fit: float = Field(default=3.0, ge=0, le=100)
    w_development: float = Field(default=4.0, ge=0, le=100)
    w_preference: float = Field(default=5.0, ge=0, le=100)
    w_network: float = Field(default=2.0, ge=0, le=100)
    w_diversity: float = Field(default=1.0, ge=0, le=100)


def parse_bands(text: str) -> tuple[tuple[int, int], ...]:
    """Grade bands written as `1-4, 5-7, 8-12` (inclusive); raises ValueError in plain words."""
    bands = []
    for part in [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]:
        low, sep, high = part.partition("-")
        if not sep or not low.strip().isdigit() or not high.strip().isdigit():
            raise ValueError(f"grade band {part!r} is not written like 5-7")
        if int(low) > int(high):
            raise ValueError(f"grade band {part!r} starts above its end")
        bands.append((int(low), int(high)))
    return tuple(bands)


def policy_from_form(form: PolicyForm, base: Policy, workers: int) -> Policy:
    """The policy of a run: the form's choices over the stored policy (which keeps its pinned
    and forbidden moves, rest days and seed)."""
    data = base.model_dump()
    data.update(
        stretch_levels=form.stretch_levels, periods=form.periods, time_limit_s=form.time_limit_s,
        stable=form.stable, workers=workers,
        max_cross_organisation=int(form.max_cross_organisation) if form.max_cross_organisation else None,
        fairness={"bands": parse_bands(form.fairness_bands), "min_share": form.fairness_min_share},
        weights={"skill_fit": form.w_skill_fit, "development": form.w_development,
                 "preference": form.w_preference, "network": form.w_network, "diversity": form.w_diversity},
    )
    return Policy.model_validate(data)


def _workers() -> int:
    from flask import current_app

    return int(current_app.config.get("SOLVE_WORKERS", 2))


def _scenario_or_none() -> Scenario | None:
    return current_scenario()


def form_policy(scenario: Scenario | None) -> Policy:
    """What the policy form starts from: the newest run's choices, else the scenario's policy."""
    from planner.store import latest_plan

    if scenario is None:
        return Policy()
    latest = latest_plan(engine(), "matching")
    if latest is not None and latest.policy:
        try:
            return Policy.model_validate(latest.policy)
        except ValidationError:
            pass
    return scenario.policy


@bp.get("/")
@roles_required(*PLAN_ROLES)
def index():
    from planner.store import list_plans
    from web.jobs import pool

    scenario = _scenario_or_none()
    return render_template(
        "hr/index.html", scenario=scenario, info=_scenario_info(), policy=form_policy(scenario),
        jobs=pool().recent(("matching", "whatif"), limit=10), plans=list_plans(engine(), "matching"),
        slots=pool().slots, max_seconds=MAX_SOLVE_SECONDS, busy=None,
    )


def _busy_response(message: str):
    from planner.store import list_plans
    from web.jobs import pool

    scenario = _scenario_or_none()
    response = Response(render_template(
        "hr/index.html", scenario=scenario, info=_scenario_info(), policy=form_policy(scenario),
        jobs=pool().recent(("matching", "whatif"), limit=10), plans=list_plans(engine(), "matching"),
        slots=pool().slots, max_seconds=MAX_SOLVE_SECONDS, busy=message), status=503)
    response.headers["Retry-After"] = "15"
    return response


@bp.post("/plan/run")
@roles_required(*PLAN_ROLES)
def run_plan():
    """Start a matching run with the posted policy; the page that follows shows its progress."""
    scenario = _scenario_or_none()
    if scenario is None:
        flash("Import a scenario before planning.", "error")
        return redirect(url_for("hr.import_form"))
    try:
        form = parse_form(PolicyForm)
        policy = policy_from_form(form, scenario.policy, _workers())
    except (FormRejected, ValueError, ValidationError) as error:
        flash(f"The plan was not started: {error}", "error")
        return redirect(url_for("hr.index"))
    return _start_matching(scenario, policy, note="run")


def _start_matching(scenario: Scenario, policy: Policy, note: str, carry_from: int | None = None):
    from web.jobs import SlotsBusy, pool

    work = matching_work(engine(), scenario, policy, current_user().username, carry_from)
    request_data = {"note": note, "policy": policy.model_dump(mode="json"), "from_plan": carry_from}
    try:
        job_id = pool().submit("matching", work, actor=current_user().username, request=request_data,
                               time_limit_s=policy.time_limit_s)
    except SlotsBusy as busy:
        return _busy_response(str(busy))
    return redirect(url_for("hr.job", job_id=job_id))


def matching_work(db, scenario: Scenario, policy: Policy, actor: str, carry_from: int | None):
    """The background work of a matching run: solve, save the plan as a new version (audited
    with who ran it), and carry accepted decisions over from the plan it re-runs."""
    from web.jobs import JobOutcome

    def work(progress) -> JobOutcome:
        from planner.store import save_plan
        from web.jobs import retry_when_locked

        plan = solve_plan(scenario, policy, on_progress=progress)
        # The solver reports improvements as they happen; its last word (e.g. the bound closing
        # on the objective when optimality is proven) comes with the plan, so draw it too.
        progress.final(plan.solve_seconds, plan.objective, plan.best_bound)
        stored = retry_when_locked(lambda: save_plan(db, "matching", plan, created_by=actor, policy=policy))
        if carry_from is not None:
            carry_over_accepted(db, carry_from, stored.id, plan, actor)
        return JobOutcome(plan_summary(plan), stored.id)

    return work


def plan_summary(plan) -> dict[str, Any]:
    """The numbers of a plan run shown in lists (no personal data)."""
    return {"status": plan.status, "objective": plan.objective, "best_bound": plan.best_bound,
            "gap": plan.gap, "solve_seconds": plan.solve_seconds, "placements": len(plan.placements),
            "unplaced": len(plan.unplaced), "conflicts": list(plan.conflicts)}


def carry_over_accepted(db, from_plan: int, to_plan: int, plan, actor: str) -> int:
    """A re-run keeps the decisions already taken: placements accepted in the previous version
    and proposed again are accepted in the new one, in the name of whoever accepted them."""
    from web.decisions import decide_placement, decisions_for_plan

    previous = decisions_for_plan(db, from_plan)
    carried = 0
    for placement in plan.placements:
        earlier = previous.get((placement.person_id, placement.opportunity_id))
        if earlier is not None and earlier.decision == "accepted":
            decide_placement(db, to_plan, placement.person_id, placement.opportunity_id, "accepted",
                             decided_by=earlier.decided_by)
            carried += 1
    return carried


# -- jobs ------------------------------------------------------------------------------------


def _job_or_404(job_id: int, kinds: tuple[str, ...]):
    from web.jobs import pool

    job = pool().get(job_id)
    if job is None or job.kind not in kinds:
        abort(404)
    return job


def job_next(job) -> tuple[str | None, str | None]:
    """Where a finished run leads: its saved plan, or the what-if comparison."""
    if job.plan_id is not None:
        return url_for("hr.plan", plan_id=job.plan_id), "Open the plan"
    if job.kind == "whatif" and job.status == "finished":
        return url_for("hr.whatif_result", job_id=job.id), "Open the comparison"
    return None, None


@bp.get("/jobs/<int:job_id>")
@roles_required(*PLAN_ROLES)
def job(job_id: int):
    job = _job_or_404(job_id, ("matching", "whatif"))
    next_url, next_label = job_next(job)
    return render_template("hr/job.html", job=job, job_json=job.as_dict(),
                           status_url=url_for("hr.job_status", job_id=job.id), next_url=next_url,
                           next_label=next_label)


@bp.get("/jobs/<int:job_id>.json")
@roles_required(*PLAN_ROLES)
def job_status(job_id: int):
    job = _job_or_404(job_id, ("matching", "whatif"))
    data = job.as_dict()
    data["next"], data["next_label"] = job_next(job)
    return jsonify(data)


# -- one plan version --------------------------------------------------------------------------


def _plan_or_404(plan_id: int, kind: str = "matching"):
    from planner.store import NotFound, get_plan

    try:
        stored = get_plan(engine(), plan_id)
    except NotFound:
        abort(404)
    if stored.kind != kind:
        abort(404)
    return stored


@dataclass(frozen=True)
class PlacementRow:
    person_id: str
    person_name: str
    team: str
    opportunity_id: str
    opportunity_title: str
    host_team: str
    period: int
    score: float
    explanation: str
    decision: str | None
    decided_by: str | None


def _visible_name(scenario: Scenario | None, person_id: str) -> str:
    """A person's name for the signed-in planner, or their id when they are no longer in the
    scenario (or the account may not see them)."""
    from web.security import may_see_person

    user = current_user()
    if scenario is None or user is None or not may_see_person(user, person_id):
        return person_id
    person = scenario.person_by_id.get(person_id)
    return person.name if person is not None else person_id


def placement_rows(stored, scenario: Scenario | None) -> list[PlacementRow]:
    from web.decisions import decisions_for_plan

    decisions = decisions_for_plan(engine(), stored.id)
    teams = scenario.team_by_id if scenario else {}
    opps = scenario.opportunity_by_id if scenario else {}
    people = scenario.person_by_id if scenario else {}
    rows = []
    for item in (stored.result or {}).get("placements", []):
        person = people.get(item["person_id"])
        opp = opps.get(item["opportunity_id"])
        decision = decisions.get((item["person_id"], item["opportunity_id"]))
        rows.append(PlacementRow(
            person_id=item["person_id"], person_name=_visible_name(scenario, item["person_id"]),
            team=teams[person.team_id].name if person and person.team_id in teams else "",
            opportunity_id=item["opportunity_id"], opportunity_title=opp.title if opp else item["opportunity_id"],
            host_team=teams[opp.host_team_id].name if opp and opp.host_team_id in teams else "",
            period=int(item.get("period", 1)), score=float(item.get("score", 0.0)),
            explanation=item.get("explanation", ""),
            decision=decision.decision if decision else None, decided_by=decision.decided_by if decision else None,
        ))
    return rows


def unplaced_rows(stored, scenario: Scenario | None) -> list[tuple[str, str, str]]:
    return [(person_id, _visible_name(scenario, person_id), reason)
            for person_id, reason in sorted((stored.result or {}).get("unplaced", {}).items())]


@bp.get("/plans/<int:plan_id>")
@roles_required(*PLAN_ROLES)
def plan(plan_id: int):
    from planner.store import list_plans

    stored = _plan_or_404(plan_id)
    scenario = _scenario_or_none()
    rows = placement_rows(stored, scenario)
    counts = {"accepted": sum(r.decision == "accepted" for r in rows),
              "rejected": sum(r.decision == "rejected" for r in rows),
              "undecided": sum(r.decision is None for r in rows)}
    return render_template("hr/plan.html", stored=stored, result=stored.result or {}, rows=rows,
                           unplaced=unplaced_rows(stored, scenario), counts=counts,
                           versions=list_plans(engine(), "matching"))


class DecisionForm(FormModel):
    person_id: str = Field(min_length=1, max_length=200)
    opportunity_id: str = Field(min_length=1, max_length=200)
    decision: str = Field(pattern=r"^(accepted|rejected)$")


class EmptyForm(FormModel):
    pass


@bp.post("/plans/<int:plan_id>/decide")
@roles_required(*PLAN_ROLES)
def decide(plan_id: int):
    """Accept or reject one proposed placement, in the signed-in planner's name."""
    from web.decisions import decide_placement

    stored = _plan_or_404(plan_id)
    try:
        form = parse_form(DecisionForm)
    except FormRejected:
        abort(400)
    proposed = {(p["person_id"], p["opportunity_id"]) for p in (stored.result or {}).get("placements", [])}
    if (form.person_id, form.opportunity_id) not in proposed:
        abort(404)
    if stored.status != "draft":
        flash(f"Version {stored.version} is already {stored.status}; decide on a newer version.", "error")
        return redirect(url_for("hr.plan", plan_id=plan_id))
    decide_placement(engine(), plan_id, form.person_id, form.opportunity_id, form.decision,
                     decided_by=current_user().username)
    return redirect(url_for("hr.plan", plan_id=plan_id, _anchor=f"row-{form.person_id}"))


@bp.post("/plans/<int:plan_id>/accept-all")
@roles_required(*PLAN_ROLES)
def accept_all(plan_id: int):
    """Accept every placement not decided yet (each one audited in the planner's name)."""
    from web.decisions import decide_placement, decisions_for_plan

    stored = _plan_or_404(plan_id)
    parse_form(EmptyForm)
    if stored.status != "draft":
        flash("Only a draft plan's placements can be accepted.", "error")
        return redirect(url_for("hr.plan", plan_id=plan_id))
    decided = decisions_for_plan(engine(), plan_id)
    count = 0
    for item in (stored.result or {}).get("placements", []):
        key = (item["person_id"], item["opportunity_id"])
        if key not in decided:
            decide_placement(engine(), plan_id, *key, "accepted", decided_by=current_user().username)
            count += 1
    flash(f"{count} placement{'s' if count != 1 else ''} accepted in your name.", "success")
    return redirect(url_for("hr.plan", plan_id=plan_id))


def approval_problem(rows: list[PlacementRow]) -> str | None:
    """A plan is approved only when a person has accepted every one of its placements."""
    waiting = [r for r in rows if r.decision != "accepted"]
    if waiting:
        return (f"{len(waiting)} placement(s) are not accepted yet. Accept them, or reject them and "
                "re-run the plan with your decisions.")
    return None


@bp.post("/plans/<int:plan_id>/approve")
@roles_required(*PLAN_ROLES)
def approve(plan_id: int):
    from planner.store import approve_plan

    stored = _plan_or_404(plan_id)
    parse_form(EmptyForm)
    problem = approval_problem(placement_rows(stored, _scenario_or_none()))
    if problem:
        flash(f"Version {stored.version} was not approved: {problem}", "error")
        return redirect(url_for("hr.plan", plan_id=plan_id))
    try:
        approve_plan(engine(), plan_id, current_user().username)
    except ValueError as error:
        flash(str(error), "error")
        return redirect(url_for("hr.plan", plan_id=plan_id))
    flash(f"Version {stored.version} approved in your name.", "success")
    return redirect(url_for("hr.plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/rerun")
@roles_required(*PLAN_ROLES)
def rerun(plan_id: int):
    """Run again with this version's decisions: accepted placements pinned, rejected forbidden."""
    from web.decisions import decisions_for_plan

    stored = _plan_or_404(plan_id)
    parse_form(EmptyForm)
    scenario = _scenario_or_none()
    if scenario is None:
        flash("Import a scenario before planning.", "error")
        return redirect(url_for("hr.import_form"))
    decisions = decisions_for_plan(engine(), plan_id)
    policy = rerun_policy(Policy.model_validate(stored.policy or {}), decisions, scenario)
    return _start_matching(scenario, policy, note=f"re-run of version {stored.version}", carry_from=plan_id)


def rerun_policy(base: Policy, decisions: dict, scenario: Scenario) -> Policy:
    """The previous policy plus this version's decisions: accepted -> pinned, rejected ->
    forbidden. Decisions about people or opportunities no longer in the scenario are dropped."""
    people, opps = scenario.person_by_id, scenario.opportunity_by_id

    def known(pair) -> bool:
        return pair[0] in people and pair[1] in opps

    pinned = {(p.person_id, p.opportunity_id) for p in base.pinned}
    forbidden = {(p.person_id, p.opportunity_id) for p in base.forbidden}
    for key, decision in decisions.items():
        if decision.decision == "accepted":
            pinned.add(key)
            forbidden.discard(key)
        else:
            forbidden.add(key)
            pinned.discard(key)
    data = base.model_dump()
    data["pinned"] = [{"person_id": a, "opportunity_id": b} for a, b in sorted(pinned) if known((a, b))]
    data["forbidden"] = [{"person_id": a, "opportunity_id": b} for a, b in sorted(forbidden) if known((a, b))]
    return Policy.model_validate(data)


# -- exports ----------------------------------------------------------------------------------

PLAN_EXPORT_HEADER = ["person_id", "name", "team", "opportunity_id", "opportunity", "host_team", "period",
                      "score", "decision", "decided_by", "explanation"]


def _export_rows(rows: list[PlacementRow]):
    return [[r.person_id, r.person_name, r.team, r.opportunity_id, r.opportunity_title, r.host_team, r.period,
             round(r.score, 3), r.decision or "undecided", r.decided_by or "", r.explanation] for r in rows]


@bp.get("/plans/<int:plan_id>/export.csv")
@roles_required(*PLAN_ROLES)
def export_csv(plan_id: int):
    from web.exports import CSV_MIMETYPE, csv_bytes

    stored = _plan_or_404(plan_id)
    rows = placement_rows(stored, _scenario_or_none())
    return _download(csv_bytes(PLAN_EXPORT_HEADER, _export_rows(rows)), CSV_MIMETYPE,
                     f"trellis-plan-v{stored.version}.csv")


@bp.get("/plans/<int:plan_id>/export.xlsx")
@roles_required(*PLAN_ROLES)
def export_xlsx(plan_id: int):
    from web.exports import XLSX_MIMETYPE, xlsx_bytes

    stored = _plan_or_404(plan_id)
    scenario = _scenario_or_none()
    rows = placement_rows(stored, scenario)
    result = stored.result or {}
    summary = [["version", stored.version], ["review status", stored.status], ["solver status", result.get("status")],
               ["objective", result.get("objective")], ["best bound", result.get("best_bound")],
               ["gap", result.get("gap")], ["run by", stored.created_by], ["approved by", stored.approved_by or ""]]
    book = xlsx_bytes([
        ("Placements", PLAN_EXPORT_HEADER, _export_rows(rows)),
        ("Not placed", ["person_id", "name", "reason"], [list(r) for r in unplaced_rows(stored, scenario)]),
        ("Summary", ["item", "value"], summary),
    ])
    return _download(book, XLSX_MIMETYPE, f"trellis-plan-v{stored.version}.xlsx")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---------------------------------------------------------------------------------------------
# What if: relax a requirement or allow stretch, compared side by side with a saved version
# ---------------------------------------------------------------------------------------------


class WhatIfForm(FormModel):
    plan_id: int = Field(ge=1, le=2**31 - 1)  # ids are 32-bit integers in PostgreSQL
    change: str = Field(pattern=r"^(stretch|relax)$")
    stretch_levels: int = Field(default=1, ge=0, le=4)
    skill: str = Field(default="", max_length=200)
    opportunity_id: str = Field(default="", max_length=200)


def requirements_to_relax(form: WhatIfForm, scenario: Scenario) -> list[tuple[str, str]]:
    """The (opportunity, skill) requirements the change drops: one opportunity's, or every
    opportunity's that requires the skill."""
    if form.change != "relax":
        return []
    return [(o.opportunity_id, form.skill) for o in scenario.opportunities
            if form.skill in o.required_skills and (not form.opportunity_id or o.opportunity_id == form.opportunity_id)]


def describe_change(form: WhatIfForm, scenario: Scenario) -> str:
    """The change in the words a planner would use."""
    if form.change == "stretch":
        return f"allow a stretch of {form.stretch_levels} level(s) on every required skill"
    where = "every opportunity"
    if form.opportunity_id:
        opp = scenario.opportunity_by_id.get(form.opportunity_id)
        where = f"“{opp.title}”" if opp else form.opportunity_id
    return f"drop the {form.skill} requirement from {where}"


@bp.get("/whatif")
@roles_required(*PLAN_ROLES)
def whatif_form():
    from planner.store import list_plans

    scenario = _scenario_or_none()
    plans = list_plans(engine(), "matching")
    chosen = request.args.get("plan_id", type=int) or (plans[0].id if plans else None)
    required = sorted({s for o in scenario.opportunities for s in o.required_skills}) if scenario else []
    return render_template("hr/whatif.html", scenario=scenario, plans=plans, chosen=chosen, required=required)


@bp.post("/whatif")
@roles_required(*PLAN_ROLES)
def whatif_run():
    from web.jobs import SlotsBusy, pool

    scenario = _scenario_or_none()
    if scenario is None:
        flash("Import a scenario before planning.", "error")
        return redirect(url_for("hr.import_form"))
    try:
        form = parse_form(WhatIfForm)
    except FormRejected as error:
        flash(f"The comparison was not started: {error}", "error")
        return redirect(url_for("hr.whatif_form"))
    stored = _plan_or_404(form.plan_id)
    if form.opportunity_id and form.opportunity_id not in scenario.opportunity_by_id:
        abort(404)
    if form.change == "relax" and not requirements_to_relax(form, scenario):
        flash("That opportunity does not require that skill: choose a requirement that exists.", "error")
        return redirect(url_for("hr.whatif_form", plan_id=form.plan_id))
    base_policy = Policy.model_validate(stored.policy or {}) if stored.policy else scenario.policy
    description = describe_change(form, scenario)
    work = whatif_work(scenario, base_policy, stored, form, description)
    try:
        job_id = pool().submit("whatif", work, actor=current_user().username,
                               request={"note": f"what if: {description}", "plan_id": stored.id,
                                        "change": form.model_dump()},
                               time_limit_s=base_policy.time_limit_s)
    except SlotsBusy as busy:
        return _busy_response(str(busy))
    return redirect(url_for("hr.job", job_id=job_id))


def whatif_work(scenario: Scenario, policy: Policy, stored, form: WhatIfForm, description: str):
    """Plan the scenario as it is and with the change, side by side (`optimiser.matching.what_if`,
    each side with half the time limit), under the policy of the chosen plan version."""
    from web.jobs import JobOutcome

    relax = requirements_to_relax(form, scenario)
    stretch = form.stretch_levels if form.change == "stretch" else None

    def work(progress) -> JobOutcome:
        outcome = what_if(scenario, relax=relax, stretch=stretch, policy=policy, on_progress=progress)
        return JobOutcome({
            "status": outcome.changed.status, "change": description, "base_plan_id": stored.id,
            "base_version": stored.version,
            "eligible_pairs_before": outcome.eligible_pairs_before,
            "eligible_pairs_after": outcome.eligible_pairs_after,
            "people_newly_eligible": outcome.people_newly_eligible,
            "eligible_by_opportunity": outcome.eligible_by_opportunity.to_dict(orient="records"),
            "base": {**plan_summary(outcome.baseline),
                     "placements": [p.model_dump() for p in outcome.baseline.placements]},
            "variant": {**plan_summary(outcome.changed),
                        "placements": [p.model_dump() for p in outcome.changed.placements]},
        })

    return work


def compare_placements(base: list[dict], variant: list[dict]) -> dict[str, list[tuple[str, str]]]:
    """Which placements the change opens up, which it loses, and which stay."""
    before = {(p["person_id"], p["opportunity_id"]) for p in base}
    after = {(p["person_id"], p["opportunity_id"]) for p in variant}
    return {"opened": sorted(after - before), "lost": sorted(before - after), "kept": sorted(before & after)}


@bp.get("/whatif/<int:job_id>")
@roles_required(*PLAN_ROLES)
def whatif_result(job_id: int):
    job = _job_or_404(job_id, ("whatif",))
    if job.status != "finished" or not job.result:
        return redirect(url_for("hr.job", job_id=job_id))
    scenario = _scenario_or_none()
    result = job.result
    diff = compare_placements(result["base"].get("placements", []), result["variant"].get("placements", []))
    opps = scenario.opportunity_by_id if scenario else {}

    def label(pair):
        opp = opps.get(pair[1])
        return (_visible_name(scenario, pair[0]), pair[0], opp.title if opp else pair[1])

    return render_template("hr/whatif_result.html", job=job, result=result,
                           opened=[label(p) for p in diff["opened"]], lost=[label(p) for p in diff["lost"]],
                           kept=len(diff["kept"]),
                           opened_up=[(opps[r["opportunity_id"]].title if r["opportunity_id"] in opps else r["opportunity_id"],
                                       r["before"], r["after"]) for r in result.get("eligible_by_opportunity", [])])
