"""The `turnout` command as design.md specifies it, against the test database."""

from __future__ import annotations

import json
from pathlib import Path
from unittest.mock import patch

from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.cli import main
from app.registers.models import Pupil
from app.workflow.models import TaskInstance
from tenants import context
from tenants.access import system_context
from tests.calendars.sample import AUTUMN_2026, SUMMER
from tests.factories import valid_upn
from tests.helpers import signed_in


def _run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), input=stdin, catch_exceptions=False)


def _setup_school() -> None:
    assert _run("trust", "add", "elm", "--name", "Elm Trust").exit_code == 0
    result = _run(
        "school",
        "add",
        "123456",
        "--trust",
        "elm",
        "--name",
        "Elm Primary",
        "--phase",
        "primary",
        "--la-code",
        "926",
    )
    assert result.exit_code == 0, result.output
    assert "Norfolk" in result.output


def test_trust_school_user_then_login(app: Flask, client: FlaskClient) -> None:
    _setup_school()
    result = _run(
        "user", "add", "head@elm.example", "--name", "Kim Head", "--title", "Headteacher",
        "--role", "school_lead", "--school", "123456", stdin="a strong passphrase\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    signed_in(client, "head@elm.example", "a strong passphrase")
    assert "Elm Primary" in client.get("/").get_data(as_text=True)


def test_cli_errors_are_clear(app: Flask) -> None:
    _setup_school()
    duplicate = _run("trust", "add", "elm", "--name", "Again")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    bad_la = _run(
        "school", "add", "123457", "--trust", "elm", "--name", "X", "--phase", "primary", "--la-code", "999"
    )
    assert bad_la.exit_code == 1 and "not a local authority code" in bad_la.output
    no_password = _run(
        "user",
        "add",
        "a@elm.example",
        "--name",
        "A",
        "--title",
        "T",
        "--role",
        "staff",
        "--school",
        "123456",
        stdin="",
    )
    assert no_password.exit_code == 1 and "no password" in no_password.output


def test_import_pupils_all_or_nothing(app: Flask, db: Session, tmp_path: Path) -> None:
    _setup_school()
    header = "upn,legal_surname,legal_forename,date_of_birth,sex,year_group,admission_date\n"
    good = [f"{valid_upn()},Pupil{i},Test,2015-01-0{i + 1},F,5,2021-09-01\n" for i in range(3)]
    bad_file = tmp_path / "bad.csv"
    bad_file.write_text(header + "".join(good) + f"{valid_upn()},Late,Entry,2015-01-01,F,5,2021-09-31\n")
    result = _run("import", "pupils", "--school", "123456", str(bad_file))
    assert result.exit_code == 1
    assert "nothing was written" in result.output
    assert "line 5, column admission_date: '2021-09-31' is not a real date" in result.output
    good_file = tmp_path / "good.csv"
    good_file.write_text(header + "".join(good))
    result = _run("import", "pupils", "--school", "123456", str(good_file))
    assert result.exit_code == 0, result.output
    assert "3 added" in result.output
    with context.use(system_context(db, "test")):
        assert db.scalar(select(func.count()).select_from(Pupil)) == 3


def test_demo_prints_logins_that_work_and_has_registers(app: Flask, client: FlaskClient) -> None:
    result = _run("demo", "--schools", "2", "--pupils", "120", "--weeks", "3", "--start", "2025-09-01")
    assert result.exit_code == 0, result.output
    assert "lead@northern-lights.example" in result.output and "turnout-demo-2026" in result.output
    signed_in(client, "lead@northern-lights.example", "turnout-demo-2026")
    home = client.get("/").get_data(as_text=True)
    assert "Riverside Academy" in home and "Oak Valley" not in home
    report = _run("report", "attendance", "--school", "149001", "--from", "2025-09-01", "--to", "2025-09-30")
    rows = json.loads(report.output)["rows"]
    assert rows and sum(r["possible_sessions"] for r in rows) > 0
    flags = json.loads(_run("report", "flags", "--school", "149001", "--week", "2025-09-17").output)
    assert flags["week_start"] == "2025-09-15" and flags["rows"]
    to_sunday = _run(
        "report", "attendance", "--school", "149001", "--from", "2025-08-01", "--to", "2025-09-21"
    )
    ytd = {r["upn"]: r["attendance_rate"] for r in json.loads(to_sunday.output)["rows"]}
    assert {r["upn"]: r["ytd_attendance"] for r in flags["rows"]} == {
        u: ytd[u] for u in (r["upn"] for r in flags["rows"])
    }
    assert {r["flag"] for r in flags["rows"]} <= {"new", "green", "amber", "red", "purple"}
    assert all(r["next_step"] and r["trend"] for r in flags["rows"])
    as_csv = _run("report", "flags", "--school", "149001", "--week", "2025-09-15", "--format", "csv").output
    assert as_csv.splitlines()[0] == (
        "upn,week_start,ytd_attendance,previous_ytd_attendance,week_attendance,change_pp,flag,trend,next_step"
    )
    again = _run("demo", "--if-empty")
    assert again.exit_code == 0 and "not loaded" in again.output


def _tasks(db: Session) -> int:
    with context.use(system_context(db, "test")):
        return db.scalar(select(func.count()).select_from(TaskInstance)) or 0


def test_tasks_generate_makes_each_task_once_and_none_when_a_school_is_closed(
    app: Flask, db: Session, tmp_path: Path
) -> None:
    """On Tuesday 24 November 2026 every playbook task's period holds the day; 16 of the 18 are made (the
    weekly banding review was due on Monday and the half-term's family meetings on 9 November), once
    however often generation runs. The calendar is imported on a summer day, so the import makes none."""
    _setup_school()
    calendar = tmp_path / "autumn.csv"
    calendar.write_bytes(AUTUMN_2026)
    with patch.object(clock, "utcnow", lambda: SUMMER):
        assert _run("import", "calendar", "--school", "123456", str(calendar)).exit_code == 0
    assert _tasks(db) == 0
    first = _run("tasks", "generate", "--date", "2026-11-24")
    assert first.exit_code == 0, first.output
    assert "2026-11-24 (Tuesday): 16 tasks made at 1 open school\n" in first.output
    again = _run("tasks", "generate", "--date", "2026-11-24", "--school", "123456")
    assert "2026-11-24 (Tuesday): 0 tasks made at 1 open school, 16 already there" in again.output
    assert again.output.endswith("Made 0 tasks over 1 day.\n")
    assert _tasks(db) == 16
    # Friday 23 October ends Autumn 1: its 6 daily tasks and the weekly data meeting are new; every other task
    # of that week, fortnight and half-term was due before it; the 2 termly tasks were made on 24 November.
    week = _run("tasks", "generate", "--from", "2026-10-23", "--to", "2026-10-26").stdout.splitlines()
    assert week == [
        "2026-10-23 (Friday): 7 tasks made at 1 open school, 2 already there",
        "2026-10-24 (Saturday): no tasks made: Weekend",
        "2026-10-25 (Sunday): no tasks made: Weekend",
        "2026-10-26 (Monday): no tasks made: October half-term",
        "Made 7 tasks over 4 days.",
    ]
    assert _tasks(db) == 16 + 7


def test_tasks_generate_names_the_schools_without_a_calendar_and_refuses_bad_dates(app: Flask) -> None:
    _setup_school()
    result = _run("tasks", "generate", "--date", "2026-11-24")
    assert "2026-11-24 (Tuesday): no tasks made: No calendar for this year at URN 123456" in result.output
    both = _run("tasks", "generate", "--date", "2026-11-24", "--from", "2026-11-23")
    assert both.exit_code == 1 and "not both" in both.output
    backwards = _run("tasks", "generate", "--from", "2026-11-24", "--to", "2026-11-23")
    assert backwards.exit_code == 1 and "--from is after --to" in backwards.output
    unknown = _run("tasks", "generate", "--school", "999999")
    assert unknown.exit_code == 1 and "no school with URN 999999" in unknown.output
