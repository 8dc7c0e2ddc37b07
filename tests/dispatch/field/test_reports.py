"""Reports recorded in a batch (what the server does with reports that arrive together): each in a savepoint
of its own, so a refused one leaves the others; a resend in the same batch is answered, not applied twice."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from sqlmodel import Session, select

from dispatch.core.policy import Policy
from dispatch.field.errors import ProblemCode, RefusalReason, Refused, ReportProblem
from dispatch.field.reports import CrewReport, NotDoneReason, ReportResult, ReportStatus
from dispatch.store.models.exposure import ExposureLedgerRow, VisitRecordRow
from dispatch.store.models.field import CrewReportRow
from dispatch.usecases.field import submit_reports
from tests.dispatch.web.conftest import Day, running_day  # noqa: F401  (the fixture)


def test_a_refused_report_leaves_the_rest_of_its_batch(engine: Engine, running_day: Day) -> None:  # noqa: F811
    """Another crew's stop (refused), a time in the future (refused), a done report and its resend: two
    recorded as one report and one visit, the resend answered as a duplicate, the refusals said why."""
    now = dt.datetime.now(dt.UTC)
    c01, c02 = running_day.tokens["C01"], running_day.tokens["C02"]
    done = CrewReport("r1", "T01", ReportStatus.DONE, now - dt.timedelta(minutes=5), entered_home=True)
    results = submit_reports(
        engine,
        items=[
            (c02, CrewReport("x1", "T01", ReportStatus.DONE, now)),
            (c01, done),
            (c01, CrewReport("r2", "T03", ReportStatus.DONE, now + dt.timedelta(hours=1))),
            (c01, done),
            (c01, CrewReport("r3", "T04", ReportStatus.NOT_DONE, now, reason=NotDoneReason.NEEDS_MATERIAL)),
        ],
        now=now,
        policy=Policy(),
    )
    refused, first, future, again, material = results
    assert isinstance(refused, Refused) and refused.reason is RefusalReason.NOT_YOUR_STOP
    assert isinstance(first, ReportResult) and not first.duplicate and first.visit_id is not None
    assert isinstance(future, ReportProblem) and future.code is ProblemCode.FUTURE
    assert isinstance(again, ReportResult) and again.duplicate and again.visit_id == first.visit_id
    assert isinstance(material, ReportResult)
    with Session(engine) as session:
        assert sorted(r.report_id for r in session.exec(select(CrewReportRow))) == ["r1", "r3"]
        visits = {v.ticket_id: v for v in session.exec(select(VisitRecordRow))}
        assert {t: v.outcome for t, v in visits.items()} == {"T01": "fixed", "T04": "needs_material"}
        # Done without an arrival report: it began the planned 40 minutes before; inside 40 x indoor share.
        assert visits["T01"].left_at - visits["T01"].arrived_at == dt.timedelta(minutes=40)
        ledger = session.exec(select(ExposureLedgerRow).where(ExposureLedgerRow.ticket_id == "T01")).all()
        assert {r.in_home_min for r in ledger} == {round(40 * Policy().category.indoor_share, 2)}
