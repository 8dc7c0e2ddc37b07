"""Travel models: integer duration (s) and distance (m) matrices between sites.

The matrices are computed once per problem with numpy; geopy stays the reference for
single distances (the tests compare the two).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from solver.model import Site

EARTH_RADIUS_M = 6_371_008.8  # mean radius, as geopy's great_circle uses
_ROW_BLOCK = 512  # rows per chunk: bounds temporaries to ~block x n floats


@dataclass(frozen=True)
class TravelMatrices:
    """Reference travel durations (speed factor 1) and distances, indexed by ``Site.index``."""

    durations: np.ndarray
    distances: np.ndarray
    _scaled: dict[float, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def durations_for(self, speed_factor: float) -> np.ndarray:
        """Durations for a vehicle ``speed_factor`` times as fast as the reference (rounded up)."""
        if speed_factor == 1.0:
            return self.durations
        if speed_factor not in self._scaled:
            self._scaled[speed_factor] = np.ceil(self.durations / speed_factor).astype(self.durations.dtype)
        return self._scaled[speed_factor]

    def duration_for(self, speed_factor: float, a: int, b: int) -> int:
        if speed_factor == 1.0:
            return int(self.durations[a, b])
        return math.ceil(int(self.durations[a, b]) / speed_factor)


class TravelModel(Protocol):
    def matrices(self, sites: Sequence[Site]) -> TravelMatrices: ...


def great_circle_m(lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray) -> np.ndarray:
    """Haversine distance in metres, vectorised; arguments in degrees, broadcastable."""
    phi1, phi2 = np.radians(lat1), np.radians(lat2)
    dphi = phi2 - phi1
    dlmb = np.radians(lon2) - np.radians(lon1)
    h = np.sin(dphi / 2) ** 2 + np.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.minimum(h, 1.0)))


@dataclass(frozen=True)
class GreatCircleTravel:
    """Road travel estimated from great-circle distance.

    ``circuity`` is the ratio of road to straight-line distance (1.3-1.4 is typical for
    Javanese towns); ``speed_kmh`` the reference vehicle's mean speed door to door.
    Sites carry ``x = lon`` and ``y = lat``.
    """

    circuity: float = 1.35
    speed_kmh: float = 30.0

    def __post_init__(self) -> None:
        if self.circuity < 1.0:
            raise ValueError(f"circuity must be >= 1, got {self.circuity}")
        if self.speed_kmh <= 0:
            raise ValueError(f"speed_kmh must be > 0, got {self.speed_kmh}")

    def matrices(self, sites: Sequence[Site]) -> TravelMatrices:
        lon = np.fromiter((s.x for s in sites), dtype=np.float64, count=len(sites))
        lat = np.fromiter((s.y for s in sites), dtype=np.float64, count=len(sites))
        if np.any(np.abs(lat) > 90) or np.any(np.abs(lon) > 180):
            raise ValueError("site coordinates are not WGS84 lon/lat")
        n = len(sites)
        dist = np.empty((n, n), dtype=np.int32)
        dur = np.empty((n, n), dtype=np.int32)
        metres_per_s = self.speed_kmh / 3.6
        for r in range(0, n, _ROW_BLOCK):
            block = great_circle_m(lon[r : r + _ROW_BLOCK, None], lat[r : r + _ROW_BLOCK, None], lon, lat)
            block *= self.circuity
            np.rint(block, out=block)
            dist[r : r + _ROW_BLOCK] = block
            np.ceil(block / metres_per_s, out=block)
            dur[r : r + _ROW_BLOCK] = block
        return TravelMatrices(durations=dur, distances=dist)


@dataclass(frozen=True)
class EuclideanTravel:
    """Plane coordinates, as in Solomon's VRPTW instances: travel time equals distance.

    ``scale`` multiplies both, so that integer arithmetic keeps ``log10(scale)`` decimals.
    Durations round up, so that a schedule feasible in integers is feasible in reals.
    """

    scale: int = 1

    def matrices(self, sites: Sequence[Site]) -> TravelMatrices:
        xy = np.array([(s.x, s.y) for s in sites], dtype=np.float64).reshape(-1, 2)
        d = np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1]) * self.scale
        return TravelMatrices(durations=np.ceil(d - 1e-9).astype(np.int64), distances=np.rint(d).astype(np.int64))


@dataclass(frozen=True)
class MatrixTravel:
    """Explicit matrices (from a road-network engine, or a test)."""

    durations: np.ndarray
    distances: np.ndarray

    def matrices(self, sites: Sequence[Site]) -> TravelMatrices:
        dur = np.asarray(self.durations, dtype=np.int64)
        dist = np.asarray(self.distances, dtype=np.int64)
        n = len(sites)
        if dur.shape != (n, n) or dist.shape != (n, n):
            raise ValueError(f"explicit matrices must be {n}x{n}, got {dur.shape} and {dist.shape}")
        if (dur < 0).any() or (dist < 0).any():
            raise ValueError("explicit matrices must not hold negative values")
        return TravelMatrices(durations=dur, distances=dist)
