"""What the school attendance page shows, all read from rollups (the pupil page reads one pupil's marks)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calendars.services import school_calendar
from app.calendars.spans import SchoolCalendar
from app.registers.codes import CODES
from app.registers.marks import Mark, MarkAmendment, PupilWeek, SchoolSession
from app.registers.measures import COUNTERS, Counts, contribution
from app.registers.models import YEAR_GROUPS, Pupil
from app.registers.recording import week_start
from app.registers.reports import Period, pupil_counts, pupils_in_period
from tenants.models import School

BANDS = [(lo, lo + 5) for lo in range(0, 50, 5)] + [(50, 100)]
MIN_POSSIBLE_FOR_BANDING = 20  # DfE bandings leave out pupils with fewer possible sessions
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def band_of(counts: Counts) -> int:
    """Index into BANDS of a pupil's overall absence rate ([0,5), [5,10), ... [50,100])."""
    return band_index(counts.absent, counts.possible)


def band_index(absent: int, possible: int) -> int:
    """The band in whole numbers (absent / possible * 20), so exactly 10.0% absence is in [10,15)."""
    return min(absent * 20 // possible, len(BANDS) - 1) if possible else 0


@dataclass
class Headline:
    counts: Counts
    pupils: int  # with at least one possible session
    persistent: int
    severe: int

    @property
    def persistent_rate(self) -> float | None:
        return self.persistent / self.pupils * 100 if self.pupils else None

    @property
    def severe_rate(self) -> float | None:
        return self.severe / self.pupils * 100 if self.pupils else None


def headline(counts_by_pupil: dict[int, Counts]) -> Headline:
    """Pooled sessions; PA and SA counted over pupils who had any possible session."""
    total = Counts()
    pupils = persistent = severe = 0
    for c in counts_by_pupil.values():
        total = total + c
        if c.possible:
            pupils += 1
            persistent += bool(c.persistent)
            severe += bool(c.severe)
    return Headline(total, pupils, persistent, severe)


@dataclass
class Banding:
    years: list[str]
    cells: dict[tuple[str, int], list[Pupil]] = field(default_factory=dict)

    def count(self, year: str, band: int) -> int:
        return len(self.cells.get((year, band), []))


def banding(pupils: list[Pupil], counts_by_pupil: dict[int, Counts]) -> Banding:
    cells: dict[tuple[str, int], list[Pupil]] = defaultdict(list)
    for pupil in pupils:
        c = counts_by_pupil.get(pupil.id)
        if c is None or c.possible < MIN_POSSIBLE_FOR_BANDING:
            continue
        cells[(pupil.year_group, band_of(c))].append(pupil)
    years = [y for y in YEAR_GROUPS if any(key[0] == y for key in cells)]
    return Banding(years, dict(cells))


def session_totals(db: Session, school: School, period: Period) -> list[tuple[date, str, Counts]]:
    rows = db.execute(
        select(SchoolSession.date, SchoolSession.session, *(getattr(SchoolSession, c) for c in COUNTERS))
        .where(SchoolSession.school_id == school.id, SchoolSession.date.between(period.start, period.end))
        .order_by(SchoolSession.date, SchoolSession.session)
    )
    return [(day, session, Counts(*values)) for day, session, *values in rows]


def by_weekday(sessions: list[tuple[date, str, Counts]]) -> dict[str, dict[str, Counts]]:
    """Attendance by weekday and by AM/PM: where the absence falls."""
    table: dict[str, dict[str, Counts]] = {d: {"AM": Counts(), "PM": Counts()} for d in WEEKDAYS}
    for day, session, counts in sessions:
        table[WEEKDAYS[day.weekday()]][session] = table[WEEKDAYS[day.weekday()]][session] + counts
    return table


def weekly_trend(sessions: list[tuple[date, str, Counts]]) -> list[tuple[date, Counts]]:
    weeks: dict[date, Counts] = defaultdict(Counts)
    for day, _session, counts in sessions:
        weeks[week_start(day)] = weeks[week_start(day)] + counts
    return sorted(weeks.items())


@dataclass(frozen=True)
class MissingMarks:
    pupil: Pupil
    sessions: list[tuple[date, str]]


def missing_marks(
    db: Session, school: School, period: Period, pupils: list[Pupil], sessions: list[tuple[date, str, Counts]]
) -> list[MissingMarks]:
    """Pupils on roll with no mark in a session the school recorded (a data-quality list, not absence)."""
    expected_by_week: dict[date, list[tuple[date, str]]] = defaultdict(list)
    for day, session, _counts in sessions:
        expected_by_week[week_start(day)].append((day, session))
    marked = {
        (pid, week): n
        for pid, week, n in db.execute(
            select(PupilWeek.pupil_id, PupilWeek.week_start, PupilWeek.marked).where(
                PupilWeek.school_id == school.id,
                PupilWeek.week_start.between(week_start(period.start), period.end),
            )
        )
    }
    in_period = {
        week: [s for s in expected if period.start <= s[0] <= period.end]
        for week, expected in expected_by_week.items()
    }
    spans = {week: (min(s)[0], max(s)[0]) for week, s in in_period.items() if s}
    suspects: dict[int, list[date]] = defaultdict(list)
    by_week: dict[date, list[int]] = defaultdict(list)
    for pupil in pupils:
        admitted, left = pupil.admission_date, pupil.leaving_date
        for week, (first, last) in spans.items():
            if admitted <= first and (left is None or left >= last):
                due = len(in_period[week])  # on roll all week: the usual case, without a look at each session
            else:
                due = sum(pupil.on_roll(day) for day, _session in in_period[week])
            if due and marked.get((pupil.id, week), 0) < due:
                suspects[pupil.id].append(week)
                by_week[week].append(pupil.id)
    # One query a week for its suspects' marks, not one a pupil: while the day's registers are being taken,
    # every pupil of a form not yet marked is a suspect (over 1,000 queries for a secondary school).
    held: set[tuple[int, date, str]] = set()
    for week, ids in by_week.items():
        held.update(
            (pupil_id, day, session)
            for pupil_id, day, session in db.execute(
                select(Mark.pupil_id, Mark.date, Mark.session).where(
                    Mark.school_id == school.id,
                    Mark.pupil_id.in_(ids),
                    Mark.date.between(week, week + timedelta(days=6)),
                )
            )
        )
    found = []
    by_id = {p.id: p for p in pupils}
    for pupil_id, weeks in suspects.items():
        pupil = by_id[pupil_id]
        gaps = [
            (day, session)
            for week in weeks
            for day, session in in_period[week]
            if (pupil_id, day, session) not in held and pupil.on_roll(day)
        ]
        if gaps:
            found.append(MissingMarks(pupil, gaps))
    return sorted(found, key=lambda m: (-len(m.sessions), m.pupil.legal_surname))


@dataclass(frozen=True)
class CalendarChecks:
    """Registers against the school calendar: the missing-marks list only sees days a register was taken."""

    not_taken: list[date]  # school days before today with no register at all (today's may yet be taken)
    marked_closed: list[tuple[date, str]]  # closed days, and why, with possible sessions (# marks are right)


def calendar_checks(
    calendar: SchoolCalendar, period: Period, sessions: list[tuple[date, str, Counts]]
) -> CalendarChecks | None:
    """None when the calendar does not know the period's academic year: nothing to check against."""
    if not calendar.knows(period.end):
        return None
    taken = {day for day, _session, _counts in sessions}
    counted = {day for day, _session, counts in sessions if counts.possible > 0}
    return CalendarChecks(
        [
            day
            for day in calendar.school_days(period.start, period.end - timedelta(days=1))
            if day not in taken
        ],
        [(day, calendar.why_closed(day) or "") for day in sorted(counted) if not calendar.is_school_day(day)],
    )


@dataclass
class SchoolView:
    period: Period
    year: Headline
    week: Headline
    week_start: date
    banding: Banding
    weekdays: dict[str, dict[str, Counts]]
    trend: list[tuple[date, Counts]]
    missing: list[MissingMarks]
    calendar: CalendarChecks | None


def school_view(db: Session, school: School, today: date) -> SchoolView:
    period = Period.year_to_date(today)
    this_week = Period(week_start(today), today)
    pupils = pupils_in_period(db, school, period)
    counts = pupil_counts(db, school, period)
    sessions = session_totals(db, school, period)
    return SchoolView(
        period=period,
        year=headline(counts),
        week=headline(pupil_counts(db, school, this_week)),
        week_start=this_week.start,
        banding=banding(pupils, counts),
        weekdays=by_weekday(sessions),
        trend=weekly_trend(sessions),
        missing=missing_marks(db, school, period, pupils, sessions),
        calendar=calendar_checks(school_calendar(db, school), period, sessions),
    )


@dataclass
class PupilRegister:
    weeks: list[tuple[date, list[tuple[str, str, str] | None]]]  # week -> 10 cells (code, category, title)
    codes: list[tuple[str, str, int]]
    counts: Counts
    amendments: list[MarkAmendment]


def pupil_register(db: Session, school: School, pupil: Pupil, today: date) -> PupilRegister:
    """The herringbone: one row a week, Monday AM to Friday PM, each cell a code and its category."""
    period = Period.year_to_date(today)
    marks = db.execute(
        select(Mark.date, Mark.session, Mark.code, Mark.minutes_late)
        .where(
            Mark.school_id == school.id,
            Mark.pupil_id == pupil.id,
            Mark.date.between(period.start, period.end),
        )
        .order_by(Mark.date, Mark.session)
    ).all()
    grid: dict[date, list[tuple[str, str, str] | None]] = {}
    tally: Counter[str] = Counter()
    counts = Counts()
    for day, session, code, minutes in marks:
        counts = counts + Counts(*contribution(CODES[code], minutes))
        row = grid.setdefault(week_start(day), [None] * 10)
        meaning = CODES[code].meaning + (f" ({minutes} minutes late)" if minutes else "")
        row[day.weekday() * 2 + (session == "PM")] = (
            code,
            CODES[code].category,
            f"{day:%a %d %b} {session}: {meaning}",
        )
        tally[code] += 1
    amendments = db.scalars(
        select(MarkAmendment)
        .where(MarkAmendment.school_id == school.id, MarkAmendment.pupil_id == pupil.id)
        .order_by(MarkAmendment.amended_at.desc())
    ).all()
    return PupilRegister(
        weeks=sorted(grid.items()),
        codes=[(code, CODES[code].meaning, n) for code, n in tally.most_common()],
        counts=counts,
        amendments=list(amendments),
    )
