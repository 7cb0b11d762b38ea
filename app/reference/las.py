"""Local authorities by their three-digit (old) LA code, from the DfE attendance data we ship."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

_ATTENDANCE = Path(__file__).parent / "dfe_attendance_ytd_2025_26.csv"


@cache
def local_authorities() -> dict[str, str]:
    """Map LA code (e.g. '926') to name (e.g. 'Norfolk')."""
    with _ATTENDANCE.open(newline="", encoding="utf-8") as f:
        return {
            row["old_la_code"]: row["la_name"]
            for row in csv.DictReader(f)
            if row["geographic_level"] == "Local authority" and row["old_la_code"]
        }


def la_name(code: str) -> str | None:
    return local_authorities().get(code)
