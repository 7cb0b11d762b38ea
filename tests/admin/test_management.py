"""Trust leaders manage schools and people; school leads manage their own staff, no more."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.auth.services import find_user_by_email
from tenants.access import resolve_principal
from tests.conftest import World
from tests.helpers import login, post_form, signed_in


def _one_time_password(html: str) -> str:
    match = re.search(r"[Oo]ne-time password[^:]*\(shown once\): (\S+)\s", html)
    assert match, html[:2000]
    return match.group(1)


def test_trust_leader_adds_a_school_and_a_person(app: Flask, client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a_leader"])
    added = post_form(
        client,
        "/trusts/trust-a",
        {
            "school-urn": "100003",
            "school-name": "Alder Three Special",
            "school-phase": "special",
            "school-la_code": "926",
        },
    )
    assert added.status_code == 302
    page = client.get("/trusts/trust-a").get_data(as_text=True)
    assert "Alder Three Special" in page
    school_id = re.search(r'value="school:(\d+)">Alder Three Special<', page)
    assert school_id
    response = post_form(
        client,
        "/trusts/trust-a/people",
        {
            "email": "new.tutor@alder.example",
            "name": "New Tutor",
            "title": "Form tutor",
            "role": "staff",
            "place": f"school:{school_id.group(1)}",
        },
        form_page="/trusts/trust-a",
    )
    assert response.status_code == 302
    password = _one_time_password(client.get(response.headers["Location"]).get_data(as_text=True))
    newcomer = app.test_client()
    first = login(newcomer, "new.tutor@alder.example", password)
    assert first.headers["Location"] == "/account/password"
    assert newcomer.get("/").headers["Location"] == "/account/password"


def test_school_lead_cannot_grant_trust_roles(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_lead"])
    page = client.get(f"/schools/{world.a1.urn}/staff").get_data(as_text=True)
    assert 'value="staff"' in page and 'value="trust_leader"' not in page
    response = post_form(
        client,
        f"/schools/{world.a1.urn}/staff",
        {
            "email": "x@alder.example",
            "name": "X",
            "title": "Y",
            "role": "trust_leader",
            "place": f"school:{world.a1.id}",
        },
    )
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)
    assert client.get("/trusts/trust-a").status_code == 404


def test_staff_cannot_manage_people(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_staff"])
    assert client.get(f"/schools/{world.a1.urn}/staff").status_code == 403


def test_school_lead_cannot_deactivate_someone_with_roles_elsewhere(
    client: FlaskClient, db: Session, world: World
) -> None:
    leader = find_user_by_email(db, world.users["a_leader"])
    signed_in(client, world.users["a1_lead"])
    response = post_form(
        client, f"/people/{leader.id}/deactivate", {"next": "/"}, form_page=f"/schools/{world.a1.urn}/staff"
    )
    assert response.status_code == 404
    db.refresh(leader)
    assert leader.active


def test_platform_admin_sees_every_school(db: Session, world: World) -> None:
    user = find_user_by_email(db, world.users["a1_staff"])
    principal = resolve_principal(db, user.id, platform_admin=True)
    assert set(principal.school_roles) == {world.a1.id, world.a2.id, world.b1.id}
    assert set(principal.trust_roles) == {world.trust_a.id, world.trust_b.id}
