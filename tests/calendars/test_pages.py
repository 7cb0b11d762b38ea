"""The school calendar page: the year's terms and school days, each day marked, entries added and removed
only as a calendar allows, a CSV import refused whole with its lines named, and who may change it."""

from __future__ import annotations

import html
import io
from datetime import UTC, date, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app import clock
from app.calendars.models import CalendarEntry
from app.calendars.overview import years_offered
from app.calendars.spans import Kind, SchoolCalendar, Span, academic_year, year_label
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.calendars.sample import AUTUMN_2026, give_calendar
from tests.conftest import World
from tests.helpers import csrf_token, post_form, signed_in

A1 = "/schools/100001/calendar"
BAD_FILE = b"""kind,name,start,end
term,Autumn term,2026-09-02,2026-12-18
half_term,Autumn 1,2026-09-02,2026-10-23
term,Spring,2026-12-01,2027-03-26
holiday,October half-term,2026-10-26,2026-10-30
inset,Staff training,2026-02-30,
"""


def count(db: Session, school_id: int | None = None) -> int:
    """Calendar rows of one school or all (an explicit system context, so RLS lets them through)."""
    query = select(func.count()).select_from(CalendarEntry)
    if school_id is not None:
        query = query.where(CalendarEntry.school_id == school_id)
    with context.use(system_context(db, "test")):
        return db.scalar(query) or 0


def rows(db: Session, school_id: int) -> list[tuple[str, str, date, date, str]]:
    with context.use(system_context(db, "test")):
        found = db.scalars(
            select(CalendarEntry)
            .where(CalendarEntry.school_id == school_id)
            .order_by(CalendarEntry.starts_on, CalendarEntry.ends_on, CalendarEntry.name)
        )
        return [(e.kind.value, e.name, e.starts_on, e.ends_on, e.origin) for e in found]


def entry_id(db: Session, school_id: int, name: str) -> int:
    with context.use(system_context(db, "test")):
        return db.scalars(
            select(CalendarEntry.id).where(CalendarEntry.school_id == school_id, CalendarEntry.name == name)
        ).one()


def upload(client: FlaskClient, path: str, data: bytes, page: str = A1) -> TestResponse:
    token = csrf_token(client, page)
    body = {"csrf_token": token, "file": (io.BytesIO(data), "calendar.csv")}
    return client.post(path, data=body, content_type="multipart/form-data")


def text(response: TestResponse) -> str:
    """The page as a reader sees it (quotes unescaped)."""
    return html.unescape(response.get_data(as_text=True))


def test_the_year_shows_terms_school_days_and_every_day_marked(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    """AUTUMN_2026: Autumn 1 is Wed 2 Sep to Fri 23 Oct, 3 + 7 x 5 = 38 school days; Autumn 2 is
    7 weeks (35) less the INSET day on 2 Nov and the closure on 26 Nov, 33; the autumn term 71; the
    spring term 4 Jan to 26 Mar, 12 weeks, 60, with no half-terms; the year 131."""
    give_calendar(db, school)
    signed_in(client, world.users["a1_lead"])
    page = text(client.get(f"{A1}?year=2026"))
    assert "School calendar 2026/27" in page and "131 school days</strong> in 2026/27" in page
    for name, days in [("Autumn term", 71), ("Spring term", 60)]:
        assert f'{name} <span class="visually-hidden">(term)</span></th><td>' in page
        assert f'<td class="num">{days}</td>' in page.split(f"{name} <span")[1].split("</tr>")[0]
    for name, days in [("Autumn 1", 38), ("Autumn 2", 33)]:
        assert f'<td class="num">{days}</td>' in page.split(f"{name} <span")[1].split("</tr>")[0]
    for why, day, letter in [
        ("INSET day: Staff training", 2, "I"),
        ("Planned closure: Polling station", 26, "C"),
        ("School day", 24, "S"),
        ("Weekend", 28, "W"),
    ]:
        november = page.split("<caption>November 2026</caption>")[1].split("</table>")[0]
        cell = f'title="{why}">{day}<br><span aria-hidden="true">{letter}</span><span class="visually-hidden">{why}</span>'
        assert cell in november
    assert 'title="October half-term">28<br><span aria-hidden="true">H</span>' in page
    assert "<caption>September 2026</caption>" in page and "<caption>March 2027</caption>" in page
    assert "August 2026</caption>" not in page and "April 2027</caption>" not in page
    assert "Set by the school" in page and "Test, Data manager" in page
    assert "Yes, remove 'Polling station' (Thu 26 Nov 2026)" in page


def test_a_year_without_a_calendar_says_what_waits_for_one(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_lead"])
    this_year = year_label(academic_year(clock.uk_today()))
    assert f"School calendar {this_year}" in text(client.get(A1))
    page = text(client.get(f"{A1}?year=2030"))
    assert "No calendar for 2030/31" in page
    assert "no workflow tasks are generated for the school" in page
    assert "the missing-marks check cannot list the school days on which no register was taken" in page


@pytest.mark.parametrize(
    "asked",
    ["abc", "2026.0", "", "１９９９", "1999", "2100", "2150", "99999", "9" * 5000],
    ids=["letters", "decimal", "empty", "full-width digits", "1999", "2100", "2150", "99999", "5000 digits"],
)
def test_a_year_that_is_not_one_turnout_keeps_is_a_bad_request_saying_why(
    client: FlaskClient, world: World, asked: str
) -> None:
    signed_in(client, world.users["a1_lead"])
    for path in (A1, f"{A1}.csv"):
        response = client.get(f"{path}?year={asked}")
        assert response.status_code == 400, path
        assert "The year must be a number from 2000 to 2099 (2026 for 2026/27)." in text(response)
    assert client.get(f"{A1}?year=2099").status_code == 200


def test_today_is_the_uk_date_not_the_servers(
    client: FlaskClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """23:30 UTC on Wednesday 31 July 2030 is 00:30 on Thursday 1 August in the UK (BST): the year 2030/31
    has begun there, while a server on UTC still says 2029/30."""
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2030, 7, 31, 23, 30, tzinfo=UTC))
    signed_in(client, world.users["a1_lead"])
    page = text(client.get(A1))
    assert "School calendar 2030/31" in page
    assert '<option value="2031">2031/32</option>' in page and '<option value="2029">' not in page
    download = client.get(f"{A1}.csv")
    assert download.headers["Content-Disposition"] == 'attachment; filename="calendar-100001-2030-31.csv"'


def test_the_year_list_offers_only_years_a_page_can_show() -> None:
    """A 2150 term stored before dates were bounded is left out rather than offered and refused."""
    cal = SchoolCalendar([Span(Kind.TERM, "Far", date(2150, 9, 1), date(2150, 12, 18))])
    assert years_offered(cal, date(2026, 11, 24), 2026) == [2026, 2027]


@pytest.mark.parametrize("user", ["a1_staff", "a_governor"])
def test_staff_and_governors_read_the_calendar_but_cannot_change_it(
    client: FlaskClient, db: Session, world: World, school: School, user: str
) -> None:
    give_calendar(db, school)
    signed_in(client, world.users[user])
    page = text(client.get(f"{A1}?year=2026"))
    assert "131 school days" in page and "Add an entry" not in page and "Yes, remove" not in page
    assert "Only the school's attendance lead and trust leaders can change the calendar." in page
    assert client.get(f"{A1}.csv?year=2026").status_code == 200
    assert "Calendar</a>" in text(client.get("/schools/100001"))
    closure = entry_id(db, school.id, "Polling station")
    token = csrf_token(client, A1)
    for path, data in [
        (f"{A1}/entries", {"kind": "inset", "start": "2026-11-03"}),
        (f"{A1}/entries/{closure}/remove", {}),
        (f"{A1}/import", {"file": (io.BytesIO(AUTUMN_2026), "c.csv")}),
    ]:
        assert client.post(path, data={"csrf_token": token, **data}).status_code == 403
    assert count(db) == 8


def test_a_lead_adds_entries_only_where_the_calendar_allows(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    give_calendar(db, school)
    signed_in(client, world.users["a1_lead"])
    added = post_form(
        client, f"{A1}/entries", {"kind": "inset", "name": "", "start": "2026-11-03"}, form_page=A1
    )
    assert added.status_code == 302 and added.location.endswith("?year=2026#h-entries")
    assert ("inset", "INSET day", date(2026, 11, 3), date(2026, 11, 3), "school") in rows(db, school.id)
    refusals = [
        ({"kind": "term", "name": "Summer term", "start": "2027-04-12"}, "Last day: Give the last day"),
        (
            {"kind": "half_term", "name": "Summer 1", "start": "2027-04-12", "end": "2027-05-28"},
            "half-term 'Summer 1' (Mon 12 Apr 2027 to Fri 28 May 2027) is not inside any term",
        ),
        (
            {"kind": "term", "name": "Winter", "start": "2026-12-14", "end": "2027-01-08"},
            "term 'Winter' (Mon 14 Dec 2026 to Fri 8 Jan 2027) overlaps term 'Autumn term'",
        ),
        ({"kind": "holiday", "name": "Break", "start": "2026-10-26", "end": "2026-10-02"}, "ends (2 October 2026) before it starts"),
    ]  # fmt: skip
    for data, message in refusals:
        response = post_form(client, f"{A1}/entries", data, form_page=A1)
        assert response.status_code == 400 and message in text(response), data
        assert "The entry was not added." in text(response)
    assert count(db) == 9


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "inset", "name": "", "start": "0001-01-05"}, "First day: Give a date from 2000 to 2099."),
        (
            {"kind": "holiday", "name": "Long", "start": "2026-10-26", "end": "2150-10-30"},
            "Last day: Give a date from 2000 to 2099.",
        ),
        (
            {"kind": "closure", "name": "Polling\x07station", "start": "2026-11-25"},
            "Name: The name holds a control character (U+0007): type it as plain text.",
        ),
    ],
    ids=["year 1", "year 2150", "BEL in the name"],
)
def test_an_entry_out_of_the_years_or_with_a_control_character_is_refused_not_an_error(
    client: FlaskClient, db: Session, world: World, school: School, data: dict[str, str], message: str
) -> None:
    give_calendar(db, school)
    signed_in(client, world.users["a1_lead"])
    response = post_form(client, f"{A1}/entries", data, form_page=A1)
    assert response.status_code == 400 and "The entry was not added." in text(response)
    assert message in text(response)
    assert 'min="2000-01-01"' in text(response) and 'max="2099-12-31"' in text(response)  # the date picker's
    assert count(db) == 8


def test_a_term_holding_half_terms_cannot_be_removed_but_a_closure_can(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    give_calendar(db, school)
    signed_in(client, world.users["a1_lead"])
    autumn = entry_id(db, school.id, "Autumn term")
    refused = post_form(client, f"{A1}/entries/{autumn}/remove", {}, form_page=A1)
    assert refused.status_code == 400
    assert "'Autumn term' cannot be removed: half-term 'Autumn 1'" in text(refused)
    assert count(db) == 8
    closure = entry_id(db, school.id, "Polling station")
    removed = post_form(client, f"{A1}/entries/{closure}/remove", {}, form_page=A1)
    assert removed.status_code == 302
    assert "Polling station" not in [name for _k, name, *_ in rows(db, school.id)]
    assert "Removed Planned closure 'Polling station'" in text(client.get(removed.location))
    assert post_form(client, f"{A1}/entries/{closure}/remove", {}, form_page=A1).status_code == 404


def test_a_file_with_overlapping_terms_or_an_unknown_date_is_refused_with_the_lines_named(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    signed_in(client, world.users["a1_lead"])
    response = upload(client, f"{A1}/import", BAD_FILE)
    page = text(response)
    assert response.status_code == 400
    assert "The file was not imported; nothing was written. 2 problems:" in page
    assert "line 4: term 'Spring' (Tue 1 Dec 2026 to Fri 26 Mar 2027) overlaps term 'Autumn term' " in page
    assert "(Wed 2 Sep 2026 to Fri 18 Dec 2026) on line 2" in page
    assert "line 6, column start: unknown date '2026-02-30'" in page
    assert count(db) == 0
    give_calendar(db, school)
    assert upload(client, f"{A1}/import", BAD_FILE).status_code == 400
    assert count(db) == 8
    far = b"kind,name,start,end\nterm,Autumn term,0001-09-02,0001-12-18\nclosure,Polling\x00station,2150-11-26,\n"
    response = upload(client, f"{A1}/import", far)
    assert response.status_code == 400
    for problem in (
        "line 2, column start: 0001-09-02 is outside the years Turnout keeps (2000 to 2099)",
        "line 2, column end: 0001-12-18 is outside the years Turnout keeps (2000 to 2099)",
        "line 3, column name: the name holds a control character (U+0000): names are plain text",
        "line 3, column start: 2150-11-26 is outside the years Turnout keeps (2000 to 2099)",
    ):
        assert problem in text(response)
    huge = b"kind,name,start,end\nclosure," + b"x" * 131073 + b",2026-11-26,\n"
    response = upload(client, f"{A1}/import", huge)
    assert response.status_code == 400
    assert "line 2: the CSV cannot be read: field larger than field limit (131072)" in text(response)
    assert count(db) == 8


def test_an_import_replaces_only_the_years_in_the_file(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    give_calendar(db, school)
    signed_in(client, world.users["a1_lead"])
    next_year = b"kind,name,start,end\nterm,Autumn term,2027-09-01,2027-12-17\n"
    assert upload(client, f"{A1}/import", next_year).status_code == 302
    shorter = b"kind,name,start,end\nterm,Autumn term,2026-09-03,2026-12-17\ninset,,2026-09-03,\n"
    done = upload(client, f"{A1}/import", shorter)
    assert done.status_code == 302 and done.location.endswith("?year=2026")
    assert "Imported 2 entries for 2026/27, replacing the 8 there were." in text(client.get(done.location))
    assert rows(db, school.id) == [
        ("inset", "INSET day", date(2026, 9, 3), date(2026, 9, 3), "school"),
        ("term", "Autumn term", date(2026, 9, 3), date(2026, 12, 17), "school"),
        ("term", "Autumn term", date(2027, 9, 1), date(2027, 12, 17), "school"),
    ]


def test_the_downloaded_csv_imports_into_another_school_unchanged(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    give_calendar(db, school)
    signed_in(client, world.users["a_leader"])
    download = client.get(f"{A1}.csv?year=2026")
    assert download.headers["Content-Disposition"] == 'attachment; filename="calendar-100001-2026-27.csv"'
    assert download.get_data(as_text=True).startswith(
        "kind,name,start,end\r\nterm,Autumn term,2026-09-02,2026-12-18"
    )
    assert (
        upload(
            client, "/schools/100002/calendar/import", download.data, "/schools/100002/calendar"
        ).status_code
        == 302
    )
    assert [r[:4] for r in rows(db, world.a2.id)] == [r[:4] for r in rows(db, school.id)]
    assert len(rows(db, world.a2.id)) == 8


def test_the_example_file_is_offered_and_imports(client: FlaskClient, db: Session, world: World) -> None:
    signed_in(client, world.users["a1_lead"])
    assert 'href="/calendars/example.csv"' in text(client.get(A1))
    example = client.get("/calendars/example.csv")
    assert example.status_code == 200 and example.mimetype == "text/csv"
    assert upload(client, f"{A1}/import", example.data).status_code == 302
    assert count(db) == 19


@pytest.mark.parametrize("intruder", ["b_leader", "b1_lead", "a2_lead"])
def test_another_trust_or_school_finds_no_calendar(
    client: FlaskClient, db: Session, world: World, school: School, intruder: str
) -> None:
    give_calendar(db, school)
    closure = entry_id(db, school.id, "Polling station")
    signed_in(client, world.users[intruder])
    token = csrf_token(client, "/account/password")
    for path in (A1, f"{A1}.csv?year=2026"):
        response = client.get(path)
        assert response.status_code == 404 and "Polling station" not in text(response)
    for path in (f"{A1}/entries", f"{A1}/entries/{closure}/remove", f"{A1}/import"):
        assert (
            client.post(path, data={"csrf_token": token, "kind": "inset", "start": "2026-11-03"}).status_code
            == 404
        )
    assert client.get("/trusts/trust-a/calendar").status_code == 404
    assert count(db) == 8
