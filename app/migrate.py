"""Run Alembic migrations from the `turnout db upgrade` command and the tests."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str, app_role: str = "turnout_app") -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["database_url"] = database_url
    config.attributes["app_role"] = app_role
    return config


def upgrade(database_url: str, app_role: str = "turnout_app", revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url, app_role), revision)


def revision(database_url: str, message: str) -> None:
    """Autogenerate a migration (developers only)."""
    command.revision(alembic_config(database_url), message=message, autogenerate=True)
