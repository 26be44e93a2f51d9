"""The Trellis web app: an application factory, one blueprint per user group.

Each area registers its blueprint by adding its module to `BLUEPRINT_MODULES`; the module exposes
a Flask `Blueprint` named `bp`, and optionally `NAV`, a list of `(endpoint, label, roles)` that
puts its pages in the navigation for those roles. Adding a page area therefore touches one line.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask, current_app

from web import security
from web.data_access import init_data_access
from web.jobs import recover_jobs_at_start
from web.oidc import init_oidc

# Modules that expose `bp` (a flask.Blueprint). Order matters only for URL clashes.
BLUEPRINT_MODULES: list[str] = [
    "web.auth",
    "web.staff",
    "web.consent",
    "web.manager",
    "web.admin",
    "web.hr",
    "web.crisis",
    "web.network_view",
    "web.inbox",
    "web.api",
]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration (instance folder, environment, `config`), security, store,
    blueprints. Refuses to start in production with a weak secret key or debug on.

    `security.configure` comes first: it also replaces the `int` route converter with one that
    refuses ids the store cannot hold, and routes bind their converters when registered."""
    app = Flask(__name__, instance_relative_config=True)
    security.configure(app, config or {})
    init_data_access(app)
    recover_jobs_at_start(app)
    init_oidc(app)  # single sign-on, only when TRELLIS_OIDC_ISSUER is set
    nav: list[tuple[str, str, tuple[str, ...]]] = []
    for name in BLUEPRINT_MODULES:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)
        nav.extend(getattr(module, "NAV", []))
    app.extensions["trellis_nav"] = nav
    app.context_processor(_template_context)
    security.check_production_ready(app)
    return app


def _template_context() -> dict[str, Any]:
    """What every template sees: the signed-in account and the navigation for its role."""
    user = security.current_user()
    nav = []
    if user is not None:
        nav = [
            (endpoint, label)
            for endpoint, label, roles in current_app.extensions["trellis_nav"]
            if user.role in roles and endpoint in current_app.view_functions
        ]
    return {"current_user": user, "nav_items": nav}
