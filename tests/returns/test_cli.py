"""`turnout report returns`: JSON with one object per pupil, CSV with the same keys, and a clear error
with exit status 1 for an unknown school, kind or date."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from app.cli import main
from tenants.models import School
from tests.conftest import World
from tests.returns.register import add_admissions, add_register


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["report", "returns", *args], catch_exceptions=False)


def test_json_lists_each_pupil_with_the_documented_keys(db: Session, world: World, school: School) -> None:
    add_register(db, world, school)
    add_admissions(db, world, school)
    done = run("--school", "100001", "--kind", "unauthorised-10", "--as-of", "2026-10-30")
    assert done.exit_code == 0, done.output
    payload = json.loads(done.output)
    assert (payload["school"], payload["kind"], payload["as_of"]) == (100001, "unauthorised-10", "2026-10-30")
    tenday = next(r for r in payload["rows"] if r["legal_name"] == "Sam Tenday")
    assert {k: tenday[k] for k in ("first_day", "last_day", "days", "ongoing", "earlier_runs")} == {
        "first_day": "2026-10-07",
        "last_day": "2026-10-20",
        "days": 10,
        "ongoing": False,
        "earlier_runs": 0,
    }
    sick = json.loads(run("--school", "100001", "--kind", "sickness-15", "--as-of", "2026-10-30").output)
    assert [(r["legal_name"], r["illness_days"]) for r in sick["rows"]] == [("Sam Sickly", 15.0)]
    joined = json.loads(run("--school", "100001", "--kind", "new-pupils", "--as-of", "2026-10-30").output)
    assert [(r["legal_name"], r["deadline"], r["overdue"]) for r in joined["rows"]] == [
        ("Sam Newcomer", "2026-10-17", True),
        ("Sam Latejoin", "2026-10-31", False),
    ]
    table = run("--school", "100001", "--kind", "deletions", "--as-of", "2026-10-30", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(table.output)))
    assert [(r["legal_name"], r["deadline"], r["overdue"]) for r in rows] == [
        ("Sam Mover", "2026-10-16", "true"),
        ("Sam Soon", "2026-11-06", "false"),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--school", "999999", "--kind", "sickness-15"), "no school with URN 999999"),
        (
            ("--school", "100001", "--kind", "sickness"),
            "unknown return 'sickness': use one of unauthorised-10",
        ),
        (
            ("--school", "100001", "--kind", "sickness-15", "--as-of", "2026-02-30"),
            "--as-of: '2026-02-30' is not a date",
        ),
        (
            ("--school", "100001", "--kind", "sickness-15", "--as-of", "2099-01-01"),
            "--as-of 2099-01-01 is in the future",
        ),
    ],
)
def test_bad_input_says_what_is_wrong_and_exits_1(world: World, args: tuple[str, ...], message: str) -> None:
    refused = run(*args)
    assert refused.exit_code == 1
    assert message in refused.output
