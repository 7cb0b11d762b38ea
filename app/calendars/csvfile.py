"""Calendar CSV in and out: `kind,name,start,end`, one span a line, refused whole with every bad line named.

Kinds: term, half_term, holiday, inset, closure (also "half-term", "INSET", any case). Dates YYYY-MM-DD;
a one-day INSET day or closure may leave `end` empty.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date

from app.calendars.spans import KIND_LABELS, Kind, Span, spans_problems
from app.clock import YEARS
from app.registers.fields import control_character, shown
from app.registers.importer import ImportRejected, Problem, csv_records, decode_csv_bytes

COLUMNS = ("kind", "name", "start", "end")
_KINDS = {k.value: k for k in Kind} | {"half-term": Kind.HALF_TERM, "halfterm": Kind.HALF_TERM}


def parse_calendar_csv(data: bytes) -> list[tuple[int, Span]]:
    """Every span with its line number; ImportRejected lists all problems, each with its line."""
    problems: list[Problem] = []
    records = csv_records(decode_csv_bytes(data), problems)
    header = [h.strip().lower() for h in next(records, (1, []))[1]]
    if problems:
        raise ImportRejected(problems)
    problems += [Problem(1, c, f"required column '{c}' is missing") for c in COLUMNS if c not in header]
    problems += [Problem(1, c, f"unknown column '{c}'; the columns are {', '.join(COLUMNS)}")
                 for c in header if c and c not in COLUMNS]  # fmt: skip
    problems += [
        Problem(1, c, f"column '{c}' appears more than once")
        for i, c in enumerate(header)
        if c and c in header[:i]
    ]
    if problems:
        raise ImportRejected(problems)
    rows: list[tuple[int, Span]] = []
    for line, record in records:
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(Problem(line, None, f"has {len(record)} fields but the header has {len(header)}"))
            continue
        span, found = _span(dict(zip(header, (c.strip() for c in record), strict=True)))
        problems += [Problem(line, column, message) for column, message in found]
        if span is not None:
            rows.append((line, span))
    if not rows and not problems:
        problems.append(Problem(2, None, "the file has a header but no calendar entries"))
    problems += [Problem(int(where.split()[1]), None, message)
                 for where, message in spans_problems([(f"line {n}", s) for n, s in rows])]  # fmt: skip
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.line))
    return rows


def _span(cells: dict[str, str]) -> tuple[Span | None, list[tuple[str, str]]]:
    problems = []
    kind = _KINDS.get(cells["kind"].lower().replace(" ", "_"))
    if kind is None:
        problems.append(
            ("kind", f"unknown kind '{shown(cells['kind'])}'; use one of {', '.join(k.value for k in Kind)}")
        )
    name = cells["name"] or (KIND_LABELS[kind] if kind in (Kind.INSET, Kind.CLOSURE) else "")
    if not name:
        problems.append(("name", "a name is required (for example 'Autumn term')"))
    elif found := control_character(name):
        problems.append(("name", f"the name holds a control character ({found}): names are plain text"))
    elif len(name) > 100:
        problems.append(("name", "the name is longer than 100 characters"))
    start = _date(cells["start"], "start", problems)
    one_day = kind in (Kind.INSET, Kind.CLOSURE) and not cells["end"]
    end = start if one_day else _date(cells["end"], "end", problems)
    if problems or kind is None or start is None or end is None:
        return None, problems
    return Span(kind, name, start, end), []


def _date(text: str, column: str, problems: list[tuple[str, str]]) -> date | None:
    if not text:
        problems.append((column, f"the {column} date is required (YYYY-MM-DD)"))
        return None
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None:
        problems.append((column, f"unknown date '{shown(text)}': dates are real days written YYYY-MM-DD"))
        return None
    if day.year not in YEARS:
        problems.append((column, f"{text} is outside the years Turnout keeps ({YEARS[0]} to {YEARS[-1]})"))
        return None
    return day


def calendar_csv(spans: Sequence[Span]) -> str:
    """The calendar as the CSV it can be imported from."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for span in spans:
        writer.writerow([span.kind.value, span.name, span.start.isoformat(), span.end.isoformat()])
    return out.getvalue()
