"""Background solve jobs: a small bounded pool whose jobs live in the database.

An optimiser run takes seconds to minutes, longer than a web request should. A planner starts it,
the page shows its progress (objective and bound over time), and a page reload, another tab or a
colleague's browser finds the same job, because its state is in the `solve_jobs` table, not in
the browser or the process's memory alone.

Rules of the pool, each one promise of SECURITY.md:
- `slots_are_bounded`: at most `slots` jobs run at once (default 2); a new request while all are
  busy is told so (`SlotsBusy`) instead of piling up behind them.
- `job_is_alive`: a running job writes a heartbeat every few seconds; one whose heartbeat is
  older than `stale_after_s` belongs to a process that died and is shown as interrupted (it
  no longer holds a slot).
- `interrupt_stale_jobs`: such a job is also marked interrupted in the store, when a server
  starts and every `stale_after_s` while one runs (`recover_jobs_at_start`), so the store never
  keeps a killed server's job as running. Several servers may share a store: only the heartbeat
  age decides, so a live server's job (it beats every second) is never touched.
- Every job honours its own time limit (the solver's `time_limit_s`); the pool never blocks a
  request thread on a solve.
- `request_stop`: a planner may stop a running job; the request is written to the job's row (so
  the server running it hears it at its next heartbeat, whichever server took the POST) and the
  solve ends with the best plan found so far, saved as usual, its status STOPPED_EARLY.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Connection, Engine, and_, func, insert, inspect, or_, select, update

from optimiser.distributed.ray_runner import RayUnreachable
from optimiser.run_control import phase_words
from planner.domain import ScenarioError
from planner.services.work import JobOutcome, retry_when_locked  # noqa: F401 - part of this module's API
from planner.store._common import as_utc, utc_now
from planner.store.audit import record_audit
from planner.store.console_tables import JOB_KINDS, solve_jobs
from web.data_access import engine as app_engine

log = logging.getLogger("trellis.web.jobs")

DEFAULT_SLOTS = 2
HEARTBEAT_S = 1.0
STALE_AFTER_S = 30.0
MAX_PROGRESS_POINTS = 400


class SlotsBusy(RuntimeError):
    """Every solve slot is taken; the request should be tried again when one finishes."""


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    status: str
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    heartbeat_at: datetime | None
    time_limit_s: float
    request: dict[str, Any]
    progress: list[dict[str, Any]]
    result: dict[str, Any] | None
    error: str | None
    plan_id: int | None

    @property
    def done(self) -> bool:
        return self.status != "running"

    @property
    def stop_requested_by(self) -> str | None:
        return self.request.get(STOP_KEY)

    @property
    def stopped_early(self) -> bool:
        return (self.result or {}).get("status") == STOPPED_EARLY

    def elapsed_s(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or utc_now()
        return round((end - self.started_at).total_seconds(), 1)

    def as_dict(self) -> dict[str, Any]:
        """The job as the progress page polls it (no personal data: ids and numbers only)."""
        elapsed = self.elapsed_s()
        phase, placements = latest_phase_and_placements(self.progress)
        return {
            "id": self.id, "kind": self.kind, "status": self.status, "done": self.done,
            "created_by": self.created_by, "time_limit_s": self.time_limit_s,
            "elapsed_s": elapsed, "progress": self.progress, "error": self.error,
            "plan_id": self.plan_id,
            "result_status": (self.result or {}).get("status"),
            "share_of_time_limit": share_of_time_limit(elapsed, self.time_limit_s, self.done),
            "phase": "finished" if self.done else phase, "placements": placements,
            "stop_requested": self.stop_requested_by is not None, "stopped_early": self.stopped_early,
            "words": progress_words(self, elapsed, phase, placements),
        }


STOP_KEY = "stop_requested_by"
STOPPED_EARLY = "STOPPED_EARLY"


def share_of_time_limit(elapsed_s: float | None, time_limit_s: float, done: bool) -> float:
    """How far a run is through its time limit, 0 to 1 (a finished run is at 1: it ended)."""
    if done:
        return 1.0
    if not elapsed_s or time_limit_s <= 0:
        return 0.0
    return round(min(1.0, elapsed_s / time_limit_s), 3)


def latest_phase_and_placements(points: list[dict[str, Any]]) -> tuple[str | None, int | None]:
    """The phase in words of the newest progress point, and the newest count of placements."""
    phase = placements = None
    for point in reversed(points):
        if phase is None and point.get("phase"):
            phase = phase_words(point["phase"]) or point["phase"]
        if placements is None and point.get("placements") is not None:
            placements = int(point["placements"])
        if phase is not None and placements is not None:
            break
    return phase, placements


def progress_words(job: Job, elapsed_s: float | None, phase: str | None, placements: int | None) -> str:
    """The progress bar's label in plain words: time used of the limit, phase, placements."""
    limit = int(round(job.time_limit_s))
    used = f"{int(elapsed_s or 0)} s of the {limit} s time limit"
    if job.done:
        ending = "stopped early on request" if job.stopped_early else job.status
        return f"{ending.capitalize()} after {used}."
    parts = [used, f"phase: {phase or 'starting'}"]
    if placements is not None:
        parts.append(f"{placements:,} placements in the best plan so far")
    if job.stop_requested_by is not None:
        parts.append("stopping: the best plan so far will be saved")
    return "; ".join(parts) + "."


def _job_from_row(row, now: datetime) -> Job:
    heartbeat = as_utc(row.heartbeat_at)
    status = row.status
    if status == "running" and not job_is_alive(heartbeat, now):
        status = "interrupted"
    return Job(
        id=row.id, kind=row.kind, status=status, created_by=row.created_by,
        created_at=as_utc(row.created_at), started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at), heartbeat_at=heartbeat, time_limit_s=row.time_limit_s,
        request=row.request or {}, progress=row.progress or [], result=row.result, error=row.error,
        plan_id=row.plan_id,
    )


def job_is_alive(heartbeat_at: datetime | None, now: datetime, stale_after_s: float = STALE_AFTER_S) -> bool:
    """A running job is alive while its heartbeat is recent; a silent one lost its process."""
    return heartbeat_at is not None and (now - heartbeat_at).total_seconds() <= stale_after_s


class ProgressRecorder:
    """The solver's `on_progress` callback: keeps (seconds, objective, bound, phase, placements)
    points in memory, cheaply, for the pool's heartbeat to write out. Long runs are thinned to at
    most `MAX_PROGRESS_POINTS`, keeping the first and the newest. `stop` is set when the planner
    asks the job to stop; the work passes it to the solver."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._points: list[dict[str, Any]] = []
        self._dirty = False
        self._offset = 0.0
        self._last_raw = 0.0

    def _timeline(self, raw: float | None) -> float | None:
        """A job that solves several times (a what-if plans twice) is drawn as one timeline:
        when the solver's clock starts again, the new solve continues after the previous one."""
        if raw is None:
            return None
        if raw < self._last_raw:
            self._offset += self._last_raw
        self._last_raw = raw
        return raw + self._offset

    def __call__(self, event: Any) -> None:
        with self._lock:
            seconds = self._timeline(_number(getattr(event, "seconds", None)))
        point = {
            "seconds": _number(seconds),
            "objective": _number(getattr(event, "objective", None)),
            "bound": _number(getattr(event, "bound", getattr(event, "best_bound", None))),
        }
        # Phase and placements only when the solver says (kept small: a run has hundreds of points).
        extra = {"phase": getattr(event, "phase", None), "placements": _count(getattr(event, "placements", None))}
        point.update({key: value for key, value in extra.items() if value is not None})
        with self._lock:
            self._points.append(point)
            if len(self._points) > MAX_PROGRESS_POINTS:
                self._points = self._points[:1] + self._points[2::2] + self._points[-1:]
            self._dirty = True

    def final(self, seconds: float | None, objective: float | None, bound: float | None) -> None:
        """The solver's last word, drawn at the end of the timeline (never as a new solve)."""
        with self._lock:
            last = self._points[-1]["seconds"] if self._points else None
            known = [v for v in (_number(seconds), last) if v is not None]
            end = max(known) if known else None
            point = {"seconds": end, "objective": _number(objective), "bound": _number(bound)}
            phase = self._points[-1].get("phase") if self._points else None
            if phase is not None:
                point["phase"] = phase
            self._points.append(point)
            self._dirty = True

    def take_if_changed(self) -> list[dict[str, Any]] | None:
        with self._lock:
            if not self._dirty:
                return None
            self._dirty = False
            return list(self._points)

    def points(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._points)


def _count(value: Any) -> int | None:
    return None if value is None else int(value)


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return round(number, 4)


Work = Callable[[ProgressRecorder], JobOutcome]


class JobPool:
    """A bounded pool of solve jobs for one engine (one per web app)."""

    def __init__(self, engine: Engine, slots: int = DEFAULT_SLOTS, *, heartbeat_s: float = HEARTBEAT_S,
                 stale_after_s: float = STALE_AFTER_S) -> None:
        if slots < 1:
            raise ValueError("a job pool needs at least one slot")
        self.engine = engine
        self.slots = slots
        self.heartbeat_s = heartbeat_s
        self.stale_after_s = stale_after_s
        self._slots = threading.BoundedSemaphore(slots)
        self._finished: dict[int, threading.Event] = {}
        self._stops: dict[int, threading.Event] = {}
        self._lock = threading.Lock()

    # -- starting ---------------------------------------------------------------------------

    def submit(self, kind: str, work: Work, *, actor: str, request: dict[str, Any],
               time_limit_s: float) -> int:
        """Start `work` in the background and return the job's id, or raise `SlotsBusy`."""
        if kind not in JOB_KINDS:
            raise ValueError(f"unknown job kind {kind!r}")
        if not self._slots.acquire(blocking=False):
            raise SlotsBusy(self.busy_message())
        try:
            job_id = self._insert_if_slot_free(kind, actor, request, time_limit_s)
        except BaseException:
            self._slots.release()
            raise
        done = threading.Event()
        with self._lock:
            self._finished[job_id] = done
        thread = threading.Thread(target=self._run, args=(job_id, work, done), daemon=True,
                                  name=f"trellis-job-{job_id}")
        thread.start()
        return job_id

    def busy_message(self) -> str:
        return (f"All {self.slots} solve slots are busy. Wait for a running plan to finish "
                "(see the list of runs), then start yours again.")

    def _insert_if_slot_free(self, kind: str, actor: str, request: dict[str, Any], time_limit_s: float) -> int:
        """Counts live jobs in the database too, so several processes share the same bound.
        Jobs whose process died are marked interrupted here (a POST), never by a page view."""
        now = utc_now()
        with self.engine.begin() as connection:
            mark_stale_jobs_interrupted(connection, now, self.stale_after_s)
            running = connection.execute(
                select(func.count()).select_from(solve_jobs).where(solve_jobs.c.status == "running")
            ).scalar_one()
            if running >= self.slots:
                raise SlotsBusy(self.busy_message())
            return connection.execute(
                insert(solve_jobs).values(
                    kind=kind, status="running", created_by=actor, created_at=now, started_at=now,
                    heartbeat_at=now, time_limit_s=float(time_limit_s), request=request, progress=[],
                ).returning(solve_jobs.c.id)
            ).scalar_one()

    # -- running ----------------------------------------------------------------------------

    def _run(self, job_id: int, work: Work, done: threading.Event) -> None:
        recorder = ProgressRecorder()
        with self._lock:
            self._stops[job_id] = recorder.stop
        stop = threading.Event()
        beat = threading.Thread(target=self._heartbeat, args=(job_id, recorder, stop), daemon=True,
                                name=f"trellis-job-{job_id}-heartbeat")
        beat.start()
        try:
            outcome = work(recorder)
            values = {"status": "finished", "result": outcome.result, "plan_id": outcome.plan_id}
        except Exception as error:  # noqa: BLE001 - a job must always end with a status
            # The type only: exception text may quote personal data.
            log.error("solve job %s failed: %s", job_id, type(error).__name__)
            values = {"status": "failed", "error": failure_message(error)}
        finally:
            stop.set()
            beat.join()
        try:
            with self.engine.begin() as connection:
                connection.execute(update(solve_jobs).where(solve_jobs.c.id == job_id).values(
                    finished_at=utc_now(), heartbeat_at=utc_now(), progress=recorder.points(), **values))
        finally:
            with self._lock:
                self._stops.pop(job_id, None)
            self._slots.release()
            done.set()

    def _heartbeat(self, job_id: int, recorder: ProgressRecorder, stop: threading.Event) -> None:
        """Every `heartbeat_s`: prove the job is alive and write out new progress points."""
        while not stop.wait(self.heartbeat_s):
            values: dict[str, Any] = {"heartbeat_at": utc_now()}
            points = recorder.take_if_changed()
            if points is not None:
                values["progress"] = points
            try:
                with self.engine.begin() as connection:
                    connection.execute(update(solve_jobs).where(solve_jobs.c.id == job_id).values(**values))
                    if not recorder.stop.is_set() and _stop_was_requested(connection, job_id):
                        recorder.stop.set()
            except Exception as error:  # noqa: BLE001 - a missed beat is retried next time
                log.warning("heartbeat of job %s not written: %s", job_id, type(error).__name__)

    # -- stopping ---------------------------------------------------------------------------

    def request_stop(self, job_id: int, actor: str) -> bool:
        """Ask a running job to stop and keep its best plan so far. The request is stored on the
        job (any server sharing the store hears it at the job's next heartbeat) and, when this
        server runs the job, passed on at once; audited in the same transaction (the job's id
        only). False when the job is no longer running."""
        with self.engine.begin() as connection:
            row = connection.execute(select(solve_jobs.c.status, solve_jobs.c.kind, solve_jobs.c.request)
                                     .where(solve_jobs.c.id == job_id).with_for_update()).first()
            if row is None or row.status != "running":
                return False
            request = dict(row.request or {})
            request.setdefault(STOP_KEY, actor)
            connection.execute(update(solve_jobs).where(solve_jobs.c.id == job_id).values(request=request))
            record_audit(connection, actor, "job.stop", f"job:{job_id}", f"{row.kind} run asked to stop early")
        with self._lock:
            local = self._stops.get(job_id)
        if local is not None:
            local.set()
        return True

    # -- reading ----------------------------------------------------------------------------

    def get(self, job_id: int) -> Job | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(solve_jobs).where(solve_jobs.c.id == job_id)).first()
        return None if row is None else _job_from_row(row, utc_now())

    def recent(self, kinds: tuple[str, ...] = JOB_KINDS, limit: int = 20) -> list[Job]:
        """The newest jobs of these kinds, newest first."""
        query = (select(solve_jobs).where(solve_jobs.c.kind.in_(kinds))
                 .order_by(solve_jobs.c.id.desc()).limit(limit))
        now = utc_now()
        with self.engine.connect() as connection:
            return [_job_from_row(row, now) for row in connection.execute(query)]

    def running_count(self) -> int:
        return sum(1 for job in self.recent(limit=50) if job.status == "running")

    def wait(self, job_id: int, timeout: float) -> bool:
        """Block until a job started by this pool ends (for tests and the CLI); False on timeout."""
        with self._lock:
            done = self._finished.get(job_id)
        if done is None:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                job = self.get(job_id)
                if job is None or job.done:
                    return True
                time.sleep(0.2)
            return False
        return done.wait(timeout)


# Who, besides the planner who started a job, may stop it: the roles that run jobs of its kind.
STOP_ROLES = {"matching": ("hr", "admin"), "whatif": ("hr", "admin"), "redeploy": ("emergency", "admin")}


def may_stop_job(job: Job, username: str, role: str) -> bool:
    """A running job may be stopped by the planner who started it, or by anyone in a role that
    runs jobs of its kind (HR for plans and what-ifs, emergency planners for redeployments) or
    an administrator."""
    return username == job.created_by or role in STOP_ROLES.get(job.kind, ())


def stop_job(job: Job, username: str, role: str) -> str:
    """Stop a running job on a planner's request (audited with who; the job's id only). Returns
    the message to show; raises PermissionError when `may_stop_job` says no."""
    if not may_stop_job(job, username, role):
        raise PermissionError("only the planner who started this run, or a planner of its kind, may stop it")
    if not pool().request_stop(job.id, username):
        return "This run had already ended; nothing was stopped."
    return "Stopping: the best plan found so far is being saved."


def _stop_was_requested(connection: Connection, job_id: int) -> bool:
    request = connection.execute(select(solve_jobs.c.request).where(solve_jobs.c.id == job_id)).scalar_one_or_none()
    return bool(request and request.get(STOP_KEY))


INTERRUPTED_MESSAGE = "The server stopped while this job ran; start it again."


def mark_stale_jobs_interrupted(connection: Connection, now: datetime, stale_after_s: float) -> int:
    """A job still marked running whose heartbeat is older than `stale_after_s` lost its server:
    it is marked interrupted (with when, and a message to start it again). Returns how many."""
    stale_before = now - timedelta(seconds=stale_after_s)
    return connection.execute(
        update(solve_jobs)
        .where(and_(solve_jobs.c.status == "running",
                    or_(solve_jobs.c.heartbeat_at.is_(None), solve_jobs.c.heartbeat_at < stale_before)))
        .values(status="interrupted", finished_at=now, error=INTERRUPTED_MESSAGE)).rowcount


def interrupt_stale_jobs(engine: Engine, stale_after_s: float = STALE_AFTER_S) -> int:
    """Mark every job whose server died as interrupted in the store (see
    `mark_stale_jobs_interrupted`); nothing when the store has no job table yet."""
    if not inspect(engine).has_table(solve_jobs.name):
        return 0
    with engine.begin() as connection:
        return mark_stale_jobs_interrupted(connection, utc_now(), stale_after_s)


def recover_jobs_at_start(app: Flask, stale_after_s: float = STALE_AFTER_S) -> None:
    """When a server starts, jobs left running by a server that was killed are marked
    interrupted at once. A job whose heartbeat is still fresh may belong to another server
    sharing the store, or to one killed seconds ago: so a production server looks again every
    `stale_after_s` while it runs, and such a job is marked once its heartbeat has gone stale."""
    engine = app.extensions["trellis_engine"]
    interrupted = retry_when_locked(lambda: interrupt_stale_jobs(engine, stale_after_s))
    if interrupted:
        log.warning("%s solve job(s) left running by a stopped server marked interrupted", interrupted)
    if app.config.get("PRODUCTION") and not app.config.get("TESTING"):
        stop = app.extensions["trellis_job_sweeper_stop"] = threading.Event()
        threading.Thread(target=_sweep_stale_jobs, args=(engine, stale_after_s, stop), daemon=True,
                         name="trellis-stale-job-sweeper").start()


def _sweep_stale_jobs(engine: Engine, stale_after_s: float, stop: threading.Event) -> None:
    while not stop.wait(stale_after_s):
        try:
            if interrupt_stale_jobs(engine, stale_after_s):
                log.warning("solve job(s) of a stopped server marked interrupted")
        except Exception as error:  # noqa: BLE001 - the next sweep tries again
            log.warning("stale solve jobs not swept: %s", type(error).__name__)


def failure_message(error: Exception) -> str:
    """What the planner is told when a job fails: actionable when we know why, generic else."""
    if isinstance(error, ScenarioError):
        return f"The scenario has {len(error.problems)} problem(s); fix them on the import page and run again."
    if isinstance(error, RayUnreachable):  # TRELLIS_RAY_ADDRESS names a cluster that does not answer
        return f"{str(error)[:1].upper()}{str(error)[1:]}. Check TRELLIS_RAY_ADDRESS, or unset it to solve here."
    return f"The optimiser stopped with an internal error ({type(error).__name__}). Try again; if it repeats, tell an administrator."


def pool() -> JobPool:
    """The current app's job pool (created on first use, sized by `SOLVE_SLOTS`)."""
    app = current_app._get_current_object()
    existing = app.extensions.get("trellis_jobs")
    if existing is None:
        with _POOL_LOCK:
            existing = app.extensions.get("trellis_jobs")
            if existing is None:
                existing = JobPool(app_engine(), slots=int(app.config.get("SOLVE_SLOTS", DEFAULT_SLOTS)))
                app.extensions["trellis_jobs"] = existing
    return existing


_POOL_LOCK = threading.Lock()
