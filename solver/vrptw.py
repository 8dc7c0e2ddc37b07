"""Solomon / Gehring-Homberger VRPTW instances: reader, solver problem, CVRPLIB solution files.

Conventions (those of the published best-known solutions): node 0 is the depot; travel time
equals the Euclidean distance; service starts at max(arrival, ready) and no later than due;
routes return to the depot by its due time; load within capacity; at most the file's vehicle
number; distance-only objective, distances not rounded.

The solver works in integers, so coordinates, times and distances are multiplied by ``scale``.
Travel times round up (see :class:`~solver.travel.EuclideanTravel`), so a route feasible in
integers is feasible with real-valued times; :func:`check_routes` re-checks in reals anyway.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from solver.model import Model, Objective, Problem, TimeWindow
from solver.solution import Solution
from solver.travel import EuclideanTravel

DEFAULT_SCALE = 1000  # three decimals kept in integer arithmetic
_EPS = 1e-9  # tolerance of the real-valued feasibility check


@dataclass(frozen=True)
class Customer:
    """One row of the CUSTOMER table (number 0 is the depot)."""

    number: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class Instance:
    name: str
    vehicles: int
    capacity: int
    depot: Customer
    customers: tuple[Customer, ...]

    @cached_property
    def _by_number(self) -> dict[int, Customer]:
        return {c.number: c for c in (self.depot, *self.customers)}

    def customer(self, number: int) -> Customer:
        return self._by_number[number]


class InstanceError(ValueError):
    """A VRPTW file that cannot be read; the message names the file and line."""


def _number(text: str, *, path: Path, line_no: int, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise InstanceError(f"{path}:{line_no}: {field} is not a number: {text!r}") from None


def _integer(text: str, *, path: Path, line_no: int, field: str) -> int:
    value = _number(text, path=path, line_no=line_no, field=field)
    if value != int(value):
        raise InstanceError(f"{path}:{line_no}: {field} must be a whole number, got {text!r}")
    return int(value)


_CUSTOMER_FIELDS = ("CUST NO.", "XCOORD.", "YCOORD.", "DEMAND", "READY TIME", "DUE DATE", "SERVICE TIME")


def read_instance(path: str | Path) -> Instance:
    """Read a Solomon or Gehring-Homberger text file (CRLF or LF line ends)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="ascii").splitlines()
    except UnicodeDecodeError as exc:
        raise InstanceError(f"{path}: not an ASCII text file ({exc.reason} at byte {exc.start})") from None
    # Line numbers are 1-based, as an editor shows them.
    rows = [(i + 1, ln.strip()) for i, ln in enumerate(lines)]
    content = [(no, ln) for no, ln in rows if ln]
    if not content:
        raise InstanceError(f"{path}: empty file")
    name = content[0][1]

    vehicles = capacity = None
    table_at = None
    for k, (no, ln) in enumerate(content):
        upper = ln.upper()
        if upper.startswith("NUMBER") and "CAPACITY" in upper:
            if k + 1 >= len(content):
                raise InstanceError(f"{path}:{no}: vehicle header without a value row")
            vno, vline = content[k + 1]
            parts = vline.split()
            if len(parts) != 2:
                raise InstanceError(f"{path}:{vno}: expected 'vehicle number, capacity', got {vline!r}")
            vehicles = _integer(parts[0], path=path, line_no=vno, field="VEHICLE NUMBER")
            capacity = _integer(parts[1], path=path, line_no=vno, field="CAPACITY")
        if upper.startswith("CUST NO"):
            table_at = k + 1
            break
    if vehicles is None or capacity is None:
        raise InstanceError(f"{path}: no 'NUMBER CAPACITY' vehicle section")
    if table_at is None:
        raise InstanceError(f"{path}: no 'CUST NO.' customer table header")
    if vehicles < 1:
        raise InstanceError(f"{path}: VEHICLE NUMBER must be >= 1, got {vehicles}")
    if capacity < 0:
        raise InstanceError(f"{path}: CAPACITY must be >= 0, got {capacity}")

    table: list[Customer] = []
    seen: set[int] = set()
    for no, ln in content[table_at:]:
        parts = ln.split()
        if len(parts) != len(_CUSTOMER_FIELDS):
            raise InstanceError(
                f"{path}:{no}: expected {len(_CUSTOMER_FIELDS)} fields "
                f"({', '.join(_CUSTOMER_FIELDS)}), got {len(parts)}: {ln!r}"
            )
        number = _integer(parts[0], path=path, line_no=no, field="CUST NO.")
        x = _number(parts[1], path=path, line_no=no, field="XCOORD.")
        y = _number(parts[2], path=path, line_no=no, field="YCOORD.")
        demand, ready, due, service = (
            _integer(p, path=path, line_no=no, field=f) for p, f in zip(parts[3:], _CUSTOMER_FIELDS[3:], strict=True)
        )
        if number in seen:
            raise InstanceError(f"{path}:{no}: CUST NO. {number} appears twice")
        if demand < 0 or service < 0:
            raise InstanceError(f"{path}:{no}: customer {number} has a negative demand or service time")
        if ready > due:
            raise InstanceError(f"{path}:{no}: customer {number}: READY TIME {ready} after DUE DATE {due}")
        if demand > capacity:
            raise InstanceError(f"{path}:{no}: customer {number}: DEMAND {demand} exceeds CAPACITY {capacity}")
        seen.add(number)
        table.append(Customer(number, x, y, demand, ready, due, service))
    if not table or table[0].number != 0:
        raise InstanceError(f"{path}: the first customer row must be the depot, CUST NO. 0")
    return Instance(name=name, vehicles=vehicles, capacity=capacity, depot=table[0], customers=tuple(table[1:]))


def job_id(number: int) -> str:
    return str(number)


def build_problem(instance: Instance, *, scale: int = DEFAULT_SCALE) -> Problem:
    """The instance as a solver problem: one crew per vehicle, one optional job per customer.

    Jobs stay optional (with the solver's drop penalties, which dwarf any distance) so the
    solver always returns something; callers report an unserved customer as a failure.
    """
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    m = Model()
    d = instance.depot
    depot = m.add_site(x=d.x, y=d.y, name="depot")
    shift = TimeWindow(d.ready * scale, d.due * scale)
    for c in instance.customers:
        site = m.add_site(x=c.x, y=c.y, name=job_id(c.number))
        m.add_job(
            id=job_id(c.number),
            site=site,
            service=c.service * scale,
            time_windows=[TimeWindow(c.ready * scale, c.due * scale)],
            demand=c.demand,
        )
    width = len(str(instance.vehicles))
    for v in range(instance.vehicles):
        m.add_crew(id=f"V{v + 1:0{width}d}", start=depot, shift=shift, capacity=instance.capacity)
    m.set_objective(Objective(travel_time_weight=0, distance_weight=1, wait_weight=0))
    return m.build(EuclideanTravel(scale=scale), wait_origin=shift.start)


def solution_routes(solution: Solution) -> list[list[int]]:
    """Customer numbers of every used route, in visiting order."""
    return [[int(j) for j in r.job_ids()] for r in solution.routes if r.job_ids()]


def route_distance(instance: Instance, routes: Sequence[Sequence[int]]) -> float:
    """Total unrounded Euclidean distance, depot to depot."""
    total = 0.0
    for route in routes:
        path = [instance.depot, *(instance.customer(n) for n in route), instance.depot]
        total += sum(math.hypot(a.x - b.x, a.y - b.y) for a, b in zip(path, path[1:], strict=False))
    return total


def check_routes(instance: Instance, routes: Sequence[Sequence[int]], *, require_all: bool = True) -> list[str]:
    """Violations of the VRPTW rules with real-valued times; an empty list means feasible.

    Written independently of the solver model, so it can judge the solver's output.
    """
    problems: list[str] = []
    known = {c.number for c in instance.customers}
    seen: dict[int, int] = {}
    used = [r for r in routes if r]
    if len(used) > instance.vehicles:
        problems.append(f"{len(used)} routes but only {instance.vehicles} vehicles")
    for k, route in enumerate(used, start=1):
        t = float(instance.depot.ready)
        load = 0
        here = instance.depot
        for n in route:
            if n not in known:
                problems.append(f"route {k}: unknown customer {n}")
                continue
            if n in seen:
                problems.append(f"customer {n} visited twice (routes {seen[n]} and {k})")
            seen[n] = k
            c = instance.customer(n)
            t = max(t + here.service + math.hypot(c.x - here.x, c.y - here.y), c.ready)
            if t > c.due + _EPS:
                problems.append(f"route {k}: customer {n} served at {t:.4f}, after its due time {c.due}")
            load += c.demand
            here = c
        back = t + here.service + math.hypot(here.x - instance.depot.x, here.y - instance.depot.y)
        if back > instance.depot.due + _EPS:
            problems.append(f"route {k}: back at the depot at {back:.4f}, after its due time {instance.depot.due}")
        if load > instance.capacity:
            problems.append(f"route {k}: load {load} exceeds capacity {instance.capacity}")
    if require_all:
        missing = sorted(known - seen.keys())
        if missing:
            shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
            problems.append(f"{len(missing)} customers not served: {shown}")
    return problems


def format_solution(routes: Sequence[Sequence[int]], cost: float) -> str:
    """CVRPLIB solution text: ``Route #k: n n n`` per used route, then ``Cost c``.

    The cost is the unrounded Euclidean distance, printed with four decimals.
    """
    lines = [f"Route #{k}: {' '.join(map(str, r))}" for k, r in enumerate((r for r in routes if r), start=1)]
    lines.append(f"Cost {cost:.4f}")
    return "\n".join(lines) + "\n"


def write_solution(path: str | Path, routes: Sequence[Sequence[int]], cost: float) -> None:
    Path(path).write_text(format_solution(routes, cost), encoding="ascii")


_ROUTE_LINE = re.compile(r"^Route\s*#\s*(\d+)\s*:(.*)$", re.IGNORECASE)


def read_solution(path: str | Path) -> tuple[list[list[int]], float | None]:
    """Routes and stated cost of a CVRPLIB solution file (``None`` when there is no Cost line)."""
    path = Path(path)
    routes: list[list[int]] = []
    cost: float | None = None
    for no, raw in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        ln = raw.strip()
        if not ln:
            continue
        match = _ROUTE_LINE.match(ln)
        if match:
            try:
                routes.append([int(t) for t in match.group(2).split()])
            except ValueError:
                raise InstanceError(f"{path}:{no}: route holds a non-integer customer: {ln!r}") from None
        elif ln.lower().startswith("cost"):
            cost = _number(ln.split(maxsplit=1)[1] if " " in ln else "", path=path, line_no=no, field="Cost")
        else:
            raise InstanceError(f"{path}:{no}: neither a 'Route #k:' nor a 'Cost' line: {ln!r}")
    return routes, cost
