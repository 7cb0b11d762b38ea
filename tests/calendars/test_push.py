"""A trust pushes one calendar to the schools it ticks: all or none, each keeping its own INSET days and
closures, and the page shows whose calendar each school has."""

from __future__ import annotations

import html
import io
from datetime import date

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tenants.models import School
from tests.calendars.sample import give_calendar
from tests.calendars.test_pages import count, rows
from tests.conftest import World
from tests.helpers import csrf_token, signed_in

PAGE = "/trusts/trust-a/calendar"
TRUST_FILE = b"""kind,name,start,end
term,Autumn term,2026-09-03,2026-12-17
holiday,October half-term,2026-10-26,2026-10-30
"""
SHORT_AUTUMN = b"""kind,name,start,end
term,Autumn term,2026-09-03,2026-11-20
"""


def push(client: FlaskClient, data: bytes, schools: list[int]) -> TestResponse:
    body = {
        "csrf_token": csrf_token(client, PAGE),
        "file": (io.BytesIO(data), "trust.csv"),
        "schools": schools,
    }
    return client.post(PAGE, data=body, content_type="multipart/form-data")


def test_a_push_to_two_schools_keeps_a_schools_own_inset_day_and_closure(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    """A1 had its own 8 entries (AUTUMN_2026): the push replaces its terms, half-terms and holidays and
    keeps its INSET day and closure, so it has the trust's 2 entries and its own 2; A2 gets the trust's 2.
    School days: 3 September to 17 December holds 76 weekdays (Thursday and Friday, 14 whole weeks, then
    Monday to Thursday); less the half-term week, 71 at A2; A1 also loses its INSET day and closure, 69."""
    give_calendar(db, school)
    signed_in(client, world.users["a_leader"])
    page = html.unescape(client.get(PAGE).get_data(as_text=True))
    assert page.count('type="checkbox" value=') == 2 and page.count("checked") == 2
    assert "Set by the school" in page and "No calendar" in page
    done = push(client, TRUST_FILE, [world.a1.id, world.a2.id])
    assert done.status_code == 302
    shown = html.unescape(client.get(PAGE).get_data(as_text=True))
    assert "Pushed the calendar for 2026/27 to 2 schools: Alder One Primary, Alder Two Academy." in shown
    trusts = [
        ("term", "Autumn term", date(2026, 9, 3), date(2026, 12, 17), "trust"),
        ("holiday", "October half-term", date(2026, 10, 26), date(2026, 10, 30), "trust"),
    ]
    own = [
        ("inset", "Staff training", date(2026, 11, 2), date(2026, 11, 2), "school"),
        ("closure", "Polling station", date(2026, 11, 26), date(2026, 11, 26), "school"),
    ]
    assert rows(db, world.a1.id) == trusts + own
    assert rows(db, world.a2.id) == trusts
    a1_row = shown.split("Alder One Primary</a></th>")[1].split("</tr>")[0]
    a2_row = shown.split("Alder Two Academy</a></th>")[1].split("</tr>")[0]
    assert (
        " ".join(a1_row.split())
        == '<td class="num">1</td><td class="num">69</td><td>From the trust; 2 entries set by the school</td>'
    )
    assert " ".join(a2_row.split()) == '<td class="num">1</td><td class="num">71</td><td>From the trust</td>'


def test_a_push_goes_only_to_the_ticked_schools(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    give_calendar(db, school)
    signed_in(client, world.users["a_leader"])
    assert push(client, TRUST_FILE, [world.a2.id]).status_code == 302
    assert count(db, world.a1.id) == 8 and count(db, world.a2.id) == 2
    none_ticked = push(client, TRUST_FILE, [])
    assert none_ticked.status_code == 400 and "Tick at least one school." in none_ticked.get_data(
        as_text=True
    )
    another_trust = push(client, TRUST_FILE, [world.b1.id])
    assert another_trust.status_code == 400 and count(db, world.b1.id) == 0


def test_a_push_is_refused_whole_when_one_schools_own_closure_would_fall_outside_the_terms(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    give_calendar(db, school)
    signed_in(client, world.users["a_leader"])
    refused = push(client, SHORT_AUTUMN, [world.a2.id, world.a1.id])
    page = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400
    assert "The calendar was not pushed; no school was changed." in page
    assert "Alder One Primary: Planned closure 'Polling station' (Thu 26 Nov 2026) is not in any term" in page
    assert count(db, world.a1.id) == 8 and count(db, world.a2.id) == 0


def test_a_bad_trust_file_is_refused_by_line(client: FlaskClient, db: Session, world: World) -> None:
    signed_in(client, world.users["a_leader"])
    bad = b"kind,name,start,end\nterm,Autumn term,2026-09-03,2026-12-17\nterm,Spring,2026-12-01,2027-03-26\n"
    refused = push(client, bad, [world.a1.id, world.a2.id])
    assert refused.status_code == 400
    assert "line 3: term 'Spring'" in html.unescape(refused.get_data(as_text=True))
    assert count(db) == 0


def test_only_trust_leaders_reach_the_push_page(app: Flask, client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_lead"])
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, data={"csrf_token": csrf_token(client, "/account/password")}).status_code == 404
    leader = signed_in(app.test_client(), world.users["a_leader"])
    assert f'href="{PAGE}"' in leader.get("/trusts/trust-a").get_data(as_text=True)
