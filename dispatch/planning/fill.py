"""The fill pass over the assembled plan: a ticket one part left unassigned is offered to the other parts' crews.

Each part's search already inserts whatever fits its own routes (``solver.fill``). A region split into
parts can still leave a ticket near a border unassigned while a crew of the neighbouring part has room
for it. For each part in turn, the other parts' leftover tickets within reach of its crews are added to
its problem (its crews, its served tickets, those candidates; travel from the same model) and its routes
are filled again with the solver's exact rules; a ticket taken there leaves the other part's unassigned.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

import numpy as np

import solver
from dispatch.core.domain import PlanInputs, Ticket
from dispatch.core.policy import Policy
from dispatch.planning.build import Build, build_problem
from solver.travel import great_circle_m

# Candidates offered to one part at most (the nearest first): bounds the problem a border fill builds.
MAX_CANDIDATES = 1500
# How far beyond its reach (metres) a ticket may lie from a part's depots and stops to be offered to it.
MIN_REACH_M = 5_000.0

Part = tuple[Build, solver.Solution | None]
# Builds a part's problem over some of the day's inputs, given the tickets that are emergencies wherever
# they go (the nightly plan: build_problem as is; a re-plan: with its stability costs, see
# dispatch.intraday.parts).
Rebuild = Callable[[PlanInputs, frozenset[str]], Build]


def fill_across_parts(
    inputs: PlanInputs, policy: Policy, parts: Sequence[Part], *, rebuild: Rebuild | None = None
) -> list[Part]:
    """``parts`` (as :func:`dispatch.planning.document.assemble_plan` takes them: a part not solved has no
    solution) with each solved part's routes filled with the other parts' leftover tickets that fit;
    ``rebuild`` builds a part's problem with the candidates added (default: :func:`build_problem`)."""
    out = list(parts)
    if len(out) < 2:
        return out
    sticky = frozenset().union(*(b.emergencies for b, _ in out))
    make = rebuild or (lambda sub, emergencies: build_problem(sub, policy, emergencies=emergencies))
    for b, (build, solution) in enumerate(out):
        if solution is None or not build.crews:
            continue
        leftovers = [out[a][0].tickets[tid] for a in range(len(out)) if a != b for tid in _leftovers(out[a])]
        candidates = _within_reach(build, solution, leftovers, policy)
        if not candidates:
            continue
        served = [build.tickets[jid] for r in solution.routes for jid in r.job_ids()]
        crew_ids = {c.crew.crew_id for c in build.crews}
        sub = dataclasses.replace(
            inputs,
            tickets=tuple(served + candidates),
            crews=tuple(c for c in inputs.crews if c.crew_id in crew_ids),
            shifts=tuple(s for s in inputs.shifts if s.crew_id in crew_ids),
        )
        bigger = make(sub, sticky)
        filled = solver.fill_solution(bigger.problem, solution.routes, solution.stats)
        taken = {jid for r in filled.routes for jid in r.job_ids()} - {t.ticket_id for t in served}
        if not taken:
            continue
        merged = dataclasses.replace(
            build,
            problem=bigger.problem,
            tickets={**build.tickets, **bigger.tickets},
            exposure_min={**build.exposure_min, **bigger.exposure_min},
            emergencies=build.emergencies | (bigger.emergencies & taken),
        )
        out[b] = (merged, dataclasses.replace(filled, unassigned=solution.unassigned))
        out = [part if a == b else _without(part, taken) for a, part in enumerate(out)]
    return out


def _leftovers(part: Part) -> list[str]:
    """A part's tickets left for others: the search's unassigned, or a set-aside part's crowded-out tickets
    (a ticket unassigned before solving for any other reason, e.g. a closed zone, never fits)."""
    build, solution = part
    if solution is not None:
        return [u.job_id for u in solution.unassigned]
    return [u.ticket_id for u in build.pre_unassigned if u.reason == solver.Reason.CROWDED_OUT.value]


def _without(part: Part, taken: set[str]) -> Part:
    build, solution = part
    if solution is not None:
        return build, dataclasses.replace(
            solution, unassigned=tuple(u for u in solution.unassigned if u.job_id not in taken)
        )
    return dataclasses.replace(
        build, pre_unassigned=[u for u in build.pre_unassigned if u.ticket_id not in taken]
    ), None


def _within_reach(build: Build, solution: solver.Solution, tickets: list[Ticket], policy: Policy) -> list[Ticket]:
    """The tickets that could lie on one of the part's routes: near one of its depots or stops, within the
    longest leg of its routes plus the longest idle stretch a crew has at the end of its shift (driven at
    the car's speed), at least :data:`MIN_REACH_M`; the nearest :data:`MAX_CANDIDATES`."""
    if not tickets:
        return []
    problem = build.problem
    nodes = [c.start for c in problem.crews] + [c.end for c in problem.crews]
    longest_leg = idle = 0
    for crew in problem.crews:
        route = solution.route_of(crew.id)
        nodes.extend(problem.job(jid).site for jid in route.job_ids())
        longest_leg = max([longest_leg, *(s.travel_distance for s in route.steps)])
        idle = max(idle, crew.shift.end - route.steps[-1].arrival)
    reach = max(MIN_REACH_M, longest_leg + idle * policy.travel.car_speed_kmh / 3.6)
    lon = np.array([s.x for s in nodes])
    lat = np.array([s.y for s in nodes])
    t_lon = np.array([t.lon for t in tickets])
    t_lat = np.array([t.lat for t in tickets])
    nearest = great_circle_m(t_lon[:, None], t_lat[:, None], lon[None, :], lat[None, :]).min(axis=1)
    order = [i for i in np.argsort(nearest, kind="stable").tolist() if nearest[i] <= reach]
    return [tickets[i] for i in order[:MAX_CANDIDATES]]
