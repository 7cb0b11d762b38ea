"""Admission register use cases: add, change (with a revision), record a leaver, search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, case, func, insert, or_, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.registers.fields import cross_check
from app.registers.models import YEAR_GROUPS, Pupil, PupilContact, PupilRevision, on_roll_on
from tenants.counters import allocate
from tenants.models import School


class RegisterError(ValueError):
    """A change the admission register cannot take, with per-field messages."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))
        self.problems = problems


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def add_pupil(db: Session, school: School, values: dict[str, Any], pupil_id: int | None = None) -> Pupil:
    """Enter a new pupil; the caller commits and may pass ids it reserved for many at once."""
    pupil = Pupil(id=pupil_id or allocate(db, school.id, "pupils"), school_id=school.id, **values)
    db.add(pupil)
    return pupil


def insert_pupils(db: Session, rows: list[dict[str, Any]]) -> None:
    """Insert many new pupils in one executemany (an import of a whole school's roll)."""
    if rows:
        now = utcnow()
        db.execute(insert(Pupil), [{"created_at": now, "updated_at": now, **row} for row in rows])


def apply_changes(
    db: Session, pupil: Pupil, values: dict[str, Any], *, source: str, by_name: str, by_title: str
) -> bool:
    """Change an entry and keep what it was: registers are legal records."""
    changes = {
        name: [_jsonable(getattr(pupil, name)), _jsonable(value)]
        for name, value in values.items()
        if getattr(pupil, name) != value
    }
    if not changes:
        return False
    for name, value in values.items():
        setattr(pupil, name, value)
    db.add(
        PupilRevision(
            school_id=pupil.school_id,
            pupil_id=pupil.id,
            changed_by_name=by_name,
            changed_by_title=by_title,
            source=source,
            changes=changes,
        )
    )
    return True


def create_pupil(db: Session, school: School, values: dict[str, Any]) -> Pupil:
    """Add a pupil from the web form, refusing a UPN already on this school's register."""
    taken = db.scalar(select(Pupil.id).where(Pupil.school_id == school.id, Pupil.upn == values["upn"]))
    if taken is not None:
        raise RegisterError({"upn": f"UPN {values['upn']} is already on this school's register"})
    pupil = add_pupil(db, school, values)
    db.commit()
    return pupil


def update_pupil(db: Session, pupil: Pupil, values: dict[str, Any], *, by_name: str, by_title: str) -> bool:
    """Save an edit from the web form as a revision."""
    if values.get("upn") and values["upn"] != pupil.upn:
        taken = db.scalar(
            select(Pupil.id).where(Pupil.school_id == pupil.school_id, Pupil.upn == values["upn"])
        )
        if taken is not None:
            raise RegisterError({"upn": f"UPN {values['upn']} belongs to another pupil"})
    changed = apply_changes(
        db, pupil, values, source="Edited on the pupil page", by_name=by_name, by_title=by_title
    )
    db.commit()
    return changed


def record_leaver(
    db: Session, pupil: Pupil, leaving_date: date, reason: str, *, by_name: str, by_title: str
) -> None:
    """Take a pupil off roll from a date; the entry itself stays for ever."""
    problems = cross_check({"admission_date": pupil.admission_date, "leaving_date": leaving_date})
    if problems:
        raise RegisterError(problems)
    apply_changes(
        db,
        pupil,
        {"leaving_date": leaving_date, "leaving_reason": reason},
        source="Recorded as a leaver",
        by_name=by_name,
        by_title=by_title,
    )
    db.commit()


def add_contact(db: Session, pupil: Pupil, values: dict[str, Any]) -> PupilContact:
    contact = PupilContact(school_id=pupil.school_id, pupil_id=pupil.id, **values)
    db.add(contact)
    db.commit()
    return contact


@dataclass(frozen=True)
class PupilFilters:
    """What the admission register list can be narrowed by."""

    q: str = ""
    year_group: str = ""
    form: str = ""
    status: str = "on_roll"  # on_roll | left | all
    sen: str = ""
    fsm: str = ""
    on: date | None = None


def pupil_query(school: School, filters: PupilFilters) -> Select[tuple[Pupil]]:
    """Build the register list query for one school."""
    today = filters.on or date.today()
    query = select(Pupil).where(Pupil.school_id == school.id)
    if filters.q:
        term = f"%{filters.q.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Pupil.legal_surname).like(term),
                func.lower(Pupil.legal_forename).like(term),
                func.lower(Pupil.preferred_surname).like(term),
                func.lower(Pupil.preferred_forename).like(term),
                func.lower(Pupil.upn).like(term),
            )
        )
    if filters.year_group:
        query = query.where(Pupil.year_group == filters.year_group)
    if filters.form:
        query = query.where(Pupil.form == filters.form)
    if filters.status == "on_roll":
        query = query.where(on_roll_on(today))
    elif filters.status == "left":
        query = query.where(Pupil.leaving_date < today)
    if filters.sen:
        query = query.where(Pupil.sen == filters.sen)
    if filters.fsm in {"Y", "N"}:
        query = query.where(Pupil.fsm.is_(filters.fsm == "Y"))
    year_order = case({yg: i for i, yg in enumerate(YEAR_GROUPS)}, value=Pupil.year_group)
    return query.order_by(year_order, Pupil.legal_surname, Pupil.legal_forename)


def forms_of(db: Session, school: School) -> list[str]:
    rows = db.scalars(
        select(Pupil.form).where(Pupil.school_id == school.id, Pupil.form.is_not(None)).distinct()
    )
    return sorted(f for f in rows if f)


def revisions_of(db: Session, pupil: Pupil) -> list[PupilRevision]:
    return list(
        db.scalars(
            select(PupilRevision)
            .where(PupilRevision.school_id == pupil.school_id, PupilRevision.pupil_id == pupil.id)
            .order_by(PupilRevision.changed_at.desc())
        )
    )


def count(db: Session, query: Select[tuple[Pupil]]) -> int:
    return db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
