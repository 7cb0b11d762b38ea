"""design.md rule 5 for every registered Dash callback, not a sample: a body from another site or not JSON is
refused before Dash reads it, a broken or made-up body is a 400 naming what is wrong, and odd values in any
input are a clear refusal, never a server error; a callback that reads no tenant key is listed as pure."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.benchmarks import store as benchmarks
from tenants import context
from tenants.access import system_context
from tenants.models import Trust
from tests.conftest import World
from tests.helpers import SAME_SITE, signed_in
from tests.isolation import dash_calls, probe
from tests.isolation.dash_calls import UPDATE

ODD = [None, "x", -1, 1.5, True, [], {}, [None], "a\x00b", 10**20]  # one of each kind no page sends


@pytest.fixture
def lead(app: Flask, world: World) -> FlaskClient:
    """A trust leader: every page and callback of trust A is theirs."""
    return signed_in(app.test_client(), world.users["a_leader"])


@pytest.fixture
def bodies(lead: FlaskClient, db: Session, world: World) -> list[tuple[dash_calls.Callback, dict]]:
    """Each registered callback with the body its page would send for school A1 and trust A (after the
    nightly benchmark, which the trust dashboard's controls wait for)."""
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        trust = db.get(Trust, world.trust_a.id)
        assert trust is not None
        benchmarks.refresh(db, None, trust, datetime.now(UTC))
        db.commit()
    ids = {"urn": [world.a1.urn], "slug": ["trust-a"], "pupil_id": [world.pupils["a1"].id]}
    values = dash_calls.layout_values(lead, probe.dash_page_paths(ids))
    keys = {"urn": world.a1.urn, "slug": "trust-a", "urns": [world.a1.urn]}
    return [(c, dash_calls.body(c, values, keys)) for c in dash_calls.registered(lead)]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # refused before any query
def test_every_callback_is_classified_and_guarded(lead: FlaskClient, bodies: list) -> None:
    """Each callback reads a tenant key or is pure; its own page's body is answered (so each refusal below
    comes from what was changed); a body from another site or in another format is refused."""
    unclassified = [c.name for c, _ in bodies if not c.keys() and c.name not in dash_calls.PURE]
    assert not unclassified, (
        f"callbacks {unclassified} read no tenant key listed in tests/isolation/dash_calls.KEYS: add the "
        "component that holds their school or trust to KEYS, or the callback to PURE if it reads no tenant data"
    )
    assert len(bodies) >= 10
    for callback, body in bodies:
        assert lead.post(UPDATE, json=body, headers=SAME_SITE).status_code == 200, callback.name
        for headers in ({"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"}, {}):
            response = lead.post(UPDATE, json=body, headers=headers)
            assert response.status_code == 403 and b"Canary" not in response.data, (callback.name, headers)
        for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
            response = lead.post(UPDATE, data=str(body), content_type=content_type, headers=SAME_SITE)
            assert response.status_code == 415, (callback.name, content_type)
        for what, broken in _broken(body):
            sent = json.dumps(broken)
            response = lead.post(UPDATE, data=sent, content_type="application/json", headers=SAME_SITE)
            assert response.status_code == 400, (callback.name, what, response.status_code)
            assert response.get_json()["error"], (callback.name, what)


def _broken(body: dict) -> list[tuple[str, object]]:
    """Ways a forger or a broken client can get a body wrong."""
    several = isinstance(body["outputs"], list)
    return [
        ("a list", [body]),
        ("null", None),
        ("no output", {k: v for k, v in body.items() if k != "output"}),
        ("a made-up output", {**body, "output": "made-up.children"}),
        ("a browser-side output", {**body, "output": "_pages_dummy.children"}),
        ("output not a string", {**body, "output": 7}),
        ("no inputs", {k: v for k, v in body.items() if k != "inputs"}),
        ("one input short", {**body, "inputs": body["inputs"][:-1]}),
        ("inputs a string", {**body, "inputs": "x"}),
        ("inputs not objects", {**body, "inputs": [1] * len(body["inputs"])}),
        ("state null", {**body, "state": None}),
        ("no outputs", {k: v for k, v in body.items() if k != "outputs"}),
        ("outputs short", {**body, "outputs": body["outputs"][:-1] if several else []}),
        ("changed ids not strings", {**body, "changedPropIds": [5]}),
        ("a NUL", {**body, "changedPropIds": [body["changedPropIds"][0] + "\x00"]}),
    ]


def test_odd_values_in_any_input_never_make_a_server_error(
    app: Flask, lead: FlaskClient, bodies: list
) -> None:
    """Each input and state of each callback set in turn to each value of ODD: a refusal or an answer, never
    a 5xx, on both databases (PostgreSQL refuses text SQLite takes: a NUL in a forged trust's slug was a
    500 there; a number for the grid's rows was a 500 on both)."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a server error is an answer to count, not a test crash
    tried = 0
    for callback, body in bodies:
        for part in ("inputs", "state"):
            for i, entry in enumerate(body[part]):
                if not isinstance(entry, dict):
                    continue
                for odd in ODD:
                    tried += 1
                    changed = [dict(e, value=odd) if j == i else e for j, e in enumerate(body[part])]
                    response = lead.post(UPDATE, json={**body, part: changed}, headers=SAME_SITE)
                    assert response.status_code < 500, (callback.name, entry["id"], odd, response.data[:300])
    assert tried >= 40 * len(ODD)  # control: every slot of every callback was tried
