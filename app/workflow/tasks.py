"""The tasks a school runs: its trust's playbook with the school's own changes over it, and its own tasks."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.workflow.models import ROLE_LABELS, TASK_ROLES, WEEKDAY_NAMES, Cadence, PlaybookTask, SchoolTask
from tenants.models import Membership, Role, School

TASK_FIELDS = (  # what a task is; a school change row sets any of them over the trust's
    "title",
    "description",
    "cadence",
    "due_time",
    "due_day",
    "role",
    "resource_url",
)


@dataclass(frozen=True)
class Task:
    """One recurring task as a school runs it."""

    key: str  # "p<playbook id>" for the trust's, "s<school task id>" for the school's own
    title: str
    description: str
    cadence: Cadence
    due_time: time
    due_day: int | None
    role: Role
    resource_url: str | None
    owner_user_id: int | None
    enabled: bool
    from_playbook: bool
    changed: tuple[str, ...] = ()  # the playbook fields this school has changed

    @property
    def when(self) -> str:
        return due_words(self.cadence, self.due_day, self.due_time)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role.value)

    def link(self, school: School) -> str | None:
        return self.resource_url.replace("{urn}", str(school.urn)) if self.resource_url else None


def due_words(cadence: Cadence, due_day: int | None, due_time: time) -> str:
    """ "Every school day by 09:30", "Fridays by 15:30", "5th school day from the end of each half-term"."""
    at = f"by {due_time:%H:%M}"
    if cadence == Cadence.DAILY:
        return f"Every school day {at}"
    if cadence in (Cadence.WEEKLY, Cadence.FORTNIGHTLY):
        day = WEEKDAY_NAMES[due_day or 0]
        return f"{day}s {at}" if cadence == Cadence.WEEKLY else f"Every other {day} {at}"
    period = "half-term" if cadence == Cadence.HALF_TERMLY else "term"
    n = due_day or 1
    if n == -1:
        return f"Last school day of each {period} {at}"
    if n < 0:
        return f"{_ordinal(-n)} school day from the end of each {period} {at}"
    return f"{_ordinal(n)} school day of each {period} {at}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


FURTHEST_DAY = 60  # school days counted from the start or end of a half-term or term


def due_day_fits(cadence: Cadence, due_day: int | None) -> bool:
    """Whether a due day means something for the cadence: a weekday 0-4 for weekly and fortnightly tasks,
    school day n (or -n from the end) for half-termly and termly ones, nothing for daily ones."""
    if cadence == Cadence.DAILY:
        return due_day is None
    if cadence in (Cadence.WEEKLY, Cadence.FORTNIGHTLY):
        return due_day is not None and 0 <= due_day <= 4
    return due_day is not None and due_day != 0 and abs(due_day) <= FURTHEST_DAY


def school_tasks(db: Session, school: School) -> list[Task]:
    """Every task of the school, enabled or not, in playbook order then the school's own.

    A task named for someone who no longer works at the school falls back to its role, so it is not lost.
    """
    playbook = db.scalars(
        select(PlaybookTask)
        .where(PlaybookTask.trust_id == school.trust_id, PlaybookTask.active)
        .order_by(PlaybookTask.position, PlaybookTask.id)
    ).all()
    own = db.scalars(
        select(SchoolTask).where(SchoolTask.school_id == school.id).order_by(SchoolTask.id)
    ).all()
    changes = {s.playbook_id: s for s in own if s.playbook_id is not None}
    tasks = [_merge(p, changes.get(p.id)) for p in playbook] + [_own(s) for s in own if s.playbook_id is None]
    present = {m.user_id for m in members(db, school)} if any(t.owner_user_id for t in tasks) else set()
    return [t if t.owner_user_id in present or t.owner_user_id is None else replace(t, owner_user_id=None)
            for t in tasks]  # fmt: skip


@dataclass(frozen=True)
class Member:
    """Someone at the school a task may be named for."""

    user_id: int
    name: str
    title: str
    role: Role


def members(db: Session, school: School) -> list[Member]:
    """The school's active staff and leads: the people a task may name as its owner."""
    rows = db.execute(
        select(User.id, User.name, User.job_title, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.school_id == school.id,
            Membership.active.is_(True),
            Membership.role.in_(TASK_ROLES),
            User.active.is_(True),
        )
        .order_by(User.name, User.id)
    ).all()
    found: dict[int, Member] = {}
    for user_id, name, title, role in rows:  # a lead who is staff too is named once, as the lead
        if user_id not in found or role == Role.SCHOOL_LEAD:
            found[user_id] = Member(user_id, name, title, role)
    return list(found.values())


def _merge(p: PlaybookTask, change: SchoolTask | None) -> Task:
    values = {f: getattr(p, f) for f in TASK_FIELDS}
    changed = []
    if change is not None:
        for f in TASK_FIELDS:
            if getattr(change, f) is not None and getattr(change, f) != values[f]:
                values[f] = getattr(change, f)
                changed.append(f)
        if not due_day_fits(values["cadence"], values["due_day"]):  # the trust changed the cadence since
            values["due_day"] = p.due_day
            changed = [f for f in changed if f != "due_day"]
    return Task(
        key=f"p{p.id}",
        owner_user_id=change.owner_user_id if change else None,
        enabled=change.enabled if change else True,
        from_playbook=True,
        changed=tuple(changed),
        **{**values, "description": values["description"] or ""},
    )


def _own(s: SchoolTask) -> Task:
    assert s.title and s.cadence and s.due_time and s.role, "a school's own task has every field"
    return Task(
        key=f"s{s.id}", title=s.title, description=s.description or "", cadence=s.cadence, due_time=s.due_time,
        due_day=s.due_day, role=s.role, resource_url=s.resource_url, owner_user_id=s.owner_user_id,
        enabled=s.enabled, from_playbook=False,
    )  # fmt: skip
