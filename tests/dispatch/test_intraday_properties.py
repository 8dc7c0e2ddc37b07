"""Property: whatever small running day hypothesis draws, a re-plan keeps the re-plan contract.

A day is a few crews at one depot (some with a lunch window), a handful of tickets (some of them
hazards reported that morning, so emergencies), the night's plan followed exactly until the
re-plan time, maybe new tickets reported since, and maybe one shift end moved (sent home early or
overtime), in normal or storm mode. The revision must keep every recorded visit as it happened, account for every open
ticket exactly once, start nothing new before the re-plan time or before the crew is free, keep
each crew inside its (moved) shift and today's caps, counting what was done before the re-plan.
The examples are derandomized so CI is repeatable; set PROPERTY_EXAMPLES to explore more.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from typing import Any

from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from dispatch.core.domain import Category, Crew, PlanInputs, Shift, Ticket
from dispatch.core.policy import Policy
from dispatch.intraday.model import ReplanInputs, VisitFact
from dispatch.intraday.replan import make_replan
from dispatch.planning.nightly import make_plan
from tests.dispatch.test_intraday import DAY, DEPOT, at

EXPLORE = "PROPERTY_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("PROPERTY_EXAMPLES", "20"))
POLICY = Policy().with_overrides({"exposure.max_homes_per_shift": 3, "exposure.max_exposure_min_per_shift": 60.0})


@st.composite
def running_day(draw: st.DrawFn) -> dict[str, Any]:
    n_crews = draw(st.integers(1, 3))
    crews, shifts = [], []
    for i in range(1, n_crews + 1):
        crews.append(Crew(f"C{i}", f"Regu {i}", DEPOT[0], DEPOT[1], skills=("mv",), members=(f"M{i}a", f"M{i}b")))
        lunch = draw(st.booleans())
        shifts.append(
            Shift(
                f"C{i}",
                DAY,
                at("08:00"),
                at("16:00"),
                break_start=at("11:30") if lunch else None,
                break_end=at("13:30") if lunch else None,
                break_min=60 if lunch else 0,
            )
        )

    def ticket(tid: str, reported: dt.datetime) -> Ticket:
        indoor = draw(st.booleans())
        priority = draw(st.integers(1, 4))
        return Ticket(
            ticket_id=tid,
            reported_at=reported,
            category=Category.NO_POWER if indoor else Category.LINE_DOWN,
            lat=DEPOT[0] + draw(st.floats(-0.04, 0.04)),
            lon=DEPOT[1] + draw(st.floats(-0.04, 0.04)),
            priority=priority,
            service_min=draw(st.integers(15, 90)),
            indoor=indoor,
            skills=("mv",) if priority == 1 and draw(st.booleans()) else (),
        )

    night = [
        ticket(f"N{k}", at("06:00") - dt.timedelta(hours=draw(st.sampled_from([1, 30]))))
        for k in range(draw(st.integers(2, 9)))
    ]
    replan_at = at("08:00") + dt.timedelta(minutes=draw(st.integers(0, 14)) * 30)
    new = [
        ticket(f"D{k}", replan_at - dt.timedelta(minutes=draw(st.integers(1, 120))))
        for k in range(draw(st.integers(0, 3)))
    ]
    end_shift = {}
    if draw(st.booleans()):
        end_shift[f"C{draw(st.integers(1, n_crews))}"] = replan_at + dt.timedelta(minutes=draw(st.integers(-30, 240)))
    storm = draw(st.booleans())
    return {
        "crews": crews,
        "shifts": shifts,
        "night": night,
        "new": new,
        "at": replan_at,
        "end_shift": end_shift,
        "storm": storm,
    }


def followed_until(doc: dict[str, Any], until: dt.datetime) -> list[VisitFact]:
    """Every crew did its plan exactly: visits begun by ``until`` are recorded (done, or under way)."""
    out = []
    for r in doc["routes"]:
        for s in r["steps"]:
            if s["type"] != "visit" or dt.datetime.fromisoformat(s["arrival"]) > until:
                continue
            arrival, end = dt.datetime.fromisoformat(s["arrival"]), dt.datetime.fromisoformat(s["end"])
            done = end <= until
            out.append(
                VisitFact(
                    s["ticket_id"], r["crew_id"], arrival, end if done else None, s["indoor"], "fixed" if done else None
                )
            )
    return out


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not EXPLORE,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    phases=[Phase.explicit, Phase.reuse, Phase.generate] + ([Phase.shrink] if EXPLORE else []),
)
@given(running_day())
def test_replan_keeps_its_contract(day: dict[str, Any]) -> None:
    """Visits kept as recorded; each open ticket once; nothing new before now or past the shift; caps hold."""
    now: dt.datetime = day["at"]
    inputs = PlanInputs(day=DAY, tickets=tuple(day["night"]), crews=tuple(day["crews"]), shifts=tuple(day["shifts"]))
    night = make_plan(inputs, POLICY, time_limit=5, reproducible=True, workers=1).plan.with_(plan_id=1)
    facts = followed_until(night.to_json(), now)
    done = {f.ticket_id for f in facts if f.left_at is not None}
    open_now = tuple(t for t in (*day["night"], *day["new"]) if t.ticket_id not in done)
    rin = ReplanInputs(
        inputs=dataclasses.replace(inputs, tickets=open_now),
        previous=night,
        at=now,
        visits=tuple(facts),
        known_tickets={t.ticket_id: t for t in day["night"]},
        end_shift=day["end_shift"],
    )
    policy = POLICY.with_overrides({"storm.enabled": day["storm"]})
    doc = make_replan(rin, policy, time_limit=5, reproducible=True, workers=1).plan.to_json()

    steps = [s for r in doc["routes"] for s in r["steps"]]
    event(f"under way: {any(f.left_at is None for f in facts)}")
    event(f"lunch begun: {any(s['type'] == 'break' and s.get('progress') for s in steps)}")
    event(f"emergency planned: {any(s.get('emergency') for s in steps)}")
    event(f"shift moved: {bool(day['end_shift'])}")
    event(f"storm deadlines kept soft: {any(n['kind'] == 'storm_soft' for n in doc['notes'])}")
    routes = {r["crew_id"]: r for r in doc["routes"]}
    seen: dict[str, int] = {}
    for r in doc["routes"]:
        for s in r["steps"]:
            if s["type"] == "visit":
                seen[s["ticket_id"]] = seen.get(s["ticket_id"], 0) + 1
    for u in doc["unassigned"]:
        seen[u["ticket_id"]] = seen.get(u["ticket_id"], 0) + 1
    expected = {f.ticket_id for f in facts} | {t.ticket_id for t in open_now}
    assert seen == dict.fromkeys(expected, 1)

    for f in facts:  # kept as recorded, on the crew that did it
        [step] = [s for s in routes[f.crew_id]["steps"] if s.get("ticket_id") == f.ticket_id]
        assert step["progress"] == ("done" if f.left_at is not None else "under_way")
        assert dt.datetime.fromisoformat(step["arrival"]) == f.arrived_at

    for crew_id, r in routes.items():
        steps = [s for s in r["steps"] if s["type"] in ("visit", "break")]
        times = [(dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(s["end"])) for s in steps]
        assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(times, times[1:], strict=False)), crew_id
        assert sum(1 for s in r["steps"] if s["type"] == "break") <= 1
        busy_until = max((f.left_at or f.arrived_at for f in facts if f.crew_id == crew_id), default=now)
        under_way = [f for f in facts if f.crew_id == crew_id and f.left_at is None]
        for s in r["steps"]:
            if s["type"] == "visit" and not s.get("progress"):
                start = dt.datetime.fromisoformat(s["start"])
                assert start >= now and start >= busy_until, (crew_id, s["ticket_id"])
                if under_way:  # nothing new until the visit under way is over
                    assert start >= dt.datetime.fromisoformat(
                        next(x["end"] for x in r["steps"] if x.get("ticket_id") == under_way[-1].ticket_id)
                    )
        new_visits = [s for s in r["steps"] if s["type"] == "visit" and not s.get("progress")]
        if new_visits:
            shift_end = day["end_shift"].get(crew_id, at("16:00"))
            assert dt.datetime.fromisoformat(new_visits[-1]["end"]) <= shift_end
        visits = [s for s in r["steps"] if s["type"] == "visit"]
        assert sum(int(s["indoor"]) for s in visits) <= 3
        assert sum(s["exposure_min"] for s in visits) <= 60.0 + 1e-6
