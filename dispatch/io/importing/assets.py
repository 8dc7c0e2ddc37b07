"""Importing assets.csv: the distribution network (transformers and feeder sections) tickets link to
through their ``transformer_id``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from dispatch.core.domain import AssetKind
from dispatch.core.policy import Policy
from dispatch.io.importing.rows import ImportReport, _Check, _duplicate, _now, _read_csv, _Row, _settle
from dispatch.store.models.assets import AssetRow, known_asset_ids
from dispatch.store.models.tickets import STATUS_OPEN, TicketRow

ASSET_REQUIRED = ("asset_id", "kind", "lat", "lon", "parent_id", "customers")
ASSET_OPTIONAL = ("name",)
# Customers below one asset: a large feeder section, not a typo's extra digits.
MAX_ASSET_CUSTOMERS = 1_000_000


@dataclass
class _AssetValues:
    row: _Row
    asset_id: str
    fields: dict[str, Any]


def import_assets(
    session: Session,
    path: Path | str,
    *,
    policy: Policy | None = None,
    rejects: Path | str | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import ``assets.csv``: assets are inserted or updated by ``asset_id``.

    ``parent_id`` names the upstream asset (empty at the substation feeder); it must be an asset of this
    file or one already imported, must not be a transformer (nothing hangs below a transformer) and must
    not lead round in a loop. Each problem names its row and field.
    """
    policy = policy or Policy()
    path = Path(path)
    rejects = Path(rejects) if rejects is not None else None
    table = _read_csv(path, required=ASSET_REQUIRED, optional=ASSET_OPTIONAL)
    report = ImportReport(kind="assets", file=table.label)
    parsed: list[_AssetValues] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        values = _check_asset(row, policy=policy)
        if values is not None and not _duplicate(row, "asset_id", values.asset_id, seen):
            parsed.append(values)
    known = {a.asset_id: a for a in session.exec(select(AssetRow))}
    kinds = {a: row.kind for a, row in known.items()} | {v.asset_id: v.fields["kind"] for v in parsed}
    parents = {a: row.parent_id or "" for a, row in known.items()} | {
        v.asset_id: v.fields["parent_id"] or "" for v in parsed
    }
    for values in parsed:
        _check_parent(values, kinds, parents)
    good = {id(row) for row in _settle(table, report, rejects)}
    stamp = _now(now)
    for values in parsed:
        if id(values.row) not in good:
            continue
        asset = known.get(values.asset_id)
        if asset is None:
            session.add(AssetRow(asset_id=values.asset_id, updated_at=stamp, **values.fields))
            report.inserted += 1
        else:
            for name, value in values.fields.items():
                setattr(asset, name, value)
            asset.updated_at = stamp
            report.updated += 1
    session.flush()
    _report_unlinked_tickets(session, report)
    return report


def _report_unlinked_tickets(session: Session, report: ImportReport) -> None:
    """Open tickets naming a transformer the network lacks: they stay home visits, named here."""
    query = select(TicketRow.ticket_id, TicketRow.transformer_id).where(
        TicketRow.status == STATUS_OPEN, TicketRow.transformer_id != ""
    )
    links = session.exec(query.order_by(col(TicketRow.ticket_id))).all()
    known = known_asset_ids(session, ids=[t for _, t in links])
    unknown = [(ticket, asset) for ticket, asset in links if asset not in known]
    if unknown:
        shown = ", ".join(f"{ticket} ({asset})" for ticket, asset in unknown[:10])
        more = " ..." if len(unknown) > 10 else ""
        report.warnings.append(
            f"{report.file}: {len(unknown)} open ticket(s) name a transformer_id not in the network "
            f"(not grouped into outages): {shown}{more}"
        )


def _check_asset(row: _Row, *, policy: Policy) -> _AssetValues | None:
    check = _Check(row)
    asset_id = check.ident("asset_id")
    kind = check.choice("kind", AssetKind, required=True)
    point = check.point("lat", "lon", required=True, region=policy.region)
    parent_id = check.ident("parent_id", required=False)
    customers = check.whole("customers", lo=0, hi=MAX_ASSET_CUSTOMERS)
    if customers is None and not check.text("customers"):
        row.problem("customers", "required, but empty")
    name = check.text("name")
    if parent_id and parent_id == asset_id:
        row.problem("parent_id", f"{asset_id} cannot be its own upstream asset")
    if row.problems or point is None or kind is None or customers is None:
        return None
    fields = {"kind": kind.value, "name": name, "lat": point[0], "lon": point[1], "parent_id": parent_id or None,
              "customers": customers}  # fmt: skip
    return _AssetValues(row=row, asset_id=asset_id, fields=fields)


def _check_parent(values: _AssetValues, kinds: dict[str, str], parents: dict[str, str]) -> None:
    """The upstream asset exists (in the file or the database), is a feeder section, and no loop leads back."""
    parent = values.fields["parent_id"]
    if not parent:
        return
    if parent not in kinds:
        values.row.problem("parent_id", f"unknown asset {parent!r}: not in this file nor imported before")
        return
    if kinds[parent] != AssetKind.FEEDER_SECTION.value:
        values.row.problem("parent_id", f"{parent} is a {kinds[parent]}; an upstream asset must be a feeder_section")
        return
    walked = {values.asset_id}
    current = parent
    while current:
        if current in walked:
            values.row.problem("parent_id", f"{parent} leads back to {values.asset_id}: the network has a loop")
            return
        walked.add(current)
        current = parents.get(current, "")
