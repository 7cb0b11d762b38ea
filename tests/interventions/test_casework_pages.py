"""Casework pages as staff use them: next step to action, a support meeting, refusals that save nothing,
safeguarding notes for the DSL only, and nobody outside the school reaching a case."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.interventions.models import Case, CaseAction, SupportPlan
from tenants import context
from tenants.access import system_context
from tenants.models import Membership
from tests.conftest import World
from tests.helpers import csrf_token, post_form, signed_in
from tests.weekly import add_registers

TODAY = date.today()


@pytest.fixture
def okafor(db: Session, world: World, school) -> int:  # type: ignore[no-untyped-def]
    """Okafor is red last week (90%) with no case: the next step is support."""
    return add_registers(db, world, school)["Okafor"].id


def _page(world: World, pupil_id: int, suffix: str = "") -> str:
    return f"/schools/{world.a1.urn}/pupils/{pupil_id}/case{suffix}"


def _all(db: Session, model: type) -> list:
    """Rows as they stand, read in an explicit all-schools context (RLS hides them otherwise)."""
    db.expire_all()
    with context.use(system_context(db, "test")):
        return list(db.scalars(select(model)))


def _count(db: Session, model: type) -> int:
    return len(_all(db, model))


def _selected(html: str, select_id: str) -> str:
    """The option a select offers first: what the user gets by just pressing the button."""
    block = html[html.index(f'id="{select_id}"') :]
    block = block[: block.index("</select>")]
    found = re.search(r'<option selected value="([^"]*)"', block)
    assert found, block[:300]
    return found.group(1)


def _owner_id(client: FlaskClient, page: str) -> str:
    """The signed-in user is the default owner, as the page offers."""
    return _selected(client.get(page).get_data(as_text=True), "step_owner")


def test_a_red_pupils_next_step_becomes_an_action_with_owner_and_due_date(
    client: FlaskClient, db: Session, world: World, okafor: int
) -> None:
    signed_in(client, world.users["a1_lead"])
    page = client.get(_page(world, okafor))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Next step: Identify immediate support" in html
    assert _selected(html, "step_kind") == "attendance_support_meeting"
    due = TODAY + timedelta(days=7)
    response = post_form(
        client, _page(world, okafor, "/next-step"),
        {"step": "support", "kind": "attendance_support_meeting", "owner": _owner_id(client, _page(world, okafor)),
         "due_on": due.isoformat()},
        form_page=_page(world, okafor),
    )  # fmt: skip
    assert response.status_code == 302
    [action], [case] = _all(db, CaseAction), _all(db, Case)
    assert (action.kind, action.owner_name, action.due_on, action.done_on) == (
        "attendance_support_meeting", "Lead", due, None,
    )  # fmt: skip
    assert (case.stage.value, case.owner_name, case.closed_on) == ("listen_understand", "Lead", None)
    timeline = client.get(_page(world, okafor)).get_data(as_text=True)
    assert "Attendance support meeting" in timeline and "Due" in timeline


def _open_case(client: FlaskClient, world: World, pupil_id: int) -> None:
    response = post_form(
        client, _page(world, pupil_id, "/open"),
        {"stage": "listen_understand", "owner": _owner_id(client, _page(world, pupil_id)), "reason": "Red flag",
         "opened_on": TODAY.isoformat()},
        form_page=_page(world, pupil_id),
    )  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)


def _plan(review_on: date, **extra: str) -> dict[str, str]:
    return {"met_on": TODAY.isoformat(), "working_well": "Walks in with a friend", "worries": "Mornings",
            "needs_to_happen": "Breakfast club place", "review_on": review_on.isoformat(),
            "smart-1-what": "Breakfast club from Monday", "smart-1-who": "Mr Hale",
            "smart-1-by": (TODAY + timedelta(days=7)).isoformat(), **extra}  # fmt: skip


def test_a_support_meeting_is_recorded_with_its_plan_and_review_date(
    client: FlaskClient, db: Session, world: World, okafor: int
) -> None:
    signed_in(client, world.users["a1_staff"])
    _open_case(client, world, okafor)
    review = TODAY + timedelta(days=42)
    response = post_form(
        client, _page(world, okafor, "/plans"), _plan(review), form_page=_page(world, okafor)
    )
    assert response.status_code == 302
    [plan] = _all(db, SupportPlan)
    assert plan.review_on == review
    assert plan.smart_actions == [{"what": "Breakfast club from Monday", "who": "Mr Hale",
                                   "by": (TODAY + timedelta(days=7)).isoformat()}]  # fmt: skip
    html = client.get(_page(world, okafor)).get_data(as_text=True)
    assert f"Review the plan agreed on {TODAY:%-d %B %Y}" in html
    assert 'id="case-stage">Facilitate support<' in html
    ids = re.findall(r' id="([^"]+)"', html)
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    assert not repeated, repeated  # every label and error link finds its one field


@pytest.mark.parametrize(
    ("path", "data", "message"),
    [
        ("/plans", _plan(TODAY + timedelta(days=43)), "Review the plan within 6 weeks of the meeting"),
        ("/plans", _plan(TODAY + timedelta(days=14), **{"smart-1-by": "next week"}), "Action 1: &#39;by when&#39; is a date"),
        ("/actions", {"kind": "penalty_notice", "done_on": TODAY.isoformat()}, "can only be recorded once the case shows support first"),
        ("/actions", {"kind": "phone_call"}, "Give the date it is due, or the date it was done."),
    ],
)  # fmt: skip
def test_bad_casework_is_refused_by_field_and_nothing_is_saved(
    client: FlaskClient, db: Session, world: World, okafor: int, path: str, data: dict[str, str], message: str
) -> None:
    signed_in(client, world.users["a1_lead"])
    _open_case(client, world, okafor)
    before = (_count(db, CaseAction), _count(db, SupportPlan))
    if path == "/actions":
        data = {**data, "owner": _owner_id(client, _page(world, okafor))}
    response = post_form(client, _page(world, okafor, path), data, form_page=_page(world, okafor))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Nothing was saved" in html and message in html
    assert (_count(db, CaseAction), _count(db, SupportPlan)) == before


def test_safeguarding_notes_are_read_only_with_the_dsl_permission(
    app: Flask, client: FlaskClient, db: Session, world: World, okafor: int
) -> None:
    with context.use(system_context(db, "test")):
        db.execute(update(Membership).values(safeguarding=True).where(Membership.role == "school_lead"))
        db.commit()
    signed_in(client, world.users["a1_lead"])
    _open_case(client, world, okafor)
    response = post_form(
        client, _page(world, okafor, "/actions"),
        {"kind": "referral_dsl", "owner": _owner_id(client, _page(world, okafor)), "done_on": TODAY.isoformat(),
         "notes": "Disclosure about home: see DSL log 42", "restricted": "y"},
        form_page=_page(world, okafor),
    )  # fmt: skip
    assert response.status_code == 302
    assert "DSL log 42" in client.get(_page(world, okafor)).get_data(as_text=True)
    staff = signed_in(app.test_client(), world.users["a1_staff"])
    html = staff.get(_page(world, okafor)).get_data(as_text=True)
    assert "Referral: designated safeguarding lead" in html
    assert "DSL log 42" not in html and "only staff with the DSL permission can read it" in html


def test_casework_is_not_found_outside_the_school_and_closed_to_governors(
    app: Flask, client: FlaskClient, db: Session, world: World, okafor: int
) -> None:
    signed_in(client, world.users["a1_lead"])
    _open_case(client, world, okafor)
    for user, status in (("b1_lead", 404), ("b_leader", 404), ("a2_lead", 404), ("a_governor", 403)):
        other = signed_in(app.test_client(), world.users[user])
        for path in ("", "/open", "/actions", "/plans", "/close", "/next-step", "/plans/1/review"):
            response = (
                other.get(_page(world, okafor))
                if path == ""
                else post_form(other, _page(world, okafor, path), {}, form_page="/")
            )
            assert response.status_code == status, (user, path)
        assert other.get(f"/schools/{world.a1.urn}/cases").status_code == status, user
    birch = signed_in(app.test_client(), world.users["b1_lead"])
    assert (
        birch.get(f"/schools/{world.b1.urn}/pupils/{okafor}/case").status_code == 404
    )  # A's pupil id under B
    leader = signed_in(app.test_client(), world.users["a_leader"])
    assert "Okafor" in leader.get(f"/schools/{world.a1.urn}/cases").get_data(as_text=True)


def test_a_plan_of_a_closed_case_cannot_close_the_open_one(
    client: FlaskClient, db: Session, world: World, okafor: int
) -> None:
    signed_in(client, world.users["a1_lead"])
    _open_case(client, world, okafor)
    post_form(
        client,
        _page(world, okafor, "/plans"),
        _plan(TODAY + timedelta(days=14)),
        form_page=_page(world, okafor),
    )
    closed = post_form(client, _page(world, okafor, "/close"), {"closed_on": TODAY.isoformat(), "outcome": "Moved on"},
                       form_page=_page(world, okafor))  # fmt: skip
    assert closed.status_code == 302
    _open_case(client, world, okafor)
    [old_plan] = _all(db, SupportPlan)
    token = csrf_token(client, _page(world, okafor))
    response = client.post(
        _page(world, okafor, f"/plans/{old_plan.id}/review"),
        data={f"review-{old_plan.id}-csrf_token": token, "csrf_token": token,
              f"review-{old_plan.id}-reviewed_on": TODAY.isoformat(),
              f"review-{old_plan.id}-outcome": "improved_close"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "belongs to an earlier, closed case" in response.get_data(as_text=True)
    assert [c.closed_on is None for c in sorted(_all(db, Case), key=lambda c: c.id)] == [False, True]
    assert _all(db, SupportPlan)[0].reviewed_on is None


def test_only_the_dsl_marks_a_note_as_safeguarding(
    client: FlaskClient, db: Session, world: World, okafor: int
) -> None:
    signed_in(client, world.users["a1_staff"])
    _open_case(client, world, okafor)
    assert 'name="restricted"' not in client.get(_page(world, okafor)).get_data(as_text=True)
    response = post_form(
        client, _page(world, okafor, "/actions"),
        {"kind": "phone_call", "owner": _owner_id(client, _page(world, okafor)), "done_on": TODAY.isoformat(),
         "notes": "Mum says mornings are hard", "restricted": "y"},
        form_page=_page(world, okafor),
    )  # fmt: skip
    assert response.status_code == 400
    assert "Only staff with the DSL permission record safeguarding notes." in response.get_data(as_text=True)
    assert _all(db, CaseAction) == []
