"""Crew links: one secret token per crew and shift, valid until the shift ends; reissued when a phone is lost.

A link reads and reports for its crew and its shift's date only. The token is the last segment of the
crew's URL (``{base}/c/{token}``); it is kept in the database as it is (whoever reads the database reads
the plans it protects anyway), so ``dispatch crews links`` prints the same link every time it runs.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, select

from dispatch.core.plan import StepType
from dispatch.field.errors import FieldError, RefusalReason, Refused
from dispatch.store.models.crews import CrewRow, ShiftRow
from dispatch.store.models.field import CrewLinkRow
from dispatch.store.models.plans import plan_of, published_plan

TOKEN_BYTES = 18  # 24 URL-safe characters, 144 random bits


@dataclass(frozen=True)
class CrewLink:
    """A crew's link for one shift: its token, until when it works, and the URL to send the crew."""

    crew_id: str
    day: dt.date
    token: str
    expires_at: dt.datetime
    url: str

    def to_json(self) -> dict[str, str]:
        return {"crew_id": self.crew_id, "url": self.url}


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/c/{token}"


def shift_ends(session: Session, *, day: dt.date) -> dict[str, dt.datetime]:
    """When each crew's shift of ``day`` ends: the later of its imported shift and its route in the
    published plan (an overtime the dispatcher set included)."""
    ends: dict[str, dt.datetime] = {}
    for row in session.exec(select(ShiftRow).where(ShiftRow.date == day)):
        ends[row.crew_id] = row.end if row.end > row.start else row.end + dt.timedelta(days=1)
    plan_row = published_plan(session, day=day)
    for route in plan_of(plan_row).routes if plan_row is not None else ():
        end = route.end_shift or route.shift.end
        last = next((s.end for s in reversed(route.steps) if s.type is StepType.END), end)
        ends[route.crew_id] = max(end, last, ends.get(route.crew_id, end))
    return ends


def _current(session: Session, *, crew_id: str, day: dt.date, now: dt.datetime) -> CrewLinkRow | None:
    return session.exec(
        select(CrewLinkRow)
        .where(CrewLinkRow.crew_id == crew_id, CrewLinkRow.day == day, col(CrewLinkRow.revoked_at).is_(None))
        .where(col(CrewLinkRow.expires_at) > now)
        .order_by(col(CrewLinkRow.id).desc())
    ).first()


def _issue(session: Session, *, crew_id: str, day: dt.date, expires_at: dt.datetime, now: dt.datetime) -> CrewLinkRow:
    row = CrewLinkRow(
        token=secrets.token_urlsafe(TOKEN_BYTES), crew_id=crew_id, day=day, issued_at=now, expires_at=expires_at
    )
    session.add(row)
    session.flush()
    return row


def crew_links(session: Session, *, day: dt.date, base_url: str, now: dt.datetime) -> list[CrewLink]:
    """Every crew's link for its shift of ``day``: the current one, or a new one for a crew without; a link's
    end follows its shift's (an overtime set since is taken in). Crews without a shift that day get none;
    a shift already over gets none (:class:`FieldError` when no crew has a shift still running)."""
    ends = shift_ends(session, day=day)
    out = []
    for crew_id, end in sorted(ends.items()):
        if end <= now:
            continue
        row = _current(session, crew_id=crew_id, day=day, now=now)
        if row is None:
            row = _issue(session, crew_id=crew_id, day=day, expires_at=end, now=now)
        elif row.expires_at != end:
            row.expires_at = end
            session.add(row)
        out.append(CrewLink(crew_id, day, row.token, row.expires_at, link_url(base_url, row.token)))
    if not out:
        raise FieldError("cli.no_shift_day" if not ends else "cli.shifts_over", day=day.isoformat())
    return out


def reissue_link(session: Session, *, crew_id: str, day: dt.date, base_url: str, now: dt.datetime) -> CrewLink:
    """Revoke the crew's links of ``day`` (a lost phone) and issue a new one."""
    if session.get(CrewRow, crew_id) is None:
        raise FieldError("cli.no_crew", crew_id=crew_id)
    end = shift_ends(session, day=day).get(crew_id)
    if end is None:
        raise FieldError("cli.crew_no_shift", crew_id=crew_id, day=day.isoformat())
    if end <= now:
        raise FieldError("cli.shift_ended", crew_id=crew_id, day=day.isoformat(), end=end.isoformat())
    for row in session.exec(
        select(CrewLinkRow).where(
            CrewLinkRow.crew_id == crew_id, CrewLinkRow.day == day, col(CrewLinkRow.revoked_at).is_(None)
        )
    ):
        row.revoked_at = now
        session.add(row)
    row = _issue(session, crew_id=crew_id, day=day, expires_at=end, now=now)
    return CrewLink(crew_id, day, row.token, row.expires_at, link_url(base_url, row.token))


def check_token(session: Session, *, token: str, now: dt.datetime) -> CrewLinkRow:
    """The link of ``token``, if it may be used now; else :class:`Refused` saying why."""
    row = session.exec(select(CrewLinkRow).where(CrewLinkRow.token == token)).first() if token else None
    if row is None:
        raise Refused(RefusalReason.UNKNOWN_TOKEN, "no such link")
    if row.revoked_at is not None:
        raise Refused(RefusalReason.REVOKED, f"the link of crew {row.crew_id} was revoked", crew_id=row.crew_id)
    if row.expires_at <= now:
        raise Refused(RefusalReason.EXPIRED, f"the link of crew {row.crew_id} expired", crew_id=row.crew_id)
    return row
