"""The exchange format's solution side (see docs/exchange-format.md): a solution in VROOM's output shape
(``code``/``summary``/``unassigned``/``routes``, integer seconds and metres) with reasons for unassigned jobs
and running exposure figures on every step, read back exactly; and a route's share of the objective."""

from __future__ import annotations

from typing import Any

from solver.exchange_fields import (
    check_known_keys,
    read_bool,
    read_int,
    read_list,
    read_number,
    read_obj,
    read_one_dimension,
    read_opt,
    read_required,
    read_skills,
    read_str,
    read_windows,
)
from solver.model import Problem
from solver.solution import Facts, Reason, Route, RouteSummary, SearchStats, Solution, Step, StepType, Unassigned

_STEP_TYPES = {StepType.START: "start", StepType.VISIT: "job", StepType.BREAK: "break", StepType.END: "end"}
_STEP_TYPES_BACK = {v: k for k, v in _STEP_TYPES.items()}


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
        **({"facts": _facts_json(u.facts)} if u.facts is not None else {}),
    }


def _facts_json(f: Facts) -> dict[str, Any]:
    """The values the detail names: only those set (see solver.solution.Facts)."""
    out: dict[str, Any] = {}
    if f.skills:
        out["skills"] = list(f.skills)
    if f.crews:
        out["crews"] = list(f.crews)
    for key in ("count", "minutes", "cap_minutes", "demand", "at"):
        value = getattr(f, key)
        if value is not None:
            out[key] = value
    if f.windows:
        out["windows"] = [list(w) for w in f.windows]
    return out


def _read_facts(raw: Any, path: str) -> Facts:
    obj = read_obj(raw, path)
    check_known_keys(obj, FACT_KEYS, path)

    def opt_int(key: str) -> int | None:
        return read_opt(obj.get(key), read_int, f"{path}.{key}")

    return Facts(
        skills=tuple(read_skills(obj.get("skills", []), f"{path}.skills")),
        crews=tuple(read_skills(obj.get("crews", []), f"{path}.crews")),
        count=opt_int("count"),
        minutes=opt_int("minutes"),
        cap_minutes=opt_int("cap_minutes"),
        demand=opt_int("demand"),
        windows=tuple((w.start, w.end) for w in read_windows(obj.get("windows", []), f"{path}.windows")),
        at=opt_int("at"),
    )


FACT_KEYS = {"skills", "crews", "count", "minutes", "cap_minutes", "demand", "windows", "at"}


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
    root = read_obj(data, "solution")
    code = read_int(read_required(root, "code", ""), "code")
    if code != 0:
        raise ValueError(f"code: {code} is an error answer ({root.get('error', 'no message')})")
    summary = read_obj(read_required(root, "summary", ""), "summary")
    raw_stats = read_obj(read_required(summary, "search", "summary"), "summary.search")
    stats = SearchStats(
        status=read_str(raw_stats["status"], "summary.search.status"),
        objective=read_int(raw_stats["objective"], "summary.search.objective"),
        wall_time=read_number(raw_stats["wall_time"], "summary.search.wall_time"),
        first_solution_time=read_number(raw_stats["first_solution_time"], "summary.search.first_solution_time"),
        solutions=read_int(raw_stats["solutions"], "summary.search.solutions"),
        strategy=read_str(raw_stats["strategy"], "summary.search.strategy"),
        reproducible=read_bool(raw_stats["reproducible"], "summary.search.reproducible"),
    )
    unassigned = []
    for i, raw in enumerate(read_list(root.get("unassigned", []), "unassigned")):
        path = f"unassigned[{i}]"
        obj = read_obj(raw, path)
        reason = read_str(read_required(obj, "reason", path), f"{path}.reason")
        if reason not in Reason._value2member_map_:
            raise ValueError(f"{path}.reason: unknown reason {reason!r}")
        unassigned.append(
            Unassigned(
                job_id=read_str(read_required(obj, "id", path), f"{path}.id"),
                reason=Reason(reason),
                detail=read_str(obj.get("detail", ""), f"{path}.detail"),
                facts=read_opt(obj.get("facts"), _read_facts, f"{path}.facts"),
            )
        )
    routes = [_read_route(raw, f"routes[{i}]") for i, raw in enumerate(read_list(root.get("routes", []), "routes"))]
    return Solution(routes=tuple(routes), unassigned=tuple(unassigned), stats=stats)


def _read_route(raw: Any, path: str) -> Route:
    obj = read_obj(raw, path)
    steps = []
    travel = distance = 0
    for k, raw_step in enumerate(read_list(read_required(obj, "steps", path), f"{path}.steps")):
        spath = f"{path}.steps[{k}]"
        s = read_obj(raw_step, spath)
        kind = read_str(read_required(s, "type", spath), f"{spath}.type")
        if kind not in _STEP_TYPES_BACK:
            raise ValueError(f"{spath}.type: must be one of {sorted(_STEP_TYPES_BACK)}, got {kind!r}")
        step_type = _STEP_TYPES_BACK[kind]
        arrival = read_int(read_required(s, "arrival", spath), f"{spath}.arrival")
        start = arrival + read_int(s.get("waiting_time", 0), f"{spath}.waiting_time")
        cum_travel = read_int(s.get("duration", travel), f"{spath}.duration")
        cum_distance = read_int(s.get("distance", distance), f"{spath}.distance")
        step_id = read_opt(s.get("id"), read_str, f"{spath}.id")
        steps.append(
            Step(
                type=step_type,
                arrival=arrival,
                start=start,
                end=start + read_int(s.get("service", 0), f"{spath}.service"),
                job_id=step_id if step_type is StepType.VISIT else None,
                break_id=step_id if step_type is StepType.BREAK else None,
                site_index=read_int(s.get("location_index", -1), f"{spath}.location_index"),
                travel_distance=cum_distance - distance,
                travel_time=cum_travel - travel,
                homes_entered=read_int(s.get("homes_entered", 0), f"{spath}.homes_entered"),
                exposure=read_int(s.get("exposure", 0), f"{spath}.exposure"),
                load=read_one_dimension(s.get("load", [0]), f"{spath}.load"),
            )
        )
        travel, distance = cum_travel, cum_distance
    summary = RouteSummary(
        visits=read_int(read_required(obj, "visits", path), f"{path}.visits"),
        homes_entered=read_int(read_required(obj, "homes_entered", path), f"{path}.homes_entered"),
        exposure=read_int(read_required(obj, "exposure", path), f"{path}.exposure"),
        distance=read_int(read_required(obj, "distance", path), f"{path}.distance"),
        travel_time=read_int(read_required(obj, "duration", path), f"{path}.duration"),
        service_time=read_int(read_required(obj, "service", path), f"{path}.service"),
        waiting_time=read_int(read_required(obj, "waiting_time", path), f"{path}.waiting_time"),
        break_time=read_int(read_required(obj, "breaks", path), f"{path}.breaks"),
        duration=read_int(read_required(obj, "span", path), f"{path}.span"),
        customer_seconds=read_int(read_required(obj, "customer_seconds", path), f"{path}.customer_seconds"),
    )
    return Route(
        crew_id=read_str(read_required(obj, "vehicle", path), f"{path}.vehicle"), steps=tuple(steps), summary=summary
    )
