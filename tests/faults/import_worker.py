"""Import a marks file in a process of its own and stop half-way, inside the transaction, so a test can
SIGKILL it there: `python -m tests.faults.import_worker URN FILE ROWS` (TURNOUT_DATABASE_URL names the
database). It prints `paused` once ROWS marks are written and not yet committed."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from sqlalchemy import select

from app import create_app
from app.db import get_db
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED

PAUSE_SECONDS = 120  # far longer than the test takes to kill it; it never finishes on its own


def main(urn: int, path: Path, pause_after: int) -> None:
    written = 0

    def pause(rows: int) -> None:
        nonlocal written
        written += rows
        if written >= pause_after:
            print("paused", flush=True)
            time.sleep(PAUSE_SECONDS)
            raise SystemExit("not killed in time")

    app = create_app()
    with app.app_context(), get_db().session() as db:
        school = db.scalars(select(School).where(School.urn == urn).execution_options(**UNSCOPED)).one()
        with (
            context.use(system_context(db, "test:import-worker", trust_id=school.trust_id)),
            path.open("rb") as f,
        ):
            import_marks(db, school, f, source="import", description="killed import",
                         recorder=Recorder(None, "Worker", "Test"), reason="test", progress=pause)  # fmt: skip


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]))
