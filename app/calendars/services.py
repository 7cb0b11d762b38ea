"""Setting a school's calendar: import a year from CSV, push a trust's calendar, add or remove an entry.

Each use case checks the whole resulting calendar before writing, and writes in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.calendars.csvfile import parse_calendar_csv
from app.calendars.models import CalendarEntry
from app.calendars.spans import Kind, SchoolCalendar, Span, academic_year, spans_problems
from app.clock import now_and_today
from app.refusals import Refused
from app.registers.recording import Recorder
from tenants.counters import allocate
from tenants.models import School


class CalendarRefused(Refused):
    """An entry was refused; nothing was saved."""


@dataclass(frozen=True)
class Replaced:
    """What an import or push did to one school's calendar."""

    school: School
    years: list[int]
    removed: int
    added: int


def school_calendar(db: Session, school: School) -> SchoolCalendar:
    return calendars_for(db, [school.id])[school.id]


def calendars_for(db: Session, school_ids: Iterable[int]) -> dict[int, SchoolCalendar]:
    """Every school's calendar in one query (a school with no entries gets an empty calendar)."""
    ids = list(school_ids)
    spans: dict[int, list[Span]] = defaultdict(list)
    for entry in db.scalars(select(CalendarEntry).where(CalendarEntry.school_id.in_(ids))):
        spans[entry.school_id].append(entry.span)
    return {school_id: SchoolCalendar(spans[school_id]) for school_id in ids}


def entries(db: Session, school: School, year: int | None = None) -> list[CalendarEntry]:
    """In date order, a term before the half-term, INSET day or closure starting on its first day."""
    rows = db.scalars(
        select(CalendarEntry)
        .where(CalendarEntry.school_id == school.id)
        .order_by(CalendarEntry.starts_on, CalendarEntry.ends_on.desc(), CalendarEntry.id)
    ).all()
    return [e for e in rows if year is None or academic_year(e.starts_on) == year]


def import_calendar(
    db: Session, school: School, data: bytes, recorder: Recorder, now: datetime | None = None
) -> Replaced:
    """Replace the school's calendar for every academic year the file covers; all or nothing."""
    rows = parse_calendar_csv(data)
    replaced = _replace(db, school, [span for _line, span in rows], recorder, origin="school")
    _tasks_follow(db, [school], now)
    db.commit()
    return replaced


def push_calendar(
    db: Session, schools: Sequence[School], data: bytes, recorder: Recorder, now: datetime | None = None
) -> list[Replaced]:
    """Give every chosen school the trust's terms, half-terms and holidays for the years the file covers.

    A school's own INSET days and closures stay; anything the trust pushed before is replaced. If any
    school's result would not be a calendar (its own INSET day outside the new terms), nothing is written.
    """
    rows = parse_calendar_csv(data)
    spans = [span for _line, span in rows]
    replaced = [_replace(db, school, spans, recorder, origin="trust") for school in schools]
    _tasks_follow(db, schools, now)
    db.commit()
    return replaced


def _replace(db: Session, school: School, spans: list[Span], recorder: Recorder, *, origin: str) -> Replaced:
    years = sorted({academic_year(s.start) for s in spans})
    current = [e for e in entries(db, school) if academic_year(e.starts_on) in years]
    kept = [
        e
        for e in current
        if origin == "trust" and e.origin == "school" and e.kind in (Kind.INSET, Kind.CLOSURE)
    ]
    problems = spans_problems(
        [(f"its own entry '{e.name}'", e.span) for e in kept] + [("", s) for s in spans]
    )
    if problems:
        db.rollback()
        raise CalendarRefused({school.name: "; ".join(message for _where, message in problems)})
    gone = [e.id for e in current if e not in kept]
    if gone:
        db.execute(
            delete(CalendarEntry).where(CalendarEntry.school_id == school.id, CalendarEntry.id.in_(gone))
        )
    _add(db, school, spans, recorder, origin)
    return Replaced(school, years, len(gone), len(spans))


def add_entry(
    db: Session, school: School, span: Span, recorder: Recorder, now: datetime | None = None
) -> CalendarEntry:
    """Add one entry after checking it against the school's calendar for its year."""
    year = academic_year(span.start)
    existing = [(f"'{e.name}'", e.span) for e in entries(db, school, year)]
    before = set(spans_problems(existing))
    problems = [m for w, m in spans_problems([*existing, ("the new entry", span)]) if (w, m) not in before]
    if problems:
        raise CalendarRefused({"entry": "; ".join(problems)})
    (entry,) = _add(db, school, [span], recorder, "school")
    _tasks_follow(db, [school], now)
    db.commit()
    return entry


def remove_entry(db: Session, school: School, entry_id: int, now: datetime | None = None) -> CalendarEntry:
    """Remove an entry; a term with half-terms, INSET days or closures inside it is refused."""
    entry = db.get(CalendarEntry, (school.id, entry_id))
    if entry is None:
        raise LookupError(entry_id)
    rest = [
        (f"'{e.name}'", e.span)
        for e in entries(db, school, academic_year(entry.starts_on))
        if e.id != entry.id
    ]
    problems = [message for _where, message in spans_problems(rest)]
    if problems:
        raise CalendarRefused({"entry": f"'{entry.name}' cannot be removed: " + "; ".join(problems)})
    db.delete(entry)
    _tasks_follow(db, [school], now)
    db.commit()
    return entry


def _tasks_follow(db: Session, schools: Sequence[School], now: datetime | None) -> None:
    """Open tasks from today on follow the new calendar: none on a day it now closes, today's made if it opens
    (`now` is the clock's unless a caller, like the demo, lives at another time)."""
    from app.workflow.generation import refresh  # generation reads calendars through this module

    now = now or now_and_today()[0]
    for school in schools:
        refresh(db, school, now)


def _add(
    db: Session, school: School, spans: list[Span], recorder: Recorder, origin: str
) -> list[CalendarEntry]:
    first = allocate(db, school.id, "calendar_entries", len(spans))
    added = [
        CalendarEntry(school_id=school.id, id=first + n, kind=s.kind, name=s.name, starts_on=s.start,
                      ends_on=s.end, origin=origin, recorded_by_name=recorder.name, recorded_by_title=recorder.title)
        for n, s in enumerate(spans)
    ]  # fmt: skip
    db.add_all(added)
    db.flush()
    return added
