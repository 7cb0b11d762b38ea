"""Stored nightly benchmarks: one run per trust and day, its rows per period, level and cohort, and the
weekly series; dashboards and packs read these instead of computing from the registers per request.

Trust-level tables (trust_id leads every key); rows of one school also carry its school_id, and the
PostgreSQL policies (migration 0009) show a row only to a context holding a school of the trust and, for a
school's row, that school."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from tenants.models import TrustScoped


class BenchmarkRun(TrustScoped, Base):
    """One computation of a trust's benchmarks as of a UK day; a second run for the day adds nothing."""

    __tablename__ = "benchmark_runs"
    __table_args__ = (UniqueConstraint("trust_id", "as_of"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    as_of: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    periods: Mapped[dict] = mapped_column(JSON)  # key -> {"start", "end", "label"}
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class BenchmarkResult(TrustScoped, Base):
    """One row of a run: a school, the trust, an LA or England, for one period; cohort '' is the whole row."""

    __tablename__ = "benchmark_results"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(10))
    cohort: Mapped[str] = mapped_column(String(20), default="")
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    urn: Mapped[int | None] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str] = mapped_column(String(40))
    la_code: Mapped[str | None] = mapped_column(String(3))
    enrolments: Mapped[int | None] = mapped_column(Integer)
    possible_sessions: Mapped[int | None] = mapped_column(BigInteger)  # England: billions
    attended_sessions: Mapped[int | None] = mapped_column(BigInteger)
    absent_sessions: Mapped[int | None] = mapped_column(BigInteger)
    authorised_sessions: Mapped[int | None] = mapped_column(BigInteger)
    unauthorised_sessions: Mapped[int | None] = mapped_column(BigInteger)
    persistent: Mapped[int | None] = mapped_column(Integer)
    severe: Mapped[int | None] = mapped_column(Integer)
    attendance_rate: Mapped[float | None] = mapped_column(Float)
    absence_rate: Mapped[float | None] = mapped_column(Float)
    authorised_rate: Mapped[float | None] = mapped_column(Float)
    unauthorised_rate: Mapped[float | None] = mapped_column(Float)
    persistent_rate: Mapped[float | None] = mapped_column(Float)
    severe_rate: Mapped[float | None] = mapped_column(Float)
    movement_pp: Mapped[float | None] = mapped_column(Float)
    rank: Mapped[int | None] = mapped_column(Integer)
    quartile: Mapped[int | None] = mapped_column(Integer)
    below_national: Mapped[bool | None] = mapped_column(Boolean)
    national_attendance: Mapped[float | None] = mapped_column(Float)


class BenchmarkWeek(TrustScoped, Base):
    """A week's pooled sessions for a school (school_id) or the whole trust (no school_id)."""

    __tablename__ = "benchmark_weeks"

    run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"))
    week_start: Mapped[date] = mapped_column(Date)
    possible: Mapped[int] = mapped_column(Integer)
    attended: Mapped[int] = mapped_column(Integer)
