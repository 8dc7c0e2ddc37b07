"""Scenario comparisons and sweeps drawn as charts (matplotlib)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dispatch.scenarios.kpis import _kpi
from dispatch.scenarios.sweep import SweepResult


def draw_comparison(runs: Sequence[dict[str, Any]], path: Path | str) -> Path:
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
        ("exposure_min_per_worker_max", "max exposure min per worker", -1),
    )
    labels = [f"#{r['id']} {r['name']}" for r in runs]
    fig, axes = plt.subplots(2, 4, figsize=(16, 7), constrained_layout=True)
    colours = ["#4c72b0"] + ["#dd8452"] * (len(runs) - 1)
    for ax, (key, title, better) in zip(axes.flat, panels, strict=True):
        values = [_kpi(r["kpis"], key) or 0 for r in runs]
        bars = ax.bar(range(len(runs)), values, color=colours)
        ax.set_title(title + (" ↑" if better > 0 else " ↓" if better < 0 else ""), fontsize=10)
        ax.set_xticks(range(len(runs)), [f"#{r['id']}" for r in runs])
        ax.set_ylim(bottom=0, top=max(1.0, max(values) * 1.12))
        ax.bar_label(bars, fmt="%g", fontsize=8)
    fig.suptitle("Scenario comparison (↑ higher is better, ↓ lower is better): " + "; ".join(labels), fontsize=9)
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def draw_sweep(result: SweepResult, path: Path | str) -> Path:
    """Served tickets and P1 within target against the first swept value; Pareto points marked."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result.table()
    key = result.keys[0]
    others = result.keys[1:]
    fig, axes = plt.subplots(2, 2, figsize=(13, 9), constrained_layout=True)
    ax_served, ax_p1, ax_resp, ax_front = axes.flat
    series: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in table:
        series.setdefault(tuple(row[k] for k in others), []).append(row)
    panels = (
        (ax_served, "served", "Tickets served", "-"),
        (ax_p1, "served_p1", "P1 tickets served (solid) and within response target (dashed)", "-"),
        (ax_p1, "p1_within_target", None, "--"),
        (ax_resp, "p1_response_h_mean", "P1 mean response, report to arrival (h)", "-"),
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
    for ax, _metric, title, _style in panels:
        if title:
            ax.set_title(title, fontsize=10)
            ax.set_xlabel(key)
            ax.grid(alpha=0.3)
    if others:
        ax_served.legend(fontsize=8)
    xs = [r["exposure_min_per_worker_max"] for r in table]
    ys = [r["served"] for r in table]
    ax_front.scatter(xs, ys, color="#4c72b0", label="grid point")
    front = [r for r in table if r["pareto"]]
    ax_front.scatter(
        [r["exposure_min_per_worker_max"] for r in front], [r["served"] for r in front], s=170, facecolors="none",
        edgecolors="crimson", linewidths=2, zorder=3, label="Pareto front",
    )  # fmt: skip
    labels: dict[tuple[float, float], list[str]] = {}
    for r in table:
        where = (r["exposure_min_per_worker_max"], r["served"])
        labels.setdefault(where, []).append("/".join(str(r[k]) for k in result.keys))
    for where, texts in labels.items():
        ax_front.annotate("; ".join(texts), where, fontsize=8, xytext=(5, 4), textcoords="offset points")
    ax_front.set_xlabel("worst exposure per worker (weighted min)")
    ax_front.set_ylabel("tickets served")
    ax_front.set_title("Trade-off: served against worst exposure\n(points labelled " + "/".join(result.keys) + ")",
                       fontsize=10)  # fmt: skip
    ax_front.grid(alpha=0.3)
    ax_front.legend(fontsize=8)
    fig.suptitle(
        f"Sweep of {result.scenario.name} on {result.runs[0].day}. Pareto front circled in red: no other point\n"
        "serves more, reaches more P1 on time, and sends its most exposed worker into fewer homes and exposure minutes",
        fontsize=10,
    )
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
