"""Search orchestration: a portfolio of differently-parameterised searches, a watchdog, reproducibility.

- The routing search is single-threaded, so the portfolio runs each member in its own process
  (each builds its own model) and keeps the best solution.
- OR-Tools does not enforce the time limit during the first-solution phase and GLS can overrun on
  large problems, so the parent kills a member that is late and falls back on the last improving
  solution it streamed.
- Reproducible mode bounds the work by a solution count instead of wall time: the same problem gives
  byte-identical output on every run and machine load.
"""

from __future__ import annotations

import dataclasses
import multiprocessing as mp
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from solver.assemble import assemble_route, empty_route
from solver.diagnose import explain_all
from solver.eject import eject_in
from solver.engine import RawResult, RawRoute, run_search
from solver.fill import displacements, fill_routes, reorder_routes, repair_routes, swap_in
from solver.lifeline import die_with_parent
from solver.model import Objective, Problem
from solver.portfolio import DEFAULT_PORTFOLIO, FIRST_SOLUTION_ONLY, ILS_MIN_JOBS, PACKING_PORTFOLIO, SearchMember
from solver.solution import Incumbent, Reason, Route, SearchStats, Solution, Unassigned
from solver.upgrade import upgrade_in

# The time kept for the fill and swap passes after the search: a tenth of the limit, 3 ms per job, at most
# 3 s (a 100-customer Solomon instance at 10 s gives up 0.3 s of search). On 1,000-ticket generated days the
# swap pass served 5-11 more P2 tickets than the search's plan, in 3-4 s at machine load ~10
# (bench/dispatch_days.py); cut short, it has tried the least urgent visits first.
SWAP_BUDGET_SHARE = 0.1
SWAP_BUDGET_PER_JOB = 0.003
SWAP_BUDGET_MAX = 3.0
# The share of that time kept for the upgrades (solver.upgrade), where a problem has jobs standing for many
# customers: on storm days' parts (400-600 jobs, 8-30 such jobs) the pass took 0.1-0.3 s at load ~4.
UPGRADE_SHARE = 0.25

# Packing first, where customers' waiting is in the objective: the portfolio spends this share of the search
# time on the plain objective (served by priority, then travel time: no waiting), then searches the full
# objective from the best packed routes, then reorders within routes (REORDER_BUDGET_*). Waiting costs dwarf
# travel, so a search on the full objective from the start orders routes by customers and packs them
# loosely: on a 1,000-ticket day (seed 4, 60 s) it served P1 81-89/97 and P2 114-131, the plain baseline
# P1 89/97 and P2 132-138. With this share, four days at load 11-16 served 2-6 more P2 than the baseline
# beside it, at 0.76-0.86x its customer-hours (half the time packing lost 4-8 P2 to it).
PACKING_SHARE = 0.75
# Where waiting is in the objective, the time kept after the swap pass for moving visits within their routes
# (solver.fill.reorder_routes): on a packed 1,000-ticket day it took customer-hours from 12,619 to 8,824 in
# 1.4 s at load ~18, with the same tickets served.
REORDER_BUDGET_PER_JOB = 0.002
REORDER_BUDGET_MAX = 2.0

ProgressCallback = Callable[[float, Incumbent | None], None]


@dataclass(frozen=True)
class SearchConfig:
    """How hard and how to search.

    ``time_limit`` bounds wall time (seconds); in ``reproducible`` mode ``solution_limit`` bounds
    the work instead (default scales with the problem) and ``time_limit`` only arms the watchdog.
    ``workers`` is the number of processes (default: one per core, at most one per member; a
    time-bounded search on a busy machine starts one per idle core instead, see :func:`idle_cores`).
    """

    time_limit: float = 10.0
    reproducible: bool = False
    solution_limit: int | None = None
    workers: int | None = None
    members: tuple[SearchMember, ...] = DEFAULT_PORTFOLIO
    # Extra seconds the watchdog grants past the limit before killing a member.
    grace: float = 2.0
    # The fill guarantee (solver.fill): insert every unassigned job one feasible insertion would serve.
    fill: bool = True

    def effective_workers(self) -> int:
        wanted = self.workers if self.workers is not None else available_cores()
        return max(1, min(wanted, len(self.members)))

    def effective_solution_limit(self, problem: Problem) -> int | None:
        if not self.reproducible:
            return self.solution_limit
        if self.solution_limit is not None:
            return self.solution_limit
        # Later GLS solutions take longer to find: this grows work roughly linearly with size
        # (about 10 s for 300 dispatch tickets on this machine).
        return 60 + len(problem.jobs) // 3


def solve(
    problem: Problem,
    *,
    time_limit: float = 10.0,
    reproducible: bool = False,
    workers: int | None = None,
    solution_limit: int | None = None,
    config: SearchConfig | None = None,
    initial_routes: Mapping[str, Sequence[str]] | None = None,
    progress: ProgressCallback | None = None,
    repair_initial: bool = False,
) -> Solution:
    """Solve ``problem``; never fails to return a solution (jobs that cannot be placed are unassigned).

    ``initial_routes`` (crew id -> job ids in order) warm-starts the search from existing routes;
    ``repair_initial`` first cuts them to this problem's rules and fills them (``solver.fill.repair_routes``).
    ``progress(elapsed_s, incumbent)`` is called about every 0.2 s from the calling thread (``incumbent``:
    the best solution's cost and jobs served per priority, None before the first).
    """
    if config is None:
        config = SearchConfig(
            time_limit=time_limit, reproducible=reproducible, workers=workers, solution_limit=solution_limit
        )
    crew_pos = {c.id: v for v, c in enumerate(problem.crews)}
    job_pos = {j.id: i for i, j in enumerate(problem.jobs)}
    initial: dict[int, list[int]] | None = None
    if initial_routes:
        initial = {}
        for crew_id, job_ids in initial_routes.items():
            if crew_id not in crew_pos:
                raise ValueError(f"initial route for unknown crew {crew_id!r}")
            unknown = [j for j in job_ids if j not in job_pos]
            if unknown:
                raise ValueError(f"initial route of crew {crew_id!r} names unknown jobs {unknown[:5]}")
            initial[crew_pos[crew_id]] = [job_pos[j] for j in job_ids]
        if repair_initial:  # routes of another problem (a what-if's base plan): cut to this one's rules, filled
            initial = repair_routes(problem, initial)

    t0 = time.monotonic()
    if problem.jobs:
        # The fill and swap passes run after the search, inside the time limit (see SWAP_BUDGET_*).
        post = reorder = 0.0
        plain = packing_problem(problem) if not config.reproducible and initial is None else None
        if config.fill and not config.reproducible:
            post = min(SWAP_BUDGET_MAX, SWAP_BUDGET_SHARE * config.time_limit, SWAP_BUDGET_PER_JOB * len(problem.jobs))
            if plain is not None:
                reorder = min(REORDER_BUDGET_MAX, REORDER_BUDGET_PER_JOB * len(problem.jobs))
        started = time.monotonic()
        workers = config.workers
        if workers is None and not config.reproducible and config.effective_workers() > 1:
            # Members share whatever CPU is free: on a busy machine two members at half speed each found
            # worse routes than one at full speed (10 hard Solomon instances at 10 s, load 12: best of
            # two 4.49 % mean gap, one alone 3.77 %, better on every instance). Reproducible mode keeps
            # the full portfolio, so its output never depends on the load.
            workers = max(1, min(config.effective_workers(), round(idle_cores())))
        spent = time.monotonic() - started
        search = config
        if post or workers != config.workers:
            search = dataclasses.replace(config, time_limit=config.time_limit - post - reorder - spent, workers=workers)
        packed = None
        if plain is not None:
            search, initial, packed = _pack(plain, search, progress)
        if search is None and packed is not None:  # no time left for the full objective: the packed routes
            raw = packed
        else:
            raw = _run_portfolio(problem, search or config, initial, progress, fallback=packed)
        if config.fill:
            raw = _fill(problem, raw, budget=None if config.reproducible else post)
        if config.fill and plain is not None:
            raw = _reorder(problem, raw, budget=None if config.reproducible else reorder)
    else:
        raw = RawResult((), 0, "success", 0, 0.0, 0.0, "empty")
    return _to_solution(problem, raw, config, time.monotonic() - t0)


def packing_problem(problem: Problem) -> Problem | None:
    """``problem`` with the plain objective (drop penalties by priority, then travel), or None when its
    objective has no waiting costs (it is plain already) or it is too small to be worth two rounds."""
    obj = problem.objective
    waits = obj.wait_weight > 0 or any(j.urgency for j in problem.jobs)
    if not waits or PACKING_SHARE <= 0 or len(problem.jobs) < ILS_MIN_JOBS:
        return None
    plain = Objective(
        travel_time_weight=obj.travel_time_weight or 1,
        distance_weight=obj.distance_weight,
        priority_ratio=obj.priority_ratio,
    )
    jobs = tuple(dataclasses.replace(j, urgency=0) if j.urgency else j for j in problem.jobs)
    return dataclasses.replace(problem, objective=plain, jobs=jobs)


def _pack(
    plain: Problem, search: SearchConfig, progress: ProgressCallback | None
) -> tuple[SearchConfig | None, dict[int, list[int]] | None, RawResult | None]:
    """The packing round (:data:`PACKING_SHARE` of ``search``'s time on ``plain``): the search of the full
    objective for the rest of the time, less twice the packing round's model building (the full model is built
    and warm-started next), None if that leaves under a second beyond it; the best packed routes to start from,
    and the packed result itself (the plan if the full objective's search finds nothing in time)."""
    t0 = time.monotonic()
    share = PACKING_SHARE * search.time_limit
    packed = _run_portfolio(
        plain, dataclasses.replace(search, time_limit=share, members=PACKING_PORTFOLIO), None, progress
    )
    if not packed.routes:
        return search, None, None
    build = max(0.0, time.monotonic() - t0 - share)  # building the model (and any overrun the watchdog cut)
    rest = search.time_limit - (time.monotonic() - t0) - 2 * build
    routes = {r.crew: [j for j, _ in r.visits] for r in packed.routes}
    return (dataclasses.replace(search, time_limit=rest) if rest >= 1.0 + build else None), routes, packed


def _with_displacements(
    problem: Problem, unassigned: tuple[Unassigned, ...], routes: tuple[Route, ...]
) -> tuple[Unassigned, ...]:
    """Crowded-out jobs with what would have to give way for them ("would displace T123 (P3) on C06")."""
    crowded = [u.job_id for u in unassigned if u.reason is Reason.CROWDED_OUT]
    found = displacements(problem, routes, crowded) if crowded else {}
    out = []
    for u in unassigned:
        if u.job_id in found:
            victim, crew = found[u.job_id]
            detail = f"{u.detail}; it would displace {victim} (P{problem.job(victim).priority}) on {crew}"
            u = dataclasses.replace(u, detail=detail, displaces=(victim, crew))
        out.append(u)
    return tuple(out)


def _fill(problem: Problem, raw: RawResult, *, budget: float | None) -> RawResult:
    """The search's routes with every job that fits somewhere inserted, then less urgent visits swapped for
    more urgent unassigned jobs where one fits in its place (solver.fill), then less urgent visits pushed off
    a route for an unassigned job that needs the room of several (solver.eject), then jobs standing for many
    customers in the place of ones standing for fewer (solver.upgrade); ``budget`` bounds them: half for the
    swaps, :data:`UPGRADE_SHARE` kept for the upgrades (where a problem has such jobs), the ejections the rest."""
    by_crew = {r.crew: r for r in raw.routes}
    routes = [by_crew.get(v) or empty_route(problem, v) for v in range(len(problem.crews))]
    t0 = time.monotonic()

    def left(keep: float) -> float | None:
        return None if budget is None else max(0.0, budget * (1 - keep) - (time.monotonic() - t0))

    swapped = swap_in(problem, fill_routes(problem, routes), budget=None if budget is None else budget / 2)
    upgrades = any(j.unserved_waits for j in problem.jobs)
    filled = eject_in(problem, swapped, budget=left(UPGRADE_SHARE if upgrades else 0.0))
    if upgrades:
        filled = upgrade_in(problem, filled, budget=left(0.0))
    if filled == tuple(routes):
        return raw
    return dataclasses.replace(raw, routes=filled, member=f"{raw.member}+fill")


def _reorder(problem: Problem, raw: RawResult, *, budget: float | None) -> RawResult:
    """The routes with visits moved within their route where travel and waiting drop, then filled again (an
    earlier schedule can make room): solver.fill."""
    by_crew = {r.crew: r for r in raw.routes}
    routes = [by_crew.get(v) or empty_route(problem, v) for v in range(len(problem.crews))]
    moved = fill_routes(problem, reorder_routes(problem, routes, budget=budget))
    if moved == tuple(routes):
        return raw
    return dataclasses.replace(raw, routes=moved, member=f"{raw.member}+reorder")


def _to_solution(problem: Problem, raw: RawResult, config: SearchConfig, wall: float) -> Solution:
    by_crew: dict[int, RawRoute] = {r.crew: r for r in raw.routes}
    # A crew with no visits stays at (or drives straight to) its end: its breaks are moot.
    routes = tuple(
        assemble_route(problem, route if (route := by_crew.get(v)) and route.visits else empty_route(problem, v))
        for v in range(len(problem.crews))
    )
    served = {jid for r in routes for jid in r.job_ids()}
    dropped = [j.id for j in problem.jobs if j.id not in served]
    unassigned = _with_displacements(problem, explain_all(problem, dropped, routes), routes)
    stats = SearchStats(
        status=raw.status,
        objective=raw.objective,
        wall_time=round(wall, 3),
        first_solution_time=round(raw.first_solution_time, 3),
        solutions=raw.solutions,
        strategy=raw.member,
        reproducible=config.reproducible,
    )
    return Solution(routes=routes, unassigned=unassigned, stats=stats)


def _run_portfolio(
    problem: Problem,
    config: SearchConfig,
    initial: dict[int, list[int]] | None,
    progress: ProgressCallback | None,
    *,
    fallback: RawResult | None = None,
) -> RawResult:
    """The best result of ``config``'s members; ``fallback`` if none found a solution in time (else the
    insertion heuristic's first solution)."""
    members = config.members[: config.effective_workers()]
    solution_limit = config.effective_solution_limit(problem)
    time_limit = None if config.reproducible else config.time_limit
    # In-process only where the search is guided local search, which the deadline stops; a
    # ruin-and-recreate member can loop inside OR-Tools past its limit, so it runs under the watchdog.
    uses_ils = bool(members[0].extra.get("use_iterated_local_search"))
    runs_gls = config.reproducible or initial is not None or len(problem.jobs) < ILS_MIN_JOBS or not uses_ils
    if len(members) == 1 and progress is None and runs_gls:
        deadline = None if config.reproducible else time.monotonic() + config.time_limit + config.grace
        return run_search(
            problem,
            members[0],
            time_limit=time_limit,
            solution_limit=solution_limit,
            deadline=deadline,
            initial_routes=initial,
            safety_limit=_watchdog_budget(config) if config.reproducible else None,
        )
    return _run_processes(problem, members, config, time_limit, solution_limit, initial, progress, fallback)


@dataclass
class _Member:
    member: SearchMember
    process: mp.process.BaseProcess
    conn: Connection
    result: RawResult | None = None
    snapshot: RawResult | None = None
    error: str | None = None
    done: bool = False
    started: float = field(default_factory=time.monotonic)


def _worker(
    conn: Connection,
    problem: Problem,
    member: SearchMember,
    time_limit: float | None,
    solution_limit: int | None,
    initial: dict[int, list[int]] | None,
    parent_pid: int,
) -> None:
    die_with_parent(parent_pid)  # a killed run must not leave its searches running (and holding its lock)

    def stream(routes: tuple[RawRoute, ...], cost: int) -> None:
        conn.send(("snapshot", RawResult(routes, cost, "watchdog", 0, 0.0, 0.0, member.name)))

    try:
        result = run_search(
            problem,
            member,
            time_limit=time_limit,
            solution_limit=solution_limit,
            initial_routes=initial,
            on_improvement=stream if time_limit is not None else None,
        )
        conn.send(("result", result))
    except BaseException as exc:  # report, never hang the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _watchdog_budget(config: SearchConfig) -> float:
    """Seconds a search may run before it is stopped. In reproducible mode the watchdog is generous:
    stopping a member would break reproducibility, so only a runaway search reaches it."""
    return config.time_limit * (10 if config.reproducible else 1) + config.grace


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the platform has one)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# How long idle_cores() watches the processor counters.
IDLE_SAMPLE_SECONDS = 0.1


def idle_cores(sample: float = IDLE_SAMPLE_SECONDS) -> float:
    """Cores left idle over the next ``sample`` seconds (Linux /proc/stat); all available cores elsewhere.

    Measured now rather than read from the load average, which counts this process's own searches of
    the last minute: back-to-back solves on a quiet machine would see their own load and shrink.
    """
    cores = available_cores()
    try:
        before = _cpu_ticks()
        time.sleep(sample)
        after = _cpu_ticks()
    except (OSError, ValueError, IndexError):
        return float(cores)
    total = after[0] - before[0]
    if total <= 0:
        return float(cores)
    return min(float(cores), (os.cpu_count() or cores) * (after[1] - before[1]) / total)


def _cpu_ticks() -> tuple[int, int]:
    """All and idle (idle + iowait) jiffies of the machine, from the first line of /proc/stat."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    return sum(fields), fields[3] + fields[4]


def process_context() -> mp.context.BaseContext:
    """How worker processes start: fork where the platform has it, else spawn."""
    # fork: starts in milliseconds and does not re-run the caller's __main__ (spawn and forkserver
    # do, which breaks unguarded scripts). The child only searches and writes to its own pipe, so
    # a lock held by another parent thread (e.g. a progress display) at fork time is never needed.
    methods = mp.get_all_start_methods()
    return mp.get_context("fork" if "fork" in methods else "spawn")


# long function: start, watch and collect the portfolio's processes; the watchdog, the stream of
# incumbents and the clean-up share the same process table.
def _run_processes(
    problem: Problem,
    members: Sequence[SearchMember],
    config: SearchConfig,
    time_limit: float | None,
    solution_limit: int | None,
    initial: dict[int, list[int]] | None,
    progress: ProgressCallback | None,
    fallback: RawResult | None = None,
) -> RawResult:
    ctx = process_context()
    running: list[_Member] = []
    for member in members:
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(
            target=_worker,
            args=(child, problem, member, time_limit, solution_limit, initial, os.getpid()),
            daemon=True,
        )
        proc.start()
        child.close()
        running.append(_Member(member, proc, parent))
    t0 = time.monotonic()
    budget = _watchdog_budget(config)
    try:
        while not all(m.done for m in running):
            for m in running:
                if m.done:
                    continue
                while m.conn.poll(0.1 / len(running)):
                    try:
                        kind, payload = m.conn.recv()
                    except EOFError:
                        m.done = True
                        if m.result is None and m.error is None:
                            m.error = f"search process exited with code {m.process.exitcode}"
                        break
                    if kind == "snapshot":
                        m.snapshot = payload
                    elif kind == "result":
                        m.result, m.done = payload, True
                    else:
                        m.error, m.done = payload, True
            elapsed = time.monotonic() - t0
            if progress is not None:
                progress(elapsed, _incumbent(problem, running))
            if elapsed > budget:
                for m in running:
                    if not m.done:
                        m.process.kill()
                        m.done = True
                break
    finally:
        for m in running:
            m.process.join(timeout=1)
            if m.process.is_alive():
                m.process.kill()
            m.conn.close()
    candidates = [m.result for m in running if m.result is not None and m.result.routes]
    if not candidates:
        candidates = [m.snapshot for m in running if m.snapshot is not None]
    if not candidates and fallback is not None:
        return fallback
    if not candidates:
        errors = [m.error for m in running if m.error and not m.error.startswith("search process exited")]
        if errors:
            raise RuntimeError(f"no search produced a solution: {'; '.join(errors)}")
        # The first-solution phase overran the watchdog: take the insertion heuristic's first
        # solution in-process, without a time limit, so a plan always comes out.
        return run_search(problem, FIRST_SOLUTION_ONLY, time_limit=None, solution_limit=1, initial_routes=initial)
    # Ties go to the first member, so reproducible runs pick the same one every time.
    best = min(candidates, key=lambda r: (r.objective, [m.member.name for m in running].index(r.member)))
    return RawResult(
        best.routes,
        best.objective,
        best.status,
        sum(m.result.solutions for m in running if m.result is not None),
        min(m.result.first_solution_time for m in running if m.result is not None)
        if any(m.result for m in running)
        else 0.0,
        best.wall_time,
        best.member,
    )


def _incumbent(problem: Problem, running: Sequence[_Member]) -> Incumbent | None:
    """The best result or streamed snapshot so far, with jobs served per priority class."""
    results = [m.result for m in running if m.result is not None and m.result.routes] + [
        m.snapshot for m in running if m.snapshot is not None
    ]
    if not results:
        return None
    best = min(results, key=lambda r: r.objective)
    jobs = problem.jobs
    served = Counter(jobs[j].priority for r in best.routes for j, _ in r.visits)
    return Incumbent(best.objective, dict(served), dict(Counter(j.priority for j in jobs)))
