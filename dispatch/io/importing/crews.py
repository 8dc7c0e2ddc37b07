"""Importing crews.csv: crews, their depots, skills, vehicles and members."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from dispatch.core.domain import Vehicle
from dispatch.core.ids import id_problem
from dispatch.core.policy import Policy
from dispatch.io.importing.rows import ImportReport, _Check, _duplicate, _read_csv, _Row, _settle
from dispatch.store.models.crews import CrewMemberRow, CrewRow
from dispatch.store.models.tickets import join_skills

CREW_REQUIRED = ("crew_id", "name", "depot_lat", "depot_lon")


CREW_OPTIONAL = ("end_lat", "end_lon", "skills", "vehicle", "members")


@dataclass
class _CrewValues:
    row: _Row
    crew_id: str
    fields: dict[str, Any]
    members: tuple[str, ...]


def import_crews(
    session: Session, path: Path | str, *, policy: Policy | None = None, rejects: Path | str | None = None
) -> ImportReport:
    """Import ``crews.csv``: crews are inserted or updated, with their members.

    A member listed for a crew joins it (moving from another crew listed in the same file); a
    member no longer listed is kept but made inactive, because the exposure ledger refers to them.
    """
    policy = policy or Policy()
    path = Path(path)
    rejects = Path(rejects) if rejects is not None else None
    table = _read_csv(path, required=CREW_REQUIRED, optional=CREW_OPTIONAL)
    report = ImportReport(kind="crews", file=table.label)

    parsed: list[_CrewValues] = []
    seen: dict[str, int] = {}
    for row in table.rows:
        values = _check_crew(row, policy=policy)
        if values is not None and not _duplicate(row, "crew_id", values.crew_id, seen):
            parsed.append(values)

    # Crew ids name sheet files, which a phone or a FAT stick would mix up if two differ only in case.
    by_case: dict[str, str] = {c.lower(): c for c in session.exec(select(CrewRow.crew_id)).all()}
    for values in parsed:
        other = by_case.setdefault(values.crew_id.lower(), values.crew_id)
        if other != values.crew_id:
            values.row.problem(
                "crew_id", f"{values.crew_id!r} differs from crew {other!r} only in case; their sheet files would clash"
            )

    # A member belongs to one crew: within the file, and against active members of crews not in it.
    in_file = {v.crew_id for v in parsed}
    member_rows: dict[str, tuple[str, int]] = {}
    listed = [m for v in parsed for m in v.members]
    known = {
        m.member_id: m for m in session.exec(select(CrewMemberRow).where(col(CrewMemberRow.member_id).in_(listed)))
    }
    for values in parsed:
        for member in values.members:
            if member in member_rows:
                crew_id, line = member_rows[member]
                values.row.problem("members", f"{member} is already in crew {crew_id} (row {line})")
                continue
            member_rows[member] = (values.crew_id, values.row.line)
            current = known.get(member)
            if current and current.active and current.crew_id != values.crew_id and current.crew_id not in in_file:
                values.row.problem(
                    "members",
                    f"{member} is in crew {current.crew_id}; to move them, list {current.crew_id} "
                    "in the same file without them",
                )

    good = {id(row) for row in _settle(table, report, rejects)}
    accepted = [v for v in parsed if id(v.row) in good]
    least = policy.exposure.min_crew_members
    for values in accepted:
        if len(values.members) < least:
            report.warnings.append(
                f"{table.label}:{values.row.line}: members: crew {values.crew_id} has {len(values.members)} "
                f"member(s), fewer than exposure.min_crew_members ({least}): it will not be dispatched"
            )
    _store_crews(session, accepted, report=report, known=known)
    return report


def _check_crew(row: _Row, *, policy: Policy) -> _CrewValues | None:
    check = _Check(row)
    # A crew id names its route sheet files, so it must also be a usable file name.
    crew_id = check.ident("crew_id", file_stem=True)
    name = check.text("name", required=True)
    depot = check.point("depot_lat", "depot_lon", required=True, region=policy.region)
    end = check.point("end_lat", "end_lon", required=False, region=policy.region)
    skills = check.skills("skills", known=policy.skills.known) or ()
    vehicle = check.choice("vehicle", Vehicle) or Vehicle.CAR
    members = check.items("members") or ()
    if not members:
        row.problem("members", "required: at least one member id (';'-separated)")
    for member in members:
        problem = id_problem(member)
        if problem:
            row.problem("members", problem)
    repeated = sorted({m for m in members if members.count(m) > 1})
    if repeated:
        row.problem("members", f"listed twice: {', '.join(repeated)}")
    if row.problems or depot is None:
        return None
    fields = {
        "name": name,
        "depot_lat": depot[0],
        "depot_lon": depot[1],
        "end_lat": end[0] if end else None,
        "end_lon": end[1] if end else None,
        "skills": join_skills(skills),
        "vehicle": vehicle.value,
    }
    return _CrewValues(row=row, crew_id=crew_id, fields=fields, members=members)


def _store_crews(
    session: Session, accepted: list[_CrewValues], *, report: ImportReport, known: dict[str, CrewMemberRow]
) -> None:
    ids = [v.crew_id for v in accepted]
    existing = {c.crew_id: c for c in session.exec(select(CrewRow).where(col(CrewRow.crew_id).in_(ids)))}
    for values in accepted:
        crew = existing.get(values.crew_id)
        if crew is None:
            session.add(CrewRow(crew_id=values.crew_id, **values.fields))
            report.inserted += 1
        else:
            for name, value in values.fields.items():
                setattr(crew, name, value)
            report.updated += 1

    listed = {m for v in accepted for m in v.members}
    for member in session.exec(select(CrewMemberRow).where(col(CrewMemberRow.crew_id).in_(ids))):
        if member.member_id not in listed and member.active:
            member.active = False
    for values in accepted:
        for member_id in values.members:
            member = known.get(member_id)
            if member is None:
                member = CrewMemberRow(member_id=member_id, crew_id=values.crew_id)
            member.crew_id = values.crew_id
            member.active = True
            session.add(member)
    session.flush()
