"""The demo's workflow history: every school's tasks for each school day so far, ticked the way that
school works (one nearly always on time, one often late, one letting weekly and half-termly tasks slip).

Today's tasks that are not yet due stay open, so whoever signs in can tick them; nothing is ticked after
`now`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, DateTime, Integer, String, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from app.clock import local
from app.registers.recording import Recorder
from app.workflow.generation import generate_schools
from app.workflow.models import Cadence, PlaybookTask, TaskEvent, TaskInstance
from app.workflow.periods import due_at
from tenants.counters import allocate
from tenants.models import Role, School


@dataclass(frozen=True)
class Habit:
    """How a school keeps to its routine: shares done on time and done late; the rest are missed."""

    daily: tuple[float, float]
    periodic: tuple[float, float]  # weekly, fortnightly, half-termly and termly tasks


HABITS = (
    Habit(daily=(0.96, 0.03), periodic=(0.95, 0.04)),  # a steady team: nearly everything on time
    Habit(daily=(0.80, 0.16), periodic=(0.80, 0.14)),  # stretched: one task in five late
    Habit(daily=(0.93, 0.05), periodic=(0.58, 0.22)),  # daily routine kept, weekly and half-termly slip
    Habit(daily=(0.90, 0.08), periodic=(0.86, 0.10)),
    Habit(daily=(0.88, 0.09), periodic=(0.78, 0.14)),
)
NOTE_SHARE = 0.04
NOTES = {  # by the playbook seed's key
    "register-check": ("Two forms chased", "One form chased"),
    "first-day-calls": ("Tutor absent; HoY covered", "Two families not reached; texts sent"),
    "immediate-action": ("Medical evidence requested for one pupil", "Home visit booked for tomorrow"),
    "weekly-data-meeting": ("Three pupils moved to red; plans agreed", "Year 9 tutors to join next week"),
    "fortnightly-home-visits": ("Two visits; one family not at home, card left",),
}
LATE_NOTES = {  # only on a late tick
    "register-check": ("Supply teacher did not know the register routine; chased at break",),
    "first-day-calls": ("Phones down until mid-morning",),
    "end-of-day-summary": ("Sent late: calls ran over",),
    "weekly-data-meeting": ("Moved: staff briefing overran",),
}
MISTAKE = ("Ticked by mistake: one form's register is still open", "Last register taken after a reminder")
WORKDAY = (time(7, 45), time(18, 15))  # no one ticks a task outside these hours


@dataclass(frozen=True)
class Tick:
    """One event to write: a task done, or a tick taken back."""

    instance_id: int
    kind: str  # done | undone
    at: datetime
    by: Recorder
    note: str | None = None
    late: bool = False  # a done tick after the task's due time


@dataclass(frozen=True)
class Due:
    """What ticking needs of a generated task."""

    id: int
    key: str  # the playbook task's seed key, "" for a school's own task
    cadence: Cadence
    role: Role
    due_at: datetime


def generate_history(
    db: Session,
    schools: Sequence[School],
    days: Sequence[date],
    people: dict[int, dict[Role, Recorder]],
    now: datetime,
    rng: random.Random,
    *,
    mistake: bool = False,
) -> tuple[int, int, int]:
    """Make every school's tasks for `days` and tick those due by `now`; returns made, ticked and open.
    With `mistake`, the first school's staff once tick a task too soon and take it back."""
    made = sum(r.created for r in generate_schools(db, schools, days))
    db.commit()
    keys = _seed_keys(db, schools)
    ticked = still_open = 0
    for i, school in enumerate(schools):
        due = _due(db, school, keys, now)
        ticks = plan(rng, HABITS[i % len(HABITS)], due, people[school.id], now, mistake=mistake and i == 0)
        write(db, school, ticks)
        ticked += len({t.instance_id for t in ticks})
        still_open += len(due) - len({t.instance_id for t in ticks})
    db.commit()
    return made, ticked, still_open


def _seed_keys(db: Session, schools: Sequence[School]) -> dict[tuple[int, str], str]:
    """(trust, task key) to the playbook seed's key, so notes fit the task."""
    rows = db.execute(
        select(PlaybookTask.trust_id, PlaybookTask.id, PlaybookTask.key).where(
            PlaybookTask.trust_id.in_({s.trust_id for s in schools})
        )
    )
    return {(trust_id, f"p{n}"): key or "" for trust_id, n, key in rows}


def _due(db: Session, school: School, keys: dict[tuple[int, str], str], now: datetime) -> list[Due]:
    t = TaskInstance
    rows = db.execute(
        select(t.id, t.task_key, t.cadence, t.role, t.due_at)
        .where(t.school_id == school.id, t.due_at <= now)
        .order_by(t.due_at, t.id)
    )
    return [Due(n, keys.get((school.trust_id, k), ""), Cadence(c), Role(r), at) for n, k, c, r, at in rows]


def plan(
    rng: random.Random,
    habit: Habit,
    tasks: Sequence[Due],
    people: dict[Role, Recorder],
    now: datetime,
    *,
    mistake: bool = False,
) -> list[Tick]:
    """The ticks a school with this habit made on its tasks, none after `now`; with `mistake`, its last
    register check done on an earlier day was ticked too soon, taken back and ticked again."""
    ticks: list[Tick] = []
    slip = None
    if mistake:
        earlier = [
            t for t in tasks if t.key == "register-check" and local(t.due_at).date() < local(now).date()
        ]
        slip = earlier[-1].id if earlier else None
    for task in tasks:
        by = people[task.role]
        if task.id == slip:
            ticks += [
                Tick(task.id, "done", task.due_at - timedelta(minutes=41), by),
                Tick(task.id, "undone", task.due_at - timedelta(minutes=34), by, MISTAKE[0]),
                Tick(task.id, "done", task.due_at - timedelta(minutes=9), by, MISTAKE[1]),
            ]
            continue
        on_time, late = habit.daily if task.cadence == Cadence.DAILY else habit.periodic
        roll = rng.random()
        if roll < on_time:
            at = task.due_at - timedelta(minutes=rng.randint(2, 55))
        elif roll < on_time + late:
            at = _late(rng, task)
        else:
            continue  # missed
        at = _in_working_hours(at)
        if at > now:
            continue  # not yet: it shows as overdue
        notes = LATE_NOTES if at > task.due_at else NOTES
        note = rng.choice(notes[task.key]) if task.key in notes and rng.random() < NOTE_SHARE else None
        ticks.append(Tick(task.id, "done", at, by, note, late=at > task.due_at))
    return ticks


def _late(rng: random.Random, task: Due) -> datetime:
    """Daily tasks slip by minutes or hours; weekly and longer ones by up to a few days."""
    after = timedelta(minutes=5 + int(rng.expovariate(1 / 55)))
    if task.cadence != Cadence.DAILY and rng.random() < 0.5:
        after += timedelta(days=rng.randint(1, 3))
    return task.due_at + after


def _in_working_hours(at: datetime) -> datetime:
    """Move a tick into the school's working day (UK time): early ones to the start, late evening ones
    and weekend ones to the next weekday morning."""
    day, clock = local(at).date(), local(at).time()
    if clock < WORKDAY[0]:
        return due_at(day, WORKDAY[0])
    if clock > WORKDAY[1] or day.weekday() >= 5:
        day += timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        return due_at(day, time(8, 5))
    return at


def write(db: Session, school: School, ticks: Sequence[Tick]) -> None:
    """Write the events and each task's standing completion with the fields app.workflow.services writes,
    in one insert and one update per school: a transaction per tick made a hundred-school demo minutes
    slower, and on PostgreSQL so did an update per task."""
    if not ticks:
        return
    ticks = sorted(ticks, key=lambda t: t.at)  # ids in the order the ticks were made, as the services give
    first = allocate(db, school.id, "task_events", len(ticks))
    db.execute(
        insert(TaskEvent),
        [
            {"school_id": school.id, "id": first + n, "instance_id": t.instance_id, "kind": t.kind,
             "note": t.note, "late": t.late, "recorded_at": t.at, "recorded_by_user_id": t.by.user_id,
             "recorded_by_name": t.by.name, "recorded_by_title": t.by.title}
            for n, t in enumerate(ticks)
        ],
    )  # fmt: skip
    standing: dict[int, Tick | None] = {}
    for tick in ticks:
        standing[tick.instance_id] = tick if tick.kind == "done" else None
    done = [(n, tick) for n, tick in standing.items() if tick is not None]
    if not done:
        return
    if db.get_bind().dialect.name == "postgresql":
        _complete_in_one_update(db, school, done)
        return
    # In-process SQLite: a statement per task is quick.
    db.execute(
        update(TaskInstance),
        [{"school_id": school.id, "id": n, "completed_at": tick.at, "completed_by_user_id": tick.by.user_id,
          "completed_by_name": tick.by.name} for n, tick in done],
    )  # fmt: skip


def _complete_in_one_update(db: Session, school: School, done: list[tuple[int, Tick]]) -> None:
    """PostgreSQL: the completions as four arrays, unnested side by side, joined to the tasks."""
    rows = select(
        _unnest("id", [n for n, _t in done], Integer()),
        _unnest("at", [t.at for _n, t in done], DateTime(timezone=True)),
        _unnest("by_id", [t.by.user_id for _n, t in done], Integer()),
        _unnest("by_name", [t.by.name for _n, t in done], String()),
    ).subquery("ticked")
    db.execute(
        update(TaskInstance)
        .where(TaskInstance.school_id == school.id, TaskInstance.id == rows.c.id)
        .values(completed_at=rows.c.at, completed_by_user_id=rows.c.by_id, completed_by_name=rows.c.by_name)
        .execution_options(synchronize_session=False)
    )


def _unnest(name: str, items: list, kind: TypeEngine) -> ColumnElement:
    return func.unnest(bindparam(name, items, type_=ARRAY(kind))).label(name)
