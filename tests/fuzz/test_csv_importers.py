"""Hypothesis-made CSV files for every importer: a bad file is refused whole with its line and column named
and the database unchanged; a good one (with an export's noise) is accepted, and sending it again is a no-op."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from sqlalchemy.orm import Session

from app.calendars import services as calendars
from app.registers.importer import ImportRejected, import_pupils
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.fuzz.conftest import bounded
from tests.fuzz.csv_faults import Fuzzed, Spec, Table, check_problems, malformed, plain_csv
from tests.fuzz.snapshot import Snapshot
from tests.fuzz.tables import CALENDAR, MARKS, PUPILS, calendar_tables, mark_tables, pupil_tables

MALFORMED_EXAMPLES = 120
VALID_EXAMPLES = 15
RECORDER = Recorder(None, "Fuzz", "Test")


def _pupils(db: Session, school: School, data: bytes) -> Any:
    return import_pupils(db, school, data, source="fuzz", by_name="Fuzz", by_title="Test")


def _marks(db: Session, school: School, data: bytes) -> Any:
    return import_marks(db, school, io.BytesIO(data), source="import", description="fuzz", recorder=RECORDER,
                        reason="fuzz")  # fmt: skip


def _calendar(db: Session, school: School, data: bytes) -> Any:
    return calendars.import_calendar(db, school, data, RECORDER)


def _refusals(error: Exception) -> list[str]:
    """The words a person reads when the calendar is refused for how it fits the school's own entries."""
    assert isinstance(error, calendars.CalendarRefused)
    return list(error.problems.values())


def _run_malformed(
    db: Session, school: School, snap: Snapshot, importer: Callable[[Session, School, bytes], Any],
    fuzzed: Fuzzed,
) -> None:  # fmt: skip
    before = snap.digest()
    with context.use(system_context(db, "fuzz", trust_id=school.trust_id)):
        try:
            importer(db, school, fuzzed.data)
        except ImportRejected as rejected:
            assert not fuzzed.must_accept, f"refused {fuzzed.noise}: {[str(p) for p in rejected.problems]}"
            check_problems(rejected.problems, fuzzed)
        except calendars.CalendarRefused as refused:
            assert not fuzzed.must_accept, f"refused {fuzzed.noise}: {_refusals(refused)}"
            assert all(len(message.split()) >= 2 for message in _refusals(refused))
        else:
            snap.written()
            assert not fuzzed.must_reject, f"accepted a file with {fuzzed.fault} ({fuzzed.noise})"
            return
    assert snap.changed(before) == [], f"a refused file ({fuzzed.fault}) changed the database"


IMPORTERS: dict[str, tuple[Callable[..., Any], Spec]] = {
    "pupils": (_pupils, PUPILS),
    "marks": (_marks, MARKS),
    "calendar": (_calendar, CALENDAR),
}


def _tables(kind: str, on_roll: tuple[str, ...]) -> Any:
    return {"pupils": pupil_tables(), "marks": mark_tables(on_roll), "calendar": calendar_tables()}[kind]


@pytest.mark.parametrize("kind", IMPORTERS)
def test_a_malformed_file_is_refused_whole_with_its_line_named(
    kind: str, db: Session, school: School, snap: Snapshot, on_roll: tuple[str, ...]
) -> None:
    importer, spec = IMPORTERS[kind]

    @bounded(MALFORMED_EXAMPLES)
    @given(malformed(_tables(kind, on_roll), spec))
    def run(fuzzed: Fuzzed) -> None:
        _run_malformed(db, school, snap, importer, fuzzed)

    run()


def _counts(kind: str, result: Any) -> tuple[int, int]:
    """(rows read, rows that changed something) of an import's result."""
    if kind == "pupils":
        return result.rows, result.added + result.updated
    if kind == "marks":
        return result.rows, result.new + result.amended
    return result.added, 0


@pytest.mark.parametrize("kind", IMPORTERS)
def test_a_valid_file_is_accepted_and_sending_it_again_changes_nothing(
    kind: str, db: Session, school: School, snap: Snapshot, on_roll: tuple[str, ...]
) -> None:
    importer, _spec = IMPORTERS[kind]
    # What a second import writes by design: a marks import records its batch (who sent what, when),
    # and a calendar import replaces the year's entries with the same ones under new ids.
    expected = {"pupils": set(), "marks": {"mark_batches", "school_counters"},
                "calendar": {"calendar_entries", "school_counters"}}[kind]  # fmt: skip

    @bounded(VALID_EXAMPLES)
    @given(_tables(kind, on_roll))
    def run(table: Table) -> None:
        data = plain_csv(table)
        with context.use(system_context(db, "fuzz", trust_id=school.trust_id)):
            first = importer(db, school, data)
            assert _counts(kind, first)[0] == len(table.rows)
            snap.written()
            before = snap.digest()
            again = importer(db, school, data)
            assert _counts(kind, again) == (len(table.rows), 0)
            if kind == "calendar":
                spans = sorted(
                    (s.kind, s.name, s.start, s.end) for s in calendars.school_calendar(db, school).spans
                )
                assert len(spans) >= len(table.rows)
        assert set(snap.changed(before)) <= expected

    run()
