"""Valhalla routing tiles: built once from an OpenStreetMap extract, opened for matrices and routes.

The tiles are built by Valhalla's own ``valhalla_build_tiles``, which the ``pyvalhalla`` wheel ships
(run directly from the wheel's ``bin`` folder: ``python -m valhalla valhalla_build_tiles`` looks the
program up on ``PATH`` and fails). A build goes to a fresh folder that replaces the old one only when
it succeeded, and is skipped when the extract has not changed since the last build (its SHA-256 is
kept beside the tiles). Nothing is downloaded: the tiles come from the extract alone.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CONFIG_NAME = "valhalla.json"
STAMP_NAME = "extract.sha256"
TILE_DIR = "tiles"

# Limits the in-process engine runs with: matrices are requested in blocks that the caller sizes, so
# Valhalla's own per-request caps (2,500 pairs, 400 km, 50 excluded points) are lifted.
_LIMITS = {
    "max_matrix_location_pairs": 5_000_000,
    "max_matrix_distance": 5_000_000.0,
    "max_locations": 1_000,
}
_GLOBAL_LIMITS = {
    "max_exclude_locations": 10_000,
    "max_exclude_polygons_length": 10_000_000,
    "max_exclude_polygons_vertices": 100_000,
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class RoadNetworkError(ValueError):
    """The road network cannot answer: tiles missing or broken, a build failed, a location off the roads."""


@dataclass(frozen=True)
class RoadTiles:
    """A folder of built tiles: ``tiles/``, ``valhalla.json`` and the extract's SHA-256 (the build id)."""

    directory: Path

    @property
    def config_path(self) -> Path:
        return self.directory / CONFIG_NAME

    @property
    def build_id(self) -> str:
        return (self.directory / STAMP_NAME).read_text(encoding="utf-8").split()[0]

    def config(self) -> dict[str, Any]:
        """The engine configuration for these tiles (paths resolved, limits for in-process use)."""
        return engine_config(self.directory / TILE_DIR)


def open_tiles(directory: Path | str) -> RoadTiles:
    """The tiles built in ``directory`` by :func:`build_tiles`; a clear error if there are none."""
    tiles = RoadTiles(Path(directory).resolve())
    if not (tiles.directory / TILE_DIR).is_dir() or not (tiles.directory / STAMP_NAME).is_file():
        raise RoadNetworkError(
            f"{directory}: no road tiles here; build them from an OpenStreetMap extract first "
            "(solver.road_tiles.build_tiles)"
        )
    return tiles


def engine_config(tile_dir: Path, *, logging: bool = False) -> dict[str, Any]:
    """Valhalla's default configuration with our tile folder, no admin/time-zone databases, and the
    one-to-many matrix algorithm (a Dijkstra from each source; far faster than the bidirectional
    CostMatrix on matrices of thousands of locations, measured in bench/roads.py)."""
    from valhalla import get_config

    # get_config copies the defaults shallowly (its nested dicts are shared between calls): copy deeply.
    cfg = copy.deepcopy(get_config(tile_extract="", tile_dir=Path(tile_dir)))
    cfg["mjolnir"]["traffic_extract"] = ""
    cfg["mjolnir"]["admin"] = ""
    cfg["mjolnir"]["timezone"] = ""
    cfg["mjolnir"]["concurrency"] = 1
    cfg["logging"]["type"] = "std_out" if logging else ""
    cfg["thor"]["source_to_target_algorithm"] = "timedistancematrix"
    for costing in ("auto", "motor_scooter", "motorcycle"):
        cfg["service_limits"][costing].update(_LIMITS)
    cfg["service_limits"].update(_GLOBAL_LIMITS)
    return cfg


def extract_sha256(extract: Path) -> str:
    h = hashlib.sha256()
    with open(extract, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def build_tiles(
    extract: Path | str,
    directory: Path | str,
    *,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> tuple[RoadTiles, bool]:
    """Build routing tiles from an ``.osm.pbf`` extract into ``directory``.

    Returns the tiles and whether a build ran (False: the extract is unchanged since the last build).
    ``progress`` receives the builder's log lines as they come. On failure the old tiles stay.
    """
    extract = Path(extract).resolve()
    directory = Path(directory).resolve()
    if not extract.is_file():
        raise RoadNetworkError(f"{extract}: no such extract")
    digest = extract_sha256(extract)
    stamp = directory / STAMP_NAME
    if not force and stamp.is_file() and stamp.read_text(encoding="utf-8").split()[0] == digest:
        return RoadTiles(directory), False
    if directory.exists() and not stamp.is_file() and any(directory.iterdir()):
        raise RoadNetworkError(f"{directory}: not empty and not a road-tiles folder; refusing to replace it")
    directory.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{directory.name}.building-", dir=directory.parent))
    try:
        (work / TILE_DIR).mkdir()
        config = engine_config(work / TILE_DIR, logging=True)
        (work / CONFIG_NAME).write_text(json.dumps(config, indent=1), encoding="utf-8")
        _run_builder(work / CONFIG_NAME, extract, progress)
        # The builder leaves its intermediate files (*.bin) beside the tiles.
        for leftover in (work / TILE_DIR).glob("*.bin"):
            leftover.unlink()
        (work / STAMP_NAME).write_text(f"{digest}  {extract.name}\n", encoding="utf-8")
        # Point the config at the final place, then swap the folders.
        config["mjolnir"]["tile_dir"] = str(directory / TILE_DIR)
        config["logging"]["type"] = ""
        (work / CONFIG_NAME).write_text(json.dumps(config, indent=1), encoding="utf-8")
        old = None
        if directory.exists():
            old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
            directory.rename(old)
        work.rename(directory)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)
    return RoadTiles(directory), True


def builder_path() -> Path:
    """``valhalla_build_tiles`` inside the installed pyvalhalla wheel."""
    import valhalla

    exe = Path(valhalla.PYVALHALLA_DIR) / "bin" / "valhalla_build_tiles"
    if not exe.is_file():
        raise RoadNetworkError(f"{exe}: Valhalla's tile builder is missing from the pyvalhalla install")
    return exe


def _run_builder(config: Path, extract: Path, progress: Callable[[str], None] | None) -> None:
    proc = subprocess.Popen(
        [str(builder_path()), "-c", str(config), str(extract)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    tail: list[str] = []
    assert proc.stdout is not None
    for raw in proc.stdout:
        line = _ANSI.sub("", raw).rstrip()
        tail = [*tail[-19:], line]
        if progress is not None and line:
            progress(line)
    if proc.wait() != 0:
        last = "\n".join(tail[-8:])
        raise RoadNetworkError(f"{extract}: building road tiles failed (exit {proc.returncode}):\n{last}")
