"""Plain-words wording of pydantic validation errors, for the people who fix the spreadsheet.

pydantic says "Input should be less than or equal to 1"; an HR officer needs "must be a share
between 0 and 1, e.g. 0.2 for 20%". Each error type gets one sentence here.
"""

from __future__ import annotations

from enum import Enum

from planner.domain import OpportunityKind, TeamStatus, did_you_mean

SHARE_COLUMNS = frozenset({"fte", "must_practise", "max_release_share", "min_share"})
LEVEL_LISTS = frozenset({"skills", "aspirations", "required_skills", "development_skills"})
ENUM_OF_COLUMN: dict[str, type[Enum]] = {"kind": OpportunityKind, "status": TeamStatus}
DATE_TYPES = frozenset({
    "date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact", "date_type", "date_future",
})


def _subject(loc: tuple) -> str:
    """What the error is about inside a cell: the level of a skill, the count of a critical skill."""
    if len(loc) >= 2 and loc[0] in LEVEL_LISTS:
        return f"the level of skill {loc[1]!r}"
    if len(loc) >= 3 and loc[0] == "critical_skills":
        return f"the {loc[2]} of critical skill {loc[1] + 1}" if isinstance(loc[1], int) else "a critical skill"
    return ""


def _is_level(loc: tuple) -> bool:
    return (len(loc) >= 2 and loc[0] in LEVEL_LISTS) or loc[-1:] == ("level",)


def plain_words(error: dict, value: str | None) -> tuple[str, str | None]:
    """(message, suggestion) for one pydantic error located inside one row."""
    kind = error["type"]
    loc = tuple(error["loc"])
    ctx = error.get("ctx") or {}
    subject = _subject(loc)
    prefix = f"{subject} " if subject else ""
    column = loc[0] if loc and isinstance(loc[0], str) else ""

    if kind == "missing":
        return ("is required but blank" if len(loc) <= 1 else f"{prefix or loc[-1] + ' '}is required"), None
    if kind == "string_too_short":
        return "must not be blank", None
    if kind == "string_pattern_mismatch":
        return "an id must not contain ';' or ':' (they separate items in list cells)", None
    if kind in ("int_parsing", "int_from_float", "int_type"):
        if _is_level(loc):
            return f"{prefix}must be a whole number from 1 (awareness) to 5 (leading)", None
        return f"{prefix}must be a whole number", None
    if kind == "finite_number":
        return f"{prefix}must be a finite number, not NaN or infinity", None
    if kind in ("float_parsing", "float_type"):
        hint = "use a point for decimals, e.g. 0.5" if value and "," in value else None
        return f"{prefix}must be a number", hint
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return _out_of_range(loc, column, ctx, value, prefix)
    if kind == "enum":
        options = ENUM_OF_COLUMN.get(column)
        choices = [m.value for m in options] if options else []
        return f"must be one of {ctx.get('expected', '')}", did_you_mean(value or "", choices) if choices else None
    if kind == "bool_parsing" or kind == "bool_type":
        return "must be yes or no", None
    if kind in DATE_TYPES:
        return "must be a date written YYYY-MM-DD, e.g. 2025-03-31", None
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])), None
    if kind == "extra_forbidden":
        return f"{loc[-1]!r} is not a known field", None
    return f"{prefix}{error['msg'][0].lower()}{error['msg'][1:]}", None


def _out_of_range(loc, column, ctx, value, prefix) -> tuple[str, str | None]:
    if _is_level(loc):
        return f"{prefix}must be from 1 (awareness) to 5 (leading)", None
    if column in SHARE_COLUMNS or loc[-1:] == ("min_share",):
        hint = None
        try:
            number = float(value) if value is not None else None
        except ValueError:
            number = None
        if number is not None and number.is_integer() and 2 <= number <= 100:
            hint = f"for {number:g}% write {number / 100:g}"
        return "must be a share between 0 and 1, e.g. 0.2 for 20%", hint
    if ctx.get("ge") == 0:
        return f"{prefix}must not be negative", None
    if "ge" in ctx:
        return f"{prefix}must be at least {ctx['ge']}", None
    if "le" in ctx:
        return f"{prefix}must be at most {ctx['le']}", None
    if "gt" in ctx:
        return f"{prefix}must be more than {ctx['gt']}", None
    return f"{prefix}must be less than {ctx.get('lt')}", None
