"""What schemathesis and the JSON fuzzing found in the marks API, each pinned by a plain example."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import World
from tests.fuzz.conftest import api_token
from tests.fuzz.snapshot import Snapshot
from tests.fuzz.tables import LAST_WEEK
from tests.helpers import signed_in


def _post(client: FlaskClient, path: str, token: str, body: object) -> tuple[int, dict, str]:
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.get_json(silent=True), response.content_type


def _mark(upn: str, code: str = "/") -> dict[str, str]:
    return {"upn": upn, "date": LAST_WEEK.isoformat(), "session": "AM", "code": code}


def test_a_urn_that_is_no_school_s_answers_json_404(client: FlaskClient, db: Session, world: World) -> None:
    """An HTML error page came back for a URN that is not a number (the document promises JSON), and a
    number beyond PostgreSQL's integer was a server error."""
    token = api_token(db, world.a1.id)
    for urn in ["abc", "-1", "1.5", "100001%2Fx", "99999999999"]:
        status, body, content_type = _post(client, f"/api/v1/schools/{urn}/marks", token, {})
        assert (status, content_type) == (404, "application/json"), urn
        assert body["error"]


def test_a_page_for_a_urn_beyond_any_school_is_not_found(client: FlaskClient, world: World) -> None:
    """The same overflow on every school page (they share the URN lookup)."""
    signed_in(client, world.users["a1_lead"])
    assert client.get("/schools/99999999999/pupils").status_code == 404


def test_an_unknown_api_path_answers_json(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here")
    assert (response.status_code, response.content_type) == (404, "application/json")
    assert "openapi.json" in response.get_json()["error"]


def test_a_body_over_the_limit_answers_json_413_and_writes_nothing(
    app: Flask, client: FlaskClient, db: Session, world: World, snap: Snapshot
) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    token = api_token(db, world.a1.id)
    before = snap.digest()
    status, body, content_type = _post(
        client,
        f"/api/v1/schools/{world.a1.urn}/marks",
        token,
        {"marks": [_mark(world.pupils["a1"].upn)] * 40},
    )
    assert (status, content_type) == (413, "application/json")
    assert "smaller batches" in body["error"]
    assert snap.changed(before) == []
    document = client.get("/api/v1/openapi.json").get_json()  # and the document names the real limit
    assert (
        f"({limit // 2**20} MiB)"
        in document["paths"]["/schools/{urn}/marks"]["post"]["responses"]["413"]["description"]
    )


def test_a_reason_that_cannot_be_stored_or_an_unknown_field_is_refused(
    client: FlaskClient, db: Session, world: World, snap: Snapshot
) -> None:
    """A NUL in the reason of an amendment was a server error on PostgreSQL; an unknown top-level field
    was ignored though the document forbids it."""
    token, upn = api_token(db, world.a1.id), world.pupils["a1"].upn
    path = f"/api/v1/schools/{world.a1.urn}/marks"
    assert _post(client, path, token, {"marks": [_mark(upn)]})[0] == 200
    before = snap.digest()
    for extra, field in [({"reason": "Parent\x00phoned"}, "reason"), ({"reason": "r" * 501}, "reason"),
                         ({"note": "x"}, None)]:  # fmt: skip
        status, body, _ = _post(client, path, token, {"marks": [_mark(upn, "I")], **extra})
        assert status == 400
        assert [(p["entry"], p["field"]) for p in body["problems"]] == [(None, field)]
    assert snap.changed(before) == []


def test_a_huge_value_is_quoted_back_cut_short(client: FlaskClient, db: Session, world: World) -> None:
    """The problem quoted all 100,000 characters back."""
    mark = {
        **_mark(world.pupils["a1"].upn),
        "session": "9" * 100_000,
        "date": (LAST_WEEK - timedelta(days=7)).isoformat(),
    }
    status, body, _ = _post(
        client, f"/api/v1/schools/{world.a1.urn}/marks", api_token(db, world.a1.id), {"marks": [mark]}
    )
    assert status == 400
    assert body["problems"] == [
        {"entry": 0, "field": "session", "message": "'99999999999999999999…' should be AM or PM"}
    ]
