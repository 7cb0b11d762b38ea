"""Weekly flags from hand-made registers: report rows, kept history, rule versions, the Monday job."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.flags.models import FlagSnapshot
from app.flags.report import flag_rows
from app.flags.rules import RuleSet
from app.flags.rulesets import save_rules
from app.flags.snapshots import week_flags
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from jobs.definitions import run_job
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.factories import Factory
from tests.job_runs import outcome_details

WEEK_1, WEEK_2 = date(2025, 9, 8), date(2025, 9, 15)
AFTER = date(2025, 9, 22)  # both weeks have ended
PERSON = Recorder(None, "Dana Clerk", "Data manager")
REGISTERS = {  # ten sessions a week, Monday AM to Friday PM
    "steady": ("/\\/\\/\\/\\/\\", "/\\/\\/\\/\\/\\"),
    "ninety": ("/\\/\\/\\/\\/\\", "/\\/\\/\\OO/\\"),
    "half": ("/\\/\\/OOOOO", "OOOOO/\\/\\/"),
    "improver": ("/\\/\\I\\/\\/\\", "/\\/\\/\\/\\/\\"),
    "joiner": (None, "/\\/\\/\\/\\/\\"),
}


@pytest.fixture
def upns(db: Session, world: World, school: School) -> dict[str, str]:
    f = Factory(db)
    pupils = {
        name: f.pupil(
            world.a1, surname=name.title(), admission_date=WEEK_2 if name == "joiner" else date(2025, 9, 1)
        )
        for name in REGISTERS
    }
    lines = ["upn,date,session,code,minutes_late"]
    for name, weeks in REGISTERS.items():
        for monday, codes in zip((WEEK_1, WEEK_2), weeks, strict=True):
            for i, code in enumerate(codes or ""):
                lines.append(
                    f"{pupils[name].upn},{monday + timedelta(days=i // 2)},{'AM' if i % 2 == 0 else 'PM'},{code},"
                )
    _import(db, school, "\n".join(lines) + "\n")
    return {name: p.upn for name, p in pupils.items()}


def _import(db: Session, school: School, text: str) -> None:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        import_marks(db, school, io.BytesIO(text.encode()), source="import", description="test", recorder=PERSON,
                     reason="correction", today=AFTER)  # fmt: skip


def _rows(db: Session, school: School, week: date, today: date = AFTER) -> dict[str, dict]:
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        rows = flag_rows(db, school, week, today)
        db.commit()
    return {r["upn"]: r for r in rows}


def test_the_second_week_flags_trends_and_next_steps(
    db: Session, school: School, upns: dict[str, str]
) -> None:
    rows = _rows(db, school, WEEK_2 + timedelta(days=2))  # any day names its week
    found = {name: (rows[u]["flag"], rows[u]["trend"], rows[u]["next_step"]) for name, u in upns.items()}
    assert found == {
        "steady": ("green", "unchanged", "recognise"),
        "ninety": ("red", "declined", "support"),  # exactly 90.0% is persistent absence
        "half": ("purple", "unchanged", "refer"),  # exactly 50.0% is severe absence
        "improver": ("amber", "improved", "praise"),
        "joiner": ("new", "new", "monitor"),  # ten sessions: fewer than 20
    }
    ninety = rows[upns["ninety"]]
    assert (ninety["ytd_attendance"], ninety["previous_ytd_attendance"], ninety["week_attendance"]) == (
        90.0,
        100.0,
        80.0,
    )
    assert ninety["change_pp"] == pytest.approx(-10.0) and ninety["week_start"] == WEEK_2
    assert rows[upns["joiner"]]["previous_ytd_attendance"] is None


def test_the_first_week_has_every_pupil_new_and_no_joiner(
    db: Session, school: School, upns: dict[str, str]
) -> None:
    rows = _rows(db, school, WEEK_1)
    assert upns["joiner"] not in rows
    assert {r["flag"] for r in rows.values()} == {"new"} and {r["trend"] for r in rows.values()} == {"new"}


def test_a_closed_week_is_history_and_the_open_week_follows_new_marks(
    db: Session, school: School, upns: dict[str, str]
) -> None:
    assert _rows(db, school, WEEK_2)[upns["ninety"]]["flag"] == "red"
    open_day = WEEK_2 + timedelta(days=4)
    assert _rows(db, school, WEEK_1, today=open_day)[upns["ninety"]]["flag"] == "new"
    _import(db, school, f"upn,date,session,code\n{upns['ninety']},{WEEK_2 + timedelta(days=3)},AM,/\n")
    assert _rows(db, school, WEEK_2)[upns["ninety"]]["flag"] == "red"  # the closed snapshot is kept
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        db.execute(FlagSnapshot.__table__.update().values(closed=False))  # as if viewed before the week ended
        db.commit()
    assert _rows(db, school, WEEK_2, today=open_day)[upns["ninety"]]["flag"] == "amber"  # 19 of 20


def test_a_rule_change_applies_from_the_next_computation_and_history_keeps_its_version(
    db: Session, school: School, upns: dict[str, str]
) -> None:
    _rows(db, school, WEEK_2)
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        rules = RuleSet().to_json()
        rules["thresholds"]["red_upto"] = 85
        assert save_rules(db, school.trust_id, rules, "Trust Lead", "Director of attendance") == 1
        db.commit()
        assert week_flags(db, school, WEEK_2, AFTER).rules_version == 0  # closed: kept as it was
    assert (
        _rows(db, school, WEEK_2 + timedelta(days=7), today=AFTER + timedelta(days=1))[upns["ninety"]]["flag"]
        == "amber"
    )
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        versions = dict(db.execute(select(FlagSnapshot.week_start, FlagSnapshot.rules_version)).all())
    assert versions == {WEEK_2: 0, WEEK_2 + timedelta(days=7): 1}


def test_the_monday_job_closes_last_week_for_every_school_once(
    app: Flask, db: Session, school: School, upns: dict[str, str], world: World
) -> None:
    database = app.extensions["turnout.db"]
    monday = datetime(2025, 9, 22, 5, 0, tzinfo=UTC)
    first = run_job(database, "weekly-flags", now=monday)
    assert first.period == "2025-09-15" and first.detail == "2 of 2 trusts done"
    assert outcome_details(db, first) == {
        world.trust_a.id: "flags for the week of 2025-09-15: 2 school snapshots",
        world.trust_b.id: "flags for the week of 2025-09-15: 1 school snapshots",
    }
    assert run_job(database, "weekly-flags", now=monday + timedelta(hours=3)).id == first.id
    with context.use(system_context(db, "test")):
        stored = db.scalars(select(FlagSnapshot)).all()
    assert {s.school_id for s in stored} >= {world.a1.id, world.b1.id}
    assert all(s.closed and s.week_start == WEEK_2 for s in stored)
    assert (
        next(s for s in stored if s.school_id == world.a1.id).pupils == len(upns) + 1
    )  # and the world's pupil


def test_flags_of_another_trusts_school_are_refused(
    db: Session, school: School, world: World, upns: dict
) -> None:
    with context.use(system_context(db, "test", trust_id=world.trust_b.id)), pytest.raises(PermissionError):
        week_flags(db, school, WEEK_2, AFTER)
