"""The scheduled jobs: when each runs, which period a moment belongs to, and the work for each trust."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.sessions import purge_sessions
from app.benchmarks.store import refresh as refresh_benchmarks
from app.calendars.spans import NO_CALENDAR
from app.clock import local
from app.db import Database
from app.flags.snapshots import recompute
from app.registers.recording import week_start
from app.returns.exports import export_returns
from app.reviews.packs import make_due_packs
from app.storage import Storage
from app.workflow.generation import generate_schools
from jobs.backup import export_backup
from jobs.letter_batches import send_half_termly_letters
from jobs.models import JobRun
from jobs.retention import review_retention
from jobs.runner import Job, run
from tenants.models import School, Trust


def _last_week(now: datetime) -> date:
    """The Monday of the week before `now`: the week that has just ended."""
    return week_start(local(now).date()) - timedelta(days=7)


def _uk_day(now: datetime) -> str:
    return local(now).date().isoformat()


def _schools(db: Session, trust: Trust) -> list[School]:
    return list(db.scalars(select(School).where(School.trust_id == trust.id).order_by(School.urn)))


def _weekly_flags(db: Session, _store: Storage, trust: Trust, now: datetime) -> str:
    """Close last week's flag snapshots for the trust's schools."""
    week = _last_week(now)
    written = recompute(db, _schools(db, trust), [week], local(now).date())
    return f"flags for the week of {week.isoformat()}: {written} school snapshots"


def _workflow_tasks(db: Session, _store: Storage, trust: Trust, now: datetime) -> str:
    """Make today's tasks for every school whose calendar says it is open; re-running makes nothing new."""
    day = local(now).date()
    made = open_schools = 0
    unknown: list[str] = []
    for result in generate_schools(db, _schools(db, trust), [day]):
        made += result.created
        open_schools += result.closed is None
        if result.closed == NO_CALENDAR:
            unknown.append(str(result.school.urn))
    detail = f"tasks for {day.isoformat()}: {made} made at {open_schools} open schools"
    return detail + (f"; no calendar for this year at URN {', '.join(unknown)}" if unknown else "")


def _purge_old_sessions(db: Session, _store: Storage, _now: datetime) -> str:
    removed = purge_sessions(db, older_than=timedelta(days=30))
    return f"removed {removed} sessions that ended more than 30 days ago"


JOBS: dict[str, Job] = {
    job.name: job
    for job in [
        Job(
            name="purge-sessions",
            description="Delete login sessions that ended more than 30 days ago",
            schedule="Every night at 03:15",
            cron={"hour": "3", "minute": "15"},
            period_of=_uk_day,
            whole=_purge_old_sessions,
            every_missed=False,  # one purge removes what every missed night would have
        ),
        Job(
            name="workflow-tasks",
            description="Make each open school's workflow tasks for the day",
            schedule="Monday to Friday at 05:00",
            cron={"day_of_week": "mon-fri", "hour": "5", "minute": "0"},
            period_of=_uk_day,
            each_trust=_workflow_tasks,
        ),
        Job(
            name="weekly-flags",
            description="Compute every school's flags for the week just ended",
            schedule="Mondays at 06:00",
            cron={"day_of_week": "mon", "hour": "6", "minute": "0"},
            period_of=lambda now: _last_week(now).isoformat(),
            each_trust=_weekly_flags,
        ),
        Job(
            name="trust-benchmarks",
            description="Compare every school with its trust, LA and England (year, term, half-term)",
            schedule="Every night at 01:30",
            cron={"hour": "1", "minute": "30"},
            period_of=_uk_day,
            each_trust=refresh_benchmarks,
        ),
        Job(
            name="la-returns",
            description="Store each school's statutory return lists for the local authority",
            schedule="Every morning at 06:45",
            cron={"hour": "6", "minute": "45"},
            period_of=_uk_day,
            each_trust=export_returns,
        ),
        Job(
            name="review-packs",
            description="Make each school's termly review packs (full and governors') in the last weeks of term",
            schedule="Every morning at 07:00 (packs from a term's 10th-last school day)",
            cron={"hour": "7", "minute": "0"},
            period_of=_uk_day,
            each_trust=make_due_packs,
        ),
        Job(
            name="nightly-backup",
            description="Export every table to object storage, manifest last",
            schedule="Every night at 02:00",
            cron={"hour": "2", "minute": "0"},
            period_of=_uk_day,
            whole=export_backup,
            every_missed=False,  # a backup holds the database as it is now: a missed night's cannot be taken
        ),
        Job(
            name="half-termly-letters",
            description="Send each school's traffic-light letters for the half-term just ended",
            schedule="Every morning at 06:30 (letters on a school's first days of a half-term)",
            cron={"hour": "6", "minute": "30"},
            period_of=_uk_day,
            each_trust=send_half_termly_letters,
        ),
        Job(
            name="retention-review",
            description="List records kept more than 6 years, for a person to decide on (nothing is deleted)",
            schedule="Sundays at 04:00",
            cron={"day_of_week": "sun", "hour": "4", "minute": "0"},
            period_of=_uk_day,
            each_trust=review_retention,
        ),
    ]
}


def run_job(
    database: Database, name: str, *, now: datetime | None = None, store: Storage | None = None,
    started_by: str = "turnout jobs run",
) -> JobRun:  # fmt: skip
    """Run a job for the period holding `now` (default: this moment) unless that period is done."""
    return run(database, JOBS[name], now=now, store=store, started_by=started_by)
