"""Which depot's crews a ticket is planned with: the nearest, unless that depot has far more work per crew
than its neighbours.

A region is cut by depot, so each part's load is its tickets per crew. Left to the nearest depot alone, a
depot with few crews in a busy area gets twice the work per crew of the next one (the 10,000-ticket bench
day: 13.9 to 50.3 tickets per crew), and its part leaves low-priority work open that the crews next door
had time for. :func:`tickets_by_depot` gives each ticket to its nearest depot, then moves tickets out of
depots above their share of the day (the region's tickets per crew times their crews, plus
:data:`SLACK`) to a depot below its share, cheapest first (the least extra distance from the ticket to the
new depot), as long as the ticket is **within reach** of the new depot: no farther from it than the
farthest of the tickets that depot is nearest to. Depots far apart therefore never trade tickets, and no
depot gets a ticket further out than its own area.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from dispatch.core.domain import Ticket
from solver.travel import great_circle_m

# Share above a depot's fair load (the region's tickets per crew times its crews) it keeps before
# tickets move to a neighbour: moving costs travel, so small differences stay.
SLACK = 0.1
# Other depots considered for a ticket that moves (the nearest ones).
CANDIDATES = 3
# Tickets per block when measuring ticket-to-depot distances (bounds the temporaries to block x depots).
_BLOCK = 8192


def tickets_by_depot(
    tickets: Sequence[Ticket], lat: np.ndarray, lon: np.ndarray, crews: Sequence[int]
) -> dict[int, list[Ticket]]:
    """Tickets by the index of the depot whose crews plan them (see the module doc), in input order.
    ``lat``/``lon``: the depots; ``crews``: how many crews each has (all at least one)."""
    metres = _distances(tickets, lat, lon)
    nearest = np.argmin(metres, axis=1)
    depot = nearest.copy()
    if len(lat) > 1:
        _move_to_share(metres, nearest, depot, crews)
    out: dict[int, list[Ticket]] = defaultdict(list)
    for t, k in zip(tickets, depot.tolist(), strict=True):
        out[k].append(t)
    return out


def _distances(tickets: Sequence[Ticket], lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """Metres from each ticket (rows) to each depot (columns), single precision."""
    t_lat = np.fromiter((t.lat for t in tickets), dtype=np.float64, count=len(tickets))
    t_lon = np.fromiter((t.lon for t in tickets), dtype=np.float64, count=len(tickets))
    out = np.empty((len(tickets), len(lat)), dtype=np.float32)
    for r in range(0, len(tickets), _BLOCK):
        out[r : r + _BLOCK] = great_circle_m(
            t_lon[r : r + _BLOCK, None], t_lat[r : r + _BLOCK, None], lon[None, :], lat[None, :]
        )
    return out


def _move_to_share(metres: np.ndarray, nearest: np.ndarray, depot: np.ndarray, crews: Sequence[int]) -> None:
    """Move tickets (``depot``, in place) from depots above their share to depots below it, in reach."""
    n, k = metres.shape
    load = np.bincount(nearest, minlength=k)
    share = np.array(fair_share(n, crews), dtype=np.int64)
    own = metres[np.arange(n), nearest]
    reach = np.zeros(k, dtype=np.float32)
    np.maximum.at(reach, nearest, own)
    over = load > share
    if not over.any() or not (load < share).any():
        return
    rows = np.flatnonzero(over[nearest])
    near = np.argsort(metres[rows], axis=1, kind="stable")[:, 1 : 1 + CANDIDATES]
    cand_row = np.repeat(rows, near.shape[1])
    cand_to = near.ravel()
    extra = metres[cand_row, cand_to] - own[cand_row]
    fits = (metres[cand_row, cand_to] <= reach[cand_to]) & (load[cand_to] < share[cand_to])
    cand_row, cand_to, extra = cand_row[fits], cand_to[fits], extra[fits]
    moved = np.zeros(n, dtype=bool)
    for i in np.lexsort((cand_to, cand_row, extra)).tolist():  # cheapest first; ties by ticket, then depot
        t, to = int(cand_row[i]), int(cand_to[i])
        home = int(nearest[t])
        if moved[t] or load[home] <= share[home] or load[to] >= share[to]:
            continue
        moved[t] = True
        depot[t] = to
        load[home] -= 1
        load[to] += 1


def fair_share(tickets: int, crews: Sequence[int]) -> list[int]:
    """Each depot's share of the day's ``tickets`` (by its ``crews``), above which tickets move away."""
    total = sum(crews) or 1
    return [math.ceil(tickets / total * c * (1 + SLACK)) for c in crews]
