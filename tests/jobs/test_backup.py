"""The nightly backup on both databases and both stores: every table of every trust, counted and hashed
in a manifest written last; a store failing part-way leaves no manifest, and a re-run finishes it."""

from __future__ import annotations

import gzip
import hashlib
import io
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy.orm import Session

from app.migrate import alembic_config
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from app.storage import Storage, StorageError
from jobs.backup import MANIFEST, complete_backups, export_backup, read_manifest, read_rows
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.jobs.stores import FailingStore

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
PREFIX = "backups/2026-11-24T020000Z/"


def _marks(db: Session, world: World) -> None:
    """Two days of marks for A1's pupil and B1's pupil: four rows each, in two trusts."""
    for label, ref in (("a1", world.a1), ("b1", world.b1)):
        school = db.get(School, ref.id, execution_options=UNSCOPED)
        upn = world.pupils[label].upn
        lines = ["upn,date,session,code"] + [
            f"{upn},{day},{session},/" for day in ("2026-11-16", "2026-11-17") for session in ("AM", "PM")
        ]
        with context.use(system_context(db, "test", trust_id=ref.trust_id)):
            import_marks(db, school, io.BytesIO(("\n".join(lines) + "\n").encode()), source="import",
                         description="backup test", recorder=Recorder(None, "Dana Clerk", "Data manager"),
                         reason="test")  # fmt: skip


def _owner_counts(database_url: str) -> dict[str, int]:
    """Every table's rows as the database owner sees them (no RLS), to check the app role missed none."""
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {n: conn.execute(sa.text(f'SELECT count(*) FROM "{n}"')).scalar_one() for n in names}  # noqa: S608
    finally:
        engine.dispose()


def _backup(db: Session, store: Storage, now: datetime = NOW) -> str:
    with context.use(system_context(db, "job:backup")):
        return export_backup(db, store, now)


def test_the_manifest_counts_every_row_of_every_table_of_every_trust(
    db: Session, world: World, store: Storage, database_url: str
) -> None:
    _marks(db, world)
    expected = _owner_counts(database_url)
    assert expected["marks"] == 8 and expected["pupils"] == 3 and expected["trusts"] == 2
    summary = _backup(db, store)
    manifest = read_manifest(store, PREFIX)
    assert {name: t["rows"] for name, t in manifest["tables"].items()} == expected
    assert set(manifest["restore_order"]) == set(expected)
    assert manifest["restore_order"].index("schools") < manifest["restore_order"].index("pupils")
    assert (
        manifest["schema_revision"]
        == ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    )
    assert manifest["started_at"] <= manifest["finished_at"]
    rows = sum(expected.values())
    assert summary.startswith(f"backup 2026-11-24T02:00Z: {len(expected)} tables, {rows:,} rows, ")
    assert summary.endswith(" MB")
    for table in manifest["tables"].values():  # each object is what the manifest says it is
        data = store.get(table["key"])
        assert hashlib.sha256(data).hexdigest() == table["sha256"] and len(data) == table["size"]
        assert len(gzip.decompress(data).splitlines()) == table["rows"]
    pupils = list(read_rows(store, PREFIX, "pupils"))
    assert sorted(p["legal_surname"] for p in pupils) == ["Canaryalder", "Canaryalderii", "Canarybirch"]
    assert {p["date_of_birth"] for p in pupils} == {"2015-03-14"}
    marks = list(read_rows(store, PREFIX, "marks"))
    assert [(m["date"], m["session"]) for m in marks[:2]] == [("2026-11-16", "AM"), ("2026-11-16", "PM")]
    trusts = list(read_rows(store, PREFIX, "trusts"))
    assert datetime.fromisoformat(trusts[0]["created_at"]).tzinfo is not None
    assert complete_backups(store) == [PREFIX]


def test_a_store_failing_midway_leaves_no_manifest_and_a_re_run_completes(
    db: Session, world: World, store: Storage, database_url: str
) -> None:
    failing = FailingStore(store, fail_on=5)
    with pytest.raises(StorageError, match="connection reset"):
        _backup(db, failing)
    written = store.list_keys(PREFIX)
    assert len(written) == 4 and PREFIX + MANIFEST not in written
    assert complete_backups(store) == []  # a half-written backup is never offered to a restore
    summary = _backup(db, store)
    assert complete_backups(store) == [PREFIX]
    assert {n: t["rows"] for n, t in read_manifest(store, PREFIX)["tables"].items()} == _owner_counts(
        database_url
    )
    again = _backup(db, store)  # the same night again: nothing rewritten
    assert again == summary.replace(": ", ": already complete (", 1) + ")"
    assert len(store.versions(PREFIX + MANIFEST)) == 1


def test_the_manifest_is_the_last_object_written(db: Session, world: World, store: Storage) -> None:
    watched = FailingStore(store, fail_on=0)
    _backup(db, watched)
    assert watched.keys[-1] == PREFIX + MANIFEST and sorted(watched.keys) == store.list_keys(PREFIX)
    failing_last = FailingStore(store, fail_on=len(watched.keys))  # only the manifest fails: no backup
    with pytest.raises(StorageError):
        _backup(db, failing_last, datetime(2026, 11, 25, 2, 0, tzinfo=UTC))
    assert complete_backups(store) == [PREFIX]
