"""The benchmark pages read the stored nightly results: the trust's CSV for its leaders only, a school's page
for its lead, trust leaders and governors (aggregates, no pupils); trust B's people get 404 for trust A."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.benchmarks.sample import two_schools
from tests.benchmarks.test_store import _refresh
from tests.conftest import World
from tests.helpers import signed_in


def _as(app: Flask, world: World, who: str) -> FlaskClient:
    return signed_in(app.test_client(), world.users[who])


def test_trust_csv_is_for_its_leaders_only(app: Flask, db: Session, world: World, tmp_path: Path) -> None:
    leader = _as(app, world, "a_leader")
    two_schools(db, world)
    early = leader.get("/trusts/trust-a/benchmarks.csv?period=term")  # before the first nightly run: now
    assert early.status_code == 200 and early.get_data(as_text=True).startswith("level,urn,name,phase,")
    _refresh(db, world, tmp_path)
    done = leader.get("/trusts/trust-a/benchmarks.csv?period=ytd")
    assert done.status_code == 200
    assert (
        done.headers["Content-Disposition"] == 'attachment; filename="benchmarks-trust-a-ytd-2025-09-20.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(done.get_data(as_text=True))))
    assert [r["level"] for r in rows][:3] == ["school", "school", "trust"]
    assert (rows[2]["enrolments"], rows[2]["possible_sessions"]) == ("43", "860")
    assert float(rows[2]["attendance_rate"]) == pytest.approx(846 / 860 * 100)
    assert rows[1]["tsm_reason"].startswith("Attendance 80.0% is below England's 94.7%")
    bad = leader.get("/trusts/trust-a/benchmarks.csv?period=fortnight")
    assert bad.status_code == 400
    assert "period must be one of ytd, term, half_term" in bad.get_data(as_text=True)
    for who in ("a_governor", "a1_lead", "b_leader", "b1_lead"):
        assert _as(app, world, who).get("/trusts/trust-a/benchmarks.csv").status_code == 404, who
    assert "/trusts/trust-a/benchmarks.csv?period=half_term" in leader.get("/trusts/trust-a").get_data(
        as_text=True
    )


def test_school_page_against_trust_la_and_england(
    app: Flask, db: Session, world: World, tmp_path: Path
) -> None:
    two_schools(db, world)
    _refresh(db, world, tmp_path)
    for who in ("a1_lead", "a_leader", "a_governor"):
        page = _as(app, world, who).get("/schools/100001/benchmark")
        assert page.status_code == 200, who
        html = page.get_data(as_text=True)
        assert (
            "Targeting Support Meeting</span> Attendance 80.0% is below England&#39;s 94.7% for primary"
            in html
        )
        assert "<caption>Year to date: Alder One Primary against the trust, LA and England</caption>" in html
        assert "98.4%" in html and "94.5%" in html  # the trust pooled; Norfolk primary
        assert "Canaryalder" not in html and "Bea" not in html  # no pupil appears
        assert "<svg" in html
        assert "Rank 2 of 2 in the trust" in html, who  # out of the whole trust, even for Alder One's lead
    assert _as(app, world, "a1_staff").get("/schools/100001/benchmark").status_code == 403
    assert "/schools/100001/benchmark" in _as(app, world, "a_governor").get("/schools/100001").get_data(
        as_text=True
    )
    assert _as(app, world, "a1_lead").get("/schools/100002/benchmark").status_code == 404
    for who in ("b_leader", "b1_lead"):
        assert _as(app, world, who).get("/schools/100001/benchmark").status_code == 404, who
    page = _as(app, world, "b_leader").get("/schools/200001/benchmark").get_data(as_text=True)
    assert "have not been computed for this trust yet" in page
