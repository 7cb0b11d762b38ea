"""Recording a call's outcome from the call list: the call row and any marks it amends land together,
bad input saves nothing, and the pages stay inside their trust."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.calls.models import FirstDayCall
from app.registers.marks import Mark, MarkAmendment
from app.registers.models import Pupil
from app.registers.reports import amendment_rows
from app.registers.services import add_contact
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.calls.registers import WED, add_week
from tests.conftest import World
from tests.factories import Factory, PupilRef
from tests.helpers import csrf_token, signed_in

LIST = f"/schools/100001/first-day?date={WED}"


@pytest.fixture
def week(db: Session, world: World, school: School) -> dict[str, PupilRef]:
    return add_week(db, world, school)


def _record(client: FlaskClient, pupil: PupilRef, urn: int = 100001, **data: str):  # type: ignore[no-untyped-def]
    token = csrf_token(client, f"/schools/{urn}")
    form = {"day": str(WED), "outcome": "reached", "notes": "", "code": "", "sessions": "both", **data}
    return client.post(f"/schools/{urn}/first-day/{pupil.id}/calls", data={**form, "csrf_token": token})


def _calls(db: Session, school: School) -> list[FirstDayCall]:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        return list(db.scalars(select(FirstDayCall).order_by(FirstDayCall.id)))


def _marks(db: Session, school: School, pupil: PupilRef) -> dict[str, str]:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        query = select(Mark.session, Mark.code).where(Mark.pupil_id == pupil.id, Mark.date == WED)
        return {session: code for session, code in db.execute(query)}


def test_staff_record_reached_and_no_answer_calls_at_the_escalation_level(
    client: FlaskClient, db: Session, world: World, school: School, week: dict
) -> None:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        ada = db.get(Pupil, (school.id, week["Ada"].id))
        add_contact(db, ada, {"name": "Rita Ada", "relationship_to_pupil": "Mother", "phone": "07700 900123"})
    signed_in(client, world.users["a1_staff"])
    page = client.get(LIST).get_data(as_text=True)
    assert "Day 3 or more: senior leader calls (1)" in page and "4 school days running (20 lessons)" in page
    assert 'Rita Ada (Mother): <a href="tel:07700900123">07700 900123</a>' in page
    assert _record(client, week["Ada"], outcome="no_answer").status_code == 302
    response = _record(client, week["Cal"], outcome="reached", notes="Mum says he will be in tomorrow")
    assert response.status_code == 302
    calls = _calls(db, school)
    assert [(c.pupil_id, c.escalation_day, c.outcome, c.amended_code) for c in calls] == [
        (week["Ada"].id, 1, "no_answer", None),
        (week["Cal"].id, 4, "reached", None),
    ]
    assert calls[1].recorded_by_name == "Staff" and calls[1].recorded_by_title == "Attendance officer"
    page = client.get(LIST).get_data(as_text=True)
    assert "No answer · Staff, Attendance officer" in page
    assert (
        "Reached: spoke to a parent or carer · Staff, Attendance officer: Mum says he will be in tomorrow"
        in page
    )
    assert _marks(db, school, week["Cal"]) == {"AM": "N"}  # no code chosen: the register is unchanged


def test_a_reason_given_amends_the_n_and_fills_the_unmarked_session(
    client: FlaskClient, db: Session, world: World, school: School, week: dict
) -> None:
    signed_in(client, world.users["a1_staff"])
    response = _record(client, week["Ben"], outcome="reason_given", notes="Flu, back Friday", code="I")
    assert response.status_code == 302
    assert _marks(db, school, week["Ben"]) == {"AM": "I", "PM": "I"}
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        history = amendment_rows(db, school, week["Ben"].upn)
    assert [
        (h["date"], h["session"], h["original_code"], h["new_code"], h["reason"], h["amended_by_name"])
        for h in history
    ] == [
        (str(WED), "AM", "N", "I", "First-day call (reason given): Flu, back Friday", "Staff")
    ]  # fmt: skip  (the PM had no mark: a new mark, not an amendment)
    [call] = _calls(db, school)
    assert (call.outcome, call.amended_code, call.escalation_day) == ("reason_given", "I", 2)
    page = client.get(LIST).get_data(as_text=True)
    assert "Ben" not in page.split('id="day-2"')[1].split('id="day-3"')[0]  # explained: off the list


def test_a_reason_with_a_two_character_code_is_recorded(
    client: FlaskClient, db: Session, world: World, school: School, week: dict
) -> None:
    """J1 (interview) and the Y codes are two characters long; the call keeps the code it amended to."""
    signed_in(client, world.users["a1_staff"])
    response = _record(client, week["Ben"], outcome="reason_given", notes="College interview", code="J1")
    assert response.status_code == 302
    assert _marks(db, school, week["Ben"]) == {"AM": "J1", "PM": "J1"}
    [call] = _calls(db, school)
    assert (call.outcome, call.amended_code) == ("reason_given", "J1")
    assert "the register now shows J1." in client.get(LIST).get_data(as_text=True)


def test_a_no_mark_session_becomes_a_new_mark(
    client: FlaskClient, db: Session, world: World, school: School, week: dict
) -> None:
    signed_in(client, world.users["a1_lead"])
    response = _record(
        client, week["Eve"], outcome="reason_given", notes="Dentist at 9", code="M", sessions="AM"
    )
    assert response.status_code == 302
    assert _marks(db, school, week["Eve"]) == {"AM": "M"}
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        assert amendment_rows(db, school, week["Eve"].upn) == []


@pytest.mark.parametrize(
    ("pupil", "data", "field", "message"),
    [
        ("Ben", {"outcome": "reason_given", "notes": "Late bus", "code": "L"}, "code",
         "&#39;L&#39; is not one of the absence codes offered"),
        ("Ben", {"outcome": "reached", "notes": "Ill", "code": "I"}, "code",
         "Amend the register only when a reason was given."),
        ("Ben", {"outcome": "reason_given", "code": "I"}, "notes", "Write down the reason the parent or carer gave."),
        ("Ben", {"outcome": "maybe"}, "outcome", "Choose what happened"),
        ("Ben", {"day": str(date.today() + timedelta(days=7 - date.today().weekday()))}, "day", "is in the future."),
        ("Fay", {"outcome": "reached"}, "pupil", "is not absent without a reason on"),
        ("Gus", {"outcome": "reason_given", "notes": "Ill", "code": "I", "sessions": "AM"}, "sessions",
         "The chosen sessions have no mark without a reason to amend."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_by_field_and_saves_nothing(
    client: FlaskClient, db: Session, world: World, school: School, week: dict,
    pupil: str, data: dict, field: str, message: str,
) -> None:  # fmt: skip
    signed_in(client, world.users["a1_staff"])
    before = _marks(db, school, week[pupil])
    response = _record(client, week[pupil], **data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f'id="{field}-{week[pupil].id}-error"' in page or field in ("day", "pupil")
    assert message in page and "Nothing was saved" in page
    assert _calls(db, school) == [] and _marks(db, school, week[pupil]) == before


def test_a_pupil_not_on_roll_is_refused(
    client: FlaskClient, db: Session, world: World, school: School, week: dict
) -> None:
    gone = Factory(db).pupil(world.a1, surname="Ivy", form="7A", admission_date=WED + timedelta(days=1))
    signed_in(client, world.users["a1_staff"])
    response = _record(client, gone, outcome="no_answer")
    assert response.status_code == 400 and "Sam Ivy is not on roll on" in response.get_data(as_text=True)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        assert db.scalar(select(func.count()).select_from(FirstDayCall)) == 0
        assert db.scalar(select(func.count()).select_from(MarkAmendment)) == 0


def test_trust_leaders_see_the_lists_but_do_not_record(client: FlaskClient, world: World, week: dict) -> None:
    signed_in(client, world.users["a_leader"])
    assert client.get(LIST).status_code == 200
    assert client.get(f"/schools/100001/first-day/golden-hour?date={WED}").status_code == 200
    assert _record(client, week["Ada"]).status_code == 403


@pytest.mark.parametrize("path", [LIST, f"/schools/100001/first-day/golden-hour?date={WED}"])
def test_governors_are_refused_and_another_trust_finds_nothing(
    client: FlaskClient, world: World, week: dict, path: str
) -> None:
    signed_in(client, world.users["a_governor"])
    assert client.get(path).status_code == 403
    assert _record(client, week["Ada"]).status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/schools/100001")})
    signed_in(client, world.users["b1_lead"])
    assert client.get(path).status_code == 404
    assert _record(client, week["Ada"]).status_code == 404  # A's URN
    assert _record(client, week["Ada"], urn=200001).status_code == 404  # A's pupil id under B's own school
    assert client.get("/schools/200001/first-day").status_code == 200


def test_a_date_that_is_not_a_date_is_refused(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_staff"])
    response = client.get("/schools/100001/first-day?date=yesterday")
    assert response.status_code == 400 and "is not a date" in response.get_data(as_text=True)
