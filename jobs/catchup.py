"""No gaps: periods whose time came while the scheduler was down, runs killed part-way, and failed runs.

A job's periods missed while the scheduler was down are each run, oldest first, from its last recorded
run (a job never run starts with its latest period, not with a backlog), unless the job only needs its
latest (a backup of the database as it is now).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import func, select

from app.clock import LONDON
from app.db import Database, utcnow
from app.storage import Storage
from jobs.definitions import JOBS
from jobs.models import FAILED, RUNNING, JobRun
from jobs.runner import Job, run

log = logging.getLogger("turnout.jobs")

LOOKBACK = timedelta(days=8)  # every job runs at least weekly, so this always holds its latest period
MAX_ATTEMPTS = 5
SETTLE = timedelta(minutes=10)  # leave a period this long to the scheduled run itself
ABANDONED = timedelta(hours=3)  # a run still "running" after this long was cut off


def last_due(job: Job, now: datetime) -> datetime | None:
    """The latest moment the job's schedule fired at or before `now`, within the lookback."""
    fired = due_since(job, now - LOOKBACK, now)
    return fired[-1] if fired else None


def due_since(job: Job, since: datetime, now: datetime) -> list[datetime]:
    """The moments the job's schedule fired after `since` and at or before `now`, oldest first."""
    trigger = CronTrigger(**job.cron, timezone=LONDON)
    fire = trigger.get_next_fire_time(None, since + timedelta(microseconds=1))
    fired = []
    while fire is not None and fire <= now:
        fired.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return fired


def owed(database: Database, now: datetime, *, at_start: bool) -> list[tuple[Job, datetime]]:
    """(job, moment) pairs to run: latest periods never run, failed runs, and at start killed ones."""
    with database.session() as db:
        runs = db.scalars(select(JobRun).where(JobRun.scheduled_for >= now - LOOKBACK)).all()
        last_run = dict(
            db.execute(select(JobRun.job, func.max(JobRun.scheduled_for)).group_by(JobRun.job)).all()
        )
        by_period = {(r.job, r.period): r for r in runs}
        found = [
            (JOBS[r.job], r.scheduled_for)
            for r in runs
            if r.job in JOBS and r.attempts < MAX_ATTEMPTS and _unfinished(r, now, at_start=at_start)
        ]
    settle = timedelta(0) if at_start else SETTLE
    for job in JOBS.values():
        last = last_run.get(job.name)
        due = due_since(job, max(last, now - LOOKBACK), now) if last and job.every_missed else []
        due = due or [d for d in [last_due(job, now)] if d is not None]
        for moment in due:
            if now - moment >= settle and (job.name, job.period_of(moment)) not in by_period:
                found.append((job, moment))
    return found


def _unfinished(run: JobRun, now: datetime, *, at_start: bool) -> bool:
    """Failed, or running with no one at it: at start every running one (this is the only scheduler),
    later only one running far longer than any job takes (its process died without a word)."""
    if run.status == FAILED:
        return True
    return run.status == RUNNING and (at_start or now - run.started_at > ABANDONED)


def catch_up(
    database: Database, store: Storage, *, at_start: bool = False, now: datetime | None = None
) -> int:
    """Run what is owed, oldest first; returns how many runs were made or resumed."""
    now = now or utcnow()
    todo = sorted(owed(database, now, at_start=at_start), key=lambda pair: pair[1])
    for job, moment in todo:
        record = run(database, job, now=moment, store=store, started_by="scheduler (catching up)")
        log.info("caught up %s for %s: %s", job.name, record.period, record.status)
    return len(todo)
