"""Progress while searching reports jobs served per priority of the best solution so far, not the raw cost."""

from __future__ import annotations

from solver import Incumbent, Model, TimeWindow, solve
from solver.travel import EuclideanTravel


def test_served_text_reads_like_a_dispatcher() -> None:
    """Served of all per priority, emergencies first as E: "E 1/1, P1 63/63, P2 69/94"."""
    best = Incumbent(0, {0: 1, 1: 63, 2: 69}, {0: 1, 1: 63, 2: 94, 4: 10})
    assert best.served_text() == "E 1/1, P1 63/63, P2 69/94, P4 0/10"


def test_progress_hears_served_by_priority() -> None:
    """A 1 s search with a progress callback hears incumbents whose served counts fit the problem."""
    m = Model()
    depot = m.add_site(x=0, y=0)
    m.add_crew(id="C1", start=depot, shift=TimeWindow(0, 3000))
    for i in range(25):
        m.add_job(id=f"J{i}", site=m.add_site(x=10 * i, y=5), service=300, priority=1 + i % 4)
    problem = m.build(EuclideanTravel())
    heard: list[Incumbent] = []
    solve(problem, time_limit=1.0, workers=1, progress=lambda _, best: heard.append(best) if best else None)
    assert heard, "no incumbent reported"
    last = heard[-1]
    assert last.jobs_by_priority == {1: 7, 2: 6, 3: 6, 4: 6}
    assert 0 < sum(last.served_by_priority.values()) <= 10  # 3000 s of shift, 300 s per visit
