"""Runs compared: KPIs side by side, a one-line answer per change, and which limit binds.

The answer to "cap 6 instead of 8?" is one line: ``exposure.max_homes_per_shift 6 instead of 8: 3
fewer served, 30 more customers wait, max homes per worker 6; limits reached: home cap 14 of 80
workers, ...``. Which limit binds is measured from the plans (how many workers sit at each cap, how
many crews are out of shift time, :class:`~dispatch.scenarios.kpis.Binding`), so a cap that never
binds because another binds first says so instead of drawing a flat line that looks like an answer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from dispatch.scenarios.kpis import ScenarioKpis
from dispatch.scenarios.parse import flatten_policy
from dispatch.store.models.scenarios import ScenarioRunRow

# (key, label, +1 when more is better, -1 when less is better, 0 when neither)
KPI_ROWS: tuple[tuple[str, str, int], ...] = (
    ("tickets", "tickets", 0),
    ("served", "tickets served", 1),
    ("served_p1", "  served P1", 1),
    ("served_p2", "  served P2", 1),
    ("served_p3", "  served P3", 1),
    ("served_p4", "  served P4", 1),
    ("p1_within_target", "P1 within response target", 1),
    ("p2_within_target", "P2 within response target", 1),
    ("p1_response_h_mean", "P1 mean response hours (served)", -1),
    ("p2_response_h_mean", "P2 mean response hours (served)", -1),
    ("customer_minutes_waited", "customer-minutes waited (served)", -1),
    ("customers_unserved", "customers not reached", -1),
    ("km", "km driven", -1),
    ("crews_on_shift", "crews on shift", 0),
    ("crews_used", "crews used", 0),
    ("crews_not_dispatched", "crews not dispatched", -1),
    ("crew_hours", "crew hours used (overtime included)", 0),
    ("shift_hours", "crew hours on shift (rostered)", 0),
    ("overtime_hours", "overtime hours (past the rostered end)", -1),
    ("paid_hours", "crew hours paid (rostered + overtime)", -1),
    ("homes_entered", "homes entered", 0),
    ("homes_per_worker_max", "homes per worker, max", -1),
    ("homes_per_worker_mean", "homes per worker, mean", -1),
    ("exposure_min_per_worker_max", "exposure min per worker, max", -1),
    ("exposure_min_per_worker_mean", "exposure min per worker, mean", -1),
    ("binding.at_home_cap", "workers at the home cap", 0),
    ("binding.at_exposure_cap", "workers at the exposure cap", 0),
    ("binding.out_of_shift_time", "crews out of shift time", 0),
    ("unassigned", "unassigned", -1),
)

# The limit a policy key sets, and the KPI that shows the quantity it limits.
LIMIT_OF_KEY: Mapping[str, str] = {
    "exposure.max_homes_per_shift": "home_cap",
    "exposure.max_homes_7d": "home_cap",
    "exposure.max_exposure_min_per_shift": "exposure_cap",
    "exposure.max_exposure_min_7d": "exposure_cap",
}
QUANTITY_OF_LIMIT: Mapping[str, str] = {
    "home_cap": "homes_per_worker_max",
    "exposure_cap": "exposure_min_per_worker_max",
}
LIMITS = ("home_cap", "exposure_cap", "shift_time")


@dataclass(frozen=True)
class StoredRun:
    """A stored run as compared: who it is, the effective policy it ran with, its KPIs."""

    id: int
    name: str
    base_date: str
    created_at: str
    solution_limit: int
    kpis: ScenarioKpis
    policy: Mapping[str, Any] = field(default_factory=dict)  # dotted keys
    changes: tuple[str, ...] = ()

    @classmethod
    def of(cls, row: ScenarioRunRow) -> StoredRun:
        inputs = json.loads(row.inputs_summary)
        return cls(
            id=row.id or 0,
            name=row.name,
            base_date=row.base_date.isoformat(),
            created_at=row.created_at.isoformat(),
            solution_limit=row.solution_limit,
            kpis=ScenarioKpis.from_json(json.loads(row.kpis)),
            policy=flatten_policy(inputs.get("policy") or {}),
            changes=tuple(str(c) for c in inputs.get("changes") or ()),
        )

    def ref(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "base_date": self.base_date,
            "created_at": self.created_at,
            "solution_limit": self.solution_limit,
        }


@dataclass(frozen=True)
class Change:
    """One policy value that differs from the base's."""

    key: str
    old: Any
    new: Any


def comparison(runs: Sequence[StoredRun], *, lang: str = "en") -> dict[str, Any]:
    """KPIs side by side (the JSON of ``scenario compare``): the first run is the base, every other gets
    deltas against it and a one-line answer."""
    if not runs:
        raise ValueError("nothing to compare")
    reasons = sorted({r for run in runs for r in run.kpis.unassigned_by_reason})
    rows: list[dict[str, Any]] = []
    specs = [*KPI_ROWS, *((f"unassigned:{r}", f"  unassigned: {r}", -1) for r in reasons)]
    for key, label, better in specs:
        values = [run.kpis.value(key) for run in runs]
        base = values[0]
        deltas = [None if v is None or base is None else round(v - base, 2) for v in values[1:]]
        rows.append({"kpi": key, "label": label.strip(), "better": better, "values": values, "deltas": deltas})
    base_run = runs[0]
    return {
        "base": base_run.ref(),
        "others": [r.ref() for r in runs[1:]],
        "rows": rows,
        "answers": [
            answer(policy_changes(base_run.policy, r.policy), base_run.kpis, r.kpis, lang=lang, fallback=_what(r))
            for r in runs[1:]
        ],
        "binds": [binds(r.kpis, policy_changes(base_run.policy, r.policy), lang=lang) for r in runs],
        "coverage": [coverage(r.kpis, lang=lang) for r in runs],
    }


def _what(run: StoredRun) -> str:
    """What a run changed when no policy value differs: its scenario's changes, else its name."""
    return "; ".join(run.changes[:2]) + (" ..." if len(run.changes) > 2 else "") if run.changes else run.name


def policy_changes(base: Mapping[str, Any], other: Mapping[str, Any]) -> list[Change]:
    """The policy values ``other`` ran with that differ from ``base``'s, by key."""
    return [Change(k, base.get(k), other[k]) for k in sorted(other) if base.get(k) != other[k]]


def _labels(lang: str) -> Any:
    from dispatch.io.sheets.i18n import Labels  # the sheets package loads its PDF and map libraries

    return Labels(lang, ZoneInfo("UTC"))


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def answer(
    changes: Sequence[Change], base: ScenarioKpis, other: ScenarioKpis, *, lang: str = "en", fallback: str = ""
) -> str:
    """The one-line answer: what changed, served, customers waiting, the limited quantity, what binds."""
    t = _labels(lang)
    what = ", ".join(t("sc.instead", setting=c.key, new=_show(c.new), old=_show(c.old)) for c in changes) or fallback
    served = other.served - base.served
    by_p = [f"P{p} {d:+d}" for p, d in enumerate(_deltas(base, other), start=1) if d]
    parts = [
        (t("sc.served_more", n=served) if served > 0 else t("sc.served_fewer", n=-served) if served < 0
         else t("sc.served_same")) + (f" ({', '.join(by_p)})" if by_p else ""),
    ]  # fmt: skip
    waiting = other.customers_unserved - base.customers_unserved
    parts.append(
        t("sc.wait_more", n=f"{waiting:,}")
        if waiting > 0
        else t("sc.wait_fewer", n=f"{-waiting:,}")
        if waiting < 0
        else t("sc.wait_same")
    )
    for limit in dict.fromkeys(LIMIT_OF_KEY.get(c.key) for c in changes):
        if limit in QUANTITY_OF_LIMIT:
            quantity = QUANTITY_OF_LIMIT[limit]
            parts.append(t(f"sc.quantity.{quantity}", value=_show(other.value(quantity))))
    return f"{what}: {', '.join(parts)}; {binds(other, changes, lang=lang)}"


def _deltas(base: ScenarioKpis, other: ScenarioKpis) -> list[int]:
    return [b - a for a, b in zip(base.served_by_priority(), other.served_by_priority(), strict=True)]


def sitting(kpis: ScenarioKpis) -> dict[str, tuple[int, int]]:
    """Per limit: (how many sit at it, of how many): workers for the caps, crews for shift time."""
    b = kpis.binding
    return {
        "home_cap": (b.at_home_cap, b.workers),
        "exposure_cap": (b.at_exposure_cap, b.workers),
        "shift_time": (b.out_of_shift_time, b.crews),
    }


def tightest(kpis: ScenarioKpis, *, besides: str | None = None) -> str | None:
    """The limit the largest share sits at (``besides`` left out); None when nobody sits at any."""
    shares = {k: n / of for k, (n, of) in sitting(kpis).items() if k != besides and of and n}
    return max(shares, key=lambda k: shares[k]) if shares else None


def binds(kpis: ScenarioKpis, changes: Sequence[Change] = (), *, lang: str = "en") -> str:
    """``limits reached: home cap 14 of 80 workers, ...``; a changed cap nobody reaches says so first."""
    t = _labels(lang)
    counts = sitting(kpis)
    items = ", ".join(t(f"sc.limit.{k}", n=n, of=of) for k, (n, of) in counts.items())
    text = t("sc.limits", items=items)
    for limit in dict.fromkeys(LIMIT_OF_KEY.get(c.key) for c in changes):
        if limit is not None and counts[limit][0] == 0:
            other = tightest(kpis, besides=limit)
            name = t(f"sc.name.{other}") if other else t("sc.name.none")
            text = t("sc.not_binding", limit=t(f"sc.name.{limit}"), other=name) + "; " + text
    return text


def coverage(kpis: ScenarioKpis, *, lang: str = "en") -> str:
    """The hours of the day with no crew on shift skilled for hazards, or that there are none."""
    t = _labels(lang)
    return t("sc.coverage", gaps=", ".join(kpis.coverage_gaps)) if kpis.coverage_gaps else t("sc.coverage_ok")


@dataclass(frozen=True)
class SweepPoint:
    """One point of a sweep as the answers read it: the swept values and the KPIs."""

    values: Mapping[str, Any]
    kpis: ScenarioKpis


def step_answers(points: Sequence[SweepPoint], key: str, *, lang: str = "en") -> list[str]:
    """One line per step along ``key`` (points with the same other values, in ``key`` order):
    the tighter neighbour against the looser one."""
    lines: list[str] = []
    for group in _series(points, key):
        for loose, tight in zip(group[1:], group, strict=False):
            change = Change(key, loose.values[key], tight.values[key])
            lines.append(answer([change], loose.kpis, tight.kpis, lang=lang))
    return lines


def _series(points: Sequence[SweepPoint], key: str) -> list[list[SweepPoint]]:
    groups: dict[tuple[Any, ...], list[SweepPoint]] = {}
    for p in points:
        groups.setdefault(tuple(sorted((k, str(v)) for k, v in p.values.items() if k != key)), []).append(p)
    return [sorted(g, key=lambda p: p.values[key]) for g in groups.values()]


def sweep_verdict(points: Sequence[SweepPoint], key: str, *, lang: str = "en") -> str:
    """Where the swept limit binds and where another binds first (a flat line that is no answer)."""
    limit = LIMIT_OF_KEY.get(key)
    if limit is None:
        return ""
    t = _labels(lang)
    ordered = sorted(points, key=lambda p: p.values[key])
    bound = [p for p in ordered if sitting(p.kpis)[limit][0] > 0]
    free = [p for p in ordered if sitting(p.kpis)[limit][0] == 0]
    out: list[str] = []
    if bound:
        out.append(t("sc.sweep_binds", limit=t(f"sc.name.{limit}"), values=_values(bound, key)))
    if free:
        others = dict.fromkeys(tightest(p.kpis, besides=limit) for p in free)
        names = " / ".join(t(f"sc.name.{o}") if o else t("sc.name.none") for o in others)
        out.append(t("sc.sweep_flat", limit=t(f"sc.name.{limit}"), values=_values(free, key), other=names))
    return "; ".join(out)


def _values(points: Sequence[SweepPoint], key: str) -> str:
    return ", ".join(dict.fromkeys(_show(p.values[key]) for p in points))


def monotone_falls(points: Sequence[SweepPoint], key: str) -> list[tuple[SweepPoint, SweepPoint]]:
    """Steps where loosening ``key`` by one step serves fewer by priority (lexicographically): (tighter,
    looser) pairs. Loosening means a larger value for caps."""
    return [
        (tight, loose)
        for group in _series(points, key)
        for tight, loose in zip(group, group[1:], strict=False)
        if loose.kpis.served_by_priority() < tight.kpis.served_by_priority()
    ]


def monotone_text(points: Sequence[SweepPoint], key: str, *, lang: str = "en") -> str:
    """Whether served by priority ever falls when ``key`` loosens by one step, and where."""
    t = _labels(lang)
    falls = monotone_falls(points, key)
    if not falls:
        return t("sc.monotone_ok", setting=key)
    return "; ".join(
        t(
            "sc.monotone_falls",
            setting=key,
            old=_show(tight.values[key]),
            new=_show(loose.values[key]),
            before="/".join(map(str, tight.kpis.served_by_priority())),
            after="/".join(map(str, loose.kpis.served_by_priority())),
        )
        for tight, loose in falls
    )
