"""Exports that are safe to open in a spreadsheet.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return would be run as a formula
by Excel or LibreOffice (CSV injection), so such text gets a leading apostrophe on the way out,
and readers of our own files strip it again so a round trip loses nothing."""

from __future__ import annotations

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def unescape_formula(text: str) -> str:
    """Undo `escape_formula` when reading one of our own exports."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text
