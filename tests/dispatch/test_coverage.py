"""Coverage warnings: hours of a planned day with no crew on shift having the skill hazards need."""

from __future__ import annotations

import dataclasses
import json

from sqlmodel import Session
from typer.testing import CliRunner

from dispatch.core.domain import Crew, PlanInputs, Shift
from dispatch.core.policy import Policy
from dispatch.io.sheets.i18n import Labels
from dispatch.planning.coverage import CoverageGap, coverage_gaps, hazard_gaps, hazard_skills
from dispatch.planning.nightly import make_plan
from dispatch.planning.persist import save_plan
from dispatch.store.models.crews import CrewRow, ShiftRow
from tests.dispatch.test_emergency import DAY, DEPOT, TZ, at, ticket


def roster(mv_end: str) -> PlanInputs:
    """C15 (mv) 08:00-``mv_end``, C02 (no mv) 08:00-16:00, two tree jobs."""
    crews = (
        Crew("C15", "Regu 15", DEPOT[0], DEPOT[1], skills=("mv",), members=("M15a",)),
        Crew("C02", "Regu 2", DEPOT[0], DEPOT[1], skills=(), members=("M2a",)),
    )
    shifts = (Shift("C15", DAY, at("08:00"), at(mv_end)), Shift("C02", DAY, at("08:00"), at("16:00")))
    return PlanInputs(day=DAY, tickets=(ticket("T1", 0.01, 0.0), ticket("T2", 0.0, 0.01)), crews=crews, shifts=shifts)


def test_hazard_skill_is_mv_by_default() -> None:
    """Line down and pole (P1 by default) need mv: the skill whose cover is checked."""
    assert hazard_skills(Policy()) == ["mv"]
    assert hazard_skills(Policy().with_overrides({"response.emergency_priorities": []})) == []


def test_roster_hours_without_mv_are_named() -> None:
    """mv crew home at 14:00, others until 16:00: 14:00-16:00 is a hole; a full mv shift leaves none."""
    policy = Policy()

    def gaps(inputs: PlanInputs) -> list[CoverageGap]:
        return coverage_gaps(inputs.crews, inputs.shifts, hazard_skills(policy))

    assert gaps(roster("14:00")) == [CoverageGap("mv", at("14:00"), at("16:00"))]
    assert gaps(roster("16:00")) == []
    # A shift ending mid-hour does not cover that hour.
    assert gaps(roster("15:30")) == [CoverageGap("mv", at("15:00"), at("16:00"))]
    no_mv = dataclasses.replace(roster("16:00"), shifts=roster("16:00").shifts[1:])
    assert gaps(no_mv) == [CoverageGap("mv", at("08:00"), at("16:00"))]


def test_a_standby_mv_crew_covers_only_when_storm_mode_calls_it() -> None:
    """A standby mv shift all day: a hole on a normal day (the plan does not dispatch it), none in a storm."""
    inputs = roster("16:00")
    standby = dataclasses.replace(
        inputs, shifts=(dataclasses.replace(inputs.shifts[0], standby=True), inputs.shifts[1])
    )
    assert hazard_gaps(standby.crews, standby.shifts, Policy()) == [CoverageGap("mv", at("08:00"), at("16:00"))]
    storm = Policy().with_overrides({"storm.enabled": True})
    assert hazard_gaps(standby.crews, standby.shifts, storm) == []


def test_coverage_warning_reads_in_both_languages() -> None:
    """The warning names the day, the hours and the skill in Bahasa Indonesia and English."""
    gap = CoverageGap("mv", at("14:00"), at("16:00"))
    texts = {}
    for lang in ("id", "en"):
        labels = Labels(lang, TZ)
        texts[lang] = labels(
            "cli.coverage_gap",
            date=labels.date(DAY),
            start=labels.time(gap.start),
            end=labels.time(gap.end),
            skill="mv",
        )
    assert (
        texts["id"]
        == "Peringatan: Senin, 30 November 2026 pukul 14.00-16.00 tidak ada regu bertugas dengan keahlian mv"
    )
    assert texts["en"].startswith("Warning: ") and "14:00-16:00" in texts["en"] and "mv" in texts["en"]


def test_plan_show_warns_of_the_hole_on_stderr(database_url: str, session: Session) -> None:
    """`dispatch plan show --json --lang en`: JSON on stdout, the mv hole 14:00-16:00 on stderr (id by default)."""
    from cli import app

    inputs = roster("14:00")
    for c in inputs.crews:
        session.add(
            CrewRow(crew_id=c.crew_id, name=c.name, depot_lat=DEPOT[0], depot_lon=DEPOT[1], skills=";".join(c.skills))
        )
    session.flush()
    for s in inputs.shifts:
        session.add(ShiftRow(crew_id=s.crew_id, date=s.date, start=s.start, end=s.end))
    result = make_plan(inputs, Policy(), time_limit=5, reproducible=True, workers=1)
    save_plan(session, plan=result.plan, objective=result.objective, now=at("00:00"), time_limit=5, reproducible=True)
    session.commit()
    env = {"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""}
    shown = CliRunner().invoke(app, ["plan", "show", "--date", "2026-11-30", "--json", "--lang", "en"], env=env)
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["date"] == "2026-11-30"
    assert "Warning: " in shown.stderr and "14:00-16:00" in shown.stderr and "skill mv" in shown.stderr
    shown = CliRunner().invoke(app, ["plan", "show", "--date", "2026-11-30"], env=env)
    assert "pukul 14.00-16.00 tidak ada regu bertugas dengan keahlian mv" in shown.stderr
