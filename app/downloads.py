"""File downloads: one way to hand a CSV to the browser as a file, so every export saves the same way."""

from __future__ import annotations

from flask import Response


def csv_download(text: str, filename: str) -> Response:
    """The text as a CSV file the browser saves under the name (never shown inline)."""
    return Response(
        text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
