"""Which depot's crews a ticket is planned with: the nearest, unless that depot has far more work per crew
than its neighbours.

A region is cut by depot, so each part's load is its tickets per crew. Left to the nearest depot alone, a
depot with few crews in a busy area gets twice the work per crew of the next one (the 10,000-ticket bench
day: 13.9 to 50.3 tickets per crew), and its part leaves low-priority work open that the crews next door
had time for. :func:`tickets_by_depot` gives each ticket to its nearest depot, then, in rounds, moves a
ticket from a depot to one of the next nearest while the first still has more than :data:`SLACK` more
tickets per crew than the second after the move, cheapest first (the least extra distance), and only
when the ticket is **within reach** of the new depot: no farther from it than the farthest of the
tickets that depot is nearest to. Depots far apart therefore never trade tickets, and no depot gets a
ticket further out than its own area; busy areas pass work outwards a depot per round.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from dispatch.core.domain import Ticket
from solver.travel import great_circle_m

# How much busier (tickets per crew) a depot may stay than a neighbour that has its ticket in reach:
# moving costs travel, so small differences stay.
SLACK = 0.1
# Other depots considered for a ticket that moves (the nearest ones).
CANDIDATES = 3
# Rounds of moves at most (a ticket moved in one round lets the receiving depot pass one on in the next).
ROUNDS = 12
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
        _level(metres, nearest, depot, crews)
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


def _level(metres: np.ndarray, nearest: np.ndarray, depot: np.ndarray, crews: Sequence[int]) -> None:
    """Move tickets (``depot``, in place) from busier depots to less busy ones that have them in reach, in
    rounds (a depot that received may pass tickets on to the next), until none moves."""
    n, k = metres.shape
    per = np.asarray(crews, dtype=np.float64)
    load = np.bincount(nearest, minlength=k)
    reach = np.zeros(k, dtype=np.float32)
    np.maximum.at(reach, nearest, metres[np.arange(n), nearest])
    near = np.argsort(metres, axis=1, kind="stable")[:, : 1 + CANDIDATES]
    for _ in range(ROUNDS):
        ratio = load / per
        rows = np.flatnonzero(ratio[depot] > (1 + SLACK) * ratio.min())
        cand_row = np.repeat(rows, near.shape[1])
        cand_to = near[rows].ravel()
        home = depot[cand_row]
        # Pairs that could move at the round's loads (one that cannot now is looked at again next round).
        fits = (cand_to != home) & (metres[cand_row, cand_to] <= reach[cand_to])
        fits &= (load[home] - 1) / per[home] >= (1 + SLACK) * (load[cand_to] + 1) / per[cand_to]
        cand_row, cand_to = cand_row[fits], cand_to[fits]
        extra = metres[cand_row, cand_to] - metres[cand_row, depot[cand_row]]
        moved = np.zeros(n, dtype=bool)  # a ticket moves once a round
        for i in np.lexsort((cand_to, cand_row, extra)).tolist():  # cheapest first; ties by ticket, then depot
            t, to = int(cand_row[i]), int(cand_to[i])
            home = int(depot[t])
            if moved[t] or (load[home] - 1) / per[home] < (1 + SLACK) * (load[to] + 1) / per[to]:
                continue
            moved[t] = True
            depot[t] = to
            load[home] -= 1
            load[to] += 1
        if not moved.any():
            return
