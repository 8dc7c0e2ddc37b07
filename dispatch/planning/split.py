"""Splitting a large region into parts of bounded size, by depot."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable

import numpy as np

from dispatch.core.domain import Crew, PlanInputs, Ticket
from dispatch.core.policy import Policy
from dispatch.planning.crews import crews_on_shift


def split_inputs(
    inputs: PlanInputs, policy: Policy, *, home: Callable[[Crew], tuple[float, float]] | None = None
) -> list[PlanInputs]:
    """Split a region above ``solver.max_tickets_per_solve`` tickets by depot.

    Each ticket goes with the crews of its nearest depot (great-circle distance); neighbouring
    depots are then merged while a part holds at most that many tickets, so every part is a routing
    problem of bounded size with its own travel matrix. Tickets are not exchanged between parts;
    crews that are not dispatched stay in the first part so they are reported once.
    ``home`` gives a crew's depot (default: where it starts; a re-plan passes where it ends).
    """
    if len(inputs.tickets) <= policy.solver.max_tickets_per_solve:
        return [inputs]
    dispatchable, _ = crews_on_shift(inputs, policy)
    depots: dict[tuple[float, float], list[str]] = defaultdict(list)
    for c in dispatchable:
        depots[home(c.crew) if home else (c.crew.depot_lat, c.crew.depot_lon)].append(c.crew.crew_id)
    if len(depots) < 2:
        return [inputs]
    keys = list(depots)
    lat = np.array([k[0] for k in keys])
    lon = np.array([k[1] for k in keys])
    t_lat = np.array([t.lat for t in inputs.tickets])
    t_lon = np.array([t.lon for t in inputs.tickets])
    from solver.travel import great_circle_m

    nearest = np.argmin(great_circle_m(t_lon[:, None], t_lat[:, None], lon[None, :], lat[None, :]), axis=1)
    tickets_of: dict[int, list[Ticket]] = defaultdict(list)
    for t, k in zip(inputs.tickets, nearest, strict=True):
        tickets_of[int(k)].append(t)
    # Neighbouring depots are merged while a part stays within half the limit: fewer, larger parts
    # let tickets go to the nearer office's crews across a boundary and cost less per-solve
    # overhead, and parts of up to half the limit, solved two at a time, keep within the memory
    # target (10,000 tickets: 1.15 GB peak at the full limit, 0.58 GB at half).
    groups = [[k] for k in range(len(keys))]
    size = [len(tickets_of.get(k, [])) for k in range(len(keys))]
    gap = great_circle_m(lon[:, None], lat[:, None], lon[None, :], lat[None, :])
    limit = max(1, policy.solver.max_tickets_per_solve // 2)
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
    grouped = {cid for ids in depots.values() for cid in ids}
    parts = []
    for n, group in enumerate(groups):
        crew_ids = {cid for k in group for cid in depots[keys[k]]}
        if n == 0:
            crew_ids |= {c.crew_id for c in inputs.crews if c.crew_id not in grouped}
        parts.append(
            dataclasses.replace(
                inputs,
                tickets=tuple(t for k in sorted(group) for t in tickets_of.get(k, [])),
                crews=tuple(c for c in inputs.crews if c.crew_id in crew_ids),
                shifts=tuple(s for s in inputs.shifts if s.crew_id in crew_ids),
            )
        )
    return parts
