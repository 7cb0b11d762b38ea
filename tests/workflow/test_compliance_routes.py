"""The school's task compliance page and the two CSV exports, as staff, governors and trust leaders use them;
figures from tests/workflow/compliance_sample.py (the clock held at Tuesday 24 November 2026, 12:30)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app import clock
from tenants.models import School
from tests.calendars.sample import give_calendar
from tests.conftest import World
from tests.helpers import signed_in
from tests.workflow.compliance_sample import (
    arrange,
    generate,
    stop_the_clock,
    tick_the_summary_early,
)

PAGE = "/schools/100001/workflow/compliance"
SCHOOL_CSV = "/schools/100001/workflow/compliance.csv"
TRUST_CSV = "/trusts/trust-a/workflow/compliance.csv"


@pytest.fixture
def ticked(db: Session, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    stop_the_clock(monkeypatch)
    tick_the_summary_early(db, arrange(db, world))


def _client(app: Flask, world: World, who: str) -> FlaskClient:
    return signed_in(app.test_client(), world.users[who])


def _rows(body: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body)))


@pytest.mark.parametrize("who", ["a1_staff", "a1_lead", "a_governor", "a_leader"])
def test_everyone_at_the_school_reads_the_figures(app: Flask, world: World, ticked: None, who: str) -> None:
    """3 on time, 1 late, 1 missed of 5; daily 2 of 4; weekly 1 of 1; staff 1 of 2; the lead 2 of 3."""
    response = _client(app, world, who).get(PAGE)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Wednesday 28 October to Tuesday 24 November 2026" in page
    assert "60.0%" in page and "3 of 5 tasks counted" in page
    assert "50.0% (2 of 4)" in page and "100.0% (1 of 1)" in page  # bars carry their numbers as text
    assert '<th scope="row">Senior attendance lead</th><td class="num">2</td><td class="num">1</td>' in page
    assert "66.7% (2 of 3)" in page
    assert "Nothing due" in page  # fortnightly, half-termly and termly: nothing was due, not 0%
    assert "Canaryalder" not in page  # no pupil on the page, so governors may read it


def test_missed_and_late_tasks_are_listed_in_uk_time(app: Flask, world: World, ticked: None) -> None:
    page = _client(app, world, "a1_staff").get(PAGE).get_data(as_text=True)
    missed = page.split('id="h-missed"')[1].split('id="h-late"')[0]
    late = page.split('id="h-late"')[1].split('id="h-trend"')[0]
    assert "Missed tasks (1)" in missed
    assert (
        "Check every register is complete</th><td>Tuesday 24 November, 09:30</td><td>Attendance staff"
        in missed
    )
    assert "Done late (1)" in late
    assert "End-of-day summary to senior leads</th><td>Monday 23 November, 16:30</td>" in late
    assert "<td>Alex Morgan</td><td>Monday 23 November, 17:15</td><td>45 minutes</td>" in late


def test_governors_see_the_figures_but_not_the_lists_naming_tasks_and_staff(
    app: Flask, world: World, ticked: None
) -> None:
    """Task titles are free text and "ticked by" names a member of staff: the lists are for the school's staff."""
    page = _client(app, world, "a_governor").get(PAGE).get_data(as_text=True)
    assert "60.0%" in page and "3 of 5 tasks counted" in page
    assert "are for the school's staff; governors see the figures above." in page
    for hidden in (
        'id="h-missed"',
        'id="h-late"',
        "Ticked by",
        "Alex Morgan",
        "Check every register",
        "End-of-day",
    ):
        assert hidden not in page, hidden
    lead = _client(app, world, "a1_lead").get(PAGE).get_data(as_text=True)
    assert "Alex Morgan" in lead and "governors see the figures above" not in lead


def test_the_trend_has_a_chart_and_a_table(app: Flask, world: World, ticked: None) -> None:
    page = _client(app, world, "a_governor").get(PAGE).get_data(as_text=True)
    trend = page.split('id="h-trend"')[1]
    assert 'role="img" aria-label="On-time rate each week this academic year"' in trend
    assert "Week beginning 23 November: 60.0% on time (3 of 5)" in trend
    assert '<th scope="row">23 November 2026</th><td class="num">3</td>' in trend


def test_times_are_shown_on_uk_clocks_in_summer_time(
    app: Flask, db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Monday 14 September's register check was due 09:30 BST (08:30 UTC); a week later it is missed."""
    school = arrange(db, world).a1
    generate(db, school, date(2026, 9, 14))
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 9, 21, 8, 0, tzinfo=UTC))
    page = _client(app, world, "a1_lead").get(PAGE).get_data(as_text=True)
    assert "Check every register is complete</th><td>Monday 14 September, 09:30</td>" in page


def test_nothing_due_points_to_the_calendar(
    app: Flask, db: Session, world: World, school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop_the_clock(monkeypatch)
    page = _client(app, world, "a1_staff").get(PAGE).get_data(as_text=True)
    assert "No tasks were due in the last 4 weeks" in page
    assert 'href="/schools/100001/calendar"' in page
    assert "No tasks have been due this academic year yet." in page
    give_calendar(db, school)  # a calendar alone makes nothing: the daily job does
    assert "No tasks were due" in _client(app, world, "a1_staff").get(PAGE).get_data(as_text=True)


def test_the_school_export_has_a_row_per_cadence_and_role(app: Flask, world: World, ticked: None) -> None:
    response = _client(app, world, "a_governor").get(SCHOOL_CSV)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "task-compliance-100001-2026-10-28-to-2026-11-24.csv" in response.headers["Content-Disposition"]
    assert _rows(response.get_data(as_text=True)) == [
        ["Grouped by", "Cadence or role", "On time", "Late", "Missed", "Counted", "On-time rate (%)"],
        ["Cadence", "Daily", "2", "1", "1", "4", "50.0"],
        ["Cadence", "Weekly", "1", "0", "0", "1", "100.0"],
        ["Cadence", "Fortnightly", "0", "0", "0", "0", ""],
        ["Cadence", "Half-termly", "0", "0", "0", "0", ""],
        ["Cadence", "Termly", "0", "0", "0", "0", ""],
        ["Role", "Attendance staff", "1", "0", "1", "2", "50.0"],
        ["Role", "Senior attendance lead", "2", "1", "0", "3", "66.7"],
        ["All tasks", "All tasks", "3", "1", "1", "5", "60.0"],
    ]


def test_the_trust_export_gives_the_heatmap_figures(app: Flask, world: World, ticked: None) -> None:
    """Alder One 3 of 5, Alder Two 1 of 2 (register check on time, banding review late): pooled 4 of 7."""
    response = _client(app, world, "a_leader").get(TRUST_CSV + "?weeks=8")
    assert response.status_code == 200
    assert "task-compliance-trust-a-2026-09-30-to-2026-11-24.csv" in response.headers["Content-Disposition"]
    rows = _rows(response.get_data(as_text=True))
    assert rows[0] == ["School", "URN", "Cadence", "On time", "Late", "Missed", "Counted", "On-time rate (%)"]
    kept = [r for r in rows[1:] if r[-1] != ""]  # cadences with something due
    assert kept == [
        ["Alder One Primary", "100001", "Daily", "2", "1", "1", "4", "50.0"],
        ["Alder One Primary", "100001", "Weekly", "1", "0", "0", "1", "100.0"],
        ["Alder One Primary", "100001", "All cadences", "3", "1", "1", "5", "60.0"],
        ["Alder Two Academy", "100002", "Daily", "1", "0", "0", "1", "100.0"],
        ["Alder Two Academy", "100002", "Weekly", "0", "1", "0", "1", "0.0"],
        ["Alder Two Academy", "100002", "All cadences", "1", "1", "0", "2", "50.0"],
        ["Trust (pooled)", "", "Daily", "3", "1", "1", "5", "60.0"],
        ["Trust (pooled)", "", "Weekly", "1", "1", "0", "2", "50.0"],
        ["Trust (pooled)", "", "All cadences", "4", "2", "1", "7", "57.1"],
    ]
    assert len(rows) == 1 + 3 * 6  # two schools and the trust, each by five cadences and in all
    assert ["Alder Two Academy", "100002", "Termly", "0", "0", "0", "0", ""] in rows


@pytest.mark.parametrize("weeks", ["5", "x", "", "-4", "²", "4²", "0004", " 4", "4" * 5000])
def test_the_trust_export_offers_only_its_windows(app: Flask, world: World, weeks: str) -> None:
    assert _client(app, world, "a_leader").get(f"{TRUST_CSV}?weeks={weeks}").status_code == 400


@pytest.mark.parametrize("who", ["a1_staff", "a1_lead", "a_governor"])
def test_only_trust_leaders_export_the_trust(app: Flask, world: World, who: str) -> None:
    response = _client(app, world, who).get(TRUST_CSV)
    assert response.status_code == 404 and b"Alder" not in response.data


@pytest.mark.parametrize("who", ["b_leader", "b1_lead", "b1_staff"])
def test_another_trust_finds_nothing(app: Flask, world: World, ticked: None, who: str) -> None:
    client = _client(app, world, who)
    for path in (PAGE, SCHOOL_CSV, TRUST_CSV, TRUST_CSV + "?weeks=12"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert b"Alder" not in response.data and b"Check every register" not in response.data


def test_the_school_page_links_here_for_every_role(app: Flask, world: World) -> None:
    for who in ("a1_staff", "a_governor"):
        page = _client(app, world, who).get("/schools/100001").get_data(as_text=True)
        assert f'href="{PAGE}">Task compliance</a>' in page
    trust = _client(app, world, "a_leader").get("/trusts/trust-a").get_data(as_text=True)
    assert 'href="/dashboards/trusts/trust-a/workflow">Workflow compliance</a>' in trust
