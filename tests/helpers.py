"""Helpers that drive the app the way a browser does: fetch a form, post it with its CSRF token."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Read the CSRF token from a page's form, as a browser submits it."""
    html = client.get(path).get_data(as_text=True)
    match = _TOKEN.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> TestResponse:
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def signed_in(client: FlaskClient, email: str, password: str = PASSWORD) -> FlaskClient:
    response = login(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)[:400]
    return client


def post_form(
    client: FlaskClient, path: str, data: dict[str, object], *, form_page: str | None = None
) -> TestResponse:
    """Post to a path with a token taken from the page that shows the form."""
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "csrf_token": token})


SAME_SITE = {"Origin": "http://localhost"}  # what a browser sends with a Dash request from this site


def show_week_body(urn: object, week: str = "2025-09-15") -> dict:
    """The JSON a browser posts to _dash-update-component for the weekly view's main callback."""
    return {
        "output": "..flags-tiles.children...flags-grid.rowData..",
        "outputs": [
            {"id": "flags-tiles", "property": "children"},
            {"id": "flags-grid", "property": "rowData"},
        ],
        "inputs": [{"id": "flags-week", "property": "value", "value": week}],
        "state": [{"id": "flags-school", "property": "data", "value": urn}],
        "changedPropIds": ["flags-week.value"],
    }
