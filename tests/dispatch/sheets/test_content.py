"""write_sheets' inputs: one crew only, and clear errors that say where the plan is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch.core.jsonread import PlanFormatError
from dispatch.core.policy import Policy, PolicyError
from dispatch.io.sheets.content import SheetError

from .conftest import write
from .pdfread import pdf_text


def test_one_crew_writes_only_its_four_files(sheet_inputs, tmp_path: Path) -> None:
    """crew_id="C02" writes C02.pdf/.html/.csv/.geojson and leaves any full index alone."""
    files = write(sheet_inputs, out_dir=tmp_path, lang="en", crew_id="C02")
    assert [f.name for f in files] == ["C02.pdf", "C02.html", "C02.csv", "C02.geojson"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in files)


def test_all_crews_write_sheets_and_index(written) -> None:
    """The whole plan gives four files per crew plus index.pdf and index.html."""
    out_dir, files = written["id"]
    names = [f.name for f in files]
    for crew in ("C01", "C02", "C03"):
        assert [n for n in names if n.startswith(crew)] == [
            f"{crew}.pdf",
            f"{crew}.html",
            f"{crew}.csv",
            f"{crew}.geojson",
        ]
    assert names[-2:] == ["index.pdf", "index.html"]
    assert all((out_dir / n).stat().st_size > 0 for n in names)


def test_unknown_crew_is_refused(sheet_inputs, tmp_path: Path) -> None:
    """Asking for a crew that has no route names the crews the plan does have."""
    with pytest.raises(SheetError, match=r"crew 'C09' has no route in this plan \(crews: C01, C02, C03\)"):
        write(sheet_inputs, out_dir=tmp_path, crew_id="C09")


def test_unknown_language_is_refused(sheet_inputs, tmp_path: Path) -> None:
    """Only id and en exist."""
    with pytest.raises(SheetError, match=r"lang: unknown language 'fr' \(known: id, en\)"):
        write(sheet_inputs, out_dir=tmp_path, lang="fr")


def test_missing_ticket_is_reported_with_its_step(sheet_inputs, tmp_path: Path) -> None:
    """A visit to a ticket not given is an error naming the route and step."""
    tickets = {k: v for k, v in sheet_inputs["tickets"].items() if k != "T0003"}
    with pytest.raises(SheetError, match=r"plan 7: routes\[0\]\.steps\[3\]\.ticket_id: ticket 'T0003'"):
        write({**sheet_inputs, "tickets": tickets}, out_dir=tmp_path)
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_crew_missing_from_the_database_uses_the_plan(sheet_inputs, tmp_path: Path) -> None:
    """A route whose crew is not given still gets its sheet, named and staffed from the plan itself."""
    crews = {k: v for k, v in sheet_inputs["crews"].items() if k != "C02"}
    sheet_inputs["plan"]["routes"][1]["name"] = "Regu Harjamukti (lama)"
    write({**sheet_inputs, "crews": crews}, out_dir=tmp_path, lang="en", crew_id="C02")
    page = (tmp_path / "C02.html").read_text(encoding="utf-8")
    assert "Regu Harjamukti (lama)" in page and "Citra Lestari, Dedi Kurniawan" in page


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("steps", 1, "arrival"), "08:06", r"plan\.routes\[0\]\.steps\[1\]\.arrival: '08:06' is not an ISO 8601 time"),
        (
            ("steps", 1, "arrival"),
            "2026-11-30T08:06:00",
            r"plan\.routes\[0\]\.steps\[1\]\.arrival: '2026-11-30T08:06:00' has no UTC offset",
        ),
        (("steps", 2, "lat"), 96.0, r"plan\.routes\[0\]\.steps\[2\]\.lat: latitude 96.0 outside -90..90"),
        (("steps", 2, "type"), "lunch", r"plan\.routes\[0\]\.steps\[2\]\.type: 'lunch' is not one of start"),
        (("steps", 3, "homes_entered"), "two", r"plan\.routes\[0\]\.steps\[3\]\.homes_entered: expected a whole"),
    ],
)
def test_malformed_steps_are_reported_where(sheet_inputs, tmp_path: Path, path, value, message) -> None:
    """Bad step fields fail when the plan is read, with the route, step and field in the message."""
    route = sheet_inputs["plan"]["routes"][0]
    route[path[0]][path[1]][path[2]] = value
    with pytest.raises(PlanFormatError, match=message):
        write(sheet_inputs, out_dir=tmp_path)


def test_missing_field_is_reported(sheet_inputs, tmp_path: Path) -> None:
    """A step without its running tally is named as missing."""
    del sheet_inputs["plan"]["routes"][2]["steps"][1]["exposure_total_min"]
    with pytest.raises(PlanFormatError, match=r"plan\.routes\[2\]\.steps\[1\]: lacks 'exposure_total_min'"):
        write(sheet_inputs, out_dir=tmp_path)


def test_bad_time_zone_in_policy(sheet_inputs, tmp_path: Path) -> None:
    """An unknown region time zone is a policy error when the policy is read, before any sheet is written."""
    with pytest.raises(PolicyError, match=r"region\.timezone: unknown time zone 'Asia/Nowhere'"):
        Policy().with_overrides({"region.timezone": "Asia/Nowhere"})
    assert not any(tmp_path.iterdir())


def test_unpublished_plan_is_marked_draft(sheet_inputs, tmp_path: Path) -> None:
    """A plan that is not published prints a warning on every sheet instead of passing as final."""
    sheet_inputs["plan"]["status"] = "draft"
    write(sheet_inputs, out_dir=tmp_path, lang="en", crew_id="C03")
    assert "WARNING: this plan is not published (status: draft)" in (tmp_path / "C03.html").read_text(encoding="utf-8")


def test_times_follow_the_policy_time_zone(sheet_inputs, tmp_path: Path) -> None:
    """Sheets print local times of policy.region.timezone (Asia/Makassar is one hour ahead of Jakarta)."""
    policy = Policy().with_overrides({"region.timezone": "Asia/Makassar"})
    write({**sheet_inputs, "policy": policy}, out_dir=tmp_path, lang="en", crew_id="C01")
    page = (tmp_path / "C01.html").read_text(encoding="utf-8")
    assert "09:00-17:00" in page  # the 08:00-16:00 Jakarta shift


def test_empty_route_still_gets_a_sheet(sheet_inputs, tmp_path: Path) -> None:
    """A crew with no visits gets sheets saying so, an empty CSV and a depot-only GeoJSON."""
    route = sheet_inputs["plan"]["routes"][2]
    route["steps"] = [s for s in route["steps"] if s["type"] != "visit"]
    route["summary"] = {"visits": 0, "homes_entered": 0, "exposure_min": 0, "distance_m": 0, "duration_s": 0}
    write(sheet_inputs, out_dir=tmp_path, lang="en", crew_id="C03")
    assert "No stops for this crew." in (tmp_path / "C03.html").read_text(encoding="utf-8")
    assert (tmp_path / "C03.csv").read_text(encoding="utf-8").count("\n") == 1  # header only


def test_outdoor_only_crew_is_warned(sheet_inputs, tmp_path: Path) -> None:
    """A route the planner marked outdoor-only tells the crew, in words, not to enter homes."""
    sheet_inputs["plan"]["routes"][2]["outdoor_only"] = "rolling exposure budget spent by M005"
    write(sheet_inputs, out_dir=tmp_path, lang="id", crew_id="C03")
    expected = "Hari ini regu ini TIDAK masuk rumah: batas paparan sudah habis"
    assert expected in (tmp_path / "C03.html").read_text(encoding="utf-8")
    text = pdf_text(tmp_path / "C03.pdf")
    assert expected in " ".join(text.split())


def test_emergency_stop_is_flagged_for_the_crew(sheet_inputs, tmp_path: Path) -> None:
    """A visit the plan marks as an emergency says so first, with the report time, on HTML and PDF."""
    route = sheet_inputs["plan"]["routes"][0]
    step = next(s for s in route["steps"] if s["type"] == "visit")
    step["emergency"] = True
    write(sheet_inputs, out_dir=tmp_path, lang="en", crew_id="C01")
    page = (tmp_path / "C01.html").read_text(encoding="utf-8")
    assert page.count("EMERGENCY - hazard reported") == 1
    text = pdf_text(tmp_path / "C01.pdf")
    assert "EMERGENCY - hazard reported" in " ".join(text.split())


def test_a_stop_reported_not_home_and_planned_again_gets_its_sheet(sheet_inputs, tmp_path: Path) -> None:
    """A re-plan may send the crew that found nobody home back later: the reported visit and the new one
    are two stops of its sheet, while one ticket planned twice is still refused."""
    route = sheet_inputs["plan"]["routes"][0]
    visits = [s for s in route["steps"] if s["type"] == "visit"]
    visits[-1].update({k: visits[0][k] for k in ("ticket_id", "lat", "lon")})
    with pytest.raises(SheetError, match="visited twice on this route"):
        write(sheet_inputs, out_dir=tmp_path / "a", lang="en", crew_id="C01")
    visits[0]["progress"] = "done"
    write(sheet_inputs, out_dir=tmp_path / "b", lang="en", crew_id="C01")
    assert (tmp_path / "b" / "C01.csv").read_text(encoding="utf-8").count(visits[0]["ticket_id"]) == 2
