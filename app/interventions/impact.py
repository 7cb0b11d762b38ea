"""Impact of casework: a pupil's attendance in the 4 weeks before an action or plan started vs the 4 weeks after.

Definitions, as the impact page states them:
- The start date S of an action is its done_on (an action only planned, with no done_on, has no impact
  yet); of a support plan, the date of the meeting (met_on).
- Before: the pupil's marks in the 28 calendar days S-28 to S-1. After: the 28 calendar days S to S+27,
  cut at today; the after-window is complete once S+27 is in the past.
- Attendance in a window = present sessions, including approved educational activity (DfE), over
  possible sessions, with each code's category from app.registers.codes (counted by measures.contribution).
  A window with no possible sessions has no rate ("no school days"), not 0%.
- Change = after minus before, in percentage points.
- Aggregates by action type count only actions whose after-window is complete; incomplete ones are
  counted separately. Pooled attendance = sum of present / sum of possible over the actions; the mean
  change is over actions with school days in both windows; improved = change above zero.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.interventions.models import ACTION_LABELS, Case, CaseAction, SupportPlan
from app.registers.codes import CODES
from app.registers.marks import Mark
from app.registers.measures import Counts, change_pp, contribution, quantity
from app.registers.models import Pupil
from app.schools.settings import lessons_per_day
from tenants.models import School, Trust

WINDOW_DAYS = 28
WINDOW_WEEKDAYS = 20  # any 28 consecutive days hold 20 weekdays: the most school days a window can have
PLAN = "support_plan"
KIND_LABELS = {**ACTION_LABELS, PLAN: "Support plan"}


@dataclass(frozen=True)
class Window:
    """One side of the comparison: its dates, the pupil's session counts, and whether it is over."""

    first: date
    last: date  # inclusive; an after-window still running ends today
    counts: Counts
    complete: bool
    lessons_per_day: int

    @property
    def rate(self) -> float | None:
        return self.counts.attendance_rate

    @property
    def possible_days(self) -> float:
        return self.counts.possible / 2

    @property
    def days_missed(self) -> float:
        return self.counts.days_missed

    @property
    def lessons_missed(self) -> float:
        return self.counts.lessons_missed(self.lessons_per_day)

    @property
    def summary(self) -> str:
        """The window in days and lessons, e.g. "85.0%: missed 3 days (15 lessons) of 20"."""
        so_far = (
            "" if self.complete else f"so far, {self.possible_days:g} of {WINDOW_WEEKDAYS} possible days: "
        )
        if not self.counts.possible:
            return so_far + "no school days"
        days, lessons = quantity(self.days_missed, "day"), quantity(self.lessons_missed, "lesson")
        return f"{so_far}{self.rate:.1f}%: missed {days} ({lessons}) of {self.possible_days:g}"


@dataclass(frozen=True)
class Impact:
    """One action done or plan agreed, with the pupil's attendance either side of its start."""

    school_id: int
    pupil_id: int
    case_id: int
    kind: str  # an ACTION_LABELS key, or PLAN
    started_on: date
    before: Window
    after: Window

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def change(self) -> float | None:
        return change_pp(self.after.rate, self.before.rate)

    @property
    def complete(self) -> bool:
        return self.after.complete


@dataclass(frozen=True)
class Aggregate:
    """Actions of one type (or all types) with complete windows, pooled; incomplete ones only counted."""

    kind: str
    label: str
    actions: int
    pupils: int
    before: Counts
    after: Counts
    compared: int  # actions with school days in both windows: the mean change's denominator
    mean_change: float | None
    improved: int
    incomplete: int

    @property
    def change(self) -> float | None:
        """Pooled after minus pooled before, in percentage points."""
        return change_pp(self.after.attendance_rate, self.before.attendance_rate)


@dataclass(frozen=True)
class SchoolImpact:
    school: School
    impacts: list[Impact]
    types: list[Aggregate]
    overall: Aggregate


@dataclass(frozen=True)
class TrustImpact:
    schools: list[SchoolImpact]
    types: list[Aggregate]
    overall: Aggregate


@dataclass
class _Start:
    pupil_id: int
    case_id: int
    kind: str
    started_on: date


def school_impact(db: Session, school: School, today: date) -> SchoolImpact:
    """Every started action and plan in the school, most recent first, with the by-type aggregates."""
    impacts = _impacts(db, school, today, _starts(db, school))
    impacts.sort(key=lambda i: (i.started_on, i.kind), reverse=True)
    return SchoolImpact(school, impacts, by_type(impacts), summarise("all", "All actions and plans", impacts))


def case_impacts(db: Session, school: School, case: Case, today: date) -> list[Impact]:
    """One case's started actions and plans, in date order (dates and figures only: no notes)."""
    impacts = _impacts(db, school, today, _starts(db, school, case_id=case.id))
    return sorted(impacts, key=lambda i: (i.started_on, i.kind))


def trust_impact(db: Session, trust: Trust, today: date) -> TrustImpact:
    """Each school's impact, through the school as the tenant context allows, and the trust pooled."""
    schools = db.scalars(select(School).where(School.trust_id == trust.id).order_by(School.name))
    per_school = [school_impact(db, school, today) for school in schools]
    impacts = [i for s in per_school for i in s.impacts]
    return TrustImpact(per_school, by_type(impacts), summarise("all", "All actions and plans", impacts))


def by_type(impacts: Iterable[Impact]) -> list[Aggregate]:
    """One aggregate per action type that has any started action, in ACTION_LABELS order, plans last."""
    grouped: dict[str, list[Impact]] = defaultdict(list)
    for impact in impacts:
        grouped[impact.kind].append(impact)
    return [summarise(kind, label, grouped[kind]) for kind, label in KIND_LABELS.items() if kind in grouped]


def summarise(kind: str, label: str, impacts: Iterable[Impact]) -> Aggregate:
    """Pool the complete actions' sessions; count the incomplete ones apart."""
    started = list(impacts)
    done = [i for i in started if i.complete]
    changes = [i.change for i in done if i.change is not None]
    return Aggregate(
        kind=kind,
        label=label,
        actions=len(done),
        pupils=len({(i.school_id, i.pupil_id) for i in done}),
        before=sum((i.before.counts for i in done), Counts()),
        after=sum((i.after.counts for i in done), Counts()),
        compared=len(changes),
        mean_change=sum(changes) / len(changes) if changes else None,
        improved=sum(1 for c in changes if c > 0),
        incomplete=len(started) - len(done),
    )


def recent(db: Session, school: School, impacts: list[Impact], limit: int = 50) -> list[tuple[Impact, Pupil]]:
    """The latest actions and plans with their pupils, for the school page's list."""
    shown = impacts[:limit]
    ids = sorted({i.pupil_id for i in shown})
    pupils = {
        p.id: p for p in db.scalars(select(Pupil).where(Pupil.school_id == school.id, Pupil.id.in_(ids)))
    }
    return [(i, pupils[i.pupil_id]) for i in shown]


def _starts(db: Session, school: School, case_id: int | None = None) -> list[_Start]:
    """Actions done (not those only planned) and plans agreed, each with its start date."""
    actions = select(CaseAction).where(CaseAction.school_id == school.id, CaseAction.done_on.is_not(None))
    plans = select(SupportPlan).where(SupportPlan.school_id == school.id)
    if case_id is not None:
        actions = actions.where(CaseAction.case_id == case_id)
        plans = plans.where(SupportPlan.case_id == case_id)
    starts = [_Start(a.pupil_id, a.case_id, a.kind, a.done_on) for a in db.scalars(actions)]  # type: ignore[arg-type]
    return starts + [_Start(p.pupil_id, p.case_id, PLAN, p.met_on) for p in db.scalars(plans)]


def _impacts(db: Session, school: School, today: date, starts: list[_Start]) -> list[Impact]:
    """Both windows of every start, from one query of the involved pupils' marks over the whole span."""
    if not starts:
        return []
    span = timedelta(days=WINDOW_DAYS)
    first = min(s.started_on for s in starts) - span
    last = min(max(s.started_on for s in starts) + span - timedelta(days=1), today)
    marks = db.execute(
        select(Mark.pupil_id, Mark.date, Mark.code, Mark.minutes_late).where(
            Mark.school_id == school.id,
            Mark.pupil_id.in_(sorted({s.pupil_id for s in starts})),
            Mark.date.between(first, last),
        )
    )
    lessons = lessons_per_day(school)
    by_day: dict[tuple[int, date], Counts] = defaultdict(Counts)
    for pupil_id, day, code, minutes in marks:
        by_day[(pupil_id, day)] = by_day[(pupil_id, day)] + Counts(*contribution(CODES[code], minutes))

    def window(pupil_id: int, first: date, last: date, complete: bool) -> Window:
        days = (first + timedelta(days=n) for n in range((last - first).days + 1))
        counts = sum((by_day[(pupil_id, d)] for d in days if (pupil_id, d) in by_day), Counts())
        return Window(first, last, counts, complete, lessons)

    found = []
    for s in starts:
        after_last = s.started_on + span - timedelta(days=1)
        before = window(s.pupil_id, s.started_on - span, s.started_on - timedelta(days=1), True)
        after = window(s.pupil_id, s.started_on, min(after_last, today), after_last < today)
        found.append(Impact(school.id, s.pupil_id, s.case_id, s.kind, s.started_on, before, after))
    return found
