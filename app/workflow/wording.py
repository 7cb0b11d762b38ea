"""How the task pages say when a task is due or was done, in UK time and in words."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from app.clock import local
from app.workflow.models import TaskEvent, TaskInstance


def due_phrase(task: TaskInstance, today: date) -> str:
    """ "by 09:30 today", "by 15:30 on Friday 27 November": when a task is due, in UK time."""
    due = local(task.due_at)
    day = {today: "today", today - timedelta(days=1): "yesterday", today + timedelta(days=1): "tomorrow"}
    return f"by {due:%H:%M} {day.get(due.date()) or _on(due, today)}"


def done_phrase(task: TaskInstance, today: date) -> str:
    """ "Done at 09:12 by Jo Patel", with the day when it was not today."""
    assert task.completed_at is not None
    done = local(task.completed_at)
    on = "" if done.date() == today else f" {_on(done, today)}"
    return f"Done at {done:%H:%M}{on} by {task.completed_by_name}"


def event_phrase(event: TaskEvent, today: date) -> str:
    at = local(event.recorded_at)
    on = "today" if at.date() == today else _on(at, today)
    return f"{at:%H:%M} {on}, {event.recorded_by_name} ({event.recorded_by_title})"


def _on(moment: datetime | date, today: date) -> str:
    return f"on {moment:%A %-d %B}" + (f" {moment:%Y}" if moment.year != today.year else "")


def status(task: TaskInstance, now: datetime) -> str:
    """Ticked by the due instant is on time, and overdue starts after it, as the compliance figures count."""
    if task.completed_at is not None:
        return "Done late" if task.late else "Done on time"
    return "Overdue" if now > task.due_at else "Due later"
