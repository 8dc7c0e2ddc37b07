"""Grouping open no-power reports by the network and predicting the faulty asset.

Reports are counted per transformer (``Ticket.transformer_id``). A transformer is out when at least
``outage.min_reports`` customers report, or ``outage.min_share`` of its customers, within
``outage.window_min`` minutes of each other; in a storm, also when two of them report within
``outage.pair_min`` minutes of each other (see :func:`_out_transformers`). An upstream feeder section is out
when its transformers went dark together: inside one such window, transformers holding most of its
customers (``MIN_CHILD_SHARE``) start reporting, under at least ``outage.min_children`` of its children, of
which that many are out themselves or ``outage.min_reports`` transformers report (the lowest common
ancestor explaining them), and so on up the feeder. Trips hours apart under one feeder stay separate outages.
Each topmost asset out becomes one outage: every
no-power report below it is absorbed (not visited at home), and one outdoor job at the asset stands for
them, unless the outage is a planned one (nobody is sent). A declared outage is out whatever the reports;
a dismissed one is never inferred. An asset job still open from an earlier run keeps its asset out.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import math
from collections import defaultdict
from dataclasses import dataclass

from dispatch.core.domain import Asset, AssetKind, Category, OutageMark, PlanInputs, Ticket
from dispatch.core.plan import Outage
from dispatch.core.policy import Policy

# The reports an outage can explain; any other category (a meter, a line down) stays a visit.
GROUPED = frozenset({Category.NO_POWER, Category.PARTIAL_POWER})
# Share of an upstream asset's customers whose transformers must go dark together to move the outage up to
# it. When an asset trips, every transformer below it is dark and nearly all of its customers are under a
# transformer somebody calls from (a small transformer may stay silent); two of a feeder's four sections
# tripping within the same hour darken only half of it.
MIN_CHILD_SHARE = 0.75


@dataclass(frozen=True)
class Grouping:
    """The tickets to plan (those not absorbed, plus one job per outage with a crew to send) and the outages."""

    tickets: tuple[Ticket, ...]
    outages: tuple[Outage, ...]


def outage_id_of(day: dt.date, asset_id: str) -> str:
    return f"OUT-{day:%Y%m%d}-{asset_id}"[:64]


def job_id_of(day: dt.date, asset_id: str) -> str:
    """The asset job's ticket id: one per asset and day, so a re-plan finds the same job again."""
    return f"JOB-{day:%Y%m%d}-{asset_id}"[:64]


def group_outages(inputs: PlanInputs, policy: Policy, *, as_of: dt.datetime | None = None) -> Grouping:
    """``inputs.tickets`` grouped by ``inputs.assets`` (unchanged without a network or with outages off)."""
    if not inputs.assets or not policy.outage.enabled:
        return Grouping(inputs.tickets, ())
    assets = {a.asset_id: a for a in inputs.assets}
    marks = _active_marks(inputs.outage_marks, as_of)
    dismissed = {m.asset_id for m in marks if m.action == "dismissed"}
    planned = {m.asset_id: m for m in marks if m.action == "planned" and m.asset_id in assets}
    reports: dict[str, list[Ticket]] = defaultdict(list)
    jobs: dict[str, Ticket] = {}
    link = _Linker(assets, policy.outage.link_max_m)
    for t in inputs.tickets:
        if t.category is Category.ASSET_OUTAGE and t.transformer_id in assets:
            jobs[t.transformer_id] = t
        elif t.category in GROUPED and (transformer := link.transformer_of(t)):
            reports[transformer].append(t)
    out = _out_transformers(reports, assets, policy) - dismissed
    declared = {m.asset_id for m in marks if m.action == "declared" and m.asset_id in assets}
    out |= declared | set(jobs) | set(planned)
    window = dt.timedelta(minutes=policy.outage.window_min)
    moment = {a: _burst(_first_per_customer(ts), window)[1] for a, ts in reports.items()}
    tops = _move_up(out, moment, assets, policy, marked=(declared | set(jobs) | set(planned)) - dismissed,
                    keep=set(jobs) | set(planned) | dismissed)  # fmt: skip
    below = _subtrees(tops, assets)
    began = _onsets(below, moment, jobs, planned, declared)
    absorbed: dict[str, list[Ticket]] = defaultdict(list)
    for asset_id, ts in reports.items():
        top = below.get(asset_id)
        if top is not None:  # a report made well before the asset went dark is a fault of its own
            absorbed[top].extend(t for t in ts if began.get(top) is None or t.reported_at >= began[top] - window)
    taken = {t.ticket_id for ts in absorbed.values() for t in ts}
    kept = [t for t in inputs.tickets if t.ticket_id not in taken and t.category is not Category.ASSET_OUTAGE]
    kept += [j for a, j in jobs.items() if a not in tops]  # a job whose asset is no longer out stays a job
    outages = []
    for asset_id in sorted(tops):
        asset, ts = assets[asset_id], sorted(absorbed[asset_id], key=lambda t: t.ticket_id)
        job = None if asset_id in planned else _job(inputs.day, asset, ts, jobs.get(asset_id), policy)
        if job is not None:
            kept.append(job)
        outages.append(Outage(
            outage_id=planned[asset_id].outage_id if asset_id in planned and planned[asset_id].outage_id
            else outage_id_of(inputs.day, asset_id),
            asset_id=asset_id, kind=asset.kind.value, tickets=tuple(t.ticket_id for t in ts),
            customers=max(asset.customers, len(ts)), job_ticket_id=job.ticket_id if job else None,
        ))  # fmt: skip
    return Grouping(tuple(sorted(kept, key=lambda t: t.ticket_id)), tuple(outages))


def outage_jobs(inputs: PlanInputs, policy: Policy, *, as_of: dt.datetime | None = None) -> dict[str, Ticket]:
    """The asset jobs grouping makes of ``inputs`` (by ticket id), to be stored as tickets with the plan."""
    grouping = group_outages(inputs, policy, as_of=as_of)
    return {t.ticket_id: t for t in grouping.tickets if t.category is Category.ASSET_OUTAGE}


class _Linker:
    """A report's transformer: the one it names when that lies within ``max_m`` metres of the report,
    else the nearest transformer within ``max_m`` (a missing or mistyped id); ``max_m`` 0 trusts the id."""

    CELL = 0.01  # degrees (~1.1 km): buckets of the transformers' positions

    def __init__(self, assets: dict[str, Asset], max_m: float) -> None:
        self.assets, self.max_m = assets, max_m
        self.buckets: dict[tuple[int, int], list[Asset]] = defaultdict(list)
        if max_m > 0:
            for a in assets.values():
                if a.kind is AssetKind.TRANSFORMER:
                    self.buckets[self._key(a.lat, a.lon)].append(a)

    def _key(self, lat: float, lon: float) -> tuple[int, int]:
        return int(lat // self.CELL), int(lon // self.CELL)

    def transformer_of(self, t: Ticket) -> str | None:
        named = self.assets.get(t.transformer_id)
        if (
            named is not None
            and named.kind is AssetKind.TRANSFORMER
            and (self.max_m <= 0 or _metres(t.lat, t.lon, named.lat, named.lon) <= self.max_m)
        ):
            return named.asset_id
        if self.max_m <= 0:
            return None
        y, x = self._key(t.lat, t.lon)
        near = [a for dy in (-1, 0, 1) for dx in (-1, 0, 1) for a in self.buckets.get((y + dy, x + dx), ())]
        best = min(near, key=lambda a: _metres(t.lat, t.lon, a.lat, a.lon), default=None)
        if best is None or _metres(t.lat, t.lon, best.lat, best.lon) > self.max_m:
            return None
        return best.asset_id


def _metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Distance on the ground (equirectangular: exact enough within a kilometre)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(x, math.radians(lat2 - lat1))


def _active_marks(marks: tuple[OutageMark, ...], as_of: dt.datetime | None) -> list[OutageMark]:
    """Marks in force at ``as_of`` (a planned outage only between its hours; without ``as_of``, all)."""
    if as_of is None:
        return list(marks)
    return [
        m for m in marks if (m.starts_at is None or m.starts_at <= as_of) and (m.ends_at is None or as_of < m.ends_at)
    ]


def _out_transformers(reports: dict[str, list[Ticket]], assets: dict[str, Asset], policy: Policy) -> set[str]:
    """The transformers out by their reports. Enough of a transformer's customers report no power within
    ``outage.window_min`` minutes of each other: ``outage.min_reports`` or ``outage.min_share`` of them (each
    customer counted once). Or, while a storm is on, a quick pair: two of them within ``outage.pair_min``
    minutes, with at least ``outage.storm_min_out`` transformers out by the counts (anywhere on the network)
    going dark within ``outage.window_min`` of the pair. Two neighbours of one transformer calling within
    minutes on a quiet day may share a fault of their own; in a storm they share the transformer."""
    o = policy.outage
    window = dt.timedelta(minutes=o.window_min)
    first = {a: _first_per_customer(ts) for a, ts in reports.items()}
    counted: set[str] = set()
    onsets: list[dt.datetime] = []
    for a, times in first.items():
        most, start = _burst(times, window)
        customers = assets[a].customers
        if most >= o.min_reports or (customers > 0 and most / customers >= o.min_share):
            counted.add(a)
            onsets.append(start)
    if o.pair_min <= 0:
        return counted
    onsets.sort()
    quick = dt.timedelta(minutes=o.pair_min)

    def storm_at(moment: dt.datetime) -> bool:
        around = bisect.bisect_right(onsets, moment + window) - bisect.bisect_left(onsets, moment - window)
        return around >= o.storm_min_out

    paired = {
        a
        for a, times in first.items()
        if a not in counted and any(b - a_ <= quick and storm_at(a_) for a_, b in itertools.pairwise(times))
    }
    return counted | paired


def _first_per_customer(tickets: list[Ticket]) -> list[dt.datetime]:
    """The sorted moments a transformer's customers first reported (each customer counted once)."""
    first: dict[str, dt.datetime] = {}
    for t in tickets:
        who = t.customer_id or t.ticket_id
        first[who] = min(first.get(who, t.reported_at), t.reported_at)
    return sorted(first.values())


def _burst(times: list[dt.datetime], window: dt.timedelta) -> tuple[int, dt.datetime]:
    """The most of ``times`` (sorted, not empty) inside one window, and when the earliest such window starts:
    the moment a transformer went dark, unmoved by a late caller or a fault days before."""
    most, start, lo = 0, times[0], 0
    for hi, moment in enumerate(times):
        while moment - times[lo] > window:
            lo += 1
        if hi - lo + 1 > most:
            most, start = hi - lo + 1, times[lo]
    return most, start


def _onsets(
    below: dict[str, str],
    moment: dict[str, dt.datetime],
    jobs: dict[str, Ticket],
    planned: dict[str, OutageMark],
    declared: set[str],
) -> dict[str, dt.datetime | None]:
    """When each outage (by its top asset) began: its earlier job's report time, a planned outage's start,
    nothing known for a declared one, else the median moment its transformers went dark."""
    moments: dict[str, list[dt.datetime]] = defaultdict(list)
    for asset_id, top in below.items():
        if asset_id in moment:
            moments[top].append(moment[asset_id])
    began: dict[str, dt.datetime | None] = {}
    for top in set(below.values()):
        times = sorted(moments[top])
        if top in jobs:
            began[top] = jobs[top].reported_at
        elif top in planned or top in declared:
            began[top] = planned[top].starts_at if top in planned else None
        else:
            began[top] = times[len(times) // 2] if times else None
    return began


def _move_up(
    out: set[str],
    moment: dict[str, dt.datetime],
    assets: dict[str, Asset],
    policy: Policy,
    *,
    marked: set[str],
    keep: set[str],
) -> set[str]:
    """The topmost assets out. An upstream asset is out when its transformers went dark *together*: inside
    one ``outage.window_min`` window, the transformers that went dark (or lie under a ``marked`` asset:
    declared, planned or with a job) hold at least ``MIN_CHILD_SHARE`` of its customers, lie under at least
    ``outage.min_children`` of its direct children, and either that many children went out in the window
    or at least ``outage.min_reports`` transformers did (a section whose every transformer has one caller
    is out, though none of them is on its own). So separate trips hours apart under one feeder stay
    separate outages. An asset in ``keep`` is never moved into. Deepest assets first, so that a feeder
    sees which of its sections are out."""
    tree = _Tree(assets)
    window = dt.timedelta(minutes=policy.outage.window_min)
    moment = dict(moment)
    always = {leaf for a in marked for leaf in tree.leaves(a)} | marked
    found = set(out)
    for parent in sorted(tree.children, key=lambda a: (-tree.depth(a), a)):
        if parent in found or parent in keep or assets[parent].kind is not AssetKind.FEEDER_SECTION:
            continue
        kids = tree.children[parent]
        if sum(1 for k in kids if any(x in moment or x in always for x in tree.leaves(k))) < policy.outage.min_children:
            continue
        for k in kids:  # when a child that is out went dark: the median of its transformers' moments
            times = sorted(moment[x] for x in tree.leaves(k) if x in moment)
            if k in found and k not in moment and times:
                moment[k] = times[len(times) // 2]
        if _dark_together(parent, [k for k in kids if k in found], tree, moment, always, window, policy):
            found.add(parent)
    return {a for a in found if not _has_ancestor_in(a, found, assets)}


class _Tree:
    """Children, and the transformers (leaves) below each asset."""

    def __init__(self, assets: dict[str, Asset]) -> None:
        self.assets = assets
        self.children: dict[str, list[str]] = defaultdict(list)
        for a in assets.values():
            if a.parent_id in assets and a.parent_id != a.asset_id:
                self.children[a.parent_id].append(a.asset_id)
        self._leaves: dict[str, list[str]] = {}

    def leaves(self, asset_id: str) -> list[str]:
        if asset_id not in self._leaves:
            self._leaves[asset_id] = []  # a cycle in the network ends here
            kids = self.children.get(asset_id, [])
            self._leaves[asset_id] = [x for k in kids for x in self.leaves(k)] if kids else [asset_id]
        return self._leaves[asset_id]

    def depth(self, asset_id: str) -> int:
        seen, current = {asset_id}, self.assets[asset_id].parent_id
        while current in self.assets and current not in seen:
            seen.add(current)
            current = self.assets[current].parent_id
        return len(seen)


def _dark_together(
    parent: str,
    out_kids: list[str],
    tree: _Tree,
    moment: dict[str, dt.datetime],
    always: set[str],
    window: dt.timedelta,
    policy: Policy,
) -> bool:
    """Some window holds the moments of transformers below ``parent`` holding ``MIN_CHILD_SHARE`` of its
    customers (``always``: dark anyway) under ``outage.min_children`` of its children, and the moments of
    that many of ``out_kids`` (its children out) or of ``outage.min_reports`` transformers."""
    under = {x: k for k in tree.children[parent] for x in tree.leaves(k)}
    weight = {x: max(1, tree.assets[x].customers) for x in under}
    need = MIN_CHILD_SHARE * sum(weight.values())
    o = policy.outage
    starts = sorted({moment[x] for x in under if x in moment and x not in always})
    for start in starts or [None]:

        def inside(x: str, start: dt.datetime | None = start) -> bool:
            return x in always or (start is not None and x in moment and start <= moment[x] <= start + window)

        dark = [x for x in under if inside(x)]
        if (
            sum(weight[x] for x in dark) >= need
            and len({under[x] for x in dark}) >= o.min_children
            and (sum(1 for k in out_kids if inside(k)) >= o.min_children or len(dark) >= o.min_reports)
        ):
            return True
    return False


def _has_ancestor_in(asset_id: str, out: set[str], assets: dict[str, Asset]) -> bool:
    seen = {asset_id}
    current = assets[asset_id].parent_id
    while current in assets and current not in seen:
        if current in out:
            return True
        seen.add(current)
        current = assets[current].parent_id
    return False


def _subtrees(tops: set[str], assets: dict[str, Asset]) -> dict[str, str]:
    """Every asset at or below one of ``tops`` -> that top."""
    owner: dict[str, str] = {}
    for asset_id in assets:
        seen: set[str] = set()
        current = asset_id
        while current in assets and current not in seen:
            if current in tops:
                owner[asset_id] = current
                break
            seen.add(current)
            current = assets[current].parent_id
    return owner


def _job(day: dt.date, asset: Asset, tickets: list[Ticket], earlier: Ticket | None, policy: Policy) -> Ticket:
    """The one outdoor job at ``asset``: its kind's skills and service time, the customers connected, the
    priority of the most urgent report (at least ``outage.priority``), reported when the first report came
    (or as the earlier job was)."""
    first = min((t.reported_at for t in tickets), default=None)
    reported_at = earlier.reported_at if earlier is not None else first
    if reported_at is None:
        reported_at = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    priority = min([policy.outage.priority, *(t.priority for t in tickets)] + ([earlier.priority] if earlier else []))
    return Ticket(
        ticket_id=earlier.ticket_id if earlier is not None else job_id_of(day, asset.asset_id),
        reported_at=reported_at,
        category=Category.ASSET_OUTAGE,
        lat=asset.lat,
        lon=asset.lon,
        priority=priority,
        customers_affected=max(1, asset.customers, len(tickets)),
        service_min=policy.outage.service_min.get(asset.kind.value, 60),
        indoor=False,
        critical_facility=any(t.critical_facility for t in tickets),
        skills=tuple(policy.outage.skills.get(asset.kind.value, ())),
        address=asset.name or asset.asset_id,
        transformer_id=asset.asset_id,
    )
