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


FILTER_IDS = ("f-year", "f-form", "f-flag", "f-trend", "f-step", "f-sen", "f-fsm", "f-eal", "f-lac", "f-band")
SINGLE = {"f-fsm", "f-eal", "f-lac"}  # Yes / No / any; the others take a list


def dash_body(
    outputs: list[tuple[str, str]],
    inputs: list[tuple[object, str, object]],
    state: list[tuple[object, str, object]] = (),
) -> dict:  # type: ignore[assignment]
    """The JSON a browser posts to _dash-update-component for one callback."""

    def names(pairs: list) -> list[dict]:
        return [{"id": i, "property": p, "value": v} for i, p, v in pairs]

    parts = [f"{i}.{p}" for i, p in outputs]
    several = len(outputs) > 1  # Dash writes several outputs as "..a.x...b.y.."
    return {
        "output": f"..{'...'.join(parts)}.." if several else parts[0],
        "outputs": [{"id": i, "property": p} for i, p in outputs] if several
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": names(inputs), "state": names(state),
        "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"],
    }  # fmt: skip


def show_week_body(urn: object, week: str = "2025-09-15", **filters: object) -> dict:
    """The weekly view's main callback, as the browser posts it (filters by control id, f_flag=["red"])."""
    chosen = {k.replace("_", "-"): v for k, v in filters.items()}
    return dash_body(
        [("flags-tiles", "children"), ("flags-banding", "children"), ("flags-grid", "rowData"),
         ("flags-count", "children")],
        [("flags-week", "value", week),
         *((cid, "value", chosen.get(cid, None if cid in SINGLE else [])) for cid in FILTER_IDS)],
        [("flags-school", "data", urn)],
    )  # fmt: skip


def callback_output(client: FlaskClient, input_id: str) -> str:
    """A callback's output key as the browser learns it from _dash-dependencies (duplicate outputs carry
    a hash Dash makes up)."""
    for dependency in client.get("/dashboards/_dash-dependencies").get_json():
        if any(input_id in str(i["id"]) for i in dependency["inputs"]):
            return dependency["output"]
    raise AssertionError(f"no callback takes {input_id}")


def page_body(path: str, search: str = "") -> dict:
    """Dash Pages' router callback, which builds a page's layout for a path."""
    return dash_body(
        [("_pages_content", "children"), ("_pages_store", "data")],
        [("_pages_location", "pathname", path), ("_pages_location", "search", search)],
    )
