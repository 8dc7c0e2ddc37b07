"""The plan document assembled from the solved parts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

import solver
from dispatch.core.clock import _iso, local_midnight
from dispatch.core.domain import PlanInputs, Ticket
from dispatch.core.policy import Policy
from dispatch.planning.build import _Build
from dispatch.planning.summary import summarize


def plan_document_parts(
    inputs: PlanInputs, policy: Policy, parts: Sequence[tuple[_Build, Sequence[solver.Solution]]]
) -> dict[str, Any]:
    """One plan document from the parts a large region was split into (or a single part)."""
    tz = ZoneInfo(policy.region.timezone)
    origin = local_midnight(inputs.day, tz)
    routes_out = []
    unassigned: list[dict[str, str]] = []
    not_dispatched: list[dict[str, str]] = []
    tickets: dict[str, Ticket] = {}
    crews_count = 0
    served_by_priority: dict[int, int] = defaultdict(int)
    for build, solutions in parts:
        tickets.update(build.tickets)
        unassigned.extend(build.pre_unassigned)
        not_dispatched.extend(build.not_dispatched)
        crews_count += len(build.crews)
        sites = build.problem.sites
        by_id = {c.crew.crew_id: c for c in build.crews}
        for sol in solutions:
            for route in sol.routes:
                c = by_id.get(route.crew_id)
                if c is None:
                    continue
                steps = []
                exposure_total = 0.0
                homes = 0
                for s in route.steps:
                    step: dict[str, Any] = {"type": s.type.value}
                    if s.type is solver.StepType.BREAK:
                        prev = steps[-1]
                        step.update({"lat": prev["lat"], "lon": prev["lon"]})
                    else:
                        site = sites[s.site_index]
                        step.update({"lat": site.y, "lon": site.x})
                    exposure = 0.0
                    indoor = False
                    if s.type is solver.StepType.VISIT and s.job_id is not None:
                        ticket = build.tickets[s.job_id]
                        step["ticket_id"] = s.job_id
                        indoor = ticket.indoor
                        exposure = build.exposure_min[s.job_id]
                        exposure_total += exposure
                        homes += int(indoor)
                        served_by_priority[ticket.priority] += 1
                        if s.job_id in build.emergencies:
                            step["emergency"] = True
                    step.update(
                        {
                            "arrival": _iso(origin, s.arrival),
                            "start": _iso(origin, s.start),
                            "end": _iso(origin, s.end),
                            "travel_m": s.travel_distance,
                            "indoor": indoor,
                            "exposure_min": exposure,
                            "homes_entered": homes,
                            "exposure_total_min": round(exposure_total, 2),
                        }
                    )
                    steps.append(step)
                routes_out.append(
                    {
                        "crew_id": c.crew.crew_id,
                        "name": c.crew.name,
                        "members": list(c.members),
                        "vehicle": c.crew.vehicle.value,
                        "skills": list(c.crew.skills),
                        "shift": {
                            "start": c.shift.start.astimezone(tz).isoformat(),
                            "end": c.shift.end.astimezone(tz).isoformat(),
                        },
                        "break": (
                            {
                                "window_start": c.shift.break_start.astimezone(tz).isoformat(),
                                "window_end": c.shift.break_end.astimezone(tz).isoformat(),
                                "minutes": c.shift.break_min,
                            }
                            if c.shift.break_start and c.shift.break_end and c.shift.break_min
                            else None
                        ),
                        "caps": {"max_homes": c.max_homes, "max_exposure_min": c.max_exposure_min},
                        "outdoor_only": c.outdoor_only_reason,
                        "steps": steps,
                        "summary": {
                            "visits": route.summary.visits,
                            "homes_entered": route.summary.homes_entered,
                            "exposure_min": round(exposure_total, 2),
                            "distance_m": route.summary.distance,
                            "duration_s": route.summary.duration if route.summary.visits else 0,
                        },
                    }
                )
            unassigned.extend(
                {"ticket_id": u.job_id, "reason": u.reason.value, "detail": u.detail} for u in sol.unassigned
            )
    routes_out.sort(key=lambda r: r["crew_id"])
    unassigned.sort(key=lambda u: (tickets[u["ticket_id"]].priority, u["ticket_id"]))
    return {
        "plan_id": None,
        "date": inputs.day.isoformat(),
        "status": "draft",
        "created_at": None,
        "revision": 0,
        "timezone": policy.region.timezone,
        "routes": routes_out,
        "unassigned": unassigned,
        "crews_not_dispatched": not_dispatched,
        "summary": summarize(
            inputs, policy, routes=routes_out, unassigned=unassigned, tickets=tickets, crews_on_shift=crews_count
        ),
    }
