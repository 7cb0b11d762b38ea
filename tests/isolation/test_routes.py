"""Rule 4: for every route, another trust's school, pupil or person is simply not found."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.services import create_token
from app.auth.services import find_user_by_email
from app.calendars.services import entries, school_calendar
from app.letters import services as letters
from app.registers.models import Pupil
from app.registers.recording import Recorder
from app.returns.exports import export_school
from app.reviews.packs import make as make_packs
from app.reviews.terms import term_of
from app.storage import get_storage
from app.workflow import editing
from app.workflow.generation import generate_schools
from app.workflow.models import TaskInstance
from tenants import context
from tenants.access import system_context
from tenants.models import Membership, School
from tenants.scoping import UNSCOPED
from tests.calendars.sample import TUESDAY, give_calendar
from tests.conftest import World
from tests.helpers import csrf_token, signed_in

CANARIES = ("Canaryalder", "Alder One Primary", "Alder Two Academy", "trust-a")
TENANT_ARGS = {
    "urn",
    "pupil_id",
    "slug",
    "user_id",
    "action",
    "token_id",
    "plan_id",
    "membership_id",
    "change",
    "letter_id",
    "batch_id",
    "kind",
    "entry_id",
    "task_id",
    "playbook_id",
    "school_task_id",
    "return_kind",
    "export_id",
    "pack_id",
}


def _urls_for_trust_a(app: Flask, world: World, db: Session) -> list[tuple[str, str, str]]:
    """Every rule that names a tenant object, filled in with trust A's ids: (endpoint, method, url)."""
    a_user_id = find_user_by_email(db, world.users["a1_staff"]).id
    school = db.get(School, world.a1.id, execution_options=UNSCOPED)
    give_calendar(db, school)
    with context.use(system_context(db, "test")):
        entry = entries(db, school)[-1]  # a real calendar entry of school A1
        generate_schools(db, [school], [TUESDAY])  # A1's tasks for a school day
        own = editing.add_own_task(
            db, school, editing.TaskInput(title="Own", cadence="daily", due_time="09:00", role="staff"), "A"
        )  # commits the generated tasks too
        task = db.scalars(select(TaskInstance).where(TaskInstance.school_id == school.id)).first()
        assert task is not None
        token, _secret = create_token(db, school, "MIS", by_id=a_user_id, by_name="A")
        membership = db.scalars(select(Membership).where(Membership.user_id == a_user_id)).one()
        with app.app_context():
            pupil = db.get(Pupil, (school.id, world.pupils["a1"].id))
            # an invitation: the one kind a pupil with no register yet can get
            request = letters.check_request("meeting", date.today(), date.today(), date.today(), time(9, 30))
            batch = letters.generate(
                db,
                school,
                get_storage(),
                [pupil],
                request,
                Recorder(None, "A", "B"),
                "test",
                today=date.today(),
            )
            export_school(db, get_storage(), school, date.today())  # its stored LA returns, numbers 1 to 4
            review_term = term_of(school_calendar(db, school), TUESDAY)  # its review packs, numbers 1 and 2
            make_packs(db, get_storage(), school, school_calendar(db, school), review_term, TUESDAY,
                       Recorder(None, "A", "B"), datetime.now(UTC))  # fmt: skip
            db.commit()
            db.commit()
    values = {
        "membership_id": membership.id,
        "change": "grant",
        "plan_id": 1,
        "token_id": str(token.id),
        "urn": world.a1.urn,
        "pupil_id": str(world.pupils["a1"].id),
        "slug": "trust-a",
        "user_id": a_user_id,
        "letter_id": batch.id,  # the first letter and batch of the school are both number 1
        "batch_id": batch.id,
        "kind": "meeting",
        "entry_id": entry.id,
        "task_id": task.id,
        "playbook_id": 1,  # the playbook's first task; every trust's is number 1 to 18
        "school_task_id": own.id,
        "return_kind": "unauthorised-10",
        "export_id": 1,
        "pack_id": 1,  # a review pack number (trust B is refused by the school before any lookup)
    }
    urls = []
    for rule in app.url_map.iter_rules():
        if not set(rule.arguments) & TENANT_ARGS:
            continue
        assert set(rule.arguments) <= TENANT_ARGS, f"classify the arguments of {rule.rule}"
        actions = ["deactivate", "reactivate", "reset"] if "action" in rule.arguments else [None]
        for action in actions:
            args = {k: v for k, v in values.items() if k in rule.arguments}
            if action:
                args["action"] = action
            with app.test_request_context():
                from flask import url_for

                url = url_for(rule.endpoint, **args)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                urls.append((rule.endpoint, method, url))
    return urls


@pytest.mark.parametrize("intruder", ["b_leader", "b1_lead", "b1_staff"])
def test_other_trust_gets_404_on_every_route(
    app: Flask, client: FlaskClient, db: Session, world: World, intruder: str
) -> None:
    signed_in(client, world.users[intruder])
    token = csrf_token(client, "/account/password")
    urls = _urls_for_trust_a(app, world, db)
    endpoints = {endpoint for endpoint, _, _ in urls}
    assert {
        "schools.show",
        "registers.show",
        "registers.edit",
        "admin.trust",
        "admin.person_action",
        "admin.safeguarding",
        "casework.pupil",
        "casework.review",
        "casework.act",
        "calls.morning",
        "calls.record",
        "impact.school",
        "impact.trust",
        "letters.download",
        "letters.batch_download",
        "letters.pupil",
        "flags.rules",
        "flags.restore_defaults",
        "compliance.school",
        "compliance.school_csv",
        "compliance.trust_csv",
        "calendars.school",
        "calendars.remove",
        "calendars.trust",
        "workflow.board",
        "workflow.done",
        "workflow.undo",
        "workflow.note",
        "workflow.school_playbook",
        "workflow.retime",
        "workflow.switch_playbook",
        "workflow.own_task",
        "workflow.switch_own",
        "workflow.trust_playbook",
        "workflow.trust_task",
        "workflow.switch_trust_task",
        "returns.school",
        "returns.download",
        "returns.stored",
    } <= endpoints
    for endpoint, method, url in urls:
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token, "leaving_date": "2025-01-01", "name": "x"})
        body = response.get_data(as_text=True)
        expected = 401 if endpoint.startswith("api.") else 404  # the API takes tokens, never sessions
        assert response.status_code == expected, (endpoint, method, url, response.status_code)
        for canary in CANARIES:
            assert canary not in body, (endpoint, url, canary)


def test_school_in_same_trust_but_not_granted_is_404(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_lead"])
    assert client.get(f"/schools/{world.a2.urn}").status_code == 404
    assert client.get(f"/schools/{world.a2.urn}/pupils").status_code == 404
    assert client.get(f"/schools/{world.a2.urn}/pupils/{world.pupils['a2'].id}").status_code == 404


def test_lists_and_search_show_nothing_of_another_trust(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["b_leader"])
    home = client.get("/").get_data(as_text=True)
    search = client.get(f"/schools/{world.b1.urn}/pupils?q=canary&status=all").get_data(as_text=True)
    for body in (home, search):
        for canary in CANARIES:
            assert canary not in body
    assert "Canarybirch" in search


def test_governors_never_see_pupil_pages(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a_governor"])
    assert client.get(f"/schools/{world.a1.urn}").status_code == 200
    assert client.get(f"/schools/{world.a1.urn}/pupils").status_code == 403
    assert client.get(f"/schools/{world.a1.urn}/pupils/{world.pupils['a1'].id}").status_code == 403
    assert "Canaryalder" not in client.get(f"/schools/{world.a1.urn}").get_data(as_text=True)


def test_the_same_urls_work_for_trust_a(app: Flask, client: FlaskClient, db: Session, world: World) -> None:
    """Control: the URLs above are real, so their 404s for trust B come from tenancy alone."""
    signed_in(client, world.users["a_leader"])
    gets = [(e, url) for e, method, url in _urls_for_trust_a(app, world, db) if method == "GET"]
    assert len(gets) >= 6
    for endpoint, url in gets:
        assert client.get(url).status_code in (200, 400, 403), (endpoint, url)
