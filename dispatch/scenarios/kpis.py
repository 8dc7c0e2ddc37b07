"""A scenario's KPIs as one typed value, computed from its plan and written / read in one place.

:class:`ScenarioKpis` is what a run is compared on. It is computed once from the plan
(:func:`compute_kpis`), stored as JSON by :meth:`ScenarioKpis.to_json` and read back by
:meth:`ScenarioKpis.from_json` (runs stored before a field existed read its default).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.core.domain import PlanInputs
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.core.route import Route, StepType
from dispatch.planning.coverage import hazard_gaps

PRIORITIES = (1, 2, 3, 4)


@dataclass(frozen=True)
class Binding:
    """How many sit at each limit in a plan: which limit stops the crews from doing more.

    A worker sits at the home cap when its crew entered as many homes as its cap allows; at the
    weighted-exposure cap when the minutes left under its cap are fewer than a typical home visit of
    the plan takes (the median weighted in-home minutes of its indoor visits); a crew is out of shift
    time when the time from its return to its shift's end (overtime included) is shorter than a
    typical visit of the plan with its drive (the median time from one stop's end to the next's).
    Only crews with visits count."""

    crews: int = 0  # crews with visits
    workers: int = 0  # their members
    at_home_cap: int = 0  # workers
    at_exposure_cap: int = 0  # workers
    out_of_shift_time: int = 0  # crews
    home_cap: int = 0  # the policy's per-shift caps in force
    exposure_cap: float = 0.0


@dataclass(frozen=True)
class ScenarioKpis:
    """The figures scenarios are compared on (JSON keys = field names)."""

    tickets: int = 0
    served: int = 0
    served_p1: int = 0
    served_p2: int = 0
    served_p3: int = 0
    served_p4: int = 0
    tickets_p1: int = 0
    tickets_p2: int = 0
    p1_within_target: int = 0
    p2_within_target: int = 0
    p1_response_h_mean: float | None = None
    p2_response_h_mean: float | None = None
    customer_minutes_waited: int = 0
    customers_unserved: int = 0
    km: float = 0.0
    crews_on_shift: int = 0
    crews_used: int = 0
    crews_not_dispatched: int = 0
    crew_hours: float = 0.0  # route durations of crews with visits, overtime included
    shift_hours: float = 0.0  # rostered shift lengths of the crews on shift
    overtime_hours: float = 0.0  # past the rostered end: the routes' recorded overtime
    overtime_crews: int = 0
    paid_hours: float = 0.0  # shift hours plus overtime hours
    homes_entered: int = 0
    workers: int = 0
    homes_per_worker_max: int = 0
    homes_per_worker_mean: float = 0.0
    exposure_min_per_worker_max: float = 0.0
    exposure_min_per_worker_mean: float = 0.0
    unassigned: int = 0
    unassigned_by_reason: Mapping[str, int] = field(default_factory=dict)
    binding: Binding = field(default_factory=Binding)
    # Hours of the day no crew on shift has a skill hazards need, e.g. "mv 14:00-22:00" (local clock).
    coverage_gaps: tuple[str, ...] = ()

    def served_by_priority(self) -> tuple[int, int, int, int]:
        """Served P1, P2, P3, P4: compared lexicographically (a lower class outweighs any number of higher)."""
        return (self.served_p1, self.served_p2, self.served_p3, self.served_p4)

    def value(self, key: str) -> float | None:
        """A number by KPI key (``unassigned:REASON`` for one reason's count); None when not a number."""
        if key.startswith("unassigned:"):
            return self.unassigned_by_reason.get(key.split(":", 1)[1], 0)
        if key.startswith("binding."):
            got = getattr(self.binding, key.split(".", 1)[1], None)
        else:
            got = getattr(self, key, None)
        return got if isinstance(got, int | float) and not isinstance(got, bool) else None

    def to_json(self) -> dict[str, Any]:
        """The stored JSON object (the one writer)."""
        out = dataclasses.asdict(self)
        out["unassigned_by_reason"] = dict(sorted(self.unassigned_by_reason.items()))
        out["coverage_gaps"] = list(self.coverage_gaps)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ScenarioKpis:
        """The stored JSON object read back (the one reader); keys a run stored before they existed
        take their defaults, unknown keys are left out."""
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            raw = data[f.name]
            if f.name == "binding":
                names = {b.name for b in dataclasses.fields(Binding)}
                values[f.name] = Binding(**{k: v for k, v in (raw or {}).items() if k in names})
            elif f.name == "unassigned_by_reason":
                values[f.name] = {str(k): int(v) for k, v in (raw or {}).items()}
            elif f.name == "coverage_gaps":
                values[f.name] = tuple(str(g) for g in raw or ())
            else:
                values[f.name] = raw
        return cls(**values)


def compute_kpis(plan: Plan, inputs: PlanInputs, policy: Policy | None = None) -> ScenarioKpis:
    """The figures scenarios are compared on, from a plan and what was planned (``policy``: the caps
    and hazard skills in force; default: the plan's own caps and no coverage check)."""
    s = plan.summary
    by_id = {t.ticket_id: t for t in inputs.tickets}
    totals = {p: sum(1 for t in inputs.tickets if t.priority == p) for p in PRIORITIES}
    crew_seconds = 0
    shift_seconds = 0.0
    overtime_minutes = 0
    overtime_crews = 0
    homes: list[int] = []
    exposure: list[float] = []
    for route in plan.routes:
        shift_seconds += (route.shift.end - route.shift.start).total_seconds()
        minutes = _overtime_minutes(route)
        overtime_minutes += minutes
        overtime_crews += minutes > 0
        if route.summary.visits:
            crew_seconds += route.summary.duration_s
        for _member in route.members:
            homes.append(route.summary.homes_entered)
            exposure.append(route.summary.exposure_min)
    within = s.within_target_by_priority
    response_h: dict[int, list[float]] = {1: [], 2: []}
    for _, st in plan.visits():
        ticket = by_id.get(st.ticket_id or "")
        if ticket is not None and ticket.priority in response_h:
            response_h[ticket.priority].append((st.arrival - ticket.reported_at).total_seconds() / 3600)
    mean_h = {p: round(sum(h) / len(h), 2) if h else None for p, h in response_h.items()}
    served = {p: s.served_by_priority.get(p, 0) for p in PRIORITIES}
    return ScenarioKpis(
        tickets=s.tickets,
        served=s.served,
        served_p1=served[1],
        served_p2=served[2],
        served_p3=served[3],
        served_p4=served[4],
        tickets_p1=totals[1],
        tickets_p2=totals[2],
        p1_within_target=within[1].within if 1 in within else 0,
        p2_within_target=within[2].within if 2 in within else 0,
        p1_response_h_mean=mean_h[1],
        p2_response_h_mean=mean_h[2],
        customer_minutes_waited=s.customer_minutes_waited,
        customers_unserved=sum(by_id[u.ticket_id].customers_affected for u in plan.unassigned if u.ticket_id in by_id),
        km=round(s.distance_m / 1000, 1),
        crews_on_shift=s.crews_on_shift,
        crews_used=s.crews_used,
        crews_not_dispatched=len(plan.crews_not_dispatched),
        crew_hours=round(crew_seconds / 3600, 2),
        shift_hours=round(shift_seconds / 3600, 2),
        overtime_hours=round(overtime_minutes / 60, 2),
        overtime_crews=overtime_crews,
        paid_hours=round(shift_seconds / 3600 + overtime_minutes / 60, 2),
        homes_entered=s.homes_entered,
        workers=len(homes),
        homes_per_worker_max=max(homes, default=0),
        homes_per_worker_mean=round(sum(homes) / len(homes), 2) if homes else 0.0,
        exposure_min_per_worker_max=round(max(exposure, default=0.0), 1),
        exposure_min_per_worker_mean=round(sum(exposure) / len(exposure), 1) if exposure else 0.0,
        unassigned=s.unassigned,
        unassigned_by_reason=dict(sorted(s.unassigned_by_reason.items())),
        binding=binding(plan),
        coverage_gaps=_coverage(inputs, policy) if policy is not None else (),
    )


def _overtime_minutes(route: Route) -> int:
    """Minutes past the rostered shift end: the route's recorded overtime (re-plans), else the work
    past the end (the search keeps within the shift, so none)."""
    if route.overtime is not None:
        return route.overtime.minutes
    if not route.summary.visits:
        return 0
    back = max(st.arrival for st in route.steps)
    return max(0, round((back - route.shift.end).total_seconds() / 60))


def binding(plan: Plan) -> Binding:
    """How many workers sit at each cap and how many crews are out of shift time (see :class:`Binding`)."""
    used = [r for r in plan.routes if r.summary.visits]
    indoor = [st.exposure_min for r in used for st in r.visits if st.indoor and st.exposure_min > 0]
    typical_exposure = statistics.median(indoor) if indoor else 0.0
    legs = [
        (b.end - a.end).total_seconds()
        for r in used
        for a, b in zip(r.steps, r.steps[1:], strict=False)
        if b.type is StepType.VISIT
    ]
    typical_visit_s = statistics.median(legs) if legs else 0.0
    at_home = at_exposure = out_of_time = workers = 0
    for r in used:
        n = len(r.members)
        workers += n
        at_home += n * (r.summary.homes_entered >= r.caps.max_homes)
        at_exposure += n * (r.caps.max_exposure_min - r.summary.exposure_min < max(typical_exposure, 1e-6))
        end = r.end_shift or r.shift.end + dt.timedelta(minutes=_overtime_minutes(r))
        back = max(st.arrival for st in r.steps)
        out_of_time += (end - back).total_seconds() < typical_visit_s
    return Binding(
        crews=len(used),
        workers=workers,
        at_home_cap=at_home,
        at_exposure_cap=at_exposure,
        out_of_shift_time=out_of_time,
        home_cap=plan.summary.caps.max_homes_per_shift,
        exposure_cap=plan.summary.caps.max_exposure_min_per_shift,
    )


def _coverage(inputs: PlanInputs, policy: Policy) -> tuple[str, ...]:
    """The hazard-skill coverage gaps of the planned day's roster, e.g. ``mv 14:00-22:00``."""
    crew_ids = {c.crew_id for c in inputs.crews}
    shifts = [s for s in inputs.shifts if s.date == inputs.day and s.crew_id in crew_ids]
    gaps = hazard_gaps(inputs.crews, shifts, policy)
    tz = ZoneInfo(policy.region.timezone)
    return tuple(f"{g.skill} {g.start.astimezone(tz):%H:%M}-{g.end.astimezone(tz):%H:%M}" for g in gaps)
