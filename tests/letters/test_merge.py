"""Merge fields: an unknown or broken field is refused by name and line; values go in as plain text."""

from __future__ import annotations

import pytest

from app.letters import merge
from app.letters.figures import lost_over_career
from app.letters.wording import BUILT_IN
from app.registers.measures import Counts, quantity


def test_an_unknown_field_is_named_with_its_line() -> None:
    body = "Dear {{ parent_carer }},\n\nHello.\nMissed {{ days_mised }} and {{lessons_missed}}."
    with pytest.raises(merge.TemplateRefused) as refused:
        merge.check("traffic_red", "Attendance", body)
    message = refused.value.problems["body"]
    assert message.startswith("Unknown merge field {{ days_mised }} on line 4: choose from pupil_name, ")
    assert "days_missed" in message and set(refused.value.problems) == {"body"}


def test_meeting_fields_only_in_an_invitation_and_braces_must_close() -> None:
    with pytest.raises(merge.TemplateRefused) as refused:
        merge.check("lateness", "On {{ meeting_date }}", "Late {{ late_count")
    assert refused.value.problems == {
        "title": "Merge field {{ meeting_date }} on line 1 is only for meeting invitations.",
        "body": "Line 1 has a “{{” or “}}” that is not part of a merge field: write a field as {{ field_name }}.",
    }
    merge.check("meeting", "On {{ meeting_date }}", "At {{ meeting_time }}")


def test_every_built_in_wording_passes_its_own_check() -> None:
    for kind, text in BUILT_IN.items():
        merge.check(kind, text.title, text.body)


def test_values_are_plain_text_in_paragraphs() -> None:
    filled = merge.fill(
        "Dear {{ parent_carer }},\n\n  Line one\nline two\n\n\n", {"parent_carer": "{{ x }} <b>"}
    )
    assert merge.paragraphs(filled) == [["Dear {{ x }} <b>,"], ["Line one", "line two"]]


def test_days_lessons_and_a_career_read_as_a_parent_would() -> None:
    assert [quantity(n, "day") for n in (0, 1, 4.5, 3)] == ["0 days", "1 day", "4.5 days", "3 days"]
    # 10% absence: 19 days a year, 266 days over 14 years of 190 days
    assert lost_over_career(Counts(possible=100, authorised=6, unauthorised=4)) == (
        "266 days (53.2 weeks, 1.4 school years)"
    )
