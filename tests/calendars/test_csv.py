"""A calendar CSV that is not a calendar is refused whole, each problem with its line (and column when
one cell is wrong); the example file users are offered is itself a good calendar."""

from __future__ import annotations

from datetime import date

import pytest

from app.calendars.csvfile import calendar_csv, parse_calendar_csv
from app.calendars.overview import EXAMPLE_CSV
from app.calendars.spans import SchoolCalendar
from app.registers.importer import ImportRejected

HEADER = "kind,name,start,end\n"
AUTUMN = "term,Autumn term,2026-09-02,2026-12-18\n"


def _problems(body: str) -> list[str]:
    with pytest.raises(ImportRejected) as refused:
        parse_calendar_csv((HEADER + body).encode())
    return [str(p) for p in refused.value.problems]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            AUTUMN + "half_term,Autumn 1,2026-09-02,2026-10-23\nterm,Spring,2026-12-01,2027-03-26\n",
            "line 4: term 'Spring' (Tue 1 Dec 2026 to Fri 26 Mar 2027) overlaps term 'Autumn term' "
            "(Wed 2 Sep 2026 to Fri 18 Dec 2026) on line 2",
        ),
        (
            AUTUMN + "inset,Training,2026-02-30,\n",
            "line 3, column start: unknown date '2026-02-30': dates are real days written YYYY-MM-DD",
        ),
        (
            AUTUMN + "break,Rest,2026-10-26,2026-10-30\n",
            "line 3, column kind: unknown kind 'break'; use one of term, half_term, holiday, inset, closure",
        ),
        ("term,Autumn term,2026-12-18,2026-09-02\n", "line 2: ends (2 September 2026) before it starts (18 December 2026)"),
        (
            AUTUMN + "half_term,Spring 1,2027-01-04,2027-02-12\n",
            "line 3: half-term 'Spring 1' (Mon 4 Jan 2027 to Fri 12 Feb 2027) is not inside any term",
        ),
        (AUTUMN + "inset,Training,2027-01-04,\n", "line 3: INSET day 'Training' (Mon 4 Jan 2027) is not in any term"),
        (
            "term,Summer term,2027-04-12,2027-08-02\n",
            "line 2: term 'Summer term' crosses 31 July: a term lies inside one academic year "
            "(1 August to 31 July)",
        ),
        (AUTUMN + "holiday,Christmas,2026-12-21,\n", "line 3, column end: the end date is required (YYYY-MM-DD)"),
        (AUTUMN + "inset,Training,0001-01-05,\n", "line 3, column start: 0001-01-05 is outside the years Turnout keeps (2000 to 2099)"),
        (AUTUMN + "holiday,Far,2026-12-21,2150-01-01\n", "line 3, column end: 2150-01-01 is outside the years Turnout keeps (2000 to 2099)"),
        (AUTUMN + "closure,Polling\x00station,2026-11-26,\n", "line 3, column name: the name holds a control character (U+0000): names are plain text"),
        (AUTUMN + 'closure,"Polling\nstation",2026-11-26,\n', "line 4, column name: the name holds a control character (U+000A): names are plain text"),
        (AUTUMN + "closure,Polling," + "9" * 5000 + ",\n", "line 3, column start: unknown date '99999999999999999999…': dates are real days written YYYY-MM-DD"),
    ],
    ids=["overlapping terms", "unknown date", "unknown kind", "end before start", "half-term outside a term",
         "INSET outside any term", "term crossing 31 July", "holiday without an end", "year 1", "year 2150",
         "NUL in a name", "line break in a name", "a huge date quoted back short"],
)  # fmt: skip
def test_a_file_that_is_not_a_calendar_is_refused_naming_the_line(body: str, expected: str) -> None:
    assert _problems(body) == [expected]


def test_a_field_too_large_to_read_is_a_problem_on_its_line_with_those_before_it() -> None:
    """Python's csv module stops at a field over 131072 characters; the lines before it are still checked."""
    body = (
        "break,Rest,2026-10-26,2026-10-30\n" + AUTUMN + "closure," + "x" * 131073 + ",2026-11-26,\n" + AUTUMN
    )
    assert _problems(body) == [
        "line 2, column kind: unknown kind 'break'; use one of term, half_term, holiday, inset, closure",
        "line 4: the CSV cannot be read: field larger than field limit (131072)",
    ]
    with pytest.raises(ImportRejected) as refused:
        parse_calendar_csv(("kind,name," + "x" * 131073 + "\n").encode())
    assert [str(p) for p in refused.value.problems] == [
        "line 1: the CSV cannot be read: field larger than field limit (131072)"
    ]


def test_every_problem_of_a_file_is_listed_in_line_order() -> None:
    body = AUTUMN + "term,Spring,2026-12-01,2027-03-26\nholiday,Half-term,2026-10-26,2026-10-3\n"
    assert [p.split(":")[0] for p in _problems(body)] == ["line 3", "line 4, column end"]


def test_the_example_file_is_a_whole_year_and_round_trips() -> None:
    """2026/27 in the example, by half-term: autumn 38 + 35 school days (39 weekdays from Tuesday
    1 September less its INSET day), spring 29 + 25 (30 less the INSET day on 4 January), summer 33 + 33
    (35 less the May bank holiday and the polling-station closure; 6 weeks and 3 days to Wednesday 21 July)."""
    spans = [span for _line, span in parse_calendar_csv(EXAMPLE_CSV.encode())]
    cal = SchoolCalendar(spans)
    assert cal.years == {2026}
    assert [t.name for t in cal.terms] == ["Autumn term", "Spring term", "Summer term"]
    days = {t.name: len(cal.school_days(t.start, t.end)) for t in cal.terms}
    assert days == {"Autumn term": 73, "Spring term": 54, "Summer term": 66}
    halves = [len(cal.school_days(h.start, h.end)) for h in cal.half_terms]
    assert halves == [38, 35, 29, 25, 33, 33]
    assert cal.why_closed(date(2027, 5, 6)) == "Planned closure: Polling station"
    again = [span for _line, span in parse_calendar_csv(calendar_csv(spans).encode())]
    assert again == spans
