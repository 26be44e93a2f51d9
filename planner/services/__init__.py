"""Application services: what HR, emergency planners and the command line ask Trellis to do,
each as one small named function over the store, the scenario reader and the optimiser.

The layer sits between the web app (and the command line) and everything below:
`web` and `planner.cli*` import it; it imports `planner.store`, `planner.scenario_io`, the
domain and `optimiser`; nothing below imports it and it never imports Flask. A business rule
such as "a plan is approved only when every placement is accepted" lives here, so every
caller reaches the same rule.

- `imports`: a checked upload waits, bound to its uploader's session, until it is committed.
- `plans`: the policy of a run, the background matching work, a plan's rows and exports.
- `decisions`: accepting and rejecting placements, approval, re-runs with the decisions kept.
- `whatif`: one change (relax a requirement, allow stretch) compared with a saved plan.
- `crisis`: redeployment work, coverage and the managers' export.
- `equality`: the equality report (placement rates per monitored group) of a saved plan.
- `work`: what a background job hands back, and retrying a write SQLite found locked.
"""
