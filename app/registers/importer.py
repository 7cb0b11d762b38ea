"""Pupils CSV import: the whole file is checked first, then written in one transaction or not at all."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.registers import services
from app.registers.fields import FIELDS_BY_NAME, REQUIRED, parse_values
from app.registers.models import Pupil
from tenants.counters import allocate
from tenants.models import School


@dataclass(frozen=True)
class Problem:
    line: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


class ImportRejected(Exception):
    """The file was refused whole; `problems` says every line that is wrong."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was written")
        self.problems = problems


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0


def decode_csv_bytes(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = exc.object[: exc.start]  # after any BOM; lines end in LF, CRLF or CR alone (old Macs)
        line = before.count(b"\n") + before.count(b"\r") - before.count(b"\r\n") + 1
        raise ImportRejected([Problem(line, None, "the file is not UTF-8 text")]) from None


def csv_records(text: str, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """Each record and its (last) line until one cannot be read, such as a huge field: that one is a problem."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as exc:
        problems.append(Problem(reader.line_num, None, f"the CSV cannot be read: {exc}"))


def parse_pupils_csv(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """Parse and validate every row; raise ImportRejected listing all problems found."""
    problems: list[Problem] = []
    records = csv_records(decode_csv_bytes(data), problems)
    header = next(records, (1, []))[1]
    if problems:
        raise ImportRejected(problems)
    if not header or not any(h.strip() for h in header):
        raise ImportRejected([Problem(1, None, "the file is empty; expected a header row")])
    columns = [h.strip().lower() for h in header]
    problems += [
        Problem(1, name, f"required column '{name}' is missing") for name in REQUIRED if name not in columns
    ]
    problems += [
        Problem(1, name, f"unknown column '{name}'") for name in columns if name not in FIELDS_BY_NAME
    ]
    problems += [
        Problem(1, name, f"column '{name}' appears more than once")
        for i, name in enumerate(columns)
        if name in columns[:i]
    ]
    if problems:
        raise ImportRejected(problems)
    rows: list[tuple[int, dict[str, Any]]] = []
    first_line_of_upn: dict[str, int] = {}
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(columns):
            problems.append(
                Problem(line, None, f"has {len(record)} fields but the header has {len(columns)}")
            )
            continue
        values, row_problems = parse_values(dict(zip(columns, record, strict=True)))
        problems += [Problem(line, col, msg) for col, msg in row_problems.items()]
        upn = values.get("upn")
        if upn:
            if upn in first_line_of_upn:
                problems.append(
                    Problem(line, "upn", f"UPN {upn} also appears on line {first_line_of_upn[upn]}")
                )
            else:
                first_line_of_upn[upn] = line
        rows.append((line, values))
    if not rows and not problems:
        problems.append(Problem(2, None, "the file has a header but no pupils"))
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.line))
    return rows


def import_pupils(
    db: Session,
    school: School,
    data: bytes,
    *,
    source: str,
    by_name: str,
    by_title: str,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Upsert pupils by UPN; every change to an existing entry is kept as a revision."""
    rows = parse_pupils_csv(data)
    source = source[:200]  # a revision keeps 200 characters of where it came from (an upload's file name)
    existing = {p.upn: p for p in db.scalars(select(Pupil).where(Pupil.school_id == school.id))}
    result = ImportResult(rows=len(rows))
    new_rows = sum(1 for _line, values in rows if values["upn"] not in existing)
    try:
        next_id = allocate(db, school.id, "pupils", new_rows) if new_rows else 0
        fresh: list[dict[str, Any]] = []
        for line, values in rows:
            pupil = existing.get(values["upn"])
            if pupil is None:
                fresh.append({"school_id": school.id, "id": next_id, **values})
                next_id += 1
                result.added += 1
            elif services.apply_changes(db, pupil, values, source=source, by_name=by_name, by_title=by_title):
                result.updated += 1
            else:
                result.unchanged += 1
            if progress:
                progress(line)
        services.insert_pupils(db, fresh)
        db.commit()
    except Exception:
        db.rollback()
        raise
    return result
