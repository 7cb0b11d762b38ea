"""The daily job that stores each school's four return lists as CSVs, once per UK day, and reads them back."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import local
from app.returns.kinds import KINDS, build, to_csv
from app.returns.models import ReturnExport
from app.storage import Storage, school_key
from tenants.counters import allocate
from tenants.models import School, Trust


def export_key(school: School, kind: str, as_of: date) -> str:
    return school_key(school, "returns", as_of.isoformat(), f"{kind}.csv")


def export_school(db: Session, store: Storage, school: School, as_of: date) -> tuple[int, int]:
    """Store the lists this school has not stored for the day yet: (lists written, rows written)."""
    done = set(
        db.scalars(
            select(ReturnExport.kind).where(ReturnExport.school_id == school.id, ReturnExport.as_of == as_of)
        )
    )
    lists = rows = 0
    for kind in KINDS:
        if kind in done:
            continue
        found = build(db, school, kind, as_of)
        stored = store.put(export_key(school, kind, as_of), to_csv(kind, found).encode(), "text/csv")
        db.add(
            ReturnExport(
                school_id=school.id,
                id=allocate(db, school.id, "return_exports"),
                kind=kind,
                as_of=as_of,
                key=stored.key,
                rows=len(found),
                sha256=stored.sha256,
            )
        )
        lists, rows = lists + 1, rows + len(found)
    db.flush()
    return lists, rows


def export_returns(db: Session, store: Storage, trust: Trust, now: datetime) -> str:
    """Job "la-returns": each school's lists for the UK date of `now`; a re-run that day adds nothing."""
    as_of = local(now).date()
    schools = list(db.scalars(select(School).where(School.trust_id == trust.id).order_by(School.urn)))
    lists = rows = 0
    for school in schools:
        written, count = export_school(db, store, school, as_of)
        lists, rows = lists + written, rows + count
    return (
        f"LA returns for {as_of}: {_count(len(schools), 'school')}, {_count(lists, 'list')} stored, "
        f"{_count(rows, 'pupil')} listed"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def recent_exports(db: Session, school: School, limit: int = 120) -> list[ReturnExport]:
    """The school's stored lists, newest day first."""
    return list(
        db.scalars(
            select(ReturnExport)
            .where(ReturnExport.school_id == school.id)
            .order_by(ReturnExport.as_of.desc(), ReturnExport.kind)
            .limit(limit)
        )
    )


def export_in(db: Session, school: School, export_id: int) -> ReturnExport | None:
    return db.get(ReturnExport, (school.id, export_id))
