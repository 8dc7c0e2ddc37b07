"""The planner's what-if views in the terminal (``dispatch scenario run``, ``show``, ``list``, ``compare``,
``sweep``): header lines and tables in Bahasa Indonesia or English through the one translation table.

``--json`` never passes through here. A run's changes are the English sentences the run stored
(:mod:`dispatch.scenarios.apply`) and print as stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.markup import escape
from rich.table import Table

from dispatch.commands.common import console, err_console
from dispatch.io.sheets.i18n import Labels
from dispatch.scenarios.compare import KPI_ROWS, StoredRun, binds, coverage
from dispatch.scenarios.sweep import SweepResult


def view_labels(lang: str) -> Labels:
    """The one translation table in ``lang`` (these views print no clock times: any zone will do)."""
    return Labels(lang, ZoneInfo("UTC"))


def _fmt(value: Any, t: Labels | None = None) -> str:
    """A KPI number: thousands grouped, at most two decimals, in ``t``'s style (none: as typed, 1,234.5)."""
    if value is None:
        return "-"
    if isinstance(value, float):
        text = f"{value:,.2f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value):,}"
    elif isinstance(value, int):
        text = f"{value:,}"
    else:
        return str(value)
    if t is None:
        return text
    return text.translate({ord(","): t("fmt.thousands_sep"), ord("."): t("fmt.decimal")})


def _kpi_label(t: Labels, key: str) -> str:
    """A KPI row's label in ``t``'s language (``unassigned:REASON``: the reason worded)."""
    if key.startswith("unassigned:"):
        return t("sc.unassigned_reason", reason=t.reason(key.split(":", 1)[1]))
    return t(f"sc.kpi.{key}")


def _delta(value: float | None, better: int, t: Labels | None = None) -> str:
    if value is None:
        return ""
    if value == 0:
        return "[dim]±0[/dim]"
    text = ("+" if value > 0 else "-") + _fmt(abs(value), t)
    if better == 0:
        return text
    good = (value > 0) == (better > 0)
    return f"[green]{text}[/green]" if good else f"[red]{text}[/red]"


def render_run(summary: dict[str, Any], run: StoredRun, *, lang: str = "en") -> None:
    """The run's header lines (what it is, live data against the scenario's, the changes) and its KPI table,
    in ``lang``; the changes are the English sentences the run stored."""
    t = view_labels(lang)
    inputs = summary["inputs_summary"]
    title = escape(t("sc.run_title", id=summary["id"]))
    console.print(
        t("sc.run_header", title=f"[bold]{title}[/bold]", name=escape(summary["name"]), base_date=summary["base_date"],
          solutions=t.number(summary["solution_limit"]), seconds=t.number(summary["wall_time_s"], digits=1))
    )  # fmt: skip
    if summary.get("description"):
        console.print(summary["description"], markup=False)
    base = inputs["base"]
    console.print(
        t("sc.live_line", base_tickets=base["tickets"], base_crews=base["crews"],
          base_on_shift=base["crews_with_shift"], tickets=inputs["tickets"], crews=inputs["crews"],
          on_shift=inputs["crews_with_shift"]),
        markup=False,
    )  # fmt: skip
    for change in inputs["changes"] or [t("sc.no_changes")]:
        console.print(f"  - {change}", markup=False)
    table = Table(title=t("sc.kpi_title"), title_justify="left")
    table.add_column(t("sc.col.kpi"))
    table.add_column(t("sc.col.value"), justify="right")
    kpis = run.kpis
    for key, label, _ in KPI_ROWS:
        value = _fmt(kpis.value(key), t)
        if key == "p1_within_target":
            value = t("sc.of_served", value=value, served=kpis.served_p1, open=kpis.tickets_p1)
        elif key == "p2_within_target":
            value = t("sc.of_served", value=value, served=kpis.served_p2, open=kpis.tickets_p2)
        indent = label[: len(label) - len(label.lstrip())]
        table.add_row(indent + _kpi_label(t, key), value)
    for reason, count in kpis.unassigned_by_reason.items():
        table.add_row("  " + _kpi_label(t, f"unassigned:{reason}"), _fmt(count, t))
    console.print(table)
    console.print(binds(kpis, lang=lang), markup=False)
    console.print(coverage(kpis, lang=lang), markup=False)


def render_list(runs: list[dict[str, Any]], typed: list[StoredRun], *, lang: str) -> None:
    """The stored runs as a table (newest first), or that there are none, in ``lang``."""
    labels = view_labels(lang)
    if not runs:
        console.print(labels("sc.list_none"), markup=False)
        return
    table = Table(title=labels("sc.list_title"), title_justify="left")
    for col in ("id", "name", "base_date", "created", "served", "p1_on_time", "km", "unassigned", "sweep"):
        table.add_column(
            labels(f"sc.col.{col}"),
            justify="right" if col in ("id", "served", "p1_on_time", "km", "unassigned") else "left",
        )
    for r, t in zip(runs, typed, strict=True):
        k = t.kpis
        table.add_row(
            str(t.id),
            t.name,
            t.base_date,
            t.created_at[:16].replace("T", " "),
            f"{k.served}/{k.tickets}",
            str(k.p1_within_target),
            _fmt(k.km, labels),
            str(k.unassigned),
            r["sweep"] or "",
        )
    console.print(table)


def render_comparison(runs: list[StoredRun], result: dict[str, Any], *, png: Path | None, lang: str) -> None:
    """The comparison as a table in ``lang`` (its JSON rows keep their English labels), with deltas against
    the base, then each run's one-line answer and skill cover, and where the chart went."""
    t = view_labels(lang)
    dates = {r.base_date for r in runs}
    if len(dates) > 1:
        err_console.print(t("sc.different_dates", dates=", ".join(sorted(dates))), markup=False)
    table = Table(title=escape(t("sc.compare_title", id=runs[0].id, name=runs[0].name)), title_justify="left")
    table.add_column(t("sc.col.kpi"))
    table.add_column(escape(f"#{runs[0].id} {runs[0].name}"), justify="right")
    for r in runs[1:]:
        table.add_column(escape(f"#{r.id} {r.name}"), justify="right")
        table.add_column("Δ", justify="right")
    for row in result["rows"]:
        cells = [_kpi_label(t, row["kpi"]), _fmt(row["values"][0], t)]
        for value, delta in zip(row["values"][1:], row["deltas"], strict=True):
            cells += [_fmt(value, t), _delta(delta, row["better"], t)]
        table.add_row(*cells)
    console.print(table)
    for r, line in zip(runs[1:], result["answers"], strict=True):
        console.print(f"#{r.id}: {line}", markup=False)
    for r, line in zip(runs, result["coverage"], strict=True):
        console.print(f"#{r.id}: {line}", markup=False)
    if png is not None:
        console.print(t("sc.chart", path=png), markup=False)


def print_sweep(result: SweepResult, table_rows: list[dict[str, Any]], *, csv_path: Path, png: Path, lang: str) -> None:
    """The sweep as a table in ``lang``: the values set (as typed in --set), the KPIs of each point, the Pareto
    front marked; then the plans' count and time and where the CSV and chart went."""
    t = view_labels(lang)
    table = Table(title=escape(t("sc.sweep_title", sweep=result.sweep)), title_justify="left")
    columns = ["run", "served_by_priority", "p1_on_time", "customer_minutes", "customers_unserved", "km",
               "crew_hours", "homes_max", "exposure_max", "at_home_cap", "at_exposure_cap", "out_of_shift_time",
               "unassigned", "pareto"]  # fmt: skip
    for c in [*result.keys, *(t(f"sc.col.{c}") for c in columns)]:
        table.add_column(c, justify="right")
    for r in table_rows:
        table.add_row(
            *[_fmt(r[k]) for k in result.keys],
            f"#{r['run_id']}",
            f"{r['served']} ({r['served_p1']}/{r['served_p2']}/{r['served_p3']}/{r['served_p4']})",
            str(r["p1_within_target"]),
            _fmt(r["customer_minutes_waited"], t),
            _fmt(r["customers_unserved"], t),
            _fmt(r["km"], t),
            _fmt(r["crew_hours"], t),
            str(r["homes_per_worker_max"]),
            _fmt(r["exposure_min_per_worker_max"], t),
            f"{r['workers_at_home_cap']}/{r['workers']}",
            f"{r['workers_at_exposure_cap']}/{r['workers']}",
            f"{r['crews_out_of_shift_time']}/{r['crews_with_visits']}",
            str(r["unassigned"]),
            "*" if r["pareto"] else "",
        )
    console.print(table)
    console.print(
        t("sc.sweep_footer", plans=len(table_rows), seconds=t.number(result.wall_time, digits=1), jobs=result.jobs,
          csv=csv_path, png=png),
        markup=False,
    )  # fmt: skip
