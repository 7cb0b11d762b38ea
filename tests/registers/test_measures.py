"""Rate functions against every published DfE row, and the PA/SA boundaries."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.registers import codes
from app.registers.measures import Counts, contribution, is_persistent, is_severe, rate

DFE = Path(__file__).resolve().parents[2] / "app" / "reference" / "dfe_attendance_ytd_2025_26.csv"


def _number(text: str) -> float | None:
    return None if text in ("", "z", "x", "c", "u", "low") else float(text)


def test_rates_match_every_published_dfe_row() -> None:
    checked = 0
    with DFE.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            possible = _number(row["possible_sessions"])
            if not possible:
                continue
            pairs = [
                ("overall_attendance", "attendance_perc"),
                ("overall_absence", "overall_absence_perc"),
                ("authorised_absence", "authorised_absence_perc"),
                ("unauthorised_absence", "unauthorised_absence_perc"),
            ]
            for count_column, published_column in pairs:
                count, published = _number(row[count_column]), _number(row[published_column])
                if count is None or published is None:
                    continue
                assert rate(count, possible) == pytest.approx(published, abs=1e-9), (
                    row["la_name"],
                    published_column,
                )
                checked += 1
    assert checked > 2000


def test_exactly_ninety_percent_is_persistent_and_fifty_is_severe() -> None:
    assert is_persistent(absent=10, possible=100) is True
    assert is_persistent(absent=9, possible=100) is False
    assert is_severe(absent=50, possible=100) is True
    assert is_severe(absent=49, possible=100) is False
    assert is_persistent(absent=0, possible=0) is None


def test_codes_that_do_not_count_leave_possible_unchanged() -> None:
    base = Counts()
    for code in codes.CODES.values():
        after = base + Counts(*contribution(code, None))
        assert after.possible == int(code.counts_in_possible), code.code
        assert after.marked == 1


def test_pupil_with_no_possible_sessions_has_no_rate() -> None:
    counts = Counts(*contribution(codes.lookup("X"), None))
    assert counts.attendance_rate is None and counts.persistent is None


def test_retired_codes_name_their_replacements() -> None:
    for old, replacement in (("H", "G"), ("J", "J1"), ("Y", "Y1")):
        with pytest.raises(codes.CodeError, match=replacement):
            codes.lookup(old)
    assert codes.lookup("l").code == "L"
