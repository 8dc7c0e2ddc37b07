"""Scenario comparisons and sweeps drawn as charts (matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dispatch.scenarios.compare import LIMIT_OF_KEY, QUANTITY_OF_LIMIT, StoredRun, sweep_verdict
from dispatch.scenarios.sweep import SweepResult


def draw_comparison(runs: Sequence[StoredRun], path: Path | str) -> Path:
    """Bars of the main KPIs, one bar per run (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = (
        ("served", "tickets served", 1),
        ("served_p1", "P1 tickets served", 1),
        ("p1_within_target", "P1 within response target", 1),
        ("p1_response_h_mean", "P1 mean response (h)", -1),
        ("customer_minutes_waited", "customer-minutes waited", -1),
        ("km", "km driven", -1),
        ("crew_hours", "crew hours used", 0),
        ("customers_unserved", "customers not reached", -1),
        ("homes_per_worker_max", "max homes per worker", -1),
        ("exposure_min_per_worker_max", "max exposure min per worker", -1),
        ("paid_hours", "crew hours paid (with overtime)", -1),
        ("unassigned", "tickets unassigned", -1),
    )
    labels = [f"#{r.id} {r.name}" for r in runs]
    fig, axes = plt.subplots(3, 4, figsize=(16, 10), constrained_layout=True)
    colours = ["#4c72b0"] + ["#dd8452"] * (len(runs) - 1)
    for ax, (key, title, better) in zip(axes.flat, panels, strict=True):
        values = [r.kpis.value(key) or 0 for r in runs]
        bars = ax.bar(range(len(runs)), values, color=colours)
        ax.set_title(title + (" ↑" if better > 0 else " ↓" if better < 0 else ""), fontsize=10)
        ax.set_xticks(range(len(runs)), [f"#{r.id}" for r in runs])
        ax.set_ylim(bottom=0, top=max(1.0, max(values) * 1.12))
        ax.bar_label(bars, fmt="%g", fontsize=8)
    fig.suptitle("Scenario comparison (↑ higher is better, ↓ lower is better): " + "; ".join(labels), fontsize=9)
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


_QUANTITY_TITLES = {
    "homes_per_worker_max": "Max homes entered per worker",
    "exposure_min_per_worker_max": "Max weighted exposure per worker (min)",
    "crew_hours": "Crew hours used",
}


def draw_sweep(result: SweepResult, path: Path | str, *, lang: str = "en") -> Path:
    """Against the first swept value: served tickets, P1 served and within target, P1 response, the
    quantity the value limits (with the workers sitting at each limit), customers not reached, and
    served against worst exposure with the Pareto front marked. The title says where the swept limit
    binds and where another binds first."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result.table()
    key = result.keys[0]
    others = result.keys[1:]
    fig, axes = plt.subplots(2, 3, figsize=(18, 10), constrained_layout=True)
    ax_served, ax_p1, ax_resp, ax_quantity, ax_customers, ax_front = axes.flat
    limit = LIMIT_OF_KEY.get(key)
    quantity = QUANTITY_OF_LIMIT.get(limit or "", "crew_hours")
    series: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in table:
        series.setdefault(tuple(row[k] for k in others), []).append(row)
    panels = (
        (ax_served, "served", "Tickets served", "-"),
        (ax_p1, "served_p1", "P1 tickets served (solid) and within response target (dashed)", "-"),
        (ax_p1, "p1_within_target", None, "--"),
        (ax_resp, "p1_response_h_mean", "P1 mean response, report to arrival (h)", "-"),
        (ax_quantity, quantity, f"{_QUANTITY_TITLES.get(quantity, quantity)} (solid); the value set (dotted)", "-"),
        (ax_customers, "customers_unserved", "Customers not reached (tickets left unassigned)", "-"),
    )
    for group, rows in series.items():
        rows.sort(key=lambda r: r[key])
        label = ", ".join(f"{k}={v}" for k, v in zip(others, group, strict=True)) or None
        colour = None
        for ax, metric, _title, style in panels:
            xs = [r[key] for r in rows]
            ys = [r[metric] if r[metric] is not None else float("nan") for r in rows]
            line = ax.plot(xs, ys, style, marker="o", color=colour, label=label if style == "-" else None)[0]
            colour = line.get_color()
            front = [r for r in rows if r["pareto"] and r[metric] is not None]
            ax.scatter(
                [r[key] for r in front], [r[metric] for r in front], s=170, facecolors="none",
                edgecolors="crimson", linewidths=2, zorder=3,
            )  # fmt: skip
    if limit is not None:
        xs = sorted({r[key] for r in table})
        ax_quantity.plot(xs, xs, ":", color="grey", label="the cap set")
        _draw_sitting(ax_quantity.twinx(), table, key)
    for ax, _metric, title, _style in panels:
        if title:
            ax.set_title(title, fontsize=10)
            ax.set_xlabel(key)
            ax.grid(alpha=0.3)
    if others:
        ax_served.legend(fontsize=8)
    _draw_front(ax_front, table, result.keys)
    verdict = sweep_verdict(result.points(), key, lang=lang)
    fig.suptitle(
        f"Sweep of {result.scenario.name} on {result.runs[0].day}. Pareto front circled in red: no other point\n"
        "serves more, reaches more P1 on time, and sends its most exposed worker into fewer homes and exposure minutes"
        + (f"\n{verdict}" if verdict else ""),
        fontsize=10,
    )
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _draw_sitting(ax: Any, table: list[dict[str, Any]], key: str) -> None:
    """Bars: workers at the home cap, at the exposure cap, and crews out of shift time, per value."""
    xs = sorted({r[key] for r in table})
    width = (min(b - a for a, b in zip(xs, xs[1:], strict=False)) if len(xs) > 1 else 1) / 4
    bars = (
        ("workers_at_home_cap", "workers at home cap", "#8172b3"),
        ("workers_at_exposure_cap", "workers at exposure cap", "#c44e52"),
        ("crews_out_of_shift_time", "crews out of shift time", "#937860"),
    )
    for i, (column, label, colour) in enumerate(bars):
        by_x: dict[Any, int] = {}
        for r in table:
            by_x[r[key]] = max(by_x.get(r[key], 0), r[column])
        ax.bar([x + (i - 1) * width for x in xs], [by_x[x] for x in xs], width=width, alpha=0.35, color=colour,
               label=label)  # fmt: skip
    ax.set_ylabel("sitting at the limit")
    ax.legend(fontsize=7, loc="upper left")


def _draw_front(ax: Any, table: list[dict[str, Any]], keys: list[str]) -> None:
    xs = [r["exposure_min_per_worker_max"] for r in table]
    ys = [r["served"] for r in table]
    ax.scatter(xs, ys, color="#4c72b0", label="grid point")
    front = [r for r in table if r["pareto"]]
    ax.scatter(
        [r["exposure_min_per_worker_max"] for r in front], [r["served"] for r in front], s=170, facecolors="none",
        edgecolors="crimson", linewidths=2, zorder=3, label="Pareto front",
    )  # fmt: skip
    labels: dict[tuple[float, float], list[str]] = {}
    for r in table:
        where = (r["exposure_min_per_worker_max"], r["served"])
        labels.setdefault(where, []).append("/".join(str(r[k]) for k in keys))
    for where, texts in labels.items():
        ax.annotate("; ".join(texts), where, fontsize=8, xytext=(5, 4), textcoords="offset points")
    ax.set_xlabel("worst exposure per worker (weighted min)")
    ax.set_ylabel("tickets served")
    ax.set_title("Trade-off: served against worst exposure\n(points labelled " + "/".join(keys) + ")", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
