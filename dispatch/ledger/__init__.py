"""Health-safety exposure over days: the per-member ledger, rolling budgets, quarantine, cohorts,
contact tracing and the exposure report.

The ledger (``exposure_ledger``) has one row per crew member per visit:

- **planned** rows are written when a plan is published (:func:`publish_plan`), one per member of
  each route's crew and visit, with the plan's weighted exposure. Publishing another plan of the
  same date replaces them.
- **actual** rows are written when a crew reports a visit (:func:`record_visit`,
  :func:`import_visits`). They replace every planned row of that ticket on that plan date. A
  planned visit never reported keeps counting as planned: the safe assumption for the caps.

Weighted exposure minutes = in-home minutes x zone risk weight x household multiplier, where the
zone weight is that of the riskiest zone valid on the plan date that contains the home (1 outside
zones) and the multiplier comes from the ticket's household risk (policy ``suspected_multiplier``,
``isolating_multiplier``). For a planned visit the in-home minutes are the service time x
``category.indoor_share`` (the plan's own figure, see :func:`dispatch.planning.ticket_exposure_min`);
for a reported visit they are (left - arrived) x ``category.indoor_share`` if the crew entered the
home, else 0: the crew also spends part of a visit outside (meter box, talking at the door), and
the policy's share is what the per-shift caps were set against.

**Rolling window.** For a plan of ``day`` the window is the ``rolling_days`` days ending on
``day``: every ledger row of the ``rolling_days - 1`` days before it counts (actual, or planned where
nothing was reported), plus ``day``'s own visits done (actual rows) or under way (their planned rows),
which matters for an intraday re-plan; ``day``'s other planned rows do not count, because the plan
being made replaces them. What is left of ``max_homes_7d`` and ``max_exposure_min_7d`` is the
member's budget, never below zero; :func:`dispatch.planning.crews_on_shift` turns the tightest
budget of a crew into its caps for the night, and a spent budget into an outdoor-only route.

Library functions take a session and never commit; the command that opened it does."""
