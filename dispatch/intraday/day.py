"""The revised day: each crew's frozen visits and break, then its new remainder, with running tallies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.core.domain import PlanInputs, Shift, Ticket
from dispatch.core.policy import Policy
from dispatch.intraday.model import DONE, UNDER_WAY, VisitFact, _t, _visits_of
from dispatch.planning.summary import summarize


def _exposure_of(fact: VisitFact, ticket: Ticket | None, planned: float | None, policy: Policy) -> float:
    """Weighted minutes a visit counts against today's cap: the ledger's figure, else the planned one."""
    if not fact.entered_home:
        return 0.0
    if fact.exposure_min is not None:
        return fact.exposure_min
    if planned:
        return float(planned)
    if ticket is None:
        return 0.0
    # Not in the plan (e.g. an unplanned call): its in-home share at the household's weight.
    inside = ticket.service_min * policy.category.indoor_share
    return round(inside * policy.household_multiplier(ticket.household_risk), 2)


def _with_frozen(
    doc: dict[str, Any],
    *,
    previous: dict[str, Any],
    frozen: Mapping[str, list[VisitFact]],
    frozen_exposure: Mapping[str, float],
    tickets: Mapping[str, Ticket],
    shifts: Mapping[str, Shift],
    end_shift: Mapping[str, dt.datetime],
    homes_today: Mapping[str, int],
    exposure_today: Mapping[str, float],
    tz: ZoneInfo,
    at: dt.datetime,
) -> dict[str, Any]:
    """The full day: each crew's frozen visits (and a break already begun), then its new remainder,
    with running exposure tallies."""
    doc = dict(doc)
    prev_routes = {r["crew_id"]: r for r in previous["routes"]}
    new_routes = {r["crew_id"]: r for r in doc["routes"]}
    crew_ids = sorted(set(new_routes) | set(prev_routes) | set(frozen))
    prev_travel = {s["ticket_id"]: s["travel_m"] for r in previous["routes"] for s in _visits_of(r)}
    routes = []
    for crew_id in crew_ids:
        new = new_routes.get(crew_id)
        prev = prev_routes.get(crew_id)
        base = dict(new or prev or {})
        if not base:
            continue  # frozen visits of a crew in no plan: nothing to show them against
        steps_prev = (prev or new or {"steps": []})["steps"]
        first = dict(steps_prev[0]) if steps_prev and steps_prev[0]["type"] == "start" else None
        steps: list[dict[str, Any]] = [first] if first else []
        homes, exposure_total = 0, 0.0
        for v in frozen.get(crew_id, []):
            t = tickets.get(v.ticket_id)
            e = frozen_exposure.get(v.ticket_id, 0.0)
            homes += int(v.entered_home)
            exposure_total += e
            end = v.left_at or (v.arrived_at + dt.timedelta(minutes=t.service_min if t else 30))
            steps.append(
                {
                    "type": "visit",
                    "ticket_id": v.ticket_id,
                    "lat": t.lat if t else (first or {}).get("lat"),
                    "lon": t.lon if t else (first or {}).get("lon"),
                    "arrival": v.arrived_at.astimezone(tz).isoformat(),
                    "start": v.arrived_at.astimezone(tz).isoformat(),
                    "end": end.astimezone(tz).isoformat(),
                    "travel_m": prev_travel.get(v.ticket_id, 0),
                    "indoor": v.entered_home,
                    "exposure_min": e,
                    "homes_entered": homes,
                    "exposure_total_min": round(exposure_total, 2),
                    "progress": DONE if v.left_at is not None else UNDER_WAY,
                    "outcome": v.outcome,
                }
            )
        if new is not None:
            for s in new["steps"]:
                if s["type"] == "start" and (first is not None):
                    continue
                s = dict(s)
                s["homes_entered"] = s["homes_entered"] + homes
                s["exposure_total_min"] = round(s["exposure_total_min"] + exposure_total, 2)
                steps.append(s)
        else:
            last = steps[-1] if steps else None
            shift = shifts.get(crew_id)
            end_t = end_shift.get(crew_id) or (shift.end if shift else None)
            when = max([_t(last["end"])] + ([end_t] if end_t else [])) if last else end_t
            if last is not None and when is not None:
                lat, lon = (first or last)["lat"], (first or last)["lon"]
                if prev is not None and prev["steps"] and prev["steps"][-1]["type"] == "end":
                    lat, lon = prev["steps"][-1]["lat"], prev["steps"][-1]["lon"]
                iso = when.astimezone(tz).isoformat()
                steps.append(
                    {
                        "type": "end",
                        "lat": lat,
                        "lon": lon,
                        "arrival": iso,
                        "start": iso,
                        "end": iso,
                        "travel_m": 0,
                        "indoor": False,
                        "exposure_min": 0,
                        "homes_entered": homes,
                        "exposure_total_min": round(exposure_total, 2),
                    }
                )
        taken = _break_of(prev)
        if taken is not None and _t(taken["start"]) < at:
            # Begun before the re-plan: it stays on the route, and later re-plans must know it was taken.
            base["break_taken"] = {"start": taken["start"], "end": taken["end"]}
            if not any(s["type"] == "break" for s in steps):
                steps = _with_break(steps, taken, at)
        base["steps"] = steps
        shift = shifts.get(crew_id)
        if shift is not None:
            end = end_shift.get(crew_id, shift.end)
            base["shift"] = {"start": shift.start.astimezone(tz).isoformat(), "end": end.astimezone(tz).isoformat()}
        if crew_id in end_shift:
            base["end_shift"] = end_shift[crew_id].astimezone(tz).isoformat()
        caps = dict(base.get("caps", {}))
        if new is not None and caps:
            # Show today's full caps: what was left for the remainder plus what was already used.
            caps["max_homes"] = caps["max_homes"] + homes_today.get(crew_id, 0)
            caps["max_exposure_min"] = round(caps["max_exposure_min"] + exposure_today.get(crew_id, 0.0), 2)
        base["caps"] = caps
        visits = _visits_of(base)
        summary = dict(base.get("summary", {}))
        summary.update(
            {
                "visits": len(visits),
                "homes_entered": sum(int(s["indoor"]) for s in visits),
                "exposure_min": round(sum(s["exposure_min"] for s in visits), 2),
                "distance_m": sum(s["travel_m"] for s in steps if s["type"] != "start"),
                "duration_s": int((_t(steps[-1]["end"]) - _t(steps[0]["start"])).total_seconds()) if visits else 0,
            }
        )
        base["summary"] = summary
        routes.append(base)
    doc["routes"] = routes
    return doc


def _break_of(route: dict[str, Any] | None) -> dict[str, Any] | None:
    """The route's break: its step, or the one recorded as taken when an earlier re-plan began after it."""
    if route is None:
        return None
    step = next((s for s in route["steps"] if s["type"] == "break"), None)
    return step or route.get("break_taken")


def _with_break(steps: list[dict[str, Any]], taken: dict[str, Any], at: dt.datetime) -> list[dict[str, Any]]:
    """``steps`` with the break step put back in time order, unless recorded visits overlap it."""
    b_start, b_end = _t(taken["start"]), _t(taken["end"])
    i = 1 if steps and steps[0]["type"] == "start" else 0
    while i < len(steps) and steps[i]["type"] == "visit" and _t(steps[i]["start"]) < b_start:
        i += 1
    before = steps[i - 1] if i > 0 else None
    after = steps[i] if i < len(steps) else None
    if (before is not None and _t(before["end"]) > b_start) or (
        after is not None and after["type"] != "end" and _t(after["arrival"]) < b_end
    ):
        return steps
    where = before or after or {}
    brk = {
        "type": "break",
        "lat": where.get("lat", taken.get("lat")),
        "lon": where.get("lon", taken.get("lon")),
        "arrival": taken["start"],
        "start": taken["start"],
        "end": taken["end"],
        "travel_m": 0,
        "indoor": False,
        "exposure_min": 0,
        "homes_entered": before["homes_entered"] if before else 0,
        "exposure_total_min": before["exposure_total_min"] if before else 0,
        "progress": DONE if b_end <= at else UNDER_WAY,
    }
    return [*steps[:i], brk, *steps[i:]]


def _resummarise(doc: dict[str, Any], *, inputs: PlanInputs, policy: Policy, tickets: Mapping[str, Ticket]) -> None:
    """Recompute the plan summary over the whole day (frozen visits included)."""
    doc["summary"] = summarize(
        inputs,
        policy,
        routes=doc["routes"],
        unassigned=doc["unassigned"],
        tickets=tickets,
        crews_on_shift=doc["summary"]["crews_on_shift"],
    )
