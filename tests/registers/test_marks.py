"""The marks importer: all or nothing, amendments instead of overwrites, rollups that match the marks."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.registers import mark_blocks
from app.registers.codes import CODES
from app.registers.importer import ImportRejected
from app.registers.mark_import import import_marks
from app.registers.marks import Mark, MarkAmendment, MarkBatch, PupilWeek, SchoolSession
from app.registers.measures import COUNTERS, contribution
from app.registers.recording import Recorder, week_start
from app.registers.reports import Period, amendment_rows, attendance_rows
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import sync_rls
from tests.conftest import World
from tests.factories import Factory

TODAY = date(2025, 12, 19)
PERSON = Recorder(None, "Dana Clerk", "Data manager")


@pytest.fixture
def upns(db: Session, world: World) -> list[str]:
    """Three pupils admitted in September, one who joins in November."""
    f = Factory(db)
    admitted = date(2025, 9, 1)
    pupils = [f.pupil(world.a1, surname=f"Pupil{i}", admission_date=admitted) for i in range(3)]
    pupils.append(f.pupil(world.a1, surname="Joiner", admission_date=date(2025, 11, 3)))
    return [p.upn for p in pupils]


def _import(
    db: Session, school: School, lines: list[str], name: str = "marks.csv", reason: str | None = None
):  # type: ignore[no-untyped-def]
    data = ("upn,date,session,code,minutes_late\n" + "".join(line + "\n" for line in lines)).encode()
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        return import_marks(
            db, school, io.BytesIO(data), source="import", description=f"CSV import: {name}",
            recorder=PERSON, reason=reason or f"MIS import: {name}", today=TODAY,
        )  # fmt: skip


def _count(db: Session, school: School, model: type) -> int:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        return db.scalar(select(func.count()).select_from(model)) or 0


def _week_lines(upn: str, monday: date, codes: str) -> list[str]:
    """Ten sessions Monday AM to Friday PM from a 10-character code string."""
    lines = []
    for i, code in enumerate(codes):
        day = date.fromordinal(monday.toordinal() + i // 2)
        minutes = "12" if code == "L" else ""
        lines.append(f"{upn},{day},{'AM' if i % 2 == 0 else 'PM'},{code},{minutes}")
    return lines


def _assert_rollups_match_marks(db: Session, school: School) -> dict[tuple, int]:
    """Recount every pupil-week from the marks; return sessions marked per school session."""
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        marks = db.execute(select(Mark.pupil_id, Mark.date, Mark.session, Mark.code, Mark.minutes_late)).all()
        expected: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(COUNTERS))
        for pid, day, _session, code, minutes in marks:
            for i, value in enumerate(contribution(CODES[code], minutes)):
                expected[(pid, week_start(day))][i] += value
        stored = {
            (w.pupil_id, w.week_start): [getattr(w, c) for c in COUNTERS]
            for w in db.scalars(select(PupilWeek))
        }
        sessions = {(s.date, s.session): s.marked for s in db.scalars(select(SchoolSession))}
    assert stored == dict(expected)
    return sessions


@pytest.mark.parametrize("block_bytes", [mark_blocks.BLOCK_BYTES, 100], ids=["one block", "many blocks"])
def test_import_writes_marks_and_rollups_that_match_them(
    db: Session, school: School, upns: list[str], block_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mark_blocks, "BLOCK_BYTES", block_bytes)
    lines = _week_lines(upns[0], date(2025, 9, 8), "/\\/\\IIL\\/\\") + _week_lines(
        upns[1], date(2025, 9, 8), "/\\NOGG/\\#\\"
    )
    lines += _week_lines(upns[0], date(2025, 9, 15), "/\\/\\/\\/\\X\\")
    result = _import(db, school, lines)
    assert (result.rows, result.new, result.amended) == (30, 30, 0)
    sessions = _assert_rollups_match_marks(db, school)
    assert sum(sessions.values()) == 30 and len(sessions) == 20
    rows = {r["upn"]: r for r in attendance_rows_for(db, school, Period(date(2025, 9, 1), TODAY))}
    first = rows[upns[0]]
    assert first["possible_sessions"] == 19  # X does not count
    assert (first["present_sessions"], first["authorised_sessions"], first["late_sessions"]) == (17, 2, 1)
    assert first["attendance_rate"] == pytest.approx(17 / 19 * 100)
    second = rows[upns[1]]
    assert (second["possible_sessions"], second["unauthorised_sessions"]) == (9, 4)
    assert second["persistent"] is True and second["severe"] is False
    assert rows[upns[2]]["possible_sessions"] == 0 and rows[upns[2]]["attendance_rate"] is None


def attendance_rows_for(db: Session, school: School, period: Period) -> list[dict]:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        return attendance_rows(db, school, period)


def test_part_weeks_at_either_end_of_a_period_are_counted_from_marks(
    db: Session, school: School, upns: list[str]
) -> None:
    _import(
        db,
        school,
        _week_lines(upns[0], date(2025, 9, 8), "IIIIIIIIII")
        + _week_lines(upns[0], date(2025, 9, 15), "/\\/\\/\\/\\/\\"),
    )
    rows = {
        r["upn"]: r for r in attendance_rows_for(db, school, Period(date(2025, 9, 11), date(2025, 9, 16)))
    }
    assert rows[upns[0]]["possible_sessions"] == 8  # Thu, Fri, Mon, Tue
    assert rows[upns[0]]["authorised_sessions"] == 4


@pytest.mark.parametrize(
    ("line", "column", "fragment"),
    [
        ("A000000000000,2025-09-08,AM,/,", "upn", "not on this school's admission register"),
        ("{upn},2025-09-06,AM,/,", "date", "Saturday"),
        ("{upn},2026-01-05,AM,/,", "date", "in the future"),
        ("{upn},2025-02-30,AM,/,", "date", "not a real date"),
        ("{upn},08/09/2025,AM,/,", "date", "YYYY-MM-DD"),
        ("{upn},2025-09-08,XM,/,", "session", "AM or PM"),
        ("{upn},2025-09-08,AM,H,", "code", "G (holiday not granted) or C"),
        ("{upn},2025-09-08,AM,J,", "code", "J1"),
        ("{upn},2025-09-08,AM,Y,", "code", "Y1 to Y7"),
        ("{upn},2025-09-08,AM,Q9,", "code", "not a national attendance code"),
        ("{upn},2025-09-08,AM,L,ten", "minutes_late", "not a number of minutes"),
        ("{upn},2025-09-08,AM,/,5", "minutes_late", "only with L or U"),
        ("{joiner},2025-09-08,AM,/,", "date", "not on roll"),
    ],
)
def test_each_bad_row_is_named_and_nothing_is_written(
    db: Session, school: School, upns: list[str], line: str, column: str, fragment: str
) -> None:
    good = _week_lines(upns[0], date(2025, 9, 15), "/\\/\\/\\/\\/\\")
    bad = line.format(upn=upns[1], joiner=upns[3])
    with pytest.raises(ImportRejected) as caught:
        _import(db, school, [*good[:4], bad, *good[4:]])
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (6, column)
    assert fragment in problem.message
    assert (
        _count(db, school, Mark) == 0
        and _count(db, school, MarkBatch) == 0
        and _count(db, school, PupilWeek) == 0
    )


def test_duplicate_rows_and_many_problems_are_all_listed(
    db: Session, school: School, upns: list[str]
) -> None:
    lines = [
        f"{upns[0]},2025-09-08,AM,/,",
        f"{upns[0]},2025-09-08,AM,L,4",
        f"{upns[1]},2025-09-09,PM,H,",
        "short,row",
    ]
    with pytest.raises(ImportRejected) as caught:
        _import(db, school, lines)
    assert [(p.line, p.column) for p in caught.value.problems] == [(3, None), (4, "code"), (5, None)]
    assert "second mark" in caught.value.problems[0].message


def test_z_is_allowed_before_admission(db: Session, school: School, upns: list[str]) -> None:
    result = _import(db, school, [f"{upns[3]},2025-10-20,AM,Z,", f"{upns[3]},2025-11-03,AM,/,"])
    assert result.new == 2


def test_reimport_is_a_no_op_and_a_correction_is_an_amendment(
    db: Session, school: School, upns: list[str]
) -> None:
    original = _week_lines(upns[0], date(2025, 9, 8), "NN/\\/\\/\\/\\") + _week_lines(
        upns[1], date(2025, 9, 8), "/\\/\\/\\/\\/\\"
    )
    _import(db, school, original, name="monday.csv")
    again = _import(db, school, original, name="monday.csv")
    assert (again.new, again.amended, again.unchanged) == (0, 0, 20)
    corrected = ["I" if i < 2 else line for i, line in enumerate(original)]
    corrected = [original[0].replace(",N,", ",I,"), original[1].replace(",N,", ",I,"), *original[2:]]
    fixed = _import(db, school, corrected, name="tuesday.csv")
    assert (fixed.new, fixed.amended, fixed.unchanged) == (0, 2, 18)
    rows = {r["upn"]: r for r in attendance_rows_for(db, school, Period(date(2025, 9, 1), TODAY))}
    assert (rows[upns[0]]["authorised_sessions"], rows[upns[0]]["unauthorised_sessions"]) == (2, 0)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        history = amendment_rows(db, school, upns[0])
        codes = {
            m.code
            for m in db.scalars(select(Mark).where(Mark.date == date(2025, 9, 8), Mark.session == "AM"))
        }
    assert [(h["original_code"], h["new_code"], h["reason"]) for h in history] == [
        ("N", "I", "MIS import: tuesday.csv")
    ] * 2
    assert history[0]["amended_by_name"] == "Dana Clerk" and history[0]["amended_by_title"] == "Data manager"
    assert "I" in codes and "N" not in codes
    assert _count(db, school, MarkAmendment) == 2


def test_a_correction_with_one_bad_line_changes_nothing(db: Session, school: School, upns: list[str]) -> None:
    original = _week_lines(upns[0], date(2025, 9, 8), "NN/\\/\\/\\/\\")
    _import(db, school, original)
    corrected = [original[0].replace(",N,", ",I,"), *original[1:], f"{upns[0]},2025-09-13,AM,/,"]
    with pytest.raises(ImportRejected) as caught:
        _import(db, school, corrected)
    assert [p.line for p in caught.value.problems] == [12]
    assert _count(db, school, MarkAmendment) == 0
    rows = {r["upn"]: r for r in attendance_rows_for(db, school, Period(date(2025, 9, 1), TODAY))}
    assert rows[upns[0]]["unauthorised_sessions"] == 2


pg_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pg_only
def test_database_refuses_deleting_or_rewriting_marks(
    db: Session, school: School, upns: list[str], database_url: str
) -> None:
    _import(db, school, _week_lines(upns[0], date(2025, 9, 8), "/\\/\\/\\/\\/\\"))
    for statement, refusal in (
        ("DELETE FROM marks", "never removed"),
        ("UPDATE marks SET code = 'O'", "only by an amendment"),
    ):
        with context.use(system_context(db, "test", trust_id=school.trust_id)):
            sync_rls(db)  # raw SQL as the app role, with this school visible
            with pytest.raises(Exception, match=refusal):
                db.execute(text(statement))
            db.rollback()
    assert _count(db, school, Mark) == 10


def test_problems_in_later_blocks_and_repeats_across_blocks_are_all_named(
    db: Session, school: School, upns: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mark_blocks, "BLOCK_BYTES", 100)
    lines = _week_lines(upns[0], date(2025, 9, 8), "/\\/\\/\\/\\/\\") + _week_lines(
        upns[1], date(2025, 9, 8), "/\\/\\/\\/\\/\\"
    )
    lines += [f"{upns[0]},2025-09-08,AM,I,", f"{upns[2]},2025-09-13,PM,/,", f"{upns[1]},2025-09-12,PM,O,"]
    with pytest.raises(ImportRejected) as caught:
        _import(db, school, lines)
    assert [(p.line, p.column) for p in caught.value.problems] == [(22, None), (23, "date"), (24, None)]
    assert f"a second mark for UPN {upns[0]} on 2025-09-08 AM" in caught.value.problems[0].message
    assert _count(db, school, Mark) == 0 and _count(db, school, PupilWeek) == 0


def test_a_correction_spread_over_blocks_amends_and_adds_and_keeps_rollups_true(
    db: Session, school: School, upns: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sessions already recorded go through the merge, new ones straight in, block by block."""
    first = _week_lines(upns[0], date(2025, 9, 8), "NN/\\/\\/\\LL")
    _import(db, school, first)
    monkeypatch.setattr(mark_blocks, "BLOCK_BYTES", 100)
    second = [line.replace(",N,", ",M,") for line in first] + _week_lines(
        upns[1], date(2025, 9, 15), "/\\IIU\\/\\/\\"
    )
    result = _import(db, school, second, name="corrected.csv")
    assert (result.rows, result.new, result.amended, result.unchanged) == (20, 10, 2, 8)
    _assert_rollups_match_marks(db, school)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        history = amendment_rows(db, school, upns[0])
    assert [(h["original_code"], h["new_code"]) for h in history] == [("N", "M"), ("N", "M")]
