"""Workflow pages: my tasks, a school's task board and playbook, and the trust playbook."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.access import current_recorder, require_role, school_or_404, trust_or_404
from app.auth.models import User
from app.auth.routes import safe_next
from app.calendars.services import school_calendar
from app.clock import chosen_day, local, now_and_today, parse_day
from app.db import get_session
from app.workflow import editing, forms, services
from app.workflow.models import (
    CADENCE_LABELS,
    ROLE_LABELS,
    WEEKDAY_NAMES,
    Cadence,
    PlaybookTask,
    TaskInstance,
)
from app.workflow.tasks import Member, due_words, members, school_tasks
from app.workflow.wording import done_phrase, due_phrase, event_phrase, status
from tenants.access import PUPIL_READERS, REGISTER_EDITORS, STAFF_MANAGERS
from tenants.models import Role, School, Trust

bp = Blueprint("workflow", __name__)
ACTIONS = {"done": services.complete, "undo": services.undo, "note": services.add_note}


def _school(urn: int, roles: frozenset[Role]) -> tuple[School, Role]:
    found = school_or_404(urn)
    return found, require_role(found, roles)


def _names(db: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {row.id: row.name for row in db.execute(select(User.id, User.name).where(User.id.in_(wanted)))}


def _helpers(db: Session, tasks: list[TaskInstance], today: date, now: datetime) -> dict[str, object]:
    """What every task card needs: how to say when and who, its status, and whether this user may undo it."""
    names = _names(db, [t.owner_user_id for t in tasks])
    me, principal = current_user.user.id, current_user.principal

    def who(task: TaskInstance) -> str:
        return names.get(task.owner_user_id or 0) or ROLE_LABELS.get(task.role, task.role.value)

    def may_act(task: TaskInstance) -> bool:
        return principal.can(task.school_id, REGISTER_EDITORS)

    def may_undo(task: TaskInstance) -> bool:
        return may_act(task) and (
            task.completed_by_user_id == me or principal.role_at(task.school_id) == Role.SCHOOL_LEAD
        )

    return {
        "who": who, "may_act": may_act, "may_undo": may_undo, "status": lambda t: status(t, now),
        "due": lambda t: due_phrase(t, today), "done": lambda t: done_phrase(t, today),
        "event_when": lambda e: event_phrase(e, today), "cadence_labels": CADENCE_LABELS,
    }  # fmt: skip


def _events(
    db: Session, schools: dict[int, School], tasks: list[TaskInstance]
) -> dict[tuple[int, int], list]:
    found: dict[tuple[int, int], list] = {}
    for school_id, school in schools.items():
        ids = [t.id for t in tasks if t.school_id == school_id]
        for task_id, events in services.history(db, school, ids).items():
            found[(school_id, task_id)] = events
    return found


@bp.get("/tasks")
@login_required
def my_tasks():  # type: ignore[no-untyped-def]
    """Today's and overdue tasks at every school where the user is staff or the attendance lead."""
    return _my_tasks()


def _my_tasks(failed: dict | None = None) -> str:
    db = get_session()
    principal = current_user.principal
    now, today = now_and_today()
    roles = {s: r for s, r in principal.school_roles.items() if r in REGISTER_EDITORS}
    schools = {s.id: s for s in db.scalars(select(School).where(School.id.in_(roles)).order_by(School.name))}
    tasks = services.task_list(db, roles, principal.user_id, today, now)
    shown = tasks.overdue + tasks.today + tasks.coming_up + tasks.done_today
    led = [t for t, r in principal.trust_roles.items() if r == Role.TRUST_LEADER]
    return render_template(
        "workflow/my_tasks.html", tasks=tasks, schools=schools, today=today, events=_events(db, schools, shown),
        led_trusts=db.scalars(select(Trust).where(Trust.id.in_(led)).order_by(Trust.name)).all() if led else [],
        here=url_for("workflow.my_tasks"), failed=failed, **_helpers(db, shown, today, now),
    )  # fmt: skip


@bp.get("/schools/<int:urn>/tasks")
@login_required
def board(urn: int):  # type: ignore[no-untyped-def]
    """Every task of the school for a day, whoever it falls to, with who ticked it and its history."""
    school, _role = _school(urn, PUPIL_READERS)
    day, problem = chosen_day(request.args.get("date"), now_and_today()[1])
    return _board(school, day, date_problem=problem), 400 if problem else 200


def _board(school: School, day: date, *, date_problem: str | None = None, failed: dict | None = None) -> str:
    db = get_session()
    now, today = now_and_today()
    found = services.board(db, school, day, school_calendar(db, school))
    shown = found.tasks + found.earlier
    statuses = [status(t, now) for t in found.tasks]
    return render_template(
        "workflow/board.html", school=school, day=day, today=today, board=found, date_problem=date_problem,
        counts={s: statuses.count(s) for s in ("Done on time", "Done late", "Overdue", "Due later")},
        events=_events(db, {school.id: school}, shown), schools={school.id: school}, failed=failed,
        one_day=timedelta(days=1),
        here=url_for("workflow.board", urn=school.urn, date=day.isoformat()), **_helpers(db, shown, today, now),
    )  # fmt: skip


@bp.post("/schools/<int:urn>/tasks/<int:task_id>/done")
@login_required
def done(urn: int, task_id: int):  # type: ignore[no-untyped-def]
    return _act(urn, task_id, "done")


@bp.post("/schools/<int:urn>/tasks/<int:task_id>/undo")
@login_required
def undo(urn: int, task_id: int):  # type: ignore[no-untyped-def]
    """Take a tick back (the one who ticked it, or the school's lead); the tick stays in the history."""
    return _act(urn, task_id, "undo")


@bp.post("/schools/<int:urn>/tasks/<int:task_id>/note")
@login_required
def note(urn: int, task_id: int):  # type: ignore[no-untyped-def]
    return _act(urn, task_id, "note")


def _act(urn: int, task_id: int, kind: str):  # type: ignore[no-untyped-def]
    """Record a tick, undo or note as a new event; a refusal shows the page it came from, saving nothing."""
    school, role = _school(urn, REGISTER_EDITORS)
    db = get_session()
    task = services.instance_or_none(db, school, task_id)
    if task is None:
        abort(404)
    form = forms.TaskActionForm()
    if not form.validate_on_submit():
        abort(400)
    ticked_by_other = task.completed_at is not None and task.completed_by_user_id != current_user.user.id
    if kind == "undo" and ticked_by_other and role != Role.SCHOOL_LEAD:
        abort(403)  # only the one who ticked it, or the school's lead, takes a tick back
    back = safe_next(form.next.data) if form.next.data else url_for("workflow.board", urn=urn)
    try:
        ACTIONS[kind](db, school, task, current_recorder(), form.note.data or "")
    except services.TaskRefused as refused:
        db.rollback()
        failed = {"school_id": school.id, "task_id": task.id, "kind": kind, "problems": refused.problems,
                  "note": form.note.data or "", "title": task.title}  # fmt: skip
        parts = urlsplit(back)
        if parts.path == url_for("workflow.my_tasks"):
            return _my_tasks(failed), 400
        asked = parse_qs(parts.query).get("date", [""])[0]
        try:
            day = parse_day(asked) if asked else task.due_on
        except ValueError:
            day = task.due_on
        return _board(school, day, failed=failed), 400
    flash(_done_message(kind, task), "success")
    return redirect(back if "#" in back else f"{back}#task-{school.id}-{task.id}")


def _done_message(kind: str, task: TaskInstance) -> str:
    if kind == "done":
        assert task.completed_at is not None
        late = ", after its due time, so it shows as late" if task.late else ""
        return f"'{task.title}' marked as done at {local(task.completed_at):%H:%M}{late}."
    if kind == "undo":
        return f"'{task.title}' is open again; the earlier tick stays in its history."
    return f"Note added to '{task.title}'."


# The school's playbook: what it runs, and a lead's changes to it.


def _by() -> str:
    return current_user.user.name


def _active_playbook(db: Session, trust_id: int, playbook_id: int) -> PlaybookTask:
    task = db.get(PlaybookTask, (trust_id, playbook_id))
    if task is None or not task.active:
        abort(404)
    return task


@bp.get("/schools/<int:urn>/workflow")
@login_required
def school_playbook(urn: int):  # type: ignore[no-untyped-def]
    """The tasks the school runs, by cadence: when, who, where from, and whether changed or switched off."""
    school, role = _school(urn, PUPIL_READERS)
    db = get_session()
    tasks = school_tasks(db, school)
    names = _names(db, [t.owner_user_id for t in tasks])
    return render_template(
        "workflow/school_playbook.html", school=school, groups=_by_cadence(tasks), names=names,
        can_edit=role in STAFF_MANAGERS, task_id=lambda t: int(t.key[1:]),
        leads_trust=current_user.principal.leads_trust(school.trust_id),
    )  # fmt: skip


def _by_cadence(tasks: list) -> list[tuple[str, list]]:
    return [(label, [t for t in tasks if t.cadence == c]) for c, label in CADENCE_LABELS.items()]


@bp.route("/schools/<int:urn>/workflow/playbook/<int:playbook_id>", methods=["GET", "POST"])
@login_required
def retime(urn: int, playbook_id: int):  # type: ignore[no-untyped-def]
    """Retime or reassign a trust task for this school only."""
    school, _role = _school(urn, STAFF_MANAGERS)
    db = get_session()
    trusts = _active_playbook(db, school.trust_id, playbook_id)
    task = next(t for t in school_tasks(db, school) if t.key == f"p{playbook_id}")

    def save(typed: editing.TaskInput) -> tuple[str, str]:
        editing.retime(db, school, trusts, typed, _by())
        return (f"'{task.title}' changed for {school.name}: its open tasks from today on follow it.",
                url_for("workflow.school_playbook", urn=urn, _anchor=f"task-{task.key}"))  # fmt: skip

    return _edit(forms.RetimeForm, forms.timing_of(task), save, task.cadence.value, members(db, school),
                 school=school, task=task, trusts=trusts, trusts_when=_when(trusts))  # fmt: skip


@bp.post("/schools/<int:urn>/workflow/playbook/<int:playbook_id>/enabled")
@login_required
def switch_playbook(urn: int, playbook_id: int):  # type: ignore[no-untyped-def]
    school, _role = _school(urn, STAFF_MANAGERS)
    db = get_session()
    task = _active_playbook(db, school.trust_id, playbook_id)
    on = _switch()
    editing.set_playbook_enabled(db, school, task, on, _by())
    return _switched(school, task.title or "", on, f"p{playbook_id}")


@bp.route("/schools/<int:urn>/workflow/own", methods=["GET", "POST"], defaults={"school_task_id": None})
@bp.route("/schools/<int:urn>/workflow/own/<int:school_task_id>", methods=["GET", "POST"])
@login_required
def own_task(urn: int, school_task_id: int | None):  # type: ignore[no-untyped-def]
    """Add a task only this school runs, or change one."""
    school, _role = _school(urn, STAFF_MANAGERS)
    db = get_session()
    held = None
    if school_task_id is not None:
        held = editing.own_task_or_none(db, school, school_task_id)
        if held is None:
            abort(404)

    def save(typed: editing.TaskInput) -> tuple[str, str]:
        saved = (editing.add_own_task(db, school, typed, _by()) if held is None
                 else editing.edit_own_task(db, school, held, typed, _by()))  # fmt: skip
        return (f"'{saved.title}' saved: it is made for {school.name} from today, where its time is still to come.",
                url_for("workflow.school_playbook", urn=urn, _anchor=f"task-s{saved.id}"))  # fmt: skip

    defaults = forms.fields_of(held) if held else {"role": Role.STAFF.value}
    return _edit(forms.SchoolTaskForm, defaults, save, None, members(db, school), school=school, held=held)


@bp.post("/schools/<int:urn>/workflow/own/<int:school_task_id>/enabled")
@login_required
def switch_own(urn: int, school_task_id: int):  # type: ignore[no-untyped-def]
    school, _role = _school(urn, STAFF_MANAGERS)
    db = get_session()
    held = editing.own_task_or_none(db, school, school_task_id)
    if held is None:
        abort(404)
    on = _switch()
    editing.set_own_enabled(db, school, held, on, _by())
    return _switched(school, held.title or "", on, f"s{held.id}")


def _switch() -> bool:
    form = forms.SwitchForm()
    if not form.validate_on_submit() or form.on.data not in ("yes", "no"):
        abort(400)
    return form.on.data == "yes"


def _switched(school: School, title: str, on: bool, key: str):  # type: ignore[no-untyped-def]
    state = "enabled: it is made again from today" if on else "disabled: its open tasks are withdrawn"
    flash(f"'{title}' {state} for {school.name}.", "success")
    return redirect(url_for("workflow.school_playbook", urn=school.urn, _anchor=f"task-{key}"))


# The trust's playbook.


@bp.get("/trusts/<slug>/playbook")
@login_required
def trust_playbook(slug: str):  # type: ignore[no-untyped-def]
    """Every task in the trust's playbook, the ones taken out included, for its leaders to change."""
    trust = trust_or_404(slug)
    tasks = get_session().scalars(
        select(PlaybookTask)
        .where(PlaybookTask.trust_id == trust.id)
        .order_by(PlaybookTask.position, PlaybookTask.id)
    )
    return render_template(
        "workflow/trust_playbook.html", trust=trust, groups=_by_cadence(list(tasks)),
        role_labels=ROLE_LABELS, when=_when,
    )  # fmt: skip


def _when(task: PlaybookTask) -> str:
    assert task.cadence is not None and task.due_time is not None
    return due_words(task.cadence, task.due_day, task.due_time)


@bp.route("/trusts/<slug>/playbook/new", methods=["GET", "POST"], defaults={"playbook_id": None})
@bp.route("/trusts/<slug>/playbook/<int:playbook_id>", methods=["GET", "POST"])
@login_required
def trust_task(slug: str, playbook_id: int | None):  # type: ignore[no-untyped-def]
    """Add a task to the playbook, or change one, for every school of the trust."""
    trust = trust_or_404(slug)
    db = get_session()
    held = None
    if playbook_id is not None:
        held = db.get(PlaybookTask, (trust.id, playbook_id))
        if held is None:
            abort(404)

    def save(typed: editing.TaskInput) -> tuple[str, str]:
        saved = (editing.add_playbook_task(db, trust, typed, _by()) if held is None
                 else editing.edit_playbook_task(db, held, typed, _by()))  # fmt: skip
        return (f"'{saved.title}' saved in the playbook: every school's open tasks follow it from today, "
                "unless the school has changed or disabled it.",
                url_for("workflow.trust_playbook", slug=slug, _anchor=f"task-p{saved.id}"))  # fmt: skip

    defaults = forms.fields_of(held) if held else {"role": Role.STAFF.value}
    return _edit(forms.TrustTaskForm, defaults, save, None, None, trust=trust, held=held)


@bp.post("/trusts/<slug>/playbook/<int:playbook_id>/active")
@login_required
def switch_trust_task(slug: str, playbook_id: int):  # type: ignore[no-untyped-def]
    trust = trust_or_404(slug)
    db = get_session()
    held = db.get(PlaybookTask, (trust.id, playbook_id))
    if held is None:
        abort(404)
    on = _switch()
    editing.set_playbook_active(db, held, on, _by())
    state = "back in the playbook" if on else "taken out of the playbook"
    flash(f"'{held.title}' {state}: for every school of the trust, from today.", "success")
    return redirect(url_for("workflow.trust_playbook", slug=slug, _anchor=f"task-p{held.id}"))


def _edit(
    form_class: type[forms.TimingForm],
    defaults: dict[str, str],
    save: Callable[[editing.TaskInput], tuple[str, str]],
    cadence: str | None,
    people: list[Member] | None,
    **page: object,
):  # type: ignore[no-untyped-def]
    """A task form: filled from the task to begin with; once sent, saved, or shown with each problem by its field.
    `cadence` is the fixed one of a trust task a school retimes, else the one chosen on the form."""
    form = form_class(formdata=None, data=defaults) if request.method == "GET" else form_class()
    if people is not None:
        forms.offer_owners(form, people)  # type: ignore[arg-type]
    if form.validate_on_submit():
        chosen = cadence or form.cadence.data or ""  # type: ignore[attr-defined]
        try:
            message, back = save(forms.given(form, chosen))
        except editing.TaskChangeRefused as refused:
            get_session().rollback()
            forms.show_problems(form, refused.problems, chosen)
        else:
            flash(message, "success")
            return redirect(back)
    return _task_form(form, **page), 400 if form.errors else 200


def _task_form(form: object, **values: object) -> str:
    return render_template(
        "workflow/task_form.html", form=form, weekdays=WEEKDAY_NAMES, cadence_labels=CADENCE_LABELS,
        role_labels=ROLE_LABELS, cadences=Cadence, **values,
    )  # fmt: skip
