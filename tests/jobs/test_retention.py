"""The retention review: a pupil who left 7 years ago is listed with their records, recent ones are not,
other trusts are not touched, a re-run the same day writes nothing new, and nothing is ever deleted."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.interventions import services as casework
from app.registers.mark_import import import_marks
from app.registers.models import Pupil
from app.registers.recording import Recorder
from app.storage import Storage
from jobs.retention import cutoff_for, review_retention, reviews
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tenants.scoping import UNSCOPED, sync_rls
from tests.conftest import World
from tests.factories import Factory

NOW = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 23:30 UTC is still 24 November in the UK (GMT)
CLERK = Recorder(None, "Dana Clerk", "Data manager")


def _import(db: Session, school: School, lines: list[str], reason: str = "test") -> None:
    data = io.BytesIO(("upn,date,session,code\n" + "\n".join(lines) + "\n").encode())
    import_marks(
        db, school, data, source="import", description="retention test", recorder=CLERK, reason=reason
    )


def _arrange(db: Session, world: World) -> tuple[School, str]:
    """Okonjo left A1 in July 2019 with four marks (one amended) and a closed case; A1's pupil and B1's
    pupil have marks from last week."""
    old = Factory(db).pupil(world.a1, surname="Okonjo", year_group="11", form="11B",
                            admission_date=date(2014, 9, 1), leaving_date=date(2019, 7, 19))  # fmt: skip
    a1 = db.get(School, world.a1.id, execution_options=UNSCOPED)
    b1 = db.get(School, world.b1.id, execution_options=UNSCOPED)
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        _import(db, a1, [f"{old.upn},2019-07-{d},{s},/" for d in (15, 16) for s in ("AM", "PM")])
        _import(db, a1, [f"{old.upn},2019-07-16,AM,I"], reason="Parent phoned: ill")
        _import(db, a1, [f"{world.pupils['a1'].upn},2026-11-16,{s},/" for s in ("AM", "PM")])
        pupil = db.get(Pupil, (a1.id, old.id))
        case = casework.open_case(db, a1, pupil, stage="monitor", owner_id=1, owner_name="Alex Morgan",
                                  reason="Falling attendance", opened_on=date(2019, 3, 1), recorder=CLERK,
                                  today=date(2026, 11, 24))  # fmt: skip
        casework.close_case(
            db, a1, case, closed_on=date(2019, 6, 28), outcome="Improved", today=date(2026, 11, 24)
        )
        db.commit()
    with context.use(system_context(db, "test", trust_id=world.trust_b.id)):
        _import(db, b1, [f"{world.pupils['b1'].upn},2026-11-16,{s},/" for s in ("AM", "PM")])
    return a1, old.upn


def _counts(db: Session) -> dict[str, int]:
    """Every table's rows, seen through an all-schools context (RLS on PostgreSQL needs one)."""
    with context.use(system_context(db, "test")):
        sync_rls(db)  # raw SQL below: set the context's schools for RLS, as ORM queries do themselves
        conn = db.connection()
        names = sa.inspect(conn).get_table_names()
        counts = {n: conn.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}  # noqa: S608
    db.rollback()
    return counts


def _review(db: Session, store: Storage, world: World) -> str:
    with context.use(system_context(db, "job:retention-review", trust_id=world.trust_a.id)):
        trust = db.get(Trust, world.trust_a.id)
        assert trust is not None
        return review_retention(db, store, trust, NOW)


def test_cutoff_is_six_years_before_and_a_leap_day_falls_back() -> None:
    assert cutoff_for(date(2026, 11, 24)) == date(2020, 11, 24)
    assert cutoff_for(date(2028, 2, 29)) == date(2022, 2, 28)


def test_an_old_leaver_is_listed_with_their_records_and_nothing_is_deleted(
    db: Session, world: World, store: Storage
) -> None:
    a1, upn = _arrange(db, world)
    before = _counts(db)
    assert before["marks"] == 8 and before["mark_amendments"] == 1 and before["cases"] == 1
    summary = _review(db, store, world)
    assert summary == (
        "retention review 2026-11-24 (records dated before 2020-11-24): 2 schools; 1 leaver, "
        "4 marks (1 amendment), 1 closed case, 0 letters, 0 first-day calls past 6 years; nothing deleted"
    )
    assert _counts(db) == before  # every row still there
    rows = list(csv.DictReader(io.StringIO(store.get(f"schools/{a1.id}/retention/2026-11-24.csv").decode())))
    assert [(r["Record"], r["UPN"], r["Pupil"]) for r in rows] == [
        ("leaver", upn, "Okonjo, Sam"), ("marks", upn, "Okonjo, Sam"), ("closed case", upn, "Okonjo, Sam")
    ]  # fmt: skip
    leaver, marks, case = rows
    assert (leaver["Dated"], leaver["Marks"], leaver["Amendments"], leaver["Cases"], leaver["Letters"]) == (
        "2019-07-19", "4", "1", "1", "0"
    )  # fmt: skip
    assert (marks["Dated"], marks["Marks"], marks["Amendments"]) == ("2019-07-16", "4", "1")
    assert marks["Note"] == "marks from 2019-07-15 to 2019-07-16"
    assert case["Dated"] == "2019-06-28"
    a2_rows = store.get(f"schools/{world.a2.id}/retention/2026-11-24.csv").decode().splitlines()
    assert a2_rows == ["Record,UPN,Pupil,Reference,Dated,Marks,Amendments,Cases,Letters,First-day calls,Note"]
    assert store.list_keys(f"schools/{world.b1.id}/") == []  # trust B's schools are not trust A's job
    schools = [a1, db.get(School, world.a2.id, execution_options=UNSCOPED)]
    listed = reviews(store, schools)  # type: ignore[arg-type]
    assert [(r.school_id, r.as_of, r.counts["leavers"]) for r in listed] == [
        (world.a2.id, date(2026, 11, 24), 0), (a1.id, date(2026, 11, 24), 1)
    ]  # fmt: skip


def test_a_second_review_the_same_day_writes_nothing_new(db: Session, world: World, store: Storage) -> None:
    a1, _upn = _arrange(db, world)
    first = _review(db, store, world)
    assert _review(db, store, world) == first
    assert len(store.versions(f"schools/{a1.id}/retention/2026-11-24.csv")) == 1
    assert len(store.versions(f"schools/{a1.id}/retention/2026-11-24.json")) == 1
