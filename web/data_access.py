"""The web app's access to the store: one engine per app, and the current scenario with its
`PathwayIndex` cached per scenario revision, so pages stay fast and never show stale data.

The cache is keyed by the store's scenario revision (one row), read once per request: an import or a person's edit, from this process or another (the CLI), is seen
on the next request. Views that change the scenario call `scenario_changed()` as well.

Views never query personal data from here directly; they go through
`web.security.get_person_for`.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine


@dataclass
class _CachedScenario:
    key: Any = None
    scenario: Any = None
    pathway_index: Any = None
    derived: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def init_data_access(app: Flask) -> None:
    """Create the app's engine (the configured URL, else `TRELLIS_DATABASE_URL`, else the
    default SQLite file) and its scenario cache."""
    from planner.store.engine import make_engine

    engine = app.config.get("ENGINE") or make_engine(app.config.get("DATABASE_URL"))
    app.extensions["trellis_engine"] = engine
    app.extensions["trellis_scenario"] = _CachedScenario()


def engine() -> Engine:
    return current_app.extensions["trellis_engine"]


def _scenario_key(db: Engine):
    """The stored scenario's revision (grows with every import or person edit); None when none."""
    from planner.store.scenario import scenario_revision

    return scenario_revision(db) or None


def pathway_inputs(scenario) -> tuple:
    """What a `PathwayIndex` is built from: the catalogue, teams, opportunities, policy, and each
    person's team and profession. A person's own skills, aspirations and preferences are not in
    it (the index takes the person at query time), so editing them keeps the index, which takes
    seconds to build on a large scenario."""
    return (
        scenario.skills, scenario.teams, scenario.opportunities, scenario.policy,
        tuple((p.team_id, p.profession) for p in scenario.people), frozenset(scenario.skill_ids()),
    )


def current_scenario():
    """The stored scenario (or None when nothing was imported), read once per revision and once
    per request."""
    if "trellis_scenario" in g:
        return g.trellis_scenario
    cache: _CachedScenario = current_app.extensions["trellis_scenario"]
    db = engine()
    key = _scenario_key(db)
    if key != cache.key:
        with cache.lock:
            if key != cache.key:
                from planner.store.scenario import load_scenario

                previous, index = cache.scenario, cache.pathway_index
                cache.scenario = load_scenario(db) if key is not None else None
                keep = index is not None and cache.scenario is not None and pathway_inputs(previous) == pathway_inputs(cache.scenario)
                cache.pathway_index = index if keep else None
                cache.derived = OrderedDict()
                cache.key = key
    g.trellis_scenario = cache.scenario
    return cache.scenario


def pathway_index():
    """The `PathwayIndex` of the current scenario, built once per scenario revision."""
    scenario = current_scenario()
    if scenario is None:
        return None
    cache: _CachedScenario = current_app.extensions["trellis_scenario"]
    with cache.lock:
        if cache.pathway_index is None or cache.scenario is not scenario:
            # Built under the lock: concurrent first views wait for one build instead of each
            # building their own.
            from planner.pathways import PathwayIndex

            index = PathwayIndex(scenario)
            if cache.scenario is scenario:
                cache.pathway_index = index
            return index
        return cache.pathway_index


def scenario_changed() -> None:
    """Forget the cached scenario (call after changing it from a view)."""
    cache: _CachedScenario = current_app.extensions["trellis_scenario"]
    with cache.lock:
        cache.key = None
        cache.scenario = None
        cache.pathway_index = None
        cache.derived = OrderedDict()
    g.pop("trellis_scenario", None)


MAX_DERIVED_ENTRIES = 4096


def derived(key: tuple, build: Callable[[], Any]) -> Any:
    """A value computed from the current scenario alone (e.g. one person's pathways), kept until
    the scenario changes; the least recently used entries go first beyond 4096."""
    scenario = current_scenario()
    cache: _CachedScenario = current_app.extensions["trellis_scenario"]
    with cache.lock:
        if cache.scenario is scenario and key in cache.derived:
            cache.derived.move_to_end(key)
            return cache.derived[key]
    value = build()
    with cache.lock:
        if cache.scenario is scenario:
            cache.derived[key] = value
            while len(cache.derived) > MAX_DERIVED_ENTRIES:
                cache.derived.popitem(last=False)
    return value
