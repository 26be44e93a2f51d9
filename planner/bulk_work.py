"""Helpers for work on a whole scenario at once (reading, importing, storing)."""

from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def without_cycle_collection():
    """Pause Python's cycle collector during bulk work: a hundred thousand people make millions
    of objects and no reference cycles, so the collector's repeated passes only cost time (see
    bench/README.md). Restored afterwards, even on error."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
