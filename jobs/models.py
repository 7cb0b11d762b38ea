"""Job runs: one row per job and period (a re-run or duplicate changes nothing), and per-trust outcomes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from tenants.models import TrustScoped

RUNNING, DONE, FAILED = "running", "done", "failed"


class JobRun(Base):
    """A job's run for one period; the unique key makes the run idempotent, attempts resume it."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(100))
    period: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)  # the moment the period was run for
    started_by: Mapped[str] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)

    @property
    def seconds(self) -> float | None:
        """How long the latest attempt took; None while it runs."""
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None


class JobOutcome(TrustScoped, Base):
    """What a run did for one trust: its work and this row commit together, so done means done once."""

    __tablename__ = "job_outcomes"

    run_id: Mapped[int] = mapped_column(ForeignKey("job_runs.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
