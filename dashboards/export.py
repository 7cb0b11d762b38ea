"""The weekly list as a spreadsheet: the grid's columns, in the order the lead sorted them."""

from __future__ import annotations

import io
from collections.abc import Sequence

import xlsxwriter


def pick(rows: list[dict], pupil_ids: Sequence[object] | None) -> list[dict]:
    """The server's own rows for the pupils the grid shows, in the grid's order; ids the browser made up
    (or another school's) match nothing. None means the grid has not reported its order: every row."""
    if pupil_ids is None:
        return rows
    by_id = {row["pupil_id"]: row for row in rows}
    return [by_id[i] for i in pupil_ids if isinstance(i, int) and i in by_id]


def xlsx(rows: list[dict], columns: list[tuple[str, str]], title: str) -> bytes:
    """One sheet with a title row, bold frozen headings and a filter on every column."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Weekly flags")
    bold = book.add_format({"bold": True})
    sheet.write(0, 0, title, book.add_format({"bold": True, "font_size": 13}))
    for col, (_field, heading) in enumerate(columns):
        sheet.write(1, col, heading, bold)
        sheet.set_column(col, col, max(len(heading), 12))
    for r, row in enumerate(rows, start=2):
        for col, (field, _heading) in enumerate(columns):
            value = row.get(field)
            if value is None:
                sheet.write_blank(r, col, None)
            elif isinstance(value, int | float):
                sheet.write_number(r, col, value)
            else:
                sheet.write_string(r, col, str(value))  # never a formula, whatever a name begins with
    sheet.freeze_panes(2, 1)
    sheet.autofilter(1, 0, max(len(rows) + 1, 1), len(columns) - 1)
    book.close()
    return out.getvalue()
