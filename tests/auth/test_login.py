"""Sign-in, sessions that the server can revoke, rate limits, CSRF and security headers."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.auth.models import UserSession
from app.db import utcnow
from app.extensions import limiter
from tests.conftest import World
from tests.helpers import csrf_token, login, post_form, signed_in


def test_login_page_is_served_with_security_headers(client: FlaskClient) -> None:
    response = client.get("/login")
    assert response.status_code == 200
    assert "Sign in to Turnout" in response.get_data(as_text=True)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_need_login(client: FlaskClient, world: World) -> None:
    response = client.get(f"/schools/{world.a1.urn}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_shows_only_own_schools(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_lead"])
    html = client.get("/").get_data(as_text=True)
    assert "Alder One Primary" in html
    assert "Alder Two Academy" not in html
    assert "Birch One Primary" not in html


def test_wrong_password_is_refused_without_saying_which_part(client: FlaskClient, world: World) -> None:
    response = login(client, world.users["a1_lead"], "not the password")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    unknown = login(client, "nobody@alder.example", "whatever it is")
    assert unknown.status_code == 401


def test_session_cookie_flags(client: FlaskClient, world: World) -> None:
    response = login(client, world.users["a1_lead"])
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_login_starts_a_new_session(client: FlaskClient, world: World) -> None:
    client.get("/login")
    before = client.get_cookie("turnout_session").value
    signed_in(client, world.users["a1_lead"])
    assert client.get_cookie("turnout_session").value != before


def test_logged_out_cookie_replayed_gets_the_login_page(
    app: Flask, client: FlaskClient, world: World
) -> None:
    signed_in(client, world.users["a1_lead"])
    copied = client.get_cookie("turnout_session").value
    assert client.get("/").status_code == 200
    post_form(client, "/logout", {}, form_page="/")
    replay = app.test_client()
    replay.set_cookie("turnout_session", copied)
    response = replay.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_deactivation_ends_sessions_at_once(app: Flask, client: FlaskClient, world: World) -> None:
    staff = app.test_client()
    signed_in(staff, world.users["a1_staff"])
    assert staff.get(f"/schools/{world.a1.urn}").status_code == 200
    signed_in(client, world.users["a1_lead"])
    page = client.get(f"/schools/{world.a1.urn}/staff").get_data(as_text=True)
    user_id = _user_id_for(page, "Deactivate", world.users["a1_staff"])
    response = post_form(
        client, f"/people/{user_id}/deactivate", {"next": "/"}, form_page=f"/schools/{world.a1.urn}/staff"
    )
    assert response.status_code == 302
    assert staff.get(f"/schools/{world.a1.urn}").status_code == 302
    assert login(app.test_client(), world.users["a1_staff"]).status_code == 401


def _user_id_for(page: str, label: str, email: str) -> int:
    import re

    row = next(r for r in page.split("<tr>") if email in r)
    match = re.search(r"/people/(\d+)/" + label.lower(), row)
    assert match, row
    return int(match.group(1))


def test_idle_sessions_expire(app: Flask, client: FlaskClient, db: Session, world: World) -> None:
    signed_in(client, world.users["a1_lead"])
    assert client.get("/").status_code == 200
    idle = app.config["SESSION_IDLE_MINUTES"] + 1
    db.execute(update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=idle)))
    db.commit()
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert db.scalar(select(UserSession.revoked_at)) is not None


def test_csrf_is_required_on_forms(client: FlaskClient, world: World) -> None:
    response = client.post("/login", data={"email": world.users["a1_lead"], "password": "x" * 12})
    assert response.status_code == 400
    signed_in(client, world.users["a1_lead"])
    assert client.post("/logout").status_code == 400


def test_ten_failures_then_429_until_the_window_passes(app: Flask, client: FlaskClient, world: World) -> None:
    app.config["LOGIN_LIMIT"] = "10 per 3 seconds"
    limiter.reset()
    email = world.users["a1_lead"]
    token = csrf_token(client)
    statuses = [
        client.post(
            "/login", data={"email": email, "password": "wrong password!", "csrf_token": token}
        ).status_code
        for _ in range(10)
    ]
    assert statuses == [401] * 10
    blocked = client.post(
        "/login", data={"email": email, "password": "correct horse battery staple", "csrf_token": token}
    )
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    time.sleep(3.2)
    assert login(client, email).status_code == 302


@pytest.mark.parametrize("vary", ["address", "account"])
def test_rate_limit_is_per_account_and_per_address(app: Flask, world: World, vary: str) -> None:
    app.config["LOGIN_LIMIT"] = "10 per 1 minute"
    limiter.reset()
    for i in range(10):
        address = f"10.0.0.{i}" if vary == "address" else "10.9.9.9"
        email = world.users["a1_lead"] if vary == "address" else f"guess{i}@alder.example"
        c = app.test_client()
        c.environ_base["REMOTE_ADDR"] = address
        assert login(c, email, "wrong password!").status_code == 401
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = "10.0.0.99" if vary == "address" else "10.9.9.9"
    email = world.users["a1_lead"] if vary == "address" else world.users["a1_staff"]
    assert login(c, email).status_code == 429


def test_change_password_ends_other_sessions(app: Flask, client: FlaskClient, world: World) -> None:
    other = app.test_client()
    signed_in(other, world.users["a1_lead"])
    signed_in(client, world.users["a1_lead"])
    response = post_form(
        client,
        "/account/password",
        {
            "current_password": "correct horse battery staple",
            "new_password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert login(app.test_client(), world.users["a1_lead"], "a brand new passphrase").status_code == 302


def test_short_new_password_is_refused(client: FlaskClient, world: World) -> None:
    signed_in(client, world.users["a1_lead"])
    response = post_form(
        client,
        "/account/password",
        {"current_password": "correct horse battery staple", "new_password": "short", "confirm": "short"},
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.get_data(as_text=True)
