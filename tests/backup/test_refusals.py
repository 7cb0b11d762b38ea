"""What `turnout restore` refuses, and that a refusal writes nothing: a database that is not empty, an
object altered or missing, a backup that never finished, and schema revisions it cannot line up."""

from __future__ import annotations

import gzip
import json
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.db import make_engine, normalise_url
from app.migrate import alembic_config, upgrade
from app.storage import FolderStorage, Storage, StorageError
from jobs.backup import MANIFEST, export_backup, read_manifest
from jobs.restore import SEEDED
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.backup.drill import bare_postgres, bare_sqlite, counts, digests, pg_server, restore, run
from tests.conftest import World
from tests.databases import fresh_postgres
from tests.jobs.stores import FailingStore
from tests.letters.register import add_register

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)


@pytest.fixture
def registers(db: Session, world: World) -> None:
    """Two pupils' registers in A1 (44 marks) beside the world's three pupils."""
    school = db.get(School, world.a1.id, execution_options=UNSCOPED)
    assert school is not None
    add_register(db, world, school)


def _backup(db: Session, store: Storage, now: datetime = NOW) -> str:
    """The whole database backed up as the nightly job does it; the backup's folder."""
    with context.use(system_context(db, "job:backup")):
        export_backup(db, store, now)
    return f"backups/{now:%Y-%m-%dT%H%M%SZ}/"


@contextmanager
def _bare(engine: str, folder: Path) -> Iterator[str]:
    if engine == "sqlite":
        yield bare_sqlite(folder)
        return
    with bare_postgres(pg_server()) as url:
        yield url


def _previous_revision() -> tuple[str, str]:
    """The code's head and the revision before it."""
    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    head = scripts.get_revision(scripts.get_current_head())
    assert head is not None and isinstance(head.down_revision, str)
    return head.revision, head.down_revision


def test_a_database_that_is_not_empty_is_refused_and_left_as_it_was(
    db: Session, registers: None, database_url: str, tmp_path: Path
) -> None:
    store = FolderStorage(tmp_path / "objects")
    _backup(db, store)
    before = digests(database_url)
    result = restore(store, database_url)
    assert result.exit_code == 1
    assert "is not empty: " in result.output and "marks (44 rows)" in result.output
    assert "nothing was written" in result.output
    assert digests(database_url) == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the engine is not what is checked
def test_a_tampered_object_is_refused_before_anything_is_written(
    db: Session, registers: None, store: Storage, tmp_path: Path
) -> None:
    prefix = _backup(db, store)
    marks = read_manifest(store, prefix)["tables"]["marks"]["key"]
    store.put(marks, store.get(marks).replace(b"\x00", b"\x01", 1) + b"tampered")  # a newer version
    target = bare_sqlite(tmp_path)
    result = restore(store, target)
    assert result.exit_code == 1
    assert f"backup {prefix} is corrupt or incomplete, so nothing was written" in result.output
    assert f"{marks}: " in result.output and "SHA-256" in result.output
    assert counts(target) == {}  # not even migrated


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the engine is not what is checked
def test_a_missing_object_is_refused_with_its_key(db: Session, registers: None, tmp_path: Path) -> None:
    store = FolderStorage(tmp_path / "objects")
    prefix = _backup(db, store)
    tables = read_manifest(store, prefix)["tables"]
    for name in ("pupils", "cases"):
        shutil.rmtree(store.root / (tables[name]["key"] + ",v"))  # lost from the store by hand
    result = restore(store, bare_sqlite(tmp_path))
    assert result.exit_code == 1
    assert f"{tables['pupils']['key']}: missing from the store" in result.output
    assert f"{tables['cases']['key']}: missing from the store" in result.output
    assert counts(bare_sqlite(tmp_path)) == {}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the engine is not what is checked
def test_latest_is_the_newest_finished_backup_and_a_half_written_one_is_refused(
    db: Session, registers: None, store: Storage, tmp_path: Path
) -> None:
    finished = _backup(db, store)
    with pytest.raises(StorageError):
        _backup(db, FailingStore(store, fail_on=6), LATER)  # the store fails on the 6th object
    half = f"backups/{LATER:%Y-%m-%dT%H%M%SZ}/"
    assert store.list_keys(half) and not store.exists(half + MANIFEST)
    refused = restore(store, bare_sqlite(tmp_path), half.removeprefix("backups/"))
    assert refused.exit_code == 1
    assert f"backup {half} has no {MANIFEST}: it never finished" in refused.output
    assert counts(bare_sqlite(tmp_path)) == {}
    restored = restore(store, bare_sqlite(tmp_path))  # latest
    assert restored.exit_code == 0, restored.output
    assert restored.stdout.startswith(f"restored {finished} ")


def test_no_finished_backup_at_all_is_said_plainly(tmp_path: Path) -> None:
    result = restore(FolderStorage(tmp_path / "objects"), bare_sqlite(tmp_path))
    assert result.exit_code == 1 and "no finished backup under backups/" in result.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the engine is not what is checked
def test_a_backup_from_a_revision_this_code_does_not_know_is_refused(
    db: Session, registers: None, tmp_path: Path
) -> None:
    store = FolderStorage(tmp_path / "objects")
    prefix = _backup(db, store)
    manifest = read_manifest(store, prefix)
    store.put(prefix + MANIFEST, json.dumps({**manifest, "schema_revision": "9999"}).encode())
    result = restore(store, bare_sqlite(tmp_path))
    assert result.exit_code == 1
    assert "schema revision '9999', which this version of Turnout does not know" in result.output
    assert counts(bare_sqlite(tmp_path)) == {}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the engine is not what is checked
def test_a_database_migrated_to_another_revision_is_refused(
    db: Session, registers: None, tmp_path: Path
) -> None:
    store = FolderStorage(tmp_path / "objects")
    head, previous = _previous_revision()
    _backup(db, store)
    target = bare_sqlite(tmp_path)
    upgrade(target, revision=previous)
    result = restore(store, target)
    assert result.exit_code == 1
    assert f"is migrated to schema revision {previous}, but the backup is from {head}" in result.output


def test_a_backup_from_an_older_revision_is_restored_then_migrated_to_the_head(tmp_path: Path) -> None:
    store = FolderStorage(tmp_path / "objects")
    head, previous = _previous_revision()
    old = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(old, revision=previous)
    engine = make_engine(old)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO trusts (id, slug, name, settings, created_at) "
                             "VALUES (7, 'elm', 'Elm Trust', '{}', '2026-11-23 09:00:00.000000')"))  # fmt: skip
    with Session(engine) as old_db:
        export_backup(old_db, store, NOW)
    engine.dispose()
    target = bare_sqlite(tmp_path)
    result = restore(store, target)
    assert result.exit_code == 0, result.output
    assert f"then migrated from schema {previous} to {head}" in result.stdout
    restored = make_engine(target)
    with restored.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == head
        assert conn.execute(sa.text("SELECT id, slug FROM trusts")).all() == [(7, "elm")]
    restored.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the target's engine is what is checked
@pytest.mark.parametrize("target_engine", ["sqlite", "postgresql"])
def test_a_row_the_database_refuses_rolls_the_whole_restore_back(
    db: Session, registers: None, tmp_path: Path, target_engine: str
) -> None:
    store = FolderStorage(tmp_path / "objects")
    prefix = _backup(db, store)
    manifest = read_manifest(store, prefix)
    pupils = manifest["tables"]["pupils"]  # after trusts, schools and marks in the restore order
    lines = gzip.decompress(store.get(pupils["key"])).splitlines(keepends=True)
    stored = store.put(pupils["key"], gzip.compress(b"".join([*lines, lines[0]])))  # one pupil twice
    pupils.update(rows=len(lines) + 1, sha256=stored.sha256, size=stored.size)  # and a manifest to match
    store.put(prefix + MANIFEST, json.dumps(manifest).encode())
    with _bare(target_engine, tmp_path) as target:
        result = restore(store, target)
        assert result.exit_code == 1
        assert "pupils: a row was refused, so nothing was kept" in result.output
        assert "restored [" in result.output  # trusts, schools, marks... went in before it
        assert {name for name, rows in counts(target).items() if rows} == SEEDED


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_only_the_owner_restores_and_row_level_security_stays_forced(
    db: Session, registers: None, tmp_path: Path
) -> None:
    """A login role that owns nothing is refused; made the tables' owner (not a superuser, so the forced
    policies bind it too) it restores every row, because the restore names the backup's schools."""
    store = FolderStorage(tmp_path / "objects")
    _backup(db, store)
    role = f"turnout_restorer_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(normalise_url(pg_server()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS'))
    try:
        with fresh_postgres(pg_server(), "turnout_owner") as owned_by_root:
            as_role = make_url(owned_by_root).set(username=role).render_as_string(hide_password=False)
            refused = restore(store, as_role)
            assert refused.exit_code == 1
            assert f"restore must connect as the owner of the tables, not as {role}" in refused.output
            engine = make_engine(owned_by_root)
            with engine.begin() as conn:
                for name in sa.inspect(conn).get_table_names():
                    conn.execute(sa.text(f'ALTER TABLE "{name}" OWNER TO "{role}"'))
            engine.dispose()
            result = restore(store, as_role)
            assert result.exit_code == 0, result.output
            found = counts(owned_by_root)
            assert found["marks"] == 44 and found["pupils"] == 5 and found["schools"] == 3
            forced = make_engine(owned_by_root)
            with forced.connect() as conn:
                assert conn.execute(sa.text(
                    "SELECT relforcerowsecurity FROM pg_class WHERE relname = 'marks'"
                )).scalar() is True  # fmt: skip
            forced.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the engine is not what is checked
def test_a_store_or_database_that_cannot_be_used_is_said_in_words(
    db: Session, registers: None, tmp_path: Path
) -> None:
    bad = run("backup", "--storage", "s3://")
    assert bad.exit_code == 1 and "must be file://FOLDER or s3://BUCKET[/PREFIX]" in bad.output
    store = FolderStorage(tmp_path / "objects")
    _backup(db, store)
    unreachable = restore(store, "postgresql://127.0.0.1:1/turnout")  # nothing listens on port 1
    assert unreachable.exit_code == 1
    assert "Error: the restore stopped: " in unreachable.output and "Traceback" not in unreachable.output
