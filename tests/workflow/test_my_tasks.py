"""Staff tick tasks off in My tasks and on the school's task board: who and when is recorded for good, a
late tick says so, an undo is a new event, and nobody outside the school reaches a task."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.clock import local
from app.registers.recording import Recorder
from app.workflow import services
from app.workflow.generation import generate_schools
from app.workflow.models import TaskInstance
from app.workflow.wording import done_phrase, due_phrase
from tenants import context
from tenants.access import system_context
from tenants.models import Role, School
from tenants.scoping import sync_rls
from tests.calendars.sample import TUESDAY, give_calendar
from tests.conftest import World
from tests.factories import Factory
from tests.helpers import csrf_token, post_form, signed_in
from tests.workflow.tasks import events, instance, make_task, user_id, yesterday

MINE = "/tasks"


def _as(client: FlaskClient, email: str) -> FlaskClient:
    """Another person, in a browser of their own."""
    return signed_in(client.application.test_client(), email)


def _tick(client: FlaskClient, world: World, task_id: int, action: str = "done", **data: str):  # type: ignore[no-untyped-def]
    """Post one of a task's forms the way My tasks does, coming back to My tasks."""
    return post_form(
        client, f"/schools/{world.a1.urn}/tasks/{task_id}/{action}", {"next": MINE, **data}, form_page=MINE
    )


def test_ticking_a_task_records_who_and_when_and_shows_the_time_stamp(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    task_id = make_task(db, school, "Check every register is complete")
    signed_in(client, world.users["a1_staff"])
    before = client.get(MINE).get_data(as_text=True)
    assert "Due today (1)" in before and "by 23:59 today" in before and "Mark as done" in before
    response = _tick(client, world, task_id, note="All forms in")
    assert response.status_code == 302
    assert response.headers["Location"] == f"{MINE}#task-{school.id}-{task_id}"
    task = instance(db, school, task_id)
    assert task.completed_by_name == "Staff" and task.completed_at is not None
    assert events(db, school, task_id) == [("done", "All forms in", "Staff")]
    page = client.get(MINE).get_data(as_text=True)
    stamp = f"Done at {local(task.completed_at):%H:%M} by Staff"  # UK time, as the clocks on the wall say
    assert stamp in page and "Done today (1)" in page
    assert "Late</strong>" not in page and "Done on time" in page
    assert "“All forms in”" in page  # the note is in the task's history


def test_a_tick_after_the_due_time_is_marked_late(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    """Due yesterday at 09:30 and ticked now: past its due time, so late, in words and not by colour."""
    task_id = make_task(
        db, school, "First-day calls for unexplained absence", day=yesterday(), at=time(9, 30)
    )
    signed_in(client, world.users["a1_staff"])
    before = client.get(MINE).get_data(as_text=True)
    assert "Overdue (1)" in before and "by 09:30 yesterday" in before
    assert _tick(client, world, task_id).status_code == 302
    task = instance(db, school, task_id)
    assert task.late
    page = client.get(MINE).get_data(as_text=True)
    assert f"Done at {local(task.completed_at):%H:%M} by Staff" in page  # type: ignore[arg-type]
    assert '<strong class="tag tag-left">Late</strong>' in page and "Done late" in page
    assert "Done (late) at" in page


def test_undo_is_a_new_event_and_the_task_is_open_again(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    task_id = make_task(db, school, "Act on today's absences")
    signed_in(client, world.users["a1_staff"])
    _tick(client, world, task_id)
    response = _tick(client, world, task_id, "undo", note="Ticked the wrong one")
    assert response.status_code == 302
    assert events(db, school, task_id) == [
        ("done", None, "Staff"),
        ("undone", "Ticked the wrong one", "Staff"),
    ]
    task = instance(db, school, task_id)
    assert (task.completed_at, task.completed_by_name) == (None, None)
    page = client.get(MINE).get_data(as_text=True)
    assert "Due today (1)" in page and "Done today (0)" in page
    assert "Done at" in page and "Undone at" in page  # both stay in the history
    assert _tick(client, world, task_id).status_code == 302  # and it can be ticked again
    assert [kind for kind, _, _ in events(db, school, task_id)] == ["done", "undone", "done"]


def test_a_second_tick_and_an_undo_of_an_open_task_are_refused_and_save_nothing(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    task_id = make_task(db, school, "End-of-day summary to senior leads")
    signed_in(client, world.users["a1_staff"])
    assert _tick(client, world, task_id, "undo").status_code == 400
    _tick(client, world, task_id)
    again = _tick(client, world, task_id)
    assert again.status_code == 400
    body = again.get_data(as_text=True)
    assert "Nothing was saved for ‘End-of-day summary to senior leads’" in body
    assert "was already done by Staff at" in body and "<h1>My tasks</h1>" in body
    assert len(events(db, school, task_id)) == 1


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("   ", "Write the note before saving it"),
        ("x" * 2001, "The note is 2001 characters; keep it to 2000"),
    ],
)
def test_an_empty_or_too_long_note_is_refused_by_its_field(
    client: FlaskClient, db: Session, world: World, school: School, note: str, message: str
) -> None:
    task_id = make_task(db, school, "Weekly data meeting")
    signed_in(client, world.users["a1_staff"])
    response = _tick(client, world, task_id, "note", note=note)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert f'<p class="error" id="note-note-{school.id}-{task_id}-error">' in body and message in body
    assert "<details open>" in body  # the note form is shown open, with the problem next to it
    assert events(db, school, task_id) == []
    assert _tick(client, world, task_id, "note", note="Meeting moved to Monday").status_code == 302
    assert events(db, school, task_id) == [("note", "Meeting moved to Monday", "Staff")]
    assert instance(db, school, task_id).completed_at is None  # a note is not a tick


def test_staff_see_staff_tasks_and_leads_lead_tasks_and_a_named_task_only_its_owner(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    lead = user_id(db, world.users["a1_lead"])
    make_task(db, school, "Update registers from messages", role=Role.STAFF)
    make_task(db, school, "Weekly banding review", role=Role.SCHOOL_LEAD)
    make_task(db, school, "Send the morning attendance", role=Role.STAFF, owner=lead)
    staff_page = signed_in(client, world.users["a1_staff"]).get(MINE).get_data(as_text=True)
    lead_page = _as(client, world.users["a1_lead"]).get(MINE).get_data(as_text=True)
    assert (
        "Update registers from messages" in staff_page and "Update registers from messages" not in lead_page
    )
    assert "Weekly banding review" in lead_page and "Weekly banding review" not in staff_page
    assert "Send the morning attendance" in lead_page and "Send the morning attendance" not in staff_page
    assert "<strong>Who:</strong> Lead" in lead_page  # the named owner, over the role
    assert "<strong>School:</strong>" not in lead_page  # one school: no need to name it


def test_someone_at_two_schools_sees_each_task_with_its_school(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    factory = Factory(db)
    email = factory.user("both@alder.example", "staff", school=world.a1)
    factory.user(email, "staff", school=world.a2)
    with context.use(system_context(db, "test")):
        other = db.get(School, world.a2.id)
        assert other is not None
    make_task(db, school, "Task at one")
    make_task(db, other, "Task at two")
    signed_in(client, email)
    page = client.get(MINE).get_data(as_text=True)
    assert "Due today (2)" in page
    assert (
        "<strong>School:</strong> Alder One Primary" in page
        and "<strong>School:</strong> Alder Two Academy" in page
    )


def test_only_who_ticked_it_or_the_lead_may_undo(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    colleague = Factory(db).user("colleague@alder-one.example", "staff", school=world.a1)
    task_id = make_task(db, school, "Check every register is complete")
    signed_in(client, world.users["a1_staff"])
    _tick(client, world, task_id)
    other = _as(client, colleague)
    page = other.get(MINE).get_data(as_text=True)
    assert "Done at" in page and f'action="/schools/{world.a1.urn}/tasks/{task_id}/undo"' not in page
    assert _tick(other, world, task_id, "undo").status_code == 403
    client = _as(client, world.users["a1_lead"])
    board = f"/schools/{world.a1.urn}/tasks"
    response = post_form(client, f"{board}/{task_id}/undo", {"next": board}, form_page=board)
    assert response.status_code == 302 and response.headers["Location"].startswith(board)
    assert [(k, who) for k, _, who in events(db, school, task_id)] == [("done", "Staff"), ("undone", "Lead")]


def test_the_board_shows_every_role_s_tasks_with_status_and_history(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    """Three tasks on a Monday gone by: one ticked on time, one ticked after its due time, one past due."""
    day = date(2025, 11, 24)
    on_time = make_task(db, school, "Register check", day=day, at=time(23, 0))
    late = make_task(db, school, "Banding review", day=day, at=time(9, 0), role=Role.SCHOOL_LEAD)
    make_task(db, school, "First-day calls", day=day, at=time(10, 0))
    by = Recorder(user_id(db, world.users["a1_staff"]), "Staff", "Attendance officer")
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        services.complete(
            db, school, instance(db, school, on_time), by, now=datetime(2025, 11, 24, 9, 12, tzinfo=UTC)
        )
        services.complete(db, school, instance(db, school, late), by, "Covered for the lead",
                          now=datetime(2025, 11, 24, 9, 40, tzinfo=UTC))  # fmt: skip
    signed_in(client, world.users["a1_staff"])
    page = client.get(f"/schools/{world.a1.urn}/tasks?date=2025-11-24").get_data(as_text=True)
    assert "3 tasks: 1 done on time, 1 done late, 1 overdue, 0 due later." in page
    assert "Done at 09:12 on Monday 24 November 2025 by Staff" in page  # November: UK time is UTC
    assert (
        "Done (late) at 09:40 on Monday 24 November 2025, Staff (Attendance officer)" in page
        and "“Covered for the lead”" in page
    )
    assert "<strong>Who:</strong> Senior attendance lead" in page  # a lead's task, on staff's board
    assert page.count("Mark as done") == 1  # staff can cover the open one


def test_governors_are_refused_the_board_and_trust_leaders_read_it_without_ticking(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    task_id = make_task(db, school, "Check every register is complete")
    board = f"/schools/{world.a1.urn}/tasks"
    signed_in(client, world.users["a_governor"])
    assert client.get(board).status_code == 403
    governor_page = client.get(MINE).get_data(as_text=True)
    assert "No tasks fall to you" in governor_page and "governors" in governor_page
    client = _as(client, world.users["a_leader"])
    page = client.get(board).get_data(as_text=True)
    assert "Check every register is complete" in page and "Mark as done" not in page
    token = csrf_token(client, board)
    assert client.post(f"{board}/{task_id}/done", data={"csrf_token": token}).status_code == 403
    mine = client.get(MINE).get_data(as_text=True)
    assert 'href="/dashboards/trusts/trust-a/workflow"' in mine


def test_another_trust_or_an_unknown_task_is_not_found(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    task_id = make_task(db, school, "Check every register is complete")
    board = f"/schools/{world.a1.urn}/tasks"
    signed_in(client, world.users["b1_staff"])
    token = csrf_token(client, MINE)
    assert client.get(board).status_code == 404
    for action in ("done", "undo", "note"):
        response = client.post(f"{board}/{task_id}/{action}", data={"csrf_token": token, "note": "x"})
        assert response.status_code == 404
    assert "Check every register" not in client.get(MINE).get_data(as_text=True)
    client = _as(client, world.users["a1_staff"])
    token = csrf_token(client, MINE)
    assert client.post(f"{board}/{task_id + 99}/done", data={"csrf_token": token}).status_code == 404
    assert events(db, school, task_id) == []


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
def test_next_only_leads_back_into_this_site(
    client: FlaskClient, db: Session, world: World, school: School, elsewhere: str
) -> None:
    """Another site as `next` leads to Your schools instead, still at the task."""
    task_id = make_task(db, school, "Check every register is complete")
    signed_in(client, world.users["a1_staff"])
    response = _tick(client, world, task_id, next=elsewhere)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/#task-{school.id}-{task_id}"


def test_due_and_done_times_are_said_in_uk_time() -> None:
    """14 September is in British Summer Time: 08:30 UTC is 09:30 on the school's clocks."""
    task = TaskInstance(due_at=datetime(2026, 9, 14, 8, 30, tzinfo=UTC), completed_at=datetime(2026, 9, 14, 8, 12, tzinfo=UTC),
                        completed_by_name="Jo Patel")  # fmt: skip
    assert due_phrase(task, date(2026, 9, 14)) == "by 09:30 today"
    assert due_phrase(task, date(2026, 9, 10)) == "by 09:30 on Monday 14 September"
    assert done_phrase(task, date(2026, 9, 14)) == "Done at 09:12 by Jo Patel"
    assert done_phrase(task, date(2026, 9, 15)) == "Done at 09:12 on Monday 14 September by Jo Patel"


pg_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pg_only
def test_postgresql_refuses_rewriting_or_removing_task_events(
    client: FlaskClient, db: Session, world: World, school: School, database_url: str
) -> None:
    task_id = make_task(db, school, "Check every register is complete")
    signed_in(client, world.users["a1_staff"])
    _tick(client, world, task_id)
    for statement in ("UPDATE task_events SET note = 'rewritten'", "DELETE FROM task_events"):
        with context.use(system_context(db, "test", trust_id=school.trust_id)):
            sync_rls(db)  # raw SQL as the app role, with the school visible
            with pytest.raises(Exception, match="refused"):
                db.execute(text(statement))
            db.rollback()
    assert events(db, school, task_id) == [("done", None, "Staff")]


def test_the_board_holds_the_day_s_tasks_and_those_whose_period_holds_it(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    """Made on Tuesday 24 November: 6 daily tasks for that day and 10 for its week (3), fortnight (1),
    half-term (4) and term (2); the week's banding review (Monday) and the half-term's family meetings (9
    November) were due before the day, so are not made. Wednesday's board has those 10; Tuesday's daily 6
    are open from before it."""
    give_calendar(db, school)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        generate_schools(db, [school], [TUESDAY])
        db.commit()
    signed_in(client, world.users["a1_staff"])
    board = f"/schools/{world.a1.urn}/tasks?date="
    tuesday = client.get(f"{board}2026-11-24").get_data(as_text=True)
    assert "16 tasks:" in tuesday and "Termly attendance report to governors" in tuesday
    assert "Weekly banding review" not in tuesday
    wednesday = client.get(f"{board}2026-11-25").get_data(as_text=True)
    day, earlier = wednesday.split('id="h-earlier"')
    assert (
        "10 tasks:" in day and "Weekly data meeting" in day and "Check every register is complete" not in day
    )
    assert "Still not done from earlier days (6)" in earlier and "Check every register is complete" in earlier
    assert client.get(f"{board}24-11-2026").status_code == 400


def test_my_tasks_is_in_the_top_bar_and_the_school_page_links_the_board_and_playbook(
    client: FlaskClient, world: World
) -> None:
    signed_in(client, world.users["a1_staff"])
    page = client.get(f"/schools/{world.a1.urn}").get_data(as_text=True)
    assert '<a href="/tasks">My tasks</a>' in page
    assert f'href="/schools/{world.a1.urn}/tasks">Tasks</a>' in page
    assert f'href="/schools/{world.a1.urn}/workflow">Workflow playbook</a>' in page
    governor = _as(client, world.users["a_governor"]).get(f"/schools/{world.a1.urn}").get_data(as_text=True)
    assert '<a href="/tasks">My tasks</a>' in governor and f"/schools/{world.a1.urn}/tasks" not in governor
    trust = _as(client, world.users["a_leader"]).get("/trusts/trust-a").get_data(as_text=True)
    assert 'href="/trusts/trust-a/playbook">Workflow playbook</a>' in trust
