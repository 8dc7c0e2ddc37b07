"""What a revision changed per crew: stops added, moved, dropped, reordered, retimed."""

from __future__ import annotations

import bisect
import dataclasses
from collections import Counter
from collections.abc import Sequence

from dispatch.core.plan import CrewChange, Plan
from dispatch.core.route import Step, StepProgress

# A stop whose planned arrival moves by more than this counts as changed (its route sheet is rewritten).
RETIME_TOLERANCE_S = 15 * 60


def compare_plans(old: Plan, new: Plan, *, frozen: set[str] | None = None) -> dict[str, CrewChange]:
    """Per crew, what ``new`` changed against ``old`` on the stops not yet done or under way
    (``frozen``: default, the visits ``new`` marks with a progress)."""
    if frozen is None:
        frozen = {s.ticket_id for _, s in new.visits() if s.progress is not None and s.ticket_id}
    old_seq = {r.crew_id: [s for s in r.visits if s.ticket_id not in frozen] for r in old.routes}
    new_seq = {r.crew_id: [s for s in r.visits if s.ticket_id not in frozen] for r in new.routes}
    old_crew = {s.ticket_id: c for c, ss in old_seq.items() for s in ss}
    new_crew = {s.ticket_id: c for c, ss in new_seq.items() for s in ss}
    frozen_on = Counter(r.crew_id for r, s in new.visits() if s.ticket_id in frozen)
    unconfirmed_on = Counter(r.crew_id for r, s in new.visits() if s.progress is StepProgress.UNCONFIRMED)
    return {
        crew_id: dataclasses.replace(
            _change(
                crew_id, old_seq.get(crew_id, []), new_seq.get(crew_id, []), old_crew, new_crew, frozen_on[crew_id]
            ),
            unconfirmed=unconfirmed_on[crew_id],
        )
        for crew_id in sorted(set(old_seq) | set(new_seq))
    }


def _change(
    crew_id: str,
    before: list[Step],
    after: list[Step],
    old_crew: dict[str | None, str],
    new_crew: dict[str | None, str],
    frozen: int,
) -> CrewChange:
    added = [s.ticket_id for s in after if old_crew.get(s.ticket_id) is None]
    moved_in = {s.ticket_id: old_crew[s.ticket_id] for s in after if old_crew.get(s.ticket_id) not in (None, crew_id)}
    dropped = [s.ticket_id for s in before if new_crew.get(s.ticket_id) is None]
    moved_out = {s.ticket_id: new_crew[s.ticket_id] for s in before if new_crew.get(s.ticket_id) not in (None, crew_id)}
    pos = {s.ticket_id: i for i, s in enumerate(before)}
    kept = [s for s in after if s.ticket_id in pos]
    reordered = len(kept) - _lis_length([pos[s.ticket_id] for s in kept])
    old_at = {s.ticket_id: s.arrival for s in before}
    retimed = sum(1 for s in kept if abs((s.arrival - old_at[s.ticket_id]).total_seconds()) > RETIME_TOLERANCE_S)
    stops_changed = len(added) + len(moved_in) + len(moved_out) + len(dropped) + reordered
    return CrewChange(
        crew_id=crew_id,
        changed=stops_changed > 0 or retimed > 0,
        summary=_describe(added, moved_in, moved_out, dropped, reordered, retimed),
        added=tuple(added),  # type: ignore[arg-type]
        moved_in=moved_in,  # type: ignore[arg-type]
        moved_out=moved_out,  # type: ignore[arg-type]
        dropped=tuple(dropped),  # type: ignore[arg-type]
        reordered=reordered,
        retimed=retimed,
        frozen=frozen,
    )


def _describe(
    added: Sequence[object],
    moved_in: dict[object, str],
    moved_out: dict[object, str],
    dropped: Sequence[object],
    reordered: int,
    retimed: int,
) -> str:
    parts = []
    if added:
        parts.append(f"{len(added)} stop{'s' * (len(added) != 1)} added")
    parts += [f"{n} moved from {c}" for c, n in sorted(Counter(moved_in.values()).items())]
    parts += [f"{n} moved to {c}" for c, n in sorted(Counter(moved_out.values()).items())]
    if dropped:
        parts.append(f"{len(dropped)} taken off (unassigned or closed)")
    if reordered:
        parts.append(f"{reordered} reordered")
    if retimed:
        parts.append(f"{retimed} retimed")
    return ", ".join(parts) if parts else "no change"


def _lis_length(seq: Sequence[int]) -> int:
    """The length of the longest increasing subsequence: the stops that kept their relative order."""
    tails: list[int] = []
    for x in seq:
        i = bisect.bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)
