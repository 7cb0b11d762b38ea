"""Half-termly traffic-light letters, made by the scheduler in the first school days of each half-term.

The LA guidance (attendance toolkit, "traffic light system"): each half term the relevant letter with
attendance information goes home, worded by the pupil's colour. So on the first school day of a half-term
(by the school's own calendar) each school gets the letters for the half-term just ended: figures to its
last school day, for every pupil on roll then (and still on roll today) who has a flag. A school's letters
go in batches of one year group (a form, or a slice, if a year group is larger than a batch may be), each
stamped with its half-term and part; `letters.generate` commits each batch, and a re-run skips what is
stamped already, so a crash between batches or schools never makes a family's letter twice.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.calendars.services import calendars_for
from app.calendars.spans import SchoolCalendar, Span, academic_year
from app.clock import local
from app.letters.models import LetterBatch
from app.letters.services import MAX_BATCH, LetterRequest, describe, generate, select_pupils
from app.registers.models import Pupil
from app.registers.recording import Recorder
from app.storage import Storage
from tenants.models import School, Trust

KIND = "traffic_light"
CATCH_UP_SCHOOL_DAYS = 5  # a half-term's letters are still made if the scheduler missed its first day
SYSTEM = Recorder(None, "Turnout (scheduled)", "Attendance team")


@dataclass
class Tally:
    """What one run did across a trust's schools, for its one-line summary."""

    started: list[str] = field(default_factory=list)  # URNs beginning a half-term today
    batches: int = 0
    letters: int = 0
    already: int = 0  # batches a previous run made
    first_of_year: list[str] = field(default_factory=list)
    no_calendar: list[str] = field(default_factory=list)


def starting_half_term(calendar: SchoolCalendar, day: date) -> Span | None:
    """The half-term if `day` is one of its first school days (an INSET day does not count), else None:
    the first day is when letters go, the next few let a scheduler that was down catch up."""
    current = calendar.half_term_of(day)
    if current is None or not calendar.is_school_day(day):
        return None
    return current if len(calendar.school_days(current.start, day)) <= CATCH_UP_SCHOOL_DAYS else None


def previous_half_term(calendar: SchoolCalendar, current: Span) -> Span | None:
    """The half-term of the same school year that ended before `current` began (a term without
    half-terms counts as one); None for the year's first, whose letters would speak of a finished year."""
    year = academic_year(current.start)
    earlier = [h for h in calendar.half_terms if h.end < current.start] + [
        t
        for t in calendar.terms
        if t.end < current.start and not any(h.overlaps(t) for h in calendar.half_terms)
    ]
    return max((s for s in earlier if academic_year(s.start) == year), key=lambda s: s.end, default=None)


def send_half_termly_letters(db: Session, store: Storage, trust: Trust, now: datetime) -> str:
    """On a school's first day of a half-term, make its traffic-light letters for the half-term just ended."""
    today = local(now).date()
    schools = db.scalars(select(School).where(School.trust_id == trust.id).order_by(School.urn)).all()
    calendars = calendars_for(db, [s.id for s in schools])
    tally = Tally()
    for school in schools:
        calendar = calendars[school.id]
        if not calendar.knows(today):
            tally.no_calendar.append(str(school.urn))
            continue
        current = starting_half_term(calendar, today)
        if current is None:
            continue
        tally.started.append(str(school.urn))
        ended = previous_half_term(calendar, current)
        days = calendar.school_days(ended.start, ended.end) if ended else []
        if ended is None or not days:
            tally.first_of_year.append(str(school.urn))
            continue
        _school_letters(db, store, school, ended, days[-1], today, tally)
    return _summary(today, tally)


def _school_letters(
    db: Session, store: Storage, school: School, ended: Span, letter_date: date, today: date, tally: Tally
) -> None:
    """One school's batches for the half-term just ended, skipping those made already."""
    request = LetterRequest(KIND, letter_date)
    selection = select_pupils(db, school, request)
    pupils = [p for p in selection.pupils if p.leaving_date is None or p.leaving_date >= today]
    made = set(
        db.scalars(
            select(LetterBatch.period).where(
                LetterBatch.school_id == school.id,
                LetterBatch.kind == KIND,
                LetterBatch.period.startswith(f"{ended.start.isoformat()}/"),
            )
        )
    )
    for part, year_group, form, chosen in parts(pupils):
        period = f"{ended.start.isoformat()}/{part}"
        if period in made:
            tally.already += 1
            continue
        description = f"{ended.name}, sent by the scheduler: " + describe(
            request, len(chosen), year_group=year_group, form=form
        )
        try:
            with _stamped(db, period):
                batch = generate(db, school, store, chosen, request, SYSTEM, description,
                                 register=selection.register, today=today)  # fmt: skip
        except IntegrityError:
            if _made(db, school, period):  # a run beside this one made it a moment ago
                tally.already += 1
                continue
            raise
        tally.batches += 1
        tally.letters += batch.letters


def parts(pupils: list[Pupil]) -> Iterator[tuple[str, str, str, list[Pupil]]]:
    """The school's batches: a year group each; a form each, or slices, where one is over MAX_BATCH."""
    by_year: dict[str, list[Pupil]] = {}
    for pupil in pupils:
        by_year.setdefault(pupil.year_group, []).append(pupil)
    for year_group, group in by_year.items():
        if len(group) <= MAX_BATCH:
            yield f"Y{year_group}", year_group, "", group
            continue
        by_form: dict[str, list[Pupil]] = {}
        for pupil in group:
            by_form.setdefault(pupil.form or "", []).append(pupil)
        for form, members in by_form.items():
            label = f"Y{year_group}/{form or '-'}"
            if len(members) <= MAX_BATCH:
                yield label, year_group, form, members
                continue
            for n in range(0, len(members), MAX_BATCH):
                yield f"{label}/{n // MAX_BATCH + 1}", year_group, form, members[n : n + MAX_BATCH]


@contextmanager
def _stamped(db: Session, period: str) -> Iterator[None]:
    """Stamp the batch `generate` adds with its period in the same flush, so the batch and its stamp (whose
    unique index refuses a second) commit together: letter_batches rows are never updated afterwards."""

    def stamp(session: Session, _flush: object, _instances: object) -> None:
        for row in session.new:
            if isinstance(row, LetterBatch) and row.period is None:
                row.period = period

    event.listen(db, "before_flush", stamp)
    try:
        yield
    finally:
        event.remove(db, "before_flush", stamp)


def _made(db: Session, school: School, period: str) -> bool:
    return (
        db.scalar(
            select(LetterBatch.id).where(
                LetterBatch.school_id == school.id, LetterBatch.kind == KIND, LetterBatch.period == period
            )
        )
        is not None
    )


def _summary(today: date, tally: Tally) -> str:
    if tally.started:
        text = (
            f"half-termly letters {today.isoformat()}: letters due for a new half-term at URN {', '.join(tally.started)}; "
            f"{tally.batches} batch{'' if tally.batches == 1 else 'es'} made, "
            f"{tally.letters} letter{'' if tally.letters == 1 else 's'}"
        )
    else:
        text = f"half-termly letters {today.isoformat()}: no school is in the first days of a half-term"
    if tally.already:
        text += f"; {tally.already} made by an earlier run, not made again"
    if tally.first_of_year:
        text += f"; first half-term of the year (no letters) at URN {', '.join(tally.first_of_year)}"
    if tally.no_calendar:
        text += f"; no calendar for this year (no letters) at URN {', '.join(tally.no_calendar)}"
    return text
