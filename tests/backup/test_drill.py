"""The restore drill: a realistic two-trust database backed up with `turnout backup` to a folder and to S3,
restored with `turnout restore` into an empty database of the same engine and of the other, and compared
table by table (row counts and a digest of every row); the restored database then serves a sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import create_app
from app.audit.services import SYSTEM, record
from app.db import make_engine
from app.storage import FolderStorage, Storage
from jobs.backup import read_manifest
from tests.backup import drill
from tests.conftest import World
from tests.databases import fresh_postgres
from tests.helpers import signed_in


@contextmanager
def _same_engine(database_url: str, folder: Path) -> Iterator[str]:
    """SQLite: a file with no tables (restore migrates it); PostgreSQL: a new database already migrated."""
    if database_url.startswith("sqlite"):
        yield drill.bare_sqlite(folder)
        return
    with fresh_postgres(drill.pg_server(), "turnout_restore") as url:
        yield url


@contextmanager
def _other_engine(database_url: str, folder: Path) -> Iterator[str]:
    """The other engine, with no tables at all: SQLite into PostgreSQL and PostgreSQL into SQLite."""
    if database_url.startswith("sqlite"):
        with drill.bare_postgres(drill.pg_server()) as url:
            yield url
        return
    yield drill.bare_sqlite(folder)


def _serves(target: str, world: World, folder: Path, restored: dict[int | None, tuple[str, int]]) -> None:
    """The restored database works: a school lead signs in and sees the school's pupils (read through the
    app role and its row-level security), and trust A's audit chain goes on from its restored head (new
    rows take new ids: the counters moved on)."""
    app = create_app({"TESTING": True, "DATABASE_URL": target, "INSTANCE_PATH": str(folder)})
    try:
        with app.extensions["turnout.db"].session() as db:
            event = record(db, "export", "Drill: after the restore", trust_id=world.trust_a.id, actor=SYSTEM)
            db.commit()
        client = signed_in(app.test_client(), world.users["a1_lead"])
        page = client.get(f"/schools/{world.a1.urn}/pupils").get_data(as_text=True)
        assert "Canaryalder" in page and "Okafor" in page and "Canarybirch" not in page
    finally:
        app.extensions["turnout.db"].engine.dispose()
    head, length = restored[world.trust_a.id]
    assert (event.prev_hash, event.seq) == (head, length + 1)
    assert drill.chains(target)[world.trust_a.id][1] >= event.seq  # and verified whole again


SIGN_INS = {"user_sessions", "login_challenges"}  # the restore ends the backup's sessions and sign-ins


def _round_trip(
    app: Flask, db: Session, world: World, client: FlaskClient, store: Storage, database_url: str, target: str,
    folder: Path,
) -> None:  # fmt: skip
    drill.build(app, db, world, client, store)
    before = drill.digests(database_url)
    chains = drill.chains(database_url)
    assert {world.trust_a.id, world.trust_b.id, None} <= set(chains)  # both trusts' and the platform's
    assert {name for name, (rows, _digest) in before.items() if rows} >= drill.FILLED
    made = drill.backup(store)
    prefix = made.stdout.splitlines()[0]
    manifest = read_manifest(store, prefix)
    assert {name: t["rows"] for name, t in manifest["tables"].items()} == {
        n: r for n, (r, _) in before.items()
    }
    assert len([line for line in made.stderr.splitlines() if line.startswith("[")]) == len(before)
    assert f"{len(before)} tables, {sum(r for r, _ in before.values()):,} rows" in made.stdout

    result = drill.restore(store, target, "latest")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"restored {prefix} (made on {manifest['dialect']}")
    assert "every table's count matches the manifest" in result.stdout
    assert len([line for line in result.stderr.splitlines() if line.startswith("restored [")]) == len(before)
    after = drill.digests(target)
    assert {n: d for n, d in after.items() if n not in SIGN_INS} == {
        n: d for n, d in before.items() if n not in SIGN_INS
    }
    assert after["user_sessions"][0] == before["user_sessions"][0] and after["login_challenges"][0] == 0
    assert "signed out the" in result.stderr  # a session ended since the backup must not work again
    restored = make_engine(target)
    with restored.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM user_sessions WHERE revoked_at IS NULL")) == 0
    restored.dispose()
    assert drill.chains(target) == chains  # every chain verifies, with the same heads and lengths
    _serves(target, world, folder, chains)


def test_the_drill_restores_every_row_into_an_empty_database_of_the_same_engine(
    app: Flask,
    db: Session,
    world: World,
    client: FlaskClient,
    store: Storage,
    database_url: str,
    tmp_path: Path,
) -> None:
    with _same_engine(database_url, tmp_path) as target:
        _round_trip(app, db, world, client, store, database_url, target, tmp_path)


def test_the_drill_restores_into_the_other_engine(
    app: Flask, db: Session, world: World, client: FlaskClient, database_url: str, tmp_path: Path
) -> None:
    store = FolderStorage(tmp_path / "objects")
    with _other_engine(database_url, tmp_path) as target:
        _round_trip(app, db, world, client, store, database_url, target, tmp_path)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_drill_restores_postgresql_into_a_database_with_no_tables(
    app: Flask, db: Session, world: World, client: FlaskClient, database_url: str, tmp_path: Path
) -> None:
    store = FolderStorage(tmp_path / "objects")
    with drill.bare_postgres(drill.pg_server()) as target:
        _round_trip(app, db, world, client, store, database_url, target, tmp_path)
