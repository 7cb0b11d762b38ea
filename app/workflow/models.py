"""Workflow: the trust's playbook of recurring tasks, each school's changes to it, the tasks generated for
each school and period, and the time-stamped events that complete them.

A task's completion is an event (done, undone, note) that is never changed; the instance keeps the
latest completion as a summary so lists and compliance counts need no replay of events.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from app.interventions.models import Recorded
from tenants.models import Role, TenantScoped, TrustScoped, _enum


class Cadence(enum.StrEnum):
    """How often a task comes round."""

    DAILY = "daily"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    HALF_TERMLY = "half_termly"
    TERMLY = "termly"


CADENCE_LABELS = {
    Cadence.DAILY: "Daily",
    Cadence.WEEKLY: "Weekly",
    Cadence.FORTNIGHTLY: "Fortnightly",
    Cadence.HALF_TERMLY: "Half-termly",
    Cadence.TERMLY: "Termly",
}
TASK_ROLES = (Role.STAFF, Role.SCHOOL_LEAD)  # who in a school a task falls to
ROLE_LABELS = {Role.STAFF: "Attendance staff", Role.SCHOOL_LEAD: "Senior attendance lead"}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
EVENT_KINDS = ("done", "undone", "note")


class _TaskFields:
    """What a task is and when it falls due; on a school's change to a playbook task, None keeps the trust's."""

    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    cadence: Mapped[Cadence | None] = mapped_column(_enum(Cadence))
    due_time: Mapped[time | None] = mapped_column(Time)
    # weekly, fortnightly: weekday 0-4; half-termly, termly: school day n of the period (n < 0 counts back
    # from its end: -1 is the last school day); daily: unused.
    due_day: Mapped[int | None] = mapped_column(Integer)
    role: Mapped[Role | None] = mapped_column(_enum(Role))
    resource_url: Mapped[str | None] = mapped_column(String(300))


class PlaybookTask(TrustScoped, _TaskFields, Base):
    """A recurring task in the trust's playbook, which every school of the trust runs unless it opts out."""

    __tablename__ = "playbook_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    key: Mapped[str | None] = mapped_column(String(40))  # seeded tasks keep their key; added ones have none
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_name: Mapped[str] = mapped_column(String(200))


class SchoolTask(TenantScoped, _TaskFields, Base):
    """A school's own task (no playbook_id), or its change to a playbook task: retimed, reassigned, disabled."""

    __tablename__ = "school_tasks"
    __table_args__ = (
        Index("uq_school_tasks_playbook", "school_id", "playbook_id", unique=True,
              sqlite_where=text("playbook_id IS NOT NULL"), postgresql_where=text("playbook_id IS NOT NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    playbook_id: Mapped[int | None] = mapped_column(Integer)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    owner_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # a named person, over the role
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_name: Mapped[str] = mapped_column(String(200))


class TaskInstance(TenantScoped, Base):
    """A task for one school and period, as it stood when generated; one per task and period."""

    __tablename__ = "task_instances"
    __table_args__ = (
        UniqueConstraint("school_id", "task_key", "period"),
        Index("ix_task_instances_school_id_due_on", "school_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    task_key: Mapped[str] = mapped_column(String(20))  # "p<playbook id>" or "s<school task id>"
    period: Mapped[str] = mapped_column(
        String(20)
    )  # the period's first day, ISO: a day, week, half-term, term
    period_label: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    resource_url: Mapped[str | None] = mapped_column(String(300))
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence))
    role: Mapped[Role] = mapped_column(_enum(Role))
    owner_user_id: Mapped[int | None] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The standing completion, from the latest done/undone event.
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_user_id: Mapped[int | None] = mapped_column(Integer)
    completed_by_name: Mapped[str | None] = mapped_column(String(200))

    @property
    def late(self) -> bool:
        return self.completed_at is not None and self.completed_at > self.due_at


class TaskEvent(TenantScoped, Recorded, Base):
    """Done, undone or a note, time-stamped by whoever did it; never changed or removed."""

    __tablename__ = "task_events"
    __table_args__ = (
        ForeignKeyConstraint(["school_id", "instance_id"], ["task_instances.school_id", "task_instances.id"]),
        Index("ix_task_events_school_id_instance_id", "school_id", "instance_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    instance_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))  # done | undone | note
    note: Mapped[str | None] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_user_id: Mapped[int] = mapped_column(Integer)
