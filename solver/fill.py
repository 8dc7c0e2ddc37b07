"""The fill guarantee: after the search, no unassigned job is left that one feasible insertion would serve.

The search stops when its time is up, not when the routes are full: on an over-subscribed day it could
leave a crew idle in the afternoon while jobs it could still reach stay unassigned. :func:`fill_routes`
goes over the unassigned jobs in priority order (most urgent first, then most customers) and inserts
each at its cheapest feasible position over all crews, with the model's exact rules: skills, time
windows, breaks (taken in window order in some gap between two places, while driving or waiting),
home, exposure and capacity caps, no home entry after a contaminating job, back at the end by the
end of the shift and within ``max_work``. Inserting a job only delays a route, so one pass leaves
nothing insertable. A changed route is re-timed as early as its windows allow.

Speed: a route keeps its earliest schedule per number of breaks taken at each stop, and a cheap
necessary condition (travel only, no breaks, latest starts from the end backwards) screens out
positions with numpy before the exact check of the route's remainder.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from solver.assemble import assemble_route, empty_route
from solver.diagnose import explain_all
from solver.engine import RawRoute
from solver.model import Crew, Job, Problem
from solver.solution import Route, SearchStats, Solution, StepType

# A state after a stop: (free at, weighted waiting so far, breaks taken (index, start), visits (job, start)).
_State = tuple[int, int, tuple[tuple[int, int], ...], tuple[tuple[int, int], ...]]


def fill_routes(problem: Problem, routes: Sequence[RawRoute], *, deadline: float | None = None) -> tuple[RawRoute, ...]:
    """``routes`` (one per crew, in crew order) with every insertable unassigned job inserted."""
    filler = _Filler(problem, routes)
    served = {j for r in routes for j, _ in r.visits}
    jobs = problem.jobs
    todo = sorted(
        (j for j in range(len(jobs)) if j not in served),
        key=lambda j: (jobs[j].priority, -jobs[j].customers, jobs[j].id),
    )
    for j in todo:
        if deadline is not None and time.monotonic() > deadline:
            break
        filler.insert(j)
    return filler.result()


@dataclass
class _Route:
    """One crew's route as the filler sees it: its order and what screening and checking need."""

    order: list[int]
    states: list[dict[int, _State]]  # after the start (0) and after each visit
    latest: np.ndarray  # latest arrival at each visit and at the end (travel only, no breaks)
    cost: int  # weighted waiting of the earliest schedule
    homes: int
    exposure: int
    demand: int
    first_contaminating: int | None
    last_home: int | None
    nodes: np.ndarray | None = None  # sites: start, visits, end
    screen: np.ndarray | None = None  # positions x jobs, see _Filler._screen


class _Filler:
    def __init__(self, problem: Problem, routes: Sequence[RawRoute]) -> None:
        self.problem = problem
        self.raw = list(routes)
        self.changed: set[int] = set()
        jobs = problem.jobs
        self.weight = [problem.wait_cost(j) for j in jobs]
        self.service = np.array([j.service for j in jobs], dtype=np.int64)
        self.site = np.array([j.site.index for j in jobs], dtype=np.int64)
        self.window_start = np.array([j.time_windows[0].start if j.time_windows else 0 for j in jobs], dtype=np.int64)
        self.window_end = np.array([j.time_windows[-1].end if j.time_windows else 0 for j in jobs], dtype=np.int64)
        self.has_window = np.array([bool(j.time_windows) for j in jobs], dtype=bool)
        self.enters_home = np.array([j.enters_home for j in jobs], dtype=bool)
        self.contaminating = np.array([j.contaminating for j in jobs], dtype=bool)
        self.durations = [problem.travel.durations_for(c.speed_factor, c.profile) for c in problem.crews]
        self.distances = [problem.travel.for_profile(c.profile).distances for c in problem.crews]
        self.routes: list[_Route | None] = [self._route(v, [j for j, _ in r.visits]) for v, r in enumerate(routes)]

    def result(self) -> tuple[RawRoute, ...]:
        out = []
        for v, raw in enumerate(self.raw):
            route = self.routes[v]
            if v in self.changed and route is not None:
                out.append(self._raw_route(v, route.order))
            else:
                out.append(raw)
        return tuple(out)

    def insert(self, j: int) -> bool:
        job = self.problem.jobs[j]
        best: tuple[int, int, int] | None = None  # (cost, crew, position)
        for v, crew in enumerate(self.problem.crews):
            route = self.routes[v]
            if route is None or not self._may_take(crew, route, job):
                continue
            for delta, pos in self._candidates(v, route, j):
                if best is not None and delta >= best[0]:
                    break  # candidates come cheapest travel first; waiting only adds
                cost = self._exact(v, route, j, pos)
                if cost is not None and (best is None or delta + cost < best[0]):
                    best = (delta + cost, v, pos)
        if best is None:
            return False
        _, v, pos = best
        route = self.routes[v]
        assert route is not None
        self.routes[v] = self._route(v, [*route.order[:pos], j, *route.order[pos:]])
        self.changed.add(v)
        return True

    def objective(self, v: int, route: _Route) -> int:
        """Crew ``v``'s share of the objective on ``route``: weighted waiting, travel time and distance."""
        obj = self.problem.objective
        d, m = self.durations[v], self.distances[v]
        crew = self.problem.crews[v]
        nodes = [crew.start.index, *self.site[route.order].tolist(), crew.end.index]
        legs = list(zip(nodes, nodes[1:], strict=False))
        travel = obj.travel_time_weight * int(sum(d[a, b] for a, b in legs))
        metres = obj.distance_weight * int(sum(m[a, b] for a, b in legs)) if obj.distance_weight else 0
        return route.cost + travel + metres

    def _may_take(self, crew: Crew, route: _Route, job: Job) -> bool:
        if not job.skills <= crew.skills:
            return False
        if job.enters_home and (
            not crew.homes_allowed or (crew.max_homes is not None and route.homes + 1 > crew.max_homes)
        ):
            return False
        if crew.max_exposure is not None and route.exposure + job.exposure > crew.max_exposure:
            return False
        return crew.capacity is None or route.demand + job.demand <= crew.capacity

    def _screen(self, v: int, route: _Route, cols: np.ndarray | None = None) -> np.ndarray:
        """Positions x jobs that pass the travel-only screen on crew ``v``'s route (a necessary condition:
        reach the job within its windows and every later stop by its latest arrival; isolation order).
        ``cols``: only these jobs' columns (not kept on the route)."""
        if cols is None and route.screen is not None:
            return route.screen
        site, service = (self.site, self.service) if cols is None else (self.site[cols], self.service[cols])
        w_start, w_end, has_w = self.window_start, self.window_end, self.has_window
        homes, contaminating = self.enters_home, self.contaminating
        if cols is not None:
            w_start, w_end, has_w = w_start[cols], w_end[cols], has_w[cols]
            homes, contaminating = homes[cols], contaminating[cols]
        crew = self.problem.crews[v]
        d = self.durations[v]
        n = len(route.order)
        nodes = np.array([crew.start.index, *self.site[route.order].tolist(), crew.end.index], dtype=np.int64)
        done = np.array([min(s[0] for s in states.values()) for states in route.states], dtype=np.int64)
        to_job = d[np.ix_(nodes[:-1], site)]
        from_job = d[np.ix_(site, nodes[1:])].T
        begin = np.maximum(done[:, None] + to_job, w_start[None, :])
        ok = begin <= np.where(has_w, w_end, crew.shift.end)[None, :]
        ok &= begin + service[None, :] + from_job <= route.latest[:, None]
        # Back in time: the breaks not yet taken (state k) come before the job or after it, never for free.
        onward = np.zeros(n + 1, dtype=np.int64)  # from each later stop to the end: service and travel
        for i in range(n - 1, -1, -1):
            onward[i] = onward[i + 1] + self.service[route.order[i]] + d[nodes[i + 1], nodes[i + 2]]
        back = np.full((n + 1, len(site)), np.iinfo(np.int64).max // 4, dtype=np.int64)
        for k in range(len(crew.breaks) + 1):
            rest = sum(b.duration for b in crew.breaks[k:])
            t = np.array([s[k][0] if k in s else np.iinfo(np.int64).max // 8 for s in route.states], dtype=np.int64)
            first = np.maximum(t[:, None] + to_job + rest, w_start[None, :])
            back = np.minimum(back, first + service[None, :] + from_job + onward[:, None])
        ok &= back <= route.latest[-1]
        positions = np.arange(n + 1)[:, None]
        if route.first_contaminating is not None:
            ok &= ~homes[None, :] | (positions <= route.first_contaminating)
        if route.last_home is not None:
            ok &= ~contaminating[None, :] | (positions > route.last_home)
        route.nodes = nodes
        if cols is None:
            route.screen = ok
        return ok

    def _candidates(self, v: int, route: _Route, j: int, column: np.ndarray | None = None) -> list[tuple[int, int]]:
        """Positions that pass the screen (or ``column``, j's screen column), as (objective travel delta,
        position), cheapest travel first."""
        idx = np.nonzero(self._screen(v, route)[:, j] if column is None else column)[0]
        if not len(idx):
            return []
        d = self.durations[v]
        site = int(self.site[j])
        obj = self.problem.objective
        a, b = route.nodes[idx], route.nodes[idx + 1]
        delta = obj.travel_time_weight * (d[a, site] + d[site, b] - d[a, b])
        if obj.distance_weight:
            m = self.distances[v]
            delta = delta + obj.distance_weight * (m[a, site] + m[site, b] - m[a, b])
        order = np.argsort(delta, kind="stable")
        return [(int(delta[k]), int(idx[k])) for k in order]

    def _exact(self, v: int, route: _Route, j: int, pos: int) -> int | None:
        """The added weighted waiting of inserting ``j`` at ``pos``, or None if the route breaks a rule."""
        crew = self.problem.crews[v]
        states = route.states[pos]
        prev = crew.start.index if pos == 0 else int(self.site[route.order[pos - 1]])
        for k in (j, *route.order[pos:]):
            states = self._advance(v, states, prev, k, trace=False)
            if not states:
                return None
            prev = int(self.site[k])
        final = self._finish(v, states, prev, visits=True)
        return None if final is None else final[1] - route.cost

    def _advance(
        self, v: int, states: dict[int, _State], prev: int, j: int | None, *, trace: bool
    ) -> dict[int, _State]:
        """States after driving from site ``prev`` to job ``j`` (None: the crew's end) and serving it."""
        crew = self.problem.crews[v]
        breaks = crew.breaks
        to = crew.end.index if j is None else int(self.site[j])
        drive = int(self.durations[v][prev, to])
        ready: dict[int, _State] = {}
        for k, (done, w, taken, visits) in states.items():
            _keep(ready, k, (done + drive, w, taken, visits))
            t, rest = done, 0
            for b in range(k, len(breaks)):  # take breaks k..b in this gap, one after the other
                brk = breaks[b]
                t = max(t, brk.window.start)
                if t + brk.duration > brk.window.end:
                    break
                taken = (*taken, (b, t))
                t += brk.duration
                rest += brk.duration
                _keep(ready, b + 1, (max(done + drive + rest, t), w, taken, visits))
        if j is None:
            return ready
        job = self.problem.jobs[j]
        out: dict[int, _State] = {}
        for k, (t, w, taken, visits) in ready.items():
            start = _window_start(job, t)
            if start is not None:
                cost = w + self.weight[j] * max(0, start - self.problem.wait_origin)
                out[k] = (start + job.service, cost, taken, (*visits, (j, start)) if trace else visits)
        return out

    def _finish(self, v: int, states: dict[int, _State], prev: int, *, visits: bool) -> _State | None:
        """The state back at the crew's end, if it is within the shift (and max work), all breaks taken."""
        crew = self.problem.crews[v]
        back = self._advance(v, states, prev, None, trace=False)
        final = back.get(len(crew.breaks)) if visits else (min(back.values()) if back else None)
        if final is None or final[0] > crew.shift.end:
            return None
        if crew.max_work is not None and final[0] - crew.shift.start > crew.max_work:
            return None
        return final

    def _route(self, v: int, order: list[int]) -> _Route | None:
        """The filler's view of a route; None if it cannot be re-timed by these rules (left as it is)."""
        crew, jobs = self.problem.crews[v], self.problem.jobs
        states: dict[int, _State] = {0: (crew.shift.start, 0, (), ())}
        all_states = [states]
        prev = crew.start.index
        for j in order:
            states = self._advance(v, states, prev, j, trace=False)
            if not states:
                return None
            all_states.append(states)
            prev = int(self.site[j])
        final = self._finish(v, states, prev, visits=bool(order))
        if final is None:
            return None
        d = self.durations[v]
        latest = np.empty(len(order) + 1, dtype=np.int64)
        limit = crew.shift.end if crew.max_work is None else min(crew.shift.end, crew.shift.start + crew.max_work)
        latest[-1] = limit
        nxt = crew.end.index
        for i in range(len(order) - 1, -1, -1):
            job = jobs[order[i]]
            site = job.site.index
            bound = latest[i + 1] - d[site, nxt] - job.service
            latest[i] = min(bound, job.time_windows[-1].end) if job.time_windows else bound
            nxt = site
        contaminating = [i for i, j in enumerate(order) if jobs[j].contaminating]
        homes = [i for i, j in enumerate(order) if jobs[j].enters_home]
        return _Route(
            order=order,
            states=all_states,
            latest=latest,
            cost=final[1],
            homes=len(homes),
            exposure=sum(jobs[j].exposure for j in order),
            demand=sum(jobs[j].demand for j in order),
            first_contaminating=contaminating[0] if contaminating else None,
            last_home=homes[-1] if homes else None,
        )

    def _raw_route(self, v: int, order: list[int]) -> RawRoute:
        """The route re-timed as early as possible, with its breaks' starts."""
        crew = self.problem.crews[v]
        states: dict[int, _State] = {0: (crew.shift.start, 0, (), ())}
        prev = crew.start.index
        for j in order:
            states = self._advance(v, states, prev, j, trace=True)
            prev = int(self.site[j])
        final = self._finish(v, states, prev, visits=bool(order))
        assert final is not None, "a filled route must stay feasible"
        back, _, taken, visits = final
        return RawRoute(v, crew.shift.start, back, visits, taken)


def _keep(states: dict[int, _State], k: int, state: _State) -> None:
    if k not in states or state[0] < states[k][0]:
        states[k] = state


def _window_start(job: Job, t: int) -> int | None:
    if not job.time_windows:
        return t
    return next((max(t, w.start) for w in job.time_windows if t <= w.end), None)


def fill_solution(problem: Problem, routes: Sequence[Route], stats: SearchStats) -> Solution:
    """A solution of ``problem`` from ``routes`` made on another problem with the same crews (matched by
    crew and job id, times kept), with every job of ``problem`` that fits somewhere inserted.

    This lets a caller offer jobs left over elsewhere (another part of a split region) to these crews.
    Every job of ``problem`` a route names must be in it; unserved jobs are explained anew.
    """
    crew_pos = {c.id: v for v, c in enumerate(problem.crews)}
    job_pos = {j.id: i for i, j in enumerate(problem.jobs)}
    raw: list[RawRoute] = [empty_route(problem, v) for v in range(len(problem.crews))]
    for route in routes:
        v = crew_pos[route.crew_id]
        crew = problem.crews[v]
        break_pos = {b.id: k for k, b in enumerate(crew.breaks)}
        visits = tuple((job_pos[s.job_id], s.start) for s in route.visits if s.job_id is not None)
        if not visits:
            continue
        breaks = tuple((break_pos[s.break_id], s.start) for s in route.steps if s.type is StepType.BREAK and s.break_id)
        raw[v] = RawRoute(v, route.steps[0].start, route.steps[-1].start, visits, breaks)
    filled = tuple(assemble_route(problem, r) for r in fill_routes(problem, raw))
    served = {j for r in filled for j in r.job_ids()}
    unassigned = explain_all(problem, [j.id for j in problem.jobs if j.id not in served], filled)
    return Solution(routes=filled, unassigned=unassigned, stats=stats)


def displacements(
    problem: Problem, routes: Sequence[Route], job_ids: Sequence[str], *, budget: float = 1.0
) -> dict[str, tuple[str, str]]:
    """For unassigned jobs, one served job that would have to give way: job id -> (displaced job id, crew id).

    A job is reported when taking one visit off one route lets it in at some position (exact rules, as
    :func:`fill_routes`). The least urgent visits are tried first (then those with fewest customers), so the
    answer names the cheapest thing to give up. Stops after ``budget`` seconds; jobs not reached are left out.
    """
    deadline = time.monotonic() + budget
    crew_pos = {c.id: v for v, c in enumerate(problem.crews)}
    job_pos = {j.id: i for i, j in enumerate(problem.jobs)}
    orders: dict[int, list[int]] = {crew_pos[r.crew_id]: [job_pos[j] for j in r.job_ids()] for r in routes}
    raw = [RawRoute(v, 0, 0, tuple((j, 0) for j in orders.get(v, [])), ()) for v in range(len(problem.crews))]
    filler = _Filler(problem, raw)
    jobs = problem.jobs
    victims = sorted(
        ((v, k) for v, order in orders.items() for k in range(len(order))),
        key=lambda vk: (-jobs[orders[vk[0]][vk[1]]].priority, jobs[orders[vk[0]][vk[1]]].customers, vk),
    )
    todo = {job_pos[j] for j in job_ids}
    out: dict[str, tuple[str, str]] = {}
    for v, k in victims:
        if not todo or time.monotonic() > deadline:
            break
        order = orders[v]
        route = filler._route(v, [*order[:k], *order[k + 1 :]])
        if route is None:
            continue
        crew = problem.crews[v]
        screen = filler._screen(v, route)
        for j in sorted(todo):
            if not screen[:, j].any() or not filler._may_take(crew, route, jobs[j]):
                continue
            if any(filler._exact(v, route, j, pos) is not None for _, pos in filler._candidates(v, route, j)):
                out[jobs[j].id] = (jobs[order[k]].id, crew.id)
                todo.discard(j)
    return out


def repair_routes(problem: Problem, routes: Mapping[int, Sequence[int]]) -> dict[int, list[int]]:
    """Routes (crew position -> job positions in order) cut down to what ``problem``'s rules allow, then filled.

    For a warm start from another problem's plan (e.g. a what-if point from the base plan, under a tighter
    cap): each crew keeps its visits in order while the route stays feasible (a visit that breaks a rule
    is skipped), then every unassigned job that fits is inserted as by :func:`fill_routes`.
    """
    filler = _Filler(problem, [empty_route(problem, v) for v in range(len(problem.crews))])
    jobs = problem.jobs
    seen: set[int] = set()
    for v, order in routes.items():
        route = filler.routes[v]
        if route is None:
            continue
        for j in order:
            if j in seen or not filler._may_take(problem.crews[v], route, jobs[j]):
                continue
            longer = filler._route(v, [*route.order, j])
            if longer is not None and not _breaks_isolation(problem, longer.order):
                route = longer
                seen.add(j)
        filler.routes[v] = route
        filler.changed.add(v)
    todo = sorted((j for j in range(len(jobs)) if j not in seen), key=lambda j: (jobs[j].priority, -jobs[j].customers))
    for j in todo:
        filler.insert(j)
    return {v: list(r.order) for v, r in enumerate(filler.routes) if r is not None and r.order}


def _moves(order: list[int]) -> Iterator[list[int]]:
    """Orders one move away: a visit relocated, two visits exchanged, a stretch reversed."""
    n = len(order)
    for i in range(n):
        rest = [*order[:i], *order[i + 1 :]]
        for p in range(n):
            if p != i:
                yield [*rest[:p], order[i], *rest[p:]]
    for i in range(n):
        for k in range(i + 1, n):
            swapped = list(order)
            swapped[i], swapped[k] = swapped[k], swapped[i]
            yield swapped
            if k > i + 1:
                yield [*order[:i], *reversed(order[i : k + 1]), *order[k + 1 :]]


def _breaks_isolation(problem: Problem, order: Sequence[int]) -> bool:
    contaminated = False
    for j in order:
        job = problem.jobs[j]
        if job.enters_home and contaminated:
            return True
        contaminated = contaminated or job.contaminating
    return False


def swap_in(problem: Problem, routes: Sequence[RawRoute], *, budget: float | None = 2.0) -> tuple[RawRoute, ...]:
    """``routes`` with served jobs swapped out for more urgent unassigned ones where a swap keeps every rule.

    Over the visits, least urgent first (then fewest customers): take the visit off its route; if the most
    urgent unassigned job of a strictly more urgent class (then most customers, cheapest) fits the shortened
    route, it takes the place. Each swap serves a more urgent job for a less urgent one, so the plan's
    served-by-priority only rises lexicographically. The displaced jobs are then offered to every route (as
    :func:`fill_routes`). Stops after ``budget`` seconds (None: goes through every visit, reproducibly).
    A required job is never swapped out.
    """
    deadline = time.monotonic() + budget if budget is not None else float("inf")
    filler = _Filler(problem, routes)
    jobs = problem.jobs
    # Served as the routes were given: a route the filler cannot re-time is left as it is, but its jobs
    # are still served (counting only the filler's routes put such a job on a second crew).
    served = {j for r in routes for j, _ in r.visits}
    unassigned = sorted(
        (j for j in range(len(jobs)) if j not in served), key=lambda j: (jobs[j].priority, -jobs[j].customers, j)
    )
    for v, k in sorted(
        ((v, j) for v, r in enumerate(filler.routes) if r is not None for j in r.order),
        key=lambda vk: (-jobs[vk[1]].priority, jobs[vk[1]].customers, vk),
    ):
        if time.monotonic() > deadline:
            break
        route = filler.routes[v]
        if route is None or k not in route.order or jobs[k].required:
            continue
        pool = [j for j in unassigned if jobs[j].priority < jobs[k].priority]
        if not pool:
            continue
        shorter = filler._route(v, [j for j in route.order if j != k])
        if shorter is None:
            continue
        crew = problem.crews[v]
        pool = [j for j in pool if filler._may_take(crew, shorter, jobs[j])]
        if not pool:
            continue
        screen = filler._screen(v, shorter, np.array(pool, dtype=np.int64))
        for c in np.nonzero(screen.any(axis=0))[0].tolist():  # pool is most urgent, most customers first
            j = pool[c]
            fits = []  # (travel and added waiting, position): the cheapest place in the objective's terms
            for d, p in filler._candidates(v, shorter, j, screen[:, c]):
                if (cost := filler._exact(v, shorter, j, p)) is not None:
                    fits.append((d + cost, p))
            if fits:
                pos = min(fits)[1]
                filler.routes[v] = filler._route(v, [*shorter.order[:pos], j, *shorter.order[pos:]])
                filler.changed.add(v)
                served.discard(k)
                served.add(j)
                unassigned.remove(j)
                unassigned.append(k)
                unassigned.sort(key=lambda u: (jobs[u].priority, -jobs[u].customers, u))
                break
    for j in sorted(
        (j for j in range(len(jobs)) if j not in served), key=lambda j: (jobs[j].priority, -jobs[j].customers)
    ):
        filler.insert(j)
    return filler.result()


def reorder_routes(problem: Problem, routes: Sequence[RawRoute], *, budget: float | None = 1.0) -> tuple[RawRoute, ...]:
    """``routes`` with visits moved within their route where the objective (travel and customers' waiting)
    drops and every rule still holds: each visit tried at every other position of its route, best move
    first, until no move helps or ``budget`` seconds are spent (None: to the end, reproducibly)."""
    deadline = time.monotonic() + budget if budget is not None else float("inf")
    filler = _Filler(problem, routes)
    cost = filler.objective
    for v, route in enumerate(filler.routes):
        if route is None or len(route.order) < 2:
            continue
        current = cost(v, route)
        improved = True
        while improved and time.monotonic() < deadline:
            improved = False
            for new in _moves(route.order):
                if _breaks_isolation(problem, new):
                    continue
                moved = filler._route(v, new)
                if moved is not None and (c := cost(v, moved)) < current:
                    route, current, improved = moved, c, True
                    break
        filler.routes[v] = route
        filler.changed.add(v)
    return filler.result()
