"""The sample region's distribution network, and an opt-in storm that trips some of it.

The network is consistent with the tickets: a ticket's ``transformer_id`` (``GD-<town>-nnnn``) names a
~450 m grid cell around its town, and every such cell is a transformer at the cell's centre. Cells are
grouped 4 x 4 into feeder sections (``SE-<town>-<row>-<col>``), sections into one feeder per quadrant of
the town (``FD-<town>-<q>``, a feeder_section with no parent). Only the sections the given tickets touch
are built, each with all its 16 transformers. Customer counts are drawn from the seed and the asset id
alone, so adding tickets never changes an asset already there.

:func:`storm_reports` is the opt-in storm: it trips some transformers and sections and writes the
customers' reports, with the ground truth of what tripped and realistic noise (a missing or wrong
``transformer_id`` on about 10 % of the reports, and unrelated single faults inside the tripped areas).
Nothing here draws from :func:`dispatch.sample.region.generate_region`'s random stream: its output for a
seed stays as it was.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from dispatch.sample.columns import Row, _write_csv
from dispatch.sample.geography import TOWNS, Town
from dispatch.sample.tickets import _day_start, _reported_at, _ticket

ASSET_COLUMNS = ("asset_id", "kind", "lat", "lon", "parent_id", "customers", "name")
CELL = 0.004  # degrees: the transformer grid of dispatch.sample.tickets._transformer
BLOCK = 4  # cells per feeder section side
_BY_CODE = {t.code: t for t in TOWNS}


def _cell_of(transformer_id: str) -> tuple[Town, int, int] | None:
    """(town, dy, dx) of a generated transformer id, or None for any other id."""
    parts = transformer_id.split("-")
    if len(parts) != 3 or parts[0] != "GD" or parts[1] not in _BY_CODE or not parts[2].isdigit():
        return None
    n = int(parts[2]) - 100
    return _BY_CODE[parts[1]], n // 50 - 25, n % 50 - 25


def _transformer_id(town: Town, dy: int, dx: int) -> str:
    return f"GD-{town.code}-{100 + (dy + 25) * 50 + (dx + 25):04d}"


def _section_id(town: Town, by: int, bx: int) -> str:
    return f"SE-{town.code}-{by + 10:02d}-{bx + 10:02d}"


def _feeder_id(town: Town, by: int, bx: int) -> str:
    return f"FD-{town.code}-{(by >= 0) * 2 + (bx >= 0) + 1}"


def _customers(seed: int, asset_id: str, urban: bool) -> int:
    rng = random.Random(f"{seed}:{asset_id}")
    return rng.randint(60, 220) if urban else rng.randint(30, 140)


def network_rows(tickets: list[Row], *, seed: int) -> list[Row]:
    """assets.csv rows for every section the tickets' transformers lie in (all 16 transformers of each),
    the sections and their feeders, parents before children."""
    blocks: set[tuple[str, int, int]] = set()
    for row in tickets:
        cell = _cell_of(row.get("transformer_id", ""))
        if cell is not None:
            town, dy, dx = cell
            blocks.add((town.code, math.floor(dy / BLOCK), math.floor(dx / BLOCK)))
    transformers: list[Row] = []
    sections: list[Row] = []
    feeders: dict[str, Row] = {}
    for code, by, bx in sorted(blocks):
        town = _BY_CODE[code]
        section = _section_id(town, by, bx)
        feeder = _feeder_id(town, by, bx)
        total = 0
        for i in range(BLOCK * BLOCK):
            dy, dx = by * BLOCK + i // BLOCK, bx * BLOCK + i % BLOCK
            if not (-25 <= dy <= 24 and -25 <= dx <= 24):
                continue
            asset_id = _transformer_id(town, dy, dx)
            customers = _customers(seed, asset_id, town.urban)
            total += customers
            lat, lon = town.lat + (dy + 0.5) * CELL, town.lon + (dx + 0.5) * CELL
            transformers.append(_asset(asset_id, "transformer", lat, lon, section, customers, f"Gardu {asset_id[3:]}"))
        mid = (by * BLOCK + BLOCK / 2, bx * BLOCK + BLOCK / 2)
        sections.append(_asset(section, "feeder_section", town.lat + mid[0] * CELL, town.lon + mid[1] * CELL,
                               feeder, total, f"Seksi {town.name} {section[-5:]}"))  # fmt: skip
        if feeder not in feeders:
            feeders[feeder] = _asset(feeder, "feeder_section", town.lat, town.lon, "", 0, f"Penyulang {town.name}")
        feeders[feeder]["customers"] = str(int(feeders[feeder]["customers"]) + total)
    return [*feeders.values(), *sections, *transformers]


def _asset(asset_id: str, kind: str, lat: float, lon: float, parent: str, customers: int, name: str) -> Row:
    return {"asset_id": asset_id, "kind": kind, "lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "parent_id": parent,
            "customers": str(customers), "name": name}  # fmt: skip


def write_assets(path: Path, assets: list[Row]) -> Path:
    return _write_csv(path, ASSET_COLUMNS, assets)


@dataclass(frozen=True)
class Storm:
    """A storm's reports and its ground truth: the assets that tripped (by id, with their kind) and, per
    report, the tripped asset it stems from (absent for noise: unrelated single faults)."""

    reports: list[Row]
    tripped: dict[str, str]  # asset id -> kind
    cause: dict[str, str]  # ticket id -> tripped asset id


# long function: one pass over the tripped assets in the order the seed draws them; splitting it would make
# each part's draws depend on how many the others took.
def storm_reports(
    assets: list[Row],
    *,
    n_reports: int,
    n_trips: int,
    day: date,
    seed: int,
    section_share: float = 0.3,
    noise: float = 0.1,
    id_prefix: str = "STM",
) -> Storm:
    """About ``n_reports`` customers' reports from ``n_trips`` tripped assets (a ``section_share`` of them
    feeder sections, the rest transformers, none inside another), reported the evening before ``day``.
    Each tripped asset trips at a time between 15:00 and 23:00 and its customers call within minutes (a
    few up to three hours later). ``noise``: the share of reports with a missing (half) or wrong (half)
    transformer_id; as many again are unrelated single faults (meters, lone no-power reports) inside the
    tripped areas, at any time of the evening."""
    rng = random.Random(seed)
    by_id = {a["asset_id"]: a for a in assets}
    children: dict[str, list[str]] = {}
    for a in assets:
        children.setdefault(a["parent_id"], []).append(a["asset_id"])
    sections = sorted(a["asset_id"] for a in assets if a["kind"] == "feeder_section" and a["parent_id"])
    n_sections = min(len(sections), round(n_trips * section_share))
    tripped: dict[str, str] = {s: "feeder_section" for s in rng.sample(sections, n_sections)}
    free = sorted(a["asset_id"] for a in assets if a["kind"] == "transformer" and a["parent_id"] not in tripped)
    for t in rng.sample(free, min(len(free), n_trips - n_sections)):
        tripped[t] = "transformer"
    dark = {t: a for a in tripped for t in ([a] if tripped[a] == "transformer" else children.get(a, []))}
    weights = {t: int(by_id[t]["customers"]) for t in dark}
    # Reports per tripped asset: in proportion to its customers, at least one per tripped asset's transformer.
    start = _day_start(day) - timedelta(hours=9)
    rows: list[Row] = []
    cause: list[str] = []
    total = sum(weights.values()) or 1
    trip_at = {a: start + timedelta(seconds=rng.randrange(8 * 3600)) for a in sorted(tripped)}
    for t in sorted(dark):
        k = max(1, round(n_reports * weights[t] / total * rng.uniform(0.6, 1.4)))
        for _ in range(k):
            # Customers call within minutes of the trip, a few much later.
            delay = timedelta(seconds=round(60 * min(180.0, rng.expovariate(1 / 20))))
            at = min(trip_at[dark[t]] + delay, _day_start(day) - timedelta(minutes=1))  # reported before the plan
            rows.append(_report(rng, by_id[t], at, rng.choice(("no_power",) * 6 + ("partial_power",))))
            cause.append(dark[t])
    names = sorted(by_id)
    for row in rows:
        r = rng.random()
        if r < noise / 2:
            row["transformer_id"] = ""
        elif r < noise:
            row["transformer_id"] = _neighbour(rng, row["transformer_id"], by_id) or rng.choice(names)
    for _ in range(round(len(rows) * noise)):  # unrelated single faults inside the tripped areas
        t = rng.choice(sorted(dark))
        near = _neighbour(rng, t, by_id)
        if rng.random() < 0.5 or near is None or near in dark:
            rows.append(_report(rng, by_id[t], _reported_at(rng, start, 9.0), rng.choice(("meter", "voltage"))))
        else:
            rows.append(_report(rng, by_id[near], _reported_at(rng, start, 9.0), "no_power"))
        cause.append("")
    order = sorted(range(len(rows)), key=lambda i: (rows[i]["reported_at"], rows[i]["lat"], rows[i]["lon"]))
    reports, causes = [], {}
    for k, i in enumerate(order, start=1):
        rows[i]["ticket_id"] = f"{id_prefix}-{day.year}-{k:06d}"
        reports.append(rows[i])
        if cause[i]:
            causes[rows[i]["ticket_id"]] = cause[i]
    return Storm(reports, tripped, causes)


def _report(rng: random.Random, transformer: Row, at: datetime, category: str) -> Row:
    """A customer's report at ``at`` within ~200 m of ``transformer``; the asset job carries the MV skill."""
    lat = float(transformer["lat"]) + rng.uniform(-0.0018, 0.0018)
    lon = float(transformer["lon"]) + rng.uniform(-0.0018, 0.0018)
    row = _ticket(rng, category=category, lat=lat, lon=lon, reported_at=at, storm=True, windows=False)
    row.update(transformer_id=transformer["asset_id"], customers_affected="1", skills="", priority="")
    return row


def _neighbour(rng: random.Random, transformer_id: str, by_id: dict[str, Row]) -> str | None:
    """A transformer of the network in a cell next to ``transformer_id``'s, if any."""
    cell = _cell_of(transformer_id)
    if cell is None:
        return None
    town, dy, dx = cell
    options = [_transformer_id(town, dy + a, dx + b) for a in (-1, 0, 1) for b in (-1, 0, 1) if (a, b) != (0, 0)]
    options = [o for o in options if o in by_id]
    return rng.choice(options) if options else None
