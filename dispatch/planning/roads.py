"""Road travel for the product: the policy's road tiles, closures and matrix cache, opened once per process.

With ``travel.engine = "roads"`` the planner, re-plans, ETAs and sheet maps use Valhalla on the tiles
in ``travel.tiles`` (see docs/roads.md); this module is the one place that turns the policy into a
:class:`solver.roads.RoadTravel` and a location that cannot be snapped into an error naming the ticket.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import numpy as np

from dispatch.core.policy import Policy
from solver.closures import Closures
from solver.road_cache import MatrixCache
from solver.road_tiles import RoadNetworkError, RoadTiles, build_tiles, open_tiles
from solver.roads import RoadTravel, UnsnappableLocations
from solver.travel import TravelMatrices

# Vehicle kinds in the order their matrices are listed (the first is the solver's reference vehicle).
VEHICLES = ("car", "motorcycle")

_LOCK = threading.Lock()
_CACHES: dict[str, MatrixCache] = {}
_CLOSURES: dict[tuple[str, int, int], Closures] = {}


class RoadsError(ValueError):
    """The road network cannot be used as the policy says: no tiles, a bad closures file, or
    locations too far from any road (``problems``: one sentence per ticket or depot)."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems) or [message]


def build_road_tiles(
    extract: Path | str, directory: Path | str, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> tuple[RoadTiles, bool]:
    """Build the road tiles of an ``.osm.pbf`` extract (skipped when the extract is unchanged since the
    last build); returns the tiles and whether a build ran."""
    try:
        return build_tiles(extract, directory, force=force, progress=progress)
    except RoadNetworkError as exc:
        raise RoadsError(str(exc)) from None


def profiles_for(vehicles: Sequence[str]) -> tuple[str, ...]:
    """The road profiles to compute for crews driving ``vehicles``: car first (the reference vehicle)."""
    used = set(vehicles) | {"car"}
    return tuple(v for v in VEHICLES if v in used)


def road_travel(policy: Policy, profiles: Sequence[str] = ("car",)) -> RoadTravel:
    """The policy's road travel model for ``profiles``: its tiles, closures and matrix cache."""
    travel = policy.travel
    try:
        tiles = open_tiles(travel.tiles)
    except RoadNetworkError as exc:
        raise RoadsError(
            f"policy travel.tiles: {exc}; build them with: dispatch roads build EXTRACT.osm.pbf --tiles {travel.tiles}"
        ) from None
    return RoadTravel(
        tiles,
        profiles=tuple(profiles),
        closures=_closures(travel.closures),
        max_snap_m=travel.max_snap_m,
        cache=_cache(travel.cache),
        workers=travel.workers,
    )


def road_matrices(
    coords: Sequence[tuple[float, float]],
    names: Sequence[str],
    policy: Policy,
    profiles: Sequence[str],
    *,
    start_only: Collection[int] = (),
) -> TravelMatrices:
    """Road durations and distances between ``coords`` (lon, lat), one pair per profile in ``profiles``.

    ``names`` name each location in an error (a ticket id, or "C1 depot"). ``start_only`` locations
    (crews' positions in a re-plan: new places each time, only ever left) get their rows by one
    search each, outside the cache: adding a place to a cached matrix costs a search from every
    known place (its column), which nobody drives here; their columns mirror their rows."""
    points = np.array(coords, dtype=np.float64).reshape(-1, 2)
    model = road_travel(policy, profiles)
    try:
        return TravelMatrices.per_profile(
            {profile: _profile_matrices(model, points, profile, names, start_only) for profile in model.profiles}
        )
    except UnsnappableLocations as exc:
        raise off_road_error(exc) from None
    except RoadNetworkError as exc:
        raise RoadsError(str(exc)) from None


def _profile_matrices(
    model: RoadTravel, points: np.ndarray, profile: str, names: Sequence[str], start_only: Collection[int]
) -> TravelMatrices:
    starts = sorted(start_only)
    if not starts:
        return model.profile_matrices(points, profile, list(names))
    rest = [i for i in range(len(points)) if i not in start_only]
    model.check_snaps(points[starts], profile, list(names), indices=np.array(starts))
    known = model.profile_matrices(points[rest], profile, [names[i] for i in rest])
    rows = model.between(points[starts], points[rest], profile) if rest else None
    out = []
    for k, part in enumerate((known.durations, known.distances)):
        # Columns nobody drives take the rows' values (a week-long sentinel would inflate the solver's
        # penalties, which scale with the longest leg).
        full = np.zeros((len(points), len(points)), dtype=np.int32)
        full[np.ix_(rest, rest)] = part
        if rows is not None:
            full[np.ix_(starts, rest)] = rows[k]
            full[np.ix_(rest, starts)] = rows[k].T
        out.append(full)
    return TravelMatrices(durations=out[0], distances=out[1])


def off_road_error(exc: UnsnappableLocations) -> RoadsError:
    """One sentence per location off the roads: which ticket (or crew depot), where, how far the road is."""
    problems = []
    for loc in exc.locations:
        what = loc.name or f"location {loc.index}"
        what = f"crew {what}" if what.endswith((" depot", " end")) else f"ticket {what}"
        far = f"{loc.nearest_m:,.0f} m" if loc.nearest_m is not None else "more than 35 km"
        problems.append(
            f"{what} at {loc.lat:.6f}, {loc.lon:.6f} is {far} from the nearest road a {exc.profile} can use "
            f"(travel.max_snap_m {exc.limit_m:,.0f} m): correct its location or raise the limit"
        )
    return RoadsError(f"{len(problems)} location(s) off the road network: " + "; ".join(problems[:5]), problems)


def road_seconds(a: tuple[float, float], b: tuple[float, float], *, vehicle: str, policy: Policy) -> tuple[int, int]:
    """Seconds and metres to drive from ``a`` to ``b`` (lat, lon) on the roads in a ``vehicle`` (one
    search, not cached: a crew's position is a new place each time)."""
    profile = vehicle if vehicle in VEHICLES else "car"
    model = road_travel(policy, (profile,))
    try:
        dur, dist = model.between(np.array([[a[1], a[0]]]), np.array([[b[1], b[0]]]), profile)
    except UnsnappableLocations as exc:
        raise off_road_error(exc) from None
    except RoadNetworkError as exc:
        raise RoadsError(str(exc)) from None
    return int(dur[0, 0]), int(dist[0, 0])


def road_path(stops: Sequence[tuple[float, float]], *, vehicle: str, policy: Policy) -> list[list[tuple[float, float]]]:
    """The road path of each leg between consecutive ``stops`` (lat, lon), as (lat, lon) polylines, for maps."""
    profile = vehicle if vehicle in VEHICLES else "car"
    model = road_travel(policy, (profile,))
    try:
        shape = model.route_shape([(lon, lat) for lat, lon in stops], profile)
    except RoadNetworkError as exc:
        raise RoadsError(str(exc)) from None
    return [[(lat, lon) for lon, lat in leg] for leg in shape.legs]


def matrix_cache(policy: Policy) -> MatrixCache:
    """The road matrix cache the policy's plans use in this process (its ``stats`` say what was computed)."""
    return _cache(policy.travel.cache)


def _cache(folder: str) -> MatrixCache:
    """One matrix cache per folder and process ("" : in memory only)."""
    key = str(Path(folder).resolve()) if folder else ""
    with _LOCK:
        if key not in _CACHES:
            _CACHES[key] = MatrixCache(directory=Path(key) if key else None)
        return _CACHES[key]


def _closures(path: str) -> Closures:
    """The closures file (re-read when it changes); no file: nothing closed."""
    if not path:
        return Closures()
    file = Path(path)
    try:
        st = file.stat()
    except OSError as exc:
        raise RoadsError(f"policy travel.closures: {path}: cannot read the closures file: {exc.strerror}") from None
    key = (str(file.resolve()), st.st_mtime_ns, st.st_size)
    with _LOCK:
        if key not in _CLOSURES:
            try:
                _CLOSURES[key] = Closures.from_geojson(file)
            except (ValueError, OSError) as exc:
                raise RoadsError(f"policy travel.closures: {exc}") from None
        return _CLOSURES[key]
