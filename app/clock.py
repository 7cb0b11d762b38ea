"""The schools' clock: due times, "today" and dates people type are on UK time, whatever the server's zone."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from app.db import utcnow

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
YEARS = range(2000, 2100)  # dates outside these years are typing mistakes, and overflow date arithmetic


def local(moment: datetime) -> datetime:
    """A stored UTC moment as the time on the school's clocks."""
    return moment.astimezone(LONDON)


def uk_moment(day: date, at: time) -> datetime:
    """A UK date and time of day as the UTC moment it is."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def now_and_today() -> tuple[datetime, date]:
    """Now, and today's date in the UK, read once so everything on one page agrees."""
    now = utcnow()
    return now, local(now).date()


def uk_today() -> date:
    return now_and_today()[1]


def parse_day(text: str) -> date:
    """A date typed as YYYY-MM-DD in a year Turnout works with; ValueError says what is wrong."""
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise ValueError(f"'{text[:20]}' is not a date: use the date picker (YYYY-MM-DD).")
    if day.year not in YEARS:
        raise ValueError(
            f"{day:%-d %B} {day.year} is outside the years Turnout keeps ({YEARS[0]} to {YEARS[-1]})."
        )
    return day


def chosen_day(text: str | None, today: date) -> tuple[date, str | None]:
    """The date a page was asked for (today when none), or today and what is wrong with the one given."""
    text = (text or "").strip()
    if not text:
        return today, None
    try:
        return parse_day(text), None
    except ValueError as exc:
        return today, str(exc)
