"""Production refuses the settings that are only safe on a laptop; development still starts with none."""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import create_app
from app.config import UnsafeConfig

ROOT = Path(__file__).resolve().parents[1]
GOOD_SECRET = secrets.token_urlsafe(48)


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pg_database: str) -> Iterator[None]:
    """A sound production environment on the session's PostgreSQL database (no rows are needed, so none
    are cleared); each test then spoils one setting."""
    for name in ("FLASK_DEBUG", "TURNOUT_SECURE_COOKIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TURNOUT_ENV", "production")
    monkeypatch.setenv("TURNOUT_DATABASE_URL", pg_database)
    monkeypatch.setenv("TURNOUT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("TURNOUT_SECRET_KEY", GOOD_SECRET)
    yield


def test_development_starts_with_no_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`make run` sets nothing: a secret is made and kept in the instance folder."""
    for name in ("TURNOUT_ENV", "TURNOUT_SECRET_KEY", "TURNOUT_DATABASE_URL", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TURNOUT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("TURNOUT_SECURE_COOKIES", "false")
    app = create_app({"DEBUG": True})
    kept = (tmp_path / "instance" / "secret_key").read_text().strip()
    assert app.config["TURNOUT_ENV"] == "development" and app.secret_key == kept and len(kept) >= 32
    app.extensions["turnout.db"].engine.dispose()


def test_good_production_settings_start_and_serve(production: None) -> None:
    app = create_app()
    response = app.test_client().get("/login", base_url="https://turnout.example")
    assert response.status_code == 200
    assert "; Secure;" in response.headers["Set-Cookie"]  # the session cookie (CSRF token) is HTTPS-only
    assert app.secret_key == GOOD_SECRET and not app.debug
    app.extensions["turnout.db"].engine.dispose()


REFUSALS = {
    # name: (environment changes, overrides, the words the refusal must contain)
    "debug via FLASK_DEBUG": ({"FLASK_DEBUG": "1"}, {}, "unset FLASK_DEBUG"),
    "debug via config": ({}, {"DEBUG": True}, "debug mode is on"),
    "testing": ({}, {"TESTING": True}, "TESTING is on"),
    "csrf off": ({}, {"WTF_CSRF_ENABLED": False}, "WTF_CSRF_ENABLED is off"),
    "no secret (the instance file default)": (
        {"TURNOUT_SECRET_KEY": None},
        {},
        "TURNOUT_SECRET_KEY is not set",
    ),
    "short secret": ({"TURNOUT_SECRET_KEY": "s3cr3t-but-short"}, {}, "TURNOUT_SECRET_KEY has 16 characters"),
    "example secret": (
        {"TURNOUT_SECRET_KEY": "change-me-" * 4},
        {},
        "TURNOUT_SECRET_KEY is an example value",
    ),
    "demo password as secret": (
        {"TURNOUT_SECRET_KEY": "turnout-demo-2026-turnout-demo-2026"},
        {},
        "TURNOUT_SECRET_KEY is an example value",
    ),
    "one character repeated": (
        {"TURNOUT_SECRET_KEY": "x" * 64},
        {},
        "TURNOUT_SECRET_KEY is an example value",
    ),
    "insecure cookies": ({"TURNOUT_SECURE_COOKIES": "false"}, {}, "TURNOUT_SECURE_COOKIES is off"),
    "sqlite": ({"TURNOUT_DATABASE_URL": "sqlite:///{tmp}/turnout.db"}, {}, "TURNOUT_DATABASE_URL is SQLite"),
    "misspelt environment": ({"TURNOUT_ENV": "prod"}, {}, "TURNOUT_ENV is 'prod'"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=list(REFUSALS))
def test_unsafe_production_settings_refuse_to_start(
    production: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, case: str
) -> None:
    environment, overrides, words = REFUSALS[case]
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name)
        else:
            monkeypatch.setenv(name, value.format(tmp=tmp_path))
    with pytest.raises(UnsafeConfig, match=re.escape(words)):
        create_app(overrides)
    assert not (tmp_path / "instance" / "secret_key").exists()  # production never makes its own secret


def test_every_problem_is_listed_at_once(production: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("TURNOUT_SECURE_COOKIES", "false")
    monkeypatch.delenv("TURNOUT_SECRET_KEY")
    with pytest.raises(UnsafeConfig) as refused:
        create_app()
    assert [line for line in str(refused.value).splitlines() if line.startswith("  - ")] == [
        "  - debug mode is on: unset FLASK_DEBUG (the debugger runs any code a visitor sends)",
        "  - TURNOUT_SECRET_KEY is not set: every web host needs the same long random secret",
        "  - TURNOUT_SECURE_COOKIES is off: session cookies would travel over plain HTTP",
    ]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn(port: int) -> subprocess.Popen[str]:
    """gunicorn with the production config file, as infra/README.md deploys it, one worker."""
    env = {**os.environ, "TURNOUT_BIND": f"127.0.0.1:{port}", "TURNOUT_WEB_WORKERS": "1"}
    return subprocess.Popen(  # noqa: S603 - the venv's own gunicorn
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "infra" / "gunicorn.conf.py")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_gunicorn_refuses_a_short_secret_and_says_why(
    production: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TURNOUT_ENV")  # gunicorn means production even when nobody said so
    monkeypatch.setenv("TURNOUT_SECRET_KEY", "change-me")
    server = _gunicorn(_free_port())
    try:
        output, _ = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode != 0
    assert "TURNOUT_SECRET_KEY has 9 characters: use at least 32 random ones" in output


def test_gunicorn_serves_with_good_production_settings(production: None) -> None:
    port = _free_port()
    server = _gunicorn(port)
    try:
        deadline, status = time.monotonic() + 60, None
        while status is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:  # noqa: S310 - loopback
                    status = response.status
            except OSError:
                time.sleep(0.5)
        assert status == 200, server.stdout.read() if server.poll() is not None and server.stdout else status
    finally:
        server.terminate()
        server.communicate(timeout=30)
