"""The attendance register: marks, who recorded them, amendments, and the rollups kept with them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from tenants.models import TenantScoped, UuidKeyed


class MarkBatch(TenantScoped, Base):
    """One act of recording marks (a register taken, a file imported, an API call): who and when."""

    __tablename__ = "mark_batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    recorded_by_title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # register | import | api
    description: Mapped[str] = mapped_column(String(300))
    new_marks: Mapped[int] = mapped_column(Integer, default=0)
    amended_marks: Mapped[int] = mapped_column(Integer, default=0)


class Mark(TenantScoped, Base):
    """One session's mark for one pupil. Never deleted; changed only through an amendment.

    No foreign keys, deliberately: every writer checks the pupil and school, neither pupils,
    batches nor schools are deleted (triggers on PostgreSQL), and per-row key checks more than
    doubled the time to load a school's year of marks on PostgreSQL.
    """

    __tablename__ = "marks"
    school_foreign_key = False
    __table_args__ = {"sqlite_with_rowid": False}

    pupil_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[date] = mapped_column(Date, primary_key=True)
    session: Mapped[str] = mapped_column(String(2), primary_key=True)
    code: Mapped[str] = mapped_column(String(2))
    minutes_late: Mapped[int | None] = mapped_column(SmallInteger)
    batch_id: Mapped[int] = mapped_column(Integer)


class MarkAmendment(TenantScoped, UuidKeyed, Base):
    """A change to a mark: the original entry, the new one, the reason, who (name and title) and when."""

    __tablename__ = "mark_amendments"
    __table_args__ = (Index("ix_mark_amendments_school_id_pupil_id_date", "school_id", "pupil_id", "date"),)

    pupil_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    session: Mapped[str] = mapped_column(String(2))
    original_code: Mapped[str] = mapped_column(String(2))
    original_minutes_late: Mapped[int | None] = mapped_column(SmallInteger)
    original_batch_id: Mapped[int] = mapped_column(Integer)
    new_code: Mapped[str] = mapped_column(String(2))
    new_minutes_late: Mapped[int | None] = mapped_column(SmallInteger)
    batch_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    amended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    amended_by_id: Mapped[int | None] = mapped_column(Integer)
    amended_by_name: Mapped[str] = mapped_column(String(200))
    amended_by_title: Mapped[str] = mapped_column(String(200))


class _Counters:
    """The session counts a rollup keeps (see registers.measures.COUNTERS)."""

    marked: Mapped[int] = mapped_column(Integer, default=0)
    possible: Mapped[int] = mapped_column(Integer, default=0)
    present: Mapped[int] = mapped_column(Integer, default=0)
    aea: Mapped[int] = mapped_column(Integer, default=0)
    authorised: Mapped[int] = mapped_column(Integer, default=0)
    unauthorised: Mapped[int] = mapped_column(Integer, default=0)
    late: Mapped[int] = mapped_column(Integer, default=0)
    minutes_late: Mapped[int] = mapped_column(Integer, default=0)
    illness: Mapped[int] = mapped_column(Integer, default=0)


class PupilWeek(TenantScoped, _Counters, Base):
    """Per pupil per week (named by its Monday), updated in the same transaction as the marks."""

    __tablename__ = "pupil_weeks"
    school_foreign_key = False  # rolled up from marks, which carry no foreign keys either
    __table_args__ = {"sqlite_with_rowid": False}

    pupil_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)


class SchoolSession(TenantScoped, _Counters, Base):
    """Per school per date and session: which sessions the school recorded, and their totals."""

    __tablename__ = "school_sessions"
    school_foreign_key = False
    __table_args__ = {"sqlite_with_rowid": False}

    date: Mapped[date] = mapped_column(Date, primary_key=True)
    session: Mapped[str] = mapped_column(String(2), primary_key=True)
