"""The marks API: per-school bearer tokens, all-or-nothing JSON imports, OpenAPI, and isolation."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.api.services import create_token, revoke
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.factories import Factory
from tests.helpers import csrf_token, signed_in

MONDAY = date.today() - timedelta(days=date.today().weekday() + 7)


def _token(db: Session, school_id: int) -> str:
    school = db.get(School, school_id, execution_options=UNSCOPED)
    with context.use(system_context(db, "test")):
        _token_row, secret = create_token(db, school, "SIMS", by_id=1, by_name="Lead")
    return secret


@pytest.fixture
def upn(db: Session, world: World) -> str:
    return Factory(db).pupil(world.a1, surname="Apiton", admission_date=MONDAY - timedelta(days=60)).upn


def _marks(upn: str, code: str = "/") -> list[dict]:
    return [
        {"upn": upn, "date": (MONDAY + timedelta(days=d)).isoformat(), "session": s, "code": code}
        for d in range(5)
        for s in ("AM", "PM")
    ]


def test_token_posts_marks_and_a_resend_changes_nothing(
    client: FlaskClient, db: Session, world: World, upn: str
) -> None:
    auth = {"Authorization": f"Bearer {_token(db, world.a1.id)}"}
    first = client.post(f"/api/v1/schools/{world.a1.urn}/marks", json={"marks": _marks(upn)}, headers=auth)
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["new"] == 10
    again = client.post(f"/api/v1/schools/{world.a1.urn}/marks", json={"marks": _marks(upn)}, headers=auth)
    assert again.get_json()["unchanged"] == 10
    changed = client.post(
        f"/api/v1/schools/{world.a1.urn}/marks",
        json={"marks": _marks(upn, "I")[:2], "reason": "Parent phoned"},
        headers=auth,
    )
    assert changed.get_json()["amended"] == 2


def test_bad_marks_are_listed_by_entry_and_nothing_is_written(
    client: FlaskClient, db: Session, world: World, upn: str
) -> None:
    auth = {"Authorization": f"Bearer {_token(db, world.a1.id)}"}
    marks = _marks(upn)
    marks[3]["code"] = "H"
    marks[7]["session"] = "EV"
    response = client.post(f"/api/v1/schools/{world.a1.urn}/marks", json={"marks": marks}, headers=auth)
    assert response.status_code == 400
    problems = response.get_json()["problems"]
    assert [(p["entry"], p["field"]) for p in problems] == [(3, "code"), (7, "session")]
    resend = client.post(f"/api/v1/schools/{world.a1.urn}/marks", json={"marks": _marks(upn)}, headers=auth)
    assert resend.get_json()["new"] == 10


@pytest.mark.parametrize(
    "body",
    [
        {"marks": "nope"},
        {"marks": []},
        {"marks": [{"upn": 5}]},
        [1, 2],
        {"marks": [{"upn": "x", "date": "d", "session": "AM", "code": "/", "extra": 1}]},
    ],
)
def test_malformed_bodies_get_400(client: FlaskClient, db: Session, world: World, body: object) -> None:
    auth = {"Authorization": f"Bearer {_token(db, world.a1.id)}"}
    response = client.post(f"/api/v1/schools/{world.a1.urn}/marks", json=body, headers=auth)
    assert response.status_code == 400 and response.get_json()["problems"]


def test_tokens_work_for_their_own_school_only(
    client: FlaskClient, db: Session, world: World, upn: str
) -> None:
    a1_token, b1_token = _token(db, world.a1.id), _token(db, world.b1.id)
    body = {"marks": _marks(upn)}
    assert client.post(f"/api/v1/schools/{world.a1.urn}/marks", json=body).status_code == 401
    for urn, token in (
        (world.b1.urn, a1_token),
        (world.a2.urn, a1_token),
        (world.a1.urn, b1_token),
        (world.a1.urn, "tnt_guess"),
        (999999, a1_token),
    ):
        response = client.post(
            f"/api/v1/schools/{urn}/marks", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 404, (urn, response.get_json())
        assert "Apiton" not in response.get_data(as_text=True)


def test_revoked_token_is_refused(client: FlaskClient, db: Session, world: World, upn: str) -> None:
    secret = _token(db, world.a1.id)
    school = db.get(School, world.a1.id, execution_options=UNSCOPED)
    with context.use(system_context(db, "test")):
        from sqlalchemy import select

        from app.api.models import ApiToken

        token = db.scalar(select(ApiToken))
        revoke(db, school, str(token.id))
    response = client.post(
        f"/api/v1/schools/{world.a1.urn}/marks",
        json={"marks": _marks(upn)},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 404


def test_school_lead_creates_and_revokes_a_token_in_the_ui(
    app: Flask, client: FlaskClient, world: World, upn: str
) -> None:
    signed_in(client, world.users["a1_lead"])
    path = f"/schools/{world.a1.urn}/api-tokens"
    page = client.post(path, data={"name": "Arbor", "csrf_token": csrf_token(client, path)}).get_data(
        as_text=True
    )
    secret = page.split('<code class="secret">')[1].split("</code>")[0]
    api = app.test_client()
    ok = api.post(
        f"/api/v1/schools/{world.a1.urn}/marks",
        json={"marks": _marks(upn)},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert ok.status_code == 200
    token_id = client.get(path).get_data(as_text=True).split("/api-tokens/")[1].split("/revoke")[0]
    client.post(f"{path}/{token_id}/revoke", data={"csrf_token": csrf_token(client, path)})
    refused = api.post(
        f"/api/v1/schools/{world.a1.urn}/marks",
        json={"marks": _marks(upn)},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert refused.status_code == 404
    assert client.get(f"/schools/{world.a1.urn}/api-tokens").status_code == 200
    signed_in(app.test_client(), world.users["a1_staff"])


def test_staff_cannot_manage_tokens(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_staff"])
    assert client.get(f"/schools/{world.a1.urn}/api-tokens").status_code == 403


def test_openapi_document_describes_the_marks_endpoint(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    operation = doc["paths"]["/schools/{urn}/marks"]["post"]
    assert set(operation["responses"]) >= {"200", "400", "401", "404"}
