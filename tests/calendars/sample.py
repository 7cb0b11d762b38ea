"""A real-looking 2026/27 calendar for tests: autumn term with half-terms, an INSET day and a closure."""

from __future__ import annotations

from datetime import UTC, date, datetime
from unittest.mock import patch

from sqlalchemy.orm import Session

from app import clock
from app.calendars.services import import_calendar
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import School

AUTUMN_2026 = b"""kind,name,start,end
term,Autumn term,2026-09-02,2026-12-18
half_term,Autumn 1,2026-09-02,2026-10-23
holiday,October half-term,2026-10-26,2026-10-30
half_term,Autumn 2,2026-11-02,2026-12-18
inset,Staff training,2026-11-02,
closure,Polling station,2026-11-26,
holiday,Christmas holiday,2026-12-21,2027-01-01
term,Spring term,2027-01-04,2027-03-26
"""
TUESDAY = date(2026, 11, 24)  # a school day
INSET = date(2026, 11, 2)
CLOSURE = date(2026, 11, 26)
HOLIDAY = date(2026, 10, 28)
SATURDAY = date(2026, 11, 28)
RECORDER = Recorder(None, "Test", "Data manager")


SUMMER = datetime(2026, 8, 14, 12, 0, tzinfo=UTC)  # outside every term of the sample


def give_calendar(db: Session, school: School, data: bytes = AUTUMN_2026) -> None:
    """Import the calendar as if on a summer day, so the import makes no tasks of its own (it makes today's
    when today is a school day) and each test makes the days it names."""
    with (
        context.use(system_context(db, "test", trust_id=school.trust_id)),
        patch.object(clock, "utcnow", lambda: SUMMER),
    ):
        import_calendar(db, school, data, RECORDER)
