"""What a re-plan does with a stop reported not done today, by the reason the crew gave.

- ``needs_skill``: offered again the same day, to a crew on shift that has the ticket's skills and a skill
  the reporting crew lacks (the skills it would bring are noted); never to a crew that reported it needs
  another skill today. With no such crew on shift it waits for the next day's plan.
- ``needs_material``: not offered again today. The crew carries nothing more, and another crew would have
  to find out the same: the ticket goes back to the open pool with the reason for the next day's plan,
  when the material can be ordered and brought along.
- ``unsafe``: not offered again today, to any crew; flagged for the dispatcher (a note of the revision),
  who decides before the next day's plan offers it again.
- ``not_home``: offered again later the same day, once, to any crew; reported not home twice today, it
  waits for the next day's plan.
- ``escalated`` (recorded by the dispatcher): back to the open pool for the next day's plan.

The visit reported not done stays on its crew's route as it happened (frozen); a ticket offered again has
a second, new stop. The re-plan lists every such ticket in the revision's ``not_done`` with what it did,
and a ticket not placed today among the unassigned with its reason. The rule reads only the day's visit
records, so every re-plan of the day applies it afresh.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from dispatch.core.domain import Crew, Ticket
from dispatch.core.plan import NotDone, Plan
from dispatch.core.unassigned import Unassigned
from dispatch.intraday.model import VisitFact


class Action(StrEnum):
    REOFFERED = "reoffered"  # planned again today
    NEXT_DAY = "next_day"  # open for the next day's plan
    FLAGGED = "flagged"  # unsafe: the dispatcher decides


@dataclass(frozen=True)
class Decision:
    """What today's not-done reports of one ticket mean for the rest of the day."""

    ticket_id: str
    crew_id: str  # the crew of the latest not-done report
    reason: str
    reported_at: dt.datetime
    action: Action
    allowed: frozenset[str] | None = None  # reoffered: the crews it may go to (None: any)
    skills: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()


def decide(visits: Iterable[VisitFact], *, open_ids: set[str], crews: Mapping[str, Crew],
           tickets: Mapping[str, Ticket]) -> dict[str, Decision]:  # fmt: skip
    """Per ticket still open and reported not done today (its latest visit ended not done), the decision.
    ``crews``: the crews on shift for the rest of the day."""
    by_ticket: dict[str, list[VisitFact]] = {}
    for v in sorted(visits, key=lambda v: (v.left_at or v.arrived_at, v.ticket_id)):
        if v.left_at is not None and v.outcome is not None:
            by_ticket.setdefault(v.ticket_id, []).append(v)
    out = {}
    for tid, vs in by_ticket.items():
        last = vs[-1]
        if tid not in open_ids or last.outcome == "fixed" or last.left_at is None or last.outcome is None:
            continue
        base = Decision(tid, last.crew_id, last.outcome, last.left_at, Action.NEXT_DAY)
        if last.outcome == "unsafe":
            out[tid] = dataclasses.replace(base, action=Action.FLAGGED)
        elif last.outcome == "not_home":
            twice = sum(1 for v in vs if v.outcome == "not_home") >= 2
            out[tid] = base if twice else dataclasses.replace(base, action=Action.REOFFERED)
        elif last.outcome == "needs_skill" and tid in tickets:
            out[tid] = _other_skill(base, vs, crews, tickets[tid])
        else:
            out[tid] = base
    return out


def _other_skill(base: Decision, vs: list[VisitFact], crews: Mapping[str, Crew], ticket: Ticket) -> Decision:
    """Offered to crews with the ticket's skills and one the reporters lack; excluded: today's reporters."""
    reporters = sorted({v.crew_id for v in vs if v.outcome == "needs_skill"})
    had: frozenset[str] = frozenset().union(*(crews[c].skills for c in reporters if c in crews))
    allowed = frozenset(
        c.crew_id
        for c in crews.values()
        if c.crew_id not in reporters and set(ticket.skills) <= set(c.skills) and not set(c.skills) <= had
    )
    skills = tuple(sorted(frozenset().union(*(crews[c].skills for c in allowed)) - had))
    action = Action.REOFFERED if allowed else Action.NEXT_DAY
    return dataclasses.replace(base, action=action, allowed=allowed, skills=skills, excluded=tuple(reporters))


def reoffer_token(ticket_id: str) -> str:
    """The skill that only the crews a re-offered ticket may go to carry, in the re-plan's problem."""
    return f"reoffer:{ticket_id}"


def with_reoffers(
    tickets: Iterable[Ticket], crews: Mapping[str, Crew], decisions: Mapping[str, Decision], frozen_ids: set[str]
) -> tuple[tuple[Ticket, ...], dict[str, Crew]]:
    """The rest of the day's tickets (not frozen, plus those offered again) and crews: a ticket offered
    to some crews only requires its token skill, which those crews carry."""
    out_crews = dict(crews)
    out: list[Ticket] = []
    for t in tickets:
        d = decisions.get(t.ticket_id)
        if d is None or d.action is not Action.REOFFERED:
            if t.ticket_id not in frozen_ids:
                out.append(t)
            continue
        if d.allowed is None:
            out.append(t)
            continue
        token = reoffer_token(t.ticket_id)
        out.append(dataclasses.replace(t, skills=(*t.skills, token)))
        for c in d.allowed:
            if c in out_crews:
                out_crews[c] = dataclasses.replace(out_crews[c], skills=(*out_crews[c].skills, token))
    return tuple(out), out_crews


def settled(plan: Plan, decisions: Mapping[str, Decision], *, tz: dt.tzinfo) -> tuple[Plan, tuple[NotDone, ...]]:
    """``plan`` with each ticket reported not done and not placed again today listed as unassigned with
    its reason, and what was done with each (the revision's ``not_done``)."""
    placed = {s.ticket_id: r.crew_id for r, s in plan.visits() if s.progress is None and s.ticket_id}
    listed = {u.ticket_id: u for u in plan.unassigned}
    unassigned = [u for u in plan.unassigned if u.ticket_id not in decisions]
    records = []
    for tid, d in sorted(decisions.items(), key=lambda kv: (kv[1].reported_at, kv[0])):
        crew_now = placed.get(tid) if d.action is Action.REOFFERED else None
        at = d.reported_at.astimezone(tz)
        records.append(NotDone(tid, d.crew_id, d.reason, at, d.action.value, crew_now, d.skills, d.excluded))
        if crew_now is None:
            unassigned.append(Unassigned(tid, d.reason, _detail(d, listed.get(tid), tz)))
    return plan.with_(unassigned=tuple(unassigned)), tuple(records)


def _detail(d: Decision, solver_said: Unassigned | None, tz: dt.tzinfo) -> str:
    when = f"reported {d.reason} by {d.crew_id} at {d.reported_at.astimezone(tz):%H:%M}"
    if d.action is Action.FLAGGED:
        return f"{when}; not offered again today: the dispatcher checks it first"
    if d.action is Action.REOFFERED:
        why = f"{solver_said.reason}: {solver_said.detail}" if solver_said is not None else "not placed"
        return f"{when}; offered again today but not placed ({why.replace(reoffer_token(d.ticket_id), '')})"
    if d.reason == "needs_skill":
        return f"{when}; no other crew on shift has a skill {', '.join(d.excluded)} lack(s): next day's plan"
    if d.reason == "not_home":
        return f"{when}, the second time today: next day's plan"
    return f"{when}; back in the open pool for the next day's plan"


def is_flagged(n: NotDone) -> bool:
    return n.action == Action.FLAGGED.value
