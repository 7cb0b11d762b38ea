"""Killing the scheduler part-way through a job and starting it again completes the period once, and
every period whose time came while it was down is run once when it starts again: no duplicate, no gap."""

from __future__ import annotations

import os
import signal
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from app.benchmarks.models import BenchmarkResult, BenchmarkRun
from app.db import normalise_url, utcnow
from jobs.catchup import last_due
from jobs.definitions import JOBS
from jobs.models import DONE, RUNNING, JobOutcome, JobRun
from tenants import context
from tenants.access import system_context
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.faults.processes import scheduler, wait_for

JOB = "trust-benchmarks"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_run_killed_mid_job_is_completed_once_after_a_restart(
    app: object, db: Session, world: World, database_url: str, tmp_path: Path
) -> None:
    assert os.environ["TURNOUT_DATABASE_URL"] == database_url  # the scheduler process uses this database
    log = tmp_path / "scheduler.log"

    def run() -> JobRun | None:
        db.rollback()
        return db.scalar(select(JobRun).where(JobRun.job == JOB))

    def outcomes() -> dict[int, tuple[str, int]]:
        db.rollback()
        rows = db.scalars(
            select(JobOutcome).where(JobOutcome.run_id == run().id).execution_options(**UNSCOPED)
        )
        return {o.trust_id: (o.status, o.attempts) for o in rows}

    engine = create_engine(normalise_url(database_url))
    holder = engine.connect()
    key = f"job:{JOB}:{world.trust_b.id}"
    holder.execute(text("SELECT pg_advisory_lock(hashtext(:key))"), {"key": key})  # trust B's turn waits
    try:
        with scheduler(log) as first:
            wait_for(
                lambda: run() is not None and outcomes().get(world.trust_a.id) == (DONE, 1), "trust A", log
            )
            first.send_signal(signal.SIGKILL)  # mid-job: trust A committed, trust B in hand
            first.wait(timeout=30)
        assert run().status == RUNNING and world.trust_b.id not in outcomes()
    finally:
        holder.execute(text("SELECT pg_advisory_unlock(hashtext(:key))"), {"key": key})
        holder.close()
        engine.dispose()
    with scheduler(log):
        wait_for(lambda: run().status == DONE, "the restarted scheduler to finish the run", log)
    finished = run()
    assert finished.attempts == 2 and finished.detail == "2 of 2 trusts done"
    assert finished.period == JOBS[JOB].period_of(last_due(JOBS[JOB], finished.scheduled_for))
    assert outcomes() == {world.trust_a.id: (DONE, 1), world.trust_b.id: (DONE, 1)}  # each trust done once
    assert db.scalar(select(func.count()).select_from(JobRun).where(JobRun.job == JOB)) == 1
    with context.use(system_context(db, "test")):
        runs = db.execute(select(BenchmarkRun.trust_id, func.count()).group_by(BenchmarkRun.trust_id)).all()
        results = db.scalar(select(func.count()).select_from(BenchmarkResult))
        schools = db.scalar(
            select(func.count(func.distinct(BenchmarkResult.school_id))).where(
                BenchmarkResult.level == "school"
            )
        )
    assert dict(runs) == {world.trust_a.id: 1, world.trust_b.id: 1}  # one set of results per trust
    assert results and schools == 3


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_every_period_due_while_the_scheduler_was_down_is_run_once_when_it_starts_again(
    app: object, db: Session, world: World, database_url: str, tmp_path: Path
) -> None:
    log = tmp_path / "scheduler.log"
    last_seen = utcnow() - timedelta(days=2, hours=6)  # the scheduler went down then, each job done
    last = {name: last_due(job, last_seen) for name, job in JOBS.items()}
    for name, moment in last.items():
        assert moment is not None
        db.add(JobRun(job=name, period=JOBS[name].period_of(moment), status=DONE, scheduled_for=moment,
                      started_by="scheduler", started_at=moment, finished_at=moment))  # fmt: skip
    db.commit()
    seeded = {(name, JOBS[name].period_of(moment)) for name, moment in last.items() if moment}

    def owed_now() -> dict[str, set[str]]:
        """What each job must have run by now: each period since, or the latest for a latest-only job."""
        now = utcnow()
        owed = {}
        for name, job in JOBS.items():
            fired = _fired(job.cron, last[name], now)
            owed[name] = {job.period_of(m) for m in (fired if job.every_missed else fired[-1:])}
        return owed

    def runs() -> dict[str, list[tuple[str, str, int]]]:
        db.rollback()
        found: dict[str, list[tuple[str, str, int]]] = {}
        for run in db.scalars(select(JobRun).order_by(JobRun.id)):
            if (run.job, run.period) not in seeded:
                found.setdefault(run.job, []).append((run.period, run.status, run.attempts))
        return found

    def caught_up() -> bool:
        done = {job: {p for p, status, _a in rows if status == DONE} for job, rows in runs().items()}
        return all(periods <= done.get(job, set()) for job, periods in owed_now().items())

    with scheduler(log) as started:
        wait_for(caught_up, "every missed period to be run", log, seconds=240, process=started)
    owed, made = owed_now(), runs()
    assert sum(map(len, owed.values())) > len(JOBS)  # two days and more: daily jobs owe two or three each
    for name in JOBS:  # a weekly job may owe nothing, as when the scheduler went down just after its run
        rows = made.get(name, [])
        assert sorted(period for period, _s, _a in rows) == sorted(owed[name]), name  # once each, no more
        assert all(attempts == 1 for _p, _s, attempts in rows), rows


def _fired(cron: dict[str, str], after: datetime, until: datetime) -> list[datetime]:
    """The schedule's moments after one and up to another, read from the cron fields by APScheduler."""
    trigger = CronTrigger(**cron, timezone="Europe/London")
    fired, fire = [], trigger.get_next_fire_time(None, after + timedelta(seconds=1))
    while fire is not None and fire <= until:
        fired.append(fire)
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return fired
