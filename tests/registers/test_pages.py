"""Admission register pages as staff use them: add, search, edit with history, record a leaver."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.conftest import World
from tests.factories import valid_upn
from tests.helpers import post_form, signed_in

NEW_PUPIL = {
    "legal_surname": "Hussain",
    "legal_forename": "Maryam",
    "preferred_forename": "Mary",
    "date_of_birth": "2016-04-09",
    "sex": "F",
    "year_group": "4",
    "form": "4H",
    "sen": "K",
    "fsm": "Y",
    "admission_date": "2022-09-05",
}


def _add(client: FlaskClient, urn: int, **changes: str):  # type: ignore[no-untyped-def]
    path = f"/schools/{urn}/pupils/new"
    return post_form(client, path, {**NEW_PUPIL, "upn": valid_upn(), **changes})


def test_staff_add_a_pupil_and_find_them(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_staff"])
    response = _add(client, world.a1.urn)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Mary Hussain" in page and "SEN support" in page
    found = client.get(f"/schools/{world.a1.urn}/pupils?q=huss&year_group=4&fsm=Y").get_data(as_text=True)
    assert "Hussain, Maryam" in found and "1 pupil found" in found
    filtered_out = client.get(f"/schools/{world.a1.urn}/pupils?q=huss&sen=E").get_data(as_text=True)
    assert "0 pupils found" in filtered_out


def test_bad_form_input_is_explained_and_nothing_saved(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_staff"])
    response = _add(client, world.a1.urn, upn="B801200005009", date_of_birth="2016-02-31")
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved" in body and "wrong check letter" in body and "not a real date" in body
    assert "0 pupils found" in client.get(f"/schools/{world.a1.urn}/pupils?q=hussain&status=all").get_data(
        as_text=True
    )


def test_duplicate_upn_in_school_is_refused(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_staff"])
    response = _add(client, world.a1.urn, upn=world.pupils["a1"].upn)
    assert response.status_code == 400
    assert "already on this school" in response.get_data(as_text=True)


def test_edit_keeps_the_previous_values_with_name_and_title(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_staff"])
    pupil = world.pupils["a1"]
    edit = f"/schools/{world.a1.urn}/pupils/{pupil.id}/edit"
    form = client.get(edit).get_data(as_text=True)
    values = dict(re.findall(r'<input id="f-(\w+)" name="\w+" value="([^"]*)"', form))
    values.update({"sex": "F", "year_group": "6", "sen": "N", "legal_surname": "Canaryalder-Jones"})
    response = post_form(client, edit, values)
    assert response.status_code == 302
    page = client.get(f"/schools/{world.a1.urn}/pupils/{pupil.id}").get_data(as_text=True)
    assert "Canaryalder-Jones" in page
    history = page[page.index("Admission register history") :]
    assert "<del>Canaryalder</del>" in history and "<ins>Canaryalder-Jones</ins>" in history
    assert "<del>5</del>" in history and "<ins>6</ins>" in history
    assert "Staff, Attendance officer" in history


def test_record_a_leaver_keeps_the_entry(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_lead"])
    pupil = world.pupils["a1"]
    leave = f"/schools/{world.a1.urn}/pupils/{pupil.id}/leave"
    early = post_form(client, leave, {"leaving_date": "2020-01-01", "reason": "Moved away from the area"})
    assert "before the admission date" in early.get_data(as_text=True)
    response = post_form(client, leave, {"leaving_date": "2024-07-19", "reason": "Moved away from the area"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Left on 19 July 2024" in page and "Moved away from the area" in page
    on_roll = client.get(f"/schools/{world.a1.urn}/pupils").get_data(as_text=True)
    left = client.get(f"/schools/{world.a1.urn}/pupils?status=left").get_data(as_text=True)
    assert "Canaryalder" not in on_roll and "Canaryalder" in left


def test_contacts_are_added_and_listed(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_staff"])
    pupil = world.pupils["a1"]
    show = f"/schools/{world.a1.urn}/pupils/{pupil.id}"
    assert "fewer than two emergency contacts" in client.get(show).get_data(as_text=True)
    for name, relation in (("Rita Smith", "Mother"), ("Sunil Smith", "Uncle")):
        response = post_form(
            client,
            f"{show}/contacts",
            {
                "name": name,
                "relationship_to_pupil": relation,
                "phone": "07700900123",
                "emergency_contact": "y",
                "priority": "1",
            },
            form_page=show,
        )
        assert response.status_code == 302
    page = client.get(show).get_data(as_text=True)
    assert "Rita Smith" in page and "Sunil Smith" in page
    assert "fewer than two emergency contacts" not in page


def test_trust_leader_reads_but_does_not_edit(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a_leader"])
    assert client.get(f"/schools/{world.a2.urn}/pupils").status_code == 200
    assert client.get(f"/schools/{world.a2.urn}/pupils/new").status_code == 403


def test_csv_upload_reports_problems_by_line(client: FlaskClient, world: World) -> None:
    import io

    signed_in(client, world.users["a1_lead"])
    path = f"/schools/{world.a1.urn}/pupils/import"
    bad = b"upn,legal_surname,legal_forename,date_of_birth,sex,year_group,admission_date\nX1,A,B,2015-01-01,F,5,2021-09-01\n"
    from tests.helpers import csrf_token

    response = client.post(
        path, data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(bad), "mis.csv")}
    )
    assert response.status_code == 400
    assert "line 2, column upn" in response.get_data(as_text=True)
    good = bad.replace(b"X1", valid_upn().encode())
    response = client.post(
        path, data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(good), "mis.csv")}
    )
    assert response.status_code == 302
