"""The crew service's use cases: a report recorded, a crew's page read, links issued or reissued.

Each runs in one transaction (committed once, here). ``dispatch serve`` calls them for every request;
``dispatch crews links`` for the links.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from dispatch.core.policy import Policy
from dispatch.field.errors import Refused, ReportProblem
from dispatch.field.links import CrewLink, check_token, crew_links, reissue_link
from dispatch.field.reports import CrewReport, ReportResult, published_plan_id, record_report
from dispatch.field.view import CrewView, crew_view
from dispatch.store.db import session_scope


def submit_report(engine: Engine, *, token: str, report: CrewReport, now: dt.datetime, policy: Policy) -> ReportResult:
    """Record a crew's report sent with ``token``; a resend (same report id) is answered, not applied again,
    also when both copies arrive at once (the second waits for the first and finds it stored)."""
    for attempt in range(2):
        try:
            with session_scope(engine) as session:
                link = check_token(session, token=token, now=now)
                return record_report(session, link=link, report=report, now=now, policy=policy)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class CrewPage:
    """Whose link it is, and its crew's view (None: no published plan routes the crew yet)."""

    crew_id: str
    day: dt.date
    view: CrewView | None


def submit_reports(
    engine: Engine, *, items: Sequence[tuple[str, CrewReport]], now: dt.datetime, policy: Policy
) -> list[ReportResult | Refused | ReportProblem]:
    """Record several reports, each sent with its token, in one transaction: one commit (one sync of the disk)
    for all, each report in a savepoint of its own, so one that is refused leaves the others recorded.
    Returns, in order, each report's result or why it was refused. The server batches what arrives at once."""
    out: list[ReportResult | Refused | ReportProblem] = []
    with session_scope(engine) as session:
        for token, report in items:
            try:
                with session.begin_nested():
                    link = check_token(session, token=token, now=now)
                    out.append(record_report(session, link=link, report=report, now=now, policy=policy))
            except (Refused, ReportProblem) as exc:
                out.append(exc)
            except IntegrityError:  # the same report stored by another process meanwhile: answer from it
                link = check_token(session, token=token, now=now)
                out.append(record_report(session, link=link, report=report, now=now, policy=policy))
    return out


def read_crew_view(
    engine: Engine, *, token: str, now: dt.datetime, policy: Policy, lang: str, since: int | None = None
) -> CrewPage:
    """The page of the crew of ``token``; ``since``: the plan id the phone shows (to say what changed)."""
    with session_scope(engine) as session:
        link = check_token(session, token=token, now=now)
        view = crew_view(session, link=link, policy=policy, lang=lang, since=since)
        return CrewPage(link.crew_id, link.day, view)


def current_plan_id(engine: Engine, *, token: str, now: dt.datetime) -> int | None:
    """The id of the published plan of the token's shift date: what a phone polls to learn of a revision."""
    with session_scope(engine) as session:
        link = check_token(session, token=token, now=now)
        return published_plan_id(session, day=link.day)


def issue_links(engine: Engine, *, day: dt.date, base_url: str, now: dt.datetime) -> list[CrewLink]:
    """Every crew's link for its shift of ``day`` (the same ones on every call while they are valid)."""
    with session_scope(engine) as session:
        return crew_links(session, day=day, base_url=base_url, now=now)


def revoke_link(engine: Engine, *, crew_id: str, day: dt.date, base_url: str, now: dt.datetime) -> CrewLink:
    """Revoke a crew's link of ``day`` (a lost phone) and issue a new one."""
    with session_scope(engine) as session:
        return reissue_link(session, crew_id=crew_id, day=day, base_url=base_url, now=now)
