"""The returns page and its CSVs: the four lists with counts and days, for school leads, staff and trust
leaders; governors 403 (the lists name pupils); another trust or school 404."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.returns.exports import export_returns
from app.storage import get_storage
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.helpers import signed_in
from tests.returns.register import add_admissions, add_register

PAGE = "/schools/100001/returns"
ON = "?as_of=2026-10-30"


def _store_lists(app: Flask, db: Session, world: World, day: int = 30) -> None:
    """What the daily job stores for trust A on a day of October 2026 (18:00 UTC is 18:00 in the UK)."""
    trust = db.get(Trust, world.trust_a.id, execution_options=UNSCOPED)
    assert trust is not None
    with app.app_context(), context.use(system_context(db, "job:la-returns", trust_id=trust.id)):
        export_returns(db, get_storage(), trust, datetime(2026, 10, day, 18, 0, tzinfo=UTC))
        db.commit()


def test_the_page_lists_each_return_with_counts_days_and_deadlines(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    add_register(db, world, school)
    add_admissions(db, world, school)
    signed_in(client, world.users["a1_lead"])
    body = client.get(PAGE + ON).get_data(as_text=True)
    assert "up to\n  Friday 30 October 2026" in body
    for title, count in [
        ("Attendance return: 10 school days of unauthorised absence", 3),  # Tenday, Ongoing, Yearone
        ("Sickness return: 15 school days of illness", 1),  # Sickly
        ("New pupil return", 2),  # Newcomer, Latejoin
        ("Deletion return", 2),  # Mover, Soon
    ]:
        assert '<h2><a href="#' in body and f'{title}</a></h2><p class="figure">{count}</p>' in body
    assert (
        '<tr><th scope="row">Sam Tenday</th>' in body
        and '<td>Wed 7 Oct 2026</td><td>Tue 20 Oct 2026</td><td class="num">10</td><td>No: the run has ended</td>'
        in body
    )
    assert '<td class="num">15</td><td class="num">30</td>' in body  # Sickly: days, then sessions
    assert "Deadline passed" in body and "has no mark" in body
    assert "1 leaver who completed the school's final year is not listed" in body
    assert "Almost" not in body and "Nineday" not in body


def test_a_list_downloads_as_csv_for_the_day_shown(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    add_register(db, world, school)
    signed_in(client, world.users["a1_staff"])
    response = client.get(f"{PAGE}/unauthorised-10.csv{ON}")
    assert response.status_code == 200
    assert (
        response.headers["Content-Disposition"]
        == 'attachment; filename="100001-unauthorised-10-2026-10-30.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["Legal name"] for r in rows] == ["Sam Ongoing", "Sam Tenday", "Sam Yearone"]
    tenday = rows[1]
    assert (tenday["First day"], tenday["Last day"], tenday["School days"], tenday["Still absent"]) == (
        "2026-10-07",
        "2026-10-20",
        "10",
        "no",
    )
    assert tenday["Home address"] == "2 Mill Lane, Norwich"
    assert client.get(f"{PAGE}/meeting.csv{ON}").status_code == 404


@pytest.mark.parametrize("as_of", ["2026-13-01", "30/10/2026", "2099-01-01"])
def test_a_bad_or_future_date_is_refused_with_a_message(
    client: FlaskClient, world: World, as_of: str
) -> None:
    signed_in(client, world.users["a1_lead"])
    response = client.get(f"{PAGE}?as_of={as_of}")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "<strong>Problem:</strong>" in body
    assert client.get(f"{PAGE}/sickness-15.csv?as_of={as_of}").status_code == 400


def test_stored_lists_are_listed_and_download_as_stored(
    app: Flask, client: FlaskClient, db: Session, world: World, school: School
) -> None:
    add_register(db, world, school)
    _store_lists(app, db, world)
    signed_in(client, world.users["a_leader"])
    body = client.get(PAGE + ON).get_data(as_text=True)
    assert body.count("/schools/100001/returns/exports/") == 4
    stored = client.get("/schools/100001/returns/exports/1.csv")  # the first list stored: unauthorised-10
    assert stored.status_code == 200
    assert stored.get_data(as_text=True) == client.get(f"{PAGE}/unauthorised-10.csv{ON}").get_data(
        as_text=True
    )
    assert client.get("/schools/100001/returns/exports/99.csv").status_code == 404


def test_stored_days_are_plotted_with_each_list_told_apart_without_colour(
    app: Flask, client: FlaskClient, db: Session, world: World, school: School
) -> None:
    add_register(db, world, school)
    _store_lists(app, db, world, 29)  # Ongoing has 9 days on Thursday 29th: Tenday and Yearone listed
    _store_lists(app, db, world, 30)
    signed_in(client, world.users["a1_lead"])
    body = client.get(PAGE + ON).get_data(as_text=True)
    assert 'aria-label="Pupils on each list, by day stored"' in body
    assert body.count('<polyline class="series"') == 4
    assert "Attendance return: 10 school days of unauthorised absence (solid line): 3 on 30 Oct" in body
    assert "Sickness return: 15 school days of illness (dashed line): 1 on 30 Oct" in body
    assert (
        "<title>Attendance return: 10 school days of unauthorised absence, 2026-10-29: 2 pupils</title>"
        in body
    )


@pytest.mark.parametrize(
    ("user", "status"), [("a_governor", 403), ("b_leader", 404), ("b1_lead", 404), ("a2_lead", 404)]
)
def test_governors_are_refused_and_other_trusts_and_schools_find_nothing(
    app: Flask, client: FlaskClient, db: Session, world: World, school: School, user: str, status: int
) -> None:
    add_register(db, world, school)
    _store_lists(app, db, world)
    signed_in(client, world.users[user])
    for path in (PAGE + ON, f"{PAGE}/unauthorised-10.csv{ON}", "/schools/100001/returns/exports/1.csv"):
        response = client.get(path)
        assert response.status_code == status, path
        assert "Tenday" not in response.get_data(as_text=True)


def test_school_page_links_to_returns_for_pupil_readers_only(app: Flask, world: World) -> None:
    for user, linked in (("a1_staff", True), ("a_governor", False)):
        page = signed_in(app.test_client(), world.users[user]).get("/schools/100001").get_data(as_text=True)
        assert ('href="/schools/100001/returns"' in page) is linked
