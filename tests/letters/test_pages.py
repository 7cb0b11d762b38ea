"""Letters pages: wording refused with its field named, letters made and opened, batches on S3, and every
route closed to other trusts (404), governors (403) and other schools' letters."""

from __future__ import annotations

import io
import re

import boto3
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.letters.models import Letter, SchoolLetterTemplate, TrustLetterTemplate
from tenants import context
from tenants.access import system_context
from tests.conftest import World
from tests.helpers import csrf_token, post_form, signed_in
from tests.letters.register import LETTER_DATE, SPRING_END, add_register, add_spring_register
from tests.storage_fixtures import new_bucket

A1 = "/schools/100001/letters"


def _count(db: Session, model: type) -> int:
    """Rows of a table in every school and trust (an explicit system context, so RLS lets them through)."""
    with context.use(system_context(db, "test")):
        return db.scalar(select(func.count()).select_from(model)) or 0


def _newest_trust_version(db: Session) -> int | None:
    with context.use(system_context(db, "test")):
        return db.scalar(select(func.max(TrustLetterTemplate.version)))


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)


def _make_letter(client: FlaskClient, urn: int, pupil_id: int, kind: str = "meeting") -> int:
    """Make one letter on the pupil's page (by default an invitation, which any pupil on roll can get)."""
    path = f"/schools/{urn}/pupils/{pupil_id}/letters"
    meeting = {"meeting_date": LETTER_DATE.isoformat(), "meeting_time": "09:30"} if kind == "meeting" else {}
    response = post_form(client, path, {"kind": kind, "letter_date": LETTER_DATE.isoformat(), **meeting})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(path).get_data(as_text=True)
    return int(re.findall(rf"/schools/{urn}/letters/(\d+)\.pdf", page)[0])


def test_an_unknown_merge_field_is_refused_naming_it_and_nothing_is_saved(
    client: FlaskClient, db: Session, world: World
) -> None:
    signed_in(client, world.users["a1_lead"])
    path = f"{A1}/templates/traffic_red"
    body = "Dear {{ parent_carer }},\n\n{{ pupil_first_name }} has missed {{ days_mised }}."
    response = post_form(client, path, {"title": "Attendance", "body": body})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="body-error"' in html and 'aria-describedby="body-error"' in html
    assert "Unknown merge field {{ days_mised }} on line 3: choose from" in html
    assert _count(db, SchoolLetterTemplate) == 0

    ok = post_form(client, path, {"title": "Attendance", "body": body.replace("mised", "missed")})
    assert ok.status_code == 302
    assert "This school&#39;s own</strong>, version 1" in client.get(path).get_data(as_text=True)
    reset = client.post(f"{path}/reset", data={"csrf_token": csrf_token(client, path)})
    assert reset.status_code == 302
    page = client.get(path).get_data(as_text=True)
    assert "In use: Turnout&#39;s wording" in page and "Went back to the trust default" in page


def test_a_trust_leader_sets_the_default_that_schools_use(
    client: FlaskClient, db: Session, world: World
) -> None:
    signed_in(client, world.users["a_leader"])
    path = "/trusts/trust-a/letter-templates/improvement"
    assert (
        post_form(
            client, path, {"title": "Brilliant, {{ pupil_first_name }}", "body": "Up to {{ attendance }}."}
        ).status_code
        == 302
    )
    assert _newest_trust_version(db) == 1
    assert "Brilliant, {{ pupil_first_name }}" in client.get(A1).get_data(as_text=True)
    refused = post_form(client, path, {"title": "", "body": "{{ nope }}"})
    assert refused.status_code == 400 and _count(db, TrustLetterTemplate) == 1
    reset = client.post(f"{path}/reset", data={"csrf_token": csrf_token(client, path)})
    assert reset.status_code == 302 and reset.headers["Location"].endswith(path)
    assert _newest_trust_version(db) == 2
    assert "Went back to the built-in wording" in client.get(path).get_data(as_text=True)


def test_a_pupil_s_letter_is_made_listed_and_opened(
    client: FlaskClient, db: Session, world: World, school
) -> None:  # type: ignore[no-untyped-def]
    okafor = add_register(db, world, school)["Okafor"]
    signed_in(client, world.users["a1_staff"])
    letter_id = _make_letter(client, 100001, okafor.id, "traffic_light")
    response = client.get(f"{A1}/{letter_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith(
        'inline; filename="100001-Traffic-light-letter-red-Sam-Okafor-'
    )
    assert "missed 3 days of school, which is 15 lessons" in _text(response.data)
    no_meeting = post_form(client, f"/schools/100001/pupils/{okafor.id}/letters", {"kind": "meeting"})
    assert no_meeting.status_code == 400 and "Give the meeting&#39;s date." in no_meeting.get_data(
        as_text=True
    )


def test_praise_for_a_pupil_whose_attendance_fell_is_refused_and_nothing_is_stored(
    client: FlaskClient, db: Session, world: World, school
) -> None:  # type: ignore[no-untyped-def]
    spring = add_spring_register(db, world, school)
    signed_in(client, world.users["a1_staff"])
    path = f"/schools/100001/pupils/{spring['Clarke'].id}/letters"
    page = client.get(path).get_data(as_text=True)
    assert "attendance in the last 4 school weeks" in page and "at least 1 percentage point above" in page
    refused = post_form(client, path, {"kind": "improvement", "letter_date": SPRING_END.isoformat()})
    assert refused.status_code == 400
    assert (
        "No letters were made: Sam Clarke has not improved by at least 1 percentage point in the last 4 "
        "school weeks." in refused.get_data(as_text=True)
    )
    assert _count(db, Letter) == 0
    assert post_form(client, f"/schools/100001/pupils/{spring['Ahmed'].id}/letters",
                     {"kind": "improvement", "letter_date": SPRING_END.isoformat()}).status_code == 302  # fmt: skip


def test_the_batch_preview_filters_by_the_flag_at_the_letter_s_date_and_counts_who_is_left_out(
    client: FlaskClient, db: Session, world: World, school
) -> None:  # type: ignore[no-untyped-def]
    add_spring_register(db, world, school)
    signed_in(client, world.users["a1_lead"])
    choice = {"letter_date": "2026-04-03", "year_group": "9", "form_name": "9S", "action": "preview"}
    red = post_form(client, A1, {**choice, "kind": "traffic_light", "flag": "red"}).get_data(as_text=True)
    assert "1 pupil would get" in red and "Sam Baker" in red  # 90.0% on 3 April, the letter's own date
    assert "each pupil's flag at the letter's date" in red
    praise = post_form(client, A1, {**choice, "kind": "certificate_improved", "letter_date": SPRING_END.isoformat(),
                                    "flag": ""}).get_data(as_text=True)  # fmt: skip
    assert "1 pupil would get" in praise
    assert (
        "3 pupils left out: has not improved by at least 5 percentage points in the last 4 school weeks"
        in praise
    )


def test_a_batch_on_s3_keeps_its_keys_under_the_school_s_prefix(
    app: Flask,
    client: FlaskClient,
    db: Session,
    world: World,
    school,
    s3_endpoint: str,  # type: ignore[no-untyped-def]
) -> None:
    bucket = new_bucket(s3_endpoint)
    app.config.update(STORAGE_URL=f"s3://{bucket}/turnout", S3_ENDPOINT_URL=s3_endpoint)
    add_register(db, world, school)
    signed_in(client, world.users["a1_lead"])
    choice = {
        "kind": "traffic_light",
        "letter_date": LETTER_DATE.isoformat(),
        "year_group": "9",
        "form_name": "9K",
        "flag": "",
    }
    preview = post_form(client, A1, {**choice, "action": "preview"})
    assert preview.status_code == 200 and "2 pupils would get" in preview.get_data(as_text=True)
    assert post_form(client, A1, {**choice, "action": "generate"}).status_code == 302
    batch = re.findall(r"/schools/100001/letters/batches/(\d+)\.pdf", client.get(A1).get_data(as_text=True))[
        0
    ]
    words = _text(client.get(f"{A1}/batches/{batch}.pdf").data)
    assert "Sam Brooks" in words and "Sam Okafor" in words
    keys = [
        o["Key"]
        for o in boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket=bucket)["Contents"]
    ]
    assert len(keys) == 3 and all(k.startswith(f"turnout/schools/{school.id}/letters/") for k in keys)
    assert _count(db, Letter) == 2


def _routes(world: World, letter_id: int) -> list[str]:
    pupil = world.pupils["a1"].id
    return [A1, f"{A1}/templates/meeting", f"/schools/100001/pupils/{pupil}/letters", f"{A1}/{letter_id}.pdf",
            f"{A1}/batches/1.pdf"]  # fmt: skip


@pytest.mark.parametrize(
    ("user", "status"), [("b_leader", 404), ("b1_lead", 404), ("a2_lead", 404), ("a_governor", 403)]
)
def test_other_trusts_schools_and_governors_are_kept_out(
    app: Flask, client: FlaskClient, world: World, user: str, status: int
) -> None:
    signed_in(client, world.users["a1_lead"])
    letter_id = _make_letter(client, 100001, world.pupils["a1"].id)
    assert client.get(f"{A1}/{letter_id}.pdf").status_code == 200
    outsider = signed_in(app.test_client(), world.users[user])
    for path in _routes(world, letter_id):
        assert outsider.get(path).status_code == status, path
    token = csrf_token(outsider, "/")  # a valid token of their own, so only access can refuse
    made = {"kind": "improvement", "letter_date": LETTER_DATE.isoformat(), "csrf_token": token}
    for path in (
        A1,
        f"/schools/100001/pupils/{world.pupils['a1'].id}/letters",
        f"{A1}/templates/meeting/reset",
    ):
        assert outsider.post(path, data=made).status_code == status, path
    assert (
        outsider.get("/trusts/trust-a/letter-templates/meeting").status_code == 404
    )  # trust A's leaders only


def test_another_school_s_letter_number_is_not_found(app: Flask, client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a_leader"])
    letter_id = _make_letter(client, 100001, world.pupils["a1"].id)
    assert (
        client.get(f"/schools/100002/letters/{letter_id}.pdf").status_code == 404
    )  # same trust, other school
    assert client.get(f"/schools/100001/letters/{letter_id + 1}.pdf").status_code == 404
    birch = signed_in(app.test_client(), world.users["b1_lead"])
    assert birch.get(f"/schools/200001/letters/{letter_id}.pdf").status_code == 404


def test_staff_make_letters_but_do_not_edit_wording(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_staff"])
    assert client.get(f"{A1}/templates/meeting").status_code == 403
    assert client.get("/trusts/trust-a/letter-templates/meeting").status_code == 404
    assert client.get(A1).status_code == 200


def test_no_letters_route_takes_a_storage_key(app: Flask) -> None:
    """Objects are reached only through a row looked up within the school, never by a key from a user."""
    arguments = {
        arg
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("letters.")
        for arg in rule.arguments
    }
    assert arguments == {"urn", "pupil_id", "letter_id", "batch_id", "kind", "slug"}
