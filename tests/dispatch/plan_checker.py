"""An independent checker of the plan JSON contract, recomputing everything from inputs and policy.

It shares no code with dispatch.planning or the solver: distances come from geopy, exposure and
caps from the policy's own numbers, windows and shifts from the inputs as imported. With
``travel.engine = "roads"`` each drive is checked against the road time Valhalla itself gives for
that pair (its own engine on the policy's tiles, the closures file read here), not against geopy.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from geopy.distance import great_circle
from shapely.geometry import Point

from dispatch.core.domain import Category, PlanInputs, Ticket
from dispatch.core.policy import Policy

ROUTE_KEYS = {"crew_id", "members", "shift", "steps", "summary"}
STEP_KEYS = {"type", "lat", "lon", "arrival", "start", "end", "travel_m", "indoor", "exposure_min"}
# The values an unassigned ticket's explanation may name (docs/plan-format.md, Facts).
FACT_KEYS = {"skills", "crews", "count", "minutes", "cap_minutes", "demand", "windows", "at", "zone"}
SUMMARY_KEYS = {"visits", "homes_entered", "exposure_min", "distance_m", "duration_s"}


_ACTORS: dict[str, Any] = {}
COSTING = {"car": "auto", "motorcycle": "motor_scooter"}


def road_seconds(policy: Policy, vehicle: str, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Valhalla's own time (s) from ``a`` to ``b`` (lat, lon) for ``vehicle`` on the policy's tiles and
    closures (GeoJSON points and polygons), asked one pair at a time."""
    import valhalla

    config = str(Path(policy.travel.tiles).resolve() / "valhalla.json")
    if config not in _ACTORS:
        _ACTORS[config] = valhalla.Actor(config)
    request: dict[str, Any] = {
        "sources": [{"lat": a[0], "lon": a[1]}],
        "targets": [{"lat": b[0], "lon": b[1]}],
        "costing": COSTING[vehicle],
        "verbose": False,
    }
    if policy.travel.closures:
        features = json.loads(Path(policy.travel.closures).read_text(encoding="utf-8"))["features"]
        geoms = [f["geometry"] for f in features]
        points = [{"lon": g["coordinates"][0], "lat": g["coordinates"][1]} for g in geoms if g["type"] == "Point"]
        rings = [g["coordinates"][0] for g in geoms if g["type"] == "Polygon"]
        request |= {"exclude_locations": points} if points else {}
        request |= {"exclude_polygons": rings} if rings else {}
    seconds = _ACTORS[config].matrix(request)["sources_to_targets"]["durations"][0][0]
    return float("inf") if seconds is None else float(seconds)


def check_plan(doc: dict[str, Any], inputs: PlanInputs, policy: Policy) -> list[str]:
    """Every problem found, as sentences; an empty list means the plan keeps every promise."""
    problems: list[str] = []
    tz = ZoneInfo(policy.region.timezone)
    tickets = {t.ticket_id: t for t in inputs.tickets}
    # Wide outages: an absorbed ticket counts once, as in its outage; an asset job is checked at the asset.
    outage_jobs = _outage_jobs(doc, inputs, policy, problems)
    grouped = {tid for o in doc.get("outages", []) for tid in o["tickets"]}
    tickets = {**{t: v for t, v in tickets.items() if t not in outage_jobs}, **outage_jobs}
    crews = {c.crew_id: c for c in inputs.crews}
    shifts = {s.crew_id: s for s in inputs.shifts if s.date == inputs.day}
    zones = [z for z in inputs.zones if z.valid_on(inputs.day)]

    for key in ("plan_id", "date", "status", "created_at", "routes", "unassigned", "summary"):
        if key not in doc:
            problems.append(f"plan lacks {key!r}")
    seen: dict[str, int] = {}
    for tid in grouped:
        seen[tid] = sum(tid in o["tickets"] for o in doc.get("outages", []))
    for u in doc["unassigned"]:
        keys = set(u)
        if not {"ticket_id", "reason", "detail"} <= keys <= {"ticket_id", "reason", "detail", "displaces", "facts"} or (
            not u["reason"] or not u["detail"]
        ):
            problems.append(f"unassigned entry {u} lacks a reason or detail")
        seen[u["ticket_id"]] = seen.get(u["ticket_id"], 0) + 1

    def zone_weight(lat: float, lon: float) -> tuple[float, bool]:
        here = [z for z in zones if z.geometry.intersects(Point(lon, lat))]
        return max((z.risk_weight for z in here), default=1.0), any(z.closed for z in here)

    def aware(text: str) -> dt.datetime:
        value = dt.datetime.fromisoformat(text)
        if value.utcoffset() is None:
            problems.append(f"time {text} has no offset")
            return value.replace(tzinfo=tz)
        if value.utcoffset() != dt.datetime.combine(inputs.day, dt.time(12), tzinfo=tz).utcoffset():
            problems.append(f"time {text} is not in the region's time zone")
        return value

    for route in doc["routes"]:
        cid = route["crew_id"]
        missing = ROUTE_KEYS - set(route)
        if missing:
            problems.append(f"route {cid} lacks {sorted(missing)}")
        crew, shift = crews.get(cid), shifts.get(cid)
        if crew is None or shift is None:
            problems.append(f"route for crew {cid} which has no shift on {inputs.day}")
            continue
        steps = route["steps"]
        if steps[0]["type"] != "start" or steps[-1]["type"] != "end":
            problems.append(f"{cid}: route must run from a start step to an end step")
        if aware(steps[0]["start"]) < shift.start:
            problems.append(f"{cid}: leaves at {steps[0]['start']} before the shift starts {shift.start}")
        # Overtime a re-plan granted for a hazard stretches the end, within the policy's emergency overtime.
        overtime = route.get("overtime", {}).get("minutes", 0) if route.get("overtime", {}).get("tickets") else 0
        if overtime > policy.response.emergency_overtime_min:
            problems.append(f"{cid}: {overtime} min overtime exceeds response.emergency_overtime_min")
        if aware(steps[-1]["arrival"]) > shift.end + dt.timedelta(minutes=overtime):
            problems.append(f"{cid}: back at {steps[-1]['arrival']} after the shift ends {shift.end}")
        speed_ms = (
            policy.travel.motorcycle_speed_kmh if crew.vehicle == "motorcycle" else policy.travel.car_speed_kmh
        ) / 3.6
        homes, exposure, isolated = 0, 0.0, False
        prev_place, prev_end = steps[0], aware(steps[0]["end"])
        break_minutes = 0
        for step in steps:
            if set(STEP_KEYS) - set(step):
                problems.append(f"{cid}: step lacks {sorted(STEP_KEYS - set(step))}")
            if step["type"] == "break":
                b_start, b_end = aware(step["start"]), aware(step["end"])
                if shift.break_start is None or b_start < shift.break_start or b_end > shift.break_end:
                    problems.append(f"{cid}: break {step['start']}-{step['end']} outside its window")
                break_minutes += round((b_end - b_start).total_seconds() / 60)
                continue
            if step is steps[0]:
                continue
            arrival, start, end = aware(step["arrival"]), aware(step["start"]), aware(step["end"])
            if not prev_end <= arrival <= start <= end:
                problems.append(f"{cid}: times out of order at {step.get('ticket_id', step['type'])}")
            here, there = (prev_place["lat"], prev_place["lon"]), (step["lat"], step["lon"])
            # Travel may be slower than the reference (slow zones), never faster; 2 s for rounding.
            if policy.travel.engine == "roads":
                fastest = 0.0 if here == there else road_seconds(policy, crew.vehicle.value, here, there)
            else:
                fastest = great_circle(here, there).meters * policy.travel.circuity / speed_ms
            took = (arrival - prev_end).total_seconds()
            if took + 2 < fastest:
                problems.append(
                    f"{cid}: reaches {step.get('ticket_id', 'the end')} in {took:.0f} s, "
                    f"faster than the travel model allows ({fastest:.0f} s)"
                )
            if step["type"] == "visit":
                tid = step["ticket_id"]
                seen[tid] = seen.get(tid, 0) + 1
                t = tickets.get(tid)
                if t is None:
                    problems.append(f"{cid}: visits unknown or closed ticket {tid}")
                    continue
                if (step["lat"], step["lon"]) != (t.lat, t.lon):
                    problems.append(f"{cid}: visit {tid} is not at the ticket's location")
                if not set(t.skills) <= set(crew.skills):
                    problems.append(f"{cid}: lacks skills {set(t.skills) - set(crew.skills)} for {tid}")
                if abs((end - start).total_seconds() - t.service_min * 60) > 1:
                    problems.append(f"{cid}: {tid} service lasts {(end - start)} not {t.service_min} min")
                if t.window_start and t.window_end:
                    lo = dt.datetime.combine(inputs.day, dt.time.fromisoformat(t.window_start), tzinfo=tz)
                    hi = dt.datetime.combine(inputs.day, dt.time.fromisoformat(t.window_end), tzinfo=tz)
                    if not lo <= start <= hi:
                        problems.append(f"{cid}: {tid} starts {start} outside its window {lo}-{hi}")
                weight, closed = zone_weight(t.lat, t.lon)
                if t.indoor:
                    if closed:
                        problems.append(f"{cid}: enters a home in a closed zone ({tid})")
                    if isolated and policy.exposure.isolating_ends_home_entries:
                        problems.append(f"{cid}: enters {tid} after an isolating household")
                    homes += 1
                    mult = {
                        "suspected": policy.exposure.suspected_multiplier,
                        "isolating": policy.exposure.isolating_multiplier,
                    }
                    expected = t.service_min * policy.category.indoor_share * weight * mult.get(t.household_risk, 1.0)
                    if abs(step["exposure_min"] - expected) > 0.05:
                        problems.append(f"{cid}: {tid} exposure {step['exposure_min']} min, expected {expected:.2f}")
                    exposure += expected
                    isolated = isolated or t.household_risk == "isolating"
                elif step["indoor"] or step["exposure_min"]:
                    problems.append(f"{cid}: outdoor ticket {tid} counted as indoor")
            prev_place, prev_end = step, end
        # A crew with no visits stays at its depot: its break need not be planned (as the solver's checker).
        working = any(step["type"] == "visit" for step in steps)
        if shift.break_min and shift.break_start and working and break_minutes != shift.break_min:
            problems.append(f"{cid}: took {break_minutes} min of break, the shift has {shift.break_min}")
        cap_homes = route.get("caps", {}).get("max_homes", policy.exposure.max_homes_per_shift)
        cap_exposure = route.get("caps", {}).get("max_exposure_min", policy.exposure.max_exposure_min_per_shift)
        if homes > min(cap_homes, policy.exposure.max_homes_per_shift):
            problems.append(f"{cid}: enters {homes} homes, cap {cap_homes}")
        if exposure > min(cap_exposure, policy.exposure.max_exposure_min_per_shift) + 0.05:
            problems.append(f"{cid}: {exposure:.1f} weighted exposure minutes, cap {cap_exposure}")
        s = route["summary"]
        if set(SUMMARY_KEYS) - set(s):
            problems.append(f"{cid}: summary lacks {sorted(SUMMARY_KEYS - set(s))}")
        if s["homes_entered"] != homes or abs(s["exposure_min"] - exposure) > 0.1:
            problems.append(f"{cid}: summary says {s['homes_entered']} homes / {s['exposure_min']} min")

    on_crew = {s.get("ticket_id"): r["crew_id"] for r in doc["routes"] for s in r["steps"] if s["type"] == "visit"}
    for u in doc["unassigned"]:
        d = u.get("displaces")
        if d is not None and (
            on_crew.get(d["ticket_id"]) != d["crew_id"] or d["priority"] != tickets[d["ticket_id"]].priority
        ):
            problems.append(f"unassigned {u['ticket_id']} would displace {d}, which is not a visit of that crew")
        facts = u.get("facts", {})
        if set(facts) - FACT_KEYS:
            problems.append(f"unassigned {u['ticket_id']}: unknown facts {sorted(set(facts) - FACT_KEYS)}")
        if set(facts.get("crews", [])) - {r["crew_id"] for r in doc["routes"]}:
            problems.append(f"unassigned {u['ticket_id']}: facts name crews without a route: {facts['crews']}")
        for text in [facts.get("at"), *(x for w in facts.get("windows", []) for x in (w["start"], w["end"]))]:
            if text is not None:
                aware(text)
    for tid in tickets:
        if seen.get(tid, 0) != 1:
            problems.append(f"open ticket {tid} appears {seen.get(tid, 0)} times (must be exactly once)")
    for tid in seen:
        if tid not in tickets:
            problems.append(f"plan names {tid}, which is not an open ticket")
    return problems


def _below(transformer_id: str, asset_id: str, inputs: PlanInputs) -> bool:
    """Whether ``transformer_id`` is ``asset_id`` or hangs (through parents) below it."""
    parent = {a.asset_id: a.parent_id for a in inputs.assets}
    current, steps = transformer_id, 0
    while current and steps <= len(parent):
        if current == asset_id:
            return True
        current, steps = parent.get(current, ""), steps + 1
    return False


def _outage_jobs(doc: dict[str, Any], inputs: PlanInputs, policy: Policy, problems: list[str]) -> dict[str, Ticket]:
    """The asset job of each outage as the policy says it must be (at the asset, outdoor, its kind's skills
    and service time); an absorbed ticket must be a no-power report below the outage's asset."""
    tickets = {t.ticket_id: t for t in inputs.tickets}
    assets = {a.asset_id: a for a in inputs.assets}
    jobs: dict[str, Ticket] = {}
    for o in doc.get("outages", []):
        asset = assets.get(o["asset_id"])
        if asset is None or asset.kind.value != o["kind"]:
            problems.append(f"outage {o['outage_id']} at {o['asset_id']}, not a {o['kind']} of the network")
            continue
        for tid in o["tickets"]:
            t = tickets.get(tid)
            if t is None or t.category.value not in ("no_power", "partial_power"):
                problems.append(f"outage {o['outage_id']} absorbs {tid}, not an open no-power report")
            elif not _below(t.transformer_id, asset.asset_id, inputs) and not any(
                a.kind.value == "transformer"
                and _below(a.asset_id, asset.asset_id, inputs)
                and great_circle((t.lat, t.lon), (a.lat, a.lon)).meters <= policy.outage.link_max_m + 1
                for a in inputs.assets
            ):
                problems.append(f"outage {o['outage_id']} absorbs {tid}, neither linked nor near a transformer below")
        if o["job_ticket_id"]:
            jobs[o["job_ticket_id"]] = Ticket(
                ticket_id=o["job_ticket_id"], reported_at=dt.datetime(2000, 1, 1, tzinfo=dt.UTC),
                category=Category.ASSET_OUTAGE, lat=asset.lat, lon=asset.lon, priority=1,
                service_min=policy.outage.service_min[asset.kind.value], indoor=False,
                skills=tuple(policy.outage.skills[asset.kind.value]),
            )  # fmt: skip
    return jobs
