"""SQLModel tables, one module per aggregate.

Importing this package registers every table on ``SQLModel.metadata`` (Alembic's autogenerate and
the schema tests compare the database against it), so every models module is imported here
explicitly: add a line for each new one, even if nothing is re-exported from it. A change to a
table here ships with an Alembic revision (``dispatch/store/migrations/README.md``).
"""

import dispatch.store.models.assets  # noqa: F401  (registers its tables)
import dispatch.store.models.exposure  # noqa: F401  (registers its tables)
import dispatch.store.models.field  # noqa: F401  (registers its tables)
import dispatch.store.models.intraday  # noqa: F401  (registers its tables)
import dispatch.store.models.scenarios  # noqa: F401  (registers its tables)
from dispatch.core.plan import PlanKind, PlanStatus
from dispatch.store.models.crews import CrewMemberRow, CrewRow, ShiftRow, load_crews, load_shifts
from dispatch.store.models.plans import PlanRow, PlanUnassignedRow, PlanVisitRow
from dispatch.store.models.tickets import (
    STATUS_CLOSED,
    STATUS_MERGED,
    STATUS_OPEN,
    GeocodeCacheRow,
    TicketRow,
    TicketSource,
    load_open_tickets,
    unlocated_open_ticket_ids,
)
from dispatch.store.models.zones import ZoneRow, load_zones

__all__ = [
    "STATUS_CLOSED",
    "STATUS_MERGED",
    "STATUS_OPEN",
    "CrewMemberRow",
    "CrewRow",
    "GeocodeCacheRow",
    "ShiftRow",
    "TicketRow",
    "TicketSource",
    "ZoneRow",
    "load_crews",
    "load_open_tickets",
    "load_shifts",
    "load_zones",
    "PlanKind",
    "PlanRow",
    "PlanStatus",
    "PlanUnassignedRow",
    "PlanVisitRow",
    "unlocated_open_ticket_ids",
]
