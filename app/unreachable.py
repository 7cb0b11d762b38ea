"""A database or object store lost mid-request, out of reach or too busy (locks, deadlocks), recognised in
one place so the CLI and the web say it in words (with a 503 that invites a retry) instead of showing a
traceback or a bare 500."""

from __future__ import annotations

import psycopg
from sqlalchemy.exc import OperationalError

# SQLAlchemy's error for the ORM and Core; psycopg's own where rows are COPYed on the raw connection
DATABASE_LOST = (OperationalError, psycopg.OperationalError)

API_MESSAGE = (
    "the database could not be reached, the connection to it was lost or it was too busy, so this "
    "request was not completed. Send the same request again in a minute: marks already recorded are not "
    "written twice."
)
DATABASE_PAGE = (
    "Database unavailable",
    "The database could not be reached or was too busy just now, so this was not done. Please try again "
    "in a minute.",
)
STORE_PAGE = (
    "File store unavailable",
    "Letters, packs and returns could not be read or written just now, so this was not done and nothing "
    "was saved. The error has been logged; please try again in a minute.",
)
RETRY_AFTER_SECONDS = 60


def reason(error: BaseException) -> str:
    """The database's own first line (for example 'terminating connection due to administrator command')."""
    cause = error.orig if isinstance(error, OperationalError) and error.orig is not None else error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
