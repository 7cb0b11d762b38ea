"""Run a job for one period: claim the period, then do each trust's work once, each in its own transaction.

A trust's work and its `done` outcome commit together, so a crash or kill loses at most the trust in hand,
and running the period again (a re-run, a duplicate, the scheduler catching up after a restart) does only
what is not yet done. A failure rolls that trust's work back and is recorded with its error.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import load_config
from app.db import Database, utcnow
from app.storage import Storage, open_storage
from jobs.models import DONE, FAILED, RUNNING, JobOutcome, JobRun
from tenants import context
from tenants.access import system_context
from tenants.models import Trust
from tenants.scoping import UNSCOPED

log = logging.getLogger("turnout.jobs")

TrustWork = Callable[[Session, Storage, Trust, datetime], str]
WholeWork = Callable[[Session, Storage, datetime], str]


@dataclass(frozen=True)
class Job:
    """A scheduled job: what it is called, when it runs, which period a moment belongs to, and its work."""

    name: str
    description: str
    schedule: str  # in words, for the jobs page
    cron: dict[str, str]
    period_of: Callable[[datetime], str]
    each_trust: TrustWork | None = None
    whole: WholeWork | None = None
    every_missed: bool = True  # after downtime, run each period missed; False: only the latest one


def default_store() -> Storage:
    """The object store the settings name, as the web app opens it."""
    config = load_config()
    return open_storage(config["STORAGE_URL"], config["S3_ENDPOINT_URL"])


def run(
    database: Database, job: Job, *, now: datetime | None = None, store: Storage | None = None,
    started_by: str = "turnout jobs run",
) -> JobRun:  # fmt: skip
    """Run `job` for the period holding `now` unless that period is already done; returns its record."""
    now = now or utcnow()
    period = job.period_of(now)
    run_id = _claim(database, job.name, period, now, started_by)
    if run_id is None:
        return _record(database, job.name, period)
    try:
        store = store or default_store()
        if job.whole is not None:
            _run_whole(database, job, run_id, store, now)
        else:
            _run_trusts(database, job, run_id, store, now)
    except BaseException as error:  # a lost connection, Ctrl-C: never leave the run marked running
        with database.session() as db:
            _finish(db, run_id, FAILED, None, f"stopped part-way: {_error_text(error)}")
        raise
    return _record(database, job.name, period)


def _claim(database: Database, name: str, period: str, now: datetime, started_by: str) -> int | None:
    """The run's id, after recording this attempt; None when the period is already done."""
    with database.session() as db:
        found = db.scalar(select(JobRun).where(JobRun.job == name, JobRun.period == period))
        if found is None:
            found = JobRun(job=name, period=period, status=RUNNING, scheduled_for=now, started_by=started_by)
            db.add(found)
            try:
                db.commit()
            except IntegrityError:  # a duplicate claimed it a moment ago: carry on as its re-run
                db.rollback()
                found = db.scalars(select(JobRun).where(JobRun.job == name, JobRun.period == period)).one()
            else:
                return found.id
        if found.status == DONE:
            return None
        found.status, found.attempts, found.started_by = RUNNING, found.attempts + 1, started_by
        found.started_at, found.finished_at, found.error = utcnow(), None, None
        db.commit()
        return found.id


def _record(database: Database, name: str, period: str) -> JobRun:
    with database.session() as db:
        found = db.scalars(select(JobRun).where(JobRun.job == name, JobRun.period == period)).one()
        db.expunge(found)
        return found


def _run_whole(database: Database, job: Job, run_id: int, store: Storage, now: datetime) -> None:
    assert job.whole is not None
    with database.session() as db:
        try:
            with context.use(system_context(db, f"job:{job.name}")):
                _hold(db, f"job:{job.name}")
                if db.scalar(select(JobRun.status).where(JobRun.id == run_id)) == DONE:
                    return  # another process finished it while this one waited
                detail = job.whole(db, store, now)
                db.commit()
        except Exception as error:
            db.rollback()
            log.exception("%s failed", job.name)
            _finish(db, run_id, FAILED, None, _error_text(error))
            return
        _finish(db, run_id, DONE, detail, None)


def _run_trusts(database: Database, job: Job, run_id: int, store: Storage, now: datetime) -> None:
    """Each trust not yet done, in turn; one trust's failure does not stop the others."""
    assert job.each_trust is not None
    with database.session() as db:
        trusts = db.scalars(select(Trust.id).order_by(Trust.id).execution_options(**UNSCOPED)).all()
        for trust_id in trusts:
            _run_trust(db, job, run_id, trust_id, store, now)
        outcomes = db.execute(
            select(JobOutcome.status, func.count())
            .where(JobOutcome.run_id == run_id)
            .group_by(JobOutcome.status)
            .execution_options(**UNSCOPED)
        ).all()
        counts = dict(outcomes)
        done, failed = counts.get(DONE, 0), counts.get(FAILED, 0)
        summary = f"{done} of {len(trusts)} trusts done" + (f", {failed} failed" if failed else "")
        status = DONE if done == len(trusts) else FAILED
        _finish(db, run_id, status, summary, None if status == DONE else "; ".join(_errors(db, run_id)))


def _run_trust(db: Session, job: Job, run_id: int, trust_id: int, store: Storage, now: datetime) -> None:
    assert job.each_trust is not None
    with context.use(system_context(db, f"job:{job.name}", trust_id=trust_id)):
        _hold(db, f"job:{job.name}:{trust_id}")
        outcome = db.get(JobOutcome, (trust_id, run_id), with_for_update=True)
        if outcome is not None and outcome.status == DONE:
            db.rollback()
            return
        started = utcnow()
        try:
            trust = db.get(Trust, trust_id)
            assert trust is not None
            detail = job.each_trust(db, store, trust, now)
            if outcome is None:
                outcome = JobOutcome(trust_id=trust_id, run_id=run_id, attempts=0)
                db.add(outcome)
            outcome.status, outcome.detail, outcome.error = DONE, detail, None
            outcome.attempts, outcome.started_at, outcome.finished_at = (
                outcome.attempts + 1,
                started,
                utcnow(),
            )
            db.commit()
        except Exception as error:
            db.rollback()
            log.exception("%s failed for trust %s", job.name, trust_id)
            _record_failure(db, run_id, trust_id, started, _error_text(error))


def _hold(db: Session, key: str) -> None:
    """On PostgreSQL, one process at a time works on a job (or a job's trust) until the transaction ends."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def _record_failure(db: Session, run_id: int, trust_id: int, started: datetime, error: str) -> None:
    """Record the failure, unless a concurrent run finished this trust meanwhile (its result stands)."""
    outcome = db.get(JobOutcome, (trust_id, run_id))
    if outcome is not None and outcome.status == DONE:
        db.rollback()
        return
    if outcome is None:
        outcome = JobOutcome(trust_id=trust_id, run_id=run_id, attempts=0)
        db.add(outcome)
    outcome.status, outcome.detail, outcome.error = FAILED, None, error
    outcome.attempts, outcome.started_at, outcome.finished_at = outcome.attempts + 1, started, utcnow()
    db.commit()


def _errors(db: Session, run_id: int) -> list[str]:
    rows = db.execute(
        select(Trust.name, JobOutcome.error)
        .join(Trust, Trust.id == JobOutcome.trust_id)
        .where(JobOutcome.run_id == run_id, JobOutcome.status == FAILED)
        .order_by(Trust.name)
        .execution_options(**UNSCOPED)
    )
    return [f"{name}: {error}" for name, error in rows]


def _finish(db: Session, run_id: int, status: str, detail: str | None, error: str | None) -> None:
    db.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(status=status, detail=detail, error=error, finished_at=utcnow())
    )
    db.commit()


def _error_text(error: BaseException) -> str:
    """The error's last line, as a person reading the jobs page needs it (the log has the traceback)."""
    return traceback.format_exception_only(error)[-1].strip()[:2000]
