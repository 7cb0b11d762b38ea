"""The admission register (regulation 8): pupils, their contacts and every change made."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow
from tenants.models import TenantScoped, UuidKeyed

YEAR_GROUPS = ("N1", "N2", "R", *(str(n) for n in range(1, 15)))
SEN_STATUSES = {"N": "No special educational need", "K": "SEN support", "E": "EHC plan"}
SEXES = {"F": "Female", "M": "Male"}
# DfE school census ethnicity codes (main and extended categories).
ETHNICITIES = {
    "WBRI": "White - British",
    "WIRI": "White - Irish",
    "WIRT": "Traveller of Irish heritage",
    "WROM": "Gypsy / Roma",
    "WOTH": "Any other White background",
    "MWBC": "White and Black Caribbean",
    "MWBA": "White and Black African",
    "MWAS": "White and Asian",
    "MOTH": "Any other mixed background",
    "AIND": "Indian",
    "APKN": "Pakistani",
    "ABAN": "Bangladeshi",
    "AOTH": "Any other Asian background",
    "BCRB": "Black Caribbean",
    "BAFR": "Black - African",
    "BOTH": "Any other Black background",
    "CHNE": "Chinese",
    "OOTH": "Any other ethnic group",
    "REFU": "Refused",
    "NOBT": "Information not yet obtained",
}
# Regulation 9 grounds, as a school records them when a name leaves the register.
LEAVING_REASONS = (
    "Transferred to another school",
    "Moved away from the area",
    "Elective home education",
    "Completed final year / left at end of compulsory school age",
    "Permanently excluded",
    "Medically unfit to attend before leaving age",
    "Not returned after leave of absence / unable to locate (after joint enquiries with the LA)",
    "Died",
    "Other ground under regulation 9",
)


class Pupil(TenantScoped, Base):
    """One entry in a school's admission register; never deleted, only marked as left."""

    __tablename__ = "pupils"
    __table_args__ = (
        UniqueConstraint("school_id", "upn"),
        Index("ix_pupils_school_id_legal_surname", "school_id", "legal_surname"),
        Index("ix_pupils_school_id_year_group_form", "school_id", "year_group", "form"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    upn: Mapped[str] = mapped_column(String(13))
    legal_surname: Mapped[str] = mapped_column(String(100))
    legal_forename: Mapped[str] = mapped_column(String(100))
    middle_names: Mapped[str | None] = mapped_column(String(200))
    preferred_surname: Mapped[str | None] = mapped_column(String(100))
    preferred_forename: Mapped[str | None] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))
    year_group: Mapped[str] = mapped_column(String(2))
    form: Mapped[str | None] = mapped_column(String(20))
    home_address: Mapped[str | None] = mapped_column(Text)
    postcode: Mapped[str | None] = mapped_column(String(10))
    sen: Mapped[str] = mapped_column(String(1), default="N")
    fsm: Mapped[bool] = mapped_column(Boolean, default=False)
    ethnicity: Mapped[str | None] = mapped_column(String(4))
    eal: Mapped[bool] = mapped_column(Boolean, default=False)
    looked_after: Mapped[bool] = mapped_column(Boolean, default=False)
    child_in_need: Mapped[bool] = mapped_column(Boolean, default=False)
    young_carer: Mapped[bool] = mapped_column(Boolean, default=False)
    boarder: Mapped[bool] = mapped_column(Boolean, default=False)
    gp_name: Mapped[str | None] = mapped_column(String(200))
    gp_contact: Mapped[str | None] = mapped_column(String(200))
    admission_date: Mapped[date] = mapped_column(Date)
    leaving_date: Mapped[date | None] = mapped_column(Date)
    leaving_reason: Mapped[str | None] = mapped_column(String(200))
    previous_school: Mapped[str | None] = mapped_column(String(200))
    previous_school_address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    contacts: Mapped[list[PupilContact]] = relationship(
        back_populates="pupil", order_by="PupilContact.priority"
    )

    @property
    def display_name(self) -> str:
        forename = self.preferred_forename or self.legal_forename
        surname = self.preferred_surname or self.legal_surname
        return f"{forename} {surname}"

    @property
    def legal_name(self) -> str:
        middle = f" {self.middle_names}" if self.middle_names else ""
        return f"{self.legal_forename}{middle} {self.legal_surname}"

    def on_roll(self, on: date) -> bool:
        """On roll from the admission date to the leaving date inclusive (design.md)."""
        return self.admission_date <= on and (self.leaving_date is None or self.leaving_date >= on)


class PupilContact(TenantScoped, UuidKeyed, Base):
    """A parent, carer or emergency contact (regulation 8 items 7 to 10)."""

    __tablename__ = "pupil_contacts"
    __table_args__ = (
        ForeignKeyConstraint(["school_id", "pupil_id"], ["pupils.school_id", "pupils.id"]),
        Index("ix_pupil_contacts_school_id_pupil_id", "school_id", "pupil_id"),
    )

    pupil_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    relationship_to_pupil: Mapped[str] = mapped_column(String(100))
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(254))
    parental_responsibility: Mapped[bool] = mapped_column(Boolean, default=False)
    lives_with_pupil: Mapped[bool] = mapped_column(Boolean, default=False)
    emergency_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pupil: Mapped[Pupil] = relationship(back_populates="contacts")


class PupilRevision(TenantScoped, UuidKeyed, Base):
    """A change to an admission register entry: what it was, what it became, who and when."""

    __tablename__ = "pupil_revisions"
    __table_args__ = (
        ForeignKeyConstraint(["school_id", "pupil_id"], ["pupils.school_id", "pupils.id"]),
        Index("ix_pupil_revisions_school_id_pupil_id", "school_id", "pupil_id"),
    )

    pupil_id: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_by_name: Mapped[str] = mapped_column(String(200))
    changed_by_title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(200))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


def on_roll_on(day: date) -> ColumnElement[bool]:
    """SQL for "on roll on this day": admitted by then and not left before it."""
    return (Pupil.admission_date <= day) & (Pupil.leaving_date.is_(None) | (Pupil.leaving_date >= day))
