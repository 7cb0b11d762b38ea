"""The demo's dashboards have figures on first start: loading the demo stores each trust's benchmarks as of
its last day."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.benchmarks.store import latest
from app.demo import load_demo
from tenants import context
from tenants.access import system_context
from tenants.models import Trust
from tenants.scoping import UNSCOPED


def test_the_demo_stores_each_trusts_benchmarks(db: Session) -> None:
    now = datetime(2025, 10, 1, 12, 0, tzinfo=UTC)
    load_demo(db, schools=2, pupils=60, start=date(2025, 9, 1), weeks=2, now=now)
    for trust in db.scalars(select(Trust).order_by(Trust.id).execution_options(**UNSCOPED)).all():
        with context.use(system_context(db, "test", trust_id=trust.id)):
            found = latest(db, trust)
        assert found is not None, trust.slug
        assert found.as_of == date(2025, 9, 14)  # the demo's last day
        ytd = found.periods["ytd"]
        assert ytd.trust.possible_sessions and ytd.trust.possible_sessions > 0
        assert ytd.trust.enrolments == sum(r.enrolments or 0 for r in ytd.schools)
        assert found.weekly[None]
