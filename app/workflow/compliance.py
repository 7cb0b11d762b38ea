"""Were tasks done on time? Counted in the database per school, cadence and role, or per school and day.

A task counts once its due time has passed, or as soon as it is done (so an early tick counts at once): on
time if done by its due time (completed_at <= due_at), late if done after it, missed if now is past its due
time (now > due_at) and it is not done; at the due instant itself an open task is not yet missed, as the task
pages say it is not yet overdue. The on-time rate is on time over all counted tasks, so late and missed tasks
both pull it down.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from app.registers.recording import week_start
from app.registers.reports import academic_year_start
from app.workflow.models import CADENCE_LABELS, ROLE_LABELS, TASK_ROLES, Cadence, TaskInstance
from tenants.models import Role, School, Trust

WINDOW_DAYS = 28  # "the last 4 weeks", today included
TRUST_WINDOWS = (4, 8, 12)  # weeks a trust leader can look back over


@dataclass(frozen=True)
class Tally:
    on_time: int = 0
    late: int = 0
    missed: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.on_time + other.on_time, self.late + other.late, self.missed + other.missed)

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missed

    @property
    def rate(self) -> float | None:
        """Percent of counted tasks done on time; None with nothing counted."""
        return self.on_time / self.due * 100 if self.due else None


def window(today: date, days: int = WINDOW_DAYS) -> tuple[date, date]:
    return today - timedelta(days=days - 1), today


def late_words(task: TaskInstance) -> str:
    """How long after its due time a task was ticked, in whole minutes rounded up ("1 hour 5 minutes")."""
    assert task.completed_at is not None, "only a ticked task can be late"
    minutes = math.ceil((task.completed_at - task.due_at).total_seconds() / 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{hours} hour{'s' if hours != 1 else ''}"] if hours else []
    if minutes or not hours:
        parts.append(f"{minutes} minute{'s' if minutes != 1 else ''}")
    return " ".join(parts)


def _counts(now: datetime) -> list:
    t = TaskInstance
    done = t.completed_at.is_not(None)
    return [
        func.sum(case((done & (t.completed_at <= t.due_at), 1), else_=0)),
        func.sum(case((done & (t.completed_at > t.due_at), 1), else_=0)),
        func.sum(case((t.completed_at.is_(None) & (t.due_at < now), 1), else_=0)),
    ]


def _counted(school_ids: Sequence[int], start: date, end: date, now: datetime) -> list:
    t = TaskInstance
    return [t.school_id.in_(school_ids), t.due_on.between(start, end),
            or_(t.due_at < now, t.completed_at.is_not(None))]  # fmt: skip


def tallies(
    db: Session, school_ids: Sequence[int], start: date, end: date, now: datetime
) -> dict[tuple[int, Cadence, Role], Tally]:
    """On time, late and missed per school, cadence and role, for tasks due from start to end."""
    t = TaskInstance
    rows = db.execute(
        select(t.school_id, t.cadence, t.role, *_counts(now))
        .where(*_counted(school_ids, start, end, now))
        .group_by(t.school_id, t.cadence, t.role)
    )
    return {(s, Cadence(c), Role(r)): Tally(int(a), int(b), int(m)) for s, c, r, a, b, m in rows}


def weekly(
    db: Session, school_ids: Sequence[int], start: date, end: date, now: datetime
) -> dict[tuple[int, date], Tally]:
    """On time, late and missed per school and week (named by its Monday), from daily sums."""
    t = TaskInstance
    rows = db.execute(
        select(t.school_id, t.due_on, *_counts(now))
        .where(*_counted(school_ids, start, end, now))
        .group_by(t.school_id, t.due_on)
    )
    weeks: dict[tuple[int, date], Tally] = defaultdict(Tally)
    for school_id, day, on_time, late, missed in rows:
        key = (school_id, week_start(day))
        weeks[key] = weeks[key] + Tally(int(on_time), int(late), int(missed))
    return dict(weeks)


def summed(found: dict, pick: int) -> dict:
    """Fold a tally dict onto one part of its key (0 school, 1 cadence or week, 2 role)."""
    out: dict = defaultdict(Tally)
    for key, tally in found.items():
        out[key[pick]] = out[key[pick]] + tally
    return dict(out)


@dataclass(frozen=True)
class SchoolCompliance:
    start: date
    end: date
    total: Tally
    by_cadence: dict[Cadence, Tally]
    by_role: dict[Role, Tally]
    weeks: list[tuple[date, Tally]]  # the academic year so far, for the trend
    missed: list[TaskInstance]
    late: list[TaskInstance]


def school_compliance(
    db: Session, school: School, today: date, now: datetime, year_start: date
) -> SchoolCompliance:
    """The last 4 weeks by cadence and role with the tasks missed or done late, and the year's weekly trend."""
    start, end = window(today)
    found = tallies(db, [school.id], start, end, now)
    by_week = weekly(db, [school.id], year_start, end, now)
    t = TaskInstance
    recent = db.scalars(
        select(t)
        .where(
            *_counted([school.id], start, end, now), or_(t.completed_at.is_(None), t.completed_at > t.due_at)
        )
        .order_by(t.due_at.desc(), t.id)
    ).all()
    return SchoolCompliance(
        start=start, end=end, total=sum(found.values(), Tally()),
        by_cadence=summed(found, 1), by_role=summed(found, 2),
        weeks=sorted((week, tally) for (_school, week), tally in by_week.items()),
        missed=[i for i in recent if i.completed_at is None], late=[i for i in recent if i.completed_at is not None],
    )  # fmt: skip


def roles_shown(by_role: dict[Role, Tally]) -> list[Role]:
    """The roles tasks fall to, in their usual order, then any other role a school gave a task."""
    return [*TASK_ROLES, *sorted(r for r in by_role if r not in TASK_ROLES)]


def trust_schools(db: Session, trust: Trust) -> list[School]:
    """The trust's schools in name order, as its heatmap, trend and export list them."""
    return list(db.scalars(select(School).where(School.trust_id == trust.id).order_by(School.name)))


@dataclass(frozen=True)
class TrustCompliance:
    """Each school's tallies by cadence over a window: the trust's heatmap, its table and its export."""

    start: date
    end: date
    schools: list[School]
    cells: dict[tuple[int, Cadence], Tally]

    def cell(self, school_id: int, cadence: Cadence) -> Tally:
        return self.cells.get((school_id, cadence), Tally())

    def school_total(self, school_id: int) -> Tally:
        return sum((self.cell(school_id, c) for c in Cadence), Tally())

    def cadence_total(self, cadence: Cadence) -> Tally:
        """Pooled over the schools: all on time over all counted, never an average of school rates."""
        return sum((self.cell(s.id, cadence) for s in self.schools), Tally())

    @property
    def total(self) -> Tally:
        return sum(self.cells.values(), Tally())


def trust_compliance(
    db: Session, schools: Sequence[School], today: date, now: datetime, weeks: int
) -> TrustCompliance:
    """On time, late and missed per school and cadence over the last `weeks` weeks, today included."""
    start, end = window(today, weeks * 7)
    cells: dict[tuple[int, Cadence], Tally] = defaultdict(Tally)
    for (school_id, cadence, _role), tally in tallies(db, [s.id for s in schools], start, end, now).items():
        cells[(school_id, cadence)] = cells[(school_id, cadence)] + tally
    return TrustCompliance(start, end, list(schools), dict(cells))


@dataclass(frozen=True)
class TrustTrend:
    """Weekly figures over the academic year so far, for the trust pooled and for each school."""

    weeks: list[date]  # every week in which any school counted a task
    pooled: dict[date, Tally]
    by_school: dict[int, dict[date, Tally]]


def trust_trend(db: Session, schools: Sequence[School], today: date, now: datetime) -> TrustTrend:
    """The pooled line sums every school's tasks each week, so a big school weighs as much as it does."""
    found = weekly(db, [s.id for s in schools], academic_year_start(today), today, now)
    by_school: dict[int, dict[date, Tally]] = {s.id: {} for s in schools}
    for (school_id, week), tally in found.items():
        by_school[school_id][week] = tally
    pooled = summed(found, 1)
    return TrustTrend(sorted(pooled), pooled, by_school)


RATE_COLUMNS = [("on_time", "On time"), ("late", "Late"), ("missed", "Missed"), ("counted", "Counted"),
                ("rate", "On-time rate (%)")]  # fmt: skip
SCHOOL_COLUMNS = [("group", "Grouped by"), ("name", "Cadence or role"), *RATE_COLUMNS]
TRUST_COLUMNS = [("school", "School"), ("urn", "URN"), ("cadence", "Cadence"), *RATE_COLUMNS]
ALL_CADENCES = "All cadences"


def figures(tally: Tally) -> dict[str, int | float | None]:
    """A tally as export cells; the rate to one decimal place, blank when nothing was counted."""
    rate = tally.rate
    return {"on_time": tally.on_time, "late": tally.late, "missed": tally.missed, "counted": tally.due,
            "rate": None if rate is None else round(rate, 1)}  # fmt: skip


def school_rows(found: SchoolCompliance) -> list[dict]:
    """The school's export: a row for every cadence and role, then all tasks."""
    rows = [{"group": "Cadence", "name": CADENCE_LABELS[c], **figures(found.by_cadence.get(c, Tally()))}
            for c in Cadence]  # fmt: skip
    rows += [{"group": "Role", "name": ROLE_LABELS.get(r, r.value), **figures(found.by_role.get(r, Tally()))}
             for r in roles_shown(found.by_role)]  # fmt: skip
    return [*rows, {"group": "All tasks", "name": "All tasks", **figures(found.total)}]


def trust_rows(found: TrustCompliance) -> list[dict]:
    """The heatmap's figures: each school by cadence and in all, then the trust pooled the same way."""
    rows = []
    for school in found.schools:
        rows += [{"school": school.name, "urn": school.urn, "cadence": CADENCE_LABELS[c],
                  **figures(found.cell(school.id, c))} for c in Cadence]  # fmt: skip
        rows.append({"school": school.name, "urn": school.urn, "cadence": ALL_CADENCES,
                     **figures(found.school_total(school.id))})  # fmt: skip
    pooled = "Trust (pooled)"
    rows += [{"school": pooled, "urn": None, "cadence": CADENCE_LABELS[c], **figures(found.cadence_total(c))}
             for c in Cadence]  # fmt: skip
    return [*rows, {"school": pooled, "urn": None, "cadence": ALL_CADENCES, **figures(found.total)}]
