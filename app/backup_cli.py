"""`turnout backup` and `turnout restore`: the nightly export on demand, and getting it back."""

from __future__ import annotations

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.cli_support import command_session, fail
from app.config import load_config
from app.db import utcnow
from app.storage import StorageError, get_storage, open_storage
from jobs.backup import ROOT, export_backup, stamp
from jobs.restore import RestoreFailed, RestoreRefused, restore_backup
from tenants import context
from tenants.access import system_context

_STORAGE_HELP = "Object storage: file://FOLDER or s3://BUCKET[/PREFIX] (default: TURNOUT_STORAGE_URL)."


def _progress(message: str) -> None:
    click.echo(message, err=True)


@click.command("backup")
@click.option("--storage", "storage_url", default=None, help=_STORAGE_HELP)
def backup(storage_url: str | None) -> None:
    """Back up every table now, as the nightly job does, under backups/STAMP/ in object storage."""
    with command_session() as (app, db):
        try:
            store = open_storage(storage_url, app.config["S3_ENDPOINT_URL"]) if storage_url else get_storage()
        except (StorageError, ValueError) as error:
            fail(str(error))
        now = utcnow()
        try:
            with context.use(system_context(db, "cli:backup")):
                summary = export_backup(db, store, now, progress=_progress)
        except StorageError as error:
            fail(f"{error} (no manifest was written, so this backup will never be restored)")
    click.echo(f"{ROOT}{stamp(now)}/")
    click.echo(summary)


@click.command("restore")
@click.argument("which", default="latest", metavar="[STAMP|latest]")
@click.option("--storage", "storage_url", default=None, help=_STORAGE_HELP)
@click.option(
    "--database", "database_url", default=None,
    help="An empty database to restore into, as its owner (default: TURNOUT_DATABASE_URL).",
)  # fmt: skip
def restore(which: str, storage_url: str | None, database_url: str | None) -> None:
    """Restore a finished backup (the newest by default) into an empty database, all or nothing."""
    config = load_config()
    target = database_url or config["DATABASE_URL"]
    try:
        store = open_storage(storage_url or config["STORAGE_URL"], config["S3_ENDPOINT_URL"])
        done = restore_backup(store, which, target, app_role=config["DB_APP_ROLE"], progress=_progress)
    except (RestoreRefused, RestoreFailed, StorageError, ValueError) as error:
        fail(str(error))
    except SQLAlchemyError as error:  # unreachable, or a migration refused: the database says why
        fail(f"the restore stopped: {getattr(error, 'orig', None) or error}")
    where = make_url(target).render_as_string(hide_password=True)
    click.echo(f"restored {done.prefix} (made on {done.source_dialect}, schema {done.revision}) into {where}")
    click.echo(f"{done.tables} tables, {done.rows:,} rows: every table's count matches the manifest")
    if done.upgraded_to:
        click.echo(f"then migrated from schema {done.revision} to {done.upgraded_to}")
