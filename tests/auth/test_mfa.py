"""Two-step sign-in with real TOTP codes: the code step, replays, recovery codes, the half-signed-in state,
and a trust that requires it."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app.audit.models import AuditEvent
from app.auth import mfa
from app.auth.models import LoginChallenge, RecoveryCode, User
from app.auth.services import find_user_by_email
from app.db import utcnow
from tenants.models import Trust
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.factories import Factory
from tests.helpers import csrf_token, login, post_form, signed_in


def enrol(db: Session, email: str) -> tuple[pyotp.TOTP, list[str]]:
    """Set up two-step sign-in for an account as its owner would; returns the app's TOTP and the codes."""
    user = find_user_by_email(db, email)
    assert user is not None
    secret = mfa.pending_secret(db, user)
    codes = mfa.confirm(db, user, pyotp.TOTP(secret).at(time.time() - 30))  # set up half a minute ago
    return pyotp.TOTP(secret), codes


def next_code(totp: pyotp.TOTP) -> str:
    """The code the app shows now (the one used to set up, half a minute ago, is spent)."""
    return totp.now()


def later_code(totp: pyotp.TOTP) -> str:
    """The code the app shows in half a minute: accepted early (clock drift), after the current one."""
    return totp.at(time.time() + 30)


def answer(client: FlaskClient, code: str | None = None, recovery: str | None = None) -> TestResponse:
    token = csrf_token(client, "/login/code")
    data = {"code": code} if recovery is None else {"recovery_code": recovery}
    return client.post("/login/code", data={**data, "csrf_token": token})


def _events(db: Session, kind: str, email: str) -> list[AuditEvent]:
    return list(
        db.scalars(
            select(AuditEvent)
            .where(AuditEvent.kind == kind, AuditEvent.actor_email == email)
            .order_by(AuditEvent.id)
            .execution_options(**UNSCOPED)
        )
    )


@pytest.fixture
def many_tries(app: Flask) -> None:
    """Lift the per-address limit so the per-challenge and per-account counts are what stop guessing."""
    app.config["LOGIN_LIMIT"] = "1000 per minute"


def test_setting_up_on_the_account_page_shows_the_key_and_gives_recovery_codes(
    client: FlaskClient, db: Session, world: World
) -> None:
    email = world.users["a1_staff"]
    signed_in(client, email)
    page = client.get("/account/mfa").get_data(as_text=True)
    user = find_user_by_email(db, email)
    db.refresh(user)
    secret = user.mfa_pending_secret
    assert secret and mfa.grouped(secret) in page
    assert f"otpauth://totp/Turnout:{email.replace('@', '%40')}?secret={secret}" in page
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert '<label for="code">6-digit code from your authenticator app</label>' in page
    wrong = post_form(client, "/account/mfa/confirm", {"code": "000000"}, form_page="/account/mfa")
    assert wrong.status_code == 401 and "That code does not match" in wrong.get_data(as_text=True)
    right = post_form(
        client, "/account/mfa/confirm", {"code": pyotp.TOTP(secret).now()}, form_page="/account/mfa"
    )
    body = right.get_data(as_text=True)
    assert right.status_code == 200 and "they are shown only now" in body
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", body)
    assert len(codes) == 10 and len(set(codes)) == 10
    db.refresh(user)
    assert user.mfa_secret == secret and user.mfa_pending_secret is None
    stored = db.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and all(h.startswith("$argon2id$") for h in stored)  # hashed, never plain
    assert not any(c.replace("-", "") in h for c in codes for h in stored)
    [enrolled] = _events(db, "mfa_enrolled", email)
    assert enrolled.trust_id == world.trust_a.id and "10 new recovery codes" in enrolled.summary
    assert [e.summary for e in _events(db, "mfa_failed", email)] == [
        "Wrong code on the account page (confirm)"
    ]


def test_sign_in_asks_for_the_code_and_the_half_signed_in_get_no_page(
    client: FlaskClient, db: Session, world: World
) -> None:
    email = world.users["a1_lead"]
    totp, _codes = enrol(db, email)
    first = login(client, email)
    assert first.status_code == 302 and first.headers["Location"] == "/login/code"
    for path in ("/", f"/schools/{world.a1.urn}", "/account/mfa", "/account/password"):
        refused = client.get(path)
        assert refused.status_code == 302 and refused.headers["Location"].startswith("/login"), path
    assert client.post("/dashboards/_dash-update-component", json={}).status_code == 401
    page = client.get("/login/code").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in page and 'inputmode="numeric"' in page
    assert totp.secret not in page and totp.secret not in str(client.get_cookie("turnout_session").value)
    wrong = answer(client, "123456" if next_code(totp) != "123456" else "654321")
    assert wrong.status_code == 401
    assert "That code does not match, or it was used already" in wrong.get_data(as_text=True)
    assert "4 tries left" in wrong.get_data(as_text=True)
    right = answer(client, next_code(totp))
    assert right.status_code == 302 and right.headers["Location"] == "/"
    assert client.get(f"/schools/{world.a1.urn}").status_code == 200
    [signed] = _events(db, "login", email)
    assert signed.summary == "Signed in with a password and an authenticator code"
    assert [e.summary for e in _events(db, "mfa_failed", email)] == ["Wrong authenticator code at sign-in"]


def test_a_code_is_accepted_once(app: Flask, db: Session, world: World) -> None:
    email = world.users["a1_lead"]
    totp, _codes = enrol(db, email)
    code = next_code(totp)
    first = app.test_client()
    login(first, email)
    assert answer(first, code).status_code == 302
    replay = app.test_client()
    login(replay, email)
    refused = answer(replay, code)
    assert refused.status_code == 401 and "used already" in refused.get_data(as_text=True)
    assert replay.get("/").status_code == 302


def test_the_code_typed_to_set_it_up_is_spent(app: Flask, db: Session, world: World) -> None:
    email = world.users["a1_lead"]
    totp, _codes = enrol(db, email)  # set up with the code of half a minute ago
    right_after = app.test_client()
    login(right_after, email)
    assert answer(right_after, totp.at(time.time() - 30)).status_code == 401
    assert answer(right_after, next_code(totp)).status_code == 302  # the next one is not


def test_a_recovery_code_works_once(app: Flask, db: Session, world: World) -> None:
    email = world.users["a1_lead"]
    _totp, codes = enrol(db, email)
    client = app.test_client()
    login(client, email)
    assert answer(client, recovery=codes[3].upper().replace("-", " ")).status_code == 302  # as typed by hand
    assert client.get("/").status_code == 200
    [signed] = _events(db, "login", email)
    assert signed.summary == "Signed in with a password and a recovery code (9 left)"
    again = app.test_client()
    login(again, email)
    refused = answer(again, recovery=codes[3])
    assert refused.status_code == 401 and "does not match an unused one" in refused.get_data(as_text=True)
    assert answer(again, recovery=codes[4]).status_code == 302


def test_the_code_step_ends_after_five_minutes(client: FlaskClient, db: Session, world: World) -> None:
    email = world.users["a1_lead"]
    totp, _codes = enrol(db, email)
    login(client, email)
    db.execute(update(LoginChallenge).values(created_at=utcnow() - timedelta(minutes=5, seconds=1)))
    db.commit()
    token = csrf_token(client, "/login")
    late = client.post("/login/code", data={"code": next_code(totp), "csrf_token": token})
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert "Please sign in again" in client.get("/login").get_data(as_text=True)


def test_five_wrong_codes_end_the_step_even_for_a_right_code_after(
    client: FlaskClient, db: Session, world: World, many_tries: None
) -> None:
    email = world.users["a1_lead"]
    totp, _codes = enrol(db, email)
    login(client, email)
    wrong = "000000" if next_code(totp) != "000000" else "111111"
    statuses = [answer(client, wrong).status_code for _ in range(5)]
    assert statuses == [401] * 5
    token = csrf_token(client, "/login")
    after = client.post("/login/code", data={"code": next_code(totp), "csrf_token": token})
    assert after.status_code == 302 and after.headers["Location"] == "/login"
    assert client.get("/").status_code == 302
    assert len(_events(db, "mfa_failed", email)) == 5


def test_signing_in_again_does_not_buy_more_guesses(
    app: Flask, db: Session, world: World, many_tries: None
) -> None:
    """Ten wrong codes in 15 minutes lock the account's code step, whichever sign-in they came through."""
    email = world.users["a1_lead"]
    totp, _codes = enrol(db, email)
    wrong = "000000" if next_code(totp) != "000000" else "111111"
    for _ in range(2):
        client = app.test_client()
        login(client, email)
        assert [answer(client, wrong).status_code for _ in range(5)] == [401] * 5
    client = app.test_client()
    assert login(client, email).status_code == 302
    locked = answer(client, next_code(totp))
    assert locked.status_code == 429 and "wait 15 minutes" in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302


def _require(app: Flask, world: World, required: bool) -> TestResponse:
    leader = signed_in(app.test_client(), world.users["a_leader"])
    data = {"required": "y"} if required else {}
    return post_form(leader, "/trusts/trust-a/sign-in", data)


def test_a_trust_that_requires_it_has_its_people_set_it_up_at_sign_in(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    assert _require(app, world, True).status_code == 302
    [rule] = db.scalars(
        select(AuditEvent).where(AuditEvent.kind == "mfa_requirement").execution_options(**UNSCOPED)
    )
    assert rule.trust_id == world.trust_a.id and rule.summary == "Alder Trust now requires two-step sign-in"
    assert rule.actor_email == world.users["a_leader"]
    email = world.users["a1_staff"]
    first = login(client, email)
    assert first.status_code == 302 and first.headers["Location"] == "/login/enrol"
    assert client.get("/").status_code == 302 and client.get("/account/mfa").status_code == 302
    page = client.get("/login/enrol").get_data(as_text=True)
    assert "Alder Trust requires two-step sign-in" in page
    user = find_user_by_email(db, email)
    db.refresh(user)
    code = pyotp.TOTP(user.mfa_pending_secret).now()
    done = client.post("/login/enrol", data={"code": code, "csrf_token": csrf_token(client, "/login/enrol")})
    assert done.status_code == 200 and "Save your recovery codes" in done.get_data(as_text=True)
    assert client.get(f"/schools/{world.a1.urn}").status_code == 200
    [signed] = _events(db, "login", email)
    assert signed.summary == "Signed in with a password, after setting up two-step sign-in"
    other_trust = app.test_client()
    assert login(other_trust, world.users["b1_staff"]).headers["Location"] == "/"  # Birch does not require it


def test_a_signed_in_person_can_do_nothing_else_until_set_up(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    signed_in(client, world.users["a1_staff"])
    assert client.get(f"/schools/{world.a1.urn}").status_code == 200
    _require(app, world, True)
    for path in ("/", f"/schools/{world.a1.urn}", "/dashboards/schools/100001/week"):
        held = client.get(path)
        assert held.status_code == 302 and held.headers["Location"] == "/account/mfa", path
    assert "requires two-step sign-in" in client.get("/account/mfa").get_data(as_text=True)
    user = find_user_by_email(db, world.users["a1_staff"])
    db.refresh(user)
    code = pyotp.TOTP(user.mfa_pending_secret).now()
    assert (
        post_form(client, "/account/mfa/confirm", {"code": code}, form_page="/account/mfa").status_code == 200
    )
    assert client.get(f"/schools/{world.a1.urn}").status_code == 200


def test_turning_it_off_needs_a_code_and_is_refused_while_required(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    email = world.users["a1_lead"]
    totp, _codes = enrol(db, email)
    signed_in(client, email)
    answer(client, next_code(totp))
    _require(app, world, True)
    refused = post_form(client, "/account/mfa/disable", {"code": later_code(totp)}, form_page="/account/mfa")
    assert refused.status_code == 400 and "Alder Trust requires two-step sign-in" in refused.get_data(
        as_text=True
    )
    assert not _events(db, "mfa_failed", email)  # no code was checked, so no wrong code is logged
    # its leader switches the rule off (after setting up two-step sign-in, as it now applies to them too)
    db.execute(
        update(Trust).where(Trust.id == world.trust_a.id).values(mfa_required=False),
        execution_options=UNSCOPED,
    )
    db.commit()
    wrong = post_form(client, "/account/mfa/disable", {"code": "12345x"}, form_page="/account/mfa")
    assert wrong.status_code == 401
    off = post_form(client, "/account/mfa/disable", {"code": later_code(totp)}, form_page="/account/mfa")
    assert off.status_code == 302
    assert find_user_by_email(db, email).mfa_secret is None
    assert login(app.test_client(), email).headers["Location"] == "/"
    assert [e.summary for e in _events(db, "mfa_disabled", email)] == ["Two-step sign-in turned off"]


def test_moving_to_a_new_authenticator_needs_the_old_one(
    client: FlaskClient, db: Session, world: World
) -> None:
    email = world.users["a1_lead"]
    old, _codes = enrol(db, email)
    signed_in(client, email)
    answer(client, next_code(old))
    assert (
        post_form(client, "/account/mfa/replace", {"code": "000000"}, form_page="/account/mfa").status_code
        == 401
    )
    moved = post_form(client, "/account/mfa/replace", {"code": later_code(old)}, form_page="/account/mfa")
    assert moved.status_code == 302
    user = find_user_by_email(db, email)
    db.refresh(user)
    new = pyotp.TOTP(user.mfa_pending_secret)
    assert user.mfa_secret == old.secret  # the old one works until the new one is confirmed
    confirmed = post_form(client, "/account/mfa/confirm", {"code": new.now()}, form_page="/account/mfa")
    assert confirmed.status_code == 200
    db.refresh(user)
    assert user.mfa_secret == new.secret
    assert "moved to a new authenticator" in _events(db, "mfa_enrolled", email)[-1].summary


def test_the_trust_rule_is_for_its_own_leaders(app: Flask, world: World) -> None:
    for intruder in ("b_leader", "a1_lead", "a_governor"):
        client = signed_in(app.test_client(), world.users[intruder])
        assert client.get("/trusts/trust-a/sign-in").status_code == 404, intruder
    leader = signed_in(app.test_client(), world.users["a_leader"])
    page = leader.get("/trusts/trust-a/sign-in").get_data(as_text=True)
    assert "0 of 5 people with a role in Alder Trust use it." in page
    assert "Birch" not in page


def test_an_unenrolled_account_has_no_secret_until_it_asks(db: Session, world: World) -> None:
    user = db.scalar(select(User).where(User.email == world.users["a1_lead"]))
    assert user is not None and user.mfa_secret is None and user.mfa_pending_secret is None
    assert not mfa.use_code(db, user, "123456")


def test_a_leader_resets_a_lost_authenticator_in_their_own_trust_only(
    app: Flask, db: Session, world: World
) -> None:
    email = world.users["a1_lead"]
    totp, _codes = enrol(db, email)
    enrol(db, world.users["b1_lead"])
    lead = app.test_client()
    login(lead, email)
    answer(lead, next_code(totp))
    assert lead.get("/").status_code == 200
    leader = signed_in(app.test_client(), world.users["a_leader"])
    page = leader.get("/trusts/trust-a/sign-in").get_data(as_text=True)
    assert "1 of 5 people with a role in Alder Trust uses it." in page
    target = find_user_by_email(db, email).id
    outsider = find_user_by_email(db, world.users["b1_lead"]).id
    birch = signed_in(app.test_client(), world.users["b_leader"])
    assert (
        post_form(
            birch, f"/trusts/trust-a/sign-in/reset/{target}", {}, form_page="/trusts/trust-b/sign-in"
        ).status_code
        == 404
    )
    assert (
        post_form(
            leader, f"/trusts/trust-a/sign-in/reset/{outsider}", {}, form_page="/trusts/trust-a/sign-in"
        ).status_code
        == 404
    )
    assert find_user_by_email(db, world.users["b1_lead"]).mfa_secret is not None
    done = post_form(
        leader, f"/trusts/trust-a/sign-in/reset/{target}", {}, form_page="/trusts/trust-a/sign-in"
    )
    assert done.status_code == 302
    db.expire_all()
    assert find_user_by_email(db, email).mfa_secret is None
    assert lead.get("/").status_code == 302  # their sessions ended
    assert login(app.test_client(), email).headers["Location"] == "/"  # Alder does not require it
    [reset] = [
        e
        for e in db.scalars(
            select(AuditEvent).where(AuditEvent.kind == "mfa_disabled").execution_options(**UNSCOPED)
        )
    ]
    assert (
        reset.trust_id == world.trust_a.id
        and reset.actor_email == world.users["a_leader"]
        and reset.subject == email
    )


def _shown_secret(client: FlaskClient) -> str:
    page = client.get("/login/enrol").get_data(as_text=True)
    uri = re.search(r"otpauth://[^\"<\s]+", page)
    assert uri is not None, page[:300]
    return pyotp.parse_uri(uri.group(0).replace("&amp;", "&")).secret


def test_a_password_thief_never_learns_the_secret_the_owner_sets_up(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """Someone who has only the password opens the set-up step first; the owner is shown a new secret."""
    _require(app, world, True)
    email = world.users["a1_staff"]
    thief = app.test_client()
    assert login(thief, email).headers["Location"] == "/login/enrol"
    stolen = _shown_secret(thief)
    assert login(client, email).headers["Location"] == "/login/enrol"
    own = _shown_secret(client)
    assert own != stolen and _shown_secret(client) == own  # the owner's reload keeps theirs
    done = client.post(
        "/login/enrol", data={"code": pyotp.TOTP(own).now(), "csrf_token": csrf_token(client, "/login/enrol")}
    )
    assert done.status_code == 200
    assert login(thief, email).headers["Location"] == "/login/code"
    assert answer(thief, pyotp.TOTP(stolen).now()).status_code == 401


def test_a_set_up_step_begun_before_the_owner_enrolled_cannot_replace_it(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    _require(app, world, True)
    email = world.users["a1_staff"]
    thief = app.test_client()
    assert login(thief, email).headers["Location"] == "/login/enrol"  # a step opened, then left waiting
    enrol(db, email)  # the owner sets it up meanwhile
    user = find_user_by_email(db, email)
    db.refresh(user)
    before = user.mfa_secret
    posted = thief.post("/login/enrol", data={"code": "123456", "csrf_token": csrf_token(thief, "/login")})
    assert posted.status_code == 302 and posted.headers["Location"].endswith("/login")  # not a wrong code
    assert thief.get("/login/enrol").headers["Location"].endswith("/login")  # nor a new secret to scan
    db.refresh(user)
    assert user.mfa_secret == before and user.mfa_pending_secret is None


def test_a_leader_cannot_reset_another_leaders_authenticator(app: Flask, db: Session, world: World) -> None:
    """Else one leader could reset another's password and authenticator and sign in as them."""
    email = Factory(db).user("deputy@alder.example", "trust_leader", trust=world.trust_a)
    enrol(db, email)
    target = find_user_by_email(db, email)
    leader = signed_in(app.test_client(), world.users["a_leader"])
    post_form(leader, f"/trusts/trust-a/sign-in/reset/{target.id}", {}, form_page="/trusts/trust-a/sign-in")
    db.refresh(target)
    assert target.mfa_secret is not None
    assert not [e for e in _events(db, "mfa_disabled", world.users["a_leader"])]


def test_wrong_codes_on_the_account_page_are_limited_per_account(
    app: Flask, client: FlaskClient, db: Session, world: World
) -> None:
    """A stolen session cannot guess the code to turn it off from many addresses."""
    app.config["LOGIN_LIMIT"] = "3 per 15 minutes"
    email = world.users["a1_lead"]
    totp, _codes = enrol(db, email)
    signed_in(client, email)
    answer(client, next_code(totp))
    for _ in range(3):
        token = csrf_token(client, "/account/mfa")
        wrong = client.post("/account/mfa/disable", data={"code": "000000", "csrf_token": token})
        assert wrong.status_code == 401
    token = csrf_token(client, "/account/mfa")
    right = client.post("/account/mfa/disable", data={"code": later_code(totp), "csrf_token": token},
                        environ_base={"REMOTE_ADDR": "10.9.9.9"})  # fmt: skip
    assert right.status_code == 429
