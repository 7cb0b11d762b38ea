"""Malformed CSV files made from valid ones: one known fault (so the line and column to blame are known)
plus noise a real export carries (BOM, CRLF or CR-only line ends, blank lines, padding, quoting)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from app.registers.importer import Problem

HUGE = (150_000, 1_100_000)  # past the csv module's field limit, and past the marks reader's line limit


@dataclass(frozen=True)
class Table:
    """A CSV before it is written: its header and rows of cells."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Spec:
    """What one importer's files look like, and what it must refuse."""

    required: tuple[str, ...]
    bad_values: dict[str, Sequence[str]]  # column -> values refused in that column, on their own
    duplicate_refused: Callable[[tuple[str, ...], tuple[str, ...]], bool]  # header, row -> a copy is refused
    skips_empty_cells: bool = True  # a row of empty cells (",,,") is skipped like a blank line


@dataclass(frozen=True)
class Fuzzed:
    """A file and what an importer must make of it."""

    data: bytes
    fault: str
    must_reject: bool
    line: int | None = None  # the line a problem must name, when one line is at fault
    column: str | None = None  # and the column, when one cell is
    lines: int = 0  # physical lines in the file (a problem may name the line after the last)
    noise: list[str] = field(default_factory=list)
    must_accept: bool = False  # nothing but an export's noise is wrong with it

    def __repr__(self) -> str:
        """Short, for a failure report: a huge field would make it megabytes."""
        data = self.data if len(self.data) <= 600 else self.data[:600] + b"..."
        return f"Fuzzed({self.fault!r}, line={self.line}, column={self.column}, noise={self.noise}, {len(self.data)} bytes: {data!r})"

    def _repr_pretty_(self, printer: Any, _cycle: bool) -> None:
        """What hypothesis prints for a failing example: the short repr, not every field in full."""
        printer.text(repr(self))


def _blank(_draw: st.DrawFn, table: Table, _spec: Spec) -> tuple[Table, str, bool, int | None, str | None]:
    return table, "none", False, None, None


def _drop_required(draw: st.DrawFn, table: Table, spec: Spec) -> tuple:
    name = draw(st.sampled_from(spec.required))
    i = table.header.index(name)
    cut = Table(table.header[:i] + table.header[i + 1 :], tuple(r[:i] + r[i + 1 :] for r in table.rows))
    return cut, f"column {name} dropped", True, 1, name


def _duplicate_column(draw: st.DrawFn, table: Table, _spec: Spec) -> tuple:
    i = draw(st.integers(0, len(table.header) - 1))
    twice = Table((*table.header, table.header[i]), tuple((*r, r[i]) for r in table.rows))
    return twice, f"column {table.header[i]} twice", True, 1, table.header[i]


def _unknown_column(draw: st.DrawFn, table: Table, _spec: Spec) -> tuple:
    name = draw(st.sampled_from(["colour", "notes", "upn2", "=cmd|' /C calc'!A0", "ｕｐｎ"]))
    added = Table((*table.header, name), tuple((*r, "x") for r in table.rows))
    return added, f"unknown column {name!r}", True, 1, None


def _row_fault(
    draw: st.DrawFn, table: Table, change: Callable[[tuple[str, ...], int], tuple[str, ...]], column: int
) -> tuple[Table, int]:
    index = draw(st.integers(0, len(table.rows) - 1))
    rows = list(table.rows)
    rows[index] = change(rows[index], column)
    return Table(table.header, tuple(rows)), index


def _extra_cell(draw: st.DrawFn, table: Table, _spec: Spec) -> tuple:
    changed, index = _row_fault(draw, table, lambda row, _c: (*row, "extra"), 0)
    return changed, "an extra cell", True, ("row", index), None


def _missing_cell(draw: st.DrawFn, table: Table, _spec: Spec) -> tuple:
    changed, index = _row_fault(draw, table, lambda row, _c: row[:-1], 0)
    return changed, "a cell short", True, ("row", index), None


def _set(row: tuple[str, ...], column: int, value: str) -> tuple[str, ...]:
    return (*row[:column], value, *row[column + 1 :])


def _bad_value(draw: st.DrawFn, table: Table, spec: Spec) -> tuple:
    name = draw(st.sampled_from(sorted(set(spec.bad_values) & set(table.header))))
    value = draw(st.sampled_from(spec.bad_values[name]))
    column = table.header.index(name)
    changed, index = _row_fault(draw, table, lambda row, c: _set(row, c, value), column)
    return changed, f"{name} = {value[:40]!r}", True, ("row", index), name


def _control_character(draw: st.DrawFn, table: Table, _spec: Spec) -> tuple:
    """A control character inside a value (one that counts as white space may be trimmed from its ends)."""
    char = draw(st.sampled_from(["\x00", "\x01", "\x1b", "\x7f", "\x0b", "\x0c"]))
    long_enough = [c for c in range(len(table.header)) if all(len(row[c]) >= 2 for row in table.rows)]
    column = draw(st.sampled_from(long_enough)) if long_enough else 0

    def poison(row: tuple[str, ...], c: int) -> tuple[str, ...]:
        at = draw(st.integers(1, len(row[c]) - 1)) if len(row[c]) >= 2 else 0
        return _set(row, c, row[c][:at] + char + row[c][at:])

    changed, index = _row_fault(draw, table, poison, column)
    return changed, f"{char!r} in {table.header[column]}", True, ("row", index), None


def _huge_field(draw: st.DrawFn, table: Table, _spec: Spec) -> tuple:
    column = draw(st.integers(0, len(table.header) - 1))
    size = draw(st.sampled_from(HUGE))
    changed, index = _row_fault(draw, table, lambda row, c: _set(row, c, "A" * size), column)
    return changed, f"{size} characters in {table.header[column]}", True, ("row", index), None


def _duplicate_row(draw: st.DrawFn, table: Table, spec: Spec) -> tuple:
    index = draw(st.integers(0, len(table.rows) - 1))
    row = table.rows[index]
    refused = spec.duplicate_refused(table.header, row)
    copied = Table(table.header, (*table.rows, row))
    return copied, "a row twice", refused, ("row", len(table.rows)) if refused else None, None


def _no_rows(_draw: st.DrawFn, table: Table, _spec: Spec) -> tuple:
    return Table(table.header, ()), "header only", True, 2, None


FAULTS: dict[str, Callable[..., tuple]] = {
    "none": _blank,
    "drop required": _drop_required,
    "duplicate column": _duplicate_column,
    "unknown column": _unknown_column,
    "extra cell": _extra_cell,
    "missing cell": _missing_cell,
    "bad value": _bad_value,
    "control character": _control_character,
    "huge field": _huge_field,
    "duplicate row": _duplicate_row,
    "no rows": _no_rows,
}
BYTE_FAULTS = ("not UTF-8", "latin-1 line", "empty file", "unbalanced quote", "truncated")


@st.composite
def malformed(draw: st.DrawFn, tables: st.SearchStrategy[Table], spec: Spec) -> Fuzzed:
    """A file from a valid table with one fault (or none) and some harmless noise."""
    table = draw(tables)
    kind = draw(st.sampled_from(["none", "none", *FAULTS, *BYTE_FAULTS]))  # a clean file with noise: 3 in 18
    if kind in FAULTS:
        table, fault, must_reject, where, column = FAULTS[kind](draw, table, spec)
    else:
        fault, must_reject, where, column = kind, kind not in ("unbalanced quote", "truncated"), None, None
    lines, row_lines, noise = _write(draw, table, spec)
    line = row_lines[where[1]] if isinstance(where, tuple) else where
    end = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if end != "\n":
        noise.append(f"line ends {end!r}")
    if kind in ("not UTF-8", "latin-1 line", "unbalanced quote"):
        target = draw(st.integers(1, len(lines) - 1))  # never the header
        line = target + 1 if kind != "unbalanced quote" else None
        lines[target] = _byte_fault(draw, kind, lines[target])
    data = end.join(lines).encode("utf-8", "surrogateescape") + end.encode()
    if kind == "empty file":
        data, line = draw(st.sampled_from([b"", b"\n", b"   \r\n", b"\xef\xbb\xbf"])), 1
    if kind == "truncated":
        data = data[: draw(st.integers(0, len(data)))]
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
        noise.append("BOM")
    return Fuzzed(data, fault, must_reject, line, column, len(lines) + 1, noise, must_accept=kind == "none")


def plain_csv(table: Table) -> bytes:
    """The table as a tidy UTF-8 file."""
    return "".join(
        _line(row, csv.QUOTE_MINIMAL, False) + "\n" for row in (table.header, *table.rows)
    ).encode()


_QUOTING = st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])


def _write(draw: st.DrawFn, table: Table, spec: Spec) -> tuple[list[str], list[int], list[str]]:
    """The file's lines (surrogate-escaped text), the line of each row, and the noise added."""
    noise = []
    quoting, pad, shout = draw(_QUOTING), draw(st.booleans()), draw(st.booleans())
    header = [h.upper() for h in table.header] if shout else list(table.header)
    lines = [_line(header, quoting, pad)]
    row_lines = []
    blanks = ["", "   ", "," * (len(table.header) - 1)][: 3 if spec.skips_empty_cells else 2]
    for row in table.rows:
        if draw(st.integers(0, 5)) == 0:
            lines.append(blanks[draw(st.integers(0, len(blanks) - 1))])
            noise.append("blank line")
        row_lines.append(len(lines) + 1)
        lines.append(_line(row, quoting, pad))
    noise += [word for word, on in (("quoted", quoting == csv.QUOTE_ALL), ("padded", pad),
                                    ("header in capitals", shout)) if on]  # fmt: skip
    return lines, row_lines, noise


def _line(cells: Sequence[str], quoting: int, pad: bool) -> str:
    out = io.StringIO()
    csv.writer(out, quoting=quoting, lineterminator="").writerow([f" {c} " if pad else c for c in cells])
    return out.getvalue()


def _byte_fault(draw: st.DrawFn, kind: str, line: str) -> str:
    """A line spoiled at the byte level (kept as surrogate escapes so the file is joined as text)."""
    if kind == "not UTF-8":
        at = draw(st.integers(0, len(line)))
        raw = draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xe9t\xe9", b"\x80\x80"]))
        return line[:at] + raw.decode("utf-8", "surrogateescape") + line[at:]
    if kind == "latin-1 line":
        return (line + ",Zoë Brontë").encode("latin-1", "replace").decode("utf-8", "surrogateescape")
    at = draw(st.integers(0, len(line)))
    return line[:at] + '"' + line[at:]


def check_problems(problems: Sequence[Problem], fuzzed: Fuzzed) -> None:
    """Every problem is words a person can act on, on a line of the file, and the faulty line is named."""
    assert problems, "refused without a single problem"
    for problem in problems:
        words = [w for w in problem.message.split() if any(ch.isalpha() for ch in w)]
        assert len(words) >= 2, f"problem without words: {problem!r}"
        assert len(problem.message) <= 300, f"a problem to read, not a dump: {problem.message[:80]!r}..."
        assert 1 <= problem.line <= max(fuzzed.lines, 2), f"{problem} is past the file's {fuzzed.lines} lines"
    if fuzzed.line is not None:
        named = [p for p in problems if p.line == fuzzed.line]
        assert named, f"no problem names line {fuzzed.line} ({fuzzed.fault}): {[str(p) for p in problems]}"
        if fuzzed.column is not None:
            assert any(p.column == fuzzed.column for p in named), (
                f"line {fuzzed.line}'s problems do not name column {fuzzed.column}: {[str(p) for p in named]}"
            )
