"""Pathways: where a person's skills can take them, one eligible move at a time.

A pathway is a sequence of up to K opportunities. Each step must be one the person is eligible
for (contract rules 1-5, `planner.eligibility`) with what they hold *at that step*. Three kinds are
shown side by side:

- `networked`: routes across teams, professions and organisations towards the person's
  aspirations or a chosen target (an opportunity, usually a `role`, or `skill:level` goals);
- `developmental`: routes that grow the most skill, aspiration skills first, whatever the grade;
- `ladder`: the traditional route, for comparison: promotions within the person's own profession.

How a pathway changes the person (the search and the replay checker in the tests follow the same
rules, and `apply_step` is the one place they are written down in code):

1. Completing an opportunity raises each of its development skills to at least the level it names
   (a skill already higher stays as it is).
2. A `role` step is a permanent move: the person joins the host team, and their grade becomes the
   role's `grade_max` when it is given (they were within the role's bounds, so this is never a
   demotion); without `grade_max` their grade stays. Any other kind (secondment, project,
   development move, shadowing) leaves them in their home team at their grade.
3. Profession, `must_practise` and availability never change along a pathway.
4. Eligibility at each step uses the skills, grade and team reached so far, and the scenario's
   `policy.stretch_levels`.
5. Every step changes something: it raises a skill, or it is a `role` (a permanent move to
   another team, perhaps at a higher grade: a lateral move can open the old team's
   opportunities), or it is the target. No opportunity is taken twice. Opportunities with no places (capacity 0) are not offered.
6. A `ladder` step is a `role` of the person's own profession whose `grade_max` is above their
   grade at that step. An opportunity's profession is its `profession` column, or, when that is
   blank, the most common profession in its host team (ties: alphabetical first).

`crosses` on a step names what the move crosses, seen from where the person is at that step:
`team` (always: rule 1 forbids one's own team), `profession` (the opportunity's profession, as in
rule 6, differs from the person's) and `organisation` (the host team's employer differs from the
current team's).

Ranking: first how much of the target (when given) or else of the aspirations the route reaches;
then, for `networked`, fewer steps, then the aspirations, then more profession and organisation
crossings; for `developmental`, the aspirations, then more skill growth, then fewer steps; for
`ladder`, the higher grade reached, then fewer steps. The lists are kept diverse: no two pathways of a kind share half their moves, and
no opportunity appears in more than two pathways of a kind.

`aspirations_reached` is the share of the distance from the person's current levels to the
levels they aspire to that the route covers (1.0 when already there; 0.0 when the person has
named no aspirations). `target_reached` is null when no target was asked for.

The search is a beam search over states (skills, grade, team) kept in a networkx DiGraph, so the
fewest-steps route to each reachable state is a `networkx.shortest_path`. What can be shared
between people is built once in `PathwayIndex`: skill matrices of every opportunity (numpy), and a
networkx capability graph (skill levels -> opportunities that need them -> skill levels they
develop) whose ancestors tell which opportunities can ever help towards a goal, and whose in-edges
tell when a goal is out of anyone's reach.
"""

from planner.pathways.model import (
    BEAM_WIDTH,
    DEFAULT_PER_KIND,
    KINDS,
    MAX_STEPS_LIMIT,
    MOVES_PER_STATE,
    Crossing,
    Pathway,
    PathwayInputError,
    PathwayKind,
    PathwaysResult,
    PathwayStep,
    Target,
    parse_target,
)
from planner.pathways.search import PathwayIndex, pathways_for
from planner.pathways.steps import (
    apply_step,
    aspirations_share,
    dominant_professions,
    opportunity_profession,
    role_grade_after,
    skills_after,
    team_after,
)

__all__ = [
    "BEAM_WIDTH", "DEFAULT_PER_KIND", "KINDS", "MAX_STEPS_LIMIT", "MOVES_PER_STATE", "Crossing", "Pathway",
    "PathwayIndex", "PathwayInputError", "PathwayKind", "PathwayStep", "PathwaysResult", "Target", "apply_step",
    "aspirations_share", "dominant_professions", "opportunity_profession", "parse_target", "pathways_for",
    "role_grade_after", "skills_after", "team_after",
]
