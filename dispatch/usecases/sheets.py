"""Route sheets of a plan: the tickets, crews and zones they need, read once, and the files written."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from sqlmodel import Session

from dispatch.core.plan import Plan
from dispatch.core.policy import Policy
from dispatch.planning.roads import road_path
from dispatch.runtime.files import StagedFolder
from dispatch.store.models.crews import load_crews
from dispatch.store.models.tickets import tickets_by_id
from dispatch.store.models.zones import load_zones


def write_plan_sheets(
    session: Session,
    *,
    plan: Plan,
    policy: Policy,
    out: Path,
    lang: str,
    crew: str | None = None,
    crews: Sequence[str] | None = None,
) -> list[Path]:
    """Write the route sheets of ``plan`` into ``out``: every crew's and the index, or only ``crew``'s, or
    only those of ``crews``; returns the files. They are written into a temporary folder and moved into
    ``out`` together, so a failure (``OutputError``, ``SheetError``) leaves ``out`` as it was. A full
    run removes the sheets another crew kept from an earlier plan in ``out`` (a crew not dispatched in this
    plan must not be handed yesterday's route)."""
    # The PDF, map and QR libraries load only when sheets are written, not with every command.
    from dispatch.io.sheets import write_sheets

    if crews is not None and not crews:
        return []
    targets: list[str | None] = [crew] if crew is not None else list(crews) if crews is not None else [None]
    ids = [*plan.served_ticket_ids(), *(u.ticket_id for u in plan.unassigned)]
    tickets = {tid: row.to_domain() for tid, row in tickets_by_id(session, ids=ids).items()}
    every_crew = {c.crew_id: c for c in load_crews(session)}
    zones = load_zones(session, day=plan.date)
    paths = road_paths(plan, policy, crews=[t for t in targets if t is not None] or None)
    with StagedFolder(out) as stage:
        files: list[Path] = []
        for target in targets:
            files += write_sheets(
                plan=plan,
                tickets=tickets,
                crews=every_crew,
                zones=zones,
                policy=policy,
                out_dir=stage.path,
                lang=lang,
                crew_id=target,
                road_paths=paths,
            )
        if targets == [None]:
            stage.retire(_stale_sheets(out, crew_ids=every_crew, written=files))
    return stage.final(files)


SHEET_SUFFIXES = (".pdf", ".html", ".csv", ".geojson")


def _stale_sheets(out: Path, *, crew_ids: Iterable[str], written: Sequence[Path]) -> list[str]:
    """Names of crew sheets in ``out`` that this run did not write: another plan's crews."""
    fresh = {Path(f).name for f in written}
    names = (f"{crew_id}{suffix}" for crew_id in crew_ids for suffix in SHEET_SUFFIXES)
    return [name for name in names if name not in fresh and (out / name).is_file()]


def road_paths(
    plan: Plan, policy: Policy, *, crews: Sequence[str] | None = None
) -> dict[str, list[tuple[float, float]]] | None:
    """Each route's path along the roads (Valhalla's route shape through its stops, for the crew's
    vehicle), when the policy plans on roads; None otherwise (maps draw straight lines)."""
    if not policy.travel.on_roads:
        return None
    out: dict[str, list[tuple[float, float]]] = {}
    for route in plan.routes:
        if crews is not None and route.crew_id not in crews:
            continue
        stops = [(s.lat, s.lon) for s in route.steps]
        stops = [p for i, p in enumerate(stops) if i == 0 or p != stops[i - 1]]
        if len(stops) < 2:
            continue
        path: list[tuple[float, float]] = [stops[0]]
        legs = road_path(stops, vehicle=route.vehicle, policy=policy)
        for leg, end in zip(legs, stops[1:], strict=True):
            path += [*leg, end]  # from the door to the road, along it, to the next door
        out[route.crew_id] = path
    return out
