"""Taking a register for a form or year group: one session, one transaction, amendments with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.refusals import Refused
from app.registers.codes import LATE_CODES, CodeError, lookup
from app.registers.mark_checks import MAX_MINUTES
from app.registers.marks import Mark, MarkBatch
from app.registers.models import YEAR_GROUPS, Pupil, on_roll_on
from app.registers.recording import Change, Entry, Recorder, Rollups, amend_marks, insert_marks, open_batch
from app.registers.services import forms_of
from tenants.models import School


class RegisterRejected(Refused):
    """Nothing was saved; `problems` maps a pupil id (or 'register') to what is wrong."""


@dataclass(frozen=True)
class RegisterRow:
    pupil: Pupil
    code: str
    minutes_late: int | None
    recorded_by: str | None
    recorded_at: str | None


def register_problem(day: date, today: date) -> str | None:
    if day.weekday() >= 5:
        return f"{day:%A %d %B %Y} is a weekend day; registers are not taken at weekends."
    if day > today:
        return f"{day:%d %B %Y} is in the future."
    return None


def register_rows(db: Session, school: School, group: str, day: date, session: str) -> list[RegisterRow]:
    """Pupils on roll in a form (or a year group, given as 'Year 7') with their current mark."""
    query = select(Pupil).where(Pupil.school_id == school.id, on_roll_on(day))
    if group.startswith("Year "):
        query = query.where(Pupil.year_group == group.removeprefix("Year "))
    else:
        query = query.where(Pupil.form == group)
    pupils = db.scalars(query.order_by(Pupil.legal_surname, Pupil.legal_forename)).all()
    return rows_with_marks(db, school, list(pupils), day, session)


def rows_with_marks(
    db: Session, school: School, pupils: list[Pupil], day: date, session: str
) -> list[RegisterRow]:
    """Each pupil with the mark held for a session, and who recorded it when."""
    marks = {
        m.pupil_id: (m, b)
        for m, b in db.execute(
            select(Mark, MarkBatch)
            .join(MarkBatch, (MarkBatch.school_id == Mark.school_id) & (MarkBatch.id == Mark.batch_id))
            .where(Mark.school_id == school.id, Mark.date == day, Mark.session == session)
            .where(Mark.pupil_id.in_([p.id for p in pupils]))
        )
    }
    rows = []
    for pupil in pupils:
        mark, batch = marks.get(pupil.id, (None, None))
        rows.append(
            RegisterRow(
                pupil,
                mark.code if mark else "",
                mark.minutes_late if mark else None,
                f"{batch.recorded_by_name}, {batch.recorded_by_title}" if batch else None,
                f"{batch.recorded_at:%d/%m/%Y %H:%M}" if batch else None,
            )
        )
    return rows


def save_marks(
    db: Session,
    school: School,
    rows: list[RegisterRow],
    day: date,
    session: str,
    entries: dict[int, tuple[str, str]],
    *,
    label: str,
    recorder: Recorder,
    reason: str,
    today: date,
    commit: bool = True,
) -> tuple[int, int]:
    """Save marks for pupils shown in `rows` (pupil id -> (code, minutes text)); returns (new, amended).

    commit=False leaves the transaction to a use case that writes its own record with the marks.
    """
    problems: dict[str, str] = {}
    if session not in ("AM", "PM"):
        problems["register"] = "Choose the AM or PM session."
    elif message := register_problem(day, today):
        problems["register"] = message
    current = {r.pupil.id: r for r in rows} if not problems else {}
    new: list[Entry] = []
    changes: list[Change] = []
    for pupil_id, (code_text, minutes_text) in entries.items():
        row = current.get(pupil_id)
        if row is None:
            if not problems:
                problems[str(pupil_id)] = "This pupil is not on roll in this register on that day."
            continue
        if not code_text.strip():
            continue
        try:
            code = lookup(code_text).code
        except CodeError as exc:
            problems[str(pupil_id)] = f"{row.pupil.display_name}: {exc}"
            continue
        if code != "Z" and not row.pupil.on_roll(day):
            problems[str(pupil_id)] = (
                f"{row.pupil.display_name} is not on roll on {day:%d %B %Y} (only Z may be used)."
            )
            continue
        minutes = None
        if minutes_text.strip():
            if code not in LATE_CODES:
                problems[str(pupil_id)] = f"{row.pupil.display_name}: minutes late go only with L or U."
                continue
            digits = minutes_text.strip()  # ASCII only: "²" passes isdigit() but int() fails on it
            if not (digits.isascii() and digits.isdigit()) or not 0 < int(digits) <= MAX_MINUTES:
                problems[str(pupil_id)] = (
                    f"{row.pupil.display_name}: minutes late should be 1 to {MAX_MINUTES}."
                )
                continue
            minutes = int(minutes_text)
        entry = Entry(pupil_id, day, session, code, minutes)
        if not row.code:
            new.append(entry)
        elif (row.code, row.minutes_late) != (code, minutes):
            existing = db.get(Mark, (school.id, pupil_id, day, session))
            assert existing is not None
            changes.append(Change(entry, existing.code, existing.minutes_late, existing.batch_id))
    if changes and not reason.strip():
        problems["reason"] = "Give a reason for changing marks that were already recorded."
    if problems:
        raise RegisterRejected(problems)
    if not new and not changes:
        return 0, 0
    batch = open_batch(db, school.id, recorder, "register", label)
    rollups = Rollups()
    added = insert_marks(db, school.id, batch.id, new, rollups)
    amended = amend_marks(db, school.id, batch, changes, reason.strip(), rollups)
    rollups.write(db, school.id)
    batch.new_marks, batch.amended_marks = added, amended
    if commit:
        db.commit()
    else:
        db.flush()
    return added, amended


def register_groups(db: Session, school: School) -> list[str]:
    """Forms, then year groups, for the register picker."""
    years = set(db.scalars(select(Pupil.year_group).where(Pupil.school_id == school.id).distinct()))
    return forms_of(db, school) + [f"Year {y}" for y in YEAR_GROUPS if y in years]
