"""Alembic environment: migrations run as the database owner, never as the app role."""

from __future__ import annotations

from alembic import context

import app.models  # noqa: F401 - every model registers on Base.metadata
from app.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.attributes["database_url"])
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=lambda name, kind, _parent: not (kind == "table" and name == "apscheduler_jobs"),
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
