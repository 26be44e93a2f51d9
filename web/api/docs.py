"""The API's own description: the OpenAPI 3 document and its browsable page (Swagger UI, served
from this app's static files: no CDN, no inline script, so the page keeps the app's CSP)."""

from __future__ import annotations

from flask import render_template, url_for

from web.api.core import API_PREFIX, api_error, api_roles, bp, spec
from web.security import ROLES


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3 document of every API route, generated from the routes' pydantic models."""
    return spec.spec


@bp.get("/docs/")
def docs_page():
    return render_template("api/docs.html", spec_url=url_for("api.openapi_document"))


@bp.route("/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@api_roles(*ROLES)
def no_such_route(unknown: str):
    """Anything else under the API's prefix is answered in JSON, not with a web page (after the
    token check, so the API's routes cannot be probed without one)."""
    return api_error(404, f"There is no API route {API_PREFIX}/{unknown} for this method; "
                          f"see {url_for('api.openapi_document')}.")
