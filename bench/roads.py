"""Road-network travel on the synthetic Cirebon sample region: matrix build time and peak memory.

    .venv/bin/python bench/roads.py [--sizes 1000,5000] [--profiles car,motorcycle] [--seed 7]
                                    [--new 20] [--check 40] [--work DIR]

Writes the sample region's synthetic road network (data/roads_synth.py, around the towns of
dispatch/sample.py, with SAMPLE_RIVER) and builds its Valhalla tiles (both timed), then for each
size draws that many homes the way the sample generator does (Gaussian around towns by
population, within 4 sigma, on land) and, in a child process per size (so each peak RSS is its
own), builds:

- the baseline: great-circle matrices (x 1.35 at 30 km/h, the default travel model);
- road matrices per vehicle profile (RoadTravel, blocks of 250,000 pairs);
- the same again through a MatrixCache that already holds them (a re-run or scenario);
- the cache grown by ``--new`` locations (a re-plan with new tickets and crew positions).

Printed side by side: seconds, pairs per second, peak memory (MB, the child's max RSS), pairs
with no road route, and how road durations compare with great-circle ones. ``--check N`` also
compares N random pairs of the matrix with Valhalla's route action, and with its reverse
(many-to-one) matrix search, which solver/roads.py avoids.

Wall-clock figures depend on the machine's load (it is shared): quote them as "under shared load".
The cost of planning without roads (plan the sample day on great-circle times, replay it on road
times) needs the dispatch wiring and is not measured here yet.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.roads_synth import SAMPLE_RIVER, Place, RegionSpec, region_network  # noqa: E402
from solver.road_cache import MatrixCache  # noqa: E402
from solver.road_tiles import build_tiles, open_tiles  # noqa: E402
from solver.roads import COSTINGS, UNREACHABLE_S, RoadTravel, open_engine  # noqa: E402
from solver.travel import GreatCircleTravel  # noqa: E402


def sample_places() -> tuple[tuple[Place, ...], object]:
    """The sample region's towns as places (streets within 4 sigma, where its tickets fall) and its
    land test, as the sample's road network (dispatch/sample/roads.py) uses them."""
    from dispatch.sample.geography import on_land
    from dispatch.sample.roads import sample_places as places

    return places(), on_land


def homes(n: int, seed: int) -> np.ndarray:
    """``n`` homes (lon, lat) drawn like the sample generator's tickets."""
    from dispatch.sample.geography import TOWNS, on_land

    rng = random.Random(seed)
    weights = [t.population_k for t in TOWNS]
    out: list[tuple[float, float]] = []
    while len(out) < n:
        t = rng.choices(TOWNS, weights=weights)[0]
        dn, de = rng.gauss(0, t.sigma_km), rng.gauss(0, t.sigma_km)
        if math.hypot(dn, de) > 4 * t.sigma_km:
            continue
        lat = t.lat + dn / 110.574
        lon = t.lon + de / (111.320 * math.cos(math.radians(t.lat)))
        if on_land(lat, lon):
            out.append((round(lon, 6), round(lat, 6)))
    return np.array(out)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_one(tiles_dir: Path, n: int, args: argparse.Namespace) -> dict:
    """One size, in this (child) process."""
    from solver.model import Model

    tiles = open_tiles(tiles_dir)
    new = args.new if n <= args.new_up_to else 0
    points = homes(n + new, args.seed)
    base = points[:n]
    m = Model()
    sites = [m.add_site(x=x, y=y) for x, y in base]
    out: dict = {"n": n, "pairs": n * n, "new": new}
    t = time.perf_counter()
    gc = GreatCircleTravel().matrices(sites)
    out["great_circle_s"] = time.perf_counter() - t
    for k in range(args.workers):
        open_engine(tiles, k)  # open the engines outside the timing
    for profile in args.profiles.split(","):
        if args.rows and args.rows < n:  # a sample of source rows: throughput at n targets
            travel = RoadTravel(tiles, profiles=(profile,), workers=args.workers)
            t = time.perf_counter()
            dur, _ = travel.between(base[: args.rows], base, profile)
            seconds = time.perf_counter() - t
            out[profile] = {"rows": args.rows, "road_s": seconds, "projected_s": seconds * n / args.rows}
            out[profile] |= {"peak_mb": peak_mb(), "unreachable_pairs": int((dur >= UNREACHABLE_S).sum())}
            print(json.dumps({"n": n, profile: out[profile]}), file=sys.stderr, flush=True)
            continue
        with tempfile.TemporaryDirectory() as cache_dir:
            travel = RoadTravel(tiles, profiles=(profile,), cache=MatrixCache(Path(cache_dir)), workers=args.workers)
            t = time.perf_counter()
            road = travel.profile_matrices(base, profile)
            row: dict = {"road_s": time.perf_counter() - t, "peak_mb": peak_mb()}
            reach = road.durations < UNREACHABLE_S
            row["unreachable_pairs"] = int((~reach).sum())
            off_diag = reach & ~np.eye(n, dtype=bool)
            ratio = road.durations[off_diag] / np.maximum(gc.durations[off_diag], 1)
            row["road_over_gc_median"] = float(np.median(ratio))
            row["road_over_gc_p95"] = float(np.percentile(ratio, 95))
            del road, travel, ratio, off_diag, reach
            warm = RoadTravel(tiles, profiles=(profile,), cache=MatrixCache(Path(cache_dir)), workers=args.workers)
            t = time.perf_counter()
            warm.profile_matrices(base, profile)  # a new run reading the cache from disk
            row["cached_s"] = time.perf_counter() - t
            if new:
                t = time.perf_counter()
                warm.profile_matrices(points, profile)
                row["plus_new_s"] = time.perf_counter() - t
        if args.check:
            row |= check_pairs(tiles, base, profile, args.check, args.seed)
        out[profile] = row
        print(json.dumps({"n": n, profile: row}), file=sys.stderr, flush=True)  # survives a later kill
    return out


def check_pairs(tiles, points: np.ndarray, profile: str, k: int, seed: int) -> dict:
    """Matrix (forward, as RoadTravel asks) vs the route action vs Valhalla's reverse matrix search."""
    actor = open_engine(tiles)
    rng = np.random.default_rng(seed)
    src = rng.choice(len(points), size=k, replace=False)
    tgt = rng.choice(len(points), size=5, replace=False)
    loc = [{"lon": float(x), "lat": float(y)} for x, y in points]
    costing = COSTINGS[profile]
    fwd = np.vstack(
        [
            actor.matrix({"sources": [loc[i]], "targets": [loc[j] for j in tgt], "costing": costing, "verbose": False})[
                "sources_to_targets"
            ]["durations"][0]
            for i in src
        ]
    ).astype(float)
    rev = np.array(
        actor.matrix(
            {"sources": [loc[i] for i in src], "targets": [loc[j] for j in tgt], "costing": costing, "verbose": False}
        )["sources_to_targets"]["durations"],
        dtype=float,
    )
    route = np.array(
        [
            [
                actor.route({"locations": [loc[i], loc[j]], "costing": costing, "directions_type": "none"})["trip"][
                    "summary"
                ]["time"]
                for j in tgt
            ]
            for i in src
        ]
    )
    mask = src[:, None] != tgt[None, :]
    return {
        "check_pairs": int(mask.sum()),
        "forward_vs_route_max_s": float(np.abs(fwd - route)[mask].max()),
        "reverse_vs_route_max_s": float(np.abs(rev - route)[mask].max()),
        "reverse_off_by_60s_or_more": int((np.abs(rev - route)[mask] >= 60).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000,5000", help="numbers of locations, comma-separated")
    parser.add_argument("--profiles", default="car,motorcycle", help="vehicle profiles (car, motorcycle)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--new", type=int, default=20, help="locations added to a cached matrix (0: skip)")
    parser.add_argument("--new-up-to", type=int, default=1000, help="measure --new only up to this size")
    parser.add_argument("--workers", type=int, default=1, help="threads computing matrix blocks")
    parser.add_argument(
        "--rows", type=int, default=0, help="time only this many source rows per size and project the full matrix"
    )
    parser.add_argument("--check", type=int, default=0, help="pairs checked against the route action (x5 targets)")
    parser.add_argument("--work", type=Path, help="folder for the extract and tiles (default: a temporary one)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    profiles = [p for p in args.profiles.split(",") if p]
    if args.one:
        tiles_dir, n = args.one.split("@")
        print(json.dumps(run_one(Path(tiles_dir), int(n), args)))
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="bench-roads-"))
    places, on_land = sample_places()
    t = time.perf_counter()
    net = region_network(RegionSpec(places=places, rivers=(SAMPLE_RIVER,), on_land=on_land))
    extract = net.write_pbf(work / "sample-region.osm.pbf")
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    tiles, _ = build_tiles(extract, work / "tiles", force=True)
    build_s = time.perf_counter() - t
    print(f"synthetic network: {len(net.nodes):,} nodes, {len(net.ways):,} ways, {extract.stat().st_size / 1e6:.1f} MB")
    print(f"  generated and written in {gen_s:.1f} s; tiles built in {build_s:.1f} s ({work})")
    print("figures measured under shared load unless the machine was quiet\n")

    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        cmd = [sys.executable, __file__, "--one", f"{tiles.directory}@{n}", "--seed", str(args.seed)]
        cmd += ["--profiles", args.profiles, "--new", str(args.new), "--new-up-to", str(args.new_up_to)]
        cmd += ["--check", str(args.check), "--workers", str(args.workers), "--rows", str(args.rows)]
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False)  # progress on stderr
        if done.returncode != 0:
            sys.exit(f"size {n} failed")
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    if args.rows:
        for r in results:
            for profile in profiles:
                row = r[profile]
                if "projected_s" not in row:
                    continue
                print(
                    f"{r['n']:,} locations, {profile}: {row['rows']} source rows x {r['n']:,} targets in "
                    f"{row['road_s']:.1f} s ({row['rows'] * r['n'] / row['road_s']:,.0f} pairs/s), full matrix "
                    f"projected {row['projected_s']:.0f} s; peak {row['peak_mb']:.0f} MB for those rows, plus "
                    f"{2 * 4 * r['n'] ** 2 / 1e6:.0f} MB of int32 durations and distances for the full matrix; "
                    f"great-circle matrix {r['great_circle_s']:.2f} s"
                )
        results = [r for r in results if all("projected_s" not in r[p] for p in profiles)]
        if not results:
            return

    head = (
        f"{'locations':>9} {'profile':>10} | {'great-circle s':>14} | {'road s':>8} {'pairs/s':>9} "
        f"{'peak MB':>8} | {'cached s':>8} {'+new s':>7} | {'no route':>8} {'road/gc med':>11} {'p95':>5}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        for profile in profiles:
            row = r[profile]
            print(
                f"{r['n']:>9,} {profile:>10} | {r['great_circle_s']:>14.2f} | {row['road_s']:>8.1f} "
                f"{r['pairs'] / row['road_s']:>9,.0f} {row['peak_mb']:>8.0f} | {row['cached_s']:>8.2f} "
                f"{row.get('plus_new_s', float('nan')):>7.1f} | {row['unreachable_pairs']:>8} "
                f"{row['road_over_gc_median']:>11.2f} {row['road_over_gc_p95']:>5.2f}"
            )
    print(f"\nroad s: matrices with {args.workers} worker thread(s), through a fresh on-disk cache")
    print(f"cached s: a new run asking for the same locations; +new s: the cache grown by {args.new} locations")
    print("peak MB: the child process's max RSS after the road matrix (great-circle matrix included)")
    if args.check:
        for r in results:
            for profile in profiles:
                row = r[profile]
                print(
                    f"check n={r['n']:,} {profile}: {row['check_pairs']} pairs; forward matrix vs route action "
                    f"max {row['forward_vs_route_max_s']:.0f} s; reverse matrix vs route max "
                    f"{row['reverse_vs_route_max_s']:.0f} s ({row['reverse_off_by_60s_or_more']} pairs off by >= 60 s)"
                )


if __name__ == "__main__":
    main()
