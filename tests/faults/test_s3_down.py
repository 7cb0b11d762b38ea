"""The S3 endpoint down part-way through a job that stores objects: the trust's outcome is failed with
the error in words, no row points at an object that is not there, and once S3 is back the catch-up
makes every letter (pack, list) the job owed exactly once, overwriting what the failed attempt left.

The store is the real S3 store on moto's server; the server is stopped just before a chosen put, so
that put and everything after it meet refused connections, as in an outage.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from hashlib import sha256
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.letters.models import Letter, LetterBatch
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from app.returns.models import ReturnExport
from app.reviews.models import ReviewPack
from app.storage import S3Storage, Storage, get_storage
from app.unreachable import STORE_PAGE
from jobs.catchup import catch_up
from jobs.definitions import JOBS
from jobs.models import DONE, FAILED, JobOutcome, JobRun
from jobs.runner import run
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.calendars.sample import give_calendar
from tests.conftest import World
from tests.factories import Factory, SchoolRef
from tests.faults.outage import DownBefore, Endpoint
from tests.faults.processes import scheduler, wait_for
from tests.helpers import post_form, signed_in
from tests.letters.register import LETTER_DATE, add_register
from tests.reviews.sample import add_term
from tests.storage_fixtures import new_bucket

# Twelve school days to Friday 23 October 2026, the last of Autumn 1: enough sessions for a flag
DAYS = [d for d in (date(2026, 10, 8) + timedelta(days=n) for n in range(16)) if d.weekday() < 5]
AUTUMN_2_FIRST_DAY = datetime(2026, 11, 3, 6, 30, tzinfo=UTC)  # after the INSET day on Monday 2 November
LATER = timedelta(minutes=15)  # the scheduler's next catch-up


@pytest.fixture
def endpoint(s3_endpoint: str) -> Iterator[Endpoint]:
    """An S3 endpoint of this test's own (the session's shared one stays up for the other tests)."""
    made = Endpoint()
    yield made
    if made.server is not None:
        made.down()


@pytest.fixture
def s3(endpoint: Endpoint) -> S3Storage:
    return S3Storage(new_bucket(endpoint.url), "turnout/", endpoint_url=endpoint.url)


def _flagged_pupils(db: Session, world: World, ref: SchoolRef) -> list[tuple[int, int]]:
    """A Year 7 and a Year 9 pupil present every session of Autumn 1's last 12 days: two batches."""
    f = Factory(db)
    pupils = [
        f.pupil(
            ref, surname=f"Letterson{year}", year_group=year, form=f"{year}A", admission_date=date(2026, 9, 2)
        )
        for year in ("7", "9")
    ]
    lines = ["upn,date,session,code"]
    lines += [f"{p.upn},{day},{s},/" for p in pupils for day in DAYS for s in ("AM", "PM")]
    school = db.get(School, ref.id, execution_options=UNSCOPED)
    assert school is not None
    give_calendar(db, school)
    with context.use(system_context(db, "test", trust_id=ref.trust_id)):
        import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="fault test", recorder=Recorder(None, "T", "Test"), reason="test")  # fmt: skip
    return [(ref.id, p.id) for p in pupils]


def _rows(db: Session, model: type) -> list:
    """Every row of a tenant table, read in a transaction begun inside an all-schools context (RLS)."""
    every_school = system_context(db, "test")
    db.rollback()
    with context.use(every_school):
        rows = list(db.scalars(select(model)))
    db.expunge_all()  # read, not expired by the rollback
    db.rollback()
    return rows


def _every_row_has_its_object(store: Storage, rows: list) -> None:
    """Each row's stored version is there and holds the bytes the row describes."""
    for row in rows:
        assert sha256(store.get(row.storage_key, row.storage_version)).hexdigest() == row.sha256, row


def _outcome(db: Session, job: str, trust_id: int) -> JobOutcome:
    run_id = db.scalar(select(JobRun.id).where(JobRun.job == job))
    found = db.get(JobOutcome, (trust_id, run_id), execution_options=UNSCOPED)
    assert found is not None
    db.rollback()
    return found


def _run_with_s3_down(app: Flask, job: str, now: datetime, store: Storage) -> JobRun:
    with app.app_context():  # letters and packs are drawn from the app's templates
        return run(app.extensions["turnout.db"], JOBS[job], now=now, store=store, started_by="scheduler")


def _catch_up(app: Flask, database: Database, store: Storage, now: datetime) -> None:
    with app.app_context():
        catch_up(database, store, now=now + LATER)


def test_s3_down_mid_letter_batch_fails_the_trust_loses_no_letter_and_the_retry_makes_each_once(
    app: Flask, db: Session, world: World, endpoint: Endpoint, s3: S3Storage
) -> None:
    expected = set(_flagged_pupils(db, world, world.a1) + _flagged_pupils(db, world, world.a2))
    # A1's two batches put a print run and a letter each; A2's first print run is stored, then S3 goes
    down = DownBefore(s3, endpoint, put=6)
    failed = _run_with_s3_down(app, "half-termly-letters", AUTUMN_2_FIRST_DAY, down)
    assert len(down.keys) == 6
    assert failed.status == FAILED
    outcome = _outcome(db, "half-termly-letters", world.trust_a.id)
    assert outcome.status == FAILED and outcome.error is not None
    assert (
        "S3 failed on object 'schools/" in outcome.error
        and "Could not connect to the endpoint URL" in outcome.error
    )
    assert failed.error == f"Alder Trust: {outcome.error}"
    assert _outcome(db, "half-termly-letters", world.trust_b.id).status == DONE  # B1 has no calendar
    batches, letters = _rows(db, LetterBatch), _rows(db, Letter)
    assert {b.school_id for b in batches} == {world.a1.id} and len(batches) == 2  # A1's, whole
    for batch in batches:
        assert batch.letters == sum(
            1 for letter in letters if letter.batch_id == batch.id and letter.school_id == batch.school_id
        )
    endpoint.up()
    _every_row_has_its_object(s3, batches + letters)

    _catch_up(app, app.extensions["turnout.db"], s3, AUTUMN_2_FIRST_DAY)
    retried = db.scalars(select(JobRun).where(JobRun.job == "half-termly-letters")).one()
    db.rollback()
    assert (retried.status, retried.attempts, retried.detail) == (DONE, 2, "2 of 2 trusts done")
    outcome = _outcome(db, "half-termly-letters", world.trust_a.id)
    assert (outcome.status, outcome.attempts) == (DONE, 2)
    assert "2 batches made, 2 letters; 2 made by an earlier run, not made again" in (outcome.detail or "")
    batches, letters = _rows(db, LetterBatch), _rows(db, Letter)
    assert sorted((letter.school_id, letter.pupil_id) for letter in letters) == sorted(
        expected
    )  # each pupil's letter, once
    assert sorted((b.school_id, b.period) for b in batches) == sorted(
        (school, f"2026-09-02/Y{year}") for school in (world.a1.id, world.a2.id) for year in ("7", "9")
    )
    _every_row_has_its_object(s3, batches + letters)
    # the failed attempt's print run was drawn again byte for byte, so it was overwritten: no object
    # in the letters folders is left that no row lists
    stored = {key for key in s3.list_keys("schools/") if "/letters/" in key}
    assert stored == {row.storage_key for row in batches + letters}


def test_s3_down_mid_la_returns_fails_the_trust_and_the_retry_stores_each_list_once(
    app: Flask, db: Session, world: World, endpoint: Endpoint, s3: S3Storage
) -> None:
    now = datetime(2026, 11, 24, 6, 45, tzinfo=UTC)
    down = DownBefore(s3, endpoint, put=5)  # A1's four lists are stored, then S3 goes
    failed = _run_with_s3_down(app, "la-returns", now, down)
    assert failed.status == FAILED and "S3 failed on object" in (failed.error or "")
    assert _rows(db, ReturnExport) == []  # the trust's lists are one transaction: none of A1's is listed
    endpoint.up()
    _catch_up(app, app.extensions["turnout.db"], s3, now)
    retried = db.scalars(select(JobRun).where(JobRun.job == "la-returns")).one()
    db.rollback()
    assert retried.status == DONE
    exports = _rows(db, ReturnExport)
    assert (
        len(exports) == 4 * 3 and len({(e.school_id, e.kind) for e in exports}) == 12
    )  # 4 lists x 3 schools
    for export in exports:
        versions = s3.versions(export.key)
        assert versions[-1].sha256 == export.sha256  # the newest version is the list the row describes
    stored = {key for key in s3.list_keys("schools/") if "/returns/" in key}
    assert stored == {e.key for e in exports}  # A1's lists from the failed attempt were overwritten


def test_s3_down_mid_review_packs_fails_the_trust_and_the_retry_makes_each_pack_once(
    app: Flask, db: Session, world: World, endpoint: Endpoint, s3: S3Storage
) -> None:
    add_term(db, world)
    now = datetime(2026, 12, 21, 7, 0, tzinfo=UTC)  # every school's autumn packs are due
    down = DownBefore(s3, endpoint, put=3)  # Alder One's two editions are stored, then S3 goes
    failed = _run_with_s3_down(app, "review-packs", now, down)
    assert failed.status == FAILED and "S3 failed on object" in (failed.error or "")
    assert _rows(db, ReviewPack) == []
    endpoint.up()
    _catch_up(app, app.extensions["turnout.db"], s3, now)
    packs = _rows(db, ReviewPack)
    assert sorted((p.school_id, p.edition) for p in packs) == sorted(
        (school, edition)
        for school in (world.a1.id, world.a2.id, world.b1.id)
        for edition in ("full", "governors")
    )  # Alder One by its calendar; Alder Two and Birch One (no calendars) by the autumn season
    _every_row_has_its_object(s3, packs)
    stored = {key for key in s3.list_keys("schools/") if "/reviews/" in key}
    assert stored == {p.storage_key for p in packs}
    assert db.scalar(select(func.count()).select_from(JobRun).where(JobRun.status != DONE)) == 0


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_scheduler_started_while_s3_is_down_runs_the_rest_records_what_failed_and_retries_it(
    app: Flask, db: Session, world: World, endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TURNOUT_STORAGE_URL", f"s3://{new_bucket(endpoint.url)}/turnout")
    monkeypatch.setenv("TURNOUT_S3_ENDPOINT_URL", endpoint.url)  # the scheduler's process reads both
    endpoint.down()
    log = tmp_path / "scheduler.log"

    def runs() -> dict[str, tuple[str, int, str | None]]:
        db.rollback()
        return {r.job: (r.status, r.attempts, r.error) for r in db.scalars(select(JobRun))}

    def settled() -> bool:
        found = runs()
        return len(found) == len(JOBS) and all(status in (DONE, FAILED) for status, _a, _e in found.values())

    with scheduler(log) as started:
        wait_for(settled, "every job's first run", log, process=started)
    first = runs()
    failed = {job for job, (status, _a, _e) in first.items() if status == FAILED}
    assert {"la-returns", "nightly-backup"} <= failed  # each writes objects every day
    for job in failed:
        assert "Could not connect to the endpoint URL" in (first[job][2] or ""), first[job]
    assert first["workflow-tasks"][0] == first["trust-benchmarks"][0] == DONE  # no S3 needed, so not held up
    endpoint.up()
    with scheduler(log) as restarted:  # its catch-up at start retries the failed runs

        def done() -> bool:
            return all(status == DONE for status, _a, _e in runs().values())

        wait_for(done, "the retries", log, process=restarted)
    assert {job: attempts for job, (_s, attempts, _e) in runs().items()} == {
        job: 2 if job in failed else 1 for job in JOBS
    }
    assert len(_rows(db, ReturnExport)) == 4 * 3


def test_a_letter_made_on_the_web_while_s3_is_down_answers_503_in_words_and_keeps_no_row(
    app: Flask, client: FlaskClient, db: Session, world: World, school: School, endpoint: Endpoint
) -> None:
    okafor = add_register(db, world, school)["Okafor"]
    app.config.update(STORAGE_URL=f"s3://{new_bucket(endpoint.url)}/turnout", S3_ENDPOINT_URL=endpoint.url)
    endpoint.down()
    signed_in(client, world.users["a1_staff"])
    path = f"/schools/100001/pupils/{okafor.id}/letters"
    letter = {"kind": "traffic_light", "letter_date": LETTER_DATE.isoformat()}
    refused = post_form(client, path, letter)
    assert refused.status_code == 503 and int(refused.headers["Retry-After"]) > 0
    assert STORE_PAGE[1] in refused.get_data(as_text=True)
    assert _rows(db, Letter) == [] and _rows(db, LetterBatch) == []
    endpoint.up()
    assert post_form(client, path, letter).status_code == 302
    made = _rows(db, Letter)
    assert [row.pupil_id for row in made] == [okafor.id]
    with app.app_context():
        _every_row_has_its_object(get_storage(), made)
