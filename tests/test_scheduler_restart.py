"""Killing the scheduler part-way through a job and starting it again completes the period once."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from app.benchmarks.models import BenchmarkResult, BenchmarkRun
from app.db import normalise_url
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
