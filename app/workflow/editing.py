"""Changing what tasks a school runs: the trust's playbook, a school's retiming, reassigning or disabling of
a playbook task, and a school's own tasks. Input arrives as typed; every problem is named by its field and
nothing is saved. A change reaches the open, untouched tasks from today at once (generation.refresh); ticked
or annotated tasks keep how they were made.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import now_and_today
from app.db import utcnow
from app.refusals import Refused
from app.workflow.generation import refresh
from app.workflow.models import TASK_ROLES, Cadence, PlaybookTask, SchoolTask
from app.workflow.tasks import FURTHEST_DAY, TASK_FIELDS, due_day_fits, members
from tenants.counters import allocate
from tenants.models import Role, School, Trust

TITLE_LIMIT = 200
DESCRIPTION_LIMIT = 2000
LINK_LIMIT = 300
WEEKLY = (Cadence.WEEKLY, Cadence.FORTNIGHTLY)
ATTEMPTS = 3  # saves tried when another request takes the same number or change row at the same moment
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{2})")  # ASCII digits only: int() takes "٣" and str.isdigit() "²"
_DAY = re.compile(r"-?[0-9]{1,3}")
_USER_ID = re.compile(r"[0-9]{1,18}")
_WEB = re.compile(r"https?://[^\s/?#]+[^\s]*")
_PATH = re.compile(r"(?!.*//)/[^\s\\]*")  # a browser reads "//host" and "/\\host" as another site
T = TypeVar("T")


class TaskChangeRefused(Refused):
    """A change to the playbook or to a school's tasks was refused; nothing was saved."""


@dataclass(frozen=True)
class TaskInput:
    """A task's fields as typed on a form (the due day as a number: a weekday 0-4, or a school day n or -n)."""

    title: str = ""
    description: str = ""
    cadence: str = ""
    due_time: str = ""
    due_day: str = ""
    role: str = ""
    owner: str = ""  # a user id, or empty for whoever holds the role
    resource_url: str = ""


@dataclass(frozen=True)
class Checked:
    """A task's fields once every one is known to be right."""

    title: str
    description: str | None
    cadence: Cadence
    due_time: time
    due_day: int | None
    role: Role
    owner_user_id: int | None
    resource_url: str | None


def check(
    db: Session, given: TaskInput, *, school: School | None = None, cadence: Cadence | None = None
) -> Checked:
    """Every field of a task checked at once; `cadence` fixes it (a school retiming the trust's task), and an
    owner may be named only for a school's task."""
    problems: dict[str, str] = {}
    title = given.title.strip()
    if cadence is None:
        if not title:
            problems["title"] = "Give the task a title."
        elif len(title) > TITLE_LIMIT:
            problems["title"] = f"The title is {len(title)} characters; keep it to {TITLE_LIMIT}."
    description = given.description.strip()
    if len(description) > DESCRIPTION_LIMIT:
        problems["description"] = (
            f"The description is {len(description)} characters; keep it to {DESCRIPTION_LIMIT}."
        )
    if cadence is None and given.cadence not in set(Cadence):
        problems["cadence"] = (
            "Choose how often the task comes round: daily, weekly, fortnightly, half-termly or termly."
        )
    chosen = cadence or (Cadence(given.cadence) if given.cadence in set(Cadence) else None)
    due_time = _due_time(given.due_time, problems)
    due_day = _due_day(chosen, given.due_day.strip(), problems) if chosen else None
    if given.role not in set(TASK_ROLES):
        problems["role"] = "Choose who the task falls to: attendance staff or the senior attendance lead."
    owner = _owner(db, school, given.owner.strip(), problems)
    link = given.resource_url.strip()
    if len(link) > LINK_LIMIT:
        problems["resource_url"] = f"The link is {len(link)} characters; keep it to {LINK_LIMIT}."
    elif link and not (_WEB.fullmatch(link) or _PATH.fullmatch(link)):
        problems["resource_url"] = (
            "Give a web address starting http:// or https://, or a page of this site starting with / "
            "(such as /schools/{urn}/attendance); or leave it empty."
        )
    if problems:
        raise TaskChangeRefused(problems)
    assert chosen is not None and due_time is not None
    return Checked(
        title=title, description=description or None, cadence=chosen, due_time=due_time, due_day=due_day,
        role=Role(given.role), owner_user_id=owner, resource_url=link or None,
    )  # fmt: skip


def _due_time(text: str, problems: dict[str, str]) -> time | None:
    found = _TIME.fullmatch(text.strip())
    if found and int(found[1]) < 24 and int(found[2]) < 60:
        return time(int(found[1]), int(found[2]))
    problems["due_time"] = "Give the time the task is due by, as HH:MM on the 24-hour clock (such as 09:30)."
    return None


def _due_day(cadence: Cadence, text: str, problems: dict[str, str]) -> int | None:
    """Weekly and fortnightly: a weekday 0-4; half-termly and termly: school day n (n < 0 from the end)."""
    if cadence == Cadence.DAILY:
        if text:
            problems["due_day"] = (
                "A daily task is due every school day, so it has no due day: leave it empty."
            )
        return None
    number = int(text) if _DAY.fullmatch(text) else None
    if cadence in WEEKLY:
        if number is None or not due_day_fits(cadence, number):
            problems["due_day"] = (
                f"Choose the day of the week a {cadence.value} task is due: Monday to Friday."
            )
        return number
    period = "half-term" if cadence == Cadence.HALF_TERMLY else "term"
    if number is None or not due_day_fits(cadence, number):
        problems["due_day"] = (
            f"Give the school day of the {period} the task is due as a whole number from 1 to {FURTHEST_DAY}, "
            f"counted from the start or the end of the {period}."
        )
    return number


def _owner(db: Session, school: School | None, text: str, problems: dict[str, str]) -> int | None:
    if not text:
        return None
    ids = {m.user_id for m in members(db, school)} if school is not None else set()
    if not _USER_ID.fullmatch(text) or int(text) not in ids:
        problems["owner"] = (
            "Name someone who works at the school as attendance staff or its lead (and is still active), "
            "or leave the task to whoever holds the role."
        )
        return None
    return int(text)


def _saved(db: Session, make: Callable[[], T], schools: list[School]) -> T:
    """Make the rows, bring the schools' open tasks into line and commit; if another request saved the same
    number or change row first, roll back and make them again from what is saved now, a few times at most."""
    for _attempt in range(ATTEMPTS - 1):
        try:
            made = make()
            _tasks_follow(db, schools)
            db.commit()
            return made
        except IntegrityError:
            db.rollback()
    made = make()  # the last attempt: a refusal now is a real fault, not a race
    _tasks_follow(db, schools)
    db.commit()
    return made


def _tasks_follow(db: Session, schools: list[School]) -> None:
    """A change reaches the open, untouched tasks from today on at once (a retimed task moves, a disabled
    one goes, a new one is made for today if its time is still to come); ticked tasks keep their record."""
    db.flush()
    now = now_and_today()[0]
    for school in schools:
        refresh(db, school, now)


def _trust_schools(db: Session, trust_id: int) -> list[School]:
    return list(db.scalars(select(School).where(School.trust_id == trust_id)))


def add_playbook_task(db: Session, trust: Trust, given: TaskInput, by_name: str) -> PlaybookTask:
    """A new task in the trust's playbook, numbered after its last one, for every school of the trust."""
    checked = check(db, given)

    def make() -> PlaybookTask:
        task_id, position = next_playbook_numbers(db, trust)
        task = PlaybookTask(trust_id=trust.id, id=task_id, position=position)
        _fill_playbook(task, checked, by_name)
        db.add(task)
        return task

    return _saved(db, make, _trust_schools(db, trust.id))


def next_playbook_numbers(db: Session, trust: Trust) -> tuple[int, int]:
    """The id and position after the trust's last task (two leaders adding at once may both read them)."""
    last_id, last_position = db.execute(
        select(func.max(PlaybookTask.id), func.max(PlaybookTask.position)).where(
            PlaybookTask.trust_id == trust.id
        )
    ).one()
    return (last_id or 0) + 1, (last_position or 0) + 1


def edit_playbook_task(db: Session, task: PlaybookTask, given: TaskInput, by_name: str) -> PlaybookTask:
    _fill_playbook(task, check(db, given), by_name)
    _tasks_follow(db, _trust_schools(db, task.trust_id))
    db.commit()
    return task


def _fill_playbook(task: PlaybookTask, checked: Checked, by_name: str) -> None:
    for name in TASK_FIELDS:
        setattr(task, name, getattr(checked, name))
    task.updated_at, task.updated_by_name = utcnow(), by_name


def set_playbook_active(db: Session, task: PlaybookTask, active: bool, by_name: str) -> None:
    """Take a task out of (or back into) the playbook for every school; ticked or annotated tasks stay."""
    task.active = active
    task.updated_at, task.updated_by_name = utcnow(), by_name
    _tasks_follow(db, _trust_schools(db, task.trust_id))
    db.commit()


def change_of(db: Session, school: School, playbook_id: int) -> SchoolTask | None:
    return db.scalar(
        select(SchoolTask).where(SchoolTask.school_id == school.id, SchoolTask.playbook_id == playbook_id)
    )


def own_task_or_none(db: Session, school: School, task_id: int) -> SchoolTask | None:
    """A school's own task; a school's change to a playbook task is not one."""
    task = db.get(SchoolTask, (school.id, task_id))
    return task if task is not None and task.playbook_id is None else None


def retime(db: Session, school: School, playbook: PlaybookTask, given: TaskInput, by_name: str) -> SchoolTask:
    """The school's own time, day and owner for a trust task; a value the same as the trust's is not kept,
    so a later change to the trust's playbook still reaches the school for it."""
    assert playbook.cadence is not None
    checked = check(db, given, school=school, cadence=playbook.cadence)

    def make() -> SchoolTask:
        change = _change(db, school, playbook.id, by_name)
        change.due_time = checked.due_time if checked.due_time != playbook.due_time else None
        change.due_day = checked.due_day if checked.due_day != playbook.due_day else None
        change.role = checked.role if checked.role != playbook.role else None
        change.owner_user_id = checked.owner_user_id
        return change

    return _saved(db, make, [school])


def set_playbook_enabled(
    db: Session, school: School, playbook: PlaybookTask, enabled: bool, by_name: str
) -> None:
    """Opt the school out of a trust task (or back in): its open, untouched tasks go until it is enabled."""

    def make() -> None:
        _change(db, school, playbook.id, by_name).enabled = enabled

    _saved(db, make, [school])


def _change(db: Session, school: School, playbook_id: int, by_name: str) -> SchoolTask:
    """The school's change row for a trust task, made if it has none yet (one per task: if another request
    makes it at the same moment, the unique index refuses the second and _saved tries again)."""
    change = change_of(db, school, playbook_id)
    if change is None:
        ident = allocate(db, school.id, "school_tasks")
        change = SchoolTask(school_id=school.id, id=ident, playbook_id=playbook_id)
        db.add(change)
    change.updated_at, change.updated_by_name = utcnow(), by_name
    return change


def add_own_task(db: Session, school: School, given: TaskInput, by_name: str) -> SchoolTask:
    """A task only this school runs, beside the trust's playbook."""
    checked = check(db, given, school=school)
    task = SchoolTask(school_id=school.id, id=allocate(db, school.id, "school_tasks"), playbook_id=None)
    _fill_own(task, checked, by_name)
    db.add(task)
    _tasks_follow(db, [school])
    db.commit()
    return task


def edit_own_task(
    db: Session, school: School, task: SchoolTask, given: TaskInput, by_name: str
) -> SchoolTask:
    _fill_own(task, check(db, given, school=school), by_name)
    _tasks_follow(db, [school])
    db.commit()
    return task


def set_own_enabled(db: Session, school: School, task: SchoolTask, enabled: bool, by_name: str) -> None:
    task.enabled = enabled
    task.updated_at, task.updated_by_name = utcnow(), by_name
    _tasks_follow(db, [school])
    db.commit()


def _fill_own(task: SchoolTask, checked: Checked, by_name: str) -> None:
    for name in (*TASK_FIELDS, "owner_user_id"):
        setattr(task, name, getattr(checked, name))
    task.updated_at, task.updated_by_name = utcnow(), by_name
