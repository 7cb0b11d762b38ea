"""Fixtures: the app on SQLite and on real PostgreSQL, factories, and a two-trust world."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher, profiles
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from app import create_app
from app.auth import passwords
from app.db import Base
from app.extensions import limiter
from app.migrate import upgrade
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests import factories
from tests.databases import fresh_postgres

pytest_plugins = ["tests.storage_fixtures"]  # store (folder and S3) and s3_endpoint (moto's server)

PG_URL = os.environ.get("TURNOUT_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"]


def pytest_report_header() -> str:
    return f"turnout: PostgreSQL tests {'against ' + PG_URL if PG_URL else 'DISABLED (set TURNOUT_TEST_DATABASE_URL)'}"


@pytest.fixture(autouse=True, scope="session")
def cheap_argon2() -> Iterator[None]:
    """Hash with argon2id's cheapest profile in tests; tests/auth/test_passwords checks the real one."""
    real = passwords._hasher
    passwords._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)
    yield
    passwords._hasher = real


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once; each test gets a copy of the file (fast and fully isolated)."""
    path = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, migrated as the owner."""
    if not PG_URL:
        if os.environ.get("CI"):
            pytest.fail("CI must run the PostgreSQL tests: set TURNOUT_TEST_DATABASE_URL")
        pytest.skip("PostgreSQL tests need TURNOUT_TEST_DATABASE_URL")
    with fresh_postgres(PG_URL, "turnout_test") as url:
        yield url


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables}, apscheduler_jobs RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The database URL for one test, on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "turnout.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    _truncate_pg(url)
    return url


@pytest.fixture
def app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    monkeypatch.setenv("TURNOUT_DATABASE_URL", database_url)
    monkeypatch.setenv("TURNOUT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("TURNOUT_SECRET_KEY", "test-secret-" + uuid.uuid4().hex)
    application = create_app({"TESTING": True})
    limiter.reset()
    yield application
    application.extensions["turnout.db"].engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session as the app role, for arranging data and checking results.

    No app context is held open: requests in the test must get their own, as in production.
    """
    with app.extensions["turnout.db"].session() as session:
        yield session


@dataclass
class World:
    """Two trusts: A with schools A1 and A2, B with school B1; one user per role."""

    trust_a: factories.TrustRef
    trust_b: factories.TrustRef
    a1: factories.SchoolRef
    a2: factories.SchoolRef
    b1: factories.SchoolRef
    users: dict[str, str]  # label -> email
    pupils: dict[str, factories.PupilRef]  # school label -> one pupil there


@pytest.fixture
def world(db: Session) -> World:
    f = factories.Factory(db)
    trust_a, trust_b = f.trust("trust-a", "Alder Trust"), f.trust("trust-b", "Birch Trust")
    a1 = f.school(trust_a, 100001, "Alder One Primary", "primary")
    a2 = f.school(trust_a, 100002, "Alder Two Academy", "secondary")
    b1 = f.school(trust_b, 200001, "Birch One Primary", "primary")
    users = {
        "a_leader": f.user("leader@alder.example", "trust_leader", trust=trust_a),
        "a_governor": f.user("governor@alder.example", "governor", trust=trust_a),
        "a1_lead": f.user("lead@alder-one.example", "school_lead", school=a1),
        "a1_staff": f.user("staff@alder-one.example", "staff", school=a1),
        "a2_lead": f.user("lead@alder-two.example", "school_lead", school=a2),
        "b_leader": f.user("leader@birch.example", "trust_leader", trust=trust_b),
        "b1_lead": f.user("lead@birch-one.example", "school_lead", school=b1),
        "b1_staff": f.user("staff@birch-one.example", "staff", school=b1),
    }
    pupils = {
        "a1": f.pupil(a1, surname="Canaryalder"),
        "a2": f.pupil(a2, surname="Canaryalderii"),
        "b1": f.pupil(b1, surname="Canarybirch"),
    }
    return World(trust_a, trust_b, a1, a2, b1, users, pupils)


@pytest.fixture
def school(db: Session, world: World) -> School:
    """School A1 as a model, for services that take one."""
    found = db.get(School, world.a1.id, execution_options=UNSCOPED)
    assert found is not None
    return found
