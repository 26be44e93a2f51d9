"""Reading and writing single cells: list cells (`python:3;data-analysis:4`), critical skills
(`skill:level:count;...`), yes/no, numbers and dates.

Parsing never raises: it returns the value and a list of plain-words complaints about the cell,
so the reader can report every malformed cell of a file in one go.
"""

from __future__ import annotations

import re
from datetime import date
from enum import Enum
from itertools import islice

from planner.domain import CriticalSkill

from .layout import (
    CRITICAL_SKILL_COLUMNS,
    DATE_COLUMNS,
    ID_LIST_COLUMNS,
    LIST_COLUMNS,
    SKILL_LEVEL_COLUMNS,
    YES_NO_COLUMNS,
)

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _items(cell: str) -> list[str]:
    """Split a list cell on `;`, ignoring spaces around items and a trailing `;`."""
    return [item.strip() for item in cell.split(";") if item.strip()]


def parse_skill_levels(cell: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """`python:3;data-analysis:4` -> {"python": "3", "data-analysis": "4"}.

    Levels stay text here; the domain model checks they are whole numbers 1..5. Returns the
    mapping and a list of (item, complaint) for items that are not `skill:level`."""
    levels: dict[str, str] = {}
    complaints: list[tuple[str, str]] = []
    for item in _items(cell):
        parts = item.split(":")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            complaints.append((item, "each item must be skill:level, e.g. python:3, items separated by ';'"))
            continue
        skill, level = parts[0].strip(), parts[1].strip()
        if skill in levels:
            complaints.append((item, f"skill {skill!r} is listed twice in this cell"))
            continue
        levels[skill] = level
    return levels, complaints


def parse_id_list(cell: str) -> tuple[tuple[str, ...], list[tuple[str, str]]]:
    """`opp-1;opp-7` -> ("opp-1", "opp-7"), ranked as written."""
    ids = []
    complaints: list[tuple[str, str]] = []
    for item in _items(cell):
        if ":" in item:
            complaints.append((item, "ids are separated by ';' and must not contain ':'"))
            continue
        ids.append(item)
    return tuple(ids), complaints


def parse_critical_skills(cell: str) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """`safeguarding:3:2;first-aid:2:1` -> [{"skill": "safeguarding", "level": "3", "count": "2"}, ...]."""
    found: list[dict[str, str]] = []
    complaints: list[tuple[str, str]] = []
    seen: set[str] = set()
    for item in _items(cell):
        parts = [p.strip() for p in item.split(":")]
        if len(parts) != 3 or not all(parts):
            complaints.append(
                (item, "each item must be skill:level:count, e.g. safeguarding:3:2, items separated by ';'")
            )
            continue
        if parts[0] in seen:
            complaints.append((item, f"skill {parts[0]!r} is listed twice in this cell"))
            continue
        seen.add(parts[0])
        found.append({"skill": parts[0], "level": parts[1], "count": parts[2]})
    return found, complaints


def parse_yes_no(cell: str) -> tuple[bool | str, list[tuple[str, str]]]:
    """`yes`/`no` (also true/false, y/n, 1/0; any case) -> bool."""
    text = cell.strip().lower()
    if text in ("yes", "y", "true", "1"):
        return True, []
    if text in ("no", "n", "false", "0"):
        return False, []
    return cell, [(cell, "must be yes or no")]


def parse_iso_date(cell: str) -> tuple[str, list[tuple[str, str]]]:
    """Dates are written the ISO way, `2025-03-31`, so 01/02/2025 can never mean two days."""
    if ISO_DATE.match(cell):
        try:
            date.fromisoformat(cell)
        except ValueError:
            return cell, [(cell, "is not a date in the calendar")]
        return cell, []
    return cell, [(cell, "must be a date written YYYY-MM-DD, e.g. 2025-03-31")]


def parse_cell(column: str, cell: str):
    """Turn one non-blank cell into the value the domain model validates, plus complaints."""
    if column in SKILL_LEVEL_COLUMNS:
        return parse_skill_levels(cell)
    if column in ID_LIST_COLUMNS:
        return parse_id_list(cell)
    if column in CRITICAL_SKILL_COLUMNS:
        return parse_critical_skills(cell)
    if column in YES_NO_COLUMNS:
        return parse_yes_no(cell)
    if column in DATE_COLUMNS:
        return parse_iso_date(cell)
    return cell, []


def _float_text(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _list_text(value: tuple) -> str:
    return ";".join([f"{item.skill}:{item.level}:{item.count}" if isinstance(item, CriticalSkill) else str(item)
                     for item in value])


# The writer's cell types by exact type, so a million rows skip the general dispatch below
# (subclasses, such as the str-based enums, still take the general way).
_TEXT_OF_TYPE = {
    str: str,
    int: str,
    bool: lambda value: "yes" if value else "no",
    type(None): lambda value: "",
    float: _float_text,
    dict: lambda value: ";".join([f"{key}:{level}" for key, level in value.items()]),
    tuple: _list_text,
    date: date.isoformat,
}


def format_cell(value) -> str:
    """The text a value is written as; `parse_cell` reads it back to the same value."""
    text_of = _TEXT_OF_TYPE.get(type(value))
    if text_of is not None:
        return text_of(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        return _float_text(value)
    if isinstance(value, (int, str)):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return ";".join(f"{key}:{level}" for key, level in value.items())
    if isinstance(value, tuple):
        return _list_text(value)
    raise TypeError(f"cannot write a {type(value).__name__} in a CSV cell")


_YES_NO = {"yes": True, "y": True, "true": True, "1": True, "no": False, "n": False, "false": False, "0": False}

def _plain(cell: str) -> bool:
    """No spaces or other blanks anywhere, so no item needs trimming (the careful parser trims)."""
    return " " not in cell and cell.isprintable()


def _plain_level_cells(cells) -> list:
    """Skill-level cells that are plainly `skill:level;...`, parsed all at once: the cells are
    joined and split in one go and cut back into one mapping per cell. None marks a cell the
    careful parser must look at: blank, with spaces, malformed, or naming a skill twice."""
    values: list = [None] * len(cells)
    # n items of `skill:level` hold n colons and n-1 semicolons: 2n parts, so the cells stay aligned.
    plain = [
        i for i, cell in enumerate(cells)
        if cell and cell.count(":") == cell.count(";") + 1 and " " not in cell and cell.isprintable()
    ]
    plain_cells = [cells[i] for i in plain]
    joined = ";".join(plain_cells)
    parts = joined.replace(":", ";").split(";")
    skills, levels = parts[0::2], parts[1::2]
    # Every item is exactly `skill:level` when pairing the parts back gives the items again
    # (an item with two colons and one with none would pass the count but not this).
    if "" in parts or list(map(":".join, zip(skills, levels))) != joined.split(";"):
        return _plain_level_cells_one_by_one(cells, plain, values)
    pairs = zip(skills, levels)
    for i, cell in zip(plain, plain_cells):
        items = cell.count(";") + 1
        mapping = dict(islice(pairs, items))
        if len(mapping) == items:
            values[i] = mapping
    return values


def _plain_level_cells_one_by_one(cells, plain: list[int], values: list) -> list:
    for i in plain:
        cell = cells[i]
        parts = cell.replace(":", ";").split(";")
        skills, levels = parts[0::2], parts[1::2]
        if "" in parts or ";".join(map(":".join, zip(skills, levels))) != cell:
            continue
        mapping = dict(zip(skills, levels))
        if len(mapping) == len(skills):
            values[i] = mapping
    return values


def _plain_id_cells(cells) -> list:
    values: list = [None] * len(cells)
    for i, cell in enumerate(cells):
        if cell and ":" not in cell and _plain(cell):
            ids = cell.split(";")
            if "" not in ids:
                values[i] = tuple(ids)
    return values


def parse_column(column: str, cells) -> tuple[list, dict[int, list[tuple[str, str]]]]:
    """`parse_cell` over a whole column, fast for the well-formed cells that make up nearly all of
    a real export. Blank cells stay "" (the caller leaves them out of the record); cells with
    complaints become "" too unless they are list cells, whose good items are kept."""
    if column in SKILL_LEVEL_COLUMNS:
        values = _plain_level_cells(cells)
    elif column in ID_LIST_COLUMNS:
        values = _plain_id_cells(cells)
    elif column in YES_NO_COLUMNS:
        values = [_YES_NO.get(cell.lower()) for cell in cells]
    else:
        values = [None] * len(cells)
    list_cell = column in LIST_COLUMNS
    complaints: dict[int, list[tuple[str, str]]] = {}
    for index, cell in enumerate(cells):
        if values[index] is not None:
            continue
        if not cell:
            values[index] = ""
            continue
        value, found = parse_cell(column, cell)
        if found:
            complaints[index] = found
            if not list_cell:
                value = ""
        values[index] = value
    return values, complaints
