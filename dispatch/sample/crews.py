"""Generated crews at the ULP offices, and their day, night and standby shifts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from dispatch.sample.columns import Row
from dispatch.sample.geography import _TOWN, _ULP_ORDER, TOWNS, _distance_km


@dataclass(frozen=True)
class Depot:
    name: str  # "ULP Sumber", "Posko Plered"
    short: str  # used in crew names
    town: str
    lat: float
    lon: float


def _depots(n_crews: int) -> list[Depot]:
    # About three crews per depot, never fewer than the six ULP offices (if there are six crews).
    n = max(1, min(len(TOWNS), max(min(6, n_crews), round(n_crews / 3))))
    depots = []
    for short, town in _ULP_ORDER:
        t = _TOWN[town]
        # The office stands on a main road a little off the kecamatan centre.
        depots.append(Depot(f"ULP {short}", short, town, round(t.lat + 0.0012, 6), round(t.lon - 0.0015, 6)))
    used = {town for _, town in _ULP_ORDER}
    for t in sorted(TOWNS, key=lambda t: -t.population_k):
        if t.name not in used:
            depots.append(Depot(f"Posko {t.name}", t.name, t.name, round(t.lat - 0.001, 6), round(t.lon + 0.001, 6)))
    return depots[:n]


def _crews(rng: random.Random, n_crews: int, depots: list[Depot]) -> list[Row]:
    crews: list[Row] = []
    per_depot: dict[str, int] = {}
    width = max(2, len(str(n_crews)))
    members_total = 3 * n_crews
    mwidth = max(3, len(str(members_total)))
    next_member = 1
    for i in range(n_crews):
        depot = depots[i % len(depots)]
        k = per_depot[depot.name] = per_depot.get(depot.name, 0) + 1
        mv = i % 2 == 0 or _is_night(n_crews, i)  # about half the crews are MV-qualified
        skills = ["lv"] + (["mv"] if mv else []) + (["ppe"] if i % 4 == 1 else [])
        # MV gear and PPE kits need a car; some two-person LV crews ride motorcycles.
        vehicle = "motorcycle" if not mv and "ppe" not in skills and i % 4 == 3 else "car"
        n_members = 3 if mv or "ppe" in skills else 2
        members = [f"M{next_member + j:0{mwidth}d}" for j in range(n_members)]
        next_member += n_members
        end_lat = end_lon = ""
        if n_crews >= 5 and i % 12 in (4, 9):
            # This crew parks overnight at the posko of the nearest other kecamatan.
            t = _TOWN[depot.town]
            other = min((o for o in TOWNS if o.name != t.name), key=lambda o: _distance_km(t.lat, t.lon, o.lat, o.lon))
            end_lat, end_lon = f"{other.lat - 0.001:.6f}", f"{other.lon + 0.001:.6f}"
        crews.append(
            {
                "crew_id": f"C{i + 1:0{width}d}",
                "name": f"Yantek {depot.short} {k}",
                "depot_lat": f"{depot.lat:.6f}",
                "depot_lon": f"{depot.lon:.6f}",
                "end_lat": end_lat,
                "end_lon": end_lon,
                "skills": ";".join(skills),
                "vehicle": vehicle,
                "members": ";".join(members),
            }
        )
    return crews


def _is_night(n_crews: int, i: int) -> bool:
    """One crew in twelve stands by through the night (the last one, in a small fleet)."""
    return i % 12 == 11 or (3 <= n_crews < 12 and i == n_crews - 1)


def _shifts(n_crews: int, crews: list[Row], day: date, days: int) -> list[Row]:
    """Shifts for ``days`` dates from ``day``: everyone works ``day``; rest days vary per crew."""
    rows: list[Row] = []
    for i, crew in enumerate(crews):
        night = _is_night(n_crews, i)
        # Standby crews sit out normal plans; storm mode calls them in. Not the only crew of a depot.
        standby = night or (i % 24 == 8 and n_crews >= 10)
        rest = {1 + (i * 5) % 6} | ({1 + (i * 5 + 3) % 6} if i % 4 == 3 else set())
        for d in range(days):
            if d in rest:
                continue
            on = day + timedelta(days=d)
            friday, saturday = on.weekday() == 4, on.weekday() == 5
            brk: tuple[str, str, str] = ("11:30", "13:30", "60")
            if night:
                start, end, brk = "22:00", "06:00", ("", "", "")  # standby through the night, no break
            elif i % 12 == 7:
                start, end, brk = "13:00", "21:00", ("17:45", "19:00", "30")  # afternoon shift: Maghrib and a meal
            elif saturday and i % 3 == 0:
                start, end, brk = "07:00", "13:00", ("", "", "")  # half day, no break
            else:
                start, end = ("07:00", "15:00") if i % 3 == 0 else ("08:00", "16:00")
                if friday:
                    brk = ("11:30", "13:00", "60")  # Friday prayer
            rows.append(
                {
                    "crew_id": crew["crew_id"],
                    "date": on.isoformat(),
                    "start": start,
                    "end": end,
                    "break_start": brk[0],
                    "break_end": brk[1],
                    "break_min": brk[2],
                    "standby": "true" if standby else "false",
                }
            )
    return rows
