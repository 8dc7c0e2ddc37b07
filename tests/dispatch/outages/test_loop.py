"""Closing the loop through the database: plan -> asset job -> restored -> a still-dark customer is a home
visit again; the dispatcher's list, dismiss and planned outages; a grouped ticket's ETA is the job's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from cli import app
from dispatch.core.policy import Policy
from dispatch.store.models.tickets import TicketRow
from dispatch.usecases.nightly import run_plan
from tests.dispatch.outages.network import DAY, WIB

NOW = dt.datetime(2026, 11, 30, 7, tzinfo=WIB)
FILES = {
    "assets": "asset_id,kind,lat,lon,parent_id,customers,name\nF1,feeder_section,-6.70,108.55,,500,Feeder 1\n"
    "S1,feeder_section,-6.71,108.55,F1,100,\nTR1,transformer,-6.712,108.552,S1,40,Gardu 1\n"
    "TR2,transformer,-6.714,108.548,S1,60,\nTR3,transformer,-6.688,108.562,F1,50,Gardu 3\n",
    "crews": "crew_id,name,depot_lat,depot_lon,skills,vehicle,members\nC1,Regu 1,-6.70,108.55,lv;mv,car,M1;M2\n",
    "shifts": f"crew_id,date,start,end\nC1,{DAY},08:00,16:00\n",
    "tickets": "ticket_id,reported_at,category,lat,lon,customer_id,transformer_id\n"
    + "".join(f"A{i},{DAY}T06:0{i},no_power,-6.71{i},108.552,K{i},TR1\n" for i in range(1, 4))
    + f"L1,{DAY}T06:30,no_power,-6.689,108.562,K9,TR3\n",
}


def cli(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"DISPATCH_DATABASE_URL": url, "DISPATCH_POLICY": ""})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def region(engine: Engine, database_url: str, tmp_path: Path) -> str:
    for what, text in FILES.items():
        (tmp_path / f"{what}.csv").write_text(text, encoding="utf-8")
        cli(database_url, "import", what, str(tmp_path / f"{what}.csv"))
    return database_url


def plan(engine: Engine):
    return run_plan(engine=engine, day=DAY, policy=Policy(), time_limit=None, reproducible=True, now=NOW).plan


def test_restored_outage_with_a_still_dark_customer_is_a_home_visit_again(engine: Engine, region: str) -> None:
    """A1-A3 grouped at TR1; restored with A2 still dark: A1, A3 close, and the next plan visits A2 at home."""
    first = plan(engine)
    (o,) = first.outages or ()
    assert o.tickets == ("A1", "A2", "A3") and o.job_ticket_id in first.served_ticket_ids()
    listed = json.loads(cli(region, "outages", "list", "--date", str(DAY), "--json"))
    assert [(x["outage_id"], x["status"], x["tickets"]) for x in listed] == [(o.outage_id, "open", ["A1", "A2", "A3"])]
    done = json.loads(cli(region, "outages", "restore", o.outage_id, "--at", f"{DAY}T10:00", "--still-dark", "A2",
                          "--json"))  # fmt: skip
    assert (done["closed"], done["still_dark"]) == (["A1", "A3"], ["A2"])
    with Session(engine) as session:
        assert [session.get(TicketRow, t).status for t in ("A1", "A2", "A3", o.job_ticket_id)] == [
            "closed", "open", "closed", "closed"]  # fmt: skip
    second = plan(engine)
    assert second.outages == ()
    visit = next(s for _, s in second.visits() if s.ticket_id == "A2")
    assert visit.indoor


def test_asset_job_reported_fixed_closes_its_tickets(engine: Engine, region: str) -> None:
    """A crew recording the asset job fixed restores the outage: its three tickets close."""
    first = plan(engine)
    (o,) = first.outages or ()
    step = next(s for _, s in first.visits() if s.ticket_id == o.job_ticket_id)
    cli(region, "plan", "publish", "--date", str(DAY))
    times = ["--arrived", step.arrival.isoformat()[:19], "--left", step.end.isoformat()[:19]]
    cli(region, "visits", "record", "--ticket", o.job_ticket_id or "", "--crew", "C1", *times, "--outcome", "fixed",
        "--no-entered-home")  # fmt: skip
    with Session(engine) as session:
        assert [session.get(TicketRow, t).status for t in ("A1", "A2", "A3")] == ["closed"] * 3


def test_grouped_ticket_eta_is_the_asset_jobs(engine: Engine, region: str, tmp_path: Path) -> None:
    """`tickets eta A2` answers with the window of the asset job that restores A2's power; the crew's sheet
    shows the asset job with the customers behind it, in English and Indonesian."""
    first = plan(engine)
    (o,) = first.outages or ()
    cli(region, "plan", "publish", "--date", str(DAY))
    eta = json.loads(cli(region, "tickets", "eta", "A2", "--json"))
    job = json.loads(cli(region, "tickets", "eta", o.job_ticket_id or "", "--json"))
    assert (eta["ticket_id"], eta["outage_id"], eta["job_ticket_id"]) == ("A2", o.outage_id, o.job_ticket_id)
    assert eta["window_start"] == job["window_start"] and eta["asset_id"] == "TR1"
    notice = cli(region, "tickets", "eta", "A2", "--lang", "id")
    assert "Padam meluas" in notice and "TR1" in notice and "tidak perlu datang ke rumah" in notice
    for lang, words in (("en", "WIDE OUTAGE at TR1: 40 customers wait"), ("id", "PADAM MELUAS di TR1: 40 pelanggan")):
        cli(region, "sheets", "--date", str(DAY), "--lang", lang, "--out", str(tmp_path / lang))
        assert words in (tmp_path / lang / "C1.html").read_text(encoding="utf-8")


def test_dismissed_and_planned_outages(engine: Engine, region: str) -> None:
    """Dismissed: the three reports are home visits at the next plan. A planned outage on F1 absorbs every
    report below it and sends nobody."""
    (o,) = plan(engine).outages or ()
    cli(region, "outages", "dismiss", o.outage_id, "--note", "SCADA says TR1 is fine")
    again = plan(engine)
    assert again.outages == () and {"A1", "A2", "A3"} <= set(
        again.served_ticket_ids() + [u.ticket_id for u in again.unassigned]
    )
    cli(region, "outages", "declare", "F1", "--date", str(DAY), "--planned", "--start", "00:00", "--end", "23:59")
    planned = plan(engine)
    assert [(x.asset_id, x.job_ticket_id, len(x.tickets)) for x in planned.outages or ()] == [("F1", None, 4)]
    assert planned.served_ticket_ids() == []


def test_a_restore_time_in_the_future_is_refused(engine: Engine, region: str) -> None:
    """`outages restore --at` later than now (beyond the clock skew) is an error and closes nothing."""
    (o,) = plan(engine).outages or ()
    later = (dt.datetime.now(WIB) + dt.timedelta(hours=2)).isoformat(timespec="minutes")
    result = CliRunner().invoke(app, ["outages", "restore", o.outage_id, "--at", later],
                                env={"DISPATCH_DATABASE_URL": region, "DISPATCH_POLICY": ""})  # fmt: skip
    assert result.exit_code == 1 and "is in the future" in result.output, result.output
    with Session(engine) as session:
        assert session.get(TicketRow, "A1").status == "open"  # type: ignore[union-attr]


def test_a_grouped_ticket_whose_asset_job_is_unassigned_is_not_planned_today(engine: Engine, region: str) -> None:
    """A transformer job longer than the 8-hour shift is unassigned: `tickets eta A2` says not planned
    today with the job's reason (it said 'in no published plan yet'), in Indonesian as the dispatcher reads it."""
    policy = Policy().with_overrides({"outage.service_min.transformer": 600})
    run_plan(engine=engine, day=DAY, policy=policy, time_limit=None, reproducible=True, now=NOW)
    cli(region, "plan", "publish", "--date", str(DAY))
    eta = json.loads(cli(region, "tickets", "eta", "A2", "--json"))
    assert (eta["status"], eta["reason"]) == ("not_planned", "shift_too_short")
    assert eta["detail"].startswith("asset job JOB-")
    text = cli(region, "tickets", "eta", "A2")
    assert "pekerjaan aset JOB-20261130-TR1 dari padam OUT-20261130-TR1:" in text and "asset job" not in text


def test_outage_views_speak_indonesian_by_default_and_english_when_asked(engine: Engine, region: str) -> None:
    """`outages list`, `dismiss`, `declare` and `restore` answer in Bahasa Indonesia (the grouped ticket's
    ETA too), and in English with --lang en."""
    (o,) = plan(engine).outages or ()
    cli(region, "plan", "publish", "--date", str(DAY))
    listed = cli(region, "outages", "list", "--date", str(DAY))
    assert "Padam meluas" in listed and "disimpulkan" in listed and "terbuka" in listed
    assert "open" not in listed and "inferred" not in listed
    english = cli(region, "outages", "list", "--date", str(DAY), "--lang", "en")
    assert "Outages on" in english and "inferred" in english and "open" in english
    assert f"pekerjaan aset {o.job_ticket_id}" in cli(region, "tickets", "eta", "A2")
    assert f"asset job {o.job_ticket_id}" in cli(region, "tickets", "eta", "A2", "--lang", "en")
    restored = cli(region, "outages", "restore", o.outage_id, "--at", f"{DAY}T10:00", "--still-dark", "A2")
    assert f"Padam {o.outage_id}: menyala kembali pukul 10.00; 2 tiket ditutup." in restored
    assert "Masih padam, dikunjungi ke rumah: A2." in restored
    declared = cli(region, "outages", "declare", "F1", "--date", str(DAY), "--lang", "en")
    assert "at F1 (declared)." in declared
    assert "Tidak ada padam meluas pada" in cli(region, "outages", "list", "--date", "2026-12-25")


def test_a_restore_keeps_the_dispatchers_note(engine: Engine, region: str) -> None:
    """A confirmed outage's note survives its restore; plan show names the asset kind in Indonesian."""
    (o,) = plan(engine).outages or ()
    assert "gardu/trafo" in cli(region, "plan", "show", "--date", str(DAY))
    cli(region, "outages", "confirm", o.outage_id, "--note", "SCADA: TR1 trip")
    cli(region, "outages", "restore", o.outage_id, "--at", f"{DAY}T10:00")
    (row,) = json.loads(cli(region, "outages", "list", "--date", str(DAY), "--json"))
    assert row["note"].startswith("SCADA: TR1 trip; restored")


def test_restoring_a_dismissed_outage_is_refused(engine: Engine, region: str) -> None:
    """Dismissed, then restored by mistake: a one-line error, and A1-A3 stay open for home visits."""
    (o,) = plan(engine).outages or ()
    cli(region, "outages", "dismiss", o.outage_id)
    result = CliRunner().invoke(app, ["outages", "restore", o.outage_id, "--at", f"{DAY}T10:00"],
                                env={"DISPATCH_DATABASE_URL": region, "DISPATCH_POLICY": ""})  # fmt: skip
    assert result.exit_code == 1 and "was dismissed: its tickets are home visits" in result.stderr
    with Session(engine) as session:
        assert [session.get(TicketRow, t).status for t in ("A1", "A2", "A3")] == ["open"] * 3  # type: ignore[union-attr]
