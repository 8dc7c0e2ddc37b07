"""Travel models: integer duration (s) and distance (m) matrices between sites.

The matrices are computed once per problem with numpy; geopy stays the reference for
single distances (the tests compare the two).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from solver.model import Site

EARTH_RADIUS_M = 6_371_008.8  # mean radius, as geopy's great_circle uses
_ROW_BLOCK = 512  # rows per chunk: bounds temporaries to ~block x n floats


@dataclass(frozen=True)
class TravelMatrices:
    """Travel durations (at speed factor 1) and distances, indexed by ``Site.index``.

    Most models give one pair of matrices that every vehicle drives on, a crew's ``speed_factor``
    scaling the durations. A road network gives one pair per vehicle profile (a motorcycle takes
    lanes a car cannot): ``by_profile`` maps each profile (``"car"``, ``"motorcycle"``) to its own
    matrices, and ``durations``/``distances`` are then the first profile's, the reference vehicle
    that a crew without a profile drives. Build that form with :meth:`per_profile`.
    """

    durations: np.ndarray
    distances: np.ndarray
    by_profile: Mapping[str, TravelMatrices] = field(default_factory=dict)
    _scaled: dict[float, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        shape = np.shape(self.durations)
        if np.shape(self.distances) != shape:
            raise ValueError(f"durations are {shape}, distances {np.shape(self.distances)}")
        for name, m in self.by_profile.items():
            if m.by_profile:
                raise ValueError(f"profile {name!r}: per-profile matrices cannot nest")
            if np.shape(m.durations) != shape:
                raise ValueError(f"profile {name!r}: matrices are {np.shape(m.durations)}, expected {shape}")

    @classmethod
    def per_profile(cls, matrices: Mapping[str, TravelMatrices]) -> TravelMatrices:
        """One pair of matrices per vehicle profile; the first profile is the reference vehicle."""
        if not matrices:
            raise ValueError("per-profile travel needs at least one profile")
        first = next(iter(matrices.values()))
        return cls(durations=first.durations, distances=first.distances, by_profile=dict(matrices))

    @property
    def profiles(self) -> tuple[str, ...]:
        """The vehicle profiles with their own matrices; empty when every vehicle shares one pair."""
        return tuple(self.by_profile)

    def for_profile(self, profile: str | None) -> TravelMatrices:
        """The matrices a vehicle of ``profile`` drives on (the shared ones if there is no per-profile travel)."""
        if not self.by_profile or profile is None:
            return self
        try:
            return self.by_profile[profile]
        except KeyError:
            raise ValueError(
                f"no travel matrices for vehicle profile {profile!r}; the travel model has {sorted(self.by_profile)}"
            ) from None

    def max_duration(self) -> int:
        """The longest reference leg over every profile (0 without sites)."""
        mats = list(self.by_profile.values()) or [self]
        return max((int(m.durations.max()) for m in mats if m.durations.size), default=0)

    def max_distance(self) -> int:
        mats = list(self.by_profile.values()) or [self]
        return max((int(m.distances.max()) for m in mats if m.distances.size), default=0)

    def durations_for(self, speed_factor: float, profile: str | None = None) -> np.ndarray:
        """Durations for a vehicle ``speed_factor`` times as fast as the reference (rounded up)."""
        m = self.for_profile(profile)
        if speed_factor == 1.0:
            return m.durations
        if speed_factor not in m._scaled:
            m._scaled[speed_factor] = np.ceil(m.durations / speed_factor).astype(m.durations.dtype)
        return m._scaled[speed_factor]

    def duration_for(self, speed_factor: float, a: int, b: int, profile: str | None = None) -> int:
        m = self.for_profile(profile)
        if speed_factor == 1.0:
            return int(m.durations[a, b])
        return math.ceil(int(m.durations[a, b]) / speed_factor)

    def distance_for(self, a: int, b: int, profile: str | None = None) -> int:
        return int(self.for_profile(profile).distances[a, b])


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
    """Explicit matrices (from a road-network engine, or a test).

    ``by_profile`` gives one ``(durations, distances)`` pair per vehicle profile; ``durations`` and
    ``distances`` are then ignored and may be left empty (use :meth:`per_profile`).
    """

    durations: np.ndarray | Sequence[Sequence[int]]
    distances: np.ndarray | Sequence[Sequence[int]]
    by_profile: Mapping[str, tuple[np.ndarray | Sequence[Sequence[int]], np.ndarray | Sequence[Sequence[int]]]] = field(
        default_factory=dict
    )

    @classmethod
    def per_profile(
        cls, matrices: Mapping[str, tuple[np.ndarray | Sequence[Sequence[int]], np.ndarray | Sequence[Sequence[int]]]]
    ) -> MatrixTravel:
        return cls(durations=(), distances=(), by_profile=dict(matrices))

    def matrices(self, sites: Sequence[Site]) -> TravelMatrices:
        if self.by_profile:
            return TravelMatrices.per_profile(
                {name: _explicit(dur, dist, len(sites), name) for name, (dur, dist) in self.by_profile.items()}
            )
        return _explicit(self.durations, self.distances, len(sites), None)


def _explicit(durations: object, distances: object, n: int, profile: str | None) -> TravelMatrices:
    dur = np.asarray(durations, dtype=np.int64)
    dist = np.asarray(distances, dtype=np.int64)
    what = "explicit matrices" if profile is None else f"explicit matrices of profile {profile!r}"
    if dur.shape != (n, n) or dist.shape != (n, n):
        raise ValueError(f"{what} must be {n}x{n}, got {dur.shape} and {dist.shape}")
    if (dur < 0).any() or (dist < 0).any():
        raise ValueError(f"{what} must not hold negative values")
    return TravelMatrices(durations=dur, distances=dist)
