"""The `/api/v1` JSON API for connected systems (the HR system, reporting tools): one module per
resource, each thin (parse, call the store, serialise), all on the blueprint of `web.api.core`,
which signs every request in with its Bearer token. See docs/api.md."""

from web.api import docs, network, people, plans, runs, scenario, teams  # noqa: F401  (routes attach on import)
from web.api.core import bp

__all__ = ["bp"]
