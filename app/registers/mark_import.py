"""Marks import: stream, check every row, write in one transaction, or write nothing.

Rows are read and checked a block at a time (mark_checks). Rows for sessions the school has never
recorded go straight to the database (the common case: this week's registers) while the next block
is checked; rows for sessions already recorded are staged and merged, so a re-sent mark is a no-op and
a different code becomes an amendment. Memory stays bounded by the block size, the school's pupils
and the dates in the file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

from sqlalchemy.orm import Session

from app.audit.services import record_amendments
from app.registers.importer import ImportRejected, Problem
from app.registers.mark_blocks import OPTIONAL, REQUIRED, CsvRecords, EntryRecords
from app.registers.mark_checks import BlockChecker
from app.registers.mark_sinks import apply_merge, sink_for, staged_changes
from app.registers.recording import Recorder, Rollups, open_batch
from tenants.models import School
from tenants.scoping import sync_rls

MAX_PROBLEMS = 10_000  # listed in full up to this many; beyond it they are counted


@dataclass
class MarkImportResult:
    rows: int = 0
    new: int = 0
    amended: int = 0
    unchanged: int = 0
    batch_id: int | None = None


class _Problems:
    """Problems by line, listed in full up to MAX_PROBLEMS and counted beyond."""

    def __init__(self) -> None:
        self.listed: list[Problem] = []
        self.more = 0
        self.last_line = 1

    def add(self, problem: Problem) -> None:
        self.last_line = max(self.last_line, problem.line)
        if len(self.listed) < MAX_PROBLEMS:
            self.listed.append(problem)
        else:
            self.more += 1

    def __bool__(self) -> bool:
        return bool(self.listed)

    def rejection(self) -> ImportRejected:
        listed = sorted(self.listed, key=lambda p: p.line)
        if self.more:
            listed.append(Problem(self.last_line, None, f"... and {self.more} more problems"))
        return ImportRejected(listed)


def import_marks(
    db: Session,
    school: School,
    stream: BinaryIO | EntryRecords,
    *,
    source: str,
    description: str,
    recorder: Recorder,
    reason: str,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> MarkImportResult:
    """Import marks for one school from a CSV stream or JSON entries; all or nothing.

    Raises ImportRejected naming every wrong row (line N of a file is entry N - 1 of JSON).
    """
    try:
        records = stream if isinstance(stream, EntryRecords) else CsvRecords(stream)
        result = _import(
            db, school, records, source, description, recorder, reason, today or date.today(), progress
        )
    except BaseException:
        db.rollback()
        raise
    db.commit()
    return result


def _check_header(header: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    twice = [c for i, c in enumerate(header) if c in header[:i]]  # which of the two would be read?
    if not header or missing or unknown or twice:
        raise ImportRejected(
            [Problem(1, c, f"required column '{c}' is missing") for c in missing]
            + [Problem(1, c, f"unknown column '{c}'") for c in unknown]
            + [Problem(1, c, f"column '{c}' appears more than once") for c in twice]
            or [Problem(1, None, "the file is empty; expected a header row")]
        )


def _import(
    db: Session,
    school: School,
    records: CsvRecords | EntryRecords,
    source: str,
    description: str,
    recorder: Recorder,
    reason: str,
    today: date,
    progress: Callable[[int], None] | None,
) -> MarkImportResult:
    sync_rls(db)
    _check_header(records.header)
    checker = BlockChecker(db, school.id, today, records.header)
    problems = _Problems()
    batch = open_batch(db, school.id, recorder, source, description)
    sink = sink_for(db, school.id, batch.id)
    rollups = Rollups()
    fresh = staged = 0
    try:
        for block in records.blocks():
            marks, wrong = checker.check(block)
            for problem in block.problems:
                problems.add(problem)
            for position, column, message in wrong:
                problems.add(Problem(block.line(position), column, message))
            if not problems:
                recorded = checker.is_recorded(marks)
                if recorded.any():
                    sink.stage(marks.take(recorded))
                    staged += int(recorded.sum())
                    marks = marks.take(~recorded)
                if len(marks):
                    sink.write(marks)
                    fresh += len(marks)
                    rollups.add_marks(marks)
            if progress:
                progress(block.rows)
        for problem in records.problems:
            problems.add(problem)
        if not (fresh or staged or problems):
            problems.add(Problem(2, None, "the file has a header but no marks"))
        if problems:
            raise problems.rejection()
    except BaseException:
        sink.abandon()
        raise
    sink.finish()
    result = MarkImportResult(rows=fresh + staged, new=fresh, batch_id=batch.id)
    if staged:
        new, changes = staged_changes(db, school.id)
        rollups.add(new)
        rollups.replace(changes)
        apply_merge(db, school.id, batch, reason)
        result.new += len(new)
        result.amended = len(changes)
        result.unchanged = staged - len(new) - len(changes)
    rollups.write(db, school.id)
    batch.new_marks, batch.amended_marks = result.new, result.amended
    if result.amended:  # last, as the trust's audit chain is locked from here to the commit
        record_amendments(db, batch, result.amended, reason)
    return result
