"""The scheduled jobs: each runs at most once per period, recorded in job_runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.sessions import purge_sessions
from app.db import Database, utcnow
from jobs.models import JobRun


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    period_of: Callable[[datetime], str]
    run: Callable[[Session], str]
    cron: dict[str, str]


def _purge_old_sessions(db: Session) -> str:
    removed = purge_sessions(db, older_than=timedelta(days=30))
    return f"removed {removed} sessions that ended more than 30 days ago"


JOBS: dict[str, Job] = {
    job.name: job
    for job in [
        Job(
            name="purge-sessions",
            description="Delete login sessions that ended more than 30 days ago",
            period_of=lambda now: now.strftime("%Y-%m-%d"),
            run=_purge_old_sessions,
            cron={"hour": "3", "minute": "15"},
        ),
    ]
}


def run_job(database: Database, name: str, *, now: datetime | None = None) -> JobRun:
    """Run a job for the current period unless it already ran; its work and its record commit together."""
    job = JOBS[name]
    period = job.period_of(now or utcnow())
    with database.session() as db:
        done = db.scalar(select(JobRun).where(JobRun.job == name, JobRun.period == period))
        if done is not None:
            return done
        record = JobRun(job=name, period=period, status="done")
        db.add(record)
        try:
            db.flush()  # claim the period first: a concurrent duplicate fails here
            record.detail = job.run(db)
            record.finished_at = utcnow()
            db.commit()
        except IntegrityError:
            db.rollback()
            existing = db.scalar(select(JobRun).where(JobRun.job == name, JobRun.period == period))
            assert existing is not None
            return existing
        return record
