"""The demo's dashboards need figures on first start: run the nightly benchmark job once per demo trust."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.benchmarks.store import refresh
from app.clock import local, uk_moment
from tenants import context
from tenants.access import system_context
from tenants.models import Trust
from tenants.scoping import UNSCOPED


def refresh_demo(
    db: Session, slugs: Iterable[str], last_day: date, now: datetime, progress: Callable[[str], None]
) -> None:
    """Benchmarks as of the demo's last day (now, when the demo runs to today), committed per trust."""
    moment = now if local(now).date() <= last_day else uk_moment(last_day, time(18, 0))
    for slug in slugs:
        trust = db.scalar(select(Trust).where(Trust.slug == slug).execution_options(**UNSCOPED))
        if trust is None:
            continue
        with context.use(system_context(db, "job:benchmarks", trust_id=trust.id)):
            progress(f"{trust.name}: {refresh(db, None, trust, moment)}")
            db.commit()
