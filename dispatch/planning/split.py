"""Splitting a large region into parts of bounded size: by depot, and a crowded depot geographically.

:func:`partition` is a pure function of the day's inputs and the policy. Its promise: **no part holds
more than** ``solver.max_tickets_per_solve`` **tickets, whatever the depots**, so every routing problem
(and its travel matrix) is of bounded size. Every ticket is in exactly one part, every crew in at most
one (a crew that cannot be dispatched is in the first part, so it is reported once).

1. Each ticket goes to the group of its nearest depot (great-circle distance; ``home`` says where a
   crew's depot is), unless that depot has far more tickets per crew than a neighbour that has the
   ticket in reach (:mod:`dispatch.planning.balance`). Neighbouring groups are merged while a group holds
   at most half the limit.
2. A group still above the limit (one crowded depot) is cut geographically, with its crews dealt out
   among the pieces. Its crews can serve only so much in a day: when the depot holds more than
   :data:`TICKETS_PER_CREW` open tickets per crew, they are planned on that many of the most urgent
   (then nearest) tickets, and the rest go into *unplanned* parts (``Part.unplanned`` says why), which
   are not solved: their tickets are unassigned with that reason.

The later balancing and border passes build on :class:`Part`; the parts are independent of each other.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dispatch.core.domain import Crew, PlanInputs, Ticket
from dispatch.core.policy import Policy
from dispatch.planning.balance import tickets_by_depot
from dispatch.planning.crews import crews_on_shift
from solver.travel import great_circle_m

# Candidate tickets per crew of a crowded depot: far more than a crew's day of work (20-30 visits),
# as a share of the per-solve limit (half of it: 750 tickets at the default 1,500).
TICKETS_PER_CREW_SHARE = 0.5

Home = Callable[[Crew], tuple[float, float]]


@dataclass(frozen=True)
class Part:
    """One part of a day: inputs to plan on their own. ``unplanned`` (a sentence) marks a part that is not
    solved: its tickets lie beyond what their depot's crews can be given, and are unassigned with that reason."""

    inputs: PlanInputs
    unplanned: str | None = None
    # A part set aside: the crews of its depot, given that depot's most urgent and nearest tickets instead.
    given_to: tuple[str, ...] = ()


def split_inputs(inputs: PlanInputs, policy: Policy, *, home: Home | None = None) -> list[PlanInputs]:
    """The inputs of :func:`partition`'s parts (unplanned parts included, as parts without crews)."""
    return [part.inputs for part in partition(inputs, policy, home=home)]


def partition(inputs: PlanInputs, policy: Policy, *, home: Home | None = None) -> list[Part]:
    """Split ``inputs`` into parts of at most ``solver.max_tickets_per_solve`` tickets (see the module doc).

    ``home`` gives a crew's depot (default: where it starts; a re-plan passes where it ends).
    """
    limit = max(1, policy.solver.max_tickets_per_solve)
    if len(inputs.tickets) <= limit:
        return [Part(inputs)]
    where: Home = home or (lambda c: (c.depot_lat, c.depot_lon))
    dispatchable, _ = crews_on_shift(inputs, policy)
    crews_at: dict[tuple[float, float], list[Crew]] = defaultdict(list)
    for c in dispatchable:
        crews_at[where(c.crew)].append(c.crew)
    if not crews_at:  # nobody to plan: bounded parts all the same (their tickets need no matrix)
        return _with_rest(inputs, [_part(inputs, chunk, ()) for chunk in _cut(list(inputs.tickets), limit)])
    keys = list(crews_at)  # in the order of the crews' ids
    lat = np.array([k[0] for k in keys])
    lon = np.array([k[1] for k in keys])
    tickets_of = tickets_by_depot(inputs.tickets, lat, lon, [len(crews_at[k]) for k in keys])
    groups = _merge_neighbours(keys, lat, lon, tickets_of, max(1, limit // 2))
    parts: list[Part] = []
    for group in groups:
        tickets = [t for k in group for t in tickets_of.get(k, [])]
        crews = [c for k in group for c in crews_at[keys[k]]]
        if len(tickets) <= limit:
            parts.append(_part(inputs, tickets, crews))
        else:
            parts.extend(_crowded(inputs, keys[group[0]], tickets, crews, limit))
    return _with_rest(inputs, parts)


def _part(
    inputs: PlanInputs,
    tickets: Sequence[Ticket],
    crews: Sequence[Crew],
    unplanned: str | None = None,
    given_to: tuple[str, ...] = (),
) -> Part:
    ids = {c.crew_id for c in crews}
    return Part(
        dataclasses.replace(
            inputs,
            tickets=tuple(tickets),
            crews=tuple(c for c in inputs.crews if c.crew_id in ids),
            shifts=tuple(s for s in inputs.shifts if s.crew_id in ids),
        ),
        unplanned,
        given_to,
    )


def _with_rest(inputs: PlanInputs, parts: list[Part]) -> list[Part]:
    """Crews in no part (not dispatchable) join the first part, so the plan reports them once."""
    placed = {c.crew_id for p in parts for c in p.inputs.crews}
    rest = {c.crew_id for c in inputs.crews if c.crew_id not in placed}
    if not rest:
        return parts
    first = parts[0]
    ids = {c.crew_id for c in first.inputs.crews} | rest
    merged = dataclasses.replace(
        first.inputs,
        crews=tuple(c for c in inputs.crews if c.crew_id in ids),
        shifts=tuple(s for s in inputs.shifts if s.crew_id in ids),
    )
    return [dataclasses.replace(first, inputs=merged), *parts[1:]]


def _merge_neighbours(
    keys: Sequence[tuple[float, float]],
    lat: np.ndarray,
    lon: np.ndarray,
    tickets_of: dict[int, list[Ticket]],
    limit: int,
) -> list[list[int]]:
    """Depot groups (lists of depot indexes): neighbouring depots merged while a group stays within ``limit``.

    Fewer, larger parts let tickets go to the nearer office's crews across a boundary and cost less
    per-solve overhead; parts of up to half the per-solve limit, solved two at a time, keep within the
    memory target (10,000 tickets: 1.15 GB peak at the full limit, 0.58 GB at half).
    """
    groups = [[k] for k in range(len(keys))]
    size = [len(tickets_of.get(k, [])) for k in range(len(keys))]
    gap = great_circle_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    while len(groups) > 1:
        small = min(range(len(groups)), key=lambda g: (size[g], groups[g][0]))
        fits = [g for g in range(len(groups)) if g != small and size[g] + size[small] <= limit]
        if not fits:
            break
        near = min(fits, key=lambda g: (min(gap[a, b] for a in groups[small] for b in groups[g]), groups[g][0]))
        merged, merged_size = sorted(groups[near] + groups[small]), size[near] + size[small]
        for g in sorted((small, near), reverse=True):
            del groups[g], size[g]
        groups.append(merged)
        size.append(merged_size)
    return groups


def _crowded(
    inputs: PlanInputs, depot: tuple[float, float], tickets: list[Ticket], crews: list[Crew], limit: int
) -> list[Part]:
    """One depot's tickets above the limit: its crews' share of the most urgent (then nearest) tickets
    cut geographically into pieces of at most ``limit``, the crews dealt out among them; the rest in
    unplanned parts."""
    per_crew = max(1, int(limit * TICKETS_PER_CREW_SHARE))
    metres = great_circle_m(
        np.fromiter((t.lon for t in tickets), dtype=np.float64, count=len(tickets)),
        np.fromiter((t.lat for t in tickets), dtype=np.float64, count=len(tickets)),
        depot[1],
        depot[0],
    )
    priority = np.fromiter((t.priority for t in tickets), dtype=np.int64, count=len(tickets))
    order = np.lexsort((_id_rank(tickets), metres, priority)).tolist()
    take = min(len(tickets), per_crew * len(crews))
    planned = [tickets[i] for i in order[:take]]
    rest = [tickets[i] for i in order[take:]]
    pieces = _cut(planned, limit)
    if len(pieces) > len(crews):  # halving's rounding asked for a piece more than there are crews (tiny limits)
        rest = [t for piece in pieces[len(crews) :] for t in piece] + rest
        pieces = pieces[: len(crews)]
        take = sum(map(len, pieces))
    parts = [_part(inputs, piece, team) for piece, team in zip(pieces, _deal(crews, pieces), strict=True)]
    if rest:
        names = ", ".join(sorted(c.crew_id for c in crews))
        why = (
            f"not planned: crews {names} of the depot at {depot[0]:.4f}, {depot[1]:.4f} were given its "
            f"{take} most urgent and nearest of {len(tickets)} open tickets (at most {per_crew} per crew, "
            f"policy solver.max_tickets_per_solve = {limit}); this one stays open for the next plan"
        )
        given = tuple(sorted(c.crew_id for c in crews))
        parts.extend(_part(inputs, piece, (), why, given) for piece in _cut(rest, limit))
    return parts


def _deal(crews: Sequence[Crew], pieces: Sequence[Sequence[Ticket]]) -> list[list[Crew]]:
    """Crews for each piece: at least one each, the rest in proportion to the pieces' tickets; crews sorted
    by skills and vehicle and dealt in turn, so each piece gets a mix of what the depot's crews can do."""
    k = len(pieces)
    total = sum(len(p) for p in pieces) or 1
    wanted = [1 + (len(crews) - k) * len(p) / total for p in pieces]
    counts = [int(w) for w in wanted]
    for i in sorted(range(k), key=lambda i: (counts[i] - wanted[i], i))[: len(crews) - sum(counts)]:
        counts[i] += 1
    ordered = sorted(crews, key=lambda c: (tuple(sorted(c.skills)), c.vehicle.value, c.crew_id))
    teams: list[list[Crew]] = [[] for _ in range(k)]
    i = 0
    for crew in ordered:
        while len(teams[i % k]) >= counts[i % k]:
            i += 1
        teams[i % k].append(crew)
        i += 1
    return teams


def _bisect(tickets: Sequence[Ticket], k: int) -> list[list[Ticket]]:
    """``tickets`` cut into ``k`` geographic pieces of nearly equal size: halved across the wider extent
    (east-west scaled by the latitude), recursively; ties broken by ticket id."""
    if not tickets:
        return []
    lat = np.fromiter((t.lat for t in tickets), dtype=np.float64, count=len(tickets))
    lon = np.fromiter((t.lon for t in tickets), dtype=np.float64, count=len(tickets))
    rank = _id_rank(tickets)
    pieces = _halve(np.arange(len(tickets)), lat, lon, rank, k)
    return [[tickets[i] for i in piece.tolist()] for piece in pieces]


def _halve(idx: np.ndarray, lat: np.ndarray, lon: np.ndarray, rank: np.ndarray, k: int) -> list[np.ndarray]:
    if k <= 1 or len(idx) <= 1:
        return [idx]
    y = lat[idx]
    x = lon[idx] * math.cos(math.radians(float(y.mean())))
    axis = x if np.ptp(x) >= np.ptp(y) else y
    order = idx[np.lexsort((rank[idx], axis))]
    left = k // 2
    cut = round(len(idx) * left / k)
    return _halve(order[:cut], lat, lon, rank, left) + _halve(order[cut:], lat, lon, rank, k - left)


def _id_rank(tickets: Sequence[Ticket]) -> np.ndarray:
    """Each ticket's place in ticket-id order (a deterministic tie-break)."""
    ids = np.array([t.ticket_id for t in tickets], dtype=object)
    rank = np.empty(len(tickets), dtype=np.int64)
    rank[np.argsort(ids, kind="stable")] = np.arange(len(tickets))
    return rank


def _cut(tickets: Sequence[Ticket], limit: int) -> list[list[Ticket]]:
    """``tickets`` in as few geographic pieces of at most ``limit`` as the halving gives (rounding may
    ask for one more piece than the count alone)."""
    if not tickets:
        return []
    k = math.ceil(len(tickets) / limit)
    while max(map(len, pieces := _bisect(tickets, k))) > limit:
        k += 1
    return pieces
