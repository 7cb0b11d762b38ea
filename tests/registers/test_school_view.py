"""The school page's figures: pooled headline, bands, missing marks."""

from __future__ import annotations

import io
from datetime import date

from sqlalchemy.orm import Session

from app.registers.mark_import import import_marks
from app.registers.measures import Counts
from app.registers.recording import Recorder
from app.registers.reports import Period, pupils_in_period
from app.registers.school_view import band_of, banding, headline, missing_marks, session_totals
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.factories import Factory


def test_headline_pools_sessions_and_leaves_out_pupils_with_nothing_possible() -> None:
    pupils = {
        1: Counts(possible=100, present=95, authorised=5),
        2: Counts(possible=10, present=5, unauthorised=5),
        3: Counts(marked=4),  # only X marks: no possible sessions
    }
    h = headline(pupils)
    assert h.counts.attendance_rate == 100 / 110 * 100  # pooled, not the mean of 95% and 50%
    assert (h.pupils, h.persistent, h.severe) == (2, 1, 1)
    assert h.persistent_rate == 50.0


def test_bands_are_five_percent_wide_and_fifty_up_is_one_band() -> None:
    assert band_of(Counts(possible=100, authorised=4)) == 0
    assert band_of(Counts(possible=100, authorised=5)) == 1
    assert band_of(Counts(possible=100, unauthorised=49)) == 9
    assert band_of(Counts(possible=100, unauthorised=50)) == 10
    assert band_of(Counts(possible=100, unauthorised=100)) == 10


def test_missing_marks_and_banding_from_an_import(db: Session, world: World) -> None:
    f = Factory(db)
    start = date(2025, 9, 1)
    marked = f.pupil(world.a1, surname="Marked", admission_date=start, year_group="7")
    gappy = f.pupil(world.a1, surname="Gappy", admission_date=start, year_group="7")
    lines = ["upn,date,session,code"]
    days = [date(2025, 9, d) for d in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12)]
    for day in days:
        for session in ("AM", "PM"):
            lines.append(f"{marked.upn},{day},{session},{'/' if day.day < 11 else 'N'}")
            if not (day.day == 3 and session == "PM"):
                lines.append(f"{gappy.upn},{day},{session},/")
    school = db.get(School, world.a1.id, execution_options=UNSCOPED)
    with context.use(system_context(db, "test")):
        import_marks(
            db, school, io.BytesIO("\n".join(lines).encode()), source="import", description="t",
            recorder=Recorder(None, "T", "T"), reason="t", today=date(2025, 9, 30),
        )  # fmt: skip
        period = Period(start, date(2025, 9, 30))
        pupils = [p for p in pupils_in_period(db, school, period) if p.legal_surname in ("Marked", "Gappy")]
        sessions = session_totals(db, school, period)
        missing = missing_marks(db, school, period, pupils, sessions)
    assert [(m.pupil.legal_surname, m.sessions) for m in missing] == [("Gappy", [(date(2025, 9, 3), "PM")])]
    counts = {
        marked.id: Counts(possible=20, present=16, unauthorised=4),
        gappy.id: Counts(possible=19, present=19),
    }
    bands = banding(pupils, counts)
    assert [p.legal_surname for p in bands.cells[("7", 4)]] == ["Marked"]  # 20% absence
    assert ("7", 0) not in bands.cells  # 19 possible sessions is fewer than 20: not banded


def test_missing_marks_across_weeks_and_for_a_pupil_admitted_midweek(db: Session, world: World) -> None:
    f = Factory(db)
    start = date(2025, 9, 1)
    full = f.pupil(world.a1, surname="Full", admission_date=start, year_group="7")
    week_one_gap = f.pupil(world.a1, surname="Early", admission_date=start, year_group="7")
    both_weeks = f.pupil(world.a1, surname="Often", admission_date=start, year_group="7")
    late = f.pupil(world.a1, surname="Late", admission_date=date(2025, 9, 10), year_group="7")  # a Wednesday
    gaps = {
        week_one_gap.upn: {(date(2025, 9, 2), "AM")},
        both_weeks.upn: {(date(2025, 9, 1), "PM"), (date(2025, 9, 12), "AM")},
        late.upn: {(date(2025, 9, 11), "PM")},
    }
    lines = ["upn,date,session,code"]
    for day in [date(2025, 9, d) for d in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12)]:
        for session in ("AM", "PM"):
            for pupil in (full, week_one_gap, both_weeks, late):
                if (day, session) not in gaps.get(pupil.upn, set()) and day >= (
                    date(2025, 9, 10) if pupil is late else start
                ):
                    lines.append(f"{pupil.upn},{day},{session},/")
    school = db.get(School, world.a1.id, execution_options=UNSCOPED)
    with context.use(system_context(db, "test")):
        import_marks(
            db, school, io.BytesIO("\n".join(lines).encode()), source="import", description="t",
            recorder=Recorder(None, "T", "T"), reason="t", today=date(2025, 9, 30),
        )  # fmt: skip
        period = Period(start, date(2025, 9, 30))
        pupils = [
            p
            for p in pupils_in_period(db, school, period)
            if p.legal_surname in ("Full", "Early", "Often", "Late")
        ]
        missing = missing_marks(db, school, period, pupils, session_totals(db, school, period))
    assert [(m.pupil.legal_surname, m.sessions) for m in missing] == [
        ("Often", [(date(2025, 9, 1), "PM"), (date(2025, 9, 12), "AM")]),
        ("Early", [(date(2025, 9, 2), "AM")]),
        ("Late", [(date(2025, 9, 11), "PM")]),  # the sessions before admission are not missing
    ]
