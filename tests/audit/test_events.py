"""What goes in the audit log, on which trust's chain, in the same transaction as the action it records."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import chain
from app.audit.models import AuditEvent
from app.auth.services import find_user_by_email
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import Membership, School
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.factories import Factory
from tests.helpers import FILTER_IDS, SAME_SITE, SINGLE, csrf_token, dash_body, login, post_form, signed_in
from tests.weekly import LAST_WEEK, add_registers

FRIDAY = date.today() - timedelta(days=date.today().weekday() + 3)


def events(db: Session, trust_id: int | None, kind: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(
        AuditEvent.trust_id.is_(None) if trust_id is None else AuditEvent.trust_id == trust_id
    )
    if kind:
        query = query.where(AuditEvent.kind == kind)
    return list(db.scalars(query.order_by(AuditEvent.seq).execution_options(**UNSCOPED)))


def test_setting_up_the_world_is_on_each_trust_s_chain(db: Session, world: World) -> None:
    granted = events(db, world.trust_a.id, "membership_granted")
    assert [e.subject for e in granted] == [
        world.users[k] for k in ("a_leader", "a_governor", "a1_lead", "a1_staff", "a2_lead")
    ]
    assert (
        granted[0].summary
        == "Leader (a new account) given the role trust leader at Alder Trust (whole trust)"
    )
    assert granted[2].school_id == world.a1.id and granted[2].actor_name.startswith("Turnout (command line")
    assert {e.subject for e in events(db, world.trust_b.id)} == {
        world.users[k] for k in ("b_leader", "b1_lead", "b1_staff")
    }
    assert chain.verify(db, world.trust_a.id).intact and chain.verify(db, world.trust_b.id).intact


def _without_token(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 401
    return re.sub(r'name="csrf_token"[^>]*', "", response.get_data(as_text=True))


def test_sign_ins_and_refusals_go_on_the_account_s_trust_chain(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    before_b = len(events(db, world.trust_b.id))
    signed_in(client, world.users["a1_lead"])
    post_form(client, "/logout", {}, form_page="/")
    known = login(app.test_client(), world.users["a1_lead"], "not my password")
    unknown = login(app.test_client(), "nobody@alder.example", "whatever it is")
    typed_password = login(app.test_client(), "correct horse battery", "whatever it is")
    assert _without_token(unknown).replace("nobody@alder.example", world.users["a1_lead"]) == _without_token(
        known
    )  # an unknown address reads exactly as a wrong password: nothing says whether an account exists
    assert typed_password.status_code == 401
    kinds = [
        (e.kind, e.summary, e.actor_email)
        for e in events(db, world.trust_a.id)
        if e.kind != "membership_granted"
    ]
    assert kinds == [
        ("login", "Signed in with a password", world.users["a1_lead"]),
        ("logout", "Signed out", world.users["a1_lead"]),
        ("login_failed", "Sign-in refused: wrong password", world.users["a1_lead"]),
    ]
    signed = events(db, world.trust_a.id, "login")[0]
    assert signed.ip == "127.0.0.1" and signed.actor_id == find_user_by_email(db, world.users["a1_lead"]).id
    platform = [(e.summary, e.actor_name, e.actor_email) for e in events(db, None)]
    assert platform == [
        (
            "Sign-in refused: no account with this email address",
            "nobody@alder.example",
            "nobody@alder.example",
        ),
        ("Sign-in refused: no account with this email address", "(not an email address)", None),
    ]
    assert len(events(db, world.trust_b.id)) == before_b


def test_a_deactivated_account_s_refusal_says_so(app: Flask, db: Session, world: World) -> None:
    lead = signed_in(app.test_client(), world.users["a1_lead"])
    page = lead.get(f"/schools/{world.a1.urn}/staff").get_data(as_text=True)
    staff_id = find_user_by_email(db, world.users["a1_staff"]).id
    assert (
        post_form(
            lead, f"/people/{staff_id}/deactivate", {"next": "/"}, form_page=f"/schools/{world.a1.urn}/staff"
        ).status_code
        == 302
    )
    assert "Deactivate" in page
    assert login(app.test_client(), world.users["a1_staff"]).status_code == 401
    deactivated = events(db, world.trust_a.id, "account_deactivated")[0]
    assert (
        deactivated.actor_email == world.users["a1_lead"] and deactivated.subject == world.users["a1_staff"]
    )
    assert deactivated.summary == "Account of Staff deactivated (every session ended)"
    assert (
        events(db, world.trust_a.id, "login_failed")[0].summary
        == "Sign-in refused: the account is deactivated"
    )


def test_roles_granted_and_changed_are_recorded_with_who_did_it(
    app: Flask, db: Session, world: World
) -> None:
    leader = signed_in(app.test_client(), world.users["a_leader"])
    added = post_form(leader, "/trusts/trust-a/people", {
        "email": "new@alder-two.example", "name": "Nia New", "title": "Tutor", "role": "staff",
        "place": f"school:{world.a2.id}"}, form_page="/trusts/trust-a")  # fmt: skip
    assert added.status_code == 302
    [granted] = [
        e for e in events(db, world.trust_a.id, "membership_granted") if e.subject == "new@alder-two.example"
    ]
    assert granted.summary == "Nia New (a new account) given the role staff at Alder Two Academy"
    assert granted.actor_email == world.users["a_leader"] and granted.school_id == world.a2.id
    staff_id = find_user_by_email(db, world.users["a1_staff"]).id
    membership = db.scalar(
        select(Membership.id).where(Membership.user_id == staff_id).execution_options(**UNSCOPED)
    )
    changed = post_form(
        leader, f"/memberships/{membership}/safeguarding/grant", {"next": "/"}, form_page="/trusts/trust-a"
    )
    assert changed.status_code == 302
    [role] = events(db, world.trust_a.id, "role_changed")
    assert role.summary == "DSL permission (safeguarding notes) granted to Staff, staff at Alder One Primary"
    assert role.actor_email == world.users["a_leader"] and role.subject == world.users["a1_staff"]
    reset = post_form(leader, f"/people/{staff_id}/reset", {"next": "/"}, form_page="/trusts/trust-a")
    assert reset.status_code == 302
    assert events(db, world.trust_a.id, "password_reset")[0].subject == world.users["a1_staff"]
    assert not [e for e in events(db, world.trust_b.id) if e.actor_email == world.users["a_leader"]]


def test_a_refused_change_leaves_no_event(app: Flask, db: Session, world: World) -> None:
    """The event commits with its action: a refusal rolls both back."""
    leader = signed_in(app.test_client(), world.users["a_leader"])
    governor_id = find_user_by_email(db, world.users["a_governor"]).id
    membership = db.scalar(
        select(Membership.id).where(Membership.user_id == governor_id).execution_options(**UNSCOPED)
    )
    post_form(
        leader, f"/memberships/{membership}/safeguarding/grant", {"next": "/"}, form_page="/trusts/trust-a"
    )
    assert events(db, world.trust_a.id, "role_changed") == []


def _register(client: FlaskClient, urn: int, codes: dict[int, str], reason: str = ""):  # type: ignore[no-untyped-def]
    path = f"/schools/{urn}/registers?group=5A&day={FRIDAY}&session=AM"
    data = {"csrf_token": csrf_token(client, path), "group": "5A", "day": FRIDAY.isoformat(), "session": "AM",
            "reason": reason} | {f"code-{pid}": code for pid, code in codes.items()}  # fmt: skip
    return client.post(path, data=data)


def test_register_amendments_are_recorded_with_the_reason(
    client: FlaskClient, db: Session, world: World, school: School
) -> None:
    other = Factory(db).pupil(world.a1, surname="Other", admission_date=FRIDAY - timedelta(days=40))
    pupil = world.pupils["a1"]
    signed_in(client, world.users["a1_staff"])
    assert _register(client, world.a1.urn, {pupil.id: "/", other.id: "/"}).status_code == 302
    assert events(db, world.trust_a.id, "amendment") == []  # new marks are not amendments
    assert (
        _register(client, world.a1.urn, {pupil.id: "N", other.id: "I"}, "Phoned in sick").status_code == 302
    )
    [web] = events(db, world.trust_a.id, "amendment")
    assert web.summary.startswith("2 register marks amended on the register page (")
    assert web.summary.endswith("; reason: Phoned in sick")
    assert web.actor_email == world.users["a1_staff"] and web.actor_name == "Staff (Attendance officer)"
    assert web.school_id == world.a1.id
    marks = f"upn,date,session,code\n{pupil.upn},{FRIDAY},AM,C\n"
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        import_marks(db, school, io.BytesIO(marks.encode()), source="import", description="marks.csv",
                     recorder=Recorder(None, "Dana Clerk", "Data manager"), reason="MIS import: marks.csv")  # fmt: skip
    imported = events(db, world.trust_a.id, "amendment")[-1]
    assert (
        imported.summary
        == "1 register mark amended by a file import (marks.csv); reason: MIS import: marks.csv"
    )
    assert imported.actor_name == "Dana Clerk (Data manager)" and imported.actor_email is None
    assert chain.verify(db, world.trust_a.id).intact


def test_exports_and_downloads_are_recorded_on_the_school_s_trust(
    app: Flask, client: FlaskClient, db: Session, world: World, school: School
) -> None:
    signed_in(client, world.users["a1_lead"])
    csv = client.get(f"/schools/{world.a1.urn}/returns/unauthorised-10.csv")
    assert csv.status_code == 200
    [export] = events(db, world.trust_a.id, "export")
    filename = re.search(r'filename="([^"]+)"', csv.headers["Content-Disposition"]).group(1)
    assert export.summary == f"Exported {filename} (Alder One Primary)" and export.subject == filename
    assert export.school_id == world.a1.id and export.actor_email == world.users["a1_lead"]
    path = f"/schools/{world.a1.urn}/pupils/{world.pupils['a1'].id}/letters"
    made = post_form(client, path, {"kind": "meeting", "letter_date": date.today().isoformat(),
                                    "meeting_date": date.today().isoformat(), "meeting_time": "09:30"})  # fmt: skip
    assert made.status_code == 302
    letter_id = re.findall(
        rf"/schools/{world.a1.urn}/letters/(\d+)\.pdf", client.get(path).get_data(as_text=True)
    )[0]
    pdf = client.get(f"/schools/{world.a1.urn}/letters/{letter_id}.pdf")
    assert pdf.status_code == 200
    [download] = events(db, world.trust_a.id, "download")
    assert download.summary.startswith("Downloaded 100001-") and download.summary.endswith(
        ".pdf (Alder One Primary)"
    )
    refused = client.get(f"/schools/{world.b1.urn}/returns/unauthorised-10.csv")
    assert refused.status_code == 404 and events(db, world.trust_b.id, "export") == []


def test_the_weekly_flags_download_is_recorded(app: Flask, db: Session, world: World, school: School) -> None:
    add_registers(db, world, school)
    lead = signed_in(app.test_client(), world.users["a1_lead"])
    body = dash_body(
        [("flags-download", "data")],
        [("flags-export", "n_clicks", 1), ("flags-export-xlsx", "n_clicks", None)],
        [("flags-week", "value", LAST_WEEK.isoformat()),
         *((cid, "value", None if cid in SINGLE else []) for cid in FILTER_IDS),
         ("flags-school", "data", world.a1.urn), ("flags-grid", "virtualRowData", None)],
    )  # fmt: skip
    response = lead.post("/dashboards/_dash-update-component", json=body, headers=SAME_SITE)
    assert response.status_code == 200
    [export] = events(db, world.trust_a.id, "export")
    assert export.summary == f"Exported weekly-flags-100001-{LAST_WEEK}.csv (Alder One Primary)"


@pytest.mark.parametrize("kind", ["no such kind", ""])
def test_an_unknown_kind_is_a_programming_error(db: Session, world: World, kind: str) -> None:
    from app.audit.services import record

    with pytest.raises(ValueError, match="unknown audit event kind"):
        record(db, kind, "x", trust_id=world.trust_a.id)
