"""What the CSV fuzzing found, each pinned by a plain example so it stays fixed whatever hypothesis draws."""

from __future__ import annotations

import io

import pytest
from sqlalchemy.orm import Session

from app.calendars.csvfile import parse_calendar_csv
from app.registers import mark_blocks
from app.registers.importer import ImportRejected, import_pupils, parse_pupils_csv
from app.registers.mark_blocks import CsvRecords
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.factories import valid_upn
from tests.fuzz.snapshot import Snapshot

PUPILS = "upn,legal_surname,legal_forename,date_of_birth,sex,year_group,admission_date"
MARKS = "upn,date,session,code"


def _refused(parse, data: bytes) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(ImportRejected) as caught:
        parse(data)
    return [str(p) for p in caught.value.problems]


def test_a_control_character_in_a_name_is_refused_with_its_line_and_column(
    db: Session, school: School, snap: Snapshot
) -> None:
    """It was stored (and a NUL made PostgreSQL fail the whole request with a server error)."""
    before = snap.digest()
    for char in ["\x00", "\x1b", "\t"]:
        data = f"{PUPILS}\n{valid_upn()},Sm{char}ith,Sam,2015-03-14,F,5,2021-09-01\n".encode()
        with (
            context.use(system_context(db, "test", trust_id=school.trust_id)),
            pytest.raises(ImportRejected) as caught,
        ):
            import_pupils(db, school, data, source="test", by_name="Test", by_title="Test")
        assert [(p.line, p.column) for p in caught.value.problems] == [(2, "legal_surname")]
        assert f"U+{ord(char):04X}" in caught.value.problems[0].message
    assert snap.changed(before) == []


def test_an_address_may_still_break_over_lines() -> None:
    data = (
        f'{PUPILS},home_address\n{valid_upn()},Smith,Sam,2015-03-14,F,5,2021-09-01,"1 High St\r\nNorwich"\n'
    )
    [(_line, values)] = parse_pupils_csv(data.encode())
    assert values["home_address"] == "1 High St\r\nNorwich"


def test_a_huge_field_in_a_pupils_file_is_a_problem_on_its_line_not_a_crash() -> None:
    """The csv module's field limit raised csv.Error out of the importer (a server error on the upload page)."""
    data = f"{PUPILS}\n{valid_upn()},Smith,Sam,2015-03-14,F,5,2021-09-01\n{valid_upn()},{'x' * 200_000},Sam,2015-03-14,F,5,2021-09-01\n"
    assert _refused(parse_pupils_csv, data.encode()) == [
        "line 3: the CSV cannot be read: field larger than field limit (131072)"
    ]


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (f"{PUPILS}\rA,B\xff\r".encode("latin-1"), 2),  # old Mac line ends: CR alone
        (f"\ufeff{PUPILS}\n".encode() + b"\xff\n", 2),  # a BOM, then a bad byte first on line 2
        (f"{PUPILS}\r\nx\r\ny\xe9\r\n".encode("latin-1"), 3),
    ],
)
def test_the_line_that_is_not_utf8_is_named_whatever_the_line_ends_or_a_bom(data: bytes, line: int) -> None:
    """With CR line ends every such problem was put on line 1, and a BOM moved it a line up."""
    assert _refused(parse_pupils_csv, data) == [f"line {line}: the file is not UTF-8 text"]
    assert _refused(parse_calendar_csv, data) == [f"line {line}: the file is not UTF-8 text"]


def _marks(db: Session, school: School, data: bytes):  # type: ignore[no-untyped-def]
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        return import_marks(db, school, io.BytesIO(data), source="import", description="test",
                            recorder=Recorder(None, "Test", "Test"), reason="test")  # fmt: skip


def test_a_marks_file_with_cr_line_ends_is_read(
    db: Session, school: School, on_roll: tuple[str, ...]
) -> None:
    """Its header was handed whole to the csv module, which raised an error out of the importer."""
    data = f"{MARKS}\r{on_roll[0]},2024-03-04,AM,/\r{on_roll[0]},2024-03-04,PM,L\r".encode()
    assert _marks(db, school, data).new == 2


@pytest.mark.parametrize("end", ["\r\n", "\r"])
def test_line_ends_split_across_reads_count_each_line_once(end: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Small reads, so a CRLF falls across two of them: it is one line end, not two."""
    monkeypatch.setattr(mark_blocks, "BLOCK_BYTES", 5)
    text = end.join([MARKS, *(f"A{i},2024-03-04,AM,/" for i in range(30)), "A30,2024-03-04,EV"]) + end
    records = CsvRecords(io.BytesIO(text.encode()))
    lines = [b.line(i) for b in records.blocks() for i in range(len(b.columns[0]))]
    assert records.header == ["upn", "date", "session", "code"]
    assert lines == list(range(2, 32))


def test_a_huge_quoted_field_in_a_marks_file_is_named_on_its_own_line() -> None:
    """The csv module's error was put on the line after it."""
    data = f'{MARKS}\n"A1","2024-03-04","AM","/"\n"A2","{"x" * 200_000}","AM","/"\n'.encode()
    records = CsvRecords(io.BytesIO(data))
    problems = [str(p) for b in records.blocks() for p in b.problems]
    assert problems == ["line 3: the CSV cannot be read: field larger than field limit (131072)"]


def test_a_column_twice_is_refused_in_marks_and_calendar_files(db: Session, school: School) -> None:
    """Only one of the two was read, silently; the pupils importer already refused this."""
    with pytest.raises(ImportRejected) as caught:
        _marks(db, school, f"{MARKS},code\nA1,2024-03-04,AM,/,N\n".encode())
    assert [str(p) for p in caught.value.problems] == [
        "line 1, column code: column 'code' appears more than once"
    ]
    calendar = b"kind,name,start,end,END\nterm,Autumn,2026-09-01,2026-12-18,2026-12-19\n"
    assert _refused(parse_calendar_csv, calendar) == [
        "line 1, column end: column 'end' appears more than once"
    ]


def test_minutes_late_in_other_digits_are_refused_not_a_crash(
    db: Session, school: School, on_roll: tuple[str, ...]
) -> None:
    """'²' passed str.isdigit() and then int() raised out of the importer; '٣' was taken as 3 minutes."""
    for minutes in ("²", "٣", "５"):
        with pytest.raises(ImportRejected) as caught:
            _marks(db, school, f"{MARKS},minutes_late\n{on_roll[0]},2024-03-04,AM,L,{minutes}\n".encode())
        assert [(p.line, p.column) for p in caught.value.problems] == [(2, "minutes_late")]


def test_a_date_in_other_digits_is_named_as_not_in_the_form_yyyy_mm_dd() -> None:
    """It matched the date pattern (\\d takes any digit) and was then called 'not a real date'."""
    data = f"{PUPILS}\n{valid_upn()},Smith,Sam,２０１５-03-14,F,5,2021-09-01\n".encode()
    assert _refused(parse_pupils_csv, data) == [
        "line 2, column date_of_birth: '２０１５-03-14' is not a date in the form YYYY-MM-DD"
    ]
