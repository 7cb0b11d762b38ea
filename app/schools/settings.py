"""A trust's school-day settings, used wherever absence is put into lessons and days."""

from __future__ import annotations

from tenants.models import School


def lessons_per_day(school: School) -> int:
    """Lessons in a school day, for letters and pupil pages (a trust setting; 5 by default)."""
    return int(school.trust.settings.get("lessons_per_day", 5))


def lesson_minutes(school: School) -> int:
    """Minutes in a lesson, to put lateness into lessons lost (a trust setting; 60 by default)."""
    return int(school.trust.settings.get("lesson_minutes", 60))
