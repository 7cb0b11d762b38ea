"""No gaps: periods whose time came while the scheduler was down, runs killed part-way, and failed runs."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

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
    trigger = CronTrigger(**job.cron, timezone=LONDON)
    fire = trigger.get_next_fire_time(None, now - LOOKBACK)
    latest = None
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


def owed(database: Database, now: datetime, *, at_start: bool) -> list[tuple[Job, datetime]]:
    """(job, moment) pairs to run: latest periods never run, failed runs, and at start killed ones."""
    with database.session() as db:
        runs = db.scalars(select(JobRun).where(JobRun.scheduled_for >= now - LOOKBACK)).all()
        by_period = {(r.job, r.period): r for r in runs}
        found = [
            (JOBS[r.job], r.scheduled_for)
            for r in runs
            if r.job in JOBS and r.attempts < MAX_ATTEMPTS and _unfinished(r, now, at_start=at_start)
        ]
    settle = timedelta(0) if at_start else SETTLE
    for job in JOBS.values():
        due = last_due(job, now)
        if due is not None and now - due >= settle and (job.name, job.period_of(due)) not in by_period:
            found.append((job, due))
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
