"""A scenario's KPIs and the comparison of runs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dispatch.core.domain import PlanInputs
from dispatch.core.plan import Plan


def compute_kpis(plan: Plan, inputs: PlanInputs) -> dict[str, Any]:
    """The figures scenarios are compared on, from a plan and what was planned."""
    s = plan.summary
    by_id = {t.ticket_id: t for t in inputs.tickets}
    totals = {p: sum(1 for t in inputs.tickets if t.priority == p) for p in (1, 2, 3, 4)}
    crew_seconds = 0
    shift_seconds = 0.0
    overtime_seconds = 0.0
    homes: list[int] = []
    exposure: list[float] = []
    for route in plan.routes:
        end = route.shift.end
        shift_seconds += (end - route.shift.start).total_seconds()
        if route.summary.visits:
            crew_seconds += route.summary.duration_s
            back = max(st.arrival for st in route.steps)
            # Work past the shift's end (zero by construction: the shift is a hard limit).
            overtime_seconds += max(0.0, (back - end).total_seconds())
        for _member in route.members:
            homes.append(route.summary.homes_entered)
            exposure.append(route.summary.exposure_min)
    within = s.within_target_by_priority
    response_h: dict[int, list[float]] = {1: [], 2: []}
    for _, st in plan.visits():
        ticket = by_id.get(st.ticket_id or "")
        if ticket is not None and ticket.priority in response_h:
            response_h[ticket.priority].append((st.arrival - ticket.reported_at).total_seconds() / 3600)
    return {
        "tickets": s.tickets,
        "served": s.served,
        **{f"served_p{p}": s.served_by_priority.get(p, 0) for p in (1, 2, 3, 4)},
        **{f"tickets_p{p}": totals[p] for p in (1, 2)},
        "p1_within_target": within[1].within,
        "p2_within_target": within[2].within,
        **{
            f"p{p}_response_h_mean": round(sum(hours) / len(hours), 2) if hours else None
            for p, hours in response_h.items()
        },
        "customer_minutes_waited": s.customer_minutes_waited,
        "customers_unserved": sum(by_id[u.ticket_id].customers_affected for u in plan.unassigned),
        "km": round(s.distance_m / 1000, 1),
        "crews_on_shift": s.crews_on_shift,
        "crews_used": s.crews_used,
        "crews_not_dispatched": len(plan.crews_not_dispatched),
        "crew_hours": round(crew_seconds / 3600, 2),
        "shift_hours": round(shift_seconds / 3600, 2),
        "overtime_hours": round(overtime_seconds / 3600, 2),
        "homes_entered": s.homes_entered,
        "workers": len(homes),
        "homes_per_worker_max": max(homes, default=0),
        "homes_per_worker_mean": round(sum(homes) / len(homes), 2) if homes else 0.0,
        "exposure_min_per_worker_max": round(max(exposure, default=0.0), 1),
        "exposure_min_per_worker_mean": round(sum(exposure) / len(exposure), 1) if exposure else 0.0,
        "unassigned": s.unassigned,
        "unassigned_by_reason": dict(sorted(s.unassigned_by_reason.items())),
    }


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
    ("crew_hours", "crew hours used", 0),
    ("shift_hours", "crew hours on shift", 0),
    ("overtime_hours", "overtime hours (past shift end)", -1),
    ("homes_entered", "homes entered", 0),
    ("homes_per_worker_max", "homes per worker, max", -1),
    ("homes_per_worker_mean", "homes per worker, mean", -1),
    ("exposure_min_per_worker_max", "exposure min per worker, max", -1),
    ("exposure_min_per_worker_mean", "exposure min per worker, mean", -1),
    ("unassigned", "unassigned", -1),
)


def comparison(runs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """KPIs side by side: the first run is the base, every other gets deltas against it.

    ``runs`` are stored-run summaries (``ScenarioRunRow.summary()``).
    """
    if not runs:
        raise ValueError("nothing to compare")
    reasons = sorted({r for run in runs for r in run["kpis"].get("unassigned_by_reason", {})})
    rows: list[dict[str, Any]] = []
    specs = [*KPI_ROWS, *((f"unassigned:{r}", f"  unassigned: {r}", -1) for r in reasons)]
    for key, label, better in specs:
        values = [_kpi(run["kpis"], key) for run in runs]
        base = values[0]
        deltas = [None if v is None or base is None else round(v - base, 2) for v in values[1:]]
        rows.append({"kpi": key, "label": label.strip(), "better": better, "values": values, "deltas": deltas})
    return {
        "base": _run_ref(runs[0]),
        "others": [_run_ref(r) for r in runs[1:]],
        "rows": rows,
    }


def _run_ref(run: dict[str, Any]) -> dict[str, Any]:
    return {k: run[k] for k in ("id", "name", "base_date", "created_at", "solution_limit")}


def _kpi(kpis: dict[str, Any], key: str) -> float | None:
    if key.startswith("unassigned:"):
        return kpis.get("unassigned_by_reason", {}).get(key.split(":", 1)[1], 0)
    value = kpis.get(key)
    return value if isinstance(value, int | float) else None
