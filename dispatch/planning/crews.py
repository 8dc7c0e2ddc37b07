"""Which crews can be dispatched on a day, with tonight's caps, and which cannot and why."""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.core.domain import Crew, PlanInputs, Shift
from dispatch.core.plan import STANDBY_NOT_DISPATCHED, CrewNotDispatched
from dispatch.core.policy import Policy


@dataclass(frozen=True)
class CrewOnShift:
    crew: Crew
    shift: Shift
    members: tuple[str, ...]
    max_homes: int
    max_exposure_min: float
    outdoor_only_reason: str | None = None


def crews_on_shift(inputs: PlanInputs, policy: Policy) -> tuple[list[CrewOnShift], list[CrewNotDispatched]]:
    """The crews that can be dispatched on ``inputs.day`` with their caps, and those that cannot, with why."""
    shifts = {s.crew_id: s for s in inputs.shifts if s.date == inputs.day}
    out: list[CrewOnShift] = []
    not_dispatched: list[CrewNotDispatched] = []
    for crew in sorted(inputs.crews, key=lambda c: c.crew_id):
        shift = shifts.get(crew.crew_id)
        if shift is None:
            continue
        if shift.standby and not policy.storm.standby_called:
            not_dispatched.append(CrewNotDispatched(crew.crew_id, STANDBY_NOT_DISPATCHED))
            continue
        away = {m: inputs.unavailable_members[m] for m in crew.members if m in inputs.unavailable_members}
        members = tuple(m for m in crew.members if m not in away)
        if len(members) < policy.exposure.min_crew_members:
            why = ", ".join(f"{m}: {r}" for m, r in sorted(away.items())) or "no members"
            not_dispatched.append(
                CrewNotDispatched(
                    crew.crew_id,
                    f"{len(members)} of {len(crew.members)} members available, "
                    f"policy minimum is {policy.exposure.min_crew_members} ({why})",
                )
            )
            continue
        max_homes = policy.exposure.max_homes_per_shift
        max_exposure = policy.exposure.max_exposure_min_per_shift
        limiting: list[str] = []
        for m in members:
            budget = inputs.budgets.get(m)
            if budget is None:
                continue
            if budget.homes_left is not None and budget.homes_left < max_homes:
                max_homes = max(0, budget.homes_left)
                limiting.append(m)
            if budget.exposure_min_left is not None and budget.exposure_min_left < max_exposure:
                max_exposure = max(0.0, budget.exposure_min_left)
                limiting.append(m)
        outdoor_only = None
        if max_homes <= 0 or max_exposure <= 0:
            outdoor_only = "rolling exposure budget spent by " + ", ".join(sorted(set(limiting)))
        out.append(CrewOnShift(crew, shift, members, max_homes, max_exposure, outdoor_only))
    return out, not_dispatched
