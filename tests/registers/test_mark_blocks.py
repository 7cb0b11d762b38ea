"""Reading marks files in blocks: every row's cells and line number, whatever the file's dialect."""

from __future__ import annotations

import io

import pytest

from app.registers import mark_blocks
from app.registers.importer import ImportRejected
from app.registers.mark_blocks import CsvRecords, EntryRecords

HEADER = "upn,date,session,code,minutes_late"


def _read(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]], list[str]]:
    """The header, (line, cells) for every row of the header's width, and every problem as text."""
    records = CsvRecords(io.BytesIO(data))
    rows, problems = [], []
    for block in records.blocks():
        problems += [str(p) for p in block.problems]
        for position in range(len(block.columns[0])):
            rows.append((block.line(position), [column[position] for column in block.columns]))
    return records.header, rows, problems + [str(p) for p in records.problems]


def test_a_plain_file_gives_cells_by_column_and_lines_from_two() -> None:
    header, rows, problems = _read(f"{HEADER}\nA1,2025-09-08,AM,/,\nA2,2025-09-08,PM,L,5\n".encode())
    assert header == HEADER.split(",")
    assert rows == [(2, ["A1", "2025-09-08", "AM", "/", ""]), (3, ["A2", "2025-09-08", "PM", "L", "5"])]
    assert problems == []


def test_windows_line_endings_a_bom_and_no_final_newline_read_the_same() -> None:
    data = ("\ufeff" + HEADER + "\r\nA1,2025-09-08,AM,/,\r\nA2,2025-09-08,PM,L,5").encode()
    header, rows, problems = _read(data)
    assert header == HEADER.split(",")
    assert rows == [(2, ["A1", "2025-09-08", "AM", "/", ""]), (3, ["A2", "2025-09-08", "PM", "L", "5"])]
    assert problems == []


def test_quoted_values_and_a_value_over_two_lines_keep_later_line_numbers() -> None:
    data = f'{HEADER}\n"A1","2025-09-08",AM,"/",\nA2,"2025-\n09-08",AM,/,\nA3,2025-09-08,AM,/,\n'.encode()
    _, rows, problems = _read(data)
    assert [(line, cells[0], cells[1]) for line, cells in rows] == [
        (2, "A1", "2025-09-08"),
        (3, "A2", "2025-\n09-08"),
        (5, "A3", "2025-09-08"),
    ]
    assert problems == []


def test_blank_lines_are_skipped_and_a_ragged_row_is_named() -> None:
    data = f"{HEADER}\nA1,2025-09-08,AM,/,\n\nA2,2025-09-08\n,,,,\nA3,2025-09-08,AM,/,\n".encode()
    _, rows, problems = _read(data)
    assert [line for line, _ in rows] == [2, 5, 6]
    assert problems == ["line 4: has 2 fields but the header has 5"]


def test_text_that_stops_being_utf8_is_read_up_to_that_line_and_named() -> None:
    data = (
        f"{HEADER}\nA1,2025-09-08,AM,/,\nA2,2025-09-08,AM,/,\n".encode() + b"A3,\xff\xfe,AM,/,\nA4,x,AM,/,\n"
    )
    _, rows, problems = _read(data)
    assert [line for line, _ in rows] == [2, 3]
    assert problems == ["line 4: the file is not UTF-8 text from here on"]


def test_a_header_that_is_not_utf8_is_refused_at_line_one() -> None:
    with pytest.raises(ImportRejected) as caught:
        CsvRecords(io.BytesIO(b"upn,\xff\n"))
    assert [str(p) for p in caught.value.problems] == ["line 1: the file is not UTF-8 text"]


def test_records_are_never_split_between_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small blocks: a quoted value spanning lines and a multi-byte character straddle block edges."""
    monkeypatch.setattr(mark_blocks, "BLOCK_BYTES", 7)
    lines = [f"Å{i},2025-09-08,AM,/," for i in range(40)]
    lines[10] = 'A10,"2025-\n09-08",AM,/,'
    data = (HEADER + "\n" + "\n".join(lines) + "\n").encode()
    _, rows, problems = _read(data)
    assert [cells[0] for _, cells in rows] == [line.split(",")[0] for line in lines]
    assert [line for line, _ in rows] == [*range(2, 13), *range(14, 43)]
    assert rows[10][1][1] == "2025-\n09-08" and problems == []


def test_json_entries_read_as_rows_from_line_two() -> None:
    entries = [
        {"upn": "A1", "date": "2025-09-08", "session": "AM", "code": "L", "minutes_late": 5},
        {"upn": "A2", "date": "2025-09-08", "session": "PM", "code": "/"},
    ]
    (block,) = list(EntryRecords(entries).blocks())
    assert [block.line(i) for i in range(2)] == [2, 3]
    assert [list(column) for column in block.columns] == [
        ["A1", "A2"],
        ["2025-09-08", "2025-09-08"],
        ["AM", "PM"],
        ["L", "/"],
        ["5", ""],
    ]
