"""A school lead retimes, reassigns or disables the trust's tasks for their school and adds its own; a trust
leader changes the playbook for every school. Changes reach the tasks made next, only where they were made,
and a refused change names each field and saves nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.workflow import editing
from app.workflow.generation import generate_schools
from app.workflow.models import Cadence, PlaybookTask, SchoolTask, TaskInstance
from app.workflow.playbook import SEEDS
from app.workflow.tasks import Task, school_tasks
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tests.calendars.sample import TUESDAY, give_calendar
from tests.conftest import World
from tests.helpers import csrf_token, post_form, signed_in
from tests.workflow.tasks import user_id

REGISTER_CHECK = 1  # the playbook's first task: "Check every register is complete", daily by 09:30, staff
WEEKLY_MEETING = next(n for n, s in enumerate(SEEDS, start=1) if s.key == "weekly-data-meeting")


def _schools(db: Session, world: World) -> tuple[School, School]:
    with context.use(system_context(db, "test")):
        a1, a2 = db.get(School, world.a1.id), db.get(School, world.a2.id)
        assert a1 is not None and a2 is not None
        return a1, a2


def _made_on_tuesday(db: Session, *schools: School) -> dict[tuple[int, str], TaskInstance]:
    """Generate the schools' tasks for Tuesday 24 November 2026; each task by (school id, title)."""
    for school in schools:
        give_calendar(db, school)
    with context.use(system_context(db, "test", trust_id=schools[0].trust_id)):
        generate_schools(db, list(schools), [TUESDAY])
        db.commit()
        rows = db.scalars(select(TaskInstance)).all()
        return {(t.school_id, t.title): t for t in rows}


def _tasks(db: Session, school: School) -> dict[str, Task]:
    """The school's tasks as it runs them now, by title."""
    db.expire_all()
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        return {t.title: t for t in school_tasks(db, school)}


def _count(db: Session, model: type) -> int:
    db.expire_all()
    with context.use(system_context(db, "test")):
        return db.scalar(select(func.count()).select_from(model)) or 0


def _school_page(world: World, suffix: str = "") -> str:
    return f"/schools/{world.a1.urn}/workflow{suffix}"


OWN_TASK = {"title": "Check the lates book", "description": "Chase anyone late twice this week.",
            "cadence": "weekly", "due_time": "14:00", "weekday": "2", "school_day": "", "counted_from": "start",
            "role": "staff", "owner": "", "resource_url": "/schools/{urn}/attendance"}  # fmt: skip


def test_retiming_a_playbook_task_for_one_school_changes_only_its_next_tasks(
    client: FlaskClient, db: Session, world: World
) -> None:
    """a1 moves the register check from 09:30 to 08:45; November is GMT, so 08:45 UTC at a1 and 09:30 at a2."""
    signed_in(client, world.users["a1_lead"])
    page = _school_page(world, f"/playbook/{REGISTER_CHECK}")
    form = client.get(page).get_data(as_text=True)
    assert 'value="09:30"' in form and "Daily" in form
    response = post_form(client, page, {"due_time": "08:45", "role": "staff", "owner": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = client.get(_school_page(world)).get_data(as_text=True)
    assert "Every school day by 08:45" in listing and "<strong>retimed</strong>" in listing
    assert "Changes reach the open tasks from today on at once" in listing
    a1, a2 = _schools(db, world)
    made = _made_on_tuesday(db, a1, a2)
    title = SEEDS[REGISTER_CHECK - 1].title
    assert made[(a1.id, title)].due_at == datetime(2026, 11, 24, 8, 45, tzinfo=UTC)
    assert made[(a2.id, title)].due_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def test_a_task_named_for_a_person_is_made_for_them(client: FlaskClient, db: Session, world: World) -> None:
    lead = user_id(db, world.users["a1_lead"])
    signed_in(client, world.users["a1_lead"])
    page = _school_page(world, f"/playbook/{REGISTER_CHECK}")
    assert f'value="{lead}"' in client.get(page).get_data(as_text=True)  # the school's people are offered
    response = post_form(client, page, {"due_time": "09:30", "role": "staff", "owner": str(lead)})
    assert response.status_code == 302
    a1, _a2 = _schools(db, world)
    made = _made_on_tuesday(db, a1)
    assert made[(a1.id, SEEDS[REGISTER_CHECK - 1].title)].owner_user_id == lead
    assert "<strong>reassigned</strong>" in client.get(_school_page(world)).get_data(as_text=True)


def test_disabling_a_task_stops_it_being_made_for_that_school(
    client: FlaskClient, db: Session, world: World
) -> None:
    signed_in(client, world.users["a1_lead"])
    switch = _school_page(world, f"/playbook/{WEEKLY_MEETING}/enabled")
    response = post_form(client, switch, {"on": "no"}, form_page=_school_page(world))
    assert response.status_code == 302
    assert "<strong>Disabled</strong>: none are made" in client.get(_school_page(world)).get_data(
        as_text=True
    )
    a1, a2 = _schools(db, world)
    made = _made_on_tuesday(db, a1, a2)
    assert (a1.id, "Weekly data meeting") not in made and (a2.id, "Weekly data meeting") in made
    # Of the 18 seeds, Tuesday makes 16 (the banding review and family meetings were due before it): a1 15.
    assert sum(1 for school_id, _ in made if school_id == a1.id) == 15
    post_form(client, switch, {"on": "yes"}, form_page=_school_page(world))
    assert _tasks(db, a1)["Weekly data meeting"].enabled


def test_a_school_s_own_task_is_made_with_the_trust_s_tasks(
    client: FlaskClient, db: Session, world: World
) -> None:
    """Weekly on Wednesday (day 2) by 14:00: in the week of Tuesday 24 November, Wednesday the 25th."""
    signed_in(client, world.users["a1_lead"])
    response = post_form(client, _school_page(world, "/own"), OWN_TASK)
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = client.get(_school_page(world)).get_data(as_text=True)
    assert (
        "Check the lates book" in listing
        and "Wednesdays by 14:00" in listing
        and "The school's own" in listing
    )
    a1, _a2 = _schools(db, world)
    task = _made_on_tuesday(db, a1)[(a1.id, "Check the lates book")]
    assert (task.due_on, task.due_at) == (date(2026, 11, 25), datetime(2026, 11, 25, 14, 0, tzinfo=UTC))
    assert task.resource_url == f"/schools/{world.a1.urn}/attendance" and task.task_key.startswith("s")
    own = task.task_key[1:]
    edited = post_form(client, _school_page(world, f"/own/{own}"), {**OWN_TASK, "cadence": "termly",
                       "school_day": "3", "counted_from": "end"})  # fmt: skip
    assert edited.status_code == 302
    assert "3rd school day from the end of each term by 14:00" in client.get(_school_page(world)).get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "  "}, "title", "Give the task a title."),
        ({"title": "x" * 201}, "title", "The title is 201 characters; keep it to 200."),
        ({"due_time": ""}, "due_time", "as HH:MM on the 24-hour clock"),
        ({"due_time": "25:00"}, "due_time", "as HH:MM on the 24-hour clock"),
        ({"weekday": ""}, "weekday", "Choose the day of the week a weekly task is due: Monday to Friday."),
        ({"cadence": "half_termly", "school_day": "0"}, "school_day", "a whole number from 1 to 60"),
        ({"cadence": "termly", "school_day": "61", "counted_from": "end"}, "school_day", "from 1 to 60"),
        ({"cadence": "yearly"}, "cadence", "Choose how often the task comes round"),
        ({"role": "governor"}, "role", "Choose who the task falls to"),
        ({"resource_url": "javascript:alert(1)"}, "resource_url", "starting http:// or https://"),
        ({"resource_url": "//evil.example/x"}, "resource_url", "starting http:// or https://"),
        ({"resource_url": "/\\evil.example/x"}, "resource_url", "starting http:// or https://"),
        ({"resource_url": "/schools\\100001"}, "resource_url", "starting http:// or https://"),
        ({"cadence": "termly", "school_day": "9" * 5000}, "school_day", "a whole number from 1 to 60"),
        ({"cadence": "termly", "school_day": "²"}, "school_day", "a whole number from 1 to 60"),
        ({"weekday": "²"}, "weekday", "Choose the day of the week a weekly task is due"),
        ({"due_time": "٠٩:٣٠"}, "due_time", "as HH:MM on the 24-hour clock"),
        ({"owner": "²"}, "owner", "Name someone who works at the school"),
        ({"owner": "9" * 5000}, "owner", "Name someone who works at the school"),
    ],
)
def test_a_refused_task_names_the_field_and_saves_nothing(
    client: FlaskClient, db: Session, world: World, changes: dict[str, str], field: str, message: str
) -> None:
    signed_in(client, world.users["a1_lead"])
    response = post_form(client, _school_page(world, "/own"), {**OWN_TASK, **changes})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Nothing was saved" in body and message in body
    assert f'<p class="error" id="{field}-error">' in body and f'href="#{field}"' in body
    assert _count(db, SchoolTask) == 0


def test_only_active_staff_and_leads_of_the_school_may_be_named(
    client: FlaskClient, db: Session, world: World
) -> None:
    """a2's lead works at the other school; the trust leader is not on a school's staff."""
    signed_in(client, world.users["a1_lead"])
    for outsider in ("a2_lead", "a_leader", "b1_staff"):
        response = post_form(
            client,
            _school_page(world, "/own"),
            {**OWN_TASK, "owner": str(user_id(db, world.users[outsider]))},
        )
        assert response.status_code == 400 and "Name someone who works at the school" in response.get_data(
            as_text=True
        )
    assert _count(db, SchoolTask) == 0


@pytest.mark.parametrize(
    ("cadence", "due_day", "wanted"),
    [
        ("daily", "", None),
        ("daily", "2", "due_day"),
        ("weekly", "4", None),
        ("fortnightly", "5", "due_day"),
        ("half_termly", "-60", None),
        ("half_termly", "0", "due_day"),
        ("termly", "abc", "due_day"),
    ],
)
def test_the_due_day_fits_the_cadence(
    db: Session, world: World, cadence: str, due_day: str, wanted: str | None
) -> None:
    given = editing.TaskInput(title="T", cadence=cadence, due_time="09:00", due_day=due_day, role="staff")
    if wanted is None:
        assert editing.check(db, given).due_day == (int(due_day) if due_day else None)
    else:
        with pytest.raises(editing.TaskChangeRefused) as refused:
            editing.check(db, given)
        assert list(refused.value.problems) == [wanted]


def test_staff_read_the_school_playbook_but_may_not_change_it(
    client: FlaskClient, db: Session, world: World
) -> None:
    signed_in(client, world.users["a1_staff"])
    listing = client.get(_school_page(world))
    assert listing.status_code == 200 and "Weekly data meeting" in listing.get_data(as_text=True)
    assert "Retime or reassign" not in listing.get_data(as_text=True)
    token = csrf_token(client, "/tasks")
    for path in (f"/playbook/{REGISTER_CHECK}", "/own"):
        assert client.get(_school_page(world, path)).status_code == 403
        assert (
            client.post(_school_page(world, path), data={**OWN_TASK, "csrf_token": token}).status_code == 403
        )
    switch = _school_page(world, f"/playbook/{WEEKLY_MEETING}/enabled")
    assert client.post(switch, data={"on": "no", "csrf_token": token}).status_code == 403
    assert _count(db, SchoolTask) == 0


def test_governors_and_other_trusts_reach_no_playbook(client: FlaskClient, db: Session, world: World) -> None:
    signed_in(client, world.users["a_governor"])
    assert client.get(_school_page(world)).status_code == 403
    assert client.get("/trusts/trust-a/playbook").status_code == 404
    other = signed_in(client.application.test_client(), world.users["b_leader"])
    token = csrf_token(other, "/tasks")
    assert other.get(_school_page(world)).status_code == 404
    assert other.get("/trusts/trust-a/playbook").status_code == 404
    assert other.get(f"/trusts/trust-a/playbook/{REGISTER_CHECK}").status_code == 404
    assert (
        other.post("/trusts/trust-a/playbook/new", data={**OWN_TASK, "csrf_token": token}).status_code == 404
    )
    assert other.post(_school_page(world, "/own"), data={**OWN_TASK, "csrf_token": token}).status_code == 404
    lead = signed_in(client.application.test_client(), world.users["a1_lead"])
    assert lead.get("/trusts/trust-a/playbook").status_code == 404  # a school lead does not lead the trust
    assert _count(db, SchoolTask) == 0


def test_a_trust_leader_adds_edits_and_deactivates_playbook_tasks(
    client: FlaskClient, db: Session, world: World
) -> None:
    """The seeded playbook holds tasks 1 to 18, so a new one is 19; a school sees it, then not once deactivated."""
    signed_in(client, world.users["a_leader"])
    playbook = client.get("/trusts/trust-a/playbook").get_data(as_text=True)
    assert "Check every register is complete" in playbook and "Add a task" in playbook
    fields = {k: v for k, v in OWN_TASK.items() if k != "owner"}
    response = post_form(client, "/trusts/trust-a/playbook/new", {**fields, "title": "Attendance assembly"})
    assert response.status_code == 302, response.get_data(as_text=True)
    new_id = len(SEEDS) + 1
    assert response.headers["Location"].endswith(f"#task-p{new_id}")
    with context.use(system_context(db, "test")):
        added = db.get(PlaybookTask, (world.trust_a.id, new_id))
        assert added is not None and (added.cadence, added.due_time, added.due_day) == (
            Cadence.WEEKLY, time(14, 0), 2)  # fmt: skip
        assert added.updated_by_name == "Leader"
    edit = f"/trusts/trust-a/playbook/{new_id}"
    assert (
        post_form(client, edit, {**fields, "title": "Attendance assembly", "due_time": "09:00"}).status_code
        == 302
    )
    a1, _a2 = _schools(db, world)
    titles = _tasks(db, a1)
    assert (
        titles["Attendance assembly"].due_time == time(9, 0) and titles["Attendance assembly"].from_playbook
    )
    switch = post_form(client, f"{edit}/active", {"on": "no"}, form_page="/trusts/trust-a/playbook")
    assert switch.status_code == 302
    assert "Attendance assembly" not in _tasks(db, a1)
    assert "<strong>Deactivated</strong>" in client.get("/trusts/trust-a/playbook").get_data(as_text=True)
    refused = post_form(client, "/trusts/trust-a/playbook/new", {**fields, "title": ""})
    assert refused.status_code == 400 and "Give the task a title." in refused.get_data(as_text=True)
    with context.use(system_context(db, "test")):
        assert (
            db.scalar(select(func.max(PlaybookTask.id)).where(PlaybookTask.trust_id == world.trust_a.id))
            == new_id
        )


def test_a_change_row_made_by_another_request_meanwhile_is_updated_not_a_500(
    client: FlaskClient, db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lead disabled the weekly meeting, so a1 has a change row for it. A retime that read "no change
    row" just before (two requests at once) hits the unique index, tries again and updates that row."""
    signed_in(client, world.users["a1_lead"])
    post_form(client, _school_page(world, f"/playbook/{WEEKLY_MEETING}/enabled"), {"on": "no"},
              form_page=_school_page(world))  # fmt: skip
    looked_up = []

    def stale_once(db: Session, school: School, playbook_id: int) -> SchoolTask | None:
        looked_up.append(playbook_id)
        return None if len(looked_up) == 1 else change_of(db, school, playbook_id)

    change_of = editing.change_of
    monkeypatch.setattr(editing, "change_of", stale_once)
    page = _school_page(world, f"/playbook/{WEEKLY_MEETING}")
    response = post_form(
        client, page, {"due_time": "15:00", "weekday": "3", "role": "school_lead", "owner": ""}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert looked_up == [WEEKLY_MEETING, WEEKLY_MEETING]
    assert _count(db, SchoolTask) == 1
    a1, _a2 = _schools(db, world)
    meeting = _tasks(db, a1)["Weekly data meeting"]
    assert (meeting.due_time, meeting.due_day, meeting.enabled) == (time(15, 0), 3, False)


def test_two_leaders_adding_a_playbook_task_at_once_both_save(
    client: FlaskClient, db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first numbering read is stale (task 1 is taken, as if another leader saved it meanwhile): the save
    reads again and takes the next free number, 19 after the seeded 18."""
    real = editing.next_playbook_numbers
    calls = []

    def stale_once(db: Session, trust: Trust) -> tuple[int, int]:
        calls.append(trust.id)
        return (1, 1) if len(calls) == 1 else real(db, trust)

    monkeypatch.setattr(editing, "next_playbook_numbers", stale_once)
    signed_in(client, world.users["a_leader"])
    fields = {k: v for k, v in OWN_TASK.items() if k != "owner"}
    response = post_form(client, "/trusts/trust-a/playbook/new", {**fields, "title": "Attendance assembly"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"#task-p{len(SEEDS) + 1}") and len(calls) == 2
    assert _count(db, PlaybookTask) == 2 * len(SEEDS) + 1  # both trusts' seeds and the new one


def test_a_save_that_keeps_colliding_gives_up_after_a_few_tries(
    db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def always_taken(db: Session, trust: Trust) -> tuple[int, int]:
        calls.append(trust.id)
        return 1, 1

    monkeypatch.setattr(editing, "next_playbook_numbers", always_taken)
    given = editing.TaskInput(title="T", cadence="daily", due_time="09:00", role="staff")
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        trust = db.get(Trust, world.trust_a.id)
        assert trust is not None
        with pytest.raises(IntegrityError):
            editing.add_playbook_task(db, trust, given, "Leader")
        db.rollback()
    assert len(calls) == editing.ATTEMPTS
    assert _count(db, PlaybookTask) == 2 * len(SEEDS)
