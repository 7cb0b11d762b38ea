"""Workflow forms: ticking a task, and a task's fields with its due day offered in words. The rules for each
field are in app.workflow.editing, which names every problem by the field it belongs to."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from app.workflow.editing import WEEKLY, TaskInput
from app.workflow.models import (
    CADENCE_LABELS,
    ROLE_LABELS,
    TASK_ROLES,
    WEEKDAY_NAMES,
    Cadence,
    PlaybookTask,
    SchoolTask,
)
from app.workflow.tasks import FURTHEST_DAY, Member, Task

FROM_START, FROM_END = "start", "end"


class TaskActionForm(FlaskForm):
    """Done, undo or a note: the note is optional for done and undo; `next` is the page to go back to."""

    note = TextAreaField("Note")
    next = HiddenField()


class SwitchForm(FlaskForm):
    """Turn a task on or off: `on` is "yes" or "no"."""

    on = HiddenField()


class TimingForm(FlaskForm):
    """When a task is due and who it falls to, the fields every task form has."""

    due_time = StringField(
        "Due by", description="The time on the 24-hour clock, such as 09:30.", render_kw={"type": "time"}
    )
    weekday = SelectField(
        "Day of the week",
        choices=[
            SelectChoice("", "Not used"),
            *(SelectChoice(str(n), d) for n, d in enumerate(WEEKDAY_NAMES)),
        ],
        validate_choice=False,
    )
    school_day = StringField(
        "School day number",
        description=f"1 to {FURTHEST_DAY}: 1 from the start is the first school day, 1 from the end the last.",
        render_kw={"type": "number", "min": 1, "max": FURTHEST_DAY, "inputmode": "numeric"},
    )
    counted_from = SelectField(
        "Counted from",
        choices=[SelectChoice(FROM_START, "the start"), SelectChoice(FROM_END, "the end")],
        validate_choice=False,
    )
    role = SelectField(
        "Falls to", choices=[SelectChoice(r.value, ROLE_LABELS[r]) for r in TASK_ROLES], validate_choice=False
    )


def _owner() -> SelectField:
    return SelectField(
        "Named person",
        description="Over the role: only this person sees it in My tasks.",
        validate_choice=False,
    )


class RetimeForm(TimingForm):
    """What a school may change of the trust's task: when it is due and who does it."""

    owner = _owner()


class TrustTaskForm(TimingForm):
    """A playbook task: every field but a named person, since the playbook is for every school."""

    title = StringField("Title")
    description = TextAreaField("What to do", render_kw={"rows": 3})
    cadence = SelectField(
        "How often",
        choices=[SelectChoice(c.value, label) for c, label in CADENCE_LABELS.items()],
        validate_choice=False,
    )
    resource_url = StringField(
        "Link to a page or resource",
        description="A web address (https://...) or a page of Turnout starting with /; {urn} becomes the "
        "school's URN, so /schools/{urn}/attendance opens each school's own page. Optional.",
    )


class SchoolTaskForm(TrustTaskForm):
    """A school's own task: a playbook task's fields and a named person."""

    owner = _owner()


def offer_owners(form: RetimeForm | SchoolTaskForm, people: list[Member]) -> None:
    form.owner.choices = [
        SelectChoice("", "Nobody named: whoever holds the role"),
        *(SelectChoice(str(m.user_id), f"{m.name}, {m.title} ({ROLE_LABELS[m.role]})") for m in people),
    ]


def due_day_text(cadence: str, form: TimingForm) -> str:
    """The due day as the service takes it, from the fields that fit the cadence (the others are ignored)."""
    if cadence in WEEKLY:
        return form.weekday.data or ""
    if cadence in (Cadence.HALF_TERMLY, Cadence.TERMLY):
        n = (form.school_day.data or "").strip()
        return f"-{n}" if n and form.counted_from.data == FROM_END else n
    return ""


def given(form: TimingForm, cadence: str) -> TaskInput:
    """The form as typed, for the service to check; a field the form lacks is left empty."""

    def text(name: str) -> str:
        field = getattr(form, name, None)
        return (field.data or "") if field is not None else ""

    return TaskInput(
        title=text("title"), description=text("description"), cadence=cadence, due_time=text("due_time"),
        due_day=due_day_text(cadence, form), role=text("role"), owner=text("owner"),
        resource_url=text("resource_url"),
    )  # fmt: skip


def timing_data(cadence: Cadence, due_day: int | None) -> dict[str, str]:
    """A stored due day as the fields offer it: the weekday, or the school day and which end it counts from."""
    if cadence in WEEKLY:
        return {"weekday": str(due_day or 0)}
    if cadence == Cadence.DAILY or due_day is None:
        return {}
    return {"school_day": str(abs(due_day)), "counted_from": FROM_END if due_day < 0 else FROM_START}


def timing_of(task: Task | PlaybookTask | SchoolTask) -> dict[str, str]:
    """A task's time, day and who, as the form's fields hold them."""
    assert task.cadence is not None and task.due_time is not None and task.role is not None
    return {"due_time": f"{task.due_time:%H:%M}", "role": task.role.value,
            "owner": str(getattr(task, "owner_user_id", None) or ""), **timing_data(task.cadence, task.due_day)}  # fmt: skip


def fields_of(task: PlaybookTask | SchoolTask) -> dict[str, str]:
    assert task.cadence is not None
    return {"title": task.title or "", "description": task.description or "", "cadence": task.cadence.value,
            "resource_url": task.resource_url or "", **timing_of(task)}  # fmt: skip


def show_problems(form: TimingForm, problems: dict[str, str], cadence: str) -> None:
    """Each problem next to its field; the due day's next to the field that fits the cadence."""
    for name, message in problems.items():
        if name == "due_day":
            name = "weekday" if cadence in WEEKLY else "school_day"
        field = getattr(form, name)
        field.errors = [*field.errors, message]
