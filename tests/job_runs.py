"""Reading what a job run did, trust by trust."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jobs.models import JobOutcome, JobRun
from tenants.scoping import UNSCOPED


def outcome_details(db: Session, run: JobRun) -> dict[int, str | None]:
    """Each trust's one-line summary of the run, by trust id."""
    rows = db.execute(
        select(JobOutcome.trust_id, JobOutcome.detail)
        .where(JobOutcome.run_id == run.id)
        .execution_options(**UNSCOPED)
    )
    return {trust_id: detail for trust_id, detail in rows}
