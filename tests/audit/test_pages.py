"""The audit log pages: a trust's leaders see their own trust's log only, filtered, paged, checked for
tampering and exported (the export recorded too); everyone else gets 404."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from app.audit import chain, routes
from app.audit.services import Actor, record
from app.auth.models import User
from tests.conftest import World
from tests.helpers import login, signed_in

A_LOG, B_LOG = "/trusts/trust-a/audit", "/trusts/trust-b/audit"


def _busy(db: Session, world: World, count: int) -> None:
    """Events on both trusts' chains: trust B's carry a canary that must never reach trust A's pages."""
    for n in range(count):
        record(
            db,
            "export",
            f"Exported alder-{n}.csv",
            trust_id=world.trust_a.id,
            actor=Actor(None, "Ann Alder", "ann@alder.example"),
        )
        record(
            db,
            "export",
            f"Exported Canarybirch-{n}.csv",
            trust_id=world.trust_b.id,
            actor=Actor(None, "Bo Birch", "bo@birch.example"),
        )
    db.commit()


@pytest.mark.parametrize("intruder", ["b_leader", "b1_lead", "a1_lead", "a2_lead", "a_governor", "a1_staff"])
def test_only_the_trust_s_leaders_see_its_log(app: Flask, db: Session, world: World, intruder: str) -> None:
    _busy(db, world, 1)
    client = signed_in(app.test_client(), world.users[intruder])
    for path in (A_LOG, f"{A_LOG}.csv", f"{A_LOG}?kind=login&page=2"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "alder-0" not in response.get_data(as_text=True)
    assert client.get("/audit").status_code == 403 and client.get("/audit.csv").status_code == 403


def test_a_leader_sees_their_own_trust_s_events_and_the_chain_checked(
    app: Flask, db: Session, world: World
) -> None:
    _busy(db, world, 3)
    leader = signed_in(app.test_client(), world.users["a_leader"])
    page = leader.get(A_LOG)
    body = page.get_data(as_text=True)
    checked = chain.verify(db, world.trust_a.id).checked  # what the page checked: nothing since
    assert page.status_code == 200
    assert f"Chain intact: {checked:,} events checked." in body
    assert "Exported alder-2.csv" in body and "Ann Alder" in body and "ann@alder.example" in body
    assert "Canarybirch" not in body and "Birch" not in body and "bo@birch.example" not in body
    assert "Signed in with a password" in body  # the leader's own sign-in, just now
    own = signed_in(app.test_client(), world.users["b_leader"]).get(B_LOG).get_data(as_text=True)
    assert "Canarybirch-2" in own and "alder-" not in own and "Alder" not in own
    assert 'href="/trusts/trust-a/audit"' in leader.get("/trusts/trust-a").get_data(as_text=True)


def test_filters_by_kind_person_and_dates(app: Flask, db: Session, world: World) -> None:
    _busy(db, world, 2)
    login(app.test_client(), world.users["a1_staff"], "not the password")
    leader = signed_in(app.test_client(), world.users["a_leader"])
    refused = leader.get(f"{A_LOG}?kind=login_failed").get_data(as_text=True)
    assert "Sign-in refused: wrong password" in refused and "Exported alder" not in refused
    assert "Showing events 1 to 1 of 1, newest first." in refused
    person = leader.get(f"{A_LOG}?person=ANN%40ALDER").get_data(as_text=True)
    assert "Exported alder-1.csv" in person and "Sign-in refused: wrong password" not in person
    wildcard = leader.get(f"{A_LOG}?person=%25").get_data(as_text=True)  # a typed % matches itself only
    assert "No events match." in wildcard
    today = leader.get(f"{A_LOG}?start=2000-01-01&end=2099-12-31").get_data(as_text=True)
    assert "Exported alder-1.csv" in today
    before = leader.get(f"{A_LOG}?end=2001-01-01").get_data(as_text=True)
    assert "No events match." in before
    for query, words in [
        ("kind=bogus", "&#39;bogus&#39; is not a kind of event: pick one from the list."),
        ("start=31/12/2025", "is not a date: use the date picker (YYYY-MM-DD)."),
        (
            "start=2025-03-02&end=2025-03-01",
            "The end date (1 March 2025) is before the start date (2 March 2025).",
        ),
    ]:
        bad = leader.get(f"{A_LOG}?{query}")
        assert bad.status_code == 400 and words in bad.get_data(as_text=True), query
        assert leader.get(f"{A_LOG}.csv?{query}").status_code == 400


def test_the_log_is_paged_newest_first(app: Flask, db: Session, world: World) -> None:
    _busy(db, world, 60)
    leader = signed_in(app.test_client(), world.users["a_leader"])
    first = leader.get(f"{A_LOG}?kind=export").get_data(as_text=True)
    total = chain.verify(db, world.trust_a.id).checked
    assert "Showing events 1 to 50 of 60, newest first." in first
    assert "Exported alder-59.csv" in first and "Exported alder-9.csv" not in first
    assert f'href="{A_LOG}?kind=export&amp;page=2"' in first
    second = leader.get(f"{A_LOG}?kind=export&page=2").get_data(as_text=True)
    assert "Showing events 51 to 60 of 60" in second and "Exported alder-0.csv" in second
    assert "Showing events 51 to 60" in leader.get(f"{A_LOG}?kind=export&page=99").get_data(as_text=True)
    assert f"Chain intact: {total:,} events checked." in first


def test_the_csv_is_the_trust_s_log_only_and_its_export_is_recorded(
    app: Flask, db: Session, world: World
) -> None:
    _busy(db, world, 2)
    leader = signed_in(app.test_client(), world.users["a_leader"])
    response = leader.get(f"{A_LOG}.csv?kind=export")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="audit-trust-a-')
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["Details"] for r in rows] == ["Exported alder-0.csv", "Exported alder-1.csv"]
    assert all(r["Trust id"] == str(world.trust_a.id) and len(r["Hash"]) == 64 for r in rows)
    assert "Canarybirch" not in response.get_data(as_text=True)
    newest = leader.get(f"{A_LOG}?kind=export").get_data(as_text=True)
    assert "Exported the audit log (kind=export) as audit-trust-a-" in newest
    everything = list(csv.DictReader(io.StringIO(leader.get(f"{A_LOG}.csv").get_data(as_text=True))))
    assert [int(r["Event"]) for r in everything] == list(range(1, len(everything) + 1))
    assert chain.verify(db, world.trust_a.id).checked == len(everything) + 1  # plus this export itself


def test_a_formula_in_a_typed_email_stays_text_in_the_csv(app: Flask, db: Session, world: World) -> None:
    login(app.test_client(), '=HYPERLINK("http://x")@x', "whatever it is")
    db.execute(update(User).where(User.email == world.users["a_leader"]).values(is_platform_admin=True))
    db.commit()
    admin = signed_in(app.test_client(), world.users["a_leader"])
    body = admin.get("/audit").get_data(as_text=True)
    assert (
        "Sign-in refused: no account with this email address" in body
        and "Chain intact: 1 event checked." in body
    )
    rows = list(csv.DictReader(io.StringIO(admin.get("/audit.csv").get_data(as_text=True))))
    assert rows[0]["Who"] == '\'=HYPERLINK("http://x")@x'


def test_a_long_chain_is_checked_newest_first_within_a_bound(
    app: Flask, db: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "PAGE_CHECK", 5)
    _busy(db, world, 6)
    leader = signed_in(app.test_client(), world.users["a_leader"])
    body = leader.get(A_LOG).get_data(as_text=True)
    before = chain.verify(db, world.trust_a.id).checked - 5
    assert (
        f"Chain intact in the newest 5 events, checked now. The {before:,} before them are checked whole"
        in body
    )


def test_a_tampered_event_shows_on_the_page(app: Flask, db: Session, world: World, database_url: str) -> None:
    _busy(db, world, 3)
    victim = chain.verify(db, world.trust_a.id).checked - 1
    sql = "UPDATE audit_events SET summary = 'Exported nothing' WHERE trust_id = :trust AND seq = :seq"
    values = {"trust": world.trust_a.id, "seq": victim}
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text(sql), values)
        db.commit()
    else:
        from sqlalchemy import create_engine

        from app.db import normalise_url

        engine = create_engine(normalise_url(database_url))  # only the owner, with the trigger off, can
        with engine.begin() as conn:
            conn.execute(
                text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_refuse_update_or_delete")
            )
            conn.execute(text(sql), values)
            conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_refuse_update_or_delete"))
        engine.dispose()
    leader = signed_in(app.test_client(), world.users["a_leader"])
    body = leader.get(A_LOG).get_data(as_text=True)
    assert f"Broken at event {victim:,}: its contents (export at " in body
    assert "it was changed after it was written." in body
    assert "Chain intact" in signed_in(app.test_client(), world.users["b_leader"]).get(B_LOG).get_data(
        as_text=True
    )
