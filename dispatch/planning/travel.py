"""Travel between the plan's sites: great-circle road estimate (or the road network when the policy
says ``travel.engine = "roads"``), slowed in slow zones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

import solver
from dispatch.core.domain import Zone
from dispatch.core.policy import Policy
from dispatch.core.zones import ZoneIndex
from dispatch.planning.roads import road_matrices, road_seconds
from solver.travel import GreatCircleTravel, MatrixTravel, TravelMatrices


def travel_matrices(
    sites: list[tuple[float, float]],
    zones: Sequence[Zone],
    policy: Policy,
    *,
    names: Sequence[str] = (),
    profiles: Sequence[str] = ("car",),
    start_only: Collection[int] = (),
) -> TravelMatrices:
    """Travel between ``sites`` (lon, lat).

    Great-circle (the default): road estimate at the car's speed, legs touching slow zones slowed.
    Half of a leg is driven at each end's speed (its zone's ``speed_kmh`` if slower): a simple,
    vectorised stand-in for congested town centres. Roads (``travel.engine = "roads"``): Valhalla's
    matrices, one pair per vehicle profile in ``profiles``; slow zones cap them only when
    ``travel.zone_speeds_on_roads``. ``names`` name the sites in an error (a ticket id, "C1 depot").
    No ``profiles``: nobody drives (a part without crews), so no road network is asked.
    ``start_only``: sites only ever left (crews' positions in a re-plan); on roads only their rows
    are computed (one search each), not cached, and their columns are not driven.
    """
    if policy.travel.on_roads and profiles:
        names = list(names) or [f"location {i}" for i in range(len(sites))]
        matrices = road_matrices(sites, names, policy, profiles, start_only=start_only)
        if not policy.travel.zone_speeds_on_roads:
            return matrices
        return TravelMatrices.per_profile({p: _slowed(sites, zones, policy, m) for p, m in matrices.by_profile.items()})
    base = GreatCircleTravel(circuity=policy.travel.circuity, speed_kmh=policy.travel.car_speed_kmh)
    stub_sites = [solver.Site(index=i, x=lon, y=lat) for i, (lon, lat) in enumerate(sites)]
    return _slowed(sites, zones, policy, base.matrices(stub_sites))


def _slowed(
    sites: list[tuple[float, float]], zones: Sequence[Zone], policy: Policy, matrices: TravelMatrices
) -> TravelMatrices:
    """``matrices`` with legs touching slow zones driven no faster than those zones allow."""
    slow = [z for z in zones if z.speed_kmh and z.speed_kmh < policy.travel.car_speed_kmh]
    if not slow:
        return matrices
    index = ZoneIndex(slow)
    speed = np.full(len(sites), policy.travel.car_speed_kmh / 3.6)
    for i, (lon, lat) in enumerate(sites):
        here = index.at(lon, lat)
        if here:
            speed[i] = min(z.speed_kmh for z in here) / 3.6  # type: ignore[type-var]
    dist = matrices.distances.astype(np.float64)
    durations = np.ceil(dist / 2 / speed[:, None] + dist / 2 / speed[None, :]).astype(np.int32)
    if policy.travel.on_roads:  # a cap on the road's own times, never faster than them
        durations = np.maximum(durations, matrices.durations).astype(np.int32)
    stub_sites = [solver.Site(index=i, x=lon, y=lat) for i, (lon, lat) in enumerate(sites)]
    return MatrixTravel(durations=durations, distances=matrices.distances).matrices(stub_sites)


@dataclass(frozen=True)
class MatrixFromCoords:
    coords: list[tuple[float, float]]
    zones: Sequence[Zone]
    day: dt.date
    policy: Policy
    names: Sequence[str] = ()
    profiles: Sequence[str] = ("car",)
    start_only: Collection[int] = ()

    def matrices(self, sites: Sequence[solver.Site]) -> TravelMatrices:
        zones = [z for z in self.zones if z.valid_on(self.day)]
        return travel_matrices(
            self.coords, zones, self.policy, names=self.names, profiles=self.profiles, start_only=self.start_only
        )


def drive_seconds(
    a: tuple[float, float],
    b: tuple[float, float],
    *,
    speed: float,
    zones: Sequence[Zone],
    policy: Policy,
    vehicle: str = "car",
) -> int:
    """Seconds to drive from ``a`` to ``b`` (lat, lon) at ``speed`` times a car's, as the plan's matrices
    say; on roads, the ``vehicle``'s road time (a slow zone caps it if the policy says so)."""
    if policy.travel.on_roads:
        seconds, metres = road_seconds(a, b, vehicle=vehicle, policy=policy)
        if not policy.travel.zone_speeds_on_roads:
            return seconds
        leg = TravelMatrices(durations=np.array([[0, seconds], [0, 0]]), distances=np.array([[0, metres], [0, 0]]))
        return int(_slowed([(a[1], a[0]), (b[1], b[0])], zones, policy, leg).durations[0, 1])
    return int(travel_matrices([(a[1], a[0]), (b[1], b[0])], zones, policy).durations_for(speed)[0, 1])
