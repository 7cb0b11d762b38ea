"""Marks read a block at a time, as columns: plain CSV split in bulk, quoted CSV through `csv`, JSON entries.

A register export is plain text (no quotes), so a block of lines is split into cells with two
string operations instead of a Python object per row; anything else takes the `csv` module's path.
Either way every row keeps its line number for the problems an import lists.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import BinaryIO

import numpy as np

from app.registers.importer import ImportRejected, Problem

REQUIRED = ("upn", "date", "session", "code")
OPTIONAL = ("minutes_late",)
BLOCK_BYTES = 1 << 19
MAX_LINE_BYTES = 1 << 20  # a "line" longer than this is not a register row


@dataclass
class Block:
    """Rows read together: the columns of the rows that have the header's width, and their lines."""

    columns: list[Sequence[str]]
    rows: int
    line_of_row: Callable[[int], int]
    kept: np.ndarray | None = None  # the row of each kept position; None when every row was kept
    problems: list[Problem] = field(default_factory=list)
    last: bool = False  # the file cannot be read past this block

    def line(self, position: int) -> int:
        """The file line of the kept row at this position."""
        return self.line_of_row(position if self.kept is None else int(self.kept[position]))


class EntryRecords:
    """JSON mark entries (objects, checked by the API) read like CSV rows: entry N is line N + 1."""

    header = [*REQUIRED, *OPTIONAL]

    def __init__(self, entries: list[dict]) -> None:
        self._entries = entries
        self.problems: list[Problem] = []  # JSON is parsed before the import sees it

    def blocks(self) -> Iterator[Block]:
        rows_per_block = BLOCK_BYTES // 32
        for start in range(0, len(self._entries), rows_per_block):
            rows = [
                [*(str(entry.get(k) or "") for k in REQUIRED), _text(entry.get("minutes_late"))]
                for entry in self._entries[start : start + rows_per_block]
            ]
            yield Block([list(column) for column in zip(*rows, strict=True)], len(rows), _from(start + 2))


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _from(first_line: int) -> Callable[[int], int]:
    return lambda row: first_line + row


class CsvRecords:
    """A CSV byte stream (UTF-8, optional BOM): the header row, then blocks of whole records."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self._text = ""
        self._lines = 0  # lines handed out so far
        self._ended = False
        self._not_utf8 = False
        self._cr = ""  # a CR ending one stretch, held back in case the next starts with its LF
        self.problems: list[Problem] = []  # where the stream itself cannot be read further
        self.header = self._read_header()

    def _read(self) -> None:
        """Decode the next stretch of the file; stop at the end or where it stops being UTF-8.

        Line ends are read as LF whether the file has LF, CRLF or (an old Mac export) CR alone.
        """
        raw = self._stream.read(BLOCK_BYTES)
        try:
            text = self._decoder.decode(raw, final=not raw)
        except UnicodeDecodeError as exc:
            text = exc.object[: exc.start].decode("utf-8-sig")
            self._not_utf8 = True
        self._ended = not raw or self._not_utf8
        text = self._cr + text
        self._cr = "\r" if text.endswith("\r") and not self._ended else ""
        text = text[: len(text) - len(self._cr)]
        self._text += text.replace("\r\n", "\n").replace("\r", "\n")

    def _read_header(self) -> list[str]:
        while "\n" not in self._text and not self._ended and len(self._text) < MAX_LINE_BYTES:
            self._read()
        end = self._text.find("\n")
        if self._not_utf8 and end < 0:
            raise ImportRejected([Problem(1, None, "the file is not UTF-8 text")])
        line, self._text = (self._text, "") if end < 0 else (self._text[:end], self._text[end + 1 :])
        self._lines = 1
        return [h.strip().lower() for h in next(csv.reader([line.rstrip("\r")]), [])]

    def blocks(self) -> Iterator[Block]:
        width = len(self.header)
        while True:
            if not self._ended:
                self._read()
            cut = len(self._text) if self._ended and not self._not_utf8 else _cut(self._text)
            if not cut and not self._ended and len(self._text) > MAX_LINE_BYTES:
                self.problems.append(
                    Problem(self._lines + 1, None, "this line is too long to be a row of marks")
                )
                return
            piece, self._text = self._text[:cut], self._text[cut:]
            if piece:
                block, lines = _block(piece, self._lines + 1, width)
                self._lines += lines
                yield block
                if block.last:
                    return
            if self._ended:
                if self._not_utf8:
                    self.problems.append(
                        Problem(self._lines + 1, None, "the file is not UTF-8 text from here on")
                    )
                return


def _cut(text: str) -> int:
    """Just after the last line break that is not inside a quoted value."""
    cut = text.rfind("\n") + 1
    if '"' not in text:
        return cut
    odd = text.count('"', 0, cut) % 2
    while odd and cut:
        previous = text.rfind("\n", 0, cut - 1) + 1
        odd ^= text.count('"', previous, cut) % 2
        cut = previous
    return cut


def _block(piece: str, first_line: int, width: int) -> tuple[Block, int]:
    """A block from whole records of text, and how many lines it took."""
    plain = piece.replace("\r\n", "\n") if "\r" in piece else piece
    if '"' in plain or "\r" in plain:
        return _quoted_block(piece, first_line, width)
    lines = plain.split("\n")
    if lines[-1] == "":
        lines.pop()
    line_of_row = _from(first_line)
    commas = np.fromiter(map(str.count, lines, repeat(",")), np.int64, len(lines))
    if (commas == width - 1).all():
        cells = ",".join(lines).split(",")
        return Block([cells[i::width] for i in range(width)], len(lines), line_of_row), len(lines)
    return _rows_block([line.split(",") for line in lines], line_of_row, width), len(lines)


def _quoted_block(piece: str, first_line: int, width: int) -> tuple[Block, int]:
    """Records with quoted values (which may span lines) or bare carriage returns: the csv module's job."""
    reader = csv.reader(io.StringIO(piece, newline=""))
    rows: list[list[str]] = []
    starts: list[int] = []
    problems: list[Problem] = []
    try:
        for row in reader:
            starts.append(first_line + (reader.line_num - 1 - _breaks(row)))
            rows.append(row)
    except csv.Error as exc:
        problems.append(Problem(first_line + reader.line_num - 1, None, f"the CSV cannot be read: {exc}"))
    block = _rows_block(rows, starts.__getitem__, width)
    block.problems += problems
    block.last = bool(problems)
    return block, piece.count("\n") + piece.count("\r") - piece.count("\r\n")


def _breaks(row: list[str]) -> int:
    """Line breaks inside a record's quoted values."""
    return sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in row)


def _rows_block(rows: list[list[str]], line_of_row: Callable[[int], int], width: int) -> Block:
    kept = [i for i, row in enumerate(rows) if len(row) == width]
    problems = [
        Problem(line_of_row(i), None, f"has {len(row)} fields but the header has {width}")
        for i, row in enumerate(rows)
        if len(row) != width and any(cell.strip() for cell in row)
    ]
    columns = [list(column) for column in zip(*(rows[i] for i in kept), strict=True)] or [[]] * width
    return Block(columns, len(rows), line_of_row, np.array(kept, np.int64), problems)
