"""Teams: how many, of which kinds, their names and their release limits."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from planner import sample_place as place
from planner.generate.settings import ORGANISATION_KEYS, SAMPLE_PEOPLE

# ---------------------------------------------------------------------------------------------
# Teams
# ---------------------------------------------------------------------------------------------


@dataclass
class TeamDraw:
    kinds: list[place.TeamKind]
    ids: list[str]
    names: list[str]
    sizes: np.ndarray
    critical: list[tuple[tuple[str, int, int], ...]] | None = None
    release_share: np.ndarray | None = None
    min_staff: list[int | None] | None = None
    region: np.ndarray | None = None  # index into `region_names` per team; None: no regions
    region_names: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        return len(self.kinds)

    @property
    def region_of_team(self) -> np.ndarray:
        """The region index of every team (all 0 when the scenario has no regions)."""
        return self.region if self.region is not None else np.zeros(self.count, dtype=int)

    def organisation_codes(self) -> np.ndarray:
        """One code per employer: an organisation of the catalogue within one region."""
        orgs = np.array([ORGANISATION_KEYS.index(k.organisation) for k in self.kinds], dtype=int)
        return orgs + len(ORGANISATION_KEYS) * self.region_of_team

    def organisation_name(self, team: int) -> str:
        """The employer's name; in a national scenario each region has its own."""
        name = place.ORGANISATIONS[self.kinds[team].organisation].name
        return f"{name}, {self.region_names[self.region[team]]}" if self.region is not None else name

    def region_name(self, team: int) -> str:
        return self.region_names[self.region[team]] if self.region is not None else ""


def draw_teams(people: int, rng: np.random.Generator) -> TeamDraw:
    """Teams of 8-60 people until everyone has a team: first one of each kind of service, in an
    order that goes round the four employers (so a place of a few hundred has them all), then
    more of the common kinds (wards, social work and neighbourhood teams), each sized within its
    kind's usual range."""
    kind_keys = list(place.TEAM_KINDS)
    weights = np.array([place.TEAM_KINDS[k].weight for k in kind_keys])
    most = people // 8 + 2  # no more teams than this can be needed: every team has 8 or more
    core = [kind_keys.index(k) for k in place.CORE_TEAM_SEQUENCE[:most]]
    extra = rng.choice(len(kind_keys), size=max(0, most - len(core)), p=weights / weights.sum())
    kind_idx = np.concatenate([np.array(core, dtype=int), extra])
    # a place smaller than the sample has smaller teams, so it still has all four employers
    shrink = min(1.0, people / SAMPLE_PEOPLE)
    low = np.array([max(8, round(place.TEAM_KINDS[k].size[0] * shrink)) for k in kind_keys])[kind_idx]
    high = np.array([max(8, round(place.TEAM_KINDS[k].size[1] * shrink)) for k in kind_keys])[kind_idx]
    sizes = (low + (high - low + 1) * rng.beta(1.3, 2.2, size=len(kind_idx))).astype(int)
    count = int(np.searchsorted(np.cumsum(sizes), people)) + 1  # first teams that hold everyone
    kinds = [place.TEAM_KINDS[kind_keys[i]] for i in kind_idx[:count].tolist()]
    sizes_arr = _trim_to(sizes[:count], people)
    kinds = kinds[: len(sizes_arr)]
    ids, names = _team_names(kinds)
    return TeamDraw(kinds=kinds, ids=ids, names=names, sizes=sizes_arr)


def _trim_to(sizes: np.ndarray, people: int) -> np.ndarray:
    """Resize the teams so they hold exactly `people`: the last team drawn gives up its surplus
    first, then the largest teams one person at a time; no team falls below 8."""
    sizes = sizes.copy()
    if np.maximum(sizes - 8, 0).sum() < sizes.sum() - people:
        sizes = sizes[:-1]  # too few people left for the last team: share them out instead
    excess = int(sizes.sum()) - people
    cut = max(0, min(excess, int(sizes[-1]) - 8))
    sizes[-1] -= cut
    excess -= cut
    while excess > 0:
        sizes[int(np.argmax(sizes))] -= 1
        excess -= 1
    while excess < 0:
        sizes[int(np.argmin(sizes))] += 1
        excess += 1
    return sizes


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _team_names(kinds: list[place.TeamKind]) -> tuple[list[str], list[str]]:
    """Local teams are named after their locality; repeated service teams after their site."""
    seen: dict[str, int] = {}
    ids, names = [], []
    localities = place.LOCALITIES
    for kind in kinds:
        n = seen.get(kind.key, 0)
        seen[kind.key] = n + 1
        org = place.ORGANISATIONS[kind.organisation]
        if kind.local or n > 0:
            k = n if kind.local else n - 1
            locality = localities[k % len(localities)]
            round_ = k // len(localities)
            suffix = f" {round_ + 1}" if round_ else ""
            names.append(f"{kind.name} – {locality}{suffix}")
            ids.append(f"{org.code}-{kind.key}-{_slug(locality)}{'-' + str(round_ + 1) if round_ else ''}")
        else:
            names.append(kind.name)
            ids.append(f"{org.code}-{kind.key}")
    return ids, names


def draw_release_limits(teams: TeamDraw, rng: np.random.Generator):
    """Most teams may release a fifth of their staff; some less, some more; about a third also
    set a minimum headcount that must stay."""
    shares = rng.choice([0.1, 0.15, 0.2, 0.25, 0.3], size=teams.count, p=[0.15, 0.2, 0.35, 0.2, 0.1])
    keep = rng.uniform(0.75, 0.9, size=teams.count)
    has_minimum = rng.random(teams.count) < 0.35
    min_staff = [int(math.ceil(s * k)) if m else None for s, k, m in zip(teams.sizes, keep, has_minimum)]
    return shares, min_staff
