"""File downloads: one way to write a CSV for spreadsheets and hand it to the browser as a file, so every
export saves the same way."""

from __future__ import annotations

import csv
import io

from flask import Response

from app.audit.services import record_export
from app.db import get_session
from tenants.models import School, Trust


def csv_download(text: str, filename: str, *, audit: School | Trust | None) -> Response:
    """The text as a CSV file the browser saves under the name (never shown inline); an export of a
    school's or trust's data goes in that trust's audit log (None: a file with no one's data in it)."""
    if audit is not None:
        record_export(get_session(), audit, filename)
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
