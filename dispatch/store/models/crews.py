"""Crews, their members and their shifts."""

import datetime as dt

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Relationship, Session, SQLModel, col, select

from dispatch.core import domain
from dispatch.store.columns import aware_field
from dispatch.store.models.tickets import split_skills


class CrewRow(SQLModel, table=True):
    __tablename__ = "crew"

    crew_id: str = Field(primary_key=True)
    name: str
    depot_lat: float
    depot_lon: float
    end_lat: float | None = None
    end_lon: float | None = None
    skills: str = ""  # ';'-separated
    vehicle: str = domain.Vehicle.CAR.value

    # Declared so a flush writes a new crew before the members and shifts that refer to it.
    member_rows: list["CrewMemberRow"] = Relationship(back_populates="crew")
    shift_rows: list["ShiftRow"] = Relationship(back_populates="crew")

    def to_domain(self, members: tuple[str, ...] = ()) -> domain.Crew:
        return domain.Crew(
            crew_id=self.crew_id,
            name=self.name,
            depot_lat=self.depot_lat,
            depot_lon=self.depot_lon,
            end_lat=self.end_lat,
            end_lon=self.end_lon,
            skills=split_skills(self.skills),
            vehicle=domain.Vehicle(self.vehicle),
            members=members,
        )


class CrewMemberRow(SQLModel, table=True):
    """A worker. The member id is the key, so a worker belongs to one crew at a time.

    A worker dropped from a crew is kept, inactive, because the exposure ledger refers to them.
    """

    __tablename__ = "crew_member"

    member_id: str = Field(primary_key=True)
    crew_id: str = Field(foreign_key="crew.crew_id", index=True)
    name: str | None = None
    active: bool = True

    crew: CrewRow | None = Relationship(back_populates="member_rows")


class ShiftRow(SQLModel, table=True):
    __tablename__ = "shift"
    __table_args__ = (UniqueConstraint("crew_id", "date", name="uq_shift_crew_date"),)

    id: int | None = Field(default=None, primary_key=True)
    crew_id: str = Field(foreign_key="crew.crew_id", index=True)
    date: dt.date = Field(index=True)
    start: dt.datetime = aware_field()
    end: dt.datetime = aware_field()
    break_start: dt.datetime | None = aware_field(nullable=True)
    break_end: dt.datetime | None = aware_field(nullable=True)
    break_min: int = 0
    standby: bool = False

    crew: CrewRow | None = Relationship(back_populates="shift_rows")

    def to_domain(self) -> domain.Shift:
        return domain.Shift(
            crew_id=self.crew_id,
            date=self.date,
            start=self.start,
            end=self.end,
            break_start=self.break_start,
            break_end=self.break_end,
            break_min=self.break_min,
            standby=self.standby,
        )


def load_crews(session: Session) -> list[domain.Crew]:
    """Every crew, by crew id, with its active members (by member id)."""
    members: dict[str, list[str]] = {}
    for member in session.exec(
        select(CrewMemberRow).where(col(CrewMemberRow.active)).order_by(col(CrewMemberRow.member_id))
    ):
        members.setdefault(member.crew_id, []).append(member.member_id)
    crews = session.exec(select(CrewRow).order_by(col(CrewRow.crew_id))).all()
    return [crew.to_domain(tuple(members.get(crew.crew_id, ()))) for crew in crews]


def load_shifts(session: Session, *, day: dt.date) -> list[domain.Shift]:
    """The shifts that start on ``day``, by crew id."""
    rows = session.exec(select(ShiftRow).where(ShiftRow.date == day).order_by(col(ShiftRow.crew_id))).all()
    return [row.to_domain() for row in rows]
