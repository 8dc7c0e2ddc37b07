"""A JSON exchange format for problems and solutions, in the spirit of VROOM's (see docs/exchange-format.md).

It keeps VROOM's shape (``jobs``/``vehicles``/``matrices`` in, ``code``/``summary``/``unassigned``/``routes``
out, integer seconds and metres) and goes beyond it: string ids, priority classes 0..4, exposure and
home-entry fields, unassigned jobs with reasons, and running exposure figures on every step.

The problem writer always includes the travel matrices and a ``sites`` list, so that a problem reads back
exactly, whatever travel model built it. Bad input raises ``ValueError`` naming the JSON path
(``jobs[3].time_windows[0]: start after end``); nothing unknown is silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from solver.exchange_fields import (
    check_known_keys,
    read_bool,
    read_int,
    read_list,
    read_location,
    read_nonneg,
    read_number,
    read_obj,
    read_one_dimension,
    read_opt,
    read_required,
    read_skills,
    read_str,
    read_window,
    read_windows,
)
from solver.exchange_solution import route_cost, solution_from_json, solution_to_json
from solver.model import PRIORITY_CLASSES, Break, Crew, Job, Model, Objective, Problem, Site, TimeWindow
from solver.travel import EuclideanTravel, GreatCircleTravel, MatrixTravel, TravelModel

# The name shared matrices are written under (every vehicle drives them; speed comes from ``speed_factor``).
# Per-profile matrices (a road network) are written under their profiles' names.
PROFILE = "car"
FORMAT_VERSION = 1


_JOB_KEYS = {
    "id", "description", "location", "location_index", "service", "time_windows", "skills", "priority",
    "customers", "enters_home", "exposure", "contaminating", "delivery", "required", "preferred_vehicle",
    "move_cost", "urgency", "follows", "reorder_cost", "promised", "unserved_waits", "weight",
}  # fmt: skip
_VEHICLE_KEYS = {
    "id", "description", "profile", "start", "start_index", "end", "end_index", "time_window", "max_work",
    "skills", "max_homes", "max_exposure", "capacity", "breaks", "speed_factor", "homes_allowed",
}  # fmt: skip
_BREAK_KEYS = {"id", "description", "time_windows", "service"}
_PROBLEM_KEYS = {"format", "sites", "jobs", "vehicles", "matrices", "travel", "objective", "wait_origin"}
_OBJECTIVE_KEYS = {"travel_time_weight", "distance_weight", "wait_weight", "priority_ratio"}


# --------------------------------------------------------------------------------------------- problem out


def problem_to_json(problem: Problem) -> dict[str, Any]:
    """The problem as a JSON-ready dict; :func:`problem_from_json` reads it back to an equal problem."""
    return {
        "format": FORMAT_VERSION,
        "sites": [_site_json(s) for s in problem.sites],
        "jobs": [_job_json(j) for j in problem.jobs],
        "vehicles": [_crew_json(c) for c in problem.crews],
        "matrices": {
            name: {
                "durations": np.asarray(m.durations).astype(int).tolist(),
                "distances": np.asarray(m.distances).astype(int).tolist(),
            }
            for name, m in (problem.travel.by_profile or {PROFILE: problem.travel}).items()
        },
        "objective": {
            "travel_time_weight": problem.objective.travel_time_weight,
            "distance_weight": problem.objective.distance_weight,
            "wait_weight": problem.objective.wait_weight,
            "priority_ratio": problem.objective.priority_ratio,
        },
        "wait_origin": problem.wait_origin,
    }


def _site_json(site: Site) -> dict[str, Any]:
    out: dict[str, Any] = {"location": [site.x, site.y]}
    if site.name:
        out["name"] = site.name
    return out


def _window_json(w: TimeWindow) -> list[int]:
    return [w.start, w.end]


def _job_json(job: Job) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": job.id,
        "location": [job.site.x, job.site.y],
        "location_index": job.site.index,
        "service": job.service,
        "time_windows": [_window_json(w) for w in job.time_windows],
        "skills": sorted(job.skills),
        "priority": job.priority,
        "customers": job.customers,
        "enters_home": job.enters_home,
        "exposure": job.exposure,
        "contaminating": job.contaminating,
        "delivery": [job.demand],
        "required": job.required,
    }
    if job.preferred_crew is not None:
        out["preferred_vehicle"] = job.preferred_crew
    if job.move_cost:
        out["move_cost"] = job.move_cost
    if job.urgency:
        out["urgency"] = job.urgency
    if job.follows is not None:
        out["follows"] = job.follows
    if job.reorder_cost:
        out["reorder_cost"] = job.reorder_cost
    if job.promised:
        out["promised"] = True
    if job.unserved_waits:
        out["unserved_waits"] = True
    if job.weight != 1:
        out["weight"] = job.weight
    return out


def _crew_json(crew: Crew) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": crew.id,
        "start": [crew.start.x, crew.start.y],
        "start_index": crew.start.index,
        "end": [crew.end.x, crew.end.y],
        "end_index": crew.end.index,
        "time_window": _window_json(crew.shift),
        "skills": sorted(crew.skills),
        "breaks": [{"id": b.id, "time_windows": [_window_json(b.window)], "service": b.duration} for b in crew.breaks],
        "speed_factor": crew.speed_factor,
        "homes_allowed": crew.homes_allowed,
    }
    # Absent caps mean "no cap"; JSON null would do too, but absence matches VROOM's habit.
    for key, value in (("max_work", crew.max_work), ("max_homes", crew.max_homes), ("max_exposure", crew.max_exposure)):
        if value is not None:
            out[key] = value
    if crew.capacity is not None:
        out["capacity"] = [crew.capacity]
    if crew.profile is not None:
        out["profile"] = crew.profile
    return out


# ---------------------------------------------------------------------------------------------- problem in


def problem_from_json(data: Any) -> Problem:
    """Read a problem dict (parsed JSON). Raises ``ValueError`` naming the JSON path of the first fault."""
    root = read_obj(data, "problem")
    check_known_keys(root, _PROBLEM_KEYS, "")
    jobs = read_list(root.get("jobs", []), "jobs")
    vehicles = read_list(read_required(root, "vehicles", ""), "vehicles")
    if not vehicles:
        raise ValueError("vehicles: a problem needs at least one vehicle")

    model = Model()
    if "objective" in root:
        model.set_objective(_objective(root["objective"]))

    travel: TravelModel
    if "matrices" in root:
        if "travel" in root:
            raise ValueError("travel: give either matrices or a travel model, not both")
        profiles = _matrices(root["matrices"])
        n = len(next(iter(profiles.values()))[0])
        sites = _SiteTable.indexed(model, root.get("sites"), n, jobs, vehicles)
        arrays = {
            name: (np.array(dur, dtype=np.int64).reshape(n, n), np.array(dist, dtype=np.int64).reshape(n, n))
            for name, (dur, dist) in profiles.items()
        }
        if len(arrays) == 1:
            travel = MatrixTravel(*next(iter(arrays.values())))
        else:
            travel = MatrixTravel.per_profile(arrays)
            _check_profiles(vehicles, set(arrays))
    else:
        if "sites" in root:
            raise ValueError("sites: a sites list needs matrices (sites index their rows)")
        travel = _travel_model(read_required(root, "travel", ""))
        sites = _SiteTable.by_location(model)

    _unique_ids(jobs, "jobs")
    _unique_ids(vehicles, "vehicles")
    for i, raw in enumerate(jobs):
        _read_job(model, sites, raw, f"jobs[{i}]")
    for i, raw in enumerate(vehicles):
        _read_vehicle(model, sites, raw, f"vehicles[{i}]")
    wait_origin = read_int(root["wait_origin"], "wait_origin") if "wait_origin" in root else None
    try:
        return model.build(travel, wait_origin=wait_origin)
    except ValueError as exc:
        raise ValueError(f"problem: {exc}") from None


class _SiteTable:
    """Resolves a place (``location`` and/or ``location_index``) to a :class:`Site` of the model."""

    def __init__(self, model: Model, sites: list[Site] | None) -> None:
        self.model = model
        self.sites = sites  # None: sites are made from coordinates as they come
        self.by_xy: dict[tuple[float, float], Site] = {}

    @classmethod
    def indexed(cls, model: Model, raw_sites: Any, n: int, jobs: list[Any], vehicles: list[Any]) -> _SiteTable:
        if raw_sites is not None:
            entries = read_list(raw_sites, "sites")
            if len(entries) != n:
                raise ValueError(f"sites: {len(entries)} sites for {n}x{n} matrices")
            sites = []
            for i, raw in enumerate(entries):
                path = f"sites[{i}]"
                obj = read_obj(raw, path)
                check_known_keys(obj, {"location", "name"}, path)
                x, y = read_location(read_required(obj, "location", path), f"{path}.location")
                name = read_str(obj.get("name", ""), f"{path}.name")
                sites.append(_add_site(model, x, y, name, path))
            return cls(model, sites)
        # No sites list: take each index's coordinates from the first job/vehicle that gives them.
        coords: dict[int, tuple[float, float]] = {}
        places = [(raw, f"jobs[{i}]", "location", "location_index") for i, raw in enumerate(jobs)]
        for i, raw in enumerate(vehicles):
            places += [(raw, f"vehicles[{i}]", "start", "start_index"), (raw, f"vehicles[{i}]", "end", "end_index")]
        for raw, path, loc_key, idx_key in places:
            if isinstance(raw, dict) and idx_key in raw and loc_key in raw:
                idx = read_int(raw[idx_key], f"{path}.{idx_key}")
                coords.setdefault(idx, read_location(raw[loc_key], f"{path}.{loc_key}"))
        # Rows no job or vehicle names keep coordinates (0, 0): only the matrices matter for them.
        sites = [_add_site(model, *coords.get(i, (0.0, 0.0)), "", f"sites[{i}]") for i in range(n)]
        return cls(model, sites)

    @classmethod
    def by_location(cls, model: Model) -> _SiteTable:
        return cls(model, None)

    def resolve(self, obj: Mapping[str, Any], loc_key: str, idx_key: str, path: str) -> Site | None:
        has_loc, has_idx = loc_key in obj, idx_key in obj
        if not has_loc and not has_idx:
            return None
        xy = read_location(obj[loc_key], f"{path}.{loc_key}") if has_loc else None
        if self.sites is None:
            if has_idx:
                raise ValueError(f"{path}.{idx_key}: an index needs matrices; give {loc_key} only")
            assert xy is not None
            if xy not in self.by_xy:
                self.by_xy[xy] = _add_site(self.model, xy[0], xy[1], "", f"{path}.{loc_key}")
            return self.by_xy[xy]
        if not has_idx:
            raise ValueError(f"{path}.{idx_key}: required when the problem gives matrices")
        idx = read_int(obj[idx_key], f"{path}.{idx_key}")
        if not 0 <= idx < len(self.sites):
            raise ValueError(f"{path}.{idx_key}: {idx} is outside the {len(self.sites)}x{len(self.sites)} matrices")
        site = self.sites[idx]
        if xy is not None and xy != (site.x, site.y):
            raise ValueError(f"{path}.{loc_key}: {list(xy)} differs from site {idx}'s {[site.x, site.y]}")
        return site


def _unique_ids(entries: list[Any], path: str) -> None:
    first: dict[str, int] = {}
    for i, raw in enumerate(entries):
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            if raw["id"] in first:
                raise ValueError(f"{path}[{i}].id: {raw['id']!r} is already the id of {path}[{first[raw['id']]}]")
            first[raw["id"]] = i


def _add_site(model: Model, x: float, y: float, name: str, path: str) -> Site:
    try:
        return model.add_site(x=x, y=y, name=name)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _read_job(model: Model, sites: _SiteTable, raw: Any, path: str) -> None:
    obj = read_obj(raw, path)
    check_known_keys(obj, _JOB_KEYS, path)
    job_id = read_str(read_required(obj, "id", path), f"{path}.id")
    site = sites.resolve(obj, "location", "location_index", path)
    if site is None:
        raise ValueError(f"{path}: needs location or location_index")
    priority = read_int(obj.get("priority", 3), f"{path}.priority")
    if priority not in PRIORITY_CLASSES:
        raise ValueError(f"{path}.priority: must be one of {list(PRIORITY_CLASSES)} (0 most urgent), got {priority}")
    kwargs: dict[str, Any] = {
        "id": job_id,
        "site": site,
        "service": read_nonneg(obj.get("service", 0), f"{path}.service"),
        "time_windows": read_windows(obj.get("time_windows", []), f"{path}.time_windows"),
        "skills": read_skills(obj.get("skills", []), f"{path}.skills"),
        "priority": priority,
        "customers": read_int(obj.get("customers", 1), f"{path}.customers"),
        "enters_home": read_bool(obj.get("enters_home", False), f"{path}.enters_home"),
        "exposure": read_nonneg(obj.get("exposure", 0), f"{path}.exposure"),
        "contaminating": read_bool(obj.get("contaminating", False), f"{path}.contaminating"),
        "demand": read_one_dimension(obj.get("delivery", [0]), f"{path}.delivery"),
        "required": read_bool(obj.get("required", False), f"{path}.required"),
        "preferred_crew": read_opt(obj.get("preferred_vehicle"), read_str, f"{path}.preferred_vehicle"),
        "move_cost": read_nonneg(obj.get("move_cost", 0), f"{path}.move_cost"),
        "urgency": read_nonneg(obj.get("urgency", 0), f"{path}.urgency"),
        "follows": read_opt(obj.get("follows"), read_str, f"{path}.follows"),
        "reorder_cost": read_nonneg(obj.get("reorder_cost", 0), f"{path}.reorder_cost"),
        "promised": read_bool(obj.get("promised", False), f"{path}.promised"),
        "unserved_waits": read_bool(obj.get("unserved_waits", False), f"{path}.unserved_waits"),
        "weight": read_int(obj.get("weight", 1), f"{path}.weight"),
    }
    try:
        model.add_job(**kwargs)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _read_vehicle(model: Model, sites: _SiteTable, raw: Any, path: str) -> None:
    obj = read_obj(raw, path)
    check_known_keys(obj, _VEHICLE_KEYS, path)
    crew_id = read_str(read_required(obj, "id", path), f"{path}.id")
    start = sites.resolve(obj, "start", "start_index", path)
    if start is None:
        raise ValueError(f"{path}: needs start or start_index")
    end = sites.resolve(obj, "end", "end_index", path) or start
    shift = read_window(read_required(obj, "time_window", path), f"{path}.time_window")
    breaks = []
    for k, raw_break in enumerate(read_list(obj.get("breaks", []), f"{path}.breaks")):
        bpath = f"{path}.breaks[{k}]"
        bobj = read_obj(raw_break, bpath)
        check_known_keys(bobj, _BREAK_KEYS, bpath)
        windows = read_windows(read_required(bobj, "time_windows", bpath), f"{bpath}.time_windows")
        if len(windows) != 1:
            raise ValueError(f"{bpath}.time_windows: exactly one window is supported, got {len(windows)}")
        duration = read_int(read_required(bobj, "service", bpath), f"{bpath}.service")
        if duration <= 0:
            raise ValueError(f"{bpath}.service: a break must last > 0 s, got {duration}")
        if duration > windows[0].end - windows[0].start:
            raise ValueError(f"{bpath}.service: {duration} s does not fit in its window {_window_json(windows[0])}")
        breaks.append(
            Break(
                id=read_str(read_required(bobj, "id", bpath), f"{bpath}.id"),
                window=windows[0],
                duration=duration,
            )
        )
    capacity = obj.get("capacity")
    kwargs: dict[str, Any] = {
        "id": crew_id,
        "start": start,
        "end": end,
        "shift": shift,
        "max_work": read_opt(obj.get("max_work"), read_int, f"{path}.max_work"),
        "skills": read_skills(obj.get("skills", []), f"{path}.skills"),
        "max_homes": read_opt(obj.get("max_homes"), read_int, f"{path}.max_homes"),
        "max_exposure": read_opt(obj.get("max_exposure"), read_int, f"{path}.max_exposure"),
        "breaks": breaks,
        "speed_factor": read_number(obj.get("speed_factor", 1.0), f"{path}.speed_factor"),
        "capacity": None if capacity is None else read_one_dimension(capacity, f"{path}.capacity"),
        "homes_allowed": read_bool(obj.get("homes_allowed", True), f"{path}.homes_allowed"),
        "profile": read_opt(obj.get("profile"), read_str, f"{path}.profile"),
    }
    try:
        model.add_crew(**kwargs)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _matrices(raw: Any) -> dict[str, tuple[list[list[int]], list[list[int]]]]:
    """Profile name -> (durations, distances). One profile: shared by every vehicle; several: one per profile."""
    obj = read_obj(raw, "matrices")
    if not obj:
        raise ValueError("matrices: give at least one profile (e.g. 'car')")
    out: dict[str, tuple[list[list[int]], list[list[int]]]] = {}
    for name, value in obj.items():
        path = f"matrices.{name}"
        prof = read_obj(value, path)
        check_known_keys(prof, {"durations", "distances"}, path)
        durations = _square(read_required(prof, "durations", path), f"{path}.durations")
        distances = _square(read_required(prof, "distances", path), f"{path}.distances")
        if len(durations) != len(distances):
            raise ValueError(f"{path}.distances: {len(distances)} rows, durations have {len(durations)}")
        if out and len(durations) != len(first := next(iter(out.values()))[0]):
            raise ValueError(f"{path}.durations: {len(durations)} rows, the first profile has {len(first)}")
        out[name] = (durations, distances)
    return out


def _check_profiles(vehicles: list[Any], known: set[str]) -> None:
    for i, raw in enumerate(vehicles):
        if isinstance(raw, dict) and isinstance(raw.get("profile"), str) and raw["profile"] not in known:
            raise ValueError(
                f"vehicles[{i}].profile: {raw['profile']!r} has no matrices; the problem gives {sorted(known)}"
            )


def _square(raw: Any, path: str) -> list[list[int]]:
    rows = read_list(raw, path)
    out = []
    for r, row in enumerate(rows):
        cells = read_list(row, f"{path}[{r}]")
        if len(cells) != len(rows):
            raise ValueError(f"{path}[{r}]: {len(cells)} values in a {len(rows)}-row matrix")
        out.append([read_nonneg(v, f"{path}[{r}][{c}]") for c, v in enumerate(cells)])
    return out


def _travel_model(raw: Any) -> TravelModel:
    obj = read_obj(raw, "travel")
    kind = read_required(obj, "model", "travel")
    try:
        if kind == "great_circle":
            check_known_keys(obj, {"model", "circuity", "speed_kmh"}, "travel")
            return GreatCircleTravel(
                circuity=read_number(obj.get("circuity", 1.35), "travel.circuity"),
                speed_kmh=read_number(obj.get("speed_kmh", 30.0), "travel.speed_kmh"),
            )
        if kind == "euclidean":
            check_known_keys(obj, {"model", "scale"}, "travel")
            return EuclideanTravel(scale=read_int(obj.get("scale", 1), "travel.scale"))
    except ValueError as exc:
        if str(exc).startswith("travel"):
            raise
        raise ValueError(f"travel: {exc}") from None
    raise ValueError(f"travel.model: must be 'great_circle' or 'euclidean', got {kind!r}")


def _objective(raw: Any) -> Objective:
    obj = read_obj(raw, "objective")
    check_known_keys(obj, _OBJECTIVE_KEYS, "objective")
    default = Objective()
    return Objective(
        **{key: read_nonneg(obj.get(key, getattr(default, key)), f"objective.{key}") for key in sorted(_OBJECTIVE_KEYS)}
    )


__all__ = [
    "problem_from_json",
    "problem_to_json",
    "route_cost",
    "solution_from_json",
    "solution_to_json",
]
