"""The rotation programme as a picture: a Gantt-style timeline of every placement and
redeployment on record, by team or by person, with the same facts in a table.

The query string is the page's state (`team`, `organisation`, `start`, `end`, `view`, `page`);
a value the page cannot read is a bad request (400) naming it. The rows are built by
`planner.services.programme`; the chart is drawn by static/programme-gantt.js from a JSON data
island (no inline script, so the Content-Security-Policy holds).
"""

from __future__ import annotations

from flask import abort, render_template, request

from planner.services.programme import BadProgrammeQuery, chart_rows, programme, programme_filter
from web.data_access import current_scenario, engine
from web.hr import bp
from web.security import int_param, roles_required

PROGRAMME_ROLES = ("hr", "admin")
VIEWS = ("team", "person")


@bp.get("/programme")
@roles_required(*PROGRAMME_ROLES)
def programme_view():
    args = {name: (request.args.get(name) or "").strip()[:200] for name in ("team", "organisation", "start", "end")}
    view = request.args.get("view") or "team"
    if view not in VIEWS:
        abort(400, description="The parameter 'view' must be 'team' or 'person'.")
    try:
        chosen = programme_filter(**args)
    except BadProgrammeQuery as error:
        abort(400, description=str(error))
    scenario = current_scenario()
    shown = programme(engine(), scenario, chosen, int_param("page", 1)) if scenario is not None else None
    teams = sorted(scenario.teams, key=lambda t: t.name.casefold()) if scenario is not None else []
    organisations = sorted({t.organisation for t in teams})

    def page_args(page: int) -> dict:
        return {k: v for k, v in {**args, "view": view, "page": page}.items() if v not in ("", None)}

    return render_template("hr/programme.html", shown=shown, args=args, view=view, teams=teams,
                           organisations=organisations, page_args=page_args,
                           chart=chart_rows(shown.bars) if shown else [])
