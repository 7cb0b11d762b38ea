"""The trust's workflow compliance page in Dash, through _dash-update-component as a browser calls it: the
heatmap and its table, the pooled trend, and a trust slug or school forged from another trust.
Figures from tests/workflow/compliance_sample.py (the clock held at Tuesday 24 November 2026, 12:30)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.conftest import World
from tests.helpers import SAME_SITE, dash_body, page_body, signed_in
from tests.workflow.compliance_sample import (
    Schools,
    arrange,
    generate,
    stop_the_clock,
    tick_the_summary_early,
)

UPDATE = "/dashboards/_dash-update-component"
PAGE = "/dashboards/trusts/trust-a/workflow"


@pytest.fixture
def schools(db: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> Schools:
    stop_the_clock(monkeypatch)
    return arrange(db, world)


def _client(app: Flask, world: World, who: str) -> FlaskClient:
    return signed_in(app.test_client(), world.users[who])


def _heatmap_body(slug: object, weeks: object = 4) -> dict:
    return dash_body(
        [("wf-heatmap", "children"), ("wf-csv", "href")],
        [("wf-weeks", "value", weeks)],
        [("wf-trust", "data", slug)],
    )


def _trend_body(slug: object, urns: object) -> dict:
    return dash_body(
        [("wf-trend", "children")], [("wf-schools", "value", urns)], [("wf-trust", "data", slug)]
    )


def _text(tree: object) -> str:
    """The words a page shows, from Dash's component JSON."""
    if isinstance(tree, list):
        return " ".join(_text(t) for t in tree)
    if isinstance(tree, dict):
        return _text(tree.get("props", {}).get("children"))
    return "" if tree is None else str(tree)


def _component(tree: object, component_id: str) -> dict:
    """The props of the component with this id."""
    if isinstance(tree, list):
        found = [c for c in (_component(t, component_id) for t in tree) if c]
        return found[0] if found else {}
    if isinstance(tree, dict):
        props = tree.get("props", {})
        return props if props.get("id") == component_id else _component(props.get("children"), component_id)
    return {}


def _figure(tree: object) -> dict:
    """The first plotly figure in a callback's output."""
    if isinstance(tree, list):
        found = [f for f in (_figure(t) for t in tree) if f]
        return found[0] if found else {}
    if isinstance(tree, dict):
        props = tree.get("props", {})
        return props["figure"] if "figure" in props else _figure(props.get("children"))
    return {}


def _heatmap(client: FlaskClient, slug: object = "trust-a", weeks: object = 4) -> dict:
    response = client.post(UPDATE, json=_heatmap_body(slug, weeks), headers=SAME_SITE)
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]


def test_the_page_is_for_the_trust_s_leaders(app: Flask, world: World, schools: Schools) -> None:
    response = _client(app, world, "a_leader").post(UPDATE, json=page_body(PAGE), headers=SAME_SITE)
    assert response.status_code == 200, response.data[:300]
    page = json.loads(response.data)["response"]["_pages_content"]["children"]
    assert "Workflow compliance" in _text(page) and "Alder Trust" in _text(page)
    crumbs = page["props"]["children"][0]["props"]
    assert crumbs["aria-label"] == "Breadcrumb" and [
        (step["props"]["href"], step["props"]["children"])
        for step in crumbs["children"]
        if isinstance(step, dict)
    ] == [("/", "Your schools"), ("/trusts/trust-a", "Alder Trust")]
    assert crumbs["children"][-1] == "Workflow compliance"  # the page itself, not a link
    checklist = _component(page, "wf-schools")
    assert checklist["options"] == [  # a line for either school on request
        {"label": "Alder One Primary", "value": 100001},
        {"label": "Alder Two Academy", "value": 100002},
    ]


@pytest.mark.parametrize("who", ["a1_staff", "a1_lead", "a_governor", "b_leader", "b1_lead"])
def test_nobody_else_opens_the_page(app: Flask, world: World, schools: Schools, who: str) -> None:
    response = _client(app, world, who).post(UPDATE, json=page_body(PAGE), headers=SAME_SITE)
    assert response.status_code == 404 and b"Alder" not in response.data


def test_the_heatmap_shows_each_school_s_rate_by_cadence_as_text(
    app: Flask, world: World, schools: Schools
) -> None:
    """Alder One: daily 1 of 3 (its Tuesday summary is not due yet), weekly 1 of 1. Alder Two: daily 1 of 1,
    weekly 0 of 1 (late). The trust pools its tasks: daily 2 of 4, weekly 1 of 2, all 3 of 6 = 50%."""
    answer = _heatmap(_client(app, world, "a_leader"))
    figure = _figure(answer["wf-heatmap"]["children"])["data"][0]
    assert figure["x"] == ["Daily", "Weekly", "Fortnightly", "Half-termly", "Termly", "All cadences"]
    assert figure["y"] == ["Alder One Primary", "Alder Two Academy", "Trust (pooled)"]
    assert figure["text"] == [
        ["33%", "100%", "–", "–", "–", "50%"],
        ["100%", "0%", "–", "–", "–", "50%"],
        ["50%", "50%", "–", "–", "–", "50%"],
    ]
    assert figure["z"][0][2] is None  # nothing due: no colour, and "–" as text
    assert figure["customdata"][1][1] == "0 on time, 1 late, 0 missed of 1"
    table = _text(answer["wf-heatmap"]["children"])
    assert "Alder One Primary 33.3% (1 of 3) 100.0% (1 of 1) – – – 50.0% (2 of 4)" in table
    assert "Trust (pooled) 50.0% (2 of 4) 50.0% (1 of 2) – – – 50.0% (3 of 6)" in table
    assert answer["wf-csv"]["href"] == "/trusts/trust-a/workflow/compliance.csv?weeks=4"


def test_the_heatmap_changes_once_a_task_is_ticked(
    app: Flask, db: Session, world: World, schools: Schools
) -> None:
    """Ticking Alder One's Tuesday summary early counts it at once: daily 1 of 3 becomes 2 of 4."""
    client = _client(app, world, "a_leader")
    assert _figure(_heatmap(client)["wf-heatmap"]["children"])["data"][0]["text"][0][0] == "33%"
    tick_the_summary_early(db, schools)
    answer = _heatmap(client)
    assert _figure(answer["wf-heatmap"]["children"])["data"][0]["text"][0][0] == "50%"
    assert "Across the trust: 57.1% (4 of 7) on time; 2 late, 1 missed." in _text(
        answer["wf-heatmap"]["children"]
    )


def test_a_longer_window_reaches_further_back(
    app: Flask, db: Session, world: World, schools: Schools
) -> None:
    """Alder Two's four tasks of Monday 19 October were never ticked: 4 weeks (from 28 October) leave them
    out, 8 weeks take them in: Alder Two 1 of 6."""
    generate(db, schools.a2, date(2026, 10, 19))
    client = _client(app, world, "a_leader")
    assert "Alder Two Academy 100.0% (1 of 1) 0.0% (0 of 1) – – – 50.0% (1 of 2)" in _text(
        _heatmap(client)["wf-heatmap"]["children"]
    )
    answer = _heatmap(client, weeks=8)
    assert "Alder Two Academy 33.3% (1 of 3) 0.0% (0 of 3) – – – 16.7% (1 of 6)" in _text(
        answer["wf-heatmap"]["children"]
    )
    assert answer["wf-csv"]["href"].endswith("?weeks=8")
    response = client.post(UPDATE, json=_heatmap_body("trust-a", 5), headers=SAME_SITE)
    assert response.status_code == 400  # a window the page does not offer


def test_the_trend_pools_tasks_never_averages_rates(
    app: Flask, db: Session, world: World, schools: Schools
) -> None:
    """After the early tick: Alder One 3 of 5 (60.0%), Alder Two 1 of 2 (50.0%). Their mean would be 55.0%;
    the trust line is 4 of 7 = 57.1%."""
    client = _client(app, world, "a_leader")
    tick_the_summary_early(db, schools)
    response = client.post(UPDATE, json=_trend_body("trust-a", [100002]), headers=SAME_SITE)
    assert response.status_code == 200, response.data[:300]
    children = response.get_json()["response"]["wf-trend"]["children"]
    lines = _figure(children)["data"]
    assert [(line["name"], line["y"]) for line in lines] == [
        ("Trust (pooled)", [57.1]),
        ("Alder Two Academy", [50.0]),
    ]
    assert "23 November 2026 57.1% (4 of 7) 50.0% (1 of 2)" in _text(children)
    assert "55.0%" not in _text(children)


def test_with_nothing_due_the_page_says_so(app: Flask, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    stop_the_clock(monkeypatch)
    client = _client(app, world, "a_leader")
    heat = _text(_heatmap(client)["wf-heatmap"]["children"])
    assert "No tasks were due at any school from Wednesday 28 October to Tuesday 24 November 2026." in heat
    trend = client.post(UPDATE, json=_trend_body("trust-a", []), headers=SAME_SITE).get_json()["response"]
    assert _text(trend["wf-trend"]["children"]) == "No tasks have been due at any school this academic year."


@pytest.mark.parametrize("who", ["b_leader", "b1_lead", "a1_staff", "a_governor"])
def test_a_forged_trust_slug_returns_no_figures(app: Flask, world: World, schools: Schools, who: str) -> None:
    client = _client(app, world, who)
    for body in (_heatmap_body("trust-a"), _trend_body("trust-a", [])):
        response = client.post(UPDATE, json=body, headers=SAME_SITE)
        assert response.status_code == 404 and b"Alder" not in response.data
    assert app.test_client().post(UPDATE, json=_heatmap_body("trust-a"), headers=SAME_SITE).status_code == 401


def test_another_trust_s_school_gets_no_line(app: Flask, world: World, schools: Schools) -> None:
    client = _client(app, world, "a_leader")
    for urns in ([200001], [100001, 200001], 200001, [999999]):
        response = client.post(UPDATE, json=_trend_body("trust-a", urns), headers=SAME_SITE)
        assert response.status_code == 404 and b"Birch" not in response.data
    response = client.post(UPDATE, json=_trend_body(["trust-a"], []), headers=SAME_SITE)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "urns", [[[100001]], {"urn": 100001}, [{"urn": 100001}], ["100001"], [100001.0], [True], "100001"]
)
def test_a_forged_school_list_is_a_bad_request(
    app: Flask, world: World, schools: Schools, urns: object
) -> None:
    """The checklist only sends whole-number URNs; anything else (a list in a list, a dict) is refused."""
    client = _client(app, world, "a_leader")
    response = client.post(UPDATE, json=_trend_body("trust-a", urns), headers=SAME_SITE)
    assert response.status_code == 400 and b"Alder" not in response.data
