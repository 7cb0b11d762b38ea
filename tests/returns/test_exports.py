"""The daily "la-returns" job: each school's four lists stored as CSVs for the UK date, recorded once;
a second run that day writes nothing; another trust's schools are untouched. Folder and S3 stores."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.returns.exports import export_returns
from app.returns.kinds import KINDS, build, to_csv
from app.returns.models import ReturnExport
from app.storage import Storage
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.returns.register import add_register

# 23:30 UTC on Tuesday 20 October is 00:30 on Wednesday 21 October in the UK (summer time).
LATE_EVENING = datetime(2026, 10, 20, 23, 30, tzinfo=UTC)
UK_DAY = date(2026, 10, 21)


def _run(db: Session, store: Storage, trust: Trust) -> str:
    with context.use(system_context(db, "job:la-returns", trust_id=trust.id)):
        summary = export_returns(db, store, trust, LATE_EVENING)
        db.commit()
    return summary


def test_the_job_stores_one_set_per_school_and_day(
    db: Session, world: World, school: School, store: Storage
) -> None:
    add_register(db, world, school)
    trust = db.get(Trust, world.trust_a.id, execution_options=UNSCOPED)
    assert trust is not None
    first = _run(db, store, trust)
    # Tenday (10 days to Tuesday 20th) and Yearone (13 days) by the 21st; Ongoing has 3 days so far.
    assert first == "LA returns for 2026-10-21: 2 schools, 8 lists stored, 2 pupils listed"
    assert _run(db, store, trust) == "LA returns for 2026-10-21: 2 schools, 0 lists stored, 0 pupils listed"

    with context.use(system_context(db, "test", trust_id=trust.id)):
        stored = list(db.scalars(select(ReturnExport)))
    assert sorted((e.school_id, e.kind) for e in stored) == sorted(
        (s, k) for s in (world.a1.id, world.a2.id) for k in KINDS
    )
    assert {e.as_of for e in stored} == {UK_DAY}
    keys = store.list_keys(f"schools/{world.a1.id}/returns/")
    assert keys == [f"schools/{world.a1.id}/returns/2026-10-21/{k}.csv" for k in sorted(KINDS)]
    assert all(len(store.versions(k)) == 1 for k in keys)  # the second run wrote nothing
    assert store.list_keys(f"schools/{world.b1.id}/") == []  # trust B's school is another trust's job

    mine = {e.kind: e for e in stored if e.school_id == world.a1.id}
    with context.use(system_context(db, "test", trust_id=trust.id)):
        expected = to_csv("unauthorised-10", build(db, school, "unauthorised-10", UK_DAY))
    data = store.get(mine["unauthorised-10"].key)
    assert data.decode() == expected
    assert mine["unauthorised-10"].rows == 2
    assert mine["unauthorised-10"].sha256 == store.versions(mine["unauthorised-10"].key)[-1].sha256


def test_trust_b_sees_none_of_trust_as_stored_lists(db: Session, world: World, store: Storage) -> None:
    trust_a = db.get(Trust, world.trust_a.id, execution_options=UNSCOPED)
    assert trust_a is not None
    _run(db, store, trust_a)
    with context.use(system_context(db, "test", trust_id=world.trust_b.id)):
        assert list(db.scalars(select(ReturnExport))) == []
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        assert len(list(db.scalars(select(ReturnExport)))) == 8
