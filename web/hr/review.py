"""The plan review page: a version's outcome in words, its placements searched, filtered,
sorted and paged, the people it left out, and decisions on one placement or a filtered group.

The query string is the page's state (`q`, `team`, `organisation`, `decided`, `kind`, `sort`,
`dir`, `page`, `size`, `upage`); each is checked, and anything the page does not offer is a bad
request (400) rather than a guess. The listing rules live in `planner.services.plan_review`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, render_template, request, url_for

from planner.services.plan_review import (
    DEFAULT_PAGE_SIZE,
    PAGE_SIZES,
    SORT_KEYS,
    SORT_WORDS,
    BadReviewQuery,
    ReviewFilter,
    review_filter,
    review_plan,
    unplaced_review_rows,
)
from planner.services.plan_words import outcome_of_result
from planner.services.plans import blocking_pair_rows, placement_rows
from planner.store import list_plans
from planner.store.consent import answers_for_plan, releases_for_plan
from web.data_access import current_scenario, engine
from web.hr import PLAN_ROLES, bp
from web.hr.common import plan_or_404
from web.reader_names import name_for_reader
from web.security import int_param, roles_required

SORT_DIRECTIONS = ("asc", "desc")
FILTER_PARAMS = {"q": "search", "team": "team", "organisation": "organisation", "decided": "decision",
                 "kind": "kind"}


@dataclass(frozen=True)
class ReviewQuery:
    """The review page's state as read from its query string."""

    chosen: ReviewFilter
    sort: str
    direction: str
    page: int
    size: int
    unplaced_page: int

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string of this state with `changes`, leaving out what is at its default."""
        values = {param: getattr(self.chosen, field) for param, field in FILTER_PARAMS.items()}
        values.update(sort=self.sort, dir=self.direction, page=self.page, size=self.size, upage=self.unplaced_page)
        values.update(changes)
        defaults = {"sort": "name", "dir": "asc", "page": 1, "size": DEFAULT_PAGE_SIZE, "upage": 1}
        return {k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v}


def filter_from(values) -> ReviewFilter:
    """The review filter of a query string or a posted form (400 when it names a value the page
    does not offer)."""
    try:
        return review_filter(**{field: values.get(param, "") or "" for param, field in FILTER_PARAMS.items()})
    except BadReviewQuery as bad:
        abort(400, description=f"The list cannot be shown: {bad}.")


def review_query() -> ReviewQuery:
    """The page's state from the query string: unknown sorts, directions and page sizes are
    refused (400); page numbers are whole numbers, a page past the end shows the last one."""
    sort = request.args.get("sort") or "name"
    if sort not in SORT_KEYS:
        abort(400, description=f"The list cannot be sorted by {sort[:40]!r}: use one of {', '.join(SORT_KEYS)}.")
    direction = request.args.get("dir") or "asc"
    if direction not in SORT_DIRECTIONS:
        abort(400, description="The sort direction is asc or desc.")
    size = int_param("size", DEFAULT_PAGE_SIZE)
    if size not in PAGE_SIZES:
        abort(400, description=f"A page shows {', '.join(map(str, PAGE_SIZES))} rows.")
    return ReviewQuery(filter_from(request.args), sort, direction, int_param("page", 1), size,
                       int_param("upage", 1))


@bp.get("/plans/<int:plan_id>")
@roles_required(*PLAN_ROLES)
def plan(plan_id: int):
    stored = plan_or_404(plan_id)
    scenario = current_scenario()
    name_of = name_for_reader(scenario)
    query = review_query()
    review = review_plan(placement_rows(engine(), stored, scenario, name_of),
                         unplaced_review_rows(stored, scenario, name_of), stored, scenario, query.chosen,
                         query.sort, query.direction == "desc", query.page, query.size, query.unplaced_page)
    blocking_count, blocking_rows = blocking_pair_rows(stored, scenario, name_of)

    def link(**changes: Any) -> str:
        return url_for("hr.plan", plan_id=plan_id, **query.args(**changes))

    return render_template("hr/plan.html", stored=stored, result=stored.result or {}, review=review,
                           outcome=outcome_of_result(stored.result, stored.policy, scenario), query=query,
                           link=link, sort_words=SORT_WORDS, page_sizes=PAGE_SIZES,
                           filter_args=query.args(sort=None, dir=None, page=None, size=None, upage=None),
                           versions=list_plans(engine(), "matching"),
                           answers=answers_for_plan(engine(), plan_id), releases=releases_for_plan(engine(), plan_id),
                           blocking_count=blocking_count, blocking_rows=blocking_rows)
