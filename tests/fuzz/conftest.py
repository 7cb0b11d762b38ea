"""Fixtures for the fuzz tests: a digest of the database, pupils on roll to mark, bounded hypothesis runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from hypothesis import HealthCheck, Phase, settings
from sqlalchemy.orm import Session

from app.api.services import create_token
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.factories import Factory
from tests.fuzz.snapshot import Snapshot, snapshot_of
from tests.fuzz.tables import ADMITTED


def bounded(examples: int) -> settings:
    """The same examples on every run (CI is deterministic and bounded), no example database on disk.

    No shrinking: it can take minutes on examples that go through a database, and a failure already
    says which fault it made. The health checks for slow and large data are off: examples go through a
    real database on purpose, and a huge field is what some of them are about.
    """
    return settings(
        max_examples=examples,
        phases=[Phase.explicit, Phase.generate],
        deadline=None,
        derandomize=True,
        database=None,
        print_blob=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


@pytest.fixture
def snap(app: Flask, database_url: str, world: World) -> Iterator[Snapshot]:
    with snapshot_of(database_url) as found:
        yield found


@pytest.fixture
def on_roll(db: Session, world: World) -> tuple[str, ...]:
    """Three of school A1's pupils, on roll since ADMITTED."""
    made = Factory(db)
    return tuple(
        made.pupil(world.a1, surname=name, admission_date=ADMITTED).upn for name in ("Ay", "Bee", "Cee")
    )


def api_token(db: Session, school_id: int) -> str:
    """A live API token of the school, as its lead makes one."""
    school = db.get(School, school_id, execution_options=UNSCOPED)
    with context.use(system_context(db, "test")):
        _row, secret = create_token(db, school, "Fuzz MIS", by_id=1, by_name="Lead")
    return secret
