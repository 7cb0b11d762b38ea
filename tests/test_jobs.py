"""Jobs run once per period, and the scheduler keeps its jobs in the real database."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.auth.models import UserSession
from app.db import utcnow
from jobs.definitions import JOBS, run_job
from jobs.models import JobRun
from jobs.scheduler import build_scheduler
from tests.conftest import World
from tests.helpers import signed_in


def test_purge_runs_once_per_day_and_keeps_live_sessions(app: Flask, db: Session, world: World) -> None:
    for email in (world.users["a1_lead"], world.users["a1_staff"]):
        signed_in(app.test_client(), email)
    old = utcnow() - timedelta(days=45)
    db.execute(
        update(UserSession)
        .where(UserSession.id == db.scalar(select(UserSession.id).limit(1)))
        .values(last_seen_at=old, created_at=old)
    )
    db.commit()
    database = app.extensions["turnout.db"]
    now = datetime(2026, 11, 22, 3, 15, tzinfo=UTC)
    first = run_job(database, "purge-sessions", now=now)
    second = run_job(database, "purge-sessions", now=now + timedelta(hours=1))
    assert first.detail == "removed 1 sessions that ended more than 30 days ago"
    assert second.id == first.id
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(UserSession)) == 1
    assert db.scalar(select(func.count()).select_from(JobRun)) == 1
    assert run_job(database, "purge-sessions", now=now + timedelta(days=1)).id != first.id


def test_scheduler_stores_jobs_in_the_database(app: Flask, db: Session) -> None:
    """The scheduler process registers every job in the shared SQLAlchemy job store."""
    scheduler = build_scheduler(app.extensions["turnout.db"])
    runner = threading.Thread(target=scheduler.start, kwargs={"paused": True}, daemon=True)
    runner.start()
    deadline = time.monotonic() + 10
    stored: list[str] = []
    while time.monotonic() < deadline and len(stored) < len(JOBS):
        stored = list(db.scalars(text("SELECT id FROM apscheduler_jobs")))
        db.rollback()
        time.sleep(0.05)
    flags_trigger = str(scheduler.get_job("weekly-flags").trigger)
    scheduler.shutdown(wait=False)
    runner.join(timeout=10)
    assert sorted(stored) == sorted(JOBS) == ["purge-sessions", "weekly-flags", "workflow-tasks"]
    assert flags_trigger == "cron[day_of_week='mon', hour='6', minute='0']"  # Monday 06:00, Europe/London
    assert not runner.is_alive()
