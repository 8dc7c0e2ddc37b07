"""The border pass: tickets left unassigned in their part are offered to a neighbouring part's crews.

Parts are solved on their own, so a ticket can stay open because of where the region was cut: its own
part's crews were full (or it was set aside in a crowded depot) while the crews of the part next door had
time. After the parts are solved, every such ticket (unassigned by the solver, or ``crowded_out``) within
reach of another part's crews (no farther from that part's nearest depot than the part's own farthest
ticket) goes to the nearest such part; each part that receives some is solved again, warm-started from
its routes, with the extra tickets. The new solution is kept only if its tickets served by priority,
compared most urgent first, are no worse than the old one's (see :func:`_better`). A ticket is served by one part at
most: the part it came from no longer reports it unassigned.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np

import solver
from dispatch.core.domain import PlanInputs, Ticket
from dispatch.core.policy import Policy
from dispatch.planning.build import Build, build_problem
from solver.travel import great_circle_m

# Which of a part's tickets are offered: those the solver left out and those a crowded depot set aside.
OFFERED = frozenset({*(r.value for r in solver.Reason), "crowded_out"}) - {"no_crew_on_shift"}

Solve = Callable[[list[solver.Problem], dict[str, list[str]]], list[solver.Solution]]


@dataclasses.dataclass(frozen=True)
class BorderResult:
    """The parts after the pass and how many tickets changed part (offered; served by the neighbour)."""

    parts: list[tuple[Build, solver.Solution | None]]
    offered: int
    taken: int


def border_pass(
    parts: Sequence[tuple[PlanInputs, Build, solver.Solution | None]],
    policy: Policy,
    solve: Solve,
    *,
    as_of: dt.datetime | None = None,
) -> BorderResult:
    """Offer each part's open tickets to its nearest neighbour in reach; ``solve(problems, routes)`` solves
    the receiving parts again (warm: ``routes`` are their crews' current routes)."""
    left = _left_open(parts)
    to = _neighbour_of(parts, left)
    # A part that receives keeps its own open tickets (its new solve may place them): a ticket moves once.
    home = {t: i for i, (_, b, _) in enumerate(parts) for t in b.tickets}
    to = {t: k for t, k in to.items() if home[t] not in set(to.values())}
    if not to:
        return BorderResult([(b, s) for _, b, s in parts], 0, 0)
    receiving = sorted(set(to.values()))
    builds: list[Build] = []
    routes: dict[str, list[str]] = {}
    for k in receiving:
        inputs, _, solution = parts[k]
        extra = tuple(left[t] for t, part in to.items() if part == k)
        builds.append(
            build_problem(dataclasses.replace(inputs, tickets=(*inputs.tickets, *extra)), policy, as_of=as_of)
        )
        routes.update({r.crew_id: list(r.job_ids()) for r in solution.routes} if solution else {})
    again = solve([b.problem for b in builds], routes)
    out = [(b, s) for _, b, s in parts]
    for k, build, solution in zip(receiving, builds, again, strict=True):
        if _better(solution, out[k][1], build):
            out[k] = (build, solution)
    served = {jid for k in receiving for jid in (out[k][1].assigned_job_ids() if out[k][1] else ())}
    taken = {t for t in to if t in served}
    # Each ticket once: out of the part it came from if the neighbour serves it, else out of the neighbour.
    drop: dict[int, set[str]] = {}
    for t, k in to.items():
        drop.setdefault(home[t] if t in taken else k, set()).add(t)
    return BorderResult([_without(b, s, drop.get(i, set())) for i, (b, s) in enumerate(out)], len(to), len(taken))


def _left_open(parts: Sequence[tuple[PlanInputs, Build, solver.Solution | None]]) -> dict[str, Ticket]:
    out: dict[str, Ticket] = {}
    for _, build, solution in parts:
        pre = [u.ticket_id for u in build.pre_unassigned if u.reason in OFFERED]
        solved = [u.job_id for u in solution.unassigned if u.reason.value in OFFERED] if solution else []
        out.update({t: build.tickets[t] for t in (*pre, *solved) if t in build.tickets})
    return out


def _neighbour_of(
    parts: Sequence[tuple[PlanInputs, Build, solver.Solution | None]], left: dict[str, Ticket]
) -> dict[str, int]:
    """Each open ticket's nearest other part whose crews can reach it (ticket id -> part index)."""
    if not left:
        return {}
    ids = list(left)
    t_lat = np.array([left[t].lat for t in ids])
    t_lon = np.array([left[t].lon for t in ids])
    home = {t: i for i, (_, b, _) in enumerate(parts) for t in b.tickets}
    best = np.full(len(ids), np.inf)
    part = np.full(len(ids), -1)
    for k, (inputs, build, solution) in enumerate(parts):
        if solution is None or not build.crews:
            continue
        d_lat = np.array([c.crew.depot_lat for c in build.crews])
        d_lon = np.array([c.crew.depot_lon for c in build.crews])
        own = inputs.tickets
        reach = _nearest(np.array([t.lat for t in own]), np.array([t.lon for t in own]), d_lat, d_lon).max(initial=0)
        near = _nearest(t_lat, t_lon, d_lat, d_lon)
        ok = (near <= reach) & (near < best) & np.array([home[t] != k for t in ids])
        best[ok], part[ok] = near[ok], k
    return {t: int(k) for t, k in zip(ids, part.tolist(), strict=True) if k >= 0}


def _nearest(lat: np.ndarray, lon: np.ndarray, d_lat: np.ndarray, d_lon: np.ndarray) -> np.ndarray:
    if len(lat) == 0:
        return np.zeros(0)
    return great_circle_m(lon[:, None], lat[:, None], d_lon[None, :], d_lat[None, :]).min(axis=1)


def _served_by_priority(solution: solver.Solution | None, build: Build) -> tuple[int, ...]:
    if solution is None:
        return ()
    problem = build.problem
    return problem.served_by_class(problem.job(j) for j in solution.assigned_job_ids())


def _better(new: solver.Solution, old: solver.Solution | None, build: Build) -> bool:
    """Whether ``new`` serves no fewer tickets than ``old``, compared by priority, emergencies first."""
    return old is None or _served_by_priority(new, build) >= _served_by_priority(old, build)


def _without(build: Build, solution: solver.Solution | None, taken: set[str]) -> tuple[Build, solver.Solution | None]:
    """A part no longer reporting unassigned the tickets a neighbour now serves."""
    build = dataclasses.replace(
        build,
        tickets={t: v for t, v in build.tickets.items() if t not in taken},
        pre_unassigned=[u for u in build.pre_unassigned if u.ticket_id not in taken],
    )
    if solution is not None:
        solution = dataclasses.replace(
            solution, unassigned=tuple(u for u in solution.unassigned if u.job_id not in taken)
        )
    return build, solution
