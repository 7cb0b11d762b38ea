"""Jobs run once per period, trust by trust; failures are recorded and retried; nothing owed is missed."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from app.auth.models import UserSession
from app.cli import main
from app.db import utcnow
from app.storage import FolderStorage, Storage
from jobs.catchup import catch_up, last_due, owed
from jobs.definitions import JOBS, run_job
from jobs.models import DONE, FAILED, RUNNING, JobOutcome, JobRun
from jobs.runner import Job, run
from jobs.scheduler import CATCH_UP, build_scheduler
from tenants.models import Trust
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.helpers import signed_in


@pytest.fixture
def folder(tmp_path: Path) -> Storage:
    """A local object store: these tests are about runs, not storage (tests/test_storage.py covers S3)."""
    return FolderStorage(tmp_path / "objects")


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
    assert (first.status, first.detail) == (DONE, "removed 1 sessions that ended more than 30 days ago")
    assert first.seconds is not None and first.seconds >= 0
    assert second.id == first.id and second.attempts == 1
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(UserSession)) == 1
    assert db.scalar(select(func.count()).select_from(JobRun)) == 1
    assert run_job(database, "purge-sessions", now=now + timedelta(days=1)).id != first.id


class _Renamer:
    """A real job's shape: it changes each trust's name, and fails for the trusts it is told to."""

    def __init__(self, failing: set[int]) -> None:
        self.failing = failing
        self.calls: list[int] = []

    def __call__(self, db: Session, _store: Storage, trust: Trust, _now: datetime) -> str:
        self.calls.append(trust.id)
        trust.name = f"{trust.name} (renamed)"
        db.flush()
        if trust.id in self.failing:
            raise RuntimeError(f"the store refused {trust.slug}'s export")
        return f"renamed {trust.slug}"


def _job(work: _Renamer) -> Job:
    return Job(
        "rename", "Rename", "Daily", {"hour": "1"}, lambda now: now.date().isoformat(), each_trust=work
    )


def _names(db: Session) -> dict[int, str]:
    db.expire_all()
    return {tid: name for tid, name in db.execute(select(Trust.id, Trust.name).execution_options(**UNSCOPED))}


def test_a_trust_that_fails_is_rolled_back_recorded_and_only_it_is_retried(
    app: Flask, db: Session, world: World, folder: Storage
) -> None:
    database = app.extensions["turnout.db"]
    work = _Renamer(failing={world.trust_b.id})
    now = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    first = run(database, _job(work), now=now, store=folder)
    assert first.status == FAILED and first.detail == "1 of 2 trusts done, 1 failed"
    assert first.error == "Birch Trust: RuntimeError: the store refused trust-b's export"
    assert _names(db) == {world.trust_a.id: "Alder Trust (renamed)", world.trust_b.id: "Birch Trust"}
    work.failing.clear()
    again = run(database, _job(work), now=now + timedelta(hours=2), store=folder)
    assert (again.id, again.status, again.attempts, again.error) == (first.id, DONE, 2, None)
    assert work.calls == [world.trust_a.id, world.trust_b.id, world.trust_b.id]  # A was not done twice
    assert _names(db) == {
        world.trust_a.id: "Alder Trust (renamed)",
        world.trust_b.id: "Birch Trust (renamed)",
    }
    outcomes = db.scalars(
        select(JobOutcome).execution_options(**UNSCOPED).order_by(JobOutcome.trust_id)
    ).all()
    assert [(o.status, o.attempts, o.error) for o in outcomes] == [(DONE, 1, None), (DONE, 2, None)]
    assert run(database, _job(work), now=now, store=folder).attempts == 2  # done: nothing more happens


def test_the_latest_due_moment_follows_the_schedule_in_uk_time() -> None:
    tuesday = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert last_due(JOBS["weekly-flags"], tuesday) == datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # GMT
    summer = datetime(2026, 6, 9, 12, 0, tzinfo=UTC)
    assert last_due(JOBS["weekly-flags"], summer) == datetime(2026, 6, 8, 5, 0, tzinfo=UTC)  # 06:00 BST
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert last_due(JOBS["workflow-tasks"], saturday) == datetime(2026, 11, 27, 5, 0, tzinfo=UTC)


def test_catching_up_runs_missed_periods_and_resumes_killed_runs_only_at_start(
    app: Flask, db: Session, world: World, folder: Storage
) -> None:
    database = app.extensions["turnout.db"]
    now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    monday = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    db.add(JobRun(job="weekly-flags", period="2026-11-16", status=RUNNING, scheduled_for=monday,
                  started_by="scheduler", started_at=now - timedelta(minutes=30)))  # fmt: skip
    db.commit()
    later = {job.name for job, _moment in owed(database, now, at_start=False)}
    assert later == set(JOBS) - {"weekly-flags"}  # a run in hand is left to its process
    abandoned = {job.name for job, _moment in owed(database, now + timedelta(days=1), at_start=False)}
    assert "weekly-flags" in abandoned  # but not for ever: still "running" a day on, it was cut off
    at_start = owed(database, now, at_start=True)
    assert ("weekly-flags", monday) in {(job.name, moment) for job, moment in at_start}
    with app.app_context():
        assert catch_up(database, folder, at_start=True, now=now) == len(JOBS)
    db.expire_all()
    runs = db.scalars(select(JobRun)).all()
    assert {r.job for r in runs} == set(JOBS) and all(r.status == DONE for r in runs)
    assert next(r for r in runs if r.job == "weekly-flags").attempts == 2
    assert catch_up(database, folder, at_start=True, now=now) == 0  # nothing owed: nothing done twice


def test_scheduler_stores_jobs_in_the_database(app: Flask, db: Session, folder: Storage) -> None:
    """The scheduler process registers every job, and its catch-up, in the shared SQLAlchemy job store."""
    scheduler = build_scheduler(app, app.extensions["turnout.db"], folder)
    runner = threading.Thread(target=scheduler.start, kwargs={"paused": True}, daemon=True)
    runner.start()
    deadline = time.monotonic() + 10
    stored: list[str] = []
    while time.monotonic() < deadline and len(stored) < len(JOBS) + 1:
        stored = list(db.scalars(text("SELECT id FROM apscheduler_jobs")))
        db.rollback()
        time.sleep(0.05)
    flags_trigger = str(scheduler.get_job("weekly-flags").trigger)
    scheduler.shutdown(wait=False)
    runner.join(timeout=10)
    assert sorted(stored) == sorted([*JOBS, CATCH_UP])
    assert flags_trigger == "cron[day_of_week='mon', hour='6', minute='0']"  # Monday 06:00, Europe/London
    assert not runner.is_alive()


@pytest.mark.parametrize("name", sorted(JOBS))
def test_every_job_has_a_schedule_in_words(name: str) -> None:
    job = JOBS[name]
    assert job.schedule and job.description and (job.each_trust is None) != (job.whole is None)


def test_turnout_jobs_run_says_what_each_trust_got_and_refuses_an_unknown_job(
    app: Flask, world: World
) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["jobs", "run", "weekly-flags"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0].endswith(": done: 2 of 2 trusts done")
    assert (
        lines[1].startswith("  Alder Trust: done: flags for the week of ")
        and "2 school snapshots" in lines[1]
    )
    assert lines[2].startswith("  Birch Trust: done: ") and "1 school snapshots" in lines[2]
    unknown = runner.invoke(main, ["jobs", "run", "weekly-flag"])
    assert unknown.exit_code == 1 and "unknown job 'weekly-flag'; jobs are: purge-sessions" in unknown.output


def test_a_run_stopped_part_way_is_marked_failed_not_left_running(
    app: Flask, db: Session, folder: Storage
) -> None:
    def interrupted(_db: Session, _store: Storage, _now: datetime) -> str:
        raise KeyboardInterrupt  # Ctrl-C on `turnout jobs run`

    job = Job("stop", "Stop", "Daily", {"hour": "1"}, lambda now: now.date().isoformat(), whole=interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(app.extensions["turnout.db"], job, now=datetime(2026, 11, 24, 1, tzinfo=UTC), store=folder)
    stopped = db.scalars(select(JobRun)).one()
    assert (stopped.status, stopped.error) == (FAILED, "stopped part-way: KeyboardInterrupt")
