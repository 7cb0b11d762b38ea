"""Ticking tasks off: each tick, undo and note is a new time-stamped event; nothing is ever rewritten.

The instance keeps the standing completion (the latest done, unless undone since) so lists read it directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from app.calendars.spans import SchoolCalendar
from app.clock import local
from app.db import utcnow
from app.refusals import Refused
from app.registers.recording import Recorder
from app.workflow.models import Cadence, TaskEvent, TaskInstance
from app.workflow.periods import due_at, period_of
from tenants.counters import allocate
from tenants.models import Role, School

NOTE_LIMIT = 2000
OVERDUE_DAYS = 28  # My tasks shows overdue tasks this far back; older ones are in the compliance view
EARLIER_SHOWN = 50  # a school's task board lists this many of the open tasks from before its day


class TaskRefused(Refused):
    """A tick, undo or note was refused; nothing was saved."""


def instance_or_none(db: Session, school: School, instance_id: int) -> TaskInstance | None:
    return db.get(TaskInstance, (school.id, instance_id))


def complete(
    db: Session,
    school: School,
    task: TaskInstance,
    recorder: Recorder,
    note: str = "",
    now: datetime | None = None,
) -> TaskEvent:
    """Tick a task off now; a late tick is marked late. Of two ticks at once, the first stands."""
    _refuse_done(task)
    event = _event(db, school, task, "done", recorder, note, now)
    event.late = event.recorded_at > task.due_at
    if not _settle(db, task, None, event.recorded_at, recorder):
        _refuse_done(task)
        raise TaskRefused({"task": f"'{task.title}' changed while you were ticking it: try again"})
    db.commit()
    return event


def undo(
    db: Session,
    school: School,
    task: TaskInstance,
    recorder: Recorder,
    note: str = "",
    now: datetime | None = None,
) -> TaskEvent:
    """Take a tick back: a new event, so the earlier tick and its time stay on the record."""
    ticked = task.completed_at
    if ticked is not None:
        event = _event(db, school, task, "undone", recorder, note, now)
        if _settle(db, task, ticked, None, None):
            db.commit()
            return event
    raise TaskRefused({"task": f"'{task.title}' is not done, so there is nothing to undo"})


def _refuse_done(task: TaskInstance) -> None:
    if task.completed_at is not None:
        raise TaskRefused({"task": f"'{task.title}' was already done by {task.completed_by_name} "
                                   f"at {local(task.completed_at):%H:%M on %-d %B}"})  # fmt: skip


def _settle(
    db: Session, task: TaskInstance, seen: datetime | None, done_at: datetime | None, by: Recorder | None
) -> bool:
    """Change the task's standing completion only if it is still the one this person saw, in one statement,
    so a double click or two people at once cannot both tick (or both undo); False, and nothing kept, if not."""
    t = TaskInstance
    still = t.completed_at.is_(None) if seen is None else t.completed_at == seen
    changed = db.execute(
        update(t)
        .where(t.school_id == task.school_id, t.id == task.id, still)
        .values(
            completed_at=done_at, completed_by_user_id=by and by.user_id, completed_by_name=by and by.name
        )
    ).rowcount
    if changed == 1:
        return True
    db.rollback()
    db.refresh(task)
    return False


def add_note(db: Session, school: School, task: TaskInstance, recorder: Recorder, note: str) -> TaskEvent:
    if not note.strip():
        raise TaskRefused({"note": "Write the note before saving it"})
    event = _event(db, school, task, "note", recorder, note, None)
    db.commit()
    return event


def _event(
    db: Session,
    school: School,
    task: TaskInstance,
    kind: str,
    recorder: Recorder,
    note: str,
    now: datetime | None,
) -> TaskEvent:
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise TaskRefused({"note": f"The note is {len(note)} characters; keep it to {NOTE_LIMIT}"})
    assert recorder.user_id is not None, "a task is ticked by a signed-in person"
    event = TaskEvent(
        school_id=school.id, id=allocate(db, school.id, "task_events"), instance_id=task.id, kind=kind,
        note=note or None, recorded_at=now or utcnow(), recorded_by_user_id=recorder.user_id,
        recorded_by_name=recorder.name, recorded_by_title=recorder.title,
    )  # fmt: skip
    db.add(event)
    return event


def history(db: Session, school: School, instance_ids: Iterable[int]) -> dict[int, list[TaskEvent]]:
    """Each task's events, oldest first."""
    ids = list(instance_ids)
    found: dict[int, list[TaskEvent]] = {i: [] for i in ids}
    if not ids:
        return found
    rows = db.scalars(
        select(TaskEvent)
        .where(TaskEvent.school_id == school.id, TaskEvent.instance_id.in_(ids))
        .order_by(TaskEvent.recorded_at, TaskEvent.id)
    )
    for event in rows:
        found[event.instance_id].append(event)
    return found


@dataclass(frozen=True)
class TaskList:
    """One person's (or one school's) tasks, in the groups a list shows them."""

    overdue: list[TaskInstance]
    today: list[TaskInstance]
    coming_up: list[TaskInstance]
    done_today: list[TaskInstance]
    older_overdue: int  # not done, due before the list looks back


def task_list(
    db: Session, schools: dict[int, Role], user_id: int | None, today: date, now: datetime | None = None
) -> TaskList:
    """Tasks at the given schools for a person's role there (or named for them), or for everyone at the
    school when user_id is None: overdue, due today, due later in their period, and done today."""
    now = now or utcnow()
    start = today - timedelta(days=OVERDUE_DAYS)
    mine = [
        and_(
            TaskInstance.school_id == school_id,
            or_(
                TaskInstance.owner_user_id == user_id,
                and_(TaskInstance.owner_user_id.is_(None), TaskInstance.role == role),
            ),
        )  # fmt: skip
        if user_id is not None
        else TaskInstance.school_id == school_id
        for school_id, role in schools.items()
    ]
    if not mine:
        return TaskList([], [], [], [], 0)
    rows = db.scalars(
        select(TaskInstance)
        .where(
            or_(*mine),
            or_(TaskInstance.completed_at.is_(None), TaskInstance.completed_at >= due_at(today, time())),
        )
        .order_by(TaskInstance.due_at, TaskInstance.school_id, TaskInstance.id)
    ).all()
    open_ = [t for t in rows if t.completed_at is None]
    return TaskList(
        overdue=[t for t in open_ if t.due_at < now and t.due_on >= start],
        today=[t for t in open_ if t.due_on == today and t.due_at >= now],
        coming_up=[t for t in open_ if t.due_on > today],
        done_today=[t for t in rows if t.completed_at is not None],
        older_overdue=sum(1 for t in open_ if t.due_on < start),
    )


@dataclass(frozen=True)
class Board:
    """A school's tasks for one day: those due that day or whose period holds it, and older ones not done."""

    tasks: list[TaskInstance]
    earlier: list[TaskInstance]  # not done, due before the day and outside its periods; the latest first
    earlier_count: int


def board(db: Session, school: School, day: date, calendar: SchoolCalendar) -> Board:
    """Every role's tasks at the school on a day, so anyone there can see what is done and cover the rest."""
    periods = [
        and_(TaskInstance.cadence == cadence, TaskInstance.period == period.key)
        for cadence in Cadence
        if (period := period_of(calendar, cadence, day)) is not None
    ]
    tasks = db.scalars(
        select(TaskInstance)
        .where(TaskInstance.school_id == school.id, or_(TaskInstance.due_on == day, *periods))
        .order_by(TaskInstance.due_at, TaskInstance.id)
    ).all()
    shown = {t.id for t in tasks}
    open_before = (
        TaskInstance.school_id == school.id,
        TaskInstance.completed_at.is_(None),
        TaskInstance.due_on < day,
        TaskInstance.id.not_in(shown),
    )
    earlier = db.scalars(
        select(TaskInstance).where(*open_before).order_by(TaskInstance.due_at.desc()).limit(EARLIER_SHOWN)
    ).all()
    count = db.scalar(select(func.count()).select_from(TaskInstance).where(*open_before)) or 0
    return Board(list(tasks), list(earlier), count)
