"""The scheduled jobs: each runs at most once per period, recorded in job_runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.sessions import purge_sessions
from app.calendars.spans import NO_CALENDAR
from app.clock import local
from app.db import Database, utcnow
from app.flags.snapshots import recompute
from app.registers.recording import week_start
from app.workflow.generation import generate_schools
from jobs.models import JobRun
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tenants.scoping import UNSCOPED


@dataclass(frozen=True)
class Job:
    name: str
    description: str
    period_of: Callable[[datetime], str]
    run: Callable[[Session, datetime], str]
    cron: dict[str, str]


def _last_week(now: datetime) -> date:
    """The Monday of the week before `now`: the week that has just ended."""
    return week_start(now.date()) - timedelta(days=7)


def _weekly_flags(db: Session, now: datetime) -> str:
    """Close last week's flag snapshots for every school, one trust at a time."""
    week = _last_week(now)
    trusts = db.scalars(select(Trust.id).order_by(Trust.id).execution_options(**UNSCOPED)).all()
    written = 0
    for trust_id in trusts:
        with context.use(system_context(db, "job:weekly-flags", trust_id=trust_id)):
            schools = db.scalars(select(School).where(School.trust_id == trust_id)).all()
            written += recompute(db, list(schools), [week], now.date())
    return f"flags for the week of {week.isoformat()}: {written} school snapshots"


def _workflow_tasks(db: Session, now: datetime) -> str:
    """Make today's tasks for every school whose calendar says it is open; re-running makes nothing new."""
    day = local(now).date()
    made = open_schools = 0
    unknown: list[str] = []
    trusts = db.scalars(select(Trust.id).order_by(Trust.id).execution_options(**UNSCOPED)).all()
    for trust_id in trusts:
        with context.use(system_context(db, "job:workflow-tasks", trust_id=trust_id)):
            schools = db.scalars(select(School).where(School.trust_id == trust_id).order_by(School.urn)).all()
            for result in generate_schools(db, list(schools), [day]):
                made += result.created
                open_schools += result.closed is None
                if result.closed == NO_CALENDAR:
                    unknown.append(str(result.school.urn))
    detail = f"tasks for {day.isoformat()}: {made} made at {open_schools} open schools"
    return detail + (f"; no calendar for this year at URN {', '.join(unknown)}" if unknown else "")


def _purge_old_sessions(db: Session, _now: datetime) -> str:
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
        Job(
            name="workflow-tasks",
            description="Make each open school's workflow tasks for the day",
            period_of=lambda now: local(now).date().isoformat(),
            run=_workflow_tasks,
            cron={"day_of_week": "mon-fri", "hour": "5", "minute": "0"},
        ),
        Job(
            name="weekly-flags",
            description="Compute every school's flags for the week just ended",
            period_of=lambda now: _last_week(now).isoformat(),
            run=_weekly_flags,
            cron={"day_of_week": "mon", "hour": "6", "minute": "0"},
        ),
    ]
}


def run_job(database: Database, name: str, *, now: datetime | None = None) -> JobRun:
    """Run a job for the current period unless it already ran; its work and its record commit together."""
    job = JOBS[name]
    now = now or utcnow()
    period = job.period_of(now)
    with database.session() as db:
        done = db.scalar(select(JobRun).where(JobRun.job == name, JobRun.period == period))
        if done is not None:
            return done
        record = JobRun(job=name, period=period, status="done")
        db.add(record)
        try:
            db.flush()  # claim the period first: a concurrent duplicate fails here, and only here
        except IntegrityError:
            db.rollback()
            existing = db.scalar(select(JobRun).where(JobRun.job == name, JobRun.period == period))
            assert existing is not None
            return existing
        record.detail = job.run(db, now)  # a failure rolls back the claim with the work
        record.finished_at = utcnow()
        db.commit()
        return record
