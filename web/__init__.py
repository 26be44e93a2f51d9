"""The Trellis web app: an application factory, one blueprint per user group.

Each area registers its blueprint by adding its module to `BLUEPRINT_MODULES`; the module exposes
a Flask `Blueprint` named `bp`. Adding a page area therefore touches one line here.
"""

from __future__ import annotations

import importlib
from typing import Any

from flask import Flask

# Modules that expose `bp` (a flask.Blueprint). Order matters only for URL clashes.
BLUEPRINT_MODULES: list[str] = [
    "web.auth",
    "web.staff",
]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration (instance folder, environment, `config`), security, store,
    blueprints. Refuses to start in production with a weak secret key or debug on."""
    from web import security
    from web.data_access import init_data_access

    app = Flask(__name__, instance_relative_config=True)
    security.configure(app, config or {})
    init_data_access(app)
    for name in BLUEPRINT_MODULES:
        module = importlib.import_module(name)
        app.register_blueprint(module.bp)
    security.check_production_ready(app)
    return app
