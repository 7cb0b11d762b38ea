"""LA and England reference rows from DfE's 2025/26 year-to-date attendance file (shipped, with attribution)."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from app.benchmarks.figures import BenchmarkRow

_FILE = Path(__file__).resolve().parent.parent / "reference" / "dfe_attendance_ytd_2025_26.csv"
SOURCE = "DfE, Pupil attendance in schools, 2025/26 year to date (Open Government Licence v3.0)"
PHASE_LABELS = {
    "primary": "Primary", "secondary": "Secondary", "special": "Special", "alternative": "Alternative provision",
}  # fmt: skip
TOTAL = "Total"


def reference_phase(phase: str) -> str:
    """The DfE phase a school compares with: its own, or Total for alternative provision (no AP rows)."""
    label = PHASE_LABELS.get(phase, phase)
    return label if label in ("Primary", "Secondary", "Special") else TOTAL


def _number(text: str) -> float | None:
    return float(text) if text not in ("", "z", "x", "c", "u", ":") else None


def _whole(text: str) -> int | None:
    value = _number(text)
    return round(value) if value is not None else None


def _row(level: str, record: dict[str, str]) -> BenchmarkRow:
    absent = [_whole(record["authorised_absence"]), _whole(record["unauthorised_absence"])]
    return BenchmarkRow(
        level=level,
        name=record["la_name"] if level == "la" else record["country_name"],
        phase=record["education_phase"],
        la_code=record["old_la_code"] or None if level == "la" else None,
        enrolments=_whole(record["total_enrolments"]),
        possible_sessions=_whole(record["possible_sessions"]),
        attended_sessions=_whole(record["overall_attendance"]),
        authorised_sessions=absent[0],
        unauthorised_sessions=absent[1],
        attendance_rate=_number(record["attendance_perc"]),
        absence_rate=_number(record["overall_absence_perc"]),
        authorised_rate=_number(record["authorised_absence_perc"]),
        unauthorised_rate=_number(record["unauthorised_absence_perc"]),
        persistent_rate=_number(record["pa_perc"]),
    )


@cache
def _rows() -> dict[tuple[str, str | None, str], dict[str, str]]:
    with _FILE.open(newline="", encoding="utf-8") as f:
        found = {}
        for record in csv.DictReader(f):
            if record["geographic_level"] == "Local authority":
                found[("la", record["old_la_code"], record["education_phase"])] = record
            elif record["geographic_level"] == "National":
                found[("national", None, record["education_phase"])] = record
        return found


def la_row(la_code: str | None, phase: str) -> BenchmarkRow | None:
    """The LA's row for a DfE phase (Primary, Secondary, Special, Total), or None if the file has none."""
    record = _rows().get(("la", la_code, phase))
    return _row("la", record) if record else None


def england_row(phase: str) -> BenchmarkRow | None:
    record = _rows().get(("national", None, phase))
    return _row("national", record) if record else None


def england_attendance(phase: str) -> float | None:
    row = england_row(phase)
    return row.attendance_rate if row else None
