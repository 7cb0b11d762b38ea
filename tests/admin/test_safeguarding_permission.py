"""The DSL permission: granted and withdrawn by those who manage the role, never to a governor, and only
within the manager's own school or trust."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from tenants import context
from tenants.access import resolve_principal, system_context
from tenants.models import Membership
from tests.conftest import World
from tests.helpers import post_form, signed_in


def _membership(db: Session, email: str) -> Membership:
    db.expire_all()
    with context.use(system_context(db, "test")):
        return db.scalars(select(Membership).join(User).where(User.email == email)).one()


def _change(client: FlaskClient, membership_id: int, change: str) -> int:
    path = f"/memberships/{membership_id}/safeguarding/{change}"
    return post_form(client, path, {"next": "/"}, form_page="/").status_code


def test_a_school_lead_grants_and_withdraws_the_dsl_permission(
    client: FlaskClient, db: Session, world: World
) -> None:
    staff = _membership(db, world.users["a1_staff"])
    signed_in(client, world.users["a1_lead"])
    assert _change(client, staff.id, "grant") == 302
    assert _membership(db, world.users["a1_staff"]).safeguarding
    assert resolve_principal(db, staff.user_id).reads_safeguarding(world.a1.id)
    assert not resolve_principal(db, staff.user_id).reads_safeguarding(world.a2.id)
    assert "DSL permission" in client.get(f"/schools/{world.a1.urn}/staff").get_data(as_text=True)
    assert _change(client, staff.id, "withdraw") == 302
    assert not _membership(db, world.users["a1_staff"]).safeguarding


def test_a_governor_never_holds_it_and_other_trusts_cannot_touch_it(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    governor = _membership(db, world.users["a_governor"])
    signed_in(client, world.users["a_leader"])
    assert _change(client, governor.id, "grant") == 302
    assert not _membership(db, world.users["a_governor"]).safeguarding
    assert "cannot hold the DSL permission" in client.get("/").get_data(as_text=True)
    staff = _membership(db, world.users["a1_staff"])
    for outsider in ("b1_lead", "b_leader", "a2_lead", "a1_staff"):
        other = signed_in(app.test_client(), world.users[outsider])
        assert _change(other, staff.id, "grant") == 404, outsider
    assert not _membership(db, world.users["a1_staff"]).safeguarding
