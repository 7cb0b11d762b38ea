"""No table can be left out: the nightly backup holds every table the database has (it reads them from
the database, not from a list), and a new database holds rows only where the restore expects them."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from app.db import Base
from app.migrate import upgrade
from app.storage import FolderStorage
from jobs.backup import complete_backups, read_manifest
from jobs.definitions import run_job
from jobs.restore import SEEDED
from tests.backup.drill import counts, pg_server
from tests.conftest import World
from tests.databases import fresh_postgres


def test_the_nightly_backup_holds_every_table_of_the_database(
    app: Flask, world: World, database_url: str, tmp_path: Path
) -> None:
    store = FolderStorage(tmp_path / "objects")
    run = run_job(app.extensions["turnout.db"], "nightly-backup", store=store)
    assert run.status == "done", run.error
    (prefix,) = complete_backups(store)
    manifest = read_manifest(store, prefix)
    every = counts(database_url)
    assert sorted(manifest["tables"]) == sorted(manifest["restore_order"]) == sorted(every)
    assert set(Base.metadata.tables) <= set(every)  # every model's table, and the tables no model maps
    assert {name: t["rows"] for name, t in manifest["tables"].items() if name != "job_runs"} == {
        name: rows
        for name, rows in every.items()
        if name != "job_runs"  # the run itself ends after
    }


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_a_new_database_has_rows_only_in_the_tables_a_restore_replaces(engine: str, tmp_path: Path) -> None:
    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'new.db'}"
        upgrade(url)
        filled = {name for name, rows in counts(url).items() if rows}
    else:
        with fresh_postgres(pg_server(), "turnout_new") as url:
            filled = {name for name, rows in counts(url).items() if rows}
    assert filled == SEEDED
