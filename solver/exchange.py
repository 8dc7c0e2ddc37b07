"""A JSON exchange format for problems and solutions, in the spirit of VROOM's (see docs/exchange-format.md).

It keeps VROOM's shape (``jobs``/``vehicles``/``matrices`` in, ``code``/``summary``/``unassigned``/``routes``
out, integer seconds and metres) and goes beyond it: string ids, priority classes 0..4, exposure and
home-entry fields, unassigned jobs with reasons, and running exposure figures on every step.

The problem writer always includes the travel matrices and a ``sites`` list, so that a problem reads back
exactly, whatever travel model built it. Bad input raises ``ValueError`` naming the JSON path
(``jobs[3].time_windows[0]: start after end``); nothing unknown is silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from solver.model import PRIORITY_CLASSES, Break, Crew, Job, Model, Objective, Problem, Site, TimeWindow
from solver.solution import (
    Reason,
    Route,
    RouteSummary,
    SearchStats,
    Solution,
    Step,
    StepType,
    Unassigned,
)
from solver.travel import EuclideanTravel, GreatCircleTravel, MatrixTravel, TravelModel

# The name shared matrices are written under (every vehicle drives them; speed comes from ``speed_factor``).
# Per-profile matrices (a road network) are written under their profiles' names.
PROFILE = "car"
FORMAT_VERSION = 1

_STEP_TYPES = {StepType.START: "start", StepType.VISIT: "job", StepType.BREAK: "break", StepType.END: "end"}
_STEP_TYPES_BACK = {v: k for k, v in _STEP_TYPES.items()}

_JOB_KEYS = {
    "id", "description", "location", "location_index", "service", "time_windows", "skills", "priority",
    "customers", "enters_home", "exposure", "contaminating", "delivery", "required", "preferred_vehicle",
    "move_cost", "urgency", "follows", "reorder_cost", "promised", "unserved_waits",
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
    root = _obj(data, "problem")
    _known_keys(root, _PROBLEM_KEYS, "")
    jobs = _list(root.get("jobs", []), "jobs")
    vehicles = _list(_required(root, "vehicles", ""), "vehicles")
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
        travel = _travel_model(_required(root, "travel", ""))
        sites = _SiteTable.by_location(model)

    _unique_ids(jobs, "jobs")
    _unique_ids(vehicles, "vehicles")
    for i, raw in enumerate(jobs):
        _read_job(model, sites, raw, f"jobs[{i}]")
    for i, raw in enumerate(vehicles):
        _read_vehicle(model, sites, raw, f"vehicles[{i}]")
    wait_origin = _int(root["wait_origin"], "wait_origin") if "wait_origin" in root else None
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
            entries = _list(raw_sites, "sites")
            if len(entries) != n:
                raise ValueError(f"sites: {len(entries)} sites for {n}x{n} matrices")
            sites = []
            for i, raw in enumerate(entries):
                path = f"sites[{i}]"
                obj = _obj(raw, path)
                _known_keys(obj, {"location", "name"}, path)
                x, y = _location(_required(obj, "location", path), f"{path}.location")
                name = _str(obj.get("name", ""), f"{path}.name")
                sites.append(_add_site(model, x, y, name, path))
            return cls(model, sites)
        # No sites list: take each index's coordinates from the first job/vehicle that gives them.
        coords: dict[int, tuple[float, float]] = {}
        places = [(raw, f"jobs[{i}]", "location", "location_index") for i, raw in enumerate(jobs)]
        for i, raw in enumerate(vehicles):
            places += [(raw, f"vehicles[{i}]", "start", "start_index"), (raw, f"vehicles[{i}]", "end", "end_index")]
        for raw, path, loc_key, idx_key in places:
            if isinstance(raw, dict) and idx_key in raw and loc_key in raw:
                idx = _int(raw[idx_key], f"{path}.{idx_key}")
                coords.setdefault(idx, _location(raw[loc_key], f"{path}.{loc_key}"))
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
        xy = _location(obj[loc_key], f"{path}.{loc_key}") if has_loc else None
        if self.sites is None:
            if has_idx:
                raise ValueError(f"{path}.{idx_key}: an index needs matrices; give {loc_key} only")
            assert xy is not None
            if xy not in self.by_xy:
                self.by_xy[xy] = _add_site(self.model, xy[0], xy[1], "", f"{path}.{loc_key}")
            return self.by_xy[xy]
        if not has_idx:
            raise ValueError(f"{path}.{idx_key}: required when the problem gives matrices")
        idx = _int(obj[idx_key], f"{path}.{idx_key}")
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
    obj = _obj(raw, path)
    _known_keys(obj, _JOB_KEYS, path)
    job_id = _str(_required(obj, "id", path), f"{path}.id")
    site = sites.resolve(obj, "location", "location_index", path)
    if site is None:
        raise ValueError(f"{path}: needs location or location_index")
    priority = _int(obj.get("priority", 3), f"{path}.priority")
    if priority not in PRIORITY_CLASSES:
        raise ValueError(f"{path}.priority: must be one of {list(PRIORITY_CLASSES)} (0 most urgent), got {priority}")
    kwargs: dict[str, Any] = {
        "id": job_id,
        "site": site,
        "service": _nonneg(obj.get("service", 0), f"{path}.service"),
        "time_windows": _windows(obj.get("time_windows", []), f"{path}.time_windows"),
        "skills": _skills(obj.get("skills", []), f"{path}.skills"),
        "priority": priority,
        "customers": _int(obj.get("customers", 1), f"{path}.customers"),
        "enters_home": _bool(obj.get("enters_home", False), f"{path}.enters_home"),
        "exposure": _nonneg(obj.get("exposure", 0), f"{path}.exposure"),
        "contaminating": _bool(obj.get("contaminating", False), f"{path}.contaminating"),
        "demand": _one_dimension(obj.get("delivery", [0]), f"{path}.delivery"),
        "required": _bool(obj.get("required", False), f"{path}.required"),
        "preferred_crew": _opt(obj.get("preferred_vehicle"), _str, f"{path}.preferred_vehicle"),
        "move_cost": _nonneg(obj.get("move_cost", 0), f"{path}.move_cost"),
        "urgency": _nonneg(obj.get("urgency", 0), f"{path}.urgency"),
        "follows": _opt(obj.get("follows"), _str, f"{path}.follows"),
        "reorder_cost": _nonneg(obj.get("reorder_cost", 0), f"{path}.reorder_cost"),
        "promised": _bool(obj.get("promised", False), f"{path}.promised"),
        "unserved_waits": _bool(obj.get("unserved_waits", False), f"{path}.unserved_waits"),
    }
    try:
        model.add_job(**kwargs)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _read_vehicle(model: Model, sites: _SiteTable, raw: Any, path: str) -> None:
    obj = _obj(raw, path)
    _known_keys(obj, _VEHICLE_KEYS, path)
    crew_id = _str(_required(obj, "id", path), f"{path}.id")
    start = sites.resolve(obj, "start", "start_index", path)
    if start is None:
        raise ValueError(f"{path}: needs start or start_index")
    end = sites.resolve(obj, "end", "end_index", path) or start
    shift = _window(_required(obj, "time_window", path), f"{path}.time_window")
    breaks = []
    for k, raw_break in enumerate(_list(obj.get("breaks", []), f"{path}.breaks")):
        bpath = f"{path}.breaks[{k}]"
        bobj = _obj(raw_break, bpath)
        _known_keys(bobj, _BREAK_KEYS, bpath)
        windows = _windows(_required(bobj, "time_windows", bpath), f"{bpath}.time_windows")
        if len(windows) != 1:
            raise ValueError(f"{bpath}.time_windows: exactly one window is supported, got {len(windows)}")
        duration = _int(_required(bobj, "service", bpath), f"{bpath}.service")
        if duration <= 0:
            raise ValueError(f"{bpath}.service: a break must last > 0 s, got {duration}")
        if duration > windows[0].end - windows[0].start:
            raise ValueError(f"{bpath}.service: {duration} s does not fit in its window {_window_json(windows[0])}")
        breaks.append(
            Break(
                id=_str(_required(bobj, "id", bpath), f"{bpath}.id"),
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
        "max_work": _opt(obj.get("max_work"), _int, f"{path}.max_work"),
        "skills": _skills(obj.get("skills", []), f"{path}.skills"),
        "max_homes": _opt(obj.get("max_homes"), _int, f"{path}.max_homes"),
        "max_exposure": _opt(obj.get("max_exposure"), _int, f"{path}.max_exposure"),
        "breaks": breaks,
        "speed_factor": _number(obj.get("speed_factor", 1.0), f"{path}.speed_factor"),
        "capacity": None if capacity is None else _one_dimension(capacity, f"{path}.capacity"),
        "homes_allowed": _bool(obj.get("homes_allowed", True), f"{path}.homes_allowed"),
        "profile": _opt(obj.get("profile"), _str, f"{path}.profile"),
    }
    try:
        model.add_crew(**kwargs)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _matrices(raw: Any) -> dict[str, tuple[list[list[int]], list[list[int]]]]:
    """Profile name -> (durations, distances). One profile: shared by every vehicle; several: one per profile."""
    obj = _obj(raw, "matrices")
    if not obj:
        raise ValueError("matrices: give at least one profile (e.g. 'car')")
    out: dict[str, tuple[list[list[int]], list[list[int]]]] = {}
    for name, value in obj.items():
        path = f"matrices.{name}"
        prof = _obj(value, path)
        _known_keys(prof, {"durations", "distances"}, path)
        durations = _square(_required(prof, "durations", path), f"{path}.durations")
        distances = _square(_required(prof, "distances", path), f"{path}.distances")
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
    rows = _list(raw, path)
    out = []
    for r, row in enumerate(rows):
        cells = _list(row, f"{path}[{r}]")
        if len(cells) != len(rows):
            raise ValueError(f"{path}[{r}]: {len(cells)} values in a {len(rows)}-row matrix")
        out.append([_nonneg(v, f"{path}[{r}][{c}]") for c, v in enumerate(cells)])
    return out


def _travel_model(raw: Any) -> TravelModel:
    obj = _obj(raw, "travel")
    kind = _required(obj, "model", "travel")
    try:
        if kind == "great_circle":
            _known_keys(obj, {"model", "circuity", "speed_kmh"}, "travel")
            return GreatCircleTravel(
                circuity=_number(obj.get("circuity", 1.35), "travel.circuity"),
                speed_kmh=_number(obj.get("speed_kmh", 30.0), "travel.speed_kmh"),
            )
        if kind == "euclidean":
            _known_keys(obj, {"model", "scale"}, "travel")
            return EuclideanTravel(scale=_int(obj.get("scale", 1), "travel.scale"))
    except ValueError as exc:
        if str(exc).startswith("travel"):
            raise
        raise ValueError(f"travel: {exc}") from None
    raise ValueError(f"travel.model: must be 'great_circle' or 'euclidean', got {kind!r}")


def _objective(raw: Any) -> Objective:
    obj = _obj(raw, "objective")
    _known_keys(obj, _OBJECTIVE_KEYS, "objective")
    default = Objective()
    return Objective(
        **{key: _nonneg(obj.get(key, getattr(default, key)), f"objective.{key}") for key in sorted(_OBJECTIVE_KEYS)}
    )


# ------------------------------------------------------------------------------------------- value readers


def _obj(raw: Any, path: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected an object, got {_kind(raw)}")
    return raw


def _list(raw: Any, path: str) -> list[Any]:
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected an array, got {_kind(raw)}")
    return raw


def _required(obj: Mapping[str, Any], key: str, path: str) -> Any:
    if key not in obj:
        raise ValueError(f"{_join(path, key)}: missing")
    return obj[key]


def _known_keys(obj: Mapping[str, Any], known: set[str], path: str) -> None:
    unknown = sorted(set(obj) - known)
    if unknown:
        raise ValueError(f"{_join(path, unknown[0])}: unknown field (known: {', '.join(sorted(known))})")


def _int(raw: Any, path: str) -> int:
    # JSON writers may print 1800 as 1800.0; a fractional second is an error, not something to round.
    if isinstance(raw, bool) or not isinstance(raw, int | float) or (isinstance(raw, float) and not raw.is_integer()):
        raise ValueError(f"{path}: expected an integer, got {raw!r}")
    return int(raw)


def _nonneg(raw: Any, path: str) -> int:
    value = _int(raw, path)
    if value < 0:
        raise ValueError(f"{path}: must be >= 0, got {value}")
    return value


def _number(raw: Any, path: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not np.isfinite(raw):
        raise ValueError(f"{path}: expected a finite number, got {raw!r}")
    return float(raw)


def _bool(raw: Any, path: str) -> bool:
    if not isinstance(raw, bool):
        raise ValueError(f"{path}: expected true or false, got {raw!r}")
    return raw


def _str(raw: Any, path: str) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"{path}: expected a string, got {raw!r}")
    return raw


def _opt[T](raw: Any, read: Callable[[Any, str], T], path: str) -> T | None:
    return None if raw is None else read(raw, path)


def _location(raw: Any, path: str) -> tuple[float, float]:
    pair = _list(raw, path)
    if len(pair) != 2:
        raise ValueError(f"{path}: expected [lon, lat] (or [x, y]), got {len(pair)} values")
    return _number(pair[0], f"{path}[0]"), _number(pair[1], f"{path}[1]")


def _window(raw: Any, path: str) -> TimeWindow:
    pair = _list(raw, path)
    if len(pair) != 2:
        raise ValueError(f"{path}: expected [start, end], got {len(pair)} values")
    start, end = _int(pair[0], f"{path}[0]"), _int(pair[1], f"{path}[1]")
    if start > end:
        raise ValueError(f"{path}: start after end ({start} > {end})")
    return TimeWindow(start, end)


def _windows(raw: Any, path: str) -> list[TimeWindow]:
    return [_window(w, f"{path}[{k}]") for k, w in enumerate(_list(raw, path))]


def _skills(raw: Any, path: str) -> list[str]:
    return [_str(s, f"{path}[{k}]") for k, s in enumerate(_list(raw, path))]


def _one_dimension(raw: Any, path: str) -> int:
    values = _list(raw, path)
    if len(values) != 1:
        raise ValueError(f"{path}: expected one load dimension, e.g. [3], got {len(values)} values")
    return _nonneg(values[0], f"{path}[0]")


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _kind(raw: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(raw), type(raw).__name__
    )


# ---------------------------------------------------------------------------------------------- solution


def route_cost(problem: Problem, route: Route) -> int:
    """The route's share of the objective (drop penalties excluded): travel, distance, waiting, urgency,
    moves and reorders."""
    obj = problem.objective
    crew_id = route.crew_id
    moves = sum(
        job.move_cost
        for jid in route.job_ids()
        if (job := problem.job(jid)).preferred_crew is not None and job.preferred_crew != crew_id
    )
    urgency = sum(
        job.urgency * max(0, step.start - problem.wait_origin)
        for step in route.steps
        if step.job_id is not None and (job := problem.job(step.job_id)).urgency
    )
    ids = route.job_ids()
    reorders = sum(
        job.reorder_cost
        for before, jid in zip(("", *ids), ids, strict=False)
        if (job := problem.job(jid)).reorder_cost and job.follows is not None and job.follows != before
    )
    s = route.summary
    return (
        obj.travel_time_weight * s.travel_time
        + obj.distance_weight * s.distance
        + obj.wait_weight * s.customer_seconds
        + urgency
        + moves
        + reorders
    )


def solution_to_json(problem: Problem, solution: Solution) -> dict[str, Any]:
    """The solution in VROOM's output shape, with reasons for unassigned jobs and exposure per step.

    Every vehicle has a route (an unused one is just start and end); ``summary.routes`` counts used ones.
    """
    routes = [_route_json(problem, r) for r in solution.routes]
    used = [r for r, out in zip(solution.routes, routes, strict=True) if r.summary.visits > 0]
    total = {
        key: sum(r[key] for r in routes)
        for key in ("cost", "service", "duration", "waiting_time", "distance", "breaks", "homes_entered", "exposure")
    }
    stats = solution.stats
    return {
        "code": 0,
        "summary": {
            "cost": total["cost"],
            "routes": len(used),
            "unassigned": len(solution.unassigned),
            "service": total["service"],
            "duration": total["duration"],
            "waiting_time": total["waiting_time"],
            "distance": total["distance"],
            "breaks": total["breaks"],
            "homes_entered": total["homes_entered"],
            "exposure": total["exposure"],
            "customer_seconds": sum(r.summary.customer_seconds for r in solution.routes),
            "search": {
                "status": stats.status,
                "objective": stats.objective,
                "wall_time": stats.wall_time,
                "first_solution_time": stats.first_solution_time,
                "solutions": stats.solutions,
                "strategy": stats.strategy,
                "reproducible": stats.reproducible,
            },
        },
        "unassigned": [_unassigned_json(problem, u) for u in solution.unassigned],
        "routes": routes,
    }


def _unassigned_json(problem: Problem, u: Unassigned) -> dict[str, Any]:
    job = problem.job(u.job_id)
    return {
        "id": u.job_id,
        "type": "job",
        "reason": u.reason.value,
        "detail": u.detail,
        "priority": job.priority,
        "location": [job.site.x, job.site.y],
        "location_index": job.site.index,
    }


def _route_json(problem: Problem, route: Route) -> dict[str, Any]:
    steps = []
    travel = distance = 0
    for step in route.steps:
        travel += step.travel_time
        distance += step.travel_distance
        out: dict[str, Any] = {"type": _STEP_TYPES[step.type]}
        if step.job_id is not None:
            out["id"] = step.job_id
        elif step.break_id is not None:
            out["id"] = step.break_id
        if step.site_index >= 0:
            site = problem.sites[step.site_index]
            out["location"] = [site.x, site.y]
            out["location_index"] = site.index
        out.update(
            arrival=step.arrival,
            duration=travel,
            service=step.end - step.start,
            waiting_time=step.waiting,
            distance=distance,
            load=[step.load],
            homes_entered=step.homes_entered,
            exposure=step.exposure,
        )
        steps.append(out)
    s = route.summary
    return {
        "vehicle": route.crew_id,
        "cost": route_cost(problem, route),
        "visits": s.visits,
        "service": s.service_time,
        "duration": s.travel_time,
        "waiting_time": s.waiting_time,
        "distance": s.distance,
        "breaks": s.break_time,
        "span": s.duration,
        "homes_entered": s.homes_entered,
        "exposure": s.exposure,
        "customer_seconds": s.customer_seconds,
        "steps": steps,
    }


def solution_from_json(data: Any) -> Solution:
    """Read a solution written by :func:`solution_to_json` back into a :class:`Solution`.

    Step times are rebuilt as ``start = arrival + waiting_time`` and ``end = start + service``; leg travel
    and distance are differences of the cumulative ``duration``/``distance``.
    """
    root = _obj(data, "solution")
    code = _int(_required(root, "code", ""), "code")
    if code != 0:
        raise ValueError(f"code: {code} is an error answer ({root.get('error', 'no message')})")
    summary = _obj(_required(root, "summary", ""), "summary")
    raw_stats = _obj(_required(summary, "search", "summary"), "summary.search")
    stats = SearchStats(
        status=_str(raw_stats["status"], "summary.search.status"),
        objective=_int(raw_stats["objective"], "summary.search.objective"),
        wall_time=_number(raw_stats["wall_time"], "summary.search.wall_time"),
        first_solution_time=_number(raw_stats["first_solution_time"], "summary.search.first_solution_time"),
        solutions=_int(raw_stats["solutions"], "summary.search.solutions"),
        strategy=_str(raw_stats["strategy"], "summary.search.strategy"),
        reproducible=_bool(raw_stats["reproducible"], "summary.search.reproducible"),
    )
    unassigned = []
    for i, raw in enumerate(_list(root.get("unassigned", []), "unassigned")):
        path = f"unassigned[{i}]"
        obj = _obj(raw, path)
        reason = _str(_required(obj, "reason", path), f"{path}.reason")
        if reason not in Reason._value2member_map_:
            raise ValueError(f"{path}.reason: unknown reason {reason!r}")
        unassigned.append(
            Unassigned(
                job_id=_str(_required(obj, "id", path), f"{path}.id"),
                reason=Reason(reason),
                detail=_str(obj.get("detail", ""), f"{path}.detail"),
            )
        )
    routes = [_read_route(raw, f"routes[{i}]") for i, raw in enumerate(_list(root.get("routes", []), "routes"))]
    return Solution(routes=tuple(routes), unassigned=tuple(unassigned), stats=stats)


def _read_route(raw: Any, path: str) -> Route:
    obj = _obj(raw, path)
    steps = []
    travel = distance = 0
    for k, raw_step in enumerate(_list(_required(obj, "steps", path), f"{path}.steps")):
        spath = f"{path}.steps[{k}]"
        s = _obj(raw_step, spath)
        kind = _str(_required(s, "type", spath), f"{spath}.type")
        if kind not in _STEP_TYPES_BACK:
            raise ValueError(f"{spath}.type: must be one of {sorted(_STEP_TYPES_BACK)}, got {kind!r}")
        step_type = _STEP_TYPES_BACK[kind]
        arrival = _int(_required(s, "arrival", spath), f"{spath}.arrival")
        start = arrival + _int(s.get("waiting_time", 0), f"{spath}.waiting_time")
        cum_travel = _int(s.get("duration", travel), f"{spath}.duration")
        cum_distance = _int(s.get("distance", distance), f"{spath}.distance")
        step_id = _opt(s.get("id"), _str, f"{spath}.id")
        steps.append(
            Step(
                type=step_type,
                arrival=arrival,
                start=start,
                end=start + _int(s.get("service", 0), f"{spath}.service"),
                job_id=step_id if step_type is StepType.VISIT else None,
                break_id=step_id if step_type is StepType.BREAK else None,
                site_index=_int(s.get("location_index", -1), f"{spath}.location_index"),
                travel_distance=cum_distance - distance,
                travel_time=cum_travel - travel,
                homes_entered=_int(s.get("homes_entered", 0), f"{spath}.homes_entered"),
                exposure=_int(s.get("exposure", 0), f"{spath}.exposure"),
                load=_one_dimension(s.get("load", [0]), f"{spath}.load"),
            )
        )
        travel, distance = cum_travel, cum_distance
    summary = RouteSummary(
        visits=_int(_required(obj, "visits", path), f"{path}.visits"),
        homes_entered=_int(_required(obj, "homes_entered", path), f"{path}.homes_entered"),
        exposure=_int(_required(obj, "exposure", path), f"{path}.exposure"),
        distance=_int(_required(obj, "distance", path), f"{path}.distance"),
        travel_time=_int(_required(obj, "duration", path), f"{path}.duration"),
        service_time=_int(_required(obj, "service", path), f"{path}.service"),
        waiting_time=_int(_required(obj, "waiting_time", path), f"{path}.waiting_time"),
        break_time=_int(_required(obj, "breaks", path), f"{path}.breaks"),
        duration=_int(_required(obj, "span", path), f"{path}.span"),
        customer_seconds=_int(_required(obj, "customer_seconds", path), f"{path}.customer_seconds"),
    )
    return Route(crew_id=_str(_required(obj, "vehicle", path), f"{path}.vehicle"), steps=tuple(steps), summary=summary)
