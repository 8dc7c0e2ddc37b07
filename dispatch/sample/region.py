"""Synthetic sample region: a UP3 (PLN distribution service unit) around Cirebon, West Java.

Real kecamatan centres of Kota/Kab. Cirebon, Kuningan, Majalengka and Indramayu (WGS84), ULP offices
as crew depots, tickets clustered around towns by population, zones (red zone, lockdowns, congested
centres) and a commented ``dispatch.toml``. Everything is deterministic for a seed, so benchmarks and
what-if scenarios can regenerate the same region.

    python -m dispatch.sample --tickets 300 --crews 12 --date 2026-11-30 --seed 7 --out data/sample"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from dispatch.sample.columns import CREW_COLUMNS, SHIFT_COLUMNS, TICKET_COLUMNS, Row, _write_csv
from dispatch.sample.crews import Depot, _crews, _depots, _shifts
from dispatch.sample.geography import (
    _TOWN,
    TOWNS,
    _km_to_deg,
    _point_in,
    _point_near,
    _zone_specs,
    _zones_geojson,
    on_land,
)
from dispatch.sample.network import network_rows, storm_reports, write_assets
from dispatch.sample.policy_toml import POLICY_TOML
from dispatch.sample.tickets import (
    _FACILITIES,
    _INDOOR_CATEGORIES,
    _STORM_WEIGHTS,
    CATEGORY_WEIGHTS,
    _day_start,
    _pick,
    _relocate,
    _reported_at,
    _ticket,
)


@dataclass
class SampleRegion:
    """Rows of the five sample files, as they are written (all values are CSV text)."""

    day: date
    seed: int
    depots: list[Depot]
    tickets: list[Row]
    crews: list[Row]
    shifts: list[Row]
    zones: dict = field(default_factory=dict)  # GeoJSON FeatureCollection
    policy_toml: str = POLICY_TOML

    def write(self, out_dir: Path) -> list[Path]:
        """Write tickets.csv, crews.csv, shifts.csv, zones.geojson and dispatch.toml; return their paths."""
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        paths = [
            _write_csv(out_dir / "tickets.csv", TICKET_COLUMNS, self.tickets),
            _write_csv(out_dir / "crews.csv", CREW_COLUMNS, self.crews),
            _write_csv(out_dir / "shifts.csv", SHIFT_COLUMNS, self.shifts),
        ]
        zones = out_dir / "zones.geojson"
        zones.write_text(json.dumps(self.zones, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        toml = out_dir / "dispatch.toml"
        toml.write_text(self.policy_toml, encoding="utf-8")
        return [*paths, zones, toml]


def _number(tickets: list[Row], prefix: str) -> None:
    """Ticket ids in order of report, as a call centre numbers them."""
    tickets.sort(key=lambda r: (r["reported_at"], r["lat"], r["lon"]))
    for k, row in enumerate(tickets, start=1):
        row["ticket_id"] = f"{prefix}-{k:06d}"


# long function: one pass over the ticket populations in the order the seed draws them; splitting it
# would make each part's draws depend on how many the others took.
def generate_region(
    *, n_tickets: int = 300, n_crews: int = 12, day: date, seed: int = 7, shift_days: int = 7
) -> SampleRegion:
    """A whole synthetic region for planning ``day``: tickets reported in the two days before it,
    crews at ULP offices / posko, shifts for ``shift_days`` dates from ``day``, and zones."""
    if n_tickets < 0 or n_crews < 1 or shift_days < 1:
        raise ValueError("need n_tickets >= 0, n_crews >= 1 and shift_days >= 1")
    rng = random.Random(seed)
    report_from = _day_start(day) - timedelta(days=2)
    report_hours = 45.0  # up to 21:00 the evening before, when the plan is made

    n_critical = min(len(_FACILITIES), max(3, round(n_tickets * 0.025)), n_tickets)
    n_pairs = min(max(2, round(n_tickets * 0.015)), (n_tickets - n_critical) // 4)
    n_base = n_tickets - n_critical - n_pairs
    weights = [t.population_k for t in TOWNS]

    tickets: list[Row] = []
    for town in rng.choices(TOWNS, weights=weights, k=n_base):
        lat, lon = _point_near(rng, town.lat, town.lon, town.sigma_km, 4 * town.sigma_km)
        category = _pick(rng, CATEGORY_WEIGHTS)
        tickets.append(_ticket(rng, category=category, lat=lat, lon=lon,
                               reported_at=_reported_at(rng, report_from, report_hours)))  # fmt: skip

    # Some tickets are dropped into zones so a plan shows their effect (closed, riskier).
    movable = [i for i, r in enumerate(tickets) if r["category"] in _INDOOR_CATEGORIES]
    chosen = iter(rng.sample(movable, len(movable)))
    for spec in _zone_specs(day):
        for _ in range(max(1, round(spec.tickets_per_300 * n_tickets / 300)) if spec.tickets_per_300 else 0):
            i = next(chosen, None)
            if i is None:
                break
            lat, lon = _point_in(rng, spec.geometry)
            _relocate(rng, tickets[i], lat, lon, _TOWN[spec.town], spec.village)

    # A second report from the same transformer: a neighbour calls about the same outage.
    sources = [r for r in tickets if r["skills"].startswith("mv") and r["category"] in ("no_power", "line_down")]
    for src in rng.sample(sources, min(n_pairs, len(sources))):
        dlat, dlon = _km_to_deg(float(src["lat"]), rng.uniform(-0.12, 0.12), rng.uniform(-0.12, 0.12))
        lat, lon = float(src["lat"]) + dlat, float(src["lon"]) + dlon
        if not on_land(lat, lon):
            lat, lon = float(src["lat"]), float(src["lon"])
        later = datetime.fromisoformat(src["reported_at"]) + timedelta(minutes=rng.randint(5, 90))
        row = _ticket(rng, category=rng.choice(("no_power", "no_power", "partial_power")), lat=lat, lon=lon,
                      reported_at=later, windows=False)  # fmt: skip
        row["transformer_id"] = src["transformer_id"]
        row["customers_affected"] = src["customers_affected"] if row["category"] == "no_power" else "1"
        row["skills"] = "mv" if row["category"] == "no_power" else ""
        tickets.append(row)
    while len(tickets) < n_tickets - n_critical:  # too few sources for all pairs: plain tickets instead
        town = rng.choices(TOWNS, weights=weights)[0]
        lat, lon = _point_near(rng, town.lat, town.lon, town.sigma_km, 4 * town.sigma_km)
        tickets.append(_ticket(rng, category=_pick(rng, CATEGORY_WEIGHTS), lat=lat, lon=lon,
                               reported_at=_reported_at(rng, report_from, report_hours)))  # fmt: skip

    for name, town_name, village, street, lat, lon, phone in _FACILITIES[:n_critical]:
        town = _TOWN[town_name]
        row = _ticket(rng, category=rng.choice(("no_power", "no_power", "partial_power", "voltage")), lat=lat, lon=lon,
                      reported_at=_reported_at(rng, report_from, report_hours), windows=False)  # fmt: skip
        kind = "Kel." if town.urban else "Desa"
        row.update(
            address=f"{street}, {kind} {village}, Kec. {town.name}, {town.area}",
            customer_name=name,
            phone=phone,
            priority="1",
            critical_facility="true",
            customers_affected="1",
            household_risk="none",
            skills="",
            indoor="",
        )
        tickets.append(row)

    _number(tickets, f"CRB-{day.year}")
    depots = _depots(n_crews)
    crews = _crews(rng, n_crews, depots)
    return SampleRegion(
        day=day,
        seed=seed,
        depots=depots,
        tickets=tickets,
        crews=crews,
        shifts=_shifts(n_crews, crews, day, shift_days),
        zones=_zones_geojson(_zone_specs(day)),
    )


def surge_tickets(
    *,
    n: int,
    around: tuple[float, float] | None,
    radius_km: float,
    day: date,
    seed: int,
    id_prefix: str,
) -> list[Row]:
    """Extra ticket rows from a storm the evening before ``day`` (15:00-24:00), clustered around
    ``around`` (lat, lon) within ``radius_km``; ``None`` picks a town by population.

    Storm tickets are mostly network faults (trees, lines down, whole transformers out) and carry no
    time windows. Ids are ``{id_prefix}-000001`` ... in order of report.
    """
    if n < 0 or radius_km <= 0:
        raise ValueError("need n >= 0 and radius_km > 0")
    rng = random.Random(seed)
    if around is None:
        town = rng.choices(TOWNS, weights=[t.population_k for t in TOWNS])[0]
        around = (town.lat, town.lon)
    if not on_land(*around):
        raise ValueError(f"storm centre {around} is not on land inside the region")
    start = _day_start(day) - timedelta(hours=9)
    rows = []
    for _ in range(n):
        lat, lon = _point_near(rng, around[0], around[1], radius_km / 2, radius_km)
        category = _pick(rng, _STORM_WEIGHTS)
        rows.append(_ticket(rng, category=category, lat=lat, lon=lon, reported_at=_reported_at(rng, start, 9.0),
                            storm=True, windows=False))  # fmt: skip
    _number(rows, id_prefix)
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m dispatch.sample", description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--crews", type=int, default=12)
    parser.add_argument("--date", type=date.fromisoformat, required=True, help="planned date, YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=7, help="dates with shifts, from --date")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--network", action="store_true", help="also write assets.csv, the distribution network")
    parser.add_argument("--storm-trips", type=int, default=0, help="trip this many assets (implies --network)")
    parser.add_argument("--storm-reports", type=int, default=0, help="customers' reports from the tripped assets")
    args = parser.parse_args(argv)
    region = generate_region(n_tickets=args.tickets, n_crews=args.crews, day=args.date, seed=args.seed,
                             shift_days=args.days)  # fmt: skip
    if args.network or args.storm_trips:
        _write_network(region, args.out, trips=args.storm_trips, reports=args.storm_reports)
    counts = {
        "tickets.csv": f"{len(region.tickets)} tickets",
        "crews.csv": f"{len(region.crews)} crews at {len(region.depots)} depots",
        "shifts.csv": f"{len(region.shifts)} shifts",
        "zones.geojson": f"{len(region.zones['features'])} zones",
        "dispatch.toml": "policy",
    }
    for path in region.write(args.out):
        print(f"wrote {path}  ({counts[path.name]})")


def _write_network(region: SampleRegion, out: Path, *, trips: int, reports: int) -> None:
    """assets.csv for the region's tickets; with ``trips``, a storm's reports added to the tickets and its
    ground truth in storm_truth.json (which assets tripped, which report stems from which)."""
    assets = network_rows(region.tickets, seed=region.seed)
    if trips:
        storm = storm_reports(assets, n_reports=reports or 30 * trips, n_trips=trips, day=region.day,
                              seed=region.seed + 1)  # fmt: skip
        region.tickets.extend(storm.reports)
        out.mkdir(parents=True, exist_ok=True)
        truth = {"tripped": storm.tripped, "cause": storm.cause}
        (out / "storm_truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {out / 'storm_truth.json'}  ({len(storm.tripped)} tripped assets, {len(storm.reports)} reports)")
    out.mkdir(parents=True, exist_ok=True)
    print(f"wrote {write_assets(out / 'assets.csv', assets)}  ({len(assets)} assets)")


if __name__ == "__main__":
    main()
