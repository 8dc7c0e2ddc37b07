"""The overrun margin learned from the ledger: how much longer than planned crews stay inside homes.

For each visit done inside a home, the ratio of its actual in-home minutes (the ledger's actual row)
to the planned ones (the ticket's service minutes x ``category.indoor_share``, the one exposure rule)
is one sample of its ticket's category. A plan counts each home entry's exposure times the policy's
``exposure.overrun_quantile`` of its category's samples (never less than 1), so that the crews'
usual overruns stay within the caps; a category with fewer than ``exposure.overrun_min_visits``
samples, or a quantile of 0, keeps no margin."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlmodel import Session, col, select

from dispatch.core.exposure import in_home_minutes
from dispatch.core.policy import Policy
from dispatch.store.models.exposure import ExposureLedgerRow, LedgerSource, VisitRecordRow
from dispatch.store.models.tickets import TicketRow

# Samples older than this many days before the planned day are not used (crews and work change).
OVERRUN_WINDOW_DAYS = 90


def overrun_margins(session: Session, *, day: dt.date, policy: Policy) -> dict[str, float]:
    """Category -> factor (>= 1) the plan of ``day`` multiplies each home entry's exposure by."""
    q = policy.exposure.overrun_quantile
    if q <= 0:
        return {}
    first = day - dt.timedelta(days=OVERRUN_WINDOW_DAYS)
    samples: dict[str, list[float]] = defaultdict(list)
    rows = session.exec(
        select(TicketRow.category, TicketRow.service_min, ExposureLedgerRow.in_home_min)
        .join(VisitRecordRow, col(VisitRecordRow.id) == col(ExposureLedgerRow.visit_id))
        .join(TicketRow, col(TicketRow.ticket_id) == col(VisitRecordRow.ticket_id))
        .where(
            ExposureLedgerRow.source == LedgerSource.ACTUAL.value,
            col(ExposureLedgerRow.day) >= first,
            col(ExposureLedgerRow.day) < day,
            col(VisitRecordRow.entered_home),
        )
        .group_by(col(ExposureLedgerRow.visit_id), col(TicketRow.category), col(TicketRow.service_min),
                  col(ExposureLedgerRow.in_home_min))
    )  # fmt: skip
    for category, service_min, actual in rows:
        planned = in_home_minutes(float(service_min), entered_home=True, policy=policy)
        if planned > 0:
            samples[category].append(float(actual) / planned)
    return {
        c: round(max(1.0, quantile(v, q)), 3)
        for c, v in sorted(samples.items())
        if len(v) >= policy.exposure.overrun_min_visits
    }


def quantile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (linear between closest ranks)."""
    ordered = sorted(values)
    pos = q * (len(ordered) - 1)
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)
