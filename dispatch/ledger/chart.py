"""The exposure report drawn as a chart (matplotlib)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from dispatch.ledger.base import _days
from dispatch.ledger.report import ExposureReport, ReportRow, WorkerSummary

# Matplotlib's default colours without its grey (C7): grey marks the workers not singled out.
_PALETTE = ("C0", "C1", "C2", "C3", "C4", "C5", "C6", "C8", "C9")


def write_exposure_chart(report: ExposureReport, path: Path | str, *, highlight: int = 8) -> Path:
    """A PNG of each worker's rolling weighted minutes and rolling homes against the cap lines.

    Crew-mates with identical figures share one line (labelled with all their ids). The
    ``highlight`` most exposed lines are drawn in colour and named; the others in grey.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    path = Path(path)
    days = _days(report.start, report.end)
    by_member: dict[str, list[ReportRow]] = defaultdict(list)
    for r in report.rows:
        by_member[r.member_id].append(r)
    # One line per distinct pair of series, in the report's order (most exposed first).
    lines: dict[tuple[tuple[float, ...], tuple[float, ...]], list[WorkerSummary]] = {}
    for w in report.workers:
        rows = by_member[w.member_id]
        key = (tuple(r.rolling_exposure_min for r in rows), tuple(float(r.rolling_homes) for r in rows))
        lines.setdefault(key, []).append(w)
    fig, axes = plt.subplots(2, 1, figsize=(11, 8), sharex=True)
    for panel, (ax, cap_key, label) in enumerate(
        (
            (axes[0], "max_exposure_min_rolling", "weighted minutes"),
            (axes[1], "max_homes_rolling", "homes entered"),
        )
    ):
        ranked = list(enumerate(lines.items()))
        for rank, (key, workers) in reversed(ranked):
            values = key[panel]
            if rank < highlight:
                crews = sorted({w.crew_id for w in workers})
                name = f"{', '.join(w.member_id for w in workers)} ({', '.join(crews)})"
                color = _PALETTE[rank % len(_PALETTE)]
                ax.plot(days, values, color=color, linewidth=1.8, marker="o", markersize=3, label=name, zorder=3)
            else:
                ax.plot(days, values, color="0.75", linewidth=0.8, zorder=2)
        cap = report.caps[cap_key]
        ax.axhline(cap, color="red", linestyle="--", linewidth=1.5, label=f"cap {cap:g}", zorder=4)
        ax.set_ylabel(f"{label}, last {report.rolling_days} days")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], labels[::-1], fontsize=7, loc="upper left", ncol=2, framealpha=0.85)
    axes[1].xaxis.set_major_locator(mdates.DayLocator(interval=max(1, len(days) // 15)))
    axes[1].xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    axes[0].set_title(f"Rolling exposure per worker, {report.start} to {report.end} (most exposed in colour)")
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
