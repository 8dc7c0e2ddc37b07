"""The one module that talks to OR-Tools: builds a routing model from a Problem and runs one search.

Everything OR-Tools-specific (indices, callbacks, dimensions, search parameters) stays here;
the result leaves as plain tuples (:class:`RawResult`) that ``solver.assemble`` turns into steps.
Verified against ortools 9.15.6755 (see ../shared/docs/ortools-notes.md):
- ``SetAllowedVehiclesForIndex`` raises TypeError in 9.15, so skills use ``VehicleVar(i).SetValues``;
- an exception inside a Python callback is swallowed and the solve "succeeds", so callbacks record
  their errors and the search re-raises them;
- a registered matrix is fast for arc costs, but a matrix-backed time dimension is slow on large
  problems, so transits use a Python callback above ``MATRIX_TRANSIT_MAX_NODES``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from google.protobuf import json_format
from google.protobuf.duration_pb2 import Duration
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_heuristic_parameters_pb2

from solver.model import Problem
from solver.portfolio import ILS_MIN_JOBS, LONG_ROUTE_VISITS, SearchMember, guided_fallback, uses_iterated_local_search
from solver.shape import visits_per_route

MATRIX_TRANSIT_MAX_NODES = 400
# Reproducible mode's bound on search work besides the solution count (about 0.15 s for one job).
REPRODUCIBLE_BASE_BRANCHES = 20_000
REPRODUCIBLE_BRANCHES_PER_JOB = 500
_NO_LIMIT = 2**62
# Time limit of reading a warm start (the read stops at its first solution; this only keeps OR-Tools from
# calling a guided local search unbounded).
READ_LIMIT_S = 3600

FIRST_SOLUTION = routing_enums_pb2.FirstSolutionStrategy
METAHEURISTIC = routing_enums_pb2.LocalSearchMetaheuristic
_BOOL = {True: 3, False: 2}  # OptionalBoolean: BOOL_TRUE = 3, BOOL_FALSE = 2
_SORT_RANDOM = routing_heuristic_parameters_pb2.LocalCheapestInsertionParameters.SORTING_PROPERTY_RANDOM


@dataclass(frozen=True)
class RawRoute:
    crew: int
    start_time: int
    end_time: int
    visits: tuple[tuple[int, int], ...]  # (job position in problem.jobs, service start)
    breaks: tuple[tuple[int, int], ...]  # (break position in crew.breaks, break start)


@dataclass(frozen=True)
class RawResult:
    routes: tuple[RawRoute, ...]
    objective: int
    status: str
    solutions: int
    first_solution_time: float
    wall_time: float
    member: str


class CallbackError(RuntimeError):
    """A Python transit callback failed; OR-Tools would otherwise report success (issue 3224)."""


def search_parameters(
    member: SearchMember, *, time_limit: float | None, solution_limit: int | None
) -> pywrapcp.DefaultRoutingSearchParameters:
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(FIRST_SOLUTION, member.first_solution)
    params.local_search_metaheuristic = getattr(METAHEURISTIC, member.metaheuristic)
    params.guided_local_search_lambda_coefficient = member.gls_lambda
    params.use_full_propagation = member.use_full_propagation
    # Breaks make route scheduling a MIP; CP-SAT there was 8x slower per solution than GLOP on
    # a lunch-break case with waiting costs, for the same objective. The checker guards the result.
    params.mixed_integer_scheduling_solver = 1  # SCHEDULING_GLOP
    operators = params.local_search_operators
    # "*" in operators_off: every operator off except those in operators_on.
    off = [f.name for f in operators.DESCRIPTOR.fields] if "*" in member.operators_off else member.operators_off
    for op in off:
        setattr(operators, op, _BOOL[False])
    for op in member.operators_on:
        setattr(operators, op, _BOOL[True])
    for key, value in member.extra.items():
        target = params
        *path, last = key.split(".")
        for part in path:
            target = getattr(target, part)
        if isinstance(value, Mapping):
            # A message field (e.g. iterated_local_search_parameters) given in protobuf JSON form,
            # since repeated sub-messages such as ruin strategies cannot be set attribute by attribute.
            json_format.ParseDict(value, getattr(target, last))
        else:
            setattr(target, last, value)
    if time_limit is not None:
        d = Duration()
        d.FromMilliseconds(max(1, int(time_limit * 1000)))
        params.time_limit.CopyFrom(d)
    if solution_limit is not None:
        params.solution_limit = solution_limit
    if time_limit is None:
        # Reproducible mode: the 100 ms default per LNS neighbourhood is wall time, so under load
        # the search path changed from run to run (3 of 10 plans differed). Make it unbounded.
        params.lns_time_limit.FromSeconds(100_000)
    return params


def set_temperatures(
    params: pywrapcp.DefaultRoutingSearchParameters,
    member: SearchMember,
    mean_arc_cost: float,
    visits: Callable[[], float],
) -> None:
    """The member's annealing temperatures (fractions of ``mean_arc_cost``) into an iterated local search: its
    short-route ones where a crew could serve fewer than LONG_ROUTE_VISITS of the jobs (``visits``), if it has
    them."""
    if not params.use_iterated_local_search:
        return
    temperatures = member.sa_temperatures
    if member.short_route_temperatures is not None and visits() < LONG_ROUTE_VISITS:
        temperatures = member.short_route_temperatures
    if temperatures is None:
        return
    annealing = params.iterated_local_search_parameters.reference_solution_acceptance_strategy.simulated_annealing
    annealing.automatic_temperatures = False
    annealing.initial_temperature = temperatures[0] * mean_arc_cost
    annealing.final_temperature = temperatures[1] * mean_arc_cost


def set_insertion_order(
    params: pywrapcp.DefaultRoutingSearchParameters, member: SearchMember, build: RoutingBuild
) -> None:
    """The member's random insertion order into an iterated local search, where the build's jobs are all ties."""
    if not member.random_ties or not params.use_iterated_local_search or not build.all_alike():
        return
    recreate = params.iterated_local_search_parameters.ruin_recreate_parameters.recreate_strategy
    order = recreate.parameters.local_cheapest_insertion.insertion_sorting_properties
    del order[:]
    order.append(_SORT_RANDOM)


def check_parameters(params: pywrapcp.DefaultRoutingSearchParameters, member: SearchMember) -> None:
    """Raise if OR-Tools would refuse ``params`` (it logs the reason and returns no solution, which a
    portfolio would take for a member that found nothing)."""
    error = pywrapcp.FindErrorInRoutingSearchParameters(params)
    if error:
        raise ValueError(f"search member {member.name!r}: OR-Tools refuses its parameters: {error}")


def member_parameters(
    member: SearchMember, build: RoutingBuild, *, time_limit: float | None, solution_limit: int | None
) -> pywrapcp.DefaultRoutingSearchParameters:
    """The search parameters ``member`` runs with on ``build``'s problem: its own, with the annealing
    temperatures and insertion order that depend on the problem; raises if OR-Tools would refuse them."""
    params = search_parameters(member, time_limit=time_limit, solution_limit=solution_limit)
    set_temperatures(
        params, member, build.mean_arc_cost, lambda: visits_per_route(build.problem, list(build.job_of_node.values()))
    )
    set_insertion_order(params, member, build)
    check_parameters(params, member)
    return params


class RoutingBuild:
    """A routing model for one Problem. Keeps the manager and callbacks alive (issues 270, 228)."""

    # long function: the routing model is built in the order OR-Tools needs (manager, callbacks, dimensions,
    # disjunctions, breaks), each step using what the one before made.
    def __init__(self, problem: Problem, *, dimension_transits: str = "auto") -> None:
        self.problem = problem
        self.errors: list[BaseException] = []
        self.limits: list[object] = []
        crews = problem.crews
        jobs = problem.jobs

        # Nodes: the distinct crew start/end sites first, then one node per servable job.
        depot_sites: list[int] = []
        for c in crews:
            for s in (c.start.index, c.end.index):
                if s not in depot_sites:
                    depot_sites.append(s)
        self.allowed: dict[int, list[int]] = {}
        self.job_of_node: dict[int, int] = {}
        node_sites = list(depot_sites)
        horizon = max(c.shift.end for c in crews) + 1
        for j, job in enumerate(jobs):
            if job.time_windows and (job.time_windows[0].start >= horizon or job.time_windows[-1].end < 0):
                continue  # no shift reaches its windows: diagnosed as window_unreachable
            allowed = [v for v, c in enumerate(crews) if _crew_may_serve(c, job)]
            if not allowed:
                continue
            self.allowed[j] = allowed
            self.job_of_node[len(node_sites)] = j
            node_sites.append(job.site.index)
        self.node_of_job = {j: n for n, j in self.job_of_node.items()}
        n_nodes = len(node_sites)
        starts = [depot_sites.index(c.start.index) for c in crews]
        ends = [depot_sites.index(c.end.index) for c in crews]
        self.manager = pywrapcp.RoutingIndexManager(n_nodes, len(crews), starts, ends)
        self.routing = pywrapcp.RoutingModel(self.manager)
        manager, routing = self.manager, self.routing
        size = routing.Size() + len(crews)
        self.node_of_index = [manager.IndexToNode(i) for i in range(size)]

        sites = np.asarray(node_sites, dtype=np.int64)
        service = np.zeros(n_nodes, dtype=np.int64)
        for n, j in self.job_of_node.items():
            service[n] = jobs[j].service
        self.service = service
        obj = problem.objective
        self.horizon = horizon

        # One arc-cost matrix and one transit per vehicle class: travel profile and speed factor.
        use_matrix = dimension_transits == "matrix" or (
            dimension_transits == "auto" and n_nodes <= MATRIX_TRANSIT_MAX_NODES
        )
        self._callbacks: list[Callable[[int, int], int]] = []
        arc_means: list[float] = []
        transit_of_class: dict[tuple[str | None, float], int] = {}
        cost_of_class: dict[tuple[str | None, float], int] = {}
        class_of_crew = [(c.profile if problem.travel.profiles else None, c.speed_factor) for c in crews]
        for v, key in enumerate(class_of_crew):
            if key not in transit_of_class:
                profile, sf = key
                travel = problem.travel.for_profile(profile)
                # Take the sub-matrix first: scaling a 10,000-site matrix per group costs seconds.
                durations = travel.durations[np.ix_(sites, sites)].astype(np.int64)
                if sf != 1.0:
                    durations = np.ceil(durations / sf).astype(np.int64)
                cost = obj.travel_time_weight * durations
                if obj.distance_weight:
                    cost += obj.distance_weight * travel.distances[np.ix_(sites, sites)].astype(np.int64)
                self._add_reorder_costs(cost, len(depot_sites))
                arc_means.append(_sampled_mean(cost))
                cost_of_class[key] = routing.RegisterTransitMatrix(cost.tolist())
                transit = durations + service[:, None]
                if use_matrix:
                    transit_of_class[key] = routing.RegisterTransitMatrix(transit.tolist())
                else:
                    transit_of_class[key] = routing.RegisterTransitCallback(self._transit_callback(transit))
            routing.SetArcCostEvaluatorOfVehicle(cost_of_class[key], v)
        # Over the vehicles, as OR-Tools' automatic annealing temperatures weigh their cost classes.
        class_means = dict(zip(cost_of_class, arc_means, strict=True))
        self.mean_arc_cost = float(np.mean([class_means[key] for key in class_of_crew])) if crews else 0.0

        routing.AddDimensionWithVehicleTransits(
            [transit_of_class[key] for key in class_of_crew], horizon, horizon, False, "Time"
        )
        self.time = routing.GetDimensionOrDie("Time")
        time_dim = self.time
        for v, crew in enumerate(crews):
            time_dim.CumulVar(routing.Start(v)).SetRange(crew.shift.start, crew.shift.end)
            time_dim.CumulVar(routing.End(v)).SetRange(crew.shift.start, crew.shift.end)
            if crew.max_work is not None:
                time_dim.SetSpanUpperBoundForVehicle(crew.max_work, v)
            # Crews leave at the start of the shift and come back as early as possible.
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(v)))
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))

        penalties = problem.drop_penalties()
        self.penalty_of_job: dict[int, int] = {}  # job position -> drop penalty (required jobs have none)
        for n, j in self.job_of_node.items():
            job = jobs[j]
            index = manager.NodeToIndex(n)
            cumul = time_dim.CumulVar(index)
            if job.time_windows:
                # Clamped to the time dimension's range [0, horizon]; SetRange outside it fails.
                cumul.SetRange(max(0, job.time_windows[0].start), min(horizon, job.time_windows[-1].end))
                for a, b in zip(job.time_windows, job.time_windows[1:], strict=False):
                    if a.end + 1 <= min(horizon, b.start - 1):
                        cumul.RemoveInterval(a.end + 1, min(horizon, b.start - 1))
            wait_cost = problem.wait_cost(job)
            if wait_cost > 0:
                time_dim.SetCumulVarSoftUpperBound(index, problem.wait_origin, wait_cost)
            allowed = self.allowed[j]
            if len(allowed) < len(crews):
                routing.VehicleVar(index).SetValues([-1, *allowed])
            if not job.required:
                self.penalty_of_job[j] = problem.drop_penalty(job, penalties)
                routing.AddDisjunction([index], self.penalty_of_job[j])

        self._add_counters()
        self._add_breaks()
        self._add_stability()

    def all_alike(self) -> bool:
        """Whether every routed job ties in OR-Tools' insertion order: as many crews allowed, one drop penalty."""
        allowed = {len(self.allowed[j]) for j in self.job_of_node.values()}
        penalty = {self.penalty_of_job.get(j) for j in self.job_of_node.values()}
        return len(allowed) <= 1 and len(penalty) <= 1

    def _transit_callback(self, transit: np.ndarray) -> Callable[[int, int], int]:
        rows = transit.tolist()
        node_of_index = self.node_of_index
        errors = self.errors

        def callback(i: int, j: int) -> int:
            try:
                return rows[node_of_index[i]][node_of_index[j]]
            except BaseException as exc:  # swallowed by OR-Tools otherwise
                errors.append(exc)
                return 0

        self._callbacks.append(callback)
        return callback

    def _unary(self, values: Sequence[int]) -> int:
        # Unary transit vectors are indexed by node; depots carry 0.
        vector = [0] * self.manager.GetNumberOfNodes()
        for n, v in enumerate(values):
            vector[n] = int(v)
        return self.routing.RegisterUnaryTransitVector(vector)

    def _add_counters(self) -> None:
        problem, routing, manager = self.problem, self.routing, self.manager
        jobs, crews = problem.jobs, problem.crews
        n_nodes = manager.GetNumberOfNodes()

        def node_values(f: Callable[[int], int]) -> list[int]:
            values = [0] * n_nodes
            for n, j in self.job_of_node.items():
                values[n] = f(j)
            return values

        n_jobs = len(self.job_of_node)
        homes = node_values(lambda j: int(jobs[j].enters_home))
        if any(homes) and any(c.max_homes is not None or not c.homes_allowed for c in crews):
            caps = [0 if not c.homes_allowed else (c.max_homes if c.max_homes is not None else n_jobs) for c in crews]
            routing.AddDimensionWithVehicleCapacity(self._unary(homes), 0, caps, True, "Homes")
        exposure = node_values(lambda j: jobs[j].exposure)
        if any(exposure) and any(c.max_exposure is not None for c in crews):
            total = sum(exposure)
            caps = [c.max_exposure if c.max_exposure is not None else total for c in crews]
            routing.AddDimensionWithVehicleCapacity(self._unary(exposure), 0, caps, True, "Exposure")
        contaminating = node_values(lambda j: int(jobs[j].contaminating))
        if any(contaminating):
            routing.AddDimensionWithVehicleCapacity(
                self._unary(contaminating), 0, [1] * len(crews), True, "Contaminated"
            )
            dim = routing.GetDimensionOrDie("Contaminated")
            # A home may only be entered while the crew has not yet been in an isolating household.
            for n, j in self.job_of_node.items():
                if jobs[j].enters_home:
                    dim.CumulVar(manager.NodeToIndex(n)).SetMax(0)
        demand = node_values(lambda j: jobs[j].demand)
        if any(demand) or any(c.capacity is not None for c in crews):
            total = sum(demand)
            caps = [c.capacity if c.capacity is not None else total for c in crews]
            routing.AddDimensionWithVehicleCapacity(self._unary(demand), 0, caps, True, "Load")

    def _add_breaks(self) -> None:
        routing, time_dim = self.routing, self.time
        solver = routing.solver()
        visit_transits = [int(self.service[self.node_of_index[i]]) for i in range(routing.Size())]
        self.break_vars: dict[int, list[pywrapcp.IntervalVar]] = {}
        for v, crew in enumerate(self.problem.crews):
            if not crew.breaks:
                continue
            intervals = []
            for k, brk in enumerate(crew.breaks):
                iv = solver.FixedDurationIntervalVar(
                    brk.window.start, brk.latest_start, brk.duration, False, f"break:{v}:{k}"
                )
                # Breaks are part of the shift: inside the route, never before it starts or after it ends.
                solver.Add(iv.StartExpr() >= time_dim.CumulVar(routing.Start(v)))
                solver.Add(iv.EndExpr() <= time_dim.CumulVar(routing.End(v)))
                intervals.append(iv)
            time_dim.SetBreakIntervalsOfVehicle(intervals, v, visit_transits)
            self.break_vars[v] = intervals

    def _add_reorder_costs(self, cost: np.ndarray, n_depots: int) -> None:
        """Arcs into a job from anywhere but the job it follows on its promised route cost extra."""
        jobs = self.problem.jobs
        index_of = {job.id: j for j, job in enumerate(jobs)}
        for n, j in self.job_of_node.items():
            job = jobs[j]
            if not job.reorder_cost or job.follows is None:
                continue
            cost[:, n] += job.reorder_cost
            if job.follows == "":
                cost[:n_depots, n] -= job.reorder_cost
            elif (pred := self.node_of_job.get(index_of.get(job.follows, -1))) is not None:
                cost[pred, n] -= job.reorder_cost

    def _add_stability(self) -> None:
        # Moving a job away from its preferred crew costs ``move_cost``: per-crew unary transits on a
        # dimension whose span (the sum of transits along the route) is charged at 1 per unit.
        jobs, crews = self.problem.jobs, self.problem.crews
        preferred = {n: jobs[j] for n, j in self.job_of_node.items() if jobs[j].preferred_crew and jobs[j].move_cost}
        if not preferred:
            return
        n_nodes = self.manager.GetNumberOfNodes()
        total = sum(job.move_cost for job in preferred.values())
        evaluators = []
        for crew in crews:
            vector = [0] * n_nodes
            for n, job in preferred.items():
                if job.preferred_crew != crew.id:
                    vector[n] = job.move_cost
            evaluators.append(self.routing.RegisterUnaryTransitVector(vector))
        self.routing.AddDimensionWithVehicleTransitAndCapacity(evaluators, 0, [total] * len(crews), True, "Stability")
        self.routing.GetDimensionOrDie("Stability").SetSpanCostCoefficientForAllVehicles(1)

    def routes_from(self, assignment: pywrapcp.Assignment) -> tuple[RawRoute, ...]:
        routing, time_dim = self.routing, self.time
        routes = []
        for v in range(len(self.problem.crews)):
            index = routing.Start(v)
            start_time = assignment.Value(time_dim.CumulVar(index))
            visits = []
            index = assignment.Value(routing.NextVar(index))
            while not routing.IsEnd(index):
                j = self.job_of_node[self.node_of_index[index]]
                visits.append((j, assignment.Value(time_dim.CumulVar(index))))
                index = assignment.Value(routing.NextVar(index))
            end_time = assignment.Value(time_dim.CumulVar(index))
            breaks = []
            for k, iv in enumerate(self.break_vars.get(v, [])):
                breaks.append((k, assignment.StartValue(iv)))
            routes.append(RawRoute(v, start_time, end_time, tuple(visits), tuple(breaks)))
        return tuple(routes)

    def initial_assignment(self, routes: Mapping[int, Sequence[int]]) -> pywrapcp.Assignment | None:
        """An assignment from crew position -> job positions (jobs the model cannot place are skipped)."""
        index_routes = []
        for v in range(len(self.problem.crews)):
            seq = [self.manager.NodeToIndex(self.node_of_job[j]) for j in routes.get(v, ()) if j in self.node_of_job]
            index_routes.append(seq)
        return self.routing.ReadAssignmentFromRoutes(index_routes, True)


def _sampled_mean(matrix: np.ndarray, samples: int = 100_000) -> float:
    """The mean entry of a square matrix, from a fixed sample of entries when it is large (deterministic)."""
    if matrix.size <= samples:
        return float(matrix.mean())
    rng = np.random.default_rng(0)
    rows = rng.integers(0, matrix.shape[0], samples)
    cols = rng.integers(0, matrix.shape[1], samples)
    return float(matrix[rows, cols].mean())


def _crew_may_serve(crew, job) -> bool:  # noqa: ANN001 - solver.model types, kept loose for speed
    if not job.skills <= crew.skills:
        return False
    if job.enters_home and (not crew.homes_allowed or crew.max_homes == 0):
        return False
    if crew.max_exposure is not None and job.exposure > crew.max_exposure:
        return False
    return not (crew.capacity is not None and job.demand > crew.capacity)


# long function: one search member from first solution to last, with its limits, monitors and streamed
# incumbents sharing the routing model's state.
def run_search(
    problem: Problem,
    member: SearchMember,
    *,
    time_limit: float | None,
    solution_limit: int | None,
    deadline: float | None = None,
    initial_routes: Mapping[int, Sequence[int]] | None = None,
    on_improvement: Callable[[tuple[RawRoute, ...], int], None] | None = None,
    snapshot_every: float = 1.0,
    safety_limit: float | None = None,
) -> RawResult:
    """Build the model and run one search. ``deadline`` (monotonic) stops GLS if it overruns;
    ``safety_limit`` (seconds) bounds a fixed-work search's wall time, first solution included."""
    t0 = time.monotonic()
    build = RoutingBuild(problem, dimension_transits=member.dimension_transits)
    routing = build.routing
    if uses_iterated_local_search(member) and (
        initial_routes or time_limit is None or len(build.job_of_node) < ILS_MIN_JOBS
    ):
        member = guided_fallback(member)
    params = member_parameters(member, build, time_limit=time_limit, solution_limit=solution_limit)
    if time_limit is None and safety_limit is not None:
        # Fixed work stops by its own counts, but the first-solution search can run away (seen: two crews
        # with lunch breaks, a working-time cap and a speed factor, 8 jobs, no answer in minutes): the
        # same generous bound as the watchdog gives search processes, which only such a case reaches.
        params.time_limit.FromMilliseconds(max(1, int(safety_limit * 1000)))
    state: dict[str, Any] = {"solutions": 0, "first": None, "best": None, "last_snapshot": 0.0, "restoring": False}

    def at_solution() -> None:
        now = time.monotonic()
        state["solutions"] += 1
        if state["first"] is None:
            state["first"] = now - t0
        # Min, not Value: inside ruin-and-recreate the cost may be unbound here, and Value() aborts the process.
        cost = routing.CostVar().Min()
        if state["best"] is None or cost < state["best"]:
            state["best"] = cost
            if on_improvement is not None and now - state["last_snapshot"] >= snapshot_every:
                state["last_snapshot"] = now
                routes = _current_routes(build)
                if routes is not None:
                    on_improvement(routes, cost)
        if deadline is not None and now > deadline and not state["restoring"]:
            # (Never while reading the warm start: cut there, under load, a re-plan came back with
            # every job dropped.)
            routing.solver().FinishCurrentSearch()
        elif state["restoring"]:
            # Reading the warm start runs a tree search that, after its first solution, goes on
            # re-timing the same routes (break placements); with lunch windows open in a re-plan
            # it ran for the whole time limit before local search began. One solution is enough.
            state["restoring"] = False
            routing.solver().FinishCurrentSearch()

    routing.AddAtSolutionCallback(at_solution)
    if time_limit is None:
        # Fixed work, deterministic: GLS never stops by itself and a small problem may never
        # reach the solution limit, so a cumulative branch count bounds the search as well.
        branches = REPRODUCIBLE_BASE_BRANCHES + REPRODUCIBLE_BRANCHES_PER_JOB * len(problem.jobs)
        limit = routing.solver().Limit(_NO_LIMIT, branches, _NO_LIMIT, _NO_LIMIT, False, True)
        routing.AddSearchMonitor(limit)
        build.limits.append(limit)
    if initial_routes:
        # The model is closed with a long time limit: the search's limit would also bound reading the warm
        # start (a search of its own), and under heavy load a re-plan's read ran out of it, was
        # refused, and the search began again from nothing (a lunch-hour re-plan of day_replay lost
        # 60 promised stops that way). The search from it keeps the limit.
        unlimited = type(params)()
        unlimited.CopyFrom(params)
        unlimited.time_limit.FromSeconds(READ_LIMIT_S)
        routing.CloseModelWithParameters(unlimited)
        state["restoring"] = True  # ReadAssignmentFromRoutes runs a search of its own
        initial = build.initial_assignment(initial_routes)
        state["restoring"] = False
        assignment = routing.SolveFromAssignmentWithParameters(initial, params) if initial else None
        if assignment is None and initial is not None:
            # The limit ran out before the search's first solution: the warm start is one (a search
            # from nothing in no time would serve far less).
            assignment = initial
        if assignment is None:
            assignment = routing.SolveWithParameters(params)
    elif params.use_iterated_local_search:
        # SolveWithParameters ignores use_iterated_local_search (9.15): ILS has its own entry point.
        assignment = routing.SolveWithIteratedLocalSearch(params)
    else:
        assignment = routing.SolveWithParameters(params)
    if build.errors:
        raise CallbackError(f"a transit callback failed: {build.errors[0]!r}") from build.errors[0]
    wall = time.monotonic() - t0
    status = _status_name(routing.status())
    if assignment is not None and status == "not_solved":
        status = "success"  # SolveWithIteratedLocalSearch leaves the status unset though it found a solution
    if assignment is None:
        return RawResult((), -1, status, state["solutions"], state["first"] or wall, wall, member.name)
    return RawResult(
        build.routes_from(assignment),
        assignment.ObjectiveValue(),
        status,
        state["solutions"],
        state["first"] if state["first"] is not None else wall,
        wall,
        member.name,
    )


def _current_routes(build: RoutingBuild) -> tuple[RawRoute, ...] | None:
    """Routes from the variables inside a solution callback; None if any is unbound there
    (as in ruin-and-recreate), since Value() on an unbound variable aborts the process."""
    routing, time_dim = build.routing, build.time
    routes = []

    def successor(index: int) -> int | None:
        var = routing.NextVar(index)
        return var.Value() if var.Bound() else None

    for v in range(len(build.problem.crews)):
        index = routing.Start(v)
        start_time = time_dim.CumulVar(index).Min()
        visits = []
        nxt = successor(index)
        while nxt is not None and not routing.IsEnd(nxt):
            visits.append((build.job_of_node[build.node_of_index[nxt]], time_dim.CumulVar(nxt).Min()))
            nxt = successor(nxt)
        if nxt is None:
            return None
        end_time = time_dim.CumulVar(nxt).Min()
        breaks = tuple((k, iv.StartMin()) for k, iv in enumerate(build.break_vars.get(v, [])))
        routes.append(RawRoute(v, start_time, end_time, tuple(visits), breaks))
    return tuple(routes)


def _status_name(status: int) -> str:
    names = {
        0: "not_solved",
        1: "success",
        2: "partial_success_local_optimum_not_reached",
        3: "fail",
        4: "fail_timeout",
        5: "invalid",
        6: "infeasible",
        7: "optimal",
    }
    return names.get(int(status), str(status))
