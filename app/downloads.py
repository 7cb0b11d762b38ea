"""File downloads: one way to write a CSV for spreadsheets and hand it to the browser as a file, so every
export saves the same way."""

from __future__ import annotations

import csv
import io

from flask import Response


def csv_download(text: str, filename: str) -> Response:
    """The text as a CSV file the browser saves under the name (never shown inline)."""
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


def csv_text(rows: list[dict], columns: list[tuple[str, str]]) -> str:
    """CSV for spreadsheets: a cell a spreadsheet would run as a formula starts with an apostrophe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([heading for _field, heading in columns])
    for row in rows:
        writer.writerow([_inert(row.get(field)) for field, _heading in columns])
    return out.getvalue()


def _inert(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value
