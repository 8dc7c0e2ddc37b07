"""Synthetic road networks written as OpenStreetMap extracts (``.osm.pbf``), for Valhalla to route on.

Two uses: tiny hand-checkable networks for the tests (a river with one bridge, a one-way street, a
motorcycle-only lane), and a region-sized network around a sample region's towns: a local street
grid around every town (denser in urban cores, with motorcycle-only alleys between the car streets),
arterials between towns, a river that only a few bridges cross, and a one-way street in the biggest
town. Every way is tagged ``source=synthetic`` and the file header says so: it is not a map of any
real place, and a user points the policy at a real extract instead.

The module knows nothing of ``dispatch``: a region is given as :class:`Place` values (the sample
generator passes its towns). Nothing here downloads anything.

    python -m data.roads_synth --places places.json --out region.osm.pbf
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

LonLat = tuple[float, float]

SOURCE_TAG = "synthetic"  # the value of ``source`` on every way
GENERATOR = "crew-dispatch data.roads_synth (synthetic road network, not a map)"

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON_EQ = 111_320.0

# Tags of the kinds of road the generator lays (Valhalla reads highway/oneway/access tags, and takes
# maxspeed as the speed on the road). Speeds are those of busy West Javanese roads, not free-flow
# ones: Valhalla's defaults (70-80 km/h on a rural primary) would make every drive too short.
ARTERIAL_PRIMARY = {"highway": "primary", "maxspeed": "50"}
ARTERIAL_SECONDARY = {"highway": "secondary", "maxspeed": "40"}
STREET = {"highway": "residential", "maxspeed": "30"}
RURAL_STREET = {"highway": "unclassified", "maxspeed": "30"}
# A "gang": a lane between houses that motorcycles use and cars cannot enter.
MOTORCYCLE_LANE = {
    "highway": "service", "service": "alley", "motorcar": "no", "motorcycle": "yes", "moped": "yes", "maxspeed": "20",
}  # fmt: skip


# --------------------------------------------------------------------------------------------- builder


@dataclass
class OsmNetwork:
    """Nodes and ways, built from coordinates: ways that share a coordinate share a node (a junction).

    Coordinates are rounded to 1e-7 degrees (OSM's own precision), so a junction is two ways passing
    through the same rounded point; crossing lines without a shared point do not meet (a flyover).
    """

    nodes: dict[tuple[int, int], int] = field(default_factory=dict)  # rounded (lon, lat) -> node id
    ways: list[tuple[list[int], dict[str, str]]] = field(default_factory=list)

    def node(self, lon: float, lat: float) -> int:
        key = (round(lon * 1e7), round(lat * 1e7))
        if key not in self.nodes:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(f"({lon}, {lat}) is not a WGS84 lon/lat")
            self.nodes[key] = len(self.nodes) + 1
        return self.nodes[key]

    def add_way(self, points: Sequence[LonLat], tags: dict[str, str]) -> int:
        """A way through ``points`` (lon, lat); returns its OSM id (1-based, in order of addition)."""
        if len(points) < 2:
            raise ValueError(f"a way needs at least two points, got {len(points)}")
        if "highway" not in tags:
            raise ValueError(f"a road needs a highway tag, got {tags}")
        ids = [self.node(lon, lat) for lon, lat in points]
        if any(a == b for a, b in zip(ids, ids[1:], strict=False)):
            raise ValueError(f"a way repeats a point: {points}")
        self.ways.append((ids, {**tags, "source": SOURCE_TAG}))
        return len(self.ways)

    def write_pbf(self, path: Path) -> Path:
        """Write the network as an ``.osm.pbf`` extract (replacing ``path``)."""
        import osmium  # pyosmium: only needed to write

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.osm.pbf")
        tmp.unlink(missing_ok=True)
        header = osmium.io.Header()
        header.set("generator", GENERATOR)
        writer = osmium.SimpleWriter(str(tmp), header=header)
        try:
            for (lon7, lat7), node_id in sorted(self.nodes.items(), key=lambda kv: kv[1]):
                writer.add_node(osmium.osm.mutable.Node(id=node_id, location=(lon7 / 1e7, lat7 / 1e7), version=1))
            for way_id, (ids, tags) in enumerate(self.ways, start=1):
                writer.add_way(osmium.osm.mutable.Way(id=way_id, nodes=ids, tags=tags, version=1))
        finally:
            writer.close()
        tmp.replace(path)
        return path


# ---------------------------------------------------------------------------------------------- region


@dataclass(frozen=True)
class Place:
    """A town: a local street grid is laid within ``radius_km`` of its centre."""

    name: str
    lat: float
    lon: float
    radius_km: float
    urban: bool = False  # an urban core (half the radius) gets motorcycle lanes between its streets


@dataclass(frozen=True)
class River:
    """A river as a polyline (lon, lat); only arterials and a few local streets cross it, on bridges."""

    name: str
    points: tuple[LonLat, ...]
    local_bridge_every_km: float = 6.0


# A synthetic river for the Cirebon sample region (not a real one): from the hills south-west of
# Sumber, between Sumber/Plered and Talun, through the west of Kota Cirebon (between Kedawung and
# Kesambi) to the sea north of Gunungjati. It cuts the city's street grid, so homes on opposite banks
# are far apart by road.
SAMPLE_RIVER = River(
    name="Sungai Sintetis",
    points=(
        (108.30, -7.00), (108.42, -6.86), (108.50, -6.78), (108.530, -6.745), (108.537, -6.720),
        (108.541, -6.700), (108.548, -6.680), (108.560, -6.655),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class RegionSpec:
    places: tuple[Place, ...]
    rivers: tuple[River, ...] = ()
    spacing_m: float = 400.0  # between car streets; motorcycle lanes halve it in urban cores
    neighbours: int = 3  # arterials from each town to its nearest towns (plus a spanning tree)
    on_land: Callable[[float, float], bool] | None = None  # (lat, lon) -> bool; streets only on land


def region_network(spec: RegionSpec) -> OsmNetwork:
    """The synthetic road network of a region (deterministic for a spec)."""
    if not spec.places:
        raise ValueError("a region needs at least one place")
    lat0 = min(p.lat for p in spec.places)
    lon0 = min(p.lon for p in spec.places)
    mid_lat = sum(p.lat for p in spec.places) / len(spec.places)
    step = spec.spacing_m / 2  # the lattice is at half spacing; car streets use every other line
    dlat = step / _M_PER_DEG_LAT
    dlon = step / (_M_PER_DEG_LON_EQ * math.cos(math.radians(mid_lat)))
    grid = _Lattice(lat0, lon0, dlat, dlon)
    active, urban = grid.cover(spec.places, spec.on_land)
    edges = dict(_lattice_edges(active, urban))
    crossings = _river_crossings(grid, edges, spec.rivers)
    _connect(edges, crossings, [grid.centre(p.lat, p.lon) for p in spec.places])
    net = OsmNetwork()
    _lay_streets(net, grid, edges, urban, crossings, _one_way_edges(grid, edges, spec.places))
    _lay_arterials(net, grid, spec)
    return net


@dataclass(frozen=True)
class _Lattice:
    lat0: float
    lon0: float
    dlat: float
    dlon: float

    def at(self, i: int, j: int) -> LonLat:
        return (round(self.lon0 + j * self.dlon, 7), round(self.lat0 + i * self.dlat, 7))

    def nearest(self, lat: float, lon: float) -> tuple[int, int]:
        return round((lat - self.lat0) / self.dlat), round((lon - self.lon0) / self.dlon)

    def centre(self, lat: float, lon: float) -> tuple[int, int]:
        """The junction of two car streets (even row and column) nearest to a point."""
        return 2 * round((lat - self.lat0) / self.dlat / 2), 2 * round((lon - self.lon0) / self.dlon / 2)

    def cover(
        self, places: Sequence[Place], on_land: Callable[[float, float], bool] | None
    ) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
        """Lattice nodes within some place's radius (and on land), and those in an urban core."""
        active: set[tuple[int, int]] = set()
        urban: set[tuple[int, int]] = set()
        for p in places:
            ci, cj = self.nearest(p.lat, p.lon)
            ri = math.ceil(p.radius_km * 1000 / (self.dlat * _M_PER_DEG_LAT)) + 1
            rj = math.ceil(p.radius_km * 1000 / (self.dlon * _M_PER_DEG_LON_EQ * math.cos(math.radians(p.lat)))) + 1
            for i in range(ci - ri, ci + ri + 1):
                for j in range(cj - rj, cj + rj + 1):
                    lon, lat = self.at(i, j)
                    d = _distance_m(lat, lon, p.lat, p.lon)
                    if d > p.radius_km * 1000 or (on_land is not None and not on_land(lat, lon)):
                        continue
                    active.add((i, j))
                    if p.urban and d <= p.radius_km * 500:
                        urban.add((i, j))
            active.add(self.centre(p.lat, p.lon))  # a town centre is always on the network
        return active, urban


Edge = tuple[tuple[int, int], tuple[int, int]]


def _lattice_edges(active: set[tuple[int, int]], urban: set[tuple[int, int]]) -> Iterable[tuple[Edge, bool]]:
    """(edge, is a motorcycle lane): car streets on even rows/columns, lanes on odd ones in urban cores."""
    for i, j in sorted(active):
        for a, b, line in (((i, j), (i, j + 1), i), ((i, j), (i + 1, j), j)):
            if b not in active:
                continue
            if line % 2 == 0:
                yield (a, b), False
            elif a in urban and b in urban:
                yield (a, b), True


def _river_crossings(grid: _Lattice, edges: dict[Edge, bool], rivers: Sequence[River]) -> dict[Edge, bool]:
    """Lattice edges that cross a river -> whether a local bridge carries them (few do)."""
    out: dict[Edge, bool] = {}
    for river in rivers:
        lo_lon = min(x for x, _ in river.points) - grid.dlon
        hi_lon = max(x for x, _ in river.points) + grid.dlon
        crossing: list[tuple[float, Edge]] = []  # (km along the river, edge)
        for a, b in sorted(edges):
            pa, pb = grid.at(*a), grid.at(*b)
            if not lo_lon <= pa[0] <= hi_lon:
                continue
            hit = _crossing_km(river.points, pa, pb)
            if hit is not None:
                crossing.append((hit, (a, b)))
        crossing.sort()
        if not crossing:
            continue
        # One local bridge per local_bridge_every_km of river: the car-street crossing nearest each mark.
        car = [(km, e) for km, e in crossing if _is_car_edge(e)]
        total = _length_km(river.points)
        marks = [river.local_bridge_every_km * (k + 0.5) for k in range(int(total // river.local_bridge_every_km) + 1)]
        bridges = {min(car, key=lambda c, m=m: abs(c[0] - m))[1] for m in marks if car}
        for _, e in crossing:
            out[e] = e in bridges
    return out


def _connect(edges: dict[Edge, bool], crossings: dict[Edge, bool], centres: Sequence[tuple[int, int]]) -> None:
    """Make every car street reachable by car from the town centres (which the arterials join):
    a part of a grid that the river cuts off gets a bridge of its own; a part cut off by the coast or
    the edge of a town's area, with no crossing to bridge, is left out (with its motorcycle lanes)."""
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(x: tuple[int, int]) -> tuple[int, int]:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: tuple[int, int], b: tuple[int, int]) -> None:
        parent[find(a)] = find(b)

    for e, lane in edges.items():
        if not lane and crossings.get(e, True):
            union(*e)
    for c in centres[1:]:
        union(centres[0], c)
    changed = True
    while changed:  # each pass bridges the first crossing out of every part still cut off
        changed = False
        for e in sorted(crossings):
            if crossings[e] or edges[e]:
                continue
            main = find(centres[0])
            a, b = find(e[0]), find(e[1])
            if a != b and main in (a, b):
                crossings[e] = True
                union(*e)
                changed = True
    main = find(centres[0])
    for e in list(edges):
        if crossings.get(e, True) and main not in (find(e[0]), find(e[1])):
            del edges[e]


def _is_car_edge(e: Edge) -> bool:
    (i, j), (i2, _) = e
    return (i if i == i2 else j) % 2 == 0


def _lay_streets(
    net: OsmNetwork,
    grid: _Lattice,
    edges: dict[Edge, bool],
    urban: set[tuple[int, int]],
    crossings: dict[Edge, bool],
    one_way: set[Edge],
) -> None:
    """Join consecutive lattice edges of a line into ways. A way ends where a river cuts the line, and
    where the kind of road changes (car street, motorcycle lane, one-way stretch, bridge)."""
    kind: dict[Edge, tuple[bool, bool, bool]] = {}  # edge -> (motorcycle lane, one-way, bridge)
    for e, lane in edges.items():
        if crossings.get(e, True):  # not a crossing, or a bridge
            kind[e] = (lane, e in one_way, e in crossings)
    used: set[Edge] = set()
    for e in sorted(kind):
        if e in used:
            continue
        (i, j), (i2, j2) = e
        di, dj = i2 - i, j2 - j
        run = [(i, j)]
        cur = e
        while cur in kind and cur not in used and kind[cur] == kind[e]:
            used.add(cur)
            run.append(cur[1])
            if kind[e][2]:
                break  # a bridge is one edge, a way of its own
            cur = (cur[1], (cur[1][0] + di, cur[1][1] + dj))
        lane, oneway, bridge = kind[e]
        tags = dict(MOTORCYCLE_LANE if lane else (STREET if any(p in urban for p in run) else RURAL_STREET))
        line = i if di == 0 else j
        tags["name"] = f"Jl. Sintetis {'B' if di == 0 else 'U'}{line}"  # barat-timur / utara-selatan
        if oneway:
            tags["oneway"] = "yes"  # runs go east (or north): the direction they were laid in
        if bridge:
            tags |= {"bridge": "yes", "layer": "1"}
        net.add_way([grid.at(*p) for p in run], tags)


def _one_way_edges(grid: _Lattice, edges: dict[Edge, bool], places: Sequence[Place]) -> set[Edge]:
    """Eight blocks of the car street one row north of the biggest urban town's centre, eastbound only."""
    urban = [p for p in places if p.urban] or list(places)
    town = max(urban, key=lambda p: p.radius_km)
    ci, cj = grid.centre(town.lat, town.lon)
    wanted = {((ci + 2, j), (ci + 2, j + 1)) for j in range(cj - 4, cj + 4)}
    return {e for e in wanted if e in edges and not edges[e]}


def _lay_arterials(net: OsmNetwork, grid: _Lattice, spec: RegionSpec) -> None:
    """Straight arterials between town centres (a spanning tree of primaries plus secondaries to
    the nearest towns); they meet the local streets at the centres and cross rivers on bridges."""
    places = spec.places
    centre = [grid.at(*grid.centre(p.lat, p.lon)) for p in places]
    pairs = sorted(
        (_distance_m(places[a].lat, places[a].lon, places[b].lat, places[b].lon), a, b)
        for a in range(len(places))
        for b in range(a + 1, len(places))
    )
    parent = list(range(len(places)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links: dict[tuple[int, int], dict[str, str]] = {}
    for _, a, b in pairs:  # Kruskal: the backbone
        if root(a) != root(b):
            parent[root(a)] = root(b)
            links[(a, b)] = ARTERIAL_PRIMARY
    for a in range(len(places)):
        near = sorted((d, x, y) for d, x, y in pairs if a in (x, y))[: spec.neighbours]
        for _, x, y in near:
            links.setdefault((x, y), ARTERIAL_SECONDARY)
    for (a, b), tags in sorted(links.items()):
        if centre[a] == centre[b]:
            continue
        points = _densify(centre[a], centre[b], 500.0)
        name = f"Jl. Raya {places[a].name} - {places[b].name}"
        pieces = _split_at_rivers(points, spec.rivers)
        for piece, bridge in pieces:
            extra = {"bridge": "yes", "layer": "1"} if bridge else {}
            net.add_way(piece, {**tags, "name": name, **extra})


# -------------------------------------------------------------------------------------------- geometry


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_008.8 * math.hypot(x, math.radians(lat2 - lat1))


def _length_km(points: Sequence[LonLat]) -> float:
    return sum(_distance_m(a[1], a[0], b[1], b[0]) for a, b in zip(points, points[1:], strict=False)) / 1000


def _densify(a: LonLat, b: LonLat, every_m: float) -> list[LonLat]:
    n = max(1, math.ceil(_distance_m(a[1], a[0], b[1], b[0]) / every_m))
    return [(round(a[0] + (b[0] - a[0]) * k / n, 7), round(a[1] + (b[1] - a[1]) * k / n, 7)) for k in range(n + 1)]


def _segment_hit(p: LonLat, q: LonLat, r: LonLat, s: LonLat) -> float | None:
    """Parameter t along p->q where it crosses r->s, or None."""
    d1 = (q[0] - p[0], q[1] - p[1])
    d2 = (s[0] - r[0], s[1] - r[1])
    den = d1[0] * d2[1] - d1[1] * d2[0]
    if den == 0:
        return None
    t = ((r[0] - p[0]) * d2[1] - (r[1] - p[1]) * d2[0]) / den
    u = ((r[0] - p[0]) * d1[1] - (r[1] - p[1]) * d1[0]) / den
    return t if 0 <= t <= 1 and 0 <= u <= 1 else None


def _crossing_km(river: Sequence[LonLat], a: LonLat, b: LonLat) -> float | None:
    """Where along the river (km from its start) the segment a-b crosses it, or None."""
    done = 0.0
    for r, s in zip(river, river[1:], strict=False):
        t = _segment_hit(r, s, a, b)
        if t is not None:
            return done + t * _distance_m(r[1], r[0], s[1], s[0]) / 1000
        done += _distance_m(r[1], r[0], s[1], s[0]) / 1000
    return None


def _split_at_rivers(points: list[LonLat], rivers: Sequence[River]) -> list[tuple[list[LonLat], bool]]:
    """Cut a densified line into pieces; the segments that cross a river become bridge pieces."""
    pieces: list[tuple[list[LonLat], bool]] = []
    current = [points[0]]
    for a, b in zip(points, points[1:], strict=False):
        if any(_crossing_km(r.points, a, b) is not None for r in rivers):
            if len(current) > 1:
                pieces.append((current, False))
            pieces.append(([a, b], True))
            current = [b]
        else:
            current.append(b)
    if len(current) > 1:
        pieces.append((current, False))
    return pieces


# -------------------------------------------------------------------------------------------------- CLI


def places_from_json(path: Path) -> tuple[Place, ...]:
    """Places from a JSON list of ``{name, lat, lon, radius_km, urban?}`` objects."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a JSON list of places")
    out = []
    for k, obj in enumerate(raw):
        try:
            out.append(Place(str(obj["name"]), float(obj["lat"]), float(obj["lon"]), float(obj["radius_km"]),
                             bool(obj.get("urban", False))))  # fmt: skip
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: place [{k}]: {exc!r}") from None
    return tuple(out)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m data.roads_synth",
        description="Write a synthetic road network (.osm.pbf) around the given towns.",
        epilog="Example: python -m data.roads_synth --places places.json --out region.osm.pbf",
    )
    parser.add_argument("--places", type=Path, required=True, help="JSON list of {name, lat, lon, radius_km, urban}")
    parser.add_argument("--out", type=Path, required=True, help="the .osm.pbf to write")
    parser.add_argument("--spacing-m", type=float, default=400.0, help="metres between car streets (default 400)")
    args = parser.parse_args(argv)
    try:
        places = places_from_json(args.places)
    except (OSError, ValueError) as exc:
        parser.exit(2, f"error: {exc}\n")
    net = region_network(RegionSpec(places=places, spacing_m=args.spacing_m))
    net.write_pbf(args.out)
    print(f"{args.out}: {len(net.nodes)} nodes, {len(net.ways)} ways (synthetic)")


if __name__ == "__main__":
    main()
