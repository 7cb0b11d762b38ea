"""Half-termly traffic-light letters: made on the first school days of a half-term (an INSET first day
moves them on), for the half-term just ended, once per school and half-term, with the right pupils; none
where a school has no calendar; a store failing between two schools duplicates nothing on the re-run."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendars.csvfile import parse_calendar_csv
from app.calendars.spans import SchoolCalendar
from app.letters.models import Letter, LetterBatch
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from app.storage import Storage, StorageError
from jobs.letter_batches import previous_half_term, send_half_termly_letters, starting_half_term
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tenants.scoping import UNSCOPED
from tests.calendars.sample import AUTUMN_2026, give_calendar
from tests.conftest import World
from tests.factories import Factory, PupilRef
from tests.jobs.stores import FailingStore

# Twelve school days to Friday 23 October 2026, the last of Autumn 1: 24 possible sessions, enough for a flag.
DAYS = [d for d in (date(2026, 10, 8) + timedelta(days=n) for n in range(16)) if d.weekday() < 5]
AUTUMN_2_FIRST_DAY = datetime(2026, 11, 3, 6, 0, tzinfo=UTC)  # Monday 2 November is an INSET day
CLERK = Recorder(None, "Dana Clerk", "Data manager")


def _calendar() -> SchoolCalendar:
    return SchoolCalendar(span for _line, span in parse_calendar_csv(AUTUMN_2026))


def test_the_first_school_day_of_a_half_term_and_the_half_term_before_it() -> None:
    calendar = _calendar()
    assert starting_half_term(calendar, date(2026, 11, 2)) is None  # INSET day
    autumn_2 = starting_half_term(calendar, date(2026, 11, 3))
    assert autumn_2 is not None and autumn_2.name == "Autumn 2"
    assert starting_half_term(calendar, date(2026, 11, 9)) == autumn_2  # 5th school day: still catching up
    assert starting_half_term(calendar, date(2026, 11, 10)) is None
    ended = previous_half_term(calendar, autumn_2)
    assert ended is not None and (ended.name, ended.end) == ("Autumn 1", date(2026, 10, 23))
    spring = starting_half_term(calendar, date(2027, 1, 4))  # a term without half-terms is one
    assert spring is not None and spring.name == "Spring term"
    assert previous_half_term(calendar, spring).name == "Autumn 2"  # type: ignore[union-attr]
    autumn_1 = starting_half_term(calendar, date(2026, 9, 2))
    assert autumn_1 is not None and previous_half_term(calendar, autumn_1) is None  # the year's first


def _pupils(db: Session, world: World, school: School, ref: object) -> dict[str, PupilRef]:
    """Red (Year 7, away 3 of 12 days: 75%), Green (Year 9, every session), Late-joiner (Year 9, 4 days
    of marks: too few for a flag) and Gone (Year 7, left on 9 October)."""
    f = Factory(db)
    pupils = {
        "Red": f.pupil(ref, surname="Redman", year_group="7", form="7A", admission_date=date(2026, 9, 2)),
        "Green": f.pupil(ref, surname="Greene", year_group="9", form="9B", admission_date=date(2026, 9, 2)),
        "Late": f.pupil(ref, surname="Latimer", year_group="9", form="9B", admission_date=date(2026, 10, 20)),
        "Gone": f.pupil(ref, surname="Gowan", year_group="7", form="7A", admission_date=date(2026, 9, 2),
                        leaving_date=date(2026, 10, 9)),
    }  # fmt: skip
    lines = ["upn,date,session,code"]
    for day in DAYS:
        for session in ("AM", "PM"):
            lines.append(f"{pupils['Red'].upn},{day},{session},{'O' if day in DAYS[:3] else '/'}")
            lines.append(f"{pupils['Green'].upn},{day},{session},/")
            if day >= date(2026, 10, 20):
                lines.append(f"{pupils['Late'].upn},{day},{session},/")
            if day <= date(2026, 10, 9):
                lines.append(f"{pupils['Gone'].upn},{day},{session},/")
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                     description="letters job test", recorder=CLERK, reason="test")  # fmt: skip
    return pupils


@pytest.fixture
def alder(app: Flask, db: Session, world: World) -> Iterator[dict[str, PupilRef]]:
    """A1 with the sample calendar and the four pupils; A2 with no calendar; inside an app context (PDFs)."""
    a1 = db.get(School, world.a1.id, execution_options=UNSCOPED)
    assert a1 is not None
    give_calendar(db, a1)
    pupils = _pupils(db, world, a1, world.a1)
    with app.app_context():
        yield pupils


def _run(db: Session, store: Storage, world: World, now: datetime) -> str:
    with context.use(system_context(db, "job:half-termly-letters", trust_id=world.trust_a.id)):
        trust = db.get(Trust, world.trust_a.id)
        assert trust is not None
        detail = send_half_termly_letters(db, store, trust, now)
        db.commit()
        return detail


def _batches(db: Session, world: World) -> list[tuple[int, str | None, int, date, str]]:
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        rows = db.scalars(select(LetterBatch).order_by(LetterBatch.school_id, LetterBatch.id)).all()
        found = [(b.school_id, b.period, b.letters, b.letter_date, b.recorded_by_name) for b in rows]
    db.rollback()
    return found


def test_letters_are_made_once_on_the_first_school_day_for_the_right_pupils(
    db: Session, world: World, store: Storage, alder: dict[str, PupilRef]
) -> None:
    a1 = world.a1.id
    inset = _run(db, store, world, datetime(2026, 11, 2, 6, 0, tzinfo=UTC))
    assert inset == (
        "half-termly letters 2026-11-02: no school is in the first days of a half-term; "
        "no calendar for this year (no letters) at URN 100002"
    )
    assert _batches(db, world) == []
    made = _run(db, store, world, AUTUMN_2_FIRST_DAY)
    assert made == (
        "half-termly letters 2026-11-03: letters due for a new half-term at URN 100001; 2 batches made, 2 letters; "
        "no calendar for this year (no letters) at URN 100002"
    )
    scheduled = "Turnout (scheduled)"
    assert _batches(db, world) == [
        (a1, "2026-09-02/Y7", 1, date(2026, 10, 23), scheduled),
        (a1, "2026-09-02/Y9", 1, date(2026, 10, 23), scheduled),
    ]
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        letters = db.execute(
            select(Letter.pupil_id, Letter.kind, Letter.recorded_by_name).order_by(Letter.id)
        ).all()
        descriptions = db.scalars(select(LetterBatch.description).order_by(LetterBatch.id)).all()
    db.rollback()
    # Red's letter is worded red, Green's green; Late (no flag yet), Gone (left) and A1's pupil with no
    # marks (no flag) get none
    assert letters == [
        (alder["Red"].id, "traffic_red", scheduled),
        (alder["Green"].id, "traffic_green", scheduled),
    ]
    assert descriptions[0].startswith("Autumn 1, sent by the scheduler: Half-termly traffic-light letter")
    assert descriptions[0].endswith("Year group 7; 1 pupil")
    again = _run(db, store, world, AUTUMN_2_FIRST_DAY + timedelta(hours=3))  # a second run that day
    assert "0 batches made, 0 letters; 2 made by an earlier run, not made again" in again
    assert "0 batches made, 0 letters; 2 made by an earlier run" in _run(
        db, store, world, AUTUMN_2_FIRST_DAY + timedelta(days=1)
    )  # the next days catch up a missed first day, and make nothing twice
    assert _run(db, store, world, datetime(2026, 11, 10, 6, 0, tzinfo=UTC)).startswith(
        "half-termly letters 2026-11-10: no school is in the first days of a half-term"
    )
    assert len(_batches(db, world)) == 2
    spring = _run(db, store, world, datetime(2027, 1, 4, 6, 0, tzinfo=UTC))  # Autumn 2's letters, to 18 Dec
    assert "2 batches made, 2 letters" in spring
    assert [(p, d) for _s, p, _n, d, _r in _batches(db, world)][2:] == [
        ("2026-11-02/Y7", date(2026, 12, 18)), ("2026-11-02/Y9", date(2026, 12, 18))
    ]  # fmt: skip


def test_a_store_failing_between_two_schools_duplicates_nothing_on_the_re_run(
    db: Session, world: World, store: Storage, alder: dict[str, PupilRef]
) -> None:
    a2 = db.get(School, world.a2.id, execution_options=UNSCOPED)
    assert a2 is not None
    give_calendar(db, a2)
    _pupils(db, world, a2, world.a2)
    # A1's two batches put 2 objects each (the print run, then the letter); A2's first put fails
    with pytest.raises(StorageError, match="connection reset"):
        _run(db, FailingStore(store, fail_on=5), world, AUTUMN_2_FIRST_DAY)
    assert [(s, p) for s, p, *_rest in _batches(db, world)] == [
        (world.a1.id, "2026-09-02/Y7"), (world.a1.id, "2026-09-02/Y9")
    ]  # fmt: skip
    rerun = _run(db, store, world, AUTUMN_2_FIRST_DAY)
    assert "2 batches made, 2 letters; 2 made by an earlier run, not made again" in rerun
    assert [(s, p) for s, p, *_rest in _batches(db, world)] == [
        (world.a1.id, "2026-09-02/Y7"), (world.a1.id, "2026-09-02/Y9"),
        (world.a2.id, "2026-09-02/Y7"), (world.a2.id, "2026-09-02/Y9"),
    ]  # fmt: skip
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        assert len(db.scalars(select(Letter.id)).all()) == 4  # one letter per pupil, none twice
    db.rollback()
