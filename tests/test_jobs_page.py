"""The jobs page: a trust leader sees each run's outcome and error for their own trust, and nothing else."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.storage import FolderStorage
from jobs.definitions import run_job
from jobs.models import FAILED, JobOutcome, JobRun
from tests.conftest import World
from tests.helpers import signed_in

MONDAY = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _runs(app: Flask, db: Session, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A real weekly-flags run for both trusts, and a workflow run that failed for trust B only."""
    database = app.extensions["turnout.db"]
    run_job(database, "weekly-flags", now=MONDAY, store=FolderStorage(tmp_path))
    failed = JobRun(job="workflow-tasks", period="2026-11-23", status=FAILED, scheduled_for=MONDAY,
                    started_by="scheduler", finished_at=MONDAY, detail="1 of 2 trusts done, 1 failed",
                    error="Birch Trust: RuntimeError: Birchsecret calendar broke")  # fmt: skip
    db.add(failed)
    db.flush()
    db.add_all([
        JobOutcome(trust_id=world.trust_a.id, run_id=failed.id, status="done", detail="tasks for Alderdetail"),
        JobOutcome(trust_id=world.trust_b.id, run_id=failed.id, status=FAILED, error="Birchsecret calendar broke"),
    ])  # fmt: skip
    db.commit()


def test_a_trust_leader_sees_their_trust_s_outcomes_durations_and_errors(
    app: Flask, db: Session, world: World, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    _runs(app, db, world, tmp_path)
    page = (
        signed_in(app.test_client(), world.users["a_leader"])
        .get("/trusts/trust-a/jobs")
        .get_data(as_text=True)
    )
    assert "Compute every school&#39;s flags for the week just ended" in page
    assert "flags for the week of 2026-11-16: 2 school snapshots" in page  # trust A's own figure
    assert "Mondays at 06:00" in page and '<th scope="row">2026-11-16</th>' in page
    assert "tasks for Alderdetail" in page and "Done" in page
    assert "Birchsecret" not in page and "1 school snapshots" not in page  # nothing of trust B's
    theirs = (
        signed_in(app.test_client(), world.users["b_leader"])
        .get("/trusts/trust-b/jobs")
        .get_data(as_text=True)
    )
    assert "Birchsecret calendar broke" in theirs and "Failed" in theirs and "Alderdetail" not in theirs


def test_the_jobs_pages_are_refused_to_everyone_else(app: Flask, db: Session, world: World, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _runs(app, db, world, tmp_path)
    for label in ("b_leader", "a1_lead", "a_governor", "a1_staff"):
        client = signed_in(app.test_client(), world.users[label])
        assert client.get("/trusts/trust-a/jobs").status_code == 404, label
        assert client.get("/jobs").status_code == 403, label
    db.execute(update(User).where(User.email == world.users["b_leader"]).values(is_platform_admin=True))
    db.commit()
    page = signed_in(app.test_client(), world.users["b_leader"]).get("/jobs").get_data(as_text=True)
    assert "Birch Trust: RuntimeError: Birchsecret calendar broke" in page and "tasks for Alderdetail" in page
