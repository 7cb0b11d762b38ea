"""The nightly benchmark job for the trust with the most schools in TURNOUT_DATABASE_URL (the demo `make
bench` loads): seconds for refresh (three periods and the weekly series) as of the last day with registers.
The work is rolled back, so the figure is the same however often it runs. Prints JSON on its last line."""

from __future__ import annotations

import json
import time
from datetime import time as clock_time

from sqlalchemy import func, select

from app import create_app
from app.benchmarks.store import refresh
from app.clock import uk_moment
from app.db import get_db
from app.registers.marks import SchoolSession
from app.registers.models import Pupil
from app.storage import get_storage
from tenants import context
from tenants.access import system_context
from tenants.models import School, Trust
from tenants.scoping import UNSCOPED


def main() -> None:
    app = create_app()
    with app.app_context():
        db = get_db().sessionmaker()
        trust_id, schools = db.execute(
            select(School.trust_id, func.count()).group_by(School.trust_id).order_by(func.count().desc()).limit(1)
            .execution_options(**UNSCOPED)
        ).one()  # fmt: skip
        with context.use(system_context(db, "job:benchmarks", trust_id=trust_id)):
            trust = db.get(Trust, trust_id)
            assert trust is not None
            ids = select(School.id).where(School.trust_id == trust_id)
            last_day = db.scalar(select(func.max(SchoolSession.date)).where(SchoolSession.school_id.in_(ids)))
            pupils = db.scalar(select(func.count()).select_from(Pupil).where(Pupil.school_id.in_(ids)))
            db.rollback()
            now = uk_moment(last_day, clock_time(18, 0))
            started = time.perf_counter()
            summary = refresh(db, get_storage(), trust, now)
            seconds = time.perf_counter() - started
            db.rollback()
    print(summary)
    print(json.dumps({"benchmark_job_trust_s": round(seconds, 3), "schools": schools, "pupils": pupils,
                      "as_of": last_day.isoformat()}))  # fmt: skip


if __name__ == "__main__":
    main()
