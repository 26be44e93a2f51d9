"""How big an imported scenario may be, checked before the expensive parsing starts.

A workbook is a zip file: 76 KB can hold gigabytes of sheet XML (a "zip bomb"), and the upload
limit only counts the compressed bytes. So the zip directory is read first (entry count,
uncompressed sizes, compression ratio), then each sheet's declared size, then rows and cells are
counted as they are read; CSV files stop being read past the row cap, and JSON documents are
refused when they are too large or nested too deeply. Every refusal names the limit and the
setting that changes it.

The defaults are generous for real use: a national-scale scenario of 1,000,000 people (a
workbook written by Trellis holds about 860 MB of XML, a people.csv about 180 MB) is within all of
them. Each can be changed with an environment variable, read when an import starts.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass

from planner.domain import Problem, ScenarioError

MB = 1024 * 1024

DEFAULT_MAX_ROWS = 2_000_000
DEFAULT_MAX_CELLS = 40_000_000
DEFAULT_MAX_FILE_MB = 512
DEFAULT_MAX_WORKBOOK_MB = 1024
# Apache POI refuses zip entries inflating more than 100 times (ZipSecureFile's minimum inflate
# ratio 0.01); real sheet XML compresses about 10 times.
DEFAULT_MAX_COMPRESSION_RATIO = 100
DEFAULT_MAX_ZIP_ENTRIES = 1_000
DEFAULT_MAX_JSON_DEPTH = 20
# Small entries (styles, themes) may compress far better than sheets and cost nothing to read.
RATIO_CHECKED_ABOVE_BYTES = 1 * MB


@dataclass(frozen=True)
class ImportLimits:
    """The caps on one import; `from_environment` reads the TRELLIS_MAX_* settings."""

    max_rows: int = DEFAULT_MAX_ROWS
    max_cells: int = DEFAULT_MAX_CELLS
    max_file_bytes: int = DEFAULT_MAX_FILE_MB * MB
    max_workbook_bytes: int = DEFAULT_MAX_WORKBOOK_MB * MB
    max_compression_ratio: float = DEFAULT_MAX_COMPRESSION_RATIO
    max_zip_entries: int = DEFAULT_MAX_ZIP_ENTRIES
    max_json_depth: int = DEFAULT_MAX_JSON_DEPTH

    @classmethod
    def from_environment(cls) -> ImportLimits:
        return cls(
            max_rows=_setting("TRELLIS_MAX_ROWS", DEFAULT_MAX_ROWS),
            max_cells=_setting("TRELLIS_MAX_CELLS", DEFAULT_MAX_CELLS),
            max_file_bytes=_setting("TRELLIS_MAX_FILE_MB", DEFAULT_MAX_FILE_MB) * MB,
            max_workbook_bytes=_setting("TRELLIS_MAX_WORKBOOK_MB", DEFAULT_MAX_WORKBOOK_MB) * MB,
            max_compression_ratio=_setting("TRELLIS_MAX_COMPRESSION_RATIO", DEFAULT_MAX_COMPRESSION_RATIO),
            max_zip_entries=_setting("TRELLIS_MAX_ZIP_ENTRIES", DEFAULT_MAX_ZIP_ENTRIES),
            max_json_depth=_setting("TRELLIS_MAX_JSON_DEPTH", DEFAULT_MAX_JSON_DEPTH),
        )


def _setting(name: str, default: int) -> int:
    """A positive whole number from the environment; a bad value is a clear error, not a default."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise ScenarioError([Problem(
            file=name, value=raw, message="must be a positive whole number (an import limit setting)",
            suggestion=f"unset it to use the default, {default}",
        )])
    return value


def current_limits() -> ImportLimits:
    return ImportLimits.from_environment()


def _megabytes(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size < 10 * MB else f"{size // MB:,} MB"


def file_too_large(label: str, size: int, limits: ImportLimits, *, workbook: bool = False) -> Problem | None:
    """A CSV or JSON scenario file is at most TRELLIS_MAX_FILE_MB (default 512 MB), a workbook
    file at most TRELLIS_MAX_WORKBOOK_MB (default 1024 MB); checked before the file is read, so a
    ten-million-row file is refused without loading it."""
    cap, setting = (limits.max_workbook_bytes, "TRELLIS_MAX_WORKBOOK_MB") if workbook else (
        limits.max_file_bytes, "TRELLIS_MAX_FILE_MB")
    if size <= cap:
        return None
    return Problem(
        file=label, message=f"is {_megabytes(size)}, more than the import limit of {_megabytes(cap)} ({setting})",
        suggestion=f"split the scenario, or raise {setting} if this size is expected",
    )


def workbook_size_problems(label: str, data: bytes, limits: ImportLimits) -> list[Problem]:
    """Read only the zip directory of a workbook: refuse more than TRELLIS_MAX_ZIP_ENTRIES
    entries, more than TRELLIS_MAX_WORKBOOK_MB (default 1024 MB) uncompressed in all, or an entry that inflates more
    than TRELLIS_MAX_COMPRESSION_RATIO times. Nothing is decompressed here.

    The sizes are the ones the directory declares; the zip module stops reading an entry that
    inflates past its declared size, so a lying directory cannot get more past this check."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return []  # not a zip: the workbook reader says it cannot be opened
    if len(entries) > limits.max_zip_entries:
        return [Problem(
            file=label, message=f"holds {len(entries):,} files inside it, more than the import limit of "
            f"{limits.max_zip_entries:,} (TRELLIS_MAX_ZIP_ENTRIES); it is not an ordinary workbook",
            suggestion="save it again from Excel as 'Excel Workbook (*.xlsx)'",
        )]
    total = sum(entry.file_size for entry in entries)
    if total > limits.max_workbook_bytes:
        return [Problem(
            file=label, message=f"holds {_megabytes(total)} once uncompressed, more than the import limit of "
            f"{_megabytes(limits.max_workbook_bytes)} (TRELLIS_MAX_WORKBOOK_MB)",
            suggestion="split the scenario, or raise TRELLIS_MAX_WORKBOOK_MB if this size is expected",
        )]
    for entry in entries:
        ratio = entry.file_size / max(entry.compress_size, 1)
        if entry.file_size > RATIO_CHECKED_ABOVE_BYTES and ratio > limits.max_compression_ratio:
            return [Problem(
                file=label, value=entry.filename,
                message=f"holds {_megabytes(entry.file_size)} compressed into {_megabytes(entry.compress_size)} "
                f"({ratio:,.0f} times), more than the import limit of {limits.max_compression_ratio:g} times "
                "(TRELLIS_MAX_COMPRESSION_RATIO); real workbooks compress about 10 times, so this looks like a zip bomb",
                suggestion="save it again from Excel as 'Excel Workbook (*.xlsx)'",
            )]
    return []


def too_many_rows(label: str, limits: ImportLimits) -> Problem:
    """A table (CSV file or sheet) has at most TRELLIS_MAX_ROWS rows (default 2,000,000)."""
    return Problem(
        file=label, message=f"has more than {limits.max_rows:,} rows, the import limit (TRELLIS_MAX_ROWS)",
        suggestion="remove the empty or surplus rows, or raise TRELLIS_MAX_ROWS if this size is expected",
    )


def too_many_cells(label: str, limits: ImportLimits) -> Problem:
    """A workbook has at most TRELLIS_MAX_CELLS cells in all (default 40,000,000)."""
    return Problem(
        file=label, message=f"has more than {limits.max_cells:,} cells, the import limit (TRELLIS_MAX_CELLS)",
        suggestion="delete unused rows and columns (formatted but empty cells count too), "
        "or raise TRELLIS_MAX_CELLS if this size is expected",
    )


def json_depth_exceeds(document, limit: int) -> bool:
    """True when objects and lists inside the document nest more than `limit` deep. Goes one
    level at a time (no recursion), looking inside containers only, so a 100,000-person
    scenario.json costs a few list comprehensions per level."""
    level = [document] if isinstance(document, (dict, list)) else []
    for _ in range(limit):
        if not level:
            return False
        level = [
            item
            for container in level
            for item in (container.values() if isinstance(container, dict) else container)
            if isinstance(item, (dict, list))
        ]
    return bool(level)


def too_deep(label: str, limits: ImportLimits) -> Problem:
    return Problem(
        file=label, message=f"is nested more than {limits.max_json_depth} levels deep, the import limit "
        "(TRELLIS_MAX_JSON_DEPTH); a scenario needs no more than five",
        suggestion="see docs/scenario-format.md for the shape of the document",
    )
