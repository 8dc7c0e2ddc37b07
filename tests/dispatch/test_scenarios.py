"""What-if scenarios: parsing, every kind of change, isolation from live data, storage, comparison, sweeps."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import Point, Polygon, mapping
from sqlalchemy import Engine, select, text
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

from dispatch.commands.scenario import scenario_app
from dispatch.core.policy import Policy
from dispatch.planning.inputs import load_inputs
from dispatch.planning.nightly import make_plan
from dispatch.planning.persist import save_plan
from dispatch.scenarios.apply import apply_scenario
from dispatch.scenarios.compare import KPI_ROWS, StoredRun, comparison
from dispatch.scenarios.kpis import ScenarioKpis
from dispatch.scenarios.live import load_live_inputs, read_only_engine, store_runs
from dispatch.scenarios.parse import parse_scenario
from dispatch.scenarios.run import plan_scenario
from dispatch.scenarios.spec import ScenarioError
from dispatch.scenarios.sweep import grid, pareto_front, parse_set
from dispatch.store.db import session_scope
from dispatch.store.models.crews import CrewMemberRow, CrewRow, ShiftRow
from dispatch.store.models.scenarios import ScenarioRunRow
from dispatch.store.models.tickets import TicketRow
from dispatch.store.models.zones import ZoneRow
from dispatch.usecases.scenarios import run_scenario, run_sweep
from tests.dispatch.plan_checker import check_plan

WIB = ZoneInfo("Asia/Jakarta")
DAY = dt.date(2026, 11, 30)
NOW = dt.datetime(2026, 11, 29, 21, 0, tzinfo=WIB)
DEPOT = (-6.7051, 108.5555)  # ULP Cirebon Kota
SOLUTIONS = 30  # tiny cases: a few dozen solutions reach the same plan every time
runner = CliRunner()


def near(dn_m: float, de_m: float) -> tuple[float, float]:
    """A point dn_m metres north and de_m metres east of the depot."""
    return DEPOT[0] + dn_m / 110_574, DEPOT[1] + de_m / 110_500


RED = Polygon([(108.5600, -6.7000), (108.5640, -6.7000), (108.5640, -6.7040), (108.5600, -6.7040)])
IN_RED = (-6.7020, 108.5620)


def ticket(ticket_id: str, category: str, at: tuple[float, float], **changes: Any) -> TicketRow:
    indoor = category in ("no_power", "meter", "voltage", "partial_power", "other")
    values: dict[str, Any] = {
        "ticket_id": ticket_id,
        "reported_at": NOW - dt.timedelta(hours=2),
        "category": category,
        "lat": at[0],
        "lon": at[1],
        "priority": {"line_down": 1, "pole": 1, "no_power": 2, "tree": 2}.get(category, 4),
        "service_min": 30,
        "indoor": indoor,
        "skills": "mv" if category in ("line_down", "pole") else "",
        "imported_at": NOW,
        "updated_at": NOW,
    }
    values.update(changes)
    return TicketRow(**values)


def crew(crew_id: str, skills: str, members: list[str], *, shift: tuple[int, int] = (8, 16)) -> list[SQLModel]:
    rows: list[SQLModel] = [
        CrewRow(crew_id=crew_id, name=f"Yantek {crew_id}", depot_lat=DEPOT[0], depot_lon=DEPOT[1], skills=skills)
    ]
    rows += [CrewMemberRow(member_id=m, crew_id=crew_id) for m in members]
    start = dt.datetime.combine(DAY, dt.time(shift[0]), tzinfo=WIB)
    rows.append(
        ShiftRow(
            crew_id=crew_id,
            date=DAY,
            start=start,
            end=dt.datetime.combine(DAY, dt.time(shift[1]), tzinfo=WIB),
            break_start=dt.datetime.combine(DAY, dt.time(11, 30), tzinfo=WIB),
            break_end=dt.datetime.combine(DAY, dt.time(13, 0), tzinfo=WIB),
            break_min=30,
        )
    )
    return rows


def seed(engine: Engine, rows: list[SQLModel]) -> None:
    with session_scope(engine) as s:
        for row in rows:
            s.add(row)
            s.flush()


@pytest.fixture
def world(engine: Engine) -> Engine:
    """Two crews at one depot (A: lv+mv, 3 members; B: lv, 2 members), five tickets, a red zone, a saved plan."""
    rows: list[SQLModel] = [
        *crew("A", "lv;mv", ["A1", "A2", "A3"]),
        *crew("B", "lv", ["B1", "B2"]),
        ticket("T1", "line_down", near(600, 0)),
        ticket("T2", "no_power", near(0, 700)),
        ticket("T3", "meter", IN_RED),
        ticket("T4", "pole", near(-500, -300)),
        ticket("T5", "tree", (-6.7030, 108.5610)),  # outdoor, inside the red zone
        ZoneRow(name="Red", geometry=json.dumps(mapping(RED)), risk_weight=2.0),
    ]
    seed(engine, rows)
    # A real saved plan, so the plan tables hold rows the scenarios must leave alone.
    with session_scope(engine) as s:
        inputs = load_inputs(s, day=DAY, policy=Policy())
    result = make_plan(inputs, Policy(), reproducible=True, solution_limit=SOLUTIONS, workers=1)
    with session_scope(engine) as s:
        save_plan(s, plan=result.plan, objective=result.objective, now=NOW, time_limit=1.0, reproducible=True)
    return engine


@pytest.fixture
def live(world: Engine, database_url: str) -> str:
    return database_url


def scenario(body: str, name: str = "what-if") -> Any:
    return parse_scenario(f'name = "{name}"\nbase_date = {DAY.isoformat()}\n{body}', source="test.toml")


def run(url: str, body: str, **kwargs: Any) -> ScenarioRunRow:
    return run_scenario(url, scenario(body), policy=Policy(), solution_limit=SOLUTIONS, **kwargs)


def reasons(row: ScenarioRunRow) -> dict[str, str]:
    return {u["ticket_id"]: u["reason"] for u in json.loads(row.document)["unassigned"]}


def served(row: ScenarioRunRow) -> set[str]:
    doc = json.loads(row.document)
    return {st["ticket_id"] for r in doc["routes"] for st in r["steps"] if st["type"] == "visit"}


def dump_live(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every live table (all but the scenario runs), in primary-key order."""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == ScenarioRunRow.__tablename__:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out


def stored_runs(engine: Engine) -> int:
    with Session(engine) as s:
        return len(s.exec(select(ScenarioRunRow)).all())  # type: ignore[call-overload]


EVERYTHING = """
[policy]
"exposure.max_homes_per_shift" = 3
[policy.travel]
car_speed_kmh = 25.0
[crews]
remove = ["B"]
[[crews.add]]
crew_id = "X"
depot = [-6.7100, 108.5500]
skills = ["lv"]
vehicle = "motorcycle"
members = ["X1", "X2"]
shift = { start = "07:00", end = "15:00" }
[[crews.lend]]
crews = ["X"]
to_crew = "A"
[members]
quarantine = ["A3"]
[[shifts]]
crews = ["A"]
hours = 10
[[tickets.surge]]
n = 3
around = [-6.7051, 108.5555]
radius_km = 2
seed = 5
[[tickets.add]]
ticket_id = "N1"
reported_at = 2026-11-29T20:00:00+07:00
category = "voltage"
lat = -6.7060
lon = 108.5570
[[zones.change]]
name = "Red"
risk_weight = 3.0
"""


# ------------------------------------------------------------------------------------ isolation


def test_scenario_never_changes_live_data(live: str, world: Engine) -> None:
    """A scenario using every kind of change leaves every live table identical, row by row; only its run is stored."""
    before = dump_live(world)
    assert before["plan"] and before["plan_visit"] and before["ticket"]
    row = run(live, EVERYTHING)
    assert dump_live(world) == before
    assert stored_runs(world) == 1
    assert row.kpis and json.loads(row.kpis)["tickets"] == 5 + 3 + 1


def test_live_data_is_read_through_a_read_only_connection(live: str) -> None:
    """The connection scenarios read with refuses writes, so no bug can change live rows through it."""
    engine = read_only_engine(live)
    try:
        with pytest.raises(Exception) as caught, engine.begin() as conn:
            conn.execute(text("UPDATE ticket SET priority = 1"))
        assert "read" in str(caught.value).lower()
    finally:
        engine.dispose()


def test_failing_run_leaves_nothing_half_written(live: str, world: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run failing in the solver, in a change, or while storing leaves no run and no live change behind."""
    before = dump_live(world)
    import solver

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("solver crashed")

    with monkeypatch.context() as m:
        m.setattr(solver, "solve", broken)
        with pytest.raises(RuntimeError, match="solver crashed"):
            run(live, "[crews]\nremove = ['B']")
    with pytest.raises(ScenarioError, match="no crew 'Z'"):
        run(live, "[crews]\nremove = ['Z']")
    good = plan_scenario(scenario(""), load_live_inputs(live, day=DAY, policy=Policy()), Policy(), solution_limit=5)
    bad = plan_scenario(scenario("", name="bad"), load_live_inputs(live, day=DAY, policy=Policy()), Policy(),
                        solution_limit=5)  # fmt: skip
    bad = dataclasses.replace(bad, overrides={"oops": object()})  # not JSON: the second insert fails
    with pytest.raises(TypeError):
        store_runs(world, [good, bad])
    assert stored_runs(world) == 0
    assert dump_live(world) == before


def test_two_scenarios_run_at_once(live: str, world: Engine) -> None:
    """Two scenario runs in separate processes at the same time both finish and both are stored."""
    before = dump_live(world)
    context = mp.get_context("fork")
    with ProcessPoolExecutor(max_workers=2, mp_context=context) as pool:
        futures = [pool.submit(_run_in_process, live, body) for body in ("", "[crews]\nremove = ['B']")]
        ids = [f.result() for f in futures]
    assert len(set(ids)) == 2
    assert stored_runs(world) == 2
    assert dump_live(world) == before


def _run_in_process(url: str, body: str) -> int:
    row = run(url, body)
    assert row.id is not None
    return row.id


# ------------------------------------------------------------------------------------ reproducibility


def test_same_scenario_gives_the_same_numbers(live: str) -> None:
    """Two runs of one scenario give identical KPIs and identical plan documents."""
    a, b = run(live, EVERYTHING), run(live, EVERYTHING)
    assert a.id != b.id
    assert json.loads(a.kpis) == json.loads(b.kpis)
    assert json.loads(a.document) == json.loads(b.document)


def test_everything_scenario_passes_the_independent_checker(live: str) -> None:
    """The plan of a scenario keeps every promise the independent checker recomputes from the changed inputs."""
    sc = scenario(EVERYTHING)
    inputs = load_live_inputs(live, day=DAY, policy=Policy())
    applied = apply_scenario(sc, inputs, Policy())
    result = plan_scenario(sc, inputs, Policy(), solution_limit=SOLUTIONS)
    assert check_plan(result.plan.to_json(), applied.inputs, applied.policy) == []


# ------------------------------------------------------------------------------------ each change


def test_removing_all_mv_crews_leaves_mv_tickets_without_a_skilled_crew(live: str) -> None:
    """With crew A (the only mv crew) removed, the line-down and pole tickets are unassigned: no_skilled_crew."""
    for body in ("[[crews.remove]]\nskill = 'mv'", "[crews]\nremove = ['A']"):
        row = run(live, body)
        assert reasons(row)["T1"] == reasons(row)["T4"] == "no_skilled_crew"
        assert {"T2", "T3"} <= served(row)


def test_quarantine_below_the_crew_minimum_keeps_the_crew_home(live: str) -> None:
    """Two of A's three members in quarantine (minimum 2): A is not dispatched and its mv tickets are left."""
    row = run(live, "[members]\nquarantine = ['A1', 'A2']\nreason = 'close contact'")
    doc = json.loads(row.document)
    assert [c["crew_id"] for c in doc["crews_not_dispatched"]] == ["A"]
    assert "close contact" in doc["crews_not_dispatched"][0]["reason"]
    assert [r["crew_id"] for r in doc["routes"]] == ["B"]
    assert reasons(row)["T1"] == "no_skilled_crew"
    one = run(live, "[members]\nquarantine = ['A1']")
    assert [r["members"] for r in json.loads(one.document)["routes"] if r["crew_id"] == "A"] == [["A2", "A3"]]


def test_raising_the_home_cap_never_serves_fewer_tickets(engine: Engine, database_url: str) -> None:
    """One crew, four indoor tickets by the depot, a long shift: only the cap binds, so served = min(cap, 4)."""
    seed(engine, [*crew("A", "lv", ["A1", "A2"])] + [ticket(f"H{i}", "meter", near(150 * i, 100)) for i in range(4)])
    served_by_cap = []
    for cap in range(6):
        row = run(database_url, f'[policy]\n"exposure.max_homes_per_shift" = {cap}')
        served_by_cap.append(json.loads(row.kpis)["served"])
        assert set(reasons(row).values()) <= {"home_cap", "home_entry_barred"}
    assert served_by_cap == [0, 1, 2, 3, 4, 4]


def test_surge_adds_the_expected_number_of_tickets(live: str) -> None:
    """factor 2.0 doubles the five open tickets, n adds n, a zone surge puts every ticket inside the zone."""
    inputs = load_live_inputs(live, day=DAY, policy=Policy())
    doubled = apply_scenario(scenario("[[tickets.surge]]\nfactor = 2.0\nseed = 3"), inputs, Policy()).inputs
    assert len(doubled.tickets) == 10
    assert sum(t.ticket_id.startswith("SURGE1-") for t in doubled.tickets) == 5
    plus7 = apply_scenario(
        scenario("[[tickets.surge]]\nn = 7\naround = [-6.7051, 108.5555]\nradius_km = 3\nprefix = 'S'"),
        inputs,
        Policy(),
    ).inputs
    added = [t for t in plus7.tickets if t.ticket_id.startswith("S-")]
    assert len(added) == 7 and [t.ticket_id for t in added][0] == "S-000001"
    assert all(
        t.reported_at.tzinfo is not None and t.reported_at < dt.datetime.combine(DAY, dt.time(), WIB) for t in added
    )
    in_zone = apply_scenario(scenario("[[tickets.surge]]\nn = 6\nzone = 'Red'"), inputs, Policy()).inputs
    surge = [t for t in in_zone.tickets if t.ticket_id.startswith("SURGE1-")]
    assert len(surge) == 6 and all(RED.contains(Point(t.lon, t.lat)) for t in surge)
    assert len(inputs.tickets) == 5  # the live inputs are untouched
    row = run(live, "[[tickets.surge]]\nn = 4\nseed = 9")
    assert json.loads(row.kpis)["tickets"] == 9


def test_closing_a_zone_leaves_indoor_tickets_inside_unassigned(live: str) -> None:
    """A closed zone bars home entries: the indoor ticket inside is zone_closed, the outdoor tree job is planned."""
    row = run(live, "[[zones.change]]\nname = 'Red'\nclosed = true")
    assert reasons(row)["T3"] == "zone_closed"
    assert "T5" in served(row)
    assert "T3" in served(run(live, ""))


def test_reweighting_a_zone_scales_exposure_inside(live: str) -> None:
    """Risk weight 3 in the red zone: the meter visit inside counts 30 min x 0.6 x 3 = 54 exposure minutes."""
    row = run(live, "[[zones.change]]\nname = 'Red'\nrisk_weight = 3.0")
    steps = [st for r in json.loads(row.document)["routes"] for st in r["steps"] if st.get("ticket_id") == "T3"]
    assert steps[0]["exposure_min"] == pytest.approx(54.0)


def test_shift_changes_stretch_move_and_drop_breaks(live: str) -> None:
    """hours = 10 keeps the start and ends 10 h later; no_break removes the break; listed crews only."""
    inputs = load_live_inputs(live, day=DAY, policy=Policy())
    body = (
        "[[shifts]]\ncrews = ['A']\nhours = 10\nno_break = true\n"
        "[[shifts]]\ncrews = ['B']\nstart = '06:00'\nend = '12:00'"
    )
    shifts = {s.crew_id: s for s in apply_scenario(scenario(body), inputs, Policy()).inputs.shifts}
    assert shifts["A"].start.astimezone(WIB).hour == 8 and shifts["A"].end - shifts["A"].start == dt.timedelta(hours=10)
    assert shifts["A"].break_min == 0 and shifts["A"].break_start is None
    b = shifts["B"]
    assert (b.start.astimezone(WIB).hour, b.end.astimezone(WIB).hour, b.break_min) == (6, 12, 30)
    row = run(live, "[shifts]\nhours = 10")
    kpis = json.loads(row.kpis)
    assert kpis["shift_hours"] == 20.0 and kpis["overtime_hours"] == 0.0


def test_added_crew_and_lent_crews_start_where_told(live: str) -> None:
    """An added crew is dispatched with its members; a lent crew starts and ends at the other depot."""
    body = """
[[crews.add]]
crew_id = "X"
depot = [-6.7596, 108.4812]
skills = ["lv", "mv"]
members = ["X1", "X2"]
shift = { start = "07:00", end = "15:00", break_start = "11:30", break_end = "13:30", break_min = 45 }
[[crews.lend]]
crews = ["A", "B"]
to_depot = [-6.7400, 108.5200]
"""
    doc = json.loads(run(live, body).document)
    routes = {r["crew_id"]: r for r in doc["routes"]}
    assert routes["X"]["members"] == ["X1", "X2"]
    assert routes["X"]["break"]["minutes"] == 45
    for crew_id in ("A", "B"):
        first, last = routes[crew_id]["steps"][0], routes[crew_id]["steps"][-1]
        assert (first["lat"], first["lon"]) == (last["lat"], last["lon"]) == (-6.74, 108.52)
    assert (routes["X"]["steps"][0]["lat"], routes["X"]["steps"][0]["lon"]) == (-6.7596, 108.4812)


def test_added_ticket_gets_category_defaults(live: str) -> None:
    """A line-down ticket added by the scenario is P1, needs mv, is outdoor, and is planned."""
    row = run(
        live,
        "[[tickets.add]]\nticket_id = 'N1'\nreported_at = 2026-11-29T20:00:00+07:00\ncategory = 'line_down'\n"
        "lat = -6.7060\nlon = 108.5570\ncustomers_affected = 40",
    )
    assert "N1" in served(row)
    assert json.loads(row.kpis)["tickets_p1"] == 3


def test_policy_values_apply_on_top_of_the_live_policy(live: str) -> None:
    """[policy] values change a copy of the live policy; other live values are kept."""
    live_policy = Policy().with_overrides({"exposure.max_exposure_min_per_shift": 100.0})
    sc = scenario('[policy]\n"exposure.max_homes_per_shift" = 2\n[policy.solver]\nwait_weight = 2')
    applied = apply_scenario(sc, load_live_inputs(live, day=DAY, policy=live_policy), live_policy)
    assert applied.policy.exposure.max_homes_per_shift == 2
    assert applied.policy.exposure.max_exposure_min_per_shift == 100.0
    assert applied.policy.solver.wait_weight == 2
    assert live_policy.exposure.max_homes_per_shift == 8


# ------------------------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("colour = 'red'", "test.toml: colour: unknown key"),
        ("[crews]\nremvoe = ['A']", "test.toml: crews.remvoe: unknown key"),
        ('[policy]\n"exposure.max_homes" = 6', "test.toml: policy.exposure.max_homes: no such policy value"),
        ('[policy]\n"exposure.max_homes_per_shift" = "six"', "policy.exposure.max_homes_per_shift: expected a whole"),
        ("[shifts]\nhours = 30", "test.toml: shifts.hours: must be at most 24"),
        ("[shifts]\nstart = '7am'", "test.toml: shifts.start: expected a local time"),
        ("[shifts]\ncrews = ['A']", "test.toml: shifts: changes nothing"),
        ("[[tickets.surge]]\nn = 3\nfactor = 2.0", "test.toml: tickets.surge[1]: give n"),
        ("[[tickets.surge]]\nn = -1", "test.toml: tickets.surge[1].n: must be at least 0"),
        ("[[tickets.surge]]\nn = 3\nzone = 'Red'\naround = [-6.7, 108.5]", "tickets.surge[1].zone: give a zone or"),
        ("[[tickets.surge]]\nn = 3\naround = [-5.9, 108.5]", "tickets.surge[1].around: [-5.9, 108.5] is not on land"),
        ("[[tickets.add]]\nticket_id = 'N'", "test.toml: tickets.add[1].category: required"),
        ("[[crews.add]]\ncrew_id = 'X'\nmembers = ['X1']", "test.toml: crews.add[1].depot: required"),
        ("[[crews.add]]\ncrew_id = 'X'\ndepot = [-6.7, 108.5]\nmembers = ['X1']\nvehicle = 'truck'\n"
         "shift = { start = '07:00', end = '15:00' }", "crews.add[1].vehicle: expected one of car, motorcycle"),
        ("[[crews.lend]]\ncrews = ['A']", "test.toml: crews.lend[1]: give to_depot"),
        ("[[zones.change]]\nname = 'Red'\nrisk_weight = -1", "zones.change[1].risk_weight: must be at least 0"),
        ("[members]\nquarantine = 'A1'\nwho = 1", "test.toml: members.who: unknown key"),
    ],
)  # fmt: skip
def test_bad_scenario_files_name_file_key_and_problem(body: str, expected: str) -> None:
    """Every bad key or value is an error naming the file, the key and what is wrong."""
    with pytest.raises(ScenarioError) as caught:
        scenario(body)
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_every_problem_is_reported_and_toml_errors_are_clear() -> None:
    """All problems of a file come at once; broken TOML and a missing name are reported too."""
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("[shifts]\nhours = 0\n[crews]\nremove = 5\n", source="s.toml")
    assert len(caught.value.problems) == 3  # name, shifts.hours, crews.remove
    assert caught.value.problems[0] == "s.toml: name: required"
    with pytest.raises(ScenarioError, match="s.toml: not valid TOML"):
        parse_scenario("name = ", source="s.toml")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("[crews]\nremove = ['Z']", "test.toml: crews.remove[1]: no crew 'Z' (known: A, B)"),
        ("[members]\nquarantine = ['Q9']", "test.toml: members.quarantine: no crew member 'Q9'"),
        ("[[zones.change]]\nname = 'Blue'\nclosed = true", "test.toml: zones.change[1].name: no zone 'Blue'"),
        ("[[tickets.surge]]\nn = 2\nzone = 'Blue'", "test.toml: tickets.surge[1].zone: no zone 'Blue'"),
        ("[[tickets.add]]\nticket_id = 'T1'\nreported_at = 2026-11-29T20:00:00+07:00\ncategory = 'meter'\n"
         "lat = -6.7\nlon = 108.55", "tickets.add[1].ticket_id: ticket 'T1' already exists"),
        ("[[tickets.add]]\nticket_id = 'N'\nreported_at = 'yesterday'\ncategory = 'meter'\nlat = -6.7\nlon = 108.55",
         "tickets.add[1].reported_at: expected an ISO 8601"),
        ("[[crews.add]]\ncrew_id = 'X'\ndepot = [-6.7, 108.5]\nmembers = ['A1']\n"
         "shift = { start = '07:00', end = '15:00' }",
         "crews.add[1].members: A1 already in crew A"),
        ("[[shifts]]\ncrews = ['Z']\nhours = 9", "shifts[1].crews: no crew 'Z'"),
    ],
)  # fmt: skip
def test_changes_naming_unknown_things_are_errors(live: str, body: str, expected: str) -> None:
    """A change naming a crew, member, zone or ticket the live data lacks (or already has) is an error, not ignored."""
    inputs = load_live_inputs(live, day=DAY, policy=Policy())
    with pytest.raises(ScenarioError) as caught:
        apply_scenario(scenario(body), inputs, Policy())
    assert any(expected in p for p in caught.value.problems), caught.value.problems


def test_nothing_to_plan_is_an_error(engine: Engine, database_url: str) -> None:
    """A base date without open tickets (a wrong database or date) is an error unless the scenario adds some."""
    seed(engine, crew("A", "lv", ["A1", "A2"]))
    with pytest.raises(ScenarioError, match="nothing to plan: no open tickets on 2026-11-30"):
        run(database_url, "")
    assert json.loads(run(database_url, "[[tickets.surge]]\nn = 2").kpis)["tickets"] == 2


# ------------------------------------------------------------------------------------ compare and sweep


def test_parse_set_ranges_and_lists() -> None:
    """--set takes inclusive whole ranges, stepped ranges and lists, checked against the policy."""
    assert parse_set("exposure.max_homes_per_shift=4..12") == ("exposure.max_homes_per_shift", list(range(4, 13)))
    assert parse_set("exposure.max_homes_per_shift=4..12:4")[1] == [4, 8, 12]
    assert parse_set("travel.circuity=1.2..1.5:0.1")[1] == [1.2, 1.3, 1.4, 1.5]
    assert parse_set("storm.enabled=true,false")[1] == [True, False]
    assert len(grid([parse_set("exposure.max_homes_per_shift=4..6"), parse_set("storm.enabled=true,false")])) == 6
    for bad, message in [
        ("exposure.max_homes_per_shift", "expected KEY=VALUES"),
        ("exposure.max_homes=4..6", "no such policy value"),
        ("exposure.max_homes_per_shift=6..4", "LOW <= HIGH"),
        ("exposure.max_homes_per_shift=4.5,5", "expected a whole number"),
    ]:
        with pytest.raises(ScenarioError, match=message):
            parse_set(bad)


def test_pareto_front_keeps_the_points_nothing_beats() -> None:
    """A point beaten on every count is off the front; a trade-off and an exact tie stay on it."""

    def k(served: int, p1: int, homes: int, exposure: float) -> ScenarioKpis:
        return ScenarioKpis(served=served, p1_within_target=p1, homes_per_worker_max=homes,
                            exposure_min_per_worker_max=exposure)  # fmt: skip

    points = [k(10, 2, 4, 60), k(12, 2, 6, 90), k(9, 1, 6, 90), k(12, 2, 6, 90)]
    assert pareto_front(points) == {0, 1, 3}


def test_comparison_gives_deltas_against_the_base(live: str, world: Engine) -> None:
    """compare puts the base first and each other run's KPIs as value and delta, reasons included."""
    base = StoredRun.of(run(live, ""))
    other = StoredRun.of(run(live, "[crews]\nremove = ['A']"))
    result = comparison([base, other])
    rows = {r["kpi"]: r for r in result["rows"]}
    assert rows["served"]["values"] == [base.kpis.served, other.kpis.served]
    assert rows["served"]["deltas"] == [other.kpis.served - base.kpis.served]
    assert rows["unassigned:no_skilled_crew"]["values"][1] == 2
    assert rows["crews_on_shift"]["deltas"] == [-1]


def test_sweep_runs_the_grid_and_stores_every_point(live: str, world: Engine, tmp_path: Path) -> None:
    """A 3-point sweep in 2 processes stores 3 runs with their set values, in grid order, and draws a chart."""
    seen: list[int] = []
    result = run_sweep(
        live,
        scenario(""),
        [parse_set("exposure.max_homes_per_shift=0..2")],
        policy=Policy(),
        solution_limit=SOLUTIONS,
        jobs=2,
        on_done=lambda i, _run: seen.append(i),
    )
    assert sorted(seen) == [0, 1, 2]
    table = result.table()
    assert [r["exposure.max_homes_per_shift"] for r in table] == [0, 1, 2]
    assert [r["served"] for r in table] == sorted(r["served"] for r in table)
    assert table[0]["homes_entered"] == 0
    assert stored_runs(world) == 3
    from dispatch.scenarios.charts import draw_sweep
    from dispatch.scenarios.sweep import write_sweep_csv

    assert write_sweep_csv(result, tmp_path / "s.csv").read_text().count("\n") == 4
    assert draw_sweep(result, tmp_path / "s.png").read_bytes()[:4] == b"\x89PNG"


# ------------------------------------------------------------------------------------ CLI


@pytest.fixture
def cli(live: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISPATCH_POLICY", raising=False)

    def invoke(*args: str) -> Any:
        return runner.invoke(scenario_app, list(args), env={"DISPATCH_DATABASE_URL": live, "DISPATCH_POLICY": ""})

    return invoke


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\nbase_date = 2026-11-30\n{body}', encoding="utf-8")
    return path


def test_cli_run_list_show_compare(cli: Callable[..., Any], tmp_path: Path) -> None:
    """run stores a run, list and show find it by id or name, compare runs a file and prints deltas and a PNG."""
    base = write(tmp_path, "base", "")
    result = cli("run", str(base), "--solutions", "30", "--json")
    assert result.exit_code == 0, result.output
    stored = json.loads(result.stdout)
    assert stored["name"] == "base" and stored["solution_limit"] == 30
    assert json.loads(cli("list", "--json").stdout)[0]["id"] == stored["id"]
    shown = json.loads(cli("show", "base", "--json", "--plan").stdout)
    assert shown["kpis"] == stored["kpis"] and shown["plan"]["routes"]
    assert "KPIs" in cli("show", str(stored["id"])).stdout
    no_mv = write(tmp_path, "no-mv", "[[crews.remove]]\nskill = 'mv'")
    result = cli("compare", "base", str(no_mv), "--solutions", "30", "--png", "c.png")
    assert result.exit_code == 0, result.output
    assert "unassigned: No crew has the required skills" in result.stdout and "no-mv" in result.stdout
    assert "crews removed: A (skill mv): 2 fewer served" in result.stdout  # the one-line answer
    assert "limits reached: home cap" in result.stdout and "hours with no crew skilled for hazards: mv" in result.stdout
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    result = cli("compare", "base", "no-mv", "--json")
    rows = {r["kpi"]: r for r in json.loads(result.stdout)["rows"]}
    assert rows["crews_on_shift"]["deltas"] == [-1]


def test_cli_sweep_writes_csv_and_chart(cli: Callable[..., Any], tmp_path: Path) -> None:
    """sweep prints the grid, writes the CSV and the PNG, and stores every point."""
    path = write(tmp_path, "caps", "")
    result = cli("sweep", str(path), "--set", "exposure.max_homes_per_shift=1..2", "--solutions", "20", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sweep-caps.csv").read_text().startswith("exposure.max_homes_per_shift,run_id,served")
    assert (tmp_path / "sweep-caps.png").exists()
    assert "exposure.max_homes_per_shift 1 instead of 2:" in result.stdout
    assert "served by priority never falls when exposure.max_homes_per_shift loosens" in result.stdout
    assert len(json.loads(cli("list", "--json").stdout)) == 2


def test_cli_errors_go_to_stderr_with_exit_1(cli: Callable[..., Any], tmp_path: Path) -> None:
    """A bad file, an unknown stored run and a bad --set fail with exit 1 and a message on stderr."""
    bad = write(tmp_path, "bad", "[crews]\nremove = ['Z']")
    result = cli("run", str(bad))
    assert result.exit_code == 1 and "crews.remove[1]: no crew 'Z'" in result.stderr
    result = cli("show", "nothing-like-this")
    assert result.exit_code == 1 and "no stored scenario run" in result.stderr
    result = cli("sweep", str(bad), "--set", "exposure.nope=1..2")
    assert result.exit_code == 1 and "no such policy value" in result.stderr
    result = cli("validate", str(tmp_path / "missing.toml"))
    assert result.exit_code == 1 and "file not found" in result.stderr
    missing = runner.invoke(scenario_app, ["list"], env={"DISPATCH_DATABASE_URL": f"sqlite:///{tmp_path}/none.db"})
    assert missing.exit_code == 1 and "none.db not found" in missing.stderr
    assert not (tmp_path / "none.db").exists()
    good = write(tmp_path, "ok", "[shifts]\nhours = 9")
    assert "shifts changed (9 h): A, B" in cli("validate", str(good)).stdout


def test_example_scenarios_are_valid() -> None:
    """Every scenario file shipped in data/scenarios parses."""
    files = sorted(Path(__file__).resolve().parents[2].joinpath("data", "scenarios").glob("*.toml"))
    assert len(files) >= 5
    for path in files:
        parse_scenario(path.read_text(encoding="utf-8"), source=str(path))


# ------------------------------------------------------------------------------------ CLI in both languages

KPI_LABELS_EN = [label.strip() for _, label, _ in KPI_ROWS]
PLAN_DOC = Path(__file__).parent / "sheets" / "fixture_plan.json"


def stored(name: str, kpis: ScenarioKpis, *, sweep: str | None = None) -> ScenarioRunRow:
    """A finished run as the table keeps it, without planning: counts, no changes, the given KPIs."""
    summary = {"base": {"tickets": 1500, "crews": 40, "crews_with_shift": 38}, "tickets": 1500, "crews": 40,
               "crews_with_shift": 38, "changes": [], "policy": {}}  # fmt: skip
    return ScenarioRunRow(
        name=name, scenario_text="", base_date=DAY, inputs_summary=json.dumps(summary),
        document=PLAN_DOC.read_text(encoding="utf-8"), kpis=json.dumps(kpis.to_json()), sweep=sweep,
        solution_limit=30, wall_time_s=12.5, created_at=NOW,
    )  # fmt: skip


@pytest.fixture
def two_runs(engine: Engine, database_url: str) -> Callable[..., Any]:
    """Two stored runs (#1 base, #2 fewer-crews) with four- and five-digit KPIs, and a CLI on them."""
    base = ScenarioKpis(tickets=1500, served=1250, served_p1=40, tickets_p1=45, p1_within_target=38, km=1234.5,
                        customer_minutes_waited=123456, unassigned=250,
                        unassigned_by_reason={"no_skilled_crew": 2, "capacity": 248})  # fmt: skip
    other = dataclasses.replace(base, served=1200, km=1100.25, unassigned=300,
                                unassigned_by_reason={"no_skilled_crew": 52, "capacity": 248})  # fmt: skip
    seed(engine, [stored("base", base), stored("fewer-crews", other, sweep="s1")])

    def invoke(*args: str) -> Any:
        env = {"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": "", "COLUMNS": "250"}
        result = runner.invoke(scenario_app, list(args), env=env)
        assert result.exit_code == 0, result.output
        return result.stdout

    return invoke


def english_labels_in(out: str) -> list[str]:
    return [label for label in KPI_LABELS_EN if label in out]


def test_show_in_indonesian_words_header_and_kpis_through_the_table(two_runs: Callable[..., Any]) -> None:
    """`scenario show --lang id` prints the header lines, KPI table, P1 suffix and unassigned reasons in
    Indonesian with local number style, and no English KPI label."""
    out = two_runs("show", "1", "--lang", "id")
    assert "Uji skenario #1 base pada 2026-11-30 (30 solusi, 12,5 dtk)" in out
    assert "Data aktual: 1500 tiket terbuka, 40 regu (38 punya shift). Skenario: 1500 tiket" in out
    assert "tanpa perubahan (data aktual apa adanya)" in out and "Indikator kinerja (KPI)" in out
    assert "P1 dalam target respons" in out and "38 dari 40 dilayani (45 terbuka)" in out
    assert "tidak ditugaskan: Tidak ada regu dengan keahlian yang diperlukan" in out
    assert "1.234,5" in out and "123.456" in out
    assert english_labels_in(out) == [] and "KPIs" not in out and "Live data" not in out


def test_show_in_english_keeps_the_english_wording(two_runs: Callable[..., Any]) -> None:
    """`scenario show --lang en` (the default) prints every English KPI label and English number style."""
    out = two_runs("show", "1")
    assert out == two_runs("show", "1", "--lang", "en")
    assert "Scenario run #1 base on 2026-11-30 (30 solutions, 12.5 s)" in out
    assert "Live data: 1500 open tickets, 40 crews (38 with a shift)." in out and "no changes" in out
    assert "38 of 40 served (45 open)" in out and "unassigned: No crew has the required skills" in out
    assert "1,234.5" in out and "123,456" in out
    assert english_labels_in(out) == KPI_LABELS_EN


def test_list_in_both_languages(two_runs: Callable[..., Any]) -> None:
    """`scenario list` titles and heads its table in the language asked for."""
    out = two_runs("list", "--lang", "id")
    assert "Uji skenario" in out and "tanggal dasar" in out and "P1 tepat waktu" in out and "1.234,5" in out
    assert "Scenario runs" not in out and "base date" not in out and "unassigned" not in out
    out = two_runs("list")
    assert "Scenario runs" in out and "base date" in out and "P1 on time" in out and "1,234.5" in out


def test_empty_list_says_so_in_both_languages(engine: Engine, database_url: str) -> None:
    """With no stored run, `scenario list` says so in Indonesian or English."""
    env = {"DISPATCH_DATABASE_URL": database_url, "DISPATCH_POLICY": ""}
    out = runner.invoke(scenario_app, ["list", "--lang", "id"], env=env).stdout
    assert out.startswith("Belum ada uji skenario: coba `dispatch scenario run FILE`.")
    assert runner.invoke(scenario_app, ["list"], env=env).stdout.startswith("No scenario runs yet")


def test_compare_in_indonesian_words_the_table_and_the_chart_line(two_runs: Callable[..., Any], tmp_path: Path) -> None:
    """`scenario compare --lang id` titles and labels the table (reasons worded) and the chart line in Indonesian,
    with no English KPI label."""
    out = two_runs("compare", "1", "2", "--lang", "id", "--png", str(tmp_path / "c.png"))
    assert "Perbandingan skenario (dasar: #1 base)" in out and "tiket dilayani" in out
    assert "tidak ditugaskan: Tidak ada regu dengan keahlian yang diperlukan" in out
    assert f"Grafik: {tmp_path / 'c.png'}" in out and "1.100,25" in out
    assert english_labels_in(out) == [] and "Chart:" not in out and "no_skilled_crew" not in out
    out = two_runs("compare", "1", "2")
    assert "Scenario comparison (base: #1 base)" in out and "1,100.25" in out
    assert english_labels_in(out) == KPI_LABELS_EN and "unassigned: No crew has the required skills" in out


def test_json_is_the_same_in_either_language(two_runs: Callable[..., Any]) -> None:
    """--json is not translated: show and list are the same in id and en, compare's rows keep the English labels."""
    for args in (("show", "1"), ("list",)):
        assert two_runs(*args, "--json", "--lang", "id") == two_runs(*args, "--json")
    rows = [json.loads(two_runs("compare", "1", "2", "--json", "--lang", lang))["rows"] for lang in ("id", "en")]
    assert rows[0] == rows[1]
    assert [r["label"] for r in rows[0]] == [*KPI_LABELS_EN, "unassigned: capacity", "unassigned: no_skilled_crew"]


def test_sweep_table_and_footer_in_both_languages(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep table's headings and footer follow --lang; the swept values stay as typed in --set."""
    from types import SimpleNamespace

    from dispatch.commands.scenario_view import print_sweep

    monkeypatch.setenv("COLUMNS", "300")
    result: Any = SimpleNamespace(keys=["solver.x"], sweep="s1", wall_time=3.25, jobs=2)
    row = {"solver.x": 0.5, "run_id": 7, "served": 10, "served_p1": 1, "served_p2": 2, "served_p3": 3, "served_p4": 4,
           "p1_within_target": 1, "customer_minutes_waited": 1234, "customers_unserved": 5, "km": 12.5,
           "crew_hours": 7.5, "homes_per_worker_max": 3, "exposure_min_per_worker_max": 40.5, "workers": 4,
           "workers_at_home_cap": 1, "workers_at_exposure_cap": 0, "crews_out_of_shift_time": 0,
           "crews_with_visits": 2, "unassigned": 2, "pareto": True}  # fmt: skip
    print_sweep(result, [row], csv_path=Path("s.csv"), png=Path("s.png"), lang="id")
    out = capsys.readouterr().out
    assert "Uji rentang s1" in out and "P1 tepat waktu" in out and "habis jam shift" in out and "0.5" in out
    assert "1.234" in out and "12,5" in out and "1 rencana dalam 3,2 dtk  pada 2 slot proses." in out
    assert "Grafik: s.png" in out and "served" not in out and "Chart" not in out
    print_sweep(result, [row], csv_path=Path("s.csv"), png=Path("s.png"), lang="en")
    out = capsys.readouterr().out
    assert "Sweep s1" in out and "out of shift time" in out and "1 plans in 3.2 s  on 2 worker slots." in out
