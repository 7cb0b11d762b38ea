"""First-day response: this morning's call list by escalation day, the golden-hour list before school,
and a call's outcome recorded with any reason given amended into the register through its amendment path.

Absent without a reason means N, or no mark once the pupil's register (form, else year group) was taken.
PM-only N (present or explained in the morning, N in the afternoon) is not a day of absence, so it is
not in the escalation groups; it is listed apart as an afternoon follow-up, recorded as a day-1 call.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from app.calls.models import CALL_CODES, CALL_OUTCOMES, CALL_SESSIONS, CALLERS, FirstDayCall
from app.flags.report import PupilFlag, last_week_flags
from app.interventions.services import CaseSummary, open_case_summaries
from app.refusals import Refused
from app.registers import taking
from app.registers.marks import Mark, SchoolSession
from app.registers.models import Pupil, PupilContact, on_roll_on
from app.registers.recording import Recorder
from tenants.counters import allocate
from tenants.models import School

UNEXPLAINED = "N"
CLOSED = "#"  # a planned whole-school closure neither breaks nor extends a run of absence
LOOK_BACK = 200  # school days searched back for the start of a run: about a school year
GOLDEN_FLAGS = ("purple", "red")


class CallRefused(Refused):
    """Nothing was saved; `problems` maps a form field to what is wrong with it."""


@dataclass(frozen=True)
class PupilCard:
    """What a caller needs about one pupil: who to ring, what is known, what was done today."""

    pupil: Pupil
    days: int  # consecutive school days absent without a reason up to the date (0: afternoon only)
    am: str  # the day's AM code, "" when not marked
    pm: str
    flag: PupilFlag | None  # last week's, the week that ended before the date
    contacts: list[PupilContact]
    calls: list[FirstDayCall]
    case: CaseSummary | None
    reasons: tuple[str, ...] = ()  # why a pupil is on the golden-hour list

    @property
    def escalation(self) -> int:
        """Day 1 tutor, day 2 head of year, day 3 or more senior leader."""
        return min(max(self.days, 1), max(CALLERS))


@dataclass(frozen=True)
class CallList:
    day: date
    taken: bool  # the school has an AM mark that day: the morning registers are being taken
    not_taken: list[str]  # register groups with no AM mark yet; their unmarked pupils are not listed
    cards: list[PupilCard]  # AM N, or no AM mark where the group's register is taken
    afternoon: list[PupilCard]  # AM accounted for, PM N

    def by_escalation(self) -> list[tuple[int, str, list[PupilCard]]]:
        return [
            (level, CALLERS[level], [c for c in self.cards if c.escalation == level]) for level in CALLERS
        ]


@dataclass(frozen=True)
class GoldenHour:
    day: date
    last_school_day: date | None  # the school day before `day`, whose unexplained absences count
    cards: list[PupilCard]


@dataclass(frozen=True)
class _Day:
    """A date's register as the call list reads it."""

    pupils: list[Pupil]
    marks: dict[int, dict[str, str]]  # pupil id -> session -> code
    taken: set[str]  # register groups with at least one AM mark
    morning: list[Pupil]
    afternoon: list[Pupil]


def _group(pupil: Pupil) -> str:
    """The register a pupil is marked in: their form, or their year group if they have none."""
    return pupil.form or f"Year {pupil.year_group}"


def _read_day(db: Session, school: School, day: date) -> _Day:
    pupils = list(
        db.scalars(
            select(Pupil)
            .where(Pupil.school_id == school.id, on_roll_on(day))
            .order_by(Pupil.legal_surname, Pupil.legal_forename, Pupil.id)
        )
    )
    marks: dict[int, dict[str, str]] = defaultdict(dict)
    query = select(Mark.pupil_id, Mark.session, Mark.code).where(
        Mark.school_id == school.id, Mark.date == day
    )
    for pupil_id, session, code in db.execute(query):
        marks[pupil_id][session] = code
    taken = {_group(p) for p in pupils if "AM" in marks.get(p.id, {})}
    morning, afternoon = [], []
    for p in pupils:
        am, pm = marks.get(p.id, {}).get("AM", ""), marks.get(p.id, {}).get("PM", "")
        if am == UNEXPLAINED or (not am and _group(p) in taken):
            morning.append(p)
        elif am and pm == UNEXPLAINED:
            afternoon.append(p)
    return _Day(pupils, marks, taken, morning, afternoon)


def _taken(db: Session, school: School, groups: set[str], first: date, last: date) -> set[tuple[date, str]]:
    """The (date, register group) pairs with any mark: where a group's register was not taken, a pupil's
    missing mark is no evidence of absence."""
    group = case(
        (func.coalesce(Pupil.form, "") == "", literal("Year ").concat(Pupil.year_group)), else_=Pupil.form
    )
    query = (
        select(Mark.date, group)
        .join(Pupil, (Pupil.school_id == Mark.school_id) & (Pupil.id == Mark.pupil_id))
        .where(Mark.school_id == school.id, Mark.date.between(first, last), group.in_(groups))
        .distinct()
    )
    return {(day, name) for day, name in db.execute(query)}


def _runs(db: Session, school: School, pupils: list[Pupil], before: date) -> dict[int, int]:
    """School days in a row, ending with the last one before `before`, each pupil was absent without a
    reason: every mark N, or no mark where their register was taken. Any other mark breaks the run; a
    closure (#) or a register not taken is passed over."""
    days = db.scalars(
        select(SchoolSession.date)
        .where(SchoolSession.school_id == school.id, SchoolSession.date < before, SchoolSession.marked > 0)
        .group_by(SchoolSession.date)
        .order_by(SchoolSession.date.desc())
        .limit(LOOK_BACK)
    ).all()
    if not days or not pupils:
        return dict.fromkeys((p.id for p in pupils), 0)
    held: dict[tuple[int, date], set[str]] = defaultdict(set)
    query = select(Mark.pupil_id, Mark.date, Mark.code).where(
        Mark.school_id == school.id,
        Mark.pupil_id.in_([p.id for p in pupils]),
        Mark.date.between(days[-1], days[0]),
    )
    for pupil_id, day, code in db.execute(query):
        held[(pupil_id, day)].add(code)
    taken = _taken(db, school, {_group(p) for p in pupils}, days[-1], days[0])
    runs = {}
    for pupil in pupils:
        count = 0
        for day in days:
            codes = held.get((pupil.id, day), set())
            if not pupil.on_roll(day) or not codes <= {UNEXPLAINED, CLOSED}:
                break
            count += bool(codes - {CLOSED}) or (not codes and (day, _group(pupil)) in taken)
        runs[pupil.id] = count
    return runs


def _cards(
    db: Session, school: School, day: date, pupils: list[Pupil], days: dict[int, int],
    marks: dict[int, dict[str, str]], flags: dict[int, PupilFlag],
    reasons: dict[int, tuple[str, ...]] | None = None,
) -> list[PupilCard]:  # fmt: skip
    ids = [p.id for p in pupils]
    contacts: dict[int, list[PupilContact]] = defaultdict(list)
    calls: dict[int, list[FirstDayCall]] = defaultdict(list)
    if ids:
        for contact in db.scalars(
            select(PupilContact)
            .where(PupilContact.school_id == school.id, PupilContact.pupil_id.in_(ids))
            .order_by(PupilContact.priority, PupilContact.name)
        ):
            contacts[contact.pupil_id].append(contact)
        for call in db.scalars(
            select(FirstDayCall)
            .where(
                FirstDayCall.school_id == school.id,
                FirstDayCall.absent_on == day,
                FirstDayCall.pupil_id.in_(ids),
            )
            .order_by(FirstDayCall.recorded_at, FirstDayCall.id)
        ):
            calls[call.pupil_id].append(call)
    cases = open_case_summaries(db, school)
    return [
        PupilCard(
            p,
            days.get(p.id, 0),
            marks.get(p.id, {}).get("AM", ""),
            marks.get(p.id, {}).get("PM", ""),
            flags.get(p.id),
            contacts[p.id],
            calls[p.id],
            cases.get(p.id),
            (reasons or {}).get(p.id, ()),
        )  # fmt: skip
        for p in pupils
    ]


def call_list(db: Session, school: School, day: date, today: date) -> CallList:
    """Pupils to call about `day`, each with the consecutive school days they have been absent unexplained."""
    read = _read_day(db, school, day)
    before = _runs(db, school, read.morning, day)
    days = {p.id: before[p.id] + 1 for p in read.morning}
    listed = read.morning + read.afternoon
    flags = last_week_flags(db, school, day, today, {p.id for p in listed})
    cards = _cards(db, school, day, listed, days, read.marks, flags)
    groups = {_group(p) for p in read.pupils}
    return CallList(
        day,
        bool(read.taken),
        sorted(groups - read.taken) if read.taken else [],
        [c for c in cards if c.days],
        [c for c in cards if not c.days],
    )


def _unexplained_on(db: Session, school: School, pupils: list[Pupil], day: date) -> list[Pupil]:
    """Pupils absent without a reason on the date: every mark N, or no mark where their register was
    taken; no mark in a register not taken says nothing about that day."""
    held: dict[int, set[str]] = defaultdict(set)
    query = select(Mark.pupil_id, Mark.code).where(Mark.school_id == school.id, Mark.date == day)
    for pupil_id, code in db.execute(query):
        held[pupil_id].add(code)
    taken = _taken(db, school, {_group(p) for p in pupils}, day, day)
    return [
        p
        for p in pupils
        if p.on_roll(day) and (held[p.id] == {UNEXPLAINED} or (not held[p.id] and (day, _group(p)) in taken))
    ]


def golden_hour(db: Session, school: School, day: date, today: date) -> GoldenHour:
    """Target pupils to ring before school on `day`: a red or purple flag last week, an open case, or
    absent without a reason on the last school day; most urgent first."""
    pupils = list(
        db.scalars(
            select(Pupil)
            .where(Pupil.school_id == school.id, on_roll_on(day))
            .order_by(Pupil.legal_surname, Pupil.legal_forename, Pupil.id)
        )
    )
    last = db.scalar(
        select(SchoolSession.date)
        .where(SchoolSession.school_id == school.id, SchoolSession.date < day, SchoolSession.marked > 0)
        .order_by(SchoolSession.date.desc())
        .limit(1)
    )
    absent = {} if last is None else _runs(db, school, _unexplained_on(db, school, pupils, last), day)
    flags = last_week_flags(db, school, day, today)
    cases = open_case_summaries(db, school)
    reasons: dict[int, tuple[str, ...]] = {}
    for p in pupils:
        found = []
        flag = flags.get(p.id)
        if flag is not None and flag.flag in GOLDEN_FLAGS:
            attendance = (
                "" if flag.ytd_attendance is None else f", {flag.ytd_attendance:.1f}% attendance this year"
            )
            found.append(f"{flag.label} (week of {flag.week_start:%-d %B}{attendance})")
        if p.id in absent and last is not None:
            running = f", {absent[p.id]} school days running" if absent[p.id] > 1 else ""
            found.append(f"Absent without a reason on {last:%A %-d %B}{running}")
        if p.id in cases:
            found.append(f"Open case: {cases[p.id].stage}, owner {cases[p.id].owner}")
        if found:
            reasons[p.id] = tuple(found)
    chosen = [p for p in pupils if p.id in reasons]
    cards = _cards(db, school, day, chosen, absent, {}, flags, reasons)

    def urgency(card: PupilCard) -> tuple[int, int, bool]:
        flag = card.flag.flag if card.flag else ""
        order = GOLDEN_FLAGS.index(flag) if flag in GOLDEN_FLAGS else len(GOLDEN_FLAGS)
        return order, -card.days, card.case is None

    return GoldenHour(day, last, sorted(cards, key=urgency))


def record_call(
    db: Session, school: School, pupil: Pupil, *, day: date, outcome: str, notes: str, code: str,
    sessions: str, recorder: Recorder, today: date,
) -> FirstDayCall:  # fmt: skip
    """Record one call about a pupil on the date's call list; a reason given with a code amends the
    day's unexplained marks (N, or none yet) in the chosen sessions, with the call as the reason."""
    problems: dict[str, str] = {}
    notes, code = notes.strip(), code.strip().upper()
    if outcome not in CALL_OUTCOMES:
        problems["outcome"] = "Choose what happened: reached, no answer or reason given."
    elif outcome == "reason_given" and not notes:
        problems["notes"] = "Write down the reason the parent or carer gave."
    if code and outcome != "reason_given":
        problems["code"] = "Amend the register only when a reason was given."
    elif code and code not in CALL_CODES:
        problems["code"] = f"'{code}' is not one of the absence codes offered; choose one from the list."
    if sessions not in CALL_SESSIONS:
        problems["sessions"] = "Choose which sessions the reason covers."
    targets: list[str] = []
    morning = False
    if message := taking.register_problem(day, today):
        problems["day"] = message
    elif not pupil.on_roll(day):
        problems["pupil"] = f"{pupil.display_name} is not on roll on {day:%-d %B %Y}."
    else:
        read = _read_day(db, school, day)
        morning = pupil.id in {p.id for p in read.morning}
        if not morning and pupil.id not in {p.id for p in read.afternoon}:
            problems["pupil"] = f"{pupil.display_name} is not absent without a reason on {day:%-d %B %Y}."
        elif code and sessions in CALL_SESSIONS:
            held = read.marks.get(pupil.id, {})
            chosen = ("AM", "PM") if sessions == "both" else (sessions,)
            targets = [s for s in chosen if held.get(s, "") in ("", UNEXPLAINED)]
            if not targets:
                problems["sessions"] = "The chosen sessions have no mark without a reason to amend."
    if problems:
        raise CallRefused(problems)
    escalation = _runs(db, school, [pupil], day)[pupil.id] + 1 if morning else 1  # afternoon only: day 1
    call = FirstDayCall(
        school_id=school.id, id=allocate(db, school.id, "first_day_calls"), pupil_id=pupil.id, absent_on=day,
        escalation_day=escalation, outcome=outcome, notes=notes, amended_code=code or None,
        recorded_by_name=recorder.name, recorded_by_title=recorder.title,
    )  # fmt: skip
    reason = f"First-day call ({outcome.replace('_', ' ')}): {notes}"
    try:
        db.add(call)
        for session in targets:
            rows = taking.rows_with_marks(db, school, [pupil], day, session)
            taking.save_marks(
                db, school, rows, day, session, {pupil.id: (code, "")}, label=f"First-day call {pupil.upn}",
                recorder=recorder, reason=reason, today=today, commit=False,
            )  # fmt: skip
    except taking.RegisterRejected as exc:
        db.rollback()
        fields = {"register": "day", "reason": "notes"}
        raise CallRefused(
            {fields.get(key, "code"): message for key, message in exc.problems.items()}
        ) from exc
    db.commit()
    return call
