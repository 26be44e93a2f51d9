"""Which engine solves the web app's plan and redeployment jobs: this process, or Ray.

When `TRELLIS_RAY_ADDRESS` is set, jobs run in independent parts on the Ray cluster at that
address (host:port of its head; `local` starts a Ray on this machine), through the same code as
`trellis plan --engine ray` and `trellis redeploy --engine ray`. Unset, they run in this process.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

RAY_ADDRESS_ENV = "TRELLIS_RAY_ADDRESS"


def ray_address_for_jobs(environ: Mapping[str, str] = os.environ) -> str | None:
    """The Ray cluster jobs run on (read when each job starts), or None to run them here."""
    value = environ.get(RAY_ADDRESS_ENV, "").strip()
    return value or None
