"""Travel between the plan's sites: great-circle road estimate, slowed in slow zones."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

import solver
from dispatch.core.domain import Zone
from dispatch.core.policy import Policy
from dispatch.core.zones import ZoneIndex
from solver.travel import GreatCircleTravel, MatrixTravel, TravelMatrices


def travel_matrices(sites: list[tuple[float, float]], zones: Sequence[Zone], policy: Policy) -> TravelMatrices:
    """Great-circle road estimate at the car's speed; legs touching slow zones are slowed.

    Half of a leg is driven at each end's speed (its zone's ``speed_kmh`` if slower): a simple,
    vectorised stand-in for congested town centres until a road network is available.
    """
    base = GreatCircleTravel(circuity=policy.travel.circuity, speed_kmh=policy.travel.car_speed_kmh)
    stub_sites = [solver.Site(index=i, x=lon, y=lat) for i, (lon, lat) in enumerate(sites)]
    matrices = base.matrices(stub_sites)
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
    return MatrixTravel(durations=durations, distances=matrices.distances).matrices(stub_sites)


@dataclass(frozen=True)
class MatrixFromCoords:
    coords: list[tuple[float, float]]
    zones: Sequence[Zone]
    day: dt.date
    policy: Policy

    def matrices(self, sites: Sequence[solver.Site]) -> TravelMatrices:
        return travel_matrices(self.coords, [z for z in self.zones if z.valid_on(self.day)], self.policy)


def drive_seconds(
    a: tuple[float, float], b: tuple[float, float], *, speed: float, zones: Sequence[Zone], policy: Policy
) -> int:
    """Seconds to drive from ``a`` to ``b`` (lat, lon) at ``speed`` times a car's, as the plan's matrices say."""
    return int(travel_matrices([(a[1], a[0]), (b[1], b[0])], zones, policy).durations_for(speed)[0, 1])
