"""New pupil and deletion returns: changes to the admission register the LA must hear about, and by when.

Rules (LA guidance, and the statutory guidance it points to):
- New pupil: "within 5 days of adding a pupil's name to the admission register", giving "all the
  information held with the admissions register about the pupil". Calendar days: the guidance says
  "5 days" where it says "ten school days" for absence. Not owed for pupils registered at the start of the
  school's youngest year (a standard transition): admitted in the youngest year group on roll, on or
  before the first register day of the academic year.
- Deletion: "as soon as the ground for deletion is met and no later than the time at which the pupil's
  name is deleted from the register", so the deadline is the leaving date (the last day on roll), and a
  leaver recorded ahead appears before the day. Not owed when the pupil completed the school's final year.

Rows of `new-pupils`: upn, legal_name, preferred_name, date_of_birth, sex, year_group, home_address, postcode,
parent_name, parent_relationship, parent_phone, parent_address, admission_date, entered_on (the day the
entry was made in Turnout), previous_school, previous_school_address, deadline, overdue.

Rows of `deletions`: upn, legal_name, date_of_birth, year_group, home_address, postcode, parent_name,
parent_relationship, parent_phone, parent_address, leaving_date, leaving_reason, recorded_on (the day the
leaving date was entered, from the register's revision history), deadline, overdue.

`overdue` is true once the as-of date is past the deadline: Turnout does not know when the form was sent.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import local
from app.registers.marks import SchoolSession
from app.registers.models import YEAR_GROUPS, Pupil, PupilContact, PupilRevision, on_roll_on
from app.registers.reports import academic_year_start
from tenants.models import School

NEW_PUPIL_DAYS = 5
FINAL_YEAR_REASON = "Completed final year / left at end of compulsory school age"


def _parent(contacts: list[PupilContact]) -> dict[str, Any]:
    """The parent the pupil lives with (with parental responsibility first), else the first contact."""
    ranked = sorted(
        contacts, key=lambda c: (not c.lives_with_pupil, not c.parental_responsibility, c.priority)
    )
    first = ranked[0] if ranked else None
    return {
        "parent_name": first.name if first else None,
        "parent_relationship": first.relationship_to_pupil if first else None,
        "parent_phone": first.phone if first else None,
        "parent_address": first.address if first else None,
    }


def _contacts(db: Session, school: School, pupils: list[Pupil]) -> dict[int, list[PupilContact]]:
    found: dict[int, list[PupilContact]] = {p.id: [] for p in pupils}
    if pupils:
        rows = db.scalars(
            select(PupilContact).where(
                PupilContact.school_id == school.id, PupilContact.pupil_id.in_(list(found))
            )
        )
        for contact in rows:
            found[contact.pupil_id].append(contact)
    return found


def _youngest_year(db: Session, school: School, day: date) -> str | None:
    years = set(db.scalars(select(Pupil.year_group).where(Pupil.school_id == school.id, on_roll_on(day))))
    known = [y for y in YEAR_GROUPS if y in years]
    return known[0] if known else None


def _first_register_day(db: Session, school: School, start: date) -> date | None:
    return db.scalar(
        select(SchoolSession.date)
        .where(SchoolSession.school_id == school.id, SchoolSession.date >= start, SchoolSession.possible > 0)
        .order_by(SchoolSession.date)
        .limit(1)
    )


def _order(rows: list[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r[by], r["legal_name"].lower(), r["upn"]))


def new_pupils(db: Session, school: School, as_of: date) -> list[dict[str, Any]]:
    """Pupils added to the register this academic year up to the as-of date, outside standard transition."""
    start = academic_year_start(as_of)
    pupils = list(
        db.scalars(
            select(Pupil).where(Pupil.school_id == school.id, Pupil.admission_date.between(start, as_of))
        )
    )
    youngest = _youngest_year(db, school, as_of)
    first_day = _first_register_day(db, school, start) or as_of
    contacts = _contacts(db, school, pupils)
    rows = []
    for p in pupils:
        if p.year_group == youngest and p.admission_date <= first_day:
            continue  # the start of the school's youngest year: a standard transition
        deadline = p.admission_date + timedelta(days=NEW_PUPIL_DAYS)
        preferred = f"{p.preferred_forename or p.legal_forename} {p.preferred_surname or p.legal_surname}"
        rows.append(
            {
                "upn": p.upn,
                "legal_name": p.legal_name,
                "preferred_name": preferred,
                "date_of_birth": p.date_of_birth,
                "sex": p.sex,
                "year_group": p.year_group,
                "home_address": p.home_address,
                "postcode": p.postcode,
                **_parent(contacts[p.id]),
                "admission_date": p.admission_date,
                "entered_on": local(p.created_at).date() if p.created_at else None,
                "previous_school": p.previous_school,
                "previous_school_address": p.previous_school_address,
                "deadline": deadline,
                "overdue": as_of > deadline,
            }
        )
    return _order(rows, "admission_date")


def _leaving_recorded(db: Session, school: School, pupil_ids: list[int]) -> dict[int, date]:
    """The UK day each pupil's current leaving date was last entered, from the revision history."""
    found: dict[int, date] = {}
    if not pupil_ids:
        return found
    revisions = db.scalars(
        select(PupilRevision)
        .where(PupilRevision.school_id == school.id, PupilRevision.pupil_id.in_(pupil_ids))
        .order_by(PupilRevision.changed_at)
    )
    for revision in revisions:
        if "leaving_date" in (revision.changes or {}):
            found[revision.pupil_id] = local(revision.changed_at).date()
    return found


def deletions(db: Session, school: School, as_of: date) -> list[dict[str, Any]]:
    """Leavers this academic year, including names due to come off later, but not final-year leavers."""
    start = academic_year_start(as_of)
    pupils = [
        p
        for p in db.scalars(select(Pupil).where(Pupil.school_id == school.id, Pupil.leaving_date >= start))
        if p.leaving_reason != FINAL_YEAR_REASON
    ]
    contacts = _contacts(db, school, pupils)
    recorded = _leaving_recorded(db, school, [p.id for p in pupils])
    rows = []
    for p in pupils:
        assert p.leaving_date is not None  # selected on it
        rows.append(
            {
                "upn": p.upn,
                "legal_name": p.legal_name,
                "date_of_birth": p.date_of_birth,
                "year_group": p.year_group,
                "home_address": p.home_address,
                "postcode": p.postcode,
                **_parent(contacts[p.id]),
                "leaving_date": p.leaving_date,
                "leaving_reason": p.leaving_reason,
                "recorded_on": recorded.get(p.id),
                "deadline": p.leaving_date,
                "overdue": as_of > p.leaving_date,
            }
        )
    return _order(rows, "leaving_date")


def final_year_leavers(db: Session, school: School, as_of: date) -> int:
    """How many leavers were left out because they completed the school's final year."""
    start = academic_year_start(as_of)
    return len(
        list(
            db.scalars(
                select(Pupil.id).where(
                    Pupil.school_id == school.id,
                    Pupil.leaving_date >= start,
                    Pupil.leaving_reason == FINAL_YEAR_REASON,
                )
            )
        )
    )
