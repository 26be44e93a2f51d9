"""What a background job's work hands back, and retrying a store write that SQLite found locked.

The web app's job pool (`web.jobs`) runs the work functions the services build; the work
itself knows nothing of the pool or of Flask."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import OperationalError


@dataclass(frozen=True)
class JobOutcome:
    """What a finished job hands back: a JSON-ready summary and, when it saved one, its plan."""

    result: dict[str, Any]
    plan_id: int | None = None


def retry_when_locked(action: Callable[[], Any], attempts: int = 8, pause_s: float = 0.05) -> Any:
    """Run a store write again when SQLite reports "database is locked". A transaction that
    reads before it writes (saving a plan reads the newest version first) fails at once, without
    waiting, if another connection wrote in between; a fresh attempt succeeds. PostgreSQL never
    raises this, so there it runs once."""
    for attempt in range(attempts):
        try:
            return action()
        except OperationalError as error:
            if "locked" not in str(error.orig) or attempt == attempts - 1:
                raise
            time.sleep(pause_s * (attempt + 1))
    raise AssertionError("unreachable")
