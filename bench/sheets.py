"""Time the route sheets for a sample-sized day: 12 crews, ~300 tickets (target: under 10 s).

Builds a synthetic published plan around Cirebon (random but seeded: tickets swept by angle
around each crew's depot, times from distance and speed, running exposure tallies), writes
all sheets in both languages into a temporary directory, and prints the time per language.
The second language reuses the QR codes already encoded (the slow part), as one process
writing both would; the first figure is the one to quote.

    .venv/bin/python bench/sheets.py [--crews 12] [--tickets 300] [--keep DIR]
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shapely.geometry import Point, box  # noqa: E402

from dispatch.core.domain import Category, Crew, HouseholdRisk, Ticket, Vehicle, Zone  # noqa: E402
from dispatch.core.plan import Plan
from dispatch.core.policy import Policy  # noqa: E402
from dispatch.io.sheets import write_sheets  # noqa: E402

TZ = ZoneInfo("Asia/Jakarta")
CENTRE = (-6.73, 108.55)
STREETS = ("Jl. Siliwangi", "Jl. Kartini", "Jl. Pemuda", "Jl. Tuparev", "Jl. Kesambi", "Gg. Melati", "Jl. Pramuka")
NAMES = ("Siti", "Agus", "Dewi", "Rahmat", "Wahyu", "Yusuf", "Lestari", "Hidayat", "Nurul", "Bambang")


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dy = (a[0] - b[0]) * 111_320
    dx = (a[1] - b[1]) * 111_320 * math.cos(math.radians(a[0]))
    return math.hypot(dx, dy) * 1.35


def synthetic_day(
    *, n_crews: int, n_tickets: int, seed: int = 5
) -> tuple[Plan, dict[str, Ticket], dict[str, Crew], list[Zone]]:
    rng = random.Random(seed)
    policy = Policy()
    day = datetime(2026, 11, 30, tzinfo=TZ)
    crews = {}
    for i in range(n_crews):
        angle = 2 * math.pi * i / n_crews
        crews[f"C{i + 1:02d}"] = Crew(
            crew_id=f"C{i + 1:02d}",
            name=f"Regu {i + 1}",
            depot_lat=CENTRE[0] + 0.05 * math.sin(angle),
            depot_lon=CENTRE[1] + 0.05 * math.cos(angle),
            skills=("mv", "ppe"),
            vehicle=Vehicle.MOTORCYCLE if i % 3 == 0 else Vehicle.CAR,
            members=(f"Petugas {2 * i + 1}", f"Petugas {2 * i + 2}"),
        )
    tickets: dict[str, Ticket] = {}
    for k in range(n_tickets):
        category = rng.choice(list(Category))
        risk = rng.choices(list(HouseholdRisk), weights=(90, 7, 3))[0]
        tickets[f"T{k + 1:05d}"] = Ticket(
            ticket_id=f"T{k + 1:05d}",
            reported_at=day - timedelta(hours=rng.uniform(1, 20)),
            category=category,
            lat=CENTRE[0] + rng.uniform(-0.09, 0.09),
            lon=CENTRE[1] + rng.uniform(-0.09, 0.09),
            priority=policy.category.priority[category],
            customers_affected=rng.choice((1, 1, 1, 4, 30, 200)),
            service_min=policy.category.service_min[category],
            indoor=policy.category.indoor[category],
            household_risk=risk,
            address=f"{rng.choice(STREETS)} No. {rng.randint(1, 200)}, Cirebon",
            customer_name=f"{rng.choice(('Ibu', 'Bapak'))} {rng.choice(NAMES)}",
            phone=f"08{rng.randint(10, 99)}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
        )
    by_crew: dict[str, list[Ticket]] = {c: [] for c in crews}
    for t in tickets.values():
        nearest = min(crews.values(), key=lambda c: _metres((c.depot_lat, c.depot_lon), (t.lat, t.lon)))
        by_crew[nearest.crew_id].append(t)
    routes = []
    unassigned = []
    for crew in crews.values():
        depot = (crew.depot_lat, crew.depot_lon)
        todo = sorted(by_crew[crew.crew_id], key=lambda t: math.atan2(t.lat - depot[0], t.lon - depot[1]))
        speed = policy.travel.speed_kmh(crew.vehicle) / 3.6
        now = day.replace(hour=8)
        end_of_shift = day.replace(hour=20)
        here, homes, exposure, distance = depot, 0, 0.0, 0.0
        steps: list[dict[str, Any]] = [_step("start", depot, now, now, now, 0, False, 0, 0, 0)]
        had_break = False
        for k, t in enumerate(todo):
            if not had_break and now >= day.replace(hour=12):
                steps.append(_step("break", here, now, now, now + timedelta(minutes=30), 0, False, 0, homes, exposure))
                now += timedelta(minutes=30)
                had_break = True
            if k % 20 == 19:  # a few left for the index page's unassigned list
                unassigned.append({"ticket_id": t.ticket_id, "reason": "crowded_out", "detail": crew.crew_id})
                continue
            # Every ticket goes on a sheet (the worst case for sheet size); a visit is compressed
            # to 12 minutes so the day still fits a shift.
            leg = _metres(here, (t.lat, t.lon))
            arrival = now + timedelta(seconds=leg / speed)
            finish = arrival + timedelta(minutes=12)
            minutes = 12 * policy.category.indoor_share * policy.household_multiplier(t.household_risk)
            if t.indoor:
                homes += 1
                exposure += minutes
            distance += leg
            steps.append(
                _step(
                    "visit",
                    (t.lat, t.lon),
                    arrival,
                    arrival,
                    finish,
                    leg,
                    t.indoor,
                    minutes if t.indoor else 0,
                    homes,
                    exposure,
                    ticket_id=t.ticket_id,
                )
            )
            here, now = (t.lat, t.lon), finish
        leg = _metres(here, depot)
        back = now + timedelta(seconds=leg / speed)
        steps.append(_step("end", depot, back, back, back, leg, False, 0, homes, exposure))
        routes.append(
            {
                "crew_id": crew.crew_id,
                "name": crew.name,
                "members": list(crew.members),
                "vehicle": crew.vehicle.value,
                "skills": list(crew.skills),
                "shift": {"start": day.replace(hour=8).isoformat(), "end": end_of_shift.isoformat()},
                "break": None,
                # Far above the policy: the compressed synthetic day would overrun its caps.
                "caps": {"max_homes": 999, "max_exposure_min": 9999.0},
                "outdoor_only": None,
                "steps": steps,
                "summary": {
                    "visits": sum(s["type"] == "visit" for s in steps),
                    "homes_entered": homes,
                    "exposure_min": round(exposure, 1),
                    "distance_m": round(distance + leg),
                    "duration_s": int((back - day.replace(hour=8)).total_seconds()),
                },
            }
        )
    served = sum(r["summary"]["visits"] for r in routes)
    plan = Plan.from_json(
        {
            "plan_id": 1,
            "date": "2026-11-30",
            "status": "published",
            "created_at": (day - timedelta(hours=3)).isoformat(),
            "revision": 1,
            "timezone": "Asia/Jakarta",
            "routes": routes,
            "unassigned": unassigned,
            "crews_not_dispatched": [],
            "summary": {
                "tickets": served + len(unassigned),
                "served": served,
                "unassigned": len(unassigned),
                "served_by_priority": {},
                "unassigned_by_priority": {},
                "unassigned_by_reason": {"crowded_out": len(unassigned)},
                "crews_on_shift": len(routes),
                "crews_used": len(routes),
                "distance_m": sum(r["summary"]["distance_m"] for r in routes),
                "homes_entered": sum(r["summary"]["homes_entered"] for r in routes),
                "exposure_min": round(sum(r["summary"]["exposure_min"] for r in routes), 1),
                "worst_exposure": None,
                "customer_minutes_waited": 0,
                "within_target_by_priority": {},
                "caps": {"max_homes_per_shift": 8, "max_exposure_min_per_shift": 180.0},
            },
        }
    )
    zones = [
        Zone("Pasar", Point(CENTRE[1], CENTRE[0]).buffer(0.012), risk_weight=1.6),
        Zone("Kampung padat", Point(CENTRE[1] + 0.04, CENTRE[0] - 0.03).buffer(0.02), risk_weight=2.0),
        Zone(
            "Jalan ditutup", box(CENTRE[1] - 0.03, CENTRE[0] + 0.01, CENTRE[1] - 0.02, CENTRE[0] + 0.025), closed=True
        ),
    ]
    return plan, tickets, crews, zones


def _step(
    kind: str,
    at: tuple[float, float],
    arrival: datetime,
    start: datetime,
    end: datetime,
    travel_m: float,
    indoor: bool,
    exposure: float,
    homes: int,
    exposure_total: float,
    ticket_id: str | None = None,
) -> dict[str, Any]:
    step: dict[str, Any] = {
        "type": kind,
        "lat": at[0],
        "lon": at[1],
        "arrival": arrival.isoformat(),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "travel_m": round(travel_m),
        "indoor": indoor,
        "exposure_min": round(exposure, 1),
        "homes_entered": homes,
        "exposure_total_min": round(exposure_total, 1),
    }
    if ticket_id is not None:
        step["ticket_id"] = ticket_id
    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crews", type=int, default=12)
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--keep", type=Path, help="write the sheets here instead of a temporary directory")
    args = parser.parse_args()
    plan, tickets, crews, zones = synthetic_day(n_crews=args.crews, n_tickets=args.tickets)
    visits = plan.summary.served
    print(f"plan: {len(plan.routes)} crews, {visits} stops, {len(plan.unassigned)} unassigned")
    with tempfile.TemporaryDirectory() as tmp:
        for lang in ("id", "en"):
            out = (args.keep or Path(tmp)) / lang
            started, cpu = time.perf_counter(), time.process_time()
            files = write_sheets(
                plan=plan, tickets=tickets, crews=crews, zones=zones, policy=Policy(), out_dir=out, lang=lang
            )
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            size = sum(f.stat().st_size for f in files) / 1e6
            # CPU time is what the sheets cost; wall time also shows how busy the machine is.
            print(
                f"lang={lang}: {len(files)} files, {size:.1f} MB in {elapsed:.2f} s wall, {cpu:.2f} s CPU (limit 10 s)"
            )


if __name__ == "__main__":
    main()
