"""Sizes, dates and shares every part of the generator reads, and the catalogue as index tables."""

from __future__ import annotations

from datetime import date

from planner import sample_place as place

# The bundled sample (`data/sample`, `data/sample-crisis`) is exactly
# `generate_scenario(SAMPLE_PEOPLE, SAMPLE_SEED)` (with `crisis=True` for the crisis one).
SAMPLE_PEOPLE = 600
SAMPLE_SEED = 2027

MIN_PEOPLE = 20
MAX_PEOPLE = 2_000_000

PEOPLE_PER_OPPORTUNITY = 7.5
GENERATED_TIME_LIMIT_S = 20.0  # policy.json of generated scenarios: a solve may take 20 seconds
PLAN_DATE = date(2027, 1, 11)  # crisis plan date: a flooded, flu-heavy January week
OPPORTUNITIES_FROM = date(2027, 2, 1)  # the development programme starts here
SHORT_TEAM_SHARE = 1 / 18  # teams that already lack one of their critical skills
PRACTICE_FRIENDLY_SHARE = 0.15  # of secondments and projects: part time, for those who must practise
MODEL_EXPONENT = 0.5  # secondments, development moves and shadowing: the square root of each group
ROLE_MODEL_EXPONENT = 0.9  # roles: larger groups get more posts, a little less than in proportion
MODELLED_KINDS = ("secondment", "development_move", "shadowing")  # modelled on someone who could take them

SKILL_INDEX = {s: i for i, s in enumerate(place.SKILL_IDS)}
PROFESSION_KEYS = tuple(place.PROFESSIONS)
PROFESSION_INDEX = {p: i for i, p in enumerate(PROFESSION_KEYS)}
ORGANISATION_KEYS = tuple(place.ORGANISATIONS)
MAX_REQUIRED = 3
MAX_DEVELOPED = 3
COUNT_BLOCK_CELLS = 4_000_000  # people x opportunities per block when counting eligible pairs
