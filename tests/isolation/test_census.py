"""Route census: every URL rule (Flask, Dash, API) and every Dash page is classified in tests/isolation/census.py
as public, login-only or role-restricted, and each class is checked against the running app: public routes
answer a stranger, the others send a stranger to sign in (401 for the API and Dash's own requests), and a
role-restricted route refuses every role not listed, for real ids of a school full of data.

Routes and roles do not depend on the database, so the census runs on SQLite; the isolation matrix runs both.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter

from tenants.models import Role
from tests.conftest import World
from tests.helpers import SAME_SITE, csrf_token, page_body, signed_in
from tests.isolation import dash_calls, probe
from tests.isolation.canaries import plant
from tests.isolation.census import LOGIN_ONLY, PUBLIC, ROLE_RESTRICTED

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
USERS = {Role.TRUST_LEADER: "a_leader", Role.SCHOOL_LEAD: "a1_lead", Role.STAFF: "a1_staff",
         Role.GOVERNOR: "a_governor"}  # fmt: skip  # trust A's people: every role at school A1
FILES = {"filename": "turnout.css", "path": "schools/100001/week", "package_name": "dash",
         "fingerprinted_path": "dcc/dash_core_components.js"}  # fmt: skip
REFUSED = {403, 404}
IDS = {"urn": [1], "pupil_id": [1], "slug": ["x"]}  # enough to name each Dash page


def _methods(rule: Rule) -> list[str]:
    return sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})


def test_every_route_is_classified_exactly_once(app: Flask) -> None:
    tables = [*PUBLIC, *LOGIN_ONLY, *ROLE_RESTRICTED]
    twice = [name for name, n in Counter(tables).items() if n > 1]
    assert not twice, f"{twice} are in more than one table of tests/isolation/census.py: keep each in one"
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    names = set(rules) | set(probe.dash_pages(IDS))
    unclassified = [
        f"{rules[n].rule} {_methods(rules[n])} (endpoint {n!r})" if n in rules else f"Dash page {n!r}"
        for n in sorted(names - set(tables))
    ]
    assert not unclassified, (
        "routes no one has classified:\n  " + "\n  ".join(unclassified) + "\nadd each endpoint to PUBLIC, "
        "LOGIN_ONLY or ROLE_RESTRICTED (with the roles that may use it) in tests/isolation/census.py"
    )
    gone = sorted(set(tables) - names)
    assert not gone, f"tests/isolation/census.py lists {gone}, which no longer exist: remove them"


def _url(rule: Rule, ids: dict[str, object]) -> str:
    """The rule filled with the given ids, the first of any choice and a sample file name."""
    values = {}
    for name in rule.arguments:
        converter = rule._converters.get(name)
        values[name] = sorted(converter.items)[0] if isinstance(converter, AnyConverter) else ids.get(name, 1)
    return probe.build(rule, values)


def _sign_in_asked(response, path: str, method: str) -> bool:  # type: ignore[no-untyped-def]
    """401 for the API and Dash's own requests (and any POST under Dash); elsewhere a redirect to /login."""
    if path.startswith("/api/") or (
        path.startswith(probe.DASH_PREFIX) and (method != "GET" or "/_dash-" in path or "/_reload" in path)
    ):
        return response.status_code == 401
    return response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_strangers_get_public_routes_and_are_asked_to_sign_in_for_the_rest(
    app: Flask, client: FlaskClient, world: World
) -> None:
    ids = {"urn": world.a1.urn, "pupil_id": world.pupils["a1"].id, "slug": "trust-a", "kind": "meeting",
           "return_kind": "unauthorised-10", "token_id": str(uuid.uuid4()), **FILES}  # fmt: skip
    token = csrf_token(client, "/login")  # so a POST meets the sign-in check, not the CSRF check
    wrong = []
    for rule in app.url_map.iter_rules():
        url = _url(rule, ids)
        for method in _methods(rule):
            response = client.open(url, method=method, data={"csrf_token": token}, headers=SAME_SITE)
            response.close()  # a file served is streamed
            if rule.endpoint in PUBLIC:
                asked = response.status_code == 401 or "/login" in response.headers.get("Location", "")
                if asked or response.status_code >= 500:
                    wrong.append(f"{method} {url} is public but answered {response.status_code}")
            elif not _sign_in_asked(response, url, method):
                wrong.append(f"{method} {url} answered a stranger {response.status_code}, not a sign-in")
    for url in probe.dash_page_paths({k: [v] for k, v in ids.items()}):
        response = client.get(url)
        if not _sign_in_asked(response, url, "GET"):
            wrong.append(f"Dash page {url} answered a stranger {response.status_code}")
    assert not wrong, "\n".join(wrong)
    with client.get("/static/turnout.css") as served:
        assert served.status_code == 200  # control: public means served


def test_roles_not_listed_are_refused_and_listed_roles_are_not(app: Flask, db: Session, world: World) -> None:
    """For each role-restricted route and each of GET and POST, with real ids of school A1: every role not
    listed gets 403 or 404 (401 from the API); every listed role opens at least one GET variant."""
    planted = plant(app, db, world.a1, "a1", date.today())
    planted.ids |= {"pack_id": [2], "export_id": [1], "kind": ["meeting"]}  # one of each: governors' pack
    clients = {role: signed_in(app.test_client(), world.users[who]) for role, who in USERS.items()}
    tokens = {role: csrf_token(c, "/account/password") for role, c in clients.items()}
    calls = probe.calls(app, planted.ids) + [
        probe.Call(rule.endpoint, method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint in ROLE_RESTRICTED and not rule.arguments
        for method in _methods(rule)
    ]
    wrong, opened = [], defaultdict(set)
    for call in calls:
        spec = ROLE_RESTRICTED.get(call.endpoint)
        if spec is None:
            wrong.append(f"{call.url} names a school or trust, so it belongs in ROLE_RESTRICTED")
            continue
        refused = REFUSED | {401} if call.endpoint.startswith("api.") else REFUSED
        for role, client in clients.items():
            if role not in spec.allowed(call.method):
                data = {"csrf_token": tokens[role]}
                response = client.open(call.url, method=call.method, data=data)
                if response.status_code not in refused:
                    wrong.append(f"{role} {call.method} {call.url}: {response.status_code}, not refused")
            elif call.method == "GET" and client.get(call.url).status_code not in refused | {401}:
                opened[call.endpoint].add(role)
    for name, path in probe.dash_pages(planted.ids).items():
        for role, client in clients.items():
            response = client.post(dash_calls.UPDATE, json=page_body(path), headers=SAME_SITE)
            if role not in ROLE_RESTRICTED[name].roles and response.status_code not in REFUSED:
                wrong.append(f"{role} opened Dash page {path}: {response.status_code}")
            elif role in ROLE_RESTRICTED[name].roles and response.status_code == 200:
                opened[name].add(role)
    for name, spec in ROLE_RESTRICTED.items():
        gets = {c.endpoint for c in calls if c.method == "GET"} | set(probe.dash_pages(planted.ids))
        if name in gets and spec.roles - opened[name]:
            wrong.append(f"{name} is listed for {sorted(spec.roles - opened[name])}, who could not open it")
    assert not wrong, f"{len(wrong)} routes do not do what tests/isolation/census.py says:\n" + "\n".join(
        wrong
    )
