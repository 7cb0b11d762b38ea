"""Merge fields: `{{ field_name }}` in a template's plain text, checked when saved and filled when sent.

Template text is never treated as HTML or as a Jinja template: fields are replaced as plain text and
the letter's page escapes everything, so a template can neither run code nor inject markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from app.refusals import Refused

FIELDS = {
    "pupil_name": "The pupil's name, e.g. Sam Okafor",
    "pupil_first_name": "The pupil's first (preferred) name, e.g. Sam",
    "year_group": "e.g. Year 9, or Reception",
    "form": "The pupil's form or class, e.g. 9K",
    "school_name": "The school's name",
    "date": "The letter's date, e.g. 12 May 2026",
    "parent_carer": "The first contact with parental responsibility, or “Parent/carer of Sam Okafor”",
    "attendance": "The pupil's attendance this school year, e.g. 93.4%",
    "school_attendance": "The school's attendance this school year, e.g. 94.1%",
    "possible_days": "Days the pupil could have attended this year, e.g. 110 days",
    "days_missed": "Days missed this year (two sessions make a day), e.g. 4.5 days",
    "lessons_missed": "Lessons missed this year (days missed × lessons a day), e.g. 22.5 lessons",
    "sessions_missed": "Morning and afternoon sessions missed this year, e.g. 9 sessions",
    "flag": "The pupil's flag from this year's attendance: Green, Amber, Red, Purple or New",
    "lost_over_career": "This year's absence rate over a school career (Reception to Year 13), e.g. "
    "133 days (26.6 weeks, 0.7 school years)",
    "late_count": "Times arrived late (code L) this year, e.g. 6 times",
    "late_minutes": "Minutes late added up, e.g. 85 minutes",
    "late_lessons": "Minutes late as lessons, e.g. 1.4 lessons",
    "late_days": "Minutes late as school days, e.g. 0.3 days",
    "period_start": "The first day of this school year's registers, e.g. 3 September 2025",
    "period_end": "The day the figures run to (the letter's date), e.g. 12 May 2026",
}
MEETING_FIELDS = {
    "meeting_date": "The meeting's date, e.g. Tuesday 19 May 2026",
    "meeting_time": "The meeting's time, e.g. 9:30am",
}
MAX_TITLE = 200
MAX_BODY = 10_000

_FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


class TemplateRefused(Refused):
    """Wording that cannot be saved, with a problem per part ("title", "body") in words to act on."""


def fields_for(kind: str) -> dict[str, str]:
    """The merge fields a template of this kind may use: the meeting ones only in an invitation."""
    return {**FIELDS, **MEETING_FIELDS} if kind == "meeting" else FIELDS


def check(kind: str, title: str, body: str) -> None:
    """Refuse wording with an unknown or broken merge field, naming it and its line; or refuse empty text."""
    problems = {}
    for part, text, limit in (("title", title, MAX_TITLE), ("body", body, MAX_BODY)):
        if not text.strip():
            problems[part] = "Write the letter's title." if part == "title" else "Write the letter's text."
        elif len(text) > limit:
            problems[part] = f"Keep this to {limit:,} characters or fewer (it has {len(text):,})."
        elif found := field_problems(kind, text):
            problems[part] = " ".join(found)
    if problems:
        raise TemplateRefused(problems)


def field_problems(kind: str, text: str) -> list[str]:
    """Every unknown or unclosed merge field in the text, with its line number."""
    allowed = fields_for(kind)
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _FIELD.finditer(line):
            name = match.group(1)
            if name in allowed:
                continue
            if name in MEETING_FIELDS:
                problems.append(
                    f"Merge field {{{{ {name} }}}} on line {number} is only for meeting invitations."
                )
            else:
                problems.append(
                    f"Unknown merge field {{{{ {name} }}}} on line {number}: choose from "
                    + ", ".join(allowed)
                    + "."
                )
        rest = _FIELD.sub("", line)
        if "{{" in rest or "}}" in rest:
            problems.append(
                f"Line {number} has a “{{{{” or “}}}}” that is not part of a merge field: "
                "write a field as {{ field_name }}."
            )
    return problems


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace each merge field with its value as plain text (the page escapes it)."""
    return _FIELD.sub(lambda match: values[match.group(1)], text)


def paragraphs(text: str) -> list[list[str]]:
    """Paragraphs split by blank lines, each a list of its lines (shown with line breaks)."""
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip())
    return [[line.strip() for line in block.split("\n")] for block in blocks if block.strip()]
