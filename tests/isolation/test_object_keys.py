"""Guessed object keys: letters, letter batches, review packs and stored LA returns are served by their number
within a school, read only inside that school's storage folder. Another trust's numbers, numbers tried at the
guesser's own school, and path-like values (`../`, encoded slashes, another school's storage keys) in every
string argument of every route get 404 and not one byte of another school's objects."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from flask import Flask
from sqlalchemy.orm import Session
from werkzeug.routing import Rule
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from tests.conftest import World
from tests.helpers import csrf_token, signed_in
from tests.isolation import probe
from tests.isolation.canaries import TRUST_A_NAMES, Planted, plant

SERVED = {  # routes that hand over a stored object, and the argument naming it
    "letters.download": "letter_id",
    "letters.batch_download": "batch_id",
    "reviews.download": "pack_id",
    "returns.stored": "export_id",
}
GUESSES = [1, 2, 3, 4, 5, 99, 2**31 - 1]
PLACEHOLDER = "zzplaceholderzz"
SHELL = b'<script id="_dash-config"'


def _paths(a1: Planted) -> list[str]:
    """Path-like values, raw and percent-encoded, aimed at A1's objects, the instance folder and the system."""
    key = next(iter(a1.objects))
    folder = key.rsplit("/", 1)[0]
    return [
        "..", "../", "..%2f", "%2e%2e%2f", "..%252f", "..\\", "%00", "../../../../etc/passwd",
        "..%2f..%2f..%2fapp%2ffactory.py", key, key.replace("/", "%2F"), f"../../instance/objects/{key}",
        f"{folder}/", "trust-a",
    ]  # fmt: skip


def _string_arguments(rule: Rule) -> list[str]:
    """The route's arguments a person types as text (not numbers, not a fixed choice)."""
    return [
        name
        for name, converter in rule._converters.items()
        if not isinstance(converter, AnyConverter | IntegerConverter)
    ]


def _own_values(world: World) -> dict[str, object]:
    """Trust B's own values for every argument, so only the argument under attack is foreign."""
    return {
        "urn": world.b1.urn, "pupil_id": world.pupils["b1"].id, "slug": "trust-b", "kind": "meeting",
        "return_kind": "unauthorised-10", "token_id": str(uuid.uuid4()), "filename": "turnout.css",
        "path": "schools/200001/week", "package_name": "dash", "fingerprinted_path": "dash_table.js",
    }  # fmt: skip


def _leaked(body: bytes, a1: Planted) -> list[str]:
    """A1's objects (a slice from the middle of each), its canaries, or a system or source file in a body."""
    found = [key for key, data in a1.objects.items() if data[len(data) // 2 :][:64] in body]
    text = body.decode("utf-8", "replace").lower()
    found += [c for c in {**a1.every(), **TRUST_A_NAMES} if c.lower() in text]
    found += [marker for marker in ("root:x:0:0", "def create_app", "turnout_secret") if marker in text]
    return found


def test_guessed_numbers_get_nothing(app: Flask, db: Session, world: World) -> None:
    """Every stored-object route with numbers tried at A1 and at the guesser's own school B1."""
    a1 = plant(app, db, world.a1, "a1", date.today())
    owner = signed_in(app.test_client(), world.users["a_leader"])
    intruder = signed_in(app.test_client(), world.users["b_leader"])
    served = []
    for endpoint, argument in SERVED.items():
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        for guess in GUESSES:
            mine = probe.build(rule, {"urn": world.a1.urn, argument: guess})
            response = owner.get(mine)
            if response.status_code == 200:  # control: the owner is served the very bytes stored
                assert response.data in a1.objects.values(), mine
                if response.data.startswith(b"%PDF"):  # and their words can be searched (the letters
                    assert "zqa1" in probe.text_of(response), mine  # name the pupil, the packs the term)
                served.append(response.data)
            for urn in (world.a1.urn, world.b1.urn):  # A1's numbers, and the same numbers at B1
                url = probe.build(rule, {"urn": urn, argument: guess})
                response = intruder.get(url)
                assert response.status_code == 404, (url, response.status_code)
                assert not _leaked(response.data, a1), (url, _leaked(response.data, a1))
    assert set(served) == set(a1.objects.values())  # every object was reachable, so every 404 means refused


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # test_nul.py has NUL on PostgreSQL
def test_path_like_values_in_every_string_argument_get_nothing(app: Flask, db: Session, world: World) -> None:
    """Each string argument of each route, the others filled with trust B's own values: 404 (or Dash's page
    shell, which any path below /dashboards/ gets, or 400 for a NUL) and nothing of A1 in the answer."""
    a1 = plant(app, db, world.a1, "a1", date.today())
    client = signed_in(app.test_client(), world.users["b_leader"])
    token = csrf_token(client, "/account/password")
    own = _own_values(world)
    wrong = []
    for rule in app.url_map.iter_rules():
        for argument in _string_arguments(rule):
            numbers = dict.fromkeys(rule.arguments, 1)  # any other number: B's first task, plan, entry...
            template = probe.build(rule, {**numbers, **own, argument: PLACEHOLDER})
            for value in _paths(a1):
                url = template.replace(PLACEHOLDER, value)
                for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                    try:
                        response = client.open(  # Werkzeug merges '//' with a redirect: followed for a GET
                            url, method=method, data={"csrf_token": token}, follow_redirects=method == "GET"
                        )
                    except Exception as exc:  # noqa: BLE001 - a server error: listed with the others
                        wrong.append(f"{method} {url}: raised {exc!r}"[:300])
                        continue
                    body = response.get_data()
                    response.close()
                    shell = response.status_code == 200 and SHELL in body  # Dash's page for any path below it
                    nul = response.status_code == 400 and "%00" in value  # no URL or form may carry a NUL
                    merged = response.status_code == 308 and response.location.startswith("http://localhost/")
                    refused = response.status_code == 404 or shell or nul or merged
                    if not refused or _leaked(body, a1):
                        wrong.append(f"{method} {url}: {response.status_code} {_leaked(body, a1)}")
    assert not wrong, f"{len(wrong)} answers to path-like values:\n" + "\n".join(wrong[:60])
