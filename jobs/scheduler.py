"""The scheduler process: APScheduler 3 with its job store in the Turnout database."""

from __future__ import annotations

import contextlib
import logging
import signal
from dataclasses import dataclass

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from app.db import Database
from app.storage import Storage
from jobs.catchup import catch_up
from jobs.definitions import JOBS, run_job

log = logging.getLogger("turnout.scheduler")
CATCH_UP = "catch-up"


@dataclass
class _Process:
    app: Flask | None = None
    database: Database | None = None
    store: Storage | None = None


_process = _Process()


def run_scheduled(name: str) -> None:
    """Entry point stored in the job store by reference, so nothing unpicklable is persisted."""
    assert _process.app and _process.database and _process.store, "set by build_scheduler"
    with _process.app.app_context():  # letters and packs are drawn from the app's templates
        if name == CATCH_UP:
            catch_up(_process.database, _process.store)
            return
        record = run_job(_process.database, name, store=_process.store, started_by="scheduler")
    log.info("%s for %s: %s", name, record.period, record.detail or record.status)


def build_scheduler(app: Flask, database: Database, store: Storage) -> BlockingScheduler:
    """One scheduler for the whole deployment; never started inside web workers."""
    _process.app, _process.database, _process.store = app, database, store
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
    scheduler.add_job(
        run_scheduled,
        IntervalTrigger(minutes=15),
        args=[CATCH_UP],
        id=CATCH_UP,
        name="Retry failed runs and run periods the schedule missed",
        replace_existing=True,
    )
    return scheduler


def serve(app: Flask, database: Database, store: Storage) -> None:
    """Catch up on what was missed or cut short while the process was down, then run until stopped."""
    scheduler = build_scheduler(app, database, store)

    def stop(*_: object) -> None:
        """Stop the scheduler; while still catching up, stop at once (the run in hand resumes next start)."""
        if not scheduler.running:
            raise SystemExit(0)
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    log.info("scheduler started with jobs: %s", ", ".join(JOBS))
    resumed = catch_up(database, store, at_start=True)
    log.info("caught up on %d runs owed", resumed)
    with contextlib.suppress(KeyboardInterrupt):
        scheduler.start()
