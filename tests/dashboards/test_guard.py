"""design.md rule 5: every Dash route needs a signed-in user, the site's own origin and JSON, and a
callback finds the school again from the user, so a forged body naming another trust's school gets 404."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import World
from tests.helpers import SAME_SITE, show_week_body, signed_in

INTERNAL = ["_dash-layout", "_dash-dependencies", "_reload-hash"]


@pytest.mark.parametrize("path", INTERNAL)
def test_anonymous_dash_requests_get_401(client: FlaskClient, path: str) -> None:
    response = client.get(f"/dashboards/{path}")
    assert response.status_code == 401 and response.is_json


def test_anonymous_pages_redirect_to_sign_in_and_callbacks_get_401(client: FlaskClient, world: World) -> None:
    page = client.get(f"/dashboards/schools/{world.a1.urn}/week")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    forged = client.post(
        "/dashboards/_dash-update-component", json=show_week_body(world.a1.urn), headers=SAME_SITE
    )
    assert forged.status_code == 401 and b"Canary" not in forged.data


def test_a_forged_callback_for_another_trusts_school_is_not_found(app: Flask, world: World) -> None:
    client = signed_in(app.test_client(), world.users["b1_lead"])
    response = client.post(
        "/dashboards/_dash-update-component", json=show_week_body(world.a1.urn), headers=SAME_SITE
    )
    assert response.status_code == 404
    assert b"Canaryalder" not in response.data and b"Alder" not in response.data


def test_the_same_callback_works_for_the_schools_own_lead(app: Flask, world: World) -> None:
    client = signed_in(app.test_client(), world.users["a1_lead"])
    response = client.post(
        "/dashboards/_dash-update-component", json=show_week_body(world.a1.urn), headers=SAME_SITE
    )
    assert response.status_code == 200
    rows = response.get_json()["response"]["flags-grid"]["rowData"]
    assert [r["name"] for r in rows] == [next(r["name"] for r in rows if "Canaryalder" in r["name"])]
    assert rows[0]["flag"] == "new"  # on roll, no marks yet


def test_governors_get_no_pupil_rows(app: Flask, world: World) -> None:
    client = signed_in(app.test_client(), world.users["a_governor"])
    response = client.post(
        "/dashboards/_dash-update-component", json=show_week_body(world.a1.urn), headers=SAME_SITE
    )
    assert response.status_code == 403 and b"Canary" not in response.data


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "https://evil.example"}, 403),
        ({"Referer": "https://evil.example/page"}, 403),
        ({}, 403),
    ],
)
def test_posts_from_another_site_are_refused(app: Flask, world: World, headers: dict, status: int) -> None:
    client = signed_in(app.test_client(), world.users["a1_lead"])
    response = client.post(
        "/dashboards/_dash-update-component", json=show_week_body(world.a1.urn), headers=headers
    )
    assert response.status_code == status and b"Canary" not in response.data


def test_non_json_bodies_are_refused(app: Flask, world: World) -> None:
    client = signed_in(app.test_client(), world.users["a1_lead"])
    response = client.post(
        "/dashboards/_dash-update-component",
        data="output=x",
        headers={**SAME_SITE, "Content-Type": "text/plain"},
    )
    assert response.status_code == 415


def test_dash_pages_keep_scripts_strict(app: Flask, world: World) -> None:
    client = signed_in(app.test_client(), world.users["a1_lead"])
    page = client.get(f"/dashboards/schools/{world.a1.urn}/week")
    policy = page.headers["Content-Security-Policy"]
    assert page.status_code == 200 and "unsafe-eval" not in policy
    script_src = next(d for d in policy.split("; ") if d.startswith("script-src"))
    assert "unsafe-inline" not in script_src and "'sha256-" in script_src
    assert "cdn" not in page.get_data(as_text=True).lower()


@pytest.mark.parametrize(
    ("urn", "week"), [("100001", "next tuesday"), ("x", "2025-09-15"), ("100001", "2999-01-04")]
)
def test_malformed_callback_values_are_bad_requests(app: Flask, world: World, urn: str, week: str) -> None:
    client = signed_in(app.test_client(), world.users["a1_lead"])
    body = show_week_body(world.a1.urn, week)
    body["state"][0]["value"] = urn
    response = client.post("/dashboards/_dash-update-component", json=body, headers=SAME_SITE)
    assert response.status_code == 400 and b"Canary" not in response.data
