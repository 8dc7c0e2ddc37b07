"""Road travel: duration and distance matrices on a road network, from Valhalla routing tiles.

:class:`RoadTravel` is a travel model beside :class:`~solver.travel.GreatCircleTravel`: it gives one
pair of matrices per vehicle profile (``car`` drives Valhalla's ``auto`` costing, ``motorcycle`` its
``motor_scooter``), so a motorcycle may take lanes a car cannot and a one-way street is short one
way and long the other. Matrices are computed in blocks of sources (each block one request, a
forward Dijkstra from each source to every target), so a 5,000-location region never holds more
than one block's answer besides the result; a :class:`~solver.road_cache.MatrixCache` keeps what
was computed.

Every location must lie within ``max_snap_m`` of a road the vehicle may use, else
:class:`UnsnappableLocations` names each one and how far its nearest road is. A pair with no road
route between them (a closure can cut a village off) gets :data:`UNREACHABLE_S` seconds and
:data:`UNREACHABLE_M` metres, which no shift can fit.

The engine runs in-process (pyvalhalla's ``Actor``); it is opened lazily, once per process.
"""

from __future__ import annotations

import json
import math
import queue
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from solver.closures import Closures
from solver.road_cache import MatrixCache
from solver.road_tiles import RoadNetworkError, RoadTiles
from solver.travel import TravelMatrices

if TYPE_CHECKING:
    from solver.model import Site

LonLat = tuple[float, float]

# Vehicle profile -> Valhalla costing.
COSTINGS: Mapping[str, str] = {"car": "auto", "motorcycle": "motor_scooter"}
UNREACHABLE_S = 7 * 86_400  # a week: no shift fits it
UNREACHABLE_M = 10_000_000
PAIRS_PER_REQUEST = 500_000  # sources per block = this / number of targets
_LOCATE_BLOCK = 1_000
_NO_ROAD_WITHIN_M = 35_000  # Valhalla's default search cutoff: farther roads are not looked for


@dataclass(frozen=True)
class OffRoad:
    """A location that cannot be snapped to a road the vehicle may use."""

    index: int  # position in the list of locations (Site.index for a problem)
    name: str
    lon: float
    lat: float
    nearest_m: float | None  # metres to the nearest such road; None: none within 35 km

    def describe(self, vehicle: str, limit_m: float) -> str:
        what = self.name or f"location {self.index}"
        far = f"{self.nearest_m:,.0f} m" if self.nearest_m is not None else f"more than {_NO_ROAD_WITHIN_M:,} m"
        return (
            f"{what} at ({self.lat:.6f}, {self.lon:.6f}) is {far} from the nearest road "
            f"a {vehicle} can use (limit {limit_m:,.0f} m)"
        )


class UnsnappableLocations(RoadNetworkError):
    """Some locations are too far from any road; ``locations`` lists every one of them."""

    def __init__(self, profile: str, limit_m: float, locations: Sequence[OffRoad]) -> None:
        self.profile = profile
        self.limit_m = limit_m
        self.locations = tuple(locations)
        lines = [loc.describe(profile, limit_m) for loc in self.locations[:10]]
        more = f"; and {len(self.locations) - 10} more" if len(self.locations) > 10 else ""
        super().__init__(f"{len(self.locations)} location(s) off the road network: " + "; ".join(lines) + more)


_ACTORS: dict[tuple[str, int], Any] = {}


def open_engine(tiles: RoadTiles, slot: int = 0) -> Any:
    """The in-process Valhalla engine for ``tiles``: one per tile build, process and ``slot`` (each
    worker thread has its own; the engine releases the GIL while it computes)."""
    key = (f"{tiles.directory}@{tiles.build_id}", slot)  # a rebuild in this process opens the new tiles
    if key not in _ACTORS:
        import valhalla

        try:
            _ACTORS[key] = valhalla.Actor(tiles.config())
        except (RuntimeError, OSError, AttributeError) as exc:
            raise RoadNetworkError(f"{tiles.directory}: cannot open the road tiles: {exc}") from None
    return _ACTORS[key]


@dataclass(frozen=True)
class RoadTravel:
    """Travel on the road network of ``tiles``, one pair of matrices per vehicle profile.

    ``profiles`` are the vehicle profiles to compute (the first is the reference vehicle, which a
    crew without a profile drives); each must be a key of :data:`COSTINGS`. ``closures`` are honoured
    in every matrix and route. ``cache`` (optional) keeps computed matrices across calls and runs.
    ``workers`` threads compute blocks side by side (each with its own engine).
    """

    tiles: RoadTiles
    profiles: tuple[str, ...] = ("car", "motorcycle")
    closures: Closures = field(default_factory=Closures)
    max_snap_m: float = 500.0
    cache: MatrixCache | None = None
    workers: int = 1

    def __post_init__(self) -> None:
        if not self.profiles:
            raise ValueError("road travel needs at least one vehicle profile")
        unknown = [p for p in self.profiles if p not in COSTINGS]
        if unknown:
            raise ValueError(f"unknown vehicle profile(s) {unknown}; known: {sorted(COSTINGS)}")
        if not self.max_snap_m > 0:
            raise ValueError(f"max_snap_m must be > 0, got {self.max_snap_m}")
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")

    # ------------------------------------------------------------------------------------ matrices

    def matrices(self, sites: Sequence[Site]) -> TravelMatrices:
        points = np.array([(s.x, s.y) for s in sites], dtype=np.float64).reshape(-1, 2)
        names = [s.name for s in sites]
        return TravelMatrices.per_profile(
            {profile: self.profile_matrices(points, profile, names) for profile in self.profiles}
        )

    def profile_matrices(self, points: np.ndarray, profile: str, names: Sequence[str] | None = None) -> TravelMatrices:
        """Durations (s) and distances (m) between ``points`` ((n, 2) lon/lat) for one vehicle profile."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        _check_coordinates(points)
        if self.cache is None:
            self.check_snaps(points, profile, names)
            dur, dist = self._compute(points, points, profile)
        else:
            key = self._cache_key(profile)
            new = np.flatnonzero(self.cache.unknown(key, points))  # locations the cache has not checked
            self.check_snaps(points[new], profile, names, indices=new)
            dur, dist = self.cache.matrices(key, points, lambda src, tgt: self._compute(src, tgt, profile))
        return TravelMatrices(durations=dur, distances=dist)

    def between(self, sources: np.ndarray, targets: np.ndarray, profile: str) -> tuple[np.ndarray, np.ndarray]:
        """Durations (s) and distances (m) from each of ``sources`` to each of ``targets`` ((k, 2) lon/lat
        arrays), e.g. from a crew's position to some tickets; not cached. Both sets are snap-checked."""
        sources = np.asarray(sources, dtype=np.float64).reshape(-1, 2)
        targets = np.asarray(targets, dtype=np.float64).reshape(-1, 2)
        _check_coordinates(sources)
        _check_coordinates(targets)
        self.check_snaps(np.concatenate([sources, targets]), profile)
        return self._compute(sources, targets, profile)

    def check_snaps(
        self,
        points: np.ndarray,
        profile: str,
        names: Sequence[str] | None = None,
        *,
        indices: np.ndarray | None = None,
    ) -> None:
        """Raise :class:`UnsnappableLocations` listing every point farther than ``max_snap_m`` from a
        road the profile's vehicle may use. ``indices`` (default: positions in ``points``) number the
        points in the message, and pick their ``names``."""
        if indices is None:
            indices = np.arange(len(points))
        costing = COSTINGS[profile]
        actor = open_engine(self.tiles)
        far: list[int] = []
        for start in range(0, len(points), _LOCATE_BLOCK):
            block = points[start : start + _LOCATE_BLOCK]
            locs = [{"lon": float(x), "lat": float(y), "search_cutoff": self.max_snap_m} for x, y in block]
            answer = _call(actor.locate, {"locations": locs, "costing": costing, "verbose": False})
            far += [start + k for k, loc in enumerate(answer) if not loc.get("edges")]
        if not far:
            return
        # How far is the nearest usable road? Ask again without the cutoff, for those only.
        locs = [{"lon": float(points[i, 0]), "lat": float(points[i, 1])} for i in far]
        answer = _call(actor.locate, {"locations": locs, "costing": costing, "verbose": False})
        off = []
        for i, loc in zip(far, answer, strict=True):
            edges = loc.get("edges") or []
            nearest = min(
                (_metres(points[i, 0], points[i, 1], e["correlated_lon"], e["correlated_lat"]) for e in edges),
                default=None,
            )
            index = int(indices[i])
            name = names[index] if names is not None and index < len(names) else ""
            lon, lat = float(points[i, 0]), float(points[i, 1])
            off.append(OffRoad(index=index, name=name, lon=lon, lat=lat, nearest_m=nearest))
        raise UnsnappableLocations(profile, self.max_snap_m, off)

    def _compute(self, sources: np.ndarray, targets: np.ndarray, profile: str) -> tuple[np.ndarray, np.ndarray]:
        """Matrices from ``sources`` to ``targets`` in blocks of sources; unreachable pairs get the sentinels."""
        n_src, n_tgt = len(sources), len(targets)
        dur = np.empty((n_src, n_tgt), dtype=np.int32)
        dist = np.empty((n_src, n_tgt), dtype=np.int32)
        if n_src == 0 or n_tgt == 0:
            return dur, dist
        tgt = [{"lon": float(x), "lat": float(y)} for x, y in targets]
        # No more sources than targets in a request: Valhalla then searches forward from each source.
        # Its reverse search (many sources, few targets) gave times up to 1,000 s off the route action's
        # on the sample region; the forward one agrees with it to the second (bench/roads.py --check).
        block = max(1, min(n_tgt, PAIRS_PER_REQUEST // n_tgt, math.ceil(n_src / self.workers)))
        base = {"costing": COSTINGS[profile], "verbose": False, "units": "kilometers"}
        base |= self.closures.request_options()
        starts = list(range(0, n_src, block))
        slots = queue.SimpleQueue()  # engines free for a block
        for k in range(min(self.workers, len(starts))):
            slots.put(open_engine(self.tiles, k))

        def one_block(start: int) -> None:
            actor = slots.get()
            try:
                src = [{"lon": float(x), "lat": float(y)} for x, y in sources[start : start + block]]
                answer = _call(actor.matrix, {**base, "sources": src, "targets": tgt})["sources_to_targets"]
            finally:
                slots.put(actor)
            d = np.array(answer["durations"], dtype=object)
            m = np.array(answer["distances"], dtype=object)
            missing = d == None  # noqa: E711 (elementwise on an object array)
            d[missing] = UNREACHABLE_S
            m[missing] = UNREACHABLE_M / 1000
            # A location to itself is no drive, even when a closure leaves its own road unreachable.
            same = (sources[start : start + block, None, :] == targets[None, :, :]).all(axis=2)
            d[same] = 0
            m[same] = 0
            dur[start : start + block] = d.astype(np.float64)
            dist[start : start + block] = np.rint(m.astype(np.float64) * 1000)

        if self.workers == 1 or len(starts) == 1:
            for start in starts:
                one_block(start)
        else:
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                list(pool.map(one_block, starts))  # list(): re-raises a block's error here
        return dur, dist

    def _cache_key(self, profile: str) -> str:
        closures = self.closures.key()
        return f"{self.tiles.build_id[:16]}-{COSTINGS[profile]}" + (f"-{closures}" if closures else "")

    # --------------------------------------------------------------------------------- route shape

    def route_shape(self, stops: Sequence[LonLat], profile: str) -> RouteShape:
        """The road path through ``stops`` (lon, lat) in order, for drawing a route on a map.

        Raises :class:`RoadNetworkError` when some leg has no road route (e.g. cut off by a closure).
        """
        if profile not in COSTINGS:
            raise ValueError(f"unknown vehicle profile {profile!r}; known: {sorted(COSTINGS)}")
        if len(stops) < 2:
            return RouteShape(legs=())
        actor = open_engine(self.tiles)
        legs: list[tuple[LonLat, ...]] = []
        seconds: list[float] = []
        metres: list[float] = []
        for start in range(0, len(stops) - 1, 19):  # 20 locations a request, chained
            chunk = stops[start : start + 20]
            request = {
                "locations": [{"lon": lon, "lat": lat, "type": "break"} for lon, lat in chunk],
                "costing": COSTINGS[profile],
                "directions_type": "none",
                "units": "kilometers",
                **self.closures.request_options(),
            }
            trip = _call(actor.route, request)["trip"]
            for leg in trip["legs"]:
                legs.append(tuple(decode_polyline6(leg["shape"])))
                seconds.append(float(leg["summary"]["time"]))
                metres.append(float(leg["summary"]["length"]) * 1000)
        return RouteShape(legs=tuple(legs), leg_seconds=tuple(seconds), leg_metres=tuple(metres))


@dataclass(frozen=True)
class RouteShape:
    """Road geometry of a route: one polyline (lon, lat) per leg between consecutive stops."""

    legs: tuple[tuple[LonLat, ...], ...]
    leg_seconds: tuple[float, ...] = ()
    leg_metres: tuple[float, ...] = ()

    @property
    def points(self) -> tuple[LonLat, ...]:
        """The whole path as one polyline (legs joined at the stops)."""
        out: list[LonLat] = []
        for leg in self.legs:
            out.extend(leg[1:] if out and leg and out[-1] == leg[0] else leg)
        return tuple(out)


def decode_polyline6(encoded: str) -> list[LonLat]:
    """Decode an encoded polyline of precision 6 (Valhalla's route shape) to (lon, lat) pairs."""
    coords: list[LonLat] = []
    index = lat = lon = 0
    while index < len(encoded):
        for axis in (0, 1):
            shift = result = 0
            while True:
                b = ord(encoded[index]) - 63
                index += 1
                result |= (b & 0x1F) << shift
                shift += 5
                if b < 0x20:
                    break
            delta = ~(result >> 1) if result & 1 else result >> 1
            if axis == 0:
                lat += delta
            else:
                lon += delta
        coords.append((lon / 1e6, lat / 1e6))
    return coords


def _call(method: Any, request: dict[str, Any]) -> Any:
    import valhalla

    try:
        return method(request)
    except valhalla.ValhallaError as exc:
        raise RoadNetworkError(f"the road engine refused a request: {exc}") from None
    except json.JSONDecodeError as exc:
        raise RoadNetworkError(f"the road engine gave an unreadable answer: {exc}") from None


def _check_coordinates(points: np.ndarray) -> None:
    bad = np.flatnonzero(~np.isfinite(points).all(axis=1) | (np.abs(points[:, 0]) > 180) | (np.abs(points[:, 1]) > 90))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"location {i} ({points[i, 0]}, {points[i, 1]}) is not a WGS84 lon/lat")


def _metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_008.8 * math.hypot(x, math.radians(lat2 - lat1))
