"""What the restore drills share: a realistic two-trust dataset, the CLI, empty targets, and a digest of
every table's content that reads the same on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.api.services import create_token
from app.audit.chain import heads, verify
from app.audit.services import SYSTEM, record
from app.cli import main
from app.db import make_engine, normalise_url
from app.demo import load_demo
from app.interventions import services as casework
from app.letters import services as letters
from app.registers.models import Pupil
from app.registers.recording import Recorder
from app.storage import FolderStorage, S3Storage, Storage
from jobs.definitions import run_job
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.helpers import login, signed_in
from tests.letters.register import LETTER_DATE, add_register

LEAD = Recorder(None, "Alex Morgan", "Senior attendance champion")
# Tables build() fills, so the drill compares real records of each kind, not empty tables.
FILLED = {"trusts", "schools", "users", "memberships", "user_sessions", "api_tokens", "pupils", "pupil_contacts",
          "marks", "mark_batches", "mark_amendments", "calendar_entries", "task_instances", "task_events", "cases",
          "case_actions", "letters", "letter_batches", "flag_snapshots", "job_runs", "benchmark_results",
          "audit_events"}  # fmt: skip


def build(app: Flask, db: Session, world: World, client: FlaskClient, store: Storage) -> None:
    """Two trusts of registers, amendments, calendars, tasks, casework, a letter, a call list's
    worth of people signing in (and one failing), an API token, and a scheduled job's run."""
    load_demo(db, schools=2, pupils=40, weeks=2, second_trust=False)
    db.commit()
    school = db.get(School, world.a1.id, execution_options=UNSCOPED)
    assert school is not None
    refs = add_register(db, world, school)
    today = datetime.now(UTC).date()
    with app.app_context(), context.use(system_context(db, "test", trust_id=school.trust_id)):
        okafor = db.get(Pupil, (school.id, refs["Okafor"].id))
        assert okafor is not None
        case = casework.open_case(
            db, school, okafor, stage="listen_understand", owner_id=1, owner_name=LEAD.name,
            reason="Red flag after two unexplained days", opened_on=today, recorder=LEAD, today=today,
        )  # fmt: skip
        casework.record_action(
            db, school, case, kind="phone_call", owner_name=LEAD.name, due_on=None, done_on=today,
            notes="Spoke to mum", outcome="Reason given", follow_up_on=today + timedelta(days=7),
            restricted=False, recorder=LEAD, today=today,
        )  # fmt: skip
        create_token(db, school, "MIS feed", by_id=1, by_name=LEAD.name)
        db.commit()
        request = letters.check_request("traffic_light", LETTER_DATE, today, None, None)
        letters.generate(db, school, store, [okafor], request, LEAD, "drill", today=today)
        for trust_id, kind in (
            (world.trust_a.id, "export"),
            (world.trust_b.id, "role_changed"),
            (None, "login_failed"),
        ):
            record(db, kind, f"Drill: {kind}", trust_id=trust_id, actor=SYSTEM)  # every kind of chain
        db.commit()
    for user in ("a1_lead", "a_leader", "b1_lead"):
        signed_in(app.test_client(), world.users[user])
    assert login(client, world.users["b1_staff"], "not the password").status_code != 302  # refused
    run_job(app.extensions["turnout.db"], "weekly-flags", store=store)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    """The `turnout` command as an operator runs it."""
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def storage_url(store: Storage) -> tuple[str, dict[str, str]]:
    """The TURNOUT_STORAGE_URL naming a store, with the S3 endpoint it needs."""
    if isinstance(store, FolderStorage):
        return f"file://{store.root}", {}
    assert isinstance(store, S3Storage)
    return f"s3://{store.bucket}/{store.prefix}", {"TURNOUT_S3_ENDPOINT_URL": store.client.meta.endpoint_url}


def backup(store: Storage) -> Result:
    """Back up through the CLI: the backup's folder, then its totals, on stdout."""
    url, env = storage_url(store)
    result = run("backup", "--storage", url, env=env)
    assert result.exit_code == 0, result.output
    return result


def restore(store: Storage, target: str, *which: str) -> Result:
    url, env = storage_url(store)
    return run("restore", *which, "--storage", url, "--database", target, env=env)


@contextmanager
def bare_postgres(server_url: str) -> Iterator[str]:
    """A new PostgreSQL database with no tables at all, as `createdb` leaves it."""
    name = f"turnout_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(normalise_url(server_url)).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def bare_sqlite(folder: Path) -> str:
    return f"sqlite:///{folder / 'restored.db'}"


def pg_server() -> str:
    from tests.conftest import PG_URL

    if not PG_URL:
        pytest.fail("the restore drill across engines needs TURNOUT_TEST_DATABASE_URL")
    return PG_URL


def counts(database_url: str) -> dict[str, int]:
    """Every table of the database and its rows, as the owner sees them."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            quote = conn.dialect.identifier_preparer.quote
            return {n: conn.execute(sa.text(f"SELECT count(*) FROM {quote(n)}")).scalar_one() for n in names}  # noqa: S608
    finally:
        engine.dispose()


def chains(database_url: str) -> dict[int | None, tuple[str, int]]:
    """Each audit chain's head and length (trust id, None for the platform's), every chain verified whole."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as db:
            found = {}
            for trust_id, head in heads(db).items():
                checked = verify(db, trust_id)
                assert checked.intact and checked.head == head, checked.words
                found[trust_id] = (head, checked.checked)
            return found
    finally:
        engine.dispose()


def digests(database_url: str) -> dict[str, tuple[int, str]]:
    """Every table's row count and a SHA-256 of its rows in primary-key order, as the owner sees them."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            found = {}
            for name in inspector.get_table_names():
                columns = inspector.get_columns(name)
                table = sa.table(name, *(sa.column(c["name"], c["type"]) for c in columns))
                key = inspector.get_pk_constraint(name)["constrained_columns"]
                rows = [
                    {column: _plain(value) for column, value in row._mapping.items()}
                    for row in conn.execute(sa.select(*table.c))
                ]
                rows.sort(key=lambda row: json.dumps([row[k] for k in key]))
                text = json.dumps(rows, sort_keys=True, separators=(",", ":"))
                found[name] = (len(rows), hashlib.sha256(text.encode()).hexdigest())
            return found
    finally:
        engine.dispose()


def _plain(value: object) -> Any:
    """A value as both engines' drivers give it back, in one form: UTC times, UUIDs as hex, JSON sorted."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # dates and times: ISO 8601 on both engines
