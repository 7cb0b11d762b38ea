"""What the jobs page shows: each job's schedule, next run and latest runs, as one trust may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from jobs.definitions import JOBS
from jobs.models import JobOutcome, JobRun
from jobs.runner import Job
from tenants.models import Trust
from tenants.scoping import UNSCOPED

RUNS_SHOWN = 10


@dataclass(frozen=True)
class RunRow:
    """One run; `outcome` is the trust's own (None for whole-platform jobs and for the platform view)."""

    run: JobRun
    outcome: JobOutcome | None
    outcomes: list[tuple[str, JobOutcome]]  # every trust's, for platform administrators only


@dataclass(frozen=True)
class JobRows:
    job: Job
    next_run: datetime | None
    runs: list[RunRow]


def next_runs(db: Session) -> dict[str, datetime]:
    """When the scheduler process will next run each job (empty until it has started once)."""
    if not inspect(db.get_bind()).has_table("apscheduler_jobs"):
        return {}
    rows = db.execute(text("SELECT id, next_run_time FROM apscheduler_jobs WHERE next_run_time IS NOT NULL"))
    return {name: datetime.fromtimestamp(stamp, UTC) for name, stamp in rows}


def job_rows(db: Session, trust: Trust | None) -> list[JobRows]:
    """Every job with its latest runs: a trust sees its own outcomes, the platform view sees all."""
    upcoming = next_runs(db)
    found = []
    for job in JOBS.values():
        runs = db.scalars(
            select(JobRun)
            .where(JobRun.job == job.name)
            .order_by(JobRun.scheduled_for.desc())
            .limit(RUNS_SHOWN)
        ).all()
        found.append(JobRows(job, upcoming.get(job.name), [_row(db, run, trust) for run in runs]))
    return found


def _row(db: Session, run: JobRun, trust: Trust | None) -> RunRow:
    if trust is not None:
        return RunRow(run, db.get(JobOutcome, (trust.id, run.id)), [])
    return RunRow(run, None, every_outcome(db, run.id))


def every_outcome(db: Session, run_id: int) -> list[tuple[str, JobOutcome]]:
    """Each trust's outcome of a run, by trust name: for platform administrators and the command line."""
    rows = db.execute(
        select(Trust.name, JobOutcome)
        .join(Trust, Trust.id == JobOutcome.trust_id)
        .where(JobOutcome.run_id == run_id)
        .order_by(Trust.name)
        .execution_options(**UNSCOPED)
    )
    return [(name, outcome) for name, outcome in rows]
