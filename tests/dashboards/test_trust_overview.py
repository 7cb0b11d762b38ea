"""The trust dashboard through _dash-update-component as a browser calls it, on the stored nightly benchmark of
tests/benchmarks/sample.py: two schools of very different sizes, registers for 8-19 September 2025, the job
run for Monday 24 November 2025. Hand-worked figures (see the sample's docstring):
- Alder One Primary: 3 enrolments, 48 of 60 sessions attended (80.0%), PA 2 of 3 (66.7%), SA 1 of 3 (33.3%),
  6 days missed; England's primary rate is 94.72%, so -14.7 pp below and flagged for a Targeting Support
  Meeting; Bea (FSM, SEN support) attended 10 of 20 against 38 of 40 for the others: FSM gap -45.0 pp.
- Alder Two Academy: 40 enrolments, 798 of 800 (99.75%), 1 day missed; +8.2 pp above England's 91.51%.
- The trust pools: 846 of 860 sessions (98.4%), PA 2 of 43 (4.7%), SA 1 of 43 (2.3%), 7 days missed; weekly
  430 of 430 (100.0%) then 416 of 430 (96.7%)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.benchmarks import store
from app.interventions import impact
from app.storage import open_storage
from app.workflow.compliance import trust_schools
from dashboards.trust_impact import trust_impact
from dashboards.trust_rows import movement, signed
from tenants import context
from tenants.access import system_context
from tenants.models import Trust
from tests.benchmarks.sample import two_schools
from tests.conftest import World
from tests.helpers import SAME_SITE, dash_body, page_body, signed_in
from tests.interventions.test_impact import register  # noqa: F401 - the hand-worked casework register, a fixture

UPDATE = "/dashboards/_dash-update-component"
PAGE = "/dashboards/trusts/trust-a"
RUN = datetime(2025, 11, 24, 2, 0, tzinfo=UTC)  # the nightly job, 02:00 on Monday 24 November 2025


@pytest.fixture
def stored(db: Session, world: World, tmp_path: Path) -> None:
    two_schools(db, world)
    with context.use(system_context(db, "job:benchmarks", trust_id=world.trust_a.id)):
        trust = db.get(Trust, world.trust_a.id)
        assert trust is not None
        store.refresh(db, open_storage(f"file://{tmp_path}"), trust, RUN)
    db.commit()


def _client(app: Flask, world: World, who: str = "a_leader") -> FlaskClient:
    return signed_in(app.test_client(), world.users[who])


def _body(
    outputs: list[tuple[str, str]], slug: object, period: object = "ytd", phase: object = "all"
) -> dict:
    return dash_body(outputs, [("tr-period", "value", period), ("tr-phase", "value", phase)],
                     [("tr-trust", "data", slug)])  # fmt: skip


def _schools_body(slug: object = "trust-a", period: object = "ytd", phase: object = "all") -> dict:
    outputs = [
        ("tr-summary", "children"),
        ("tr-grid", "rowData"),
        ("tr-grid", "dashGridOptions"),
        ("tr-csv", "href"),
    ]
    return _body(outputs, slug, period, phase)


def _charts_body(slug: object = "trust-a", period: object = "ytd", phase: object = "all") -> dict:
    return _body(
        [("tr-trend", "children"), ("tr-compare", "children"), ("tr-cohorts", "children")],
        slug,
        period,
        phase,
    )


def _post(client: FlaskClient, body: dict) -> dict:
    response = client.post(UPDATE, json=body, headers=SAME_SITE)
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]


def _text(tree: object) -> str:
    """The words a page shows, from Dash's component JSON."""
    if isinstance(tree, list):
        return " ".join(_text(t) for t in tree)
    if isinstance(tree, dict):
        return _text(tree.get("props", {}).get("children"))
    return "" if tree is None else str(tree)


def _figures(tree: object) -> list[dict]:
    if isinstance(tree, list):
        return [f for t in tree for f in _figures(t)]
    if isinstance(tree, dict):
        props = tree.get("props", {})
        return [props["figure"]] if "figure" in props else _figures(props.get("children"))
    return []


def test_the_page_is_for_the_trust_s_leaders(app: Flask, world: World, stored: None) -> None:
    response = _client(app, world).post(UPDATE, json=page_body(PAGE), headers=SAME_SITE)
    assert response.status_code == 200, response.data[:300]
    page = json.loads(response.data)["response"]["_pages_content"]["children"]
    text = _text(page)
    assert "Alder Trust: trust dashboard" in text
    assert (
        "Figures as of Monday 24 November 2025" in text and "worked out at 02:00 on 24 November 2025" in text
    )
    crumbs = page["props"]["children"][0]["props"]
    assert [s["props"]["href"] for s in crumbs["children"] if isinstance(s, dict)] == ["/", "/trusts/trust-a"]
    assert "Year to date" in json.dumps(page) and "This half-term" in json.dumps(page)


def test_before_the_nightly_job_the_page_says_so(app: Flask, world: World) -> None:
    response = _client(app, world).post(UPDATE, json=page_body(PAGE), headers=SAME_SITE)
    assert response.status_code == 200
    text = _text(json.loads(response.data)["response"]["_pages_content"]["children"])
    assert "the nightly benchmark job has not run for this trust" in text


@pytest.mark.parametrize("who", ["a1_staff", "a1_lead", "a2_lead", "a_governor", "b_leader", "b1_lead"])
def test_nobody_else_opens_the_page(app: Flask, world: World, stored: None, who: str) -> None:
    client = _client(app, world, who)
    response = client.post(UPDATE, json=page_body(PAGE), headers=SAME_SITE)
    assert response.status_code == 404 and b"Alder" not in response.data
    response = client.post(UPDATE, json=_schools_body(), headers=SAME_SITE)
    assert response.status_code == 404 and b"Alder" not in response.data


def test_the_schools_table_holds_the_hand_worked_figures(app: Flask, world: World, stored: None) -> None:
    answer = _post(_client(app, world), _schools_body())
    rows = {r["name"]: r for r in answer["tr-grid"]["rowData"]}
    small, large = rows["Alder One Primary"], rows["Alder Two Academy"]
    assert (small["enrolments"], small["attendance"], small["pa"], small["sa"], small["days_missed"]) == (
        3, 80.0, 66.7, 33.3, 6
    )  # fmt: skip
    assert (large["enrolments"], large["attendance"], large["pa"], large["sa"], large["days_missed"]) == (
        40, 99.8, 0.0, 0.0, 1
    )  # fmt: skip
    assert small["vs_england_text"] == "-14.7 pp below" and large["vs_england_text"] == "+8.2 pp above"
    assert small["tsm"] == "⚑ Targeting Support Meeting" and small["tsm_flagged"]
    assert "below England's 94.7% for primary schools" in small["tsm_reason"]
    assert large["tsm"] == "✓ At or above England" and not large["tsm_flagged"]
    assert (small["rank_text"], large["rank_text"]) == (
        "2 of 2 · bottom quarter",
        "1 of 2 · top quarter",
    )
    assert small["fsm_gap"] == -45.0 and small["fsm_gap_text"] == "-45.0 pp lower"
    assert small["spark"] == [100.0, 60.0] and small["spark_text"] == "8 Sep 100.0% → 15 Sep 60.0%"
    assert small["links"] == {"benchmark": "/schools/100001/benchmark", "week": "/dashboards/schools/100001/week",
                              "attendance": "/schools/100001/attendance"}  # fmt: skip
    assert small["on_time_text"] == "no tasks due" and small["impact_text"] == "no actions yet"
    pinned = answer["tr-grid"]["dashGridOptions"]["pinnedBottomRowData"]
    trust = pinned[0]
    assert trust["level"] == "trust" and trust["name"] == "Alder Trust (pooled)"
    assert (trust["enrolments"], trust["attendance"], trust["pa"], trust["sa"], trust["days_missed"]) == (
        43, 98.4, 4.7, 2.3, 7
    )  # fmt: skip
    assert trust["spark_text"] == "8 Sep 100.0% → 15 Sep 96.7%"
    assert trust["vs_england_text"] == "+5.3 pp above (all schools)"  # 98.37 against England's 93.12
    england = {r["phase"]: r["attendance"] for r in pinned if r["level"] == "national"}
    assert england == {"Primary": 94.7, "Secondary": 91.5, "Total": 93.1}
    assert answer["tr-csv"]["href"] == "/trusts/trust-a/benchmarks.csv?period=ytd"
    assert (
        "Year to date" in answer["tr-summary"]["children"]
        and "98.4% pooled" in answer["tr-summary"]["children"]
    )
    assert "1 below England for their phase" in answer["tr-summary"]["children"]


def test_a_phase_pools_only_its_schools(app: Flask, world: World, stored: None) -> None:
    answer = _post(_client(app, world), _schools_body(phase="secondary"))
    assert [r["name"] for r in answer["tr-grid"]["rowData"]] == ["Alder Two Academy"]
    pooled = answer["tr-grid"]["dashGridOptions"]["pinnedBottomRowData"][0]
    assert (pooled["name"], pooled["enrolments"], pooled["attendance"]) == (
        "Alder Trust: secondary schools",
        40,
        99.8,
    )
    assert {r["phase"] for r in answer["tr-grid"]["dashGridOptions"]["pinnedBottomRowData"][1:]} == {
        "Secondary", "Total"
    }  # fmt: skip


def test_the_charts_carry_the_same_figures_as_their_tables(app: Flask, world: World, stored: None) -> None:
    answer = _post(_client(app, world), _charts_body())
    trend = _figures(answer["tr-trend"]["children"])[0]["data"]
    assert trend[0]["x"] == ["8 Sep", "15 Sep"] and trend[0]["y"] == [100.0, 96.7]
    assert trend[1]["name"] == "England 2025/26 year to date (93.1%)" and trend[1]["y"] == [93.1, 93.1]
    table = _text(answer["tr-trend"]["children"])
    assert "no weekly national series" in table
    assert "8 September 2025 100.0% 430 of 430" in table and "15 September 2025 96.7% 416 of 430" in table
    bars = _figures(answer["tr-compare"]["children"])[0]["data"]
    assert bars[0]["y"] == ["Alder One Primary", "Alder Two Academy"] and bars[0]["x"] == [80.0, 99.8]
    assert bars[2]["x"] == [94.7, 91.5]  # England for each school's phase
    cohorts = _text(answer["tr-cohorts"]["children"])
    # Bea (FSM, SEN support) 10 of 20 against the other 42 pupils' 836 of 840 (99.5%).
    assert "FSM gap: -49.5 pp lower attendance" in cohorts and "SEN support gap: -49.5 pp lower" in cohorts
    assert "EHC plan gap: no pupils in one of the groups" in cohorts
    assert "Free school meals 1 50.0% 50.0% 100.0% 100.0%" in cohorts


def test_the_period_changes_the_figures(app: Flask, world: World, stored: None) -> None:
    """The sample's registers are all in September: this half-term (from November) has none of them."""
    answer = _post(_client(app, world), _schools_body(period="half_term"))
    assert answer["tr-csv"]["href"] == "/trusts/trust-a/benchmarks.csv?period=half_term"
    assert "This half-term" in answer["tr-summary"]["children"]
    assert all(r["attendance"] is None for r in answer["tr-grid"]["rowData"])


@pytest.mark.parametrize(
    ("slug", "period", "phase", "status"),
    [
        ("trust-b", "ytd", "all", 404),  # another trust's slug
        ("no-such-trust", "ytd", "all", 404),
        (["trust-a"], "ytd", "all", 404),
        ("trust-a", "decade", "all", 400),
        ("trust-a", ["ytd"], "all", 400),
        ("trust-a", "ytd", "nursery", 400),
        ("trust-a", "ytd", 7, 400),
    ],
)
def test_forged_requests_are_refused_without_data(
    app: Flask, world: World, stored: None, slug: object, period: object, phase: object, status: int
) -> None:
    client = _client(app, world)
    for body in (_schools_body(slug, period, phase), _charts_body(slug, period, phase)):
        response = client.post(UPDATE, json=body, headers=SAME_SITE)
        assert (
            response.status_code == status and b"Alder" not in response.data and b"Birch" not in response.data
        )


def test_trust_b_s_leader_reads_only_trust_b(app: Flask, world: World, stored: None) -> None:
    """Trust B has no stored figures: its leader sees the message, never trust A's rows."""
    client = _client(app, world, "b_leader")
    response = client.post(UPDATE, json=page_body("/dashboards/trusts/trust-b"), headers=SAME_SITE)
    assert response.status_code == 200 and b"Alder" not in response.data
    answer = _post(client, _schools_body("trust-b"))
    assert answer["tr-grid"]["rowData"] == [] and "has not run" in answer["tr-summary"]["children"]


@pytest.mark.usefixtures("register")
def test_intervention_impact_comes_from_whole_weeks_of_rollups(db: Session, world: World) -> None:
    """tests/interventions/test_impact.py's register, whose actions all start on a Monday, so whole weeks and
    the impact page's exact 28 days agree: Alder One has Ada's call and plan at +4/38 = +10.53 pp each and Cy
    -50 pp (mean -9.65 pp over 3, 2 improved; Ben's call three days ago still running); Alder Two, Dee -25 pp."""
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        trust = db.get(Trust, world.trust_a.id)
        assert trust is not None
        schools = trust_schools(db, trust)
        found = trust_impact(db, schools, date.today())
        exact = {s.school.id: s.overall for s in impact.trust_impact(db, trust, date.today()).schools}
    one, two = found[world.a1.id], found[world.a2.id]
    assert (one.actions, one.improved, one.waiting) == (3, 2, 1)
    assert one.mean_change == pytest.approx((2 * 4 / 38 * 100 - 50) / 3)
    assert one.words() == "-9.6 pp over 3 actions"
    assert (two.actions, two.mean_change, two.words()) == (1, pytest.approx(-25.0), "-25.0 pp over 1 action")
    assert one.mean_change == pytest.approx(exact[world.a1.id].mean_change)
    assert two.mean_change == pytest.approx(exact[world.a2.id].mean_change)


def test_differences_are_signed_and_worded() -> None:
    """A school a hair below England is flagged for a meeting, so its difference must not read "same"."""
    assert [signed(v) for v in (1.25, -14.72, 0.04, -0.04, 0.0, None)] == [
        "+1.2 pp above", "-14.7 pp below", "0.0 pp, just above", "0.0 pp, just below", "0.0 pp same", "–"
    ]  # fmt: skip
    assert [movement(v) for v in (0.26, -0.3, 0.01, None)] == [
        "↑ up 0.3 pp", "↓ down 0.3 pp", "→ no change", "– no earlier week"
    ]  # fmt: skip
