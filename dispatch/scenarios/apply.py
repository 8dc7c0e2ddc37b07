"""Applying a scenario to a copy of a day's inputs: crews removed, added or lent, shifts, members, tickets, zones."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import shapely

from dispatch.core.domain import Category, Crew, HouseholdRisk, PlanInputs, Shift, Ticket, Zone
from dispatch.core.policy import Policy, PolicyError
from dispatch.io.importing.rows import _Row
from dispatch.io.importing.tickets import _check_ticket
from dispatch.sample import region as sample
from dispatch.scenarios.spec import Scenario, ScenarioError, ShiftChange, ShiftSpec, Surge, TicketAddition


@dataclass(frozen=True)
class Applied:
    """A scenario applied to a copy of the live inputs: what is planned, and a line per change."""

    inputs: PlanInputs
    policy: Policy
    changes: tuple[str, ...]


def scenario_policy(scenario: Scenario, base: Policy, overrides: dict[str, Any] | None = None) -> Policy:
    """The live policy with the scenario's ``[policy]`` values, then ``overrides`` (a sweep's --set)."""
    try:
        policy = base.with_overrides(scenario.policy, source=f"{scenario.source}: policy")
        if overrides:
            policy = policy.with_overrides(overrides, source="--set")
    except PolicyError as exc:
        raise ScenarioError([str(exc)]) from exc
    return policy


def apply_scenario(
    scenario: Scenario, inputs: PlanInputs, base_policy: Policy, *, overrides: dict[str, Any] | None = None
) -> Applied:
    """The scenario's changes on copies of ``inputs`` (which is left as it is).

    Order: policy, crews removed, added, on call, lent, quarantine, shifts, zones, tickets surged, added.
    Every change naming something the data lacks (or already has) is reported; none is skipped.
    """
    policy = scenario_policy(scenario, base_policy, overrides)
    day = inputs.day
    edit = _Edit(
        scenario=scenario,
        day=day,
        tz=ZoneInfo(policy.region.timezone),
        policy=policy,
        crews={c.crew_id: c for c in inputs.crews},
        shifts={s.crew_id: s for s in inputs.shifts if s.date == day},
        zones={z.name: z for z in inputs.zones if z.valid_on(day)},
        tickets={t.ticket_id: t for t in inputs.tickets},
        unavailable=dict(inputs.unavailable_members),
    )
    edit.changes.extend(f"policy {key} = {value!r}" for key, value in {**scenario.policy, **(overrides or {})}.items())
    for step in (
        _remove_crews,
        _add_crews,
        _call_on_call,
        _lend_crews,
        _quarantine,
        _change_shifts,
        _change_zones,
        _add_tickets,
    ):
        step(edit)
    if not edit.problems and not edit.tickets:
        edit.problem(
            "file",
            f"nothing to plan: no open tickets on {day} in the live data or the scenario "
            "(import tickets, or add [[tickets.surge]] or [[tickets.add]])",
        )
    if edit.problems:
        raise ScenarioError(edit.problems)
    changed = dataclasses.replace(
        inputs,
        tickets=tuple(edit.tickets[k] for k in sorted(edit.tickets)),
        crews=tuple(edit.crews[k] for k in sorted(edit.crews)),
        shifts=tuple(
            sorted(
                [*(s for s in inputs.shifts if s.date != day), *edit.shifts.values()], key=lambda s: (s.date, s.crew_id)
            )
        ),
        zones=tuple([*(z for z in inputs.zones if not z.valid_on(day)), *(edit.zones[k] for k in sorted(edit.zones))]),
        unavailable_members=edit.unavailable,
        budgets=dict(inputs.budgets),
    )
    return Applied(inputs=changed, policy=policy, changes=tuple(edit.changes))


@dataclass
class _Edit:
    """The copies a scenario changes (by id), and what it reports."""

    scenario: Scenario
    day: dt.date
    tz: ZoneInfo
    policy: Policy
    crews: dict[str, Crew]
    shifts: dict[str, Shift]  # on ``day``
    zones: dict[str, Zone]  # valid on ``day``
    tickets: dict[str, Ticket]
    unavailable: dict[str, str]
    problems: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{self.scenario.source}: {where}: {message}")

    def no_crew(self, where: str, crew_id: str) -> None:
        self.problem(where, f"no crew {crew_id!r} (known: {_few(sorted(self.crews))})")

    def depot(
        self, given: tuple[float, float] | None, crew_id: str | None, where: str
    ) -> tuple[tuple[float, float], str] | None:
        """A scenario's depot, given as coordinates or as another crew's depot, and how to name it; None
        (with a problem recorded if ``crew_id`` is unknown) when there is none."""
        if crew_id is not None:
            other = self.crews.get(crew_id)
            if other is None:
                self.no_crew(where, crew_id)
                return None
            return (other.depot_lat, other.depot_lon), f"crew {crew_id}'s depot"
        if given is None:  # the parser requires one of the two
            return None
        return given, f"depot ({given[0]:.5f}, {given[1]:.5f})"


def _remove_crews(e: _Edit) -> None:
    for removal in e.scenario.crews_remove:
        if removal.crew_id is not None:
            if removal.crew_id not in e.crews:
                e.no_crew(removal.where, removal.crew_id)
                continue
            gone = [removal.crew_id]
        else:
            gone = sorted(c for c, crew in e.crews.items() if removal.skill in crew.skills)
            if not gone:
                e.problem(removal.where, f"no crew has skill {removal.skill!r}")
                continue
        for crew_id in gone:
            e.crews.pop(crew_id)
            e.shifts.pop(crew_id, None)
        e.changes.append(f"crews removed: {', '.join(gone)}" + (f" (skill {removal.skill})" if removal.skill else ""))


def _add_crews(e: _Edit) -> None:
    members_in_use = {m: c.crew_id for c in e.crews.values() for m in c.members}
    for addition in e.scenario.crews_add:
        crew = addition.crew
        if crew.crew_id in e.crews:
            e.problem(f"{addition.where}.crew_id", f"crew {crew.crew_id!r} already exists")
            continue
        taken = [m for m in crew.members if m in members_in_use]
        if taken:
            e.problem(f"{addition.where}.members", f"{', '.join(taken)} already in crew {members_in_use[taken[0]]}")
            continue
        e.crews[crew.crew_id] = crew
        members_in_use.update({m: crew.crew_id for m in crew.members})
        if addition.shift is not None:
            e.shifts[crew.crew_id] = _shift_from_spec(crew.crew_id, e.day, addition.shift, e.tz)
        skills = ", ".join(crew.skills) or "no skills"
        e.changes.append(f"crew added: {crew.crew_id} ({skills}, {len(crew.members)} members)")


def _call_on_call(e: _Edit) -> None:
    """On-call crews: a crew of new members with the given skills, on shift for the given hours, no break."""
    for call in e.scenario.crews_on_call:
        if call.crew_id in e.crews:
            e.problem(f"{call.where}.crew_id", f"crew {call.crew_id!r} already exists")
            continue
        found = e.depot(call.depot, call.at_crew, f"{call.where}.at_crew")
        if found is None:
            continue
        depot, where = found
        e.crews[call.crew_id] = Crew(
            crew_id=call.crew_id,
            name=f"On call {call.crew_id}",
            depot_lat=depot[0],
            depot_lon=depot[1],
            skills=call.skills,
            vehicle=call.vehicle,
            members=tuple(f"{call.crew_id}-{i}" for i in range(1, call.members + 1)),
        )
        e.shifts[call.crew_id] = _shift_from_spec(call.crew_id, e.day, ShiftSpec(call.start, call.end), e.tz)
        e.changes.append(
            f"on-call crew {call.crew_id} ({', '.join(call.skills) or 'no skills'}, {call.members} members) "
            f"{call.start:%H:%M}-{call.end:%H:%M} from {where}"
        )


def _lend_crews(e: _Edit) -> None:
    for lend in e.scenario.crews_lend:
        found = e.depot(lend.to_depot, lend.to_crew, f"{lend.where}.to_crew")
        if found is None and lend.to_crew is not None:
            continue
        missing = [c for c in lend.crews if c not in e.crews]
        if missing:
            e.no_crew(f"{lend.where}.crews", missing[0])
            continue
        if found is None:
            continue
        target, where = found
        for crew_id in lend.crews:
            # A lent crew starts and ends its day at the other depot.
            e.crews[crew_id] = dataclasses.replace(
                e.crews[crew_id], depot_lat=target[0], depot_lon=target[1], end_lat=None, end_lon=None
            )
        e.changes.append(f"crews lent: {', '.join(lend.crews)} work from {where}")


def _quarantine(e: _Edit) -> None:
    if not e.scenario.quarantine:
        return
    known = {m for c in e.crews.values() for m in c.members}
    unknown = [m for m in e.scenario.quarantine if m not in known]
    if unknown:
        e.problem("members.quarantine", f"no crew member {unknown[0]!r} (known: {_few(sorted(known))})")
        return
    e.unavailable.update({m: e.scenario.quarantine_reason for m in e.scenario.quarantine})
    e.changes.append(f"members in quarantine: {', '.join(e.scenario.quarantine)}")


def _change_shifts(e: _Edit) -> None:
    for change in e.scenario.shift_changes:
        targets = list(change.crews) if change.crews is not None else sorted(e.shifts)
        bad = [c for c in targets if c not in e.crews]
        if bad:
            e.no_crew(f"{change.where}.crews", bad[0])
            continue
        for crew_id in targets:
            shift = e.shifts.get(crew_id)
            if shift is None:
                if change.start is None or (change.end is None and change.hours is None):
                    e.problem(
                        f"{change.where}.crews",
                        f"crew {crew_id} has no shift on {e.day}; give start and hours (or end) to call it in",
                    )
                    continue
                start = _at(e.day, change.start, e.tz)
                shift = Shift(crew_id=crew_id, date=e.day, start=start, end=start)
            e.shifts[crew_id] = _changed_shift(shift, change, e.tz)
        e.changes.append(f"shifts changed ({_shift_words(change)}): {', '.join(targets) or 'no crew on shift'}")


def _change_zones(e: _Edit) -> None:
    for zc in e.scenario.zone_changes:
        zone = e.zones.get(zc.name)
        if zone is None:
            e.problem(f"{zc.where}.name", f"no zone {zc.name!r} valid on {e.day} (known: {_few(sorted(e.zones))})")
            continue
        updates = {
            key: value
            for key, value in (("closed", zc.closed), ("risk_weight", zc.risk_weight), ("speed_kmh", zc.speed_kmh))
            if value is not None
        }
        e.zones[zc.name] = dataclasses.replace(zone, **updates)
        e.changes.append(f"zone {zc.name}: " + ", ".join(f"{k} = {v}" for k, v in updates.items()))


def _add_tickets(e: _Edit) -> None:
    base_count = len(e.tickets)  # a surge factor scales the live open tickets
    src = e.scenario.source
    for surge in e.scenario.surges:
        try:
            added = _surge_tickets(surge, day=e.day, base_count=base_count, zones=e.zones, policy=e.policy, source=src)
        except ScenarioError as exc:
            e.problems.extend(exc.problems)
            continue
        clash = [t.ticket_id for t in added if t.ticket_id in e.tickets]
        if clash:
            e.problem(f"{surge.where}.prefix", f"ticket id {clash[0]} already exists; choose another prefix")
            continue
        e.tickets.update({t.ticket_id: t for t in added})
        if surge.zone:
            place = f"inside zone {surge.zone}"
        elif surge.around:
            place = f"within {surge.radius_km:g} km of ({surge.around[0]:.4f}, {surge.around[1]:.4f})"
        else:
            place = "around a town picked by population"
        ids = f"{added[0].ticket_id}..{added[-1].ticket_id}" if added else "none"
        e.changes.append(f"surge: {len(added)} tickets {place}, seed {surge.seed} ({ids})")
    for addition in e.scenario.tickets_add:
        try:
            ticket = _ticket_from_values(addition, policy=e.policy, tz=e.tz, source=src)
        except ScenarioError as exc:
            e.problems.extend(exc.problems)
            continue
        if ticket.ticket_id in e.tickets:
            e.problem(f"{addition.where}.ticket_id", f"ticket {ticket.ticket_id!r} already exists")
            continue
        e.tickets[ticket.ticket_id] = ticket
        e.changes.append(f"ticket added: {ticket.ticket_id} ({ticket.category.value}, P{ticket.priority})")


def _few(items: Sequence[str], limit: int = 12) -> str:
    if not items:
        return "none"
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")


def _at(day: dt.date, clock: dt.time, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, clock, tzinfo=tz)


def _after(start: dt.datetime, clock: dt.time) -> dt.datetime:
    """The first ``clock`` time after ``start`` (the same day or the next)."""
    moment = dt.datetime.combine(start.date(), clock, tzinfo=start.tzinfo)
    return moment if moment > start else moment + dt.timedelta(days=1)


def _shift_from_spec(crew_id: str, day: dt.date, spec: ShiftSpec, tz: ZoneInfo) -> Shift:
    start = _at(day, spec.start, tz)
    has_break = spec.break_start is not None and spec.break_end is not None
    break_start = _after(start - dt.timedelta(seconds=1), spec.break_start) if has_break else None  # type: ignore[arg-type]
    return Shift(
        crew_id=crew_id,
        date=day,
        start=start,
        end=_after(start, spec.end),
        break_start=break_start,
        break_end=_after(break_start, spec.break_end) if break_start and spec.break_end else None,
        break_min=spec.break_min if has_break else 0,
        standby=spec.standby,
    )


def _changed_shift(shift: Shift, change: ShiftChange, tz: ZoneInfo) -> Shift:
    # Clock times are local: work in the region's zone (times read from the database are UTC).
    start = shift.start.astimezone(tz)
    length = shift.end - shift.start
    if change.start is not None:
        start = _at(shift.date, change.start, tz)
    end = start + length
    if change.hours is not None:
        end = start + dt.timedelta(hours=change.hours)
    elif change.end is not None:
        end = _after(start, change.end)
    break_start, break_end, break_min = shift.break_start, shift.break_end, shift.break_min
    if change.no_break:
        break_start = break_end = None
        break_min = 0
    else:
        if change.break_start is not None and change.break_end is not None:
            break_start = _after(start - dt.timedelta(seconds=1), change.break_start)
            break_end = _after(break_start, change.break_end)
        if change.break_min is not None:
            break_min = change.break_min
    return dataclasses.replace(
        shift,
        start=start,
        end=end,
        break_start=break_start,
        break_end=break_end,
        break_min=break_min if break_start is not None else 0,
        standby=shift.standby if change.standby is None else change.standby,
    )


def _shift_words(change: ShiftChange) -> str:
    words = []
    if change.start is not None:
        words.append(f"start {change.start:%H:%M}")
    if change.hours is not None:
        words.append(f"{change.hours:g} h")
    if change.end is not None:
        words.append(f"end {change.end:%H:%M}")
    if change.no_break:
        words.append("no break")
    elif change.break_start is not None and change.break_end is not None:
        words.append(f"break in {change.break_start:%H:%M}-{change.break_end:%H:%M}")
    if change.break_min is not None:
        words.append(f"break {change.break_min} min")
    if change.standby is not None:
        words.append("standby" if change.standby else "called in")
    return ", ".join(words)


def _ticket_from_values(addition: TicketAddition, *, policy: Policy, tz: ZoneInfo, source: str) -> Ticket:
    """A ticket from a tickets.csv-like row, with the importer's checks and category defaults."""
    row = _Row(line=0, raw=[], values=dict(addition.values))
    values = _check_ticket(row, policy=policy, tz=tz)
    if values is not None and values.fields["lat"] is None:
        row.problem("lat", "required (scenario tickets are not geocoded)")
    if row.problems or values is None:
        raise ScenarioError([f"{source}: {addition.where}.{name}: {message}" for name, message in row.problems])
    f = values.fields
    return Ticket(
        ticket_id=values.ticket_id,
        reported_at=f["reported_at"],
        category=Category(f["category"]),
        lat=f["lat"],
        lon=f["lon"],
        priority=f["priority"],
        customers_affected=f["customers_affected"],
        service_min=f["service_min"],
        indoor=f["indoor"],
        household_risk=HouseholdRisk(f["household_risk"]),
        critical_facility=f["critical_facility"],
        window_start=f["window_start"],
        window_end=f["window_end"],
        skills=tuple(s for s in f["skills"].split(";") if s),
        address=f["address"],
        customer_id=f["customer_id"],
        customer_name=f["customer_name"],
        phone=f["phone"],
        transformer_id=f["transformer_id"],
    )


def _surge_tickets(
    surge: Surge, *, day: dt.date, base_count: int, zones: dict[str, Zone], policy: Policy, source: str
) -> list[Ticket]:
    n = surge.n if surge.n is not None else round((surge.factor or 1.0) * base_count) - base_count
    around, radius, zone = surge.around, surge.radius_km, None
    if surge.zone is not None:
        zone = zones.get(surge.zone)
        if zone is None:
            raise ScenarioError(
                [f"{source}: {surge.where}.zone: no zone {surge.zone!r} valid on {day} (known: {_few(sorted(zones))})"]
            )
        centre = zone.geometry.representative_point()
        around = (centre.y, centre.x)
        min_lon, min_lat, max_lon, max_lat = zone.geometry.bounds
        radius = max(0.2, 111.0 * math.hypot(max_lat - min_lat, (max_lon - min_lon) * math.cos(math.radians(centre.y))))
    try:
        rows = sample.surge_tickets(
            n=n, around=around, radius_km=radius, day=day, seed=surge.seed, id_prefix=surge.prefix
        )
    except ValueError as exc:
        raise ScenarioError([f"{source}: {surge.where}: {exc}"]) from exc
    if zone is not None:
        _move_inside(rows, zone, seed=surge.seed)
    tz = ZoneInfo(policy.region.timezone)
    return [
        _ticket_from_values(
            TicketAddition(where=f"{surge.where} ({row['ticket_id']})", values=row), policy=policy, tz=tz, source=source
        )
        for row in rows
    ]


def _move_inside(rows: list[dict[str, str]], zone: Zone, *, seed: int) -> None:
    """Put every generated ticket inside the zone (rejection sampling in its bounding box)."""
    rng = random.Random(seed)
    geometry = zone.geometry
    shapely.prepare(geometry)
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    fallback = geometry.representative_point()
    for row in rows:
        if shapely.contains_xy(geometry, float(row["lon"]), float(row["lat"])):
            continue
        lat, lon = fallback.y, fallback.x
        for _ in range(1000):
            x, y = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
            if shapely.contains_xy(geometry, x, y):
                lat, lon = y, x
                break
        row["lat"], row["lon"] = f"{lat:.6f}", f"{lon:.6f}"
