"""A cache of road travel matrices keyed by location and vehicle, so re-plans and scenarios are cheap.

An entry holds, for one key (tiles, vehicle costing, closures), the locations seen so far and the
full duration/distance matrices between them. Asking for a set of locations computes only the rows
and columns of locations the entry does not know yet, then reads the requested sub-matrix: asking
again for known locations (a re-run, a scenario, a sweep, a re-plan with no new places) computes
nothing. A new location's row is one search from it; its column needs a search from every known
location to the new ones (each stops once it has reached them), so adding a few places costs less
than a rebuild but is not free. Locations are matched at 1e-6 degrees (about 0.1 m).

With a ``directory`` the entries are also kept on disk (one ``.npz`` per key, replaced atomically),
so separate runs of the CLI share them. An entry that would grow past ``max_locations`` starts
afresh with just the requested locations, which bounds memory and disk to
``2 x max_locations^2 x 4`` bytes per key.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# compute(sources, targets) -> (durations, distances), int32, shape (len(sources), len(targets)).
ComputeBlock = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class _Entry:
    keys: np.ndarray  # (K, 2) int64: lon, lat in 1e-6 degrees
    durations: np.ndarray  # (K, K) int32
    distances: np.ndarray
    index: dict[tuple[int, int], int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.index:
            self.index = {(int(x), int(y)): i for i, (x, y) in enumerate(self.keys)}


@dataclass
class CacheStats:
    requested: int = 0  # locations asked for (unique)
    computed: int = 0  # locations whose rows and columns had to be computed
    pairs_computed: int = 0


@dataclass
class MatrixCache:
    directory: Path | None = None
    max_locations: int = 8_000
    stats: CacheStats = field(default_factory=CacheStats)
    _entries: dict[str, _Entry] = field(default_factory=dict, repr=False)

    def matrices(self, key: str, points: np.ndarray, compute: ComputeBlock) -> tuple[np.ndarray, np.ndarray]:
        """Durations and distances between ``points`` ((n, 2) lon/lat) under ``key``; read-only arrays."""
        keys = np.rint(np.asarray(points, dtype=np.float64) * 1e6).astype(np.int64).reshape(-1, 2)
        entry = self._entry(key)
        unique = list(dict.fromkeys((int(x), int(y)) for x, y in keys))
        self.stats.requested += len(unique)
        new = [k for k in unique if entry is None or k not in entry.index]
        if entry is not None and len(entry.keys) + len(new) > self.max_locations:
            entry, new = None, unique
        if new:
            entry = self._grow(entry, np.array(new, dtype=np.int64).reshape(-1, 2), compute)
            self._entries[key] = entry
            self._save(key, entry)
        assert entry is not None
        idx = np.fromiter((entry.index[(int(x), int(y))] for x, y in keys), dtype=np.int64, count=len(keys))
        if len(idx) == len(entry.keys) and np.array_equal(idx, np.arange(len(idx))):
            return entry.durations, entry.distances  # the whole entry, in order: no copy
        return entry.durations[np.ix_(idx, idx)], entry.distances[np.ix_(idx, idx)]

    def unknown(self, key: str, points: np.ndarray) -> np.ndarray:
        """A boolean mask of the ``points`` that the entry for ``key`` does not hold yet."""
        keys = np.rint(np.asarray(points, dtype=np.float64) * 1e6).astype(np.int64).reshape(-1, 2)
        entry = self._entry(key)
        if entry is None:
            return np.ones(len(keys), dtype=bool)
        return np.fromiter(((int(x), int(y)) not in entry.index for x, y in keys), dtype=bool, count=len(keys))

    def _grow(self, entry: _Entry | None, new: np.ndarray, compute: ComputeBlock) -> _Entry:
        old = entry.keys if entry is not None else np.empty((0, 2), dtype=np.int64)
        k, m = len(old), len(new)
        keys = np.concatenate([old, new])
        pts = keys / 1e6
        dur = np.empty((k + m, k + m), dtype=np.int32)
        dist = np.empty((k + m, k + m), dtype=np.int32)
        if entry is not None:
            dur[:k, :k], dist[:k, :k] = entry.durations, entry.distances
        dur[k:, :], dist[k:, :] = compute(pts[k:], pts)  # new rows, to every location
        if k:
            dur[:k, k:], dist[:k, k:] = compute(pts[:k], pts[k:])  # known rows, to the new locations
        self.stats.computed += m
        self.stats.pairs_computed += m * (k + m) + k * m
        dur.flags.writeable = False
        dist.flags.writeable = False
        return _Entry(keys=keys, durations=dur, distances=dist)

    def _entry(self, key: str) -> _Entry | None:
        if key in self._entries:
            return self._entries[key]
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            with np.load(path) as data:
                entry = _Entry(keys=data["keys"], durations=data["durations"], distances=data["distances"])
        except (OSError, KeyError, ValueError):
            return None  # a damaged file is recomputed, not trusted
        entry.durations.flags.writeable = False
        entry.distances.flags.writeable = False
        self._entries[key] = entry
        return entry

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else Path(self.directory) / f"{key}.npz"

    def _save(self, key: str, entry: _Entry) -> None:
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
        np.savez(tmp, keys=entry.keys, durations=entry.durations, distances=entry.distances)
        tmp.replace(path)
