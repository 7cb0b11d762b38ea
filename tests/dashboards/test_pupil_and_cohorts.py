"""The pupil view and the cohort view, as the browser asks for them; both refuse other schools."""

from __future__ import annotations

import json
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.interventions import services
from app.registers.models import Pupil
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.factories import Factory, PupilRef
from tests.helpers import SAME_SITE, dash_body, page_body, signed_in
from tests.weekly import LAST_WEEK, add_registers

UPDATE = "/dashboards/_dash-update-component"


@pytest.fixture
def pupils(db: Session, world: World, school: School) -> dict[str, PupilRef]:
    return add_registers(db, world, school, Okafor={"fsm": True}, Chen={"sen": "K"})


def _page(client: FlaskClient, path: str) -> tuple[int, str]:
    response = client.post(UPDATE, json=page_body(path), headers=SAME_SITE)
    return response.status_code, response.get_data(as_text=True)


def _text(tree: object) -> str:
    """The words a page shows, from Dash's component JSON."""
    if isinstance(tree, list):
        return " ".join(_text(t) for t in tree)
    if isinstance(tree, dict):
        return _text(tree.get("props", {}).get("children"))
    return "" if tree is None else str(tree)


def test_the_pupil_view_gives_the_next_step_sentence_and_register(
    app: Flask, world: World, pupils: dict[str, PupilRef]
) -> None:
    client = signed_in(app.test_client(), world.users["a1_lead"])
    status, body = _page(client, f"/dashboards/schools/100001/pupils/{pupils['Okafor'].id}")
    assert status == 200, body[:300]
    text = _text(json.loads(body)["response"]["_pages_content"]["children"])
    assert "Sam Okafor" in text and "▲ Red: persistent absence" in text
    assert "Next step:  Identify immediate support and actions (attendance support meeting)" in text
    assert "Missed 1 day (5 lessons) out of 10 possible days: attendance 90.0%." in text
    assert "Wednesday 1 of 2 1 of 2" in text  # the two O marks: last week's Wednesday, morning and afternoon
    assert "Thursday 0 of 2 0 of 2" in text
    assert text.count(" O ") >= 2 and "Absent in other or unknown circumstances 2" in text


@pytest.mark.parametrize("who", ["b1_lead", "b_leader"])
def test_another_trusts_pupil_is_not_found(
    app: Flask, world: World, pupils: dict[str, PupilRef], who: str
) -> None:
    client = signed_in(app.test_client(), world.users[who])
    status, body = _page(client, f"/dashboards/schools/100001/pupils/{pupils['Okafor'].id}")
    assert status == 404 and "Okafor" not in body


def test_pupil_numbers_belong_to_the_school_in_the_address(
    app: Flask, db: Session, world: World, pupils: dict[str, PupilRef]
) -> None:
    elsewhere = Factory(db).pupil(world.b1, surname="Elsewhere")
    client = signed_in(app.test_client(), world.users["a1_lead"])
    status, body = _page(client, f"/dashboards/schools/100001/pupils/{elsewhere.id}")
    assert "Elsewhere" not in body  # the same number at Alder One is one of its own pupils, if any
    assert _page(client, "/dashboards/schools/100001/pupils/99999")[0] == 404
    assert _page(client, f"/dashboards/schools/200001/pupils/{elsewhere.id}")[0] == 404


def test_governors_get_no_pupil_view(app: Flask, world: World, pupils: dict[str, PupilRef]) -> None:
    client = signed_in(app.test_client(), world.users["a_governor"])
    status, body = _page(client, f"/dashboards/schools/100001/pupils/{pupils['Okafor'].id}")
    assert status == 403 and "Okafor" not in body


def _cohort_body(urn: object) -> dict:
    return dash_body(
        [("cohort-body", "children")],
        [("cohort-week", "value", LAST_WEEK.isoformat())],
        [("cohort-school", "data", urn)],
    )


def test_cohort_gaps_pool_sessions_and_sit_beside_england(
    app: Flask, world: World, pupils: dict[str, PupilRef]
) -> None:
    client = signed_in(app.test_client(), world.users["a1_lead"])
    response = client.post(UPDATE, json=_cohort_body(100001), headers=SAME_SITE)
    assert response.status_code == 200, response.data[:300]
    text = _text(response.get_json()["response"]["cohort-body"]["children"])
    # Okafor (FSM) missed 2 of 20 sessions; Chen and Brooks 1 of 40 between them; Canaryalder has none possible
    assert "Free school meals 1 10.0% 10.0% 1 (100.0%) 31.7% 1" in text
    assert "Not FSM 2 2.5% 5.2% 0 (0.0%) 14.4% 0.5" in text
    assert "7.5 points higher than among others here; in England the gap is 4.8 points" in text
    assert "SEN support 1 5.0% 10.1%" in text
    assert "all primary pupils, 2025/26 year to date" in text  # sex, ethnicity, year: the phase's figure


def test_a_forged_cohort_request_for_another_trusts_school_is_not_found(
    app: Flask, world: World, pupils: dict[str, PupilRef]
) -> None:
    client = signed_in(app.test_client(), world.users["b1_lead"])
    response = client.post(UPDATE, json=_cohort_body(100001), headers=SAME_SITE)
    assert response.status_code == 404 and b"Free school meals" not in response.data
    anonymous = app.test_client().post(UPDATE, json=_cohort_body(100001), headers=SAME_SITE)
    assert anonymous.status_code == 401


def test_the_pupils_line_marks_cases_and_actions(
    app: Flask, db: Session, world: World, school: School, pupils: dict[str, PupilRef]
) -> None:
    today = date.today()
    who = Recorder(None, "Alex Morgan", "Senior attendance champion")
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        pupil = db.get(Pupil, (school.id, pupils["Okafor"].id))
        assert pupil is not None
        case = services.open_case(db, school, pupil, stage="monitor", owner_id=1, owner_name="Alex Morgan",
                                  reason="Red", opened_on=today, recorder=who, today=today)  # fmt: skip
        services.record_action(db, school, case, kind="home_visit", owner_name="Alex Morgan", due_on=None,
                               done_on=today, notes="Private", outcome="", follow_up_on=None, restricted=True,
                               recorder=who, today=today)  # fmt: skip
        db.commit()
    client = signed_in(app.test_client(), world.users["a1_lead"])
    status, body = _page(client, f"/dashboards/schools/100001/pupils/{pupils['Okafor'].id}")
    text = _text(json.loads(body)["response"]["_pages_content"]["children"])
    assert (
        f"Interventions (▼ on the chart): Case opened (Monitor) on {today:%-d %b}; Home visit on {today:%-d %b}."
        in text
    )
    assert "Private" not in body  # notes stay on the case, never on the chart
