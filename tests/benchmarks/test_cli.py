"""`turnout report benchmark`: design.md keys and the hand-worked figures as JSON and CSV; an unknown trust
or a bad date is named, exit 1."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from app.cli import main
from tests.benchmarks.sample import two_schools
from tests.conftest import World

DESIGN_KEYS = ["level", "urn", "name", "phase", "enrolments", "possible_sessions", "attendance_rate",
               "absence_rate", "persistent_rate", "severe_rate"]  # fmt: skip


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["report", "benchmark", *args])


def test_json_rows_schools_trust_la_and_england(db: Session, world: World) -> None:
    two_schools(db, world)
    done = run("--trust", "trust-a", "--from", "2025-09-08", "--to", "2025-09-19", "--format", "json")
    assert done.exit_code == 0, done.output
    rows = json.loads(done.output)["rows"]
    assert [r["level"] for r in rows] == ["school", "school", "trust", "la", "la", "national", "national",
                                          "national"]  # fmt: skip
    assert list(rows[0])[: len(DESIGN_KEYS)] == DESIGN_KEYS
    large, small, trust = rows[0], rows[1], rows[2]
    assert (large["urn"], large["rank"], large["enrolments"], large["possible_sessions"]) == (
        100002,
        1,
        40,
        800,
    )
    assert (small["urn"], small["phase"], small["below_national"]) == (100001, "Primary", True)
    assert small["attendance_rate"] == pytest.approx(80.0)
    assert small["persistent_rate"] == pytest.approx(200 / 3)
    assert small["tsm_reason"].startswith("Attendance 80.0% is below England's 94.7% for primary schools")
    assert trust["urn"] is None and (trust["enrolments"], trust["possible_sessions"]) == (43, 860)
    assert trust["attendance_rate"] == pytest.approx(846 / 860 * 100)
    assert trust["persistent_rate"] == pytest.approx(2 / 43 * 100)
    assert trust["severe_rate"] == pytest.approx(1 / 43 * 100)
    assert trust["days_missed"] == 7
    assert trust["cohorts"]["fsm"]["attendance_rate"] == 50.0
    assert (rows[3]["name"], rows[3]["phase"], rows[3]["attendance_rate"]) == (
        "Norfolk",
        "Primary",
        94.5274366800885,
    )
    assert (rows[-1]["name"], rows[-1]["phase"], rows[-1]["severe_rate"]) == ("England", "Total", None)


def test_csv_has_the_same_keys_without_cohorts(db: Session, world: World) -> None:
    two_schools(db, world)
    done = run("--trust", "trust-a", "--from", "2025-09-08", "--to", "2025-09-19", "--format", "csv")
    assert done.exit_code == 0, done.output
    rows = list(csv.DictReader(io.StringIO(done.output)))
    assert list(rows[0])[: len(DESIGN_KEYS)] == DESIGN_KEYS and "cohorts" not in rows[0]
    assert (rows[1]["urn"], rows[1]["enrolments"], rows[1]["below_national"]) == ("100001", "3", "true")
    assert float(rows[2]["attendance_rate"]) == pytest.approx(846 / 860 * 100)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--trust", "nope"], "Error: no trust with slug 'nope'"),
        (["--trust", "trust-a", "--from", "2025-02-30"], "Error: --from:"),
        (["--trust", "trust-a", "--from", "2025-09-19", "--to", "2025-09-08"], "is after --to 2025-09-08"),
        (
            ["--trust", "trust-a", "--from", "2025-07-01", "--to", "2025-09-08"],
            "must lie in one academic year",
        ),
    ],
)
def test_bad_input_is_named_and_exits_1(db: Session, world: World, args: list[str], message: str) -> None:
    done = run(*args)
    assert done.exit_code == 1
    assert message in done.output
