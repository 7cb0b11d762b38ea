"""The scheduler process: APScheduler 3 with its job store in the Turnout database."""

from __future__ import annotations

import contextlib
import logging
import signal

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from app.db import Database
from jobs.definitions import JOBS, run_job

log = logging.getLogger("turnout.scheduler")
_database: Database | None = None


def run_scheduled(name: str) -> None:
    """Entry point stored in the job store by reference, so nothing unpicklable is persisted."""
    assert _database is not None, "the scheduler process sets the database before starting"
    record = run_job(_database, name)
    log.info("%s for %s: %s", name, record.period, record.detail or record.status)


def build_scheduler(database: Database) -> BlockingScheduler:
    """One scheduler for the whole deployment; never started inside web workers."""
    global _database
    _database = database
    scheduler = BlockingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=database.engine)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600},
        timezone="Europe/London",
    )
    for job in JOBS.values():
        scheduler.add_job(
            run_scheduled,
            CronTrigger(**job.cron, timezone="Europe/London"),
            args=[job.name],
            id=job.name,
            name=job.description,
            replace_existing=True,
        )
    return scheduler


def serve(database: Database) -> None:
    """Run until SIGTERM or Ctrl-C."""
    scheduler = build_scheduler(database)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("scheduler started with jobs: %s", ", ".join(JOBS))
    with contextlib.suppress(KeyboardInterrupt):
        scheduler.start()
