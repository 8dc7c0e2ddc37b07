"""How many search processes a solve starts: one per idle core if time-bounded, all members if reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from solver import MatrixTravel, Model, TimeWindow, search
from solver.engine import RawResult
from solver.search import SearchConfig, available_cores, idle_cores

H = 3600


def _problem():
    m = Model()
    sites = [m.add_site(x=float(i), y=0.0, name=f"s{i}") for i in range(3)]
    gap = np.abs(np.arange(3)[:, None] - np.arange(3)[None, :])
    m.add_crew(id="C1", start=sites[0], shift=TimeWindow(8 * H, 16 * H))
    m.add_job(id="J", site=sites[2], service=600)
    return m.build(MatrixTravel(durations=gap * 600, distances=gap * 1000))


def _workers_used(monkeypatch: pytest.MonkeyPatch, idle: float, **kwargs: object) -> int | None:
    seen: list[SearchConfig] = []
    monkeypatch.setattr(search, "idle_cores", lambda: idle)
    monkeypatch.setattr(search, "available_cores", lambda: 2)

    def fake_portfolio(problem, config, initial, progress, fallback=None):  # noqa: ANN001, ANN202 - stands in
        seen.append(config)
        return RawResult((), 0, "success", 0, 0.0, 0.0, "fake")

    monkeypatch.setattr(search, "_run_portfolio", fake_portfolio)
    search.solve(_problem(), **kwargs)
    return seen[0].effective_workers()


def test_busy_machine_runs_one_member(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no idle core a time-bounded solve starts one search process, not one per core."""
    assert _workers_used(monkeypatch, 0.0, time_limit=1.0) == 1


def test_quiet_machine_runs_the_portfolio(monkeypatch: pytest.MonkeyPatch) -> None:
    """With both cores idle both members run."""
    assert _workers_used(monkeypatch, 2.0, time_limit=1.0) == 2


def test_reproducible_and_explicit_workers_ignore_the_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reproducible mode and an explicit worker count never look at the load."""
    assert _workers_used(monkeypatch, 0.0, reproducible=True) == 2
    assert _workers_used(monkeypatch, 0.0, time_limit=1.0, workers=2) == 2


def test_idle_cores_is_within_the_available_cores() -> None:
    """The measured idle cores lie between none and every core this process may use."""
    assert 0.0 <= idle_cores(0.05) <= available_cores()
