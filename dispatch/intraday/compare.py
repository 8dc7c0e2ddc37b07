"""What a revision changed per crew: stops added, moved, dropped, reordered, retimed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dispatch.intraday.model import CrewChange, _t, _visits_of

# A stop whose planned arrival moves by more than this counts as changed (its route sheet is rewritten).
RETIME_TOLERANCE_S = 15 * 60


def _lis_length(seq: Sequence[int]) -> int:
    import bisect

    tails: list[int] = []
    for x in seq:
        i = bisect.bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)


def compare_plans(old: dict[str, Any], new: dict[str, Any], *, frozen: set[str] | None = None) -> dict[str, CrewChange]:
    """Per crew, what ``new`` changed against ``old`` on the stops not yet done or under way."""
    if frozen is None:
        frozen = {s["ticket_id"] for r in new["routes"] for s in _visits_of(r) if s.get("progress")}
    old_seq = {r["crew_id"]: [s for s in _visits_of(r) if s["ticket_id"] not in frozen] for r in old["routes"]}
    new_seq = {r["crew_id"]: [s for s in _visits_of(r) if s["ticket_id"] not in frozen] for r in new["routes"]}
    old_crew = {s["ticket_id"]: c for c, ss in old_seq.items() for s in ss}
    new_crew = {s["ticket_id"]: c for c, ss in new_seq.items() for s in ss}
    changes: dict[str, CrewChange] = {}
    for crew_id in sorted(set(old_seq) | set(new_seq)):
        ch = CrewChange(crew_id)
        ch.frozen = sum(
            1 for r in new["routes"] if r["crew_id"] == crew_id for s in _visits_of(r) if s["ticket_id"] in frozen
        )
        before = old_seq.get(crew_id, [])
        after = new_seq.get(crew_id, [])
        before_ids = [s["ticket_id"] for s in before]
        for s in after:
            tid = s["ticket_id"]
            src = old_crew.get(tid)
            if src is None:
                ch.added.append(tid)
            elif src != crew_id:
                ch.moved_in[tid] = src
        for tid in before_ids:
            dst = new_crew.get(tid)
            if dst is None:
                ch.dropped.append(tid)
            elif dst != crew_id:
                ch.moved_out[tid] = dst
        pos = {tid: i for i, tid in enumerate(before_ids)}
        kept = [s for s in after if pos.get(s["ticket_id"]) is not None and new_crew[s["ticket_id"]] == crew_id]
        ch.reordered = len(kept) - _lis_length([pos[s["ticket_id"]] for s in kept])
        old_at = {s["ticket_id"]: _t(s["arrival"]) for s in before}
        ch.retimed = sum(
            1 for s in kept if abs((_t(s["arrival"]) - old_at[s["ticket_id"]]).total_seconds()) > RETIME_TOLERANCE_S
        )
        changes[crew_id] = ch
    return changes
