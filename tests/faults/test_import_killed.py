"""The database connection killed in the middle of an import: nothing of it is written, the person or
program that sent it is told in words, and sending the same import again writes exactly its rows.

On PostgreSQL another transaction holds a key the import is about to write, so the import is stopped at a
chosen point (streaming marks, writing the rollups, adding pupils); its backend is then terminated, as a
failover or an operator's kill would. On SQLite the importing process itself is SIGKILLed mid-transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from app import create_app
from app.api.services import create_token
from app.cli import main
from app.registers.importer import import_pupils
from app.registers.models import Pupil
from app.unreachable import API_MESSAGE
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.bench.data import school_days, write_marks_csv, write_pupils_csv
from tests.conftest import World
from tests.faults.databases import (
    WAIT_SECONDS,
    digest,
    held_mark,
    held_pupil,
    held_session,
    kill_the_waiter,
    owner,
    register,
)
from tests.helpers import csrf_token
from tests.storage_fixtures import free_port

PUPILS = 2000
DAYS = school_days(date(2025, 9, 8), 50)  # 2,000 pupils x 50 days (10 weeks) x 2 sessions = 200,000 marks
MARKS = PUPILS * len(DAYS) * 2
LOST = "Error: the database could not finish the command ("
ROLLED_BACK = "): the connection was lost or could not be made, or the database was too busy (a lock, a deadlock or a time limit). What the command had not finished was rolled back (an import is all or nothing"
KILLED = "terminating connection due to administrator command"  # the server's words, not a later error's


def _turnout(*args: str) -> subprocess.Popen[str]:
    """`turnout ...` as its own process, on the test's database (TURNOUT_DATABASE_URL)."""
    return subprocess.Popen(  # noqa: S603 - this repository's own CLI
        [sys.executable, "-m", "app.cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _school(db: Session, world: World) -> School:
    school = db.get(School, world.a1.id, execution_options=UNSCOPED)
    assert school is not None
    return school


def _pupils(db: Session, world: World, tmp_path: Path, data: bytes | None = None) -> dict[str, int]:
    """A1's pupils (2,000 unless `data` says otherwise), by UPN."""
    if data is None:
        write_pupils_csv(tmp_path / "pupils.csv", 1, PUPILS, date(2025, 9, 1))
        data = (tmp_path / "pupils.csv").read_bytes()
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        import_pupils(db, _school(db, world), data, source="test", by_name="T", by_title="Test")
        ids = dict(db.execute(select(Pupil.upn, Pupil.id).where(Pupil.legal_forename == "Test")).all())  # type: ignore[arg-type]
    db.rollback()
    return ids


def _file_rows(path: Path) -> set[tuple[str, ...]]:
    lines = path.read_text().splitlines()[1:]
    return {tuple(line.split(",")) for line in lines}


def _kill_while_waiting(url: str, held: AbstractContextManager[int], command: list[str]) -> tuple[int, str]:
    """Start `turnout COMMAND`, terminate its backend once it waits on the held key; its status and stderr."""
    with owner(url) as watch, held as blocker:
        process = _turnout(*command)

        def alive() -> None:
            assert process.poll() is None, process.communicate()

        kill_the_waiter(watch, blocker, alive)
        _out, err = process.communicate(timeout=WAIT_SECONDS)
    return process.returncode, err


def _rerun(command: list[str]) -> str:
    process = _turnout(*command)
    out, err = process.communicate(timeout=WAIT_SECONDS)
    assert process.returncode == 0, err
    return out.strip()


def _held_where(where: str, url: str, world: World, ids: dict[str, int]) -> AbstractContextManager[int]:
    if where == "streaming marks":  # the file is by pupil: the middle pupil's first mark is half-way
        return held_mark(url, world.a1.id, ids[list(ids)[PUPILS // 2]], DAYS[0], "AM")
    return held_session(url, world.a1.id, DAYS[-1], "PM")  # every mark and pupil-week is written by then


@pytest.mark.parametrize("where", ["streaming marks", "writing rollups"])
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_marks_import_whose_connection_is_killed_writes_nothing_says_so_and_runs_again(
    app: object, db: Session, world: World, database_url: str, tmp_path: Path, where: str
) -> None:
    ids = _pupils(db, world, tmp_path)
    marks = tmp_path / "marks.csv"
    assert write_marks_csv(marks, list(ids), DAYS) == MARKS
    before = digest(database_url)
    command = ["import", "marks", "--school", "100001", str(marks)]
    status, err = _kill_while_waiting(database_url, _held_where(where, database_url, world, ids), command)
    assert status == 1 and LOST + KILLED + ROLLED_BACK in err and "Traceback" not in err, err
    assert digest(database_url) == before  # no mark, batch, amendment, rollup or counter of the import
    assert (
        _rerun(command)
        == f"Imported {MARKS} marks into Alder One Primary: {MARKS} new, 0 amended, 0 unchanged."
    )
    assert register(database_url, world.a1.id) == _file_rows(marks)
    after = digest(database_url)
    assert after["mark_batches"][0] == before["mark_batches"][0] + 1  # the re-run's batch only
    assert (after["school_sessions"][0], after["pupil_weeks"][0]) == (len(DAYS) * 2, PUPILS * len(DAYS) // 5)
    assert after["mark_amendments"] == before["mark_amendments"]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_pupils_import_whose_connection_is_killed_writes_nothing_says_so_and_runs_again(
    app: object, db: Session, world: World, database_url: str, tmp_path: Path
) -> None:
    write_pupils_csv(tmp_path / "pupils.csv", 1, PUPILS, date(2025, 9, 1))
    header, *rows = (tmp_path / "pupils.csv").read_text().splitlines(keepends=True)
    earlier = [row.replace(",Pupil", ",Earlier") for row in rows[: PUPILS // 2]]  # renamed since
    ids = _pupils(db, world, tmp_path, "".join([header, *earlier]).encode())
    before = digest(database_url)
    new_upn = rows[PUPILS * 3 // 4].split(",")[0]
    held = held_pupil(database_url, world.a1.id, next(iter(ids.values())), new_upn)
    command = ["import", "pupils", "--school", "100001", str(tmp_path / "pupils.csv")]
    status, err = _kill_while_waiting(database_url, held, command)
    assert status == 1 and LOST in err and ROLLED_BACK in err and "Traceback" not in err, err
    assert digest(database_url) == before  # no pupil, revision or counter of the import
    assert _rerun(command).endswith(
        f"Imported {PUPILS} pupils into Alder One Primary: 1000 added, 1000 updated, 0 unchanged."
    )
    after = digest(database_url)
    assert after["pupils"][0] == before["pupils"][0] + PUPILS // 2
    assert after["pupil_revisions"][0] > before["pupil_revisions"][0]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_api_import_whose_connection_is_killed_answers_503_in_words_and_a_resend_succeeds(
    client: FlaskClient, db: Session, world: World, database_url: str, tmp_path: Path
) -> None:
    ids = _pupils(db, world, tmp_path)
    write_marks_csv(tmp_path / "marks.csv", list(ids), DAYS)
    entries = [
        {"upn": upn, "date": day, "session": session, "code": code}
        | ({"minutes_late": int(minutes)} if minutes else {})
        for upn, day, session, code, minutes in sorted(_file_rows(tmp_path / "marks.csv"))
    ]
    with context.use(system_context(db, "test")):
        _row, secret = create_token(db, _school(db, world), "SIMS", by_id=1, by_name="Lead")
    tokens = frozenset({"api_tokens"})  # the token's last use is recorded before the import begins
    before = digest(database_url, tokens)
    answers: list[TestResponse] = []

    def post() -> None:
        answers.append(client.post("/api/v1/schools/100001/marks", json={"marks": entries},
                                   headers={"Authorization": f"Bearer {secret}"}))  # fmt: skip

    held = _held_where("streaming marks", database_url, world, ids)
    with owner(database_url) as watch, held as blocker:
        sending = threading.Thread(target=post, daemon=True)
        sending.start()

        def alive() -> None:
            assert sending.is_alive(), answers

        kill_the_waiter(watch, blocker, alive)
        sending.join(timeout=WAIT_SECONDS)
    assert not sending.is_alive()
    lost = answers[0]
    assert lost.status_code == 503 and lost.headers["Retry-After"] == "60", lost.get_data(as_text=True)
    assert lost.get_json() == {"error": API_MESSAGE}
    assert digest(database_url, tokens) == before
    post()
    assert answers[1].status_code == 200, answers[1].get_data(as_text=True)
    assert answers[1].get_json()["new"] == MARKS
    assert register(database_url, world.a1.id) == _file_rows(tmp_path / "marks.csv")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_marks_import_killed_mid_transaction_on_sqlite_leaves_nothing_and_runs_again(
    app: object, db: Session, world: World, database_url: str, tmp_path: Path
) -> None:
    ids = _pupils(db, world, tmp_path)
    marks = tmp_path / "marks.csv"
    write_marks_csv(marks, list(ids), DAYS)
    db.close()
    before = digest(database_url)
    worker = subprocess.Popen(  # noqa: S603 - this repository's own test worker
        [sys.executable, "-m", "tests.faults.import_worker", "100001", str(marks), str(MARKS // 2)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        _wait_for_line(worker.stdout, "paused")  # type: ignore[arg-type]
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.kill()
        worker.communicate(timeout=WAIT_SECONDS)
    assert worker.returncode == -signal.SIGKILL
    assert digest(database_url) == before  # the WAL's uncommitted frames are not part of the database
    command = ["import", "marks", "--school", "100001", str(marks)]
    assert (
        _rerun(command)
        == f"Imported {MARKS} marks into Alder One Primary: {MARKS} new, 0 amended, 0 unchanged."
    )
    assert register(database_url, world.a1.id) == _file_rows(marks)


def _wait_for_line(stream: object, wanted: str) -> None:
    """Read the worker's output until `wanted`, bounded in time by a timer that closes the stream."""
    lines: list[str] = []
    timer = threading.Timer(WAIT_SECONDS, stream.close)  # type: ignore[attr-defined]
    timer.start()
    try:
        for line in stream:  # type: ignore[attr-defined]
            lines.append(line)
            if line.strip() == wanted:
                return
    except ValueError:  # closed by the timer
        pass
    finally:
        timer.cancel()
    raise AssertionError(f"the worker never said {wanted!r}: {lines}")


def test_a_page_or_api_call_while_the_database_is_unreachable_answers_503_in_words(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("TURNOUT_DATABASE_URL", f"postgresql://127.0.0.1:{free_port()}/nowhere")
    monkeypatch.setenv("TURNOUT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("TURNOUT_SECRET_KEY", "test-secret-" + "x" * 32)
    application = create_app({"TESTING": True})
    try:
        client = application.test_client()
        form = {"email": "lead@alder-one.example", "password": "whatever", "csrf_token": csrf_token(client)}
        page = client.post("/login", data=form)
        assert (
            page.status_code == 503 and int(page.headers["Retry-After"]) > 0
        )  # the login limiter sets it too
        assert "<h1>Database unavailable</h1>" in page.get_data(as_text=True)
        api = client.post("/api/v1/schools/100001/marks", json={"marks": []},
                          headers={"Authorization": "Bearer token"})  # fmt: skip
        assert api.status_code == 503 and api.get_json() == {"error": API_MESSAGE}
    finally:
        application.extensions["turnout.db"].engine.dispose()


@pytest.mark.parametrize(
    "command", [["jobs", "run", "weekly-flags"], ["import", "marks", "--school", "100001"]]
)
def test_a_command_while_the_database_is_unreachable_says_so_in_words(
    tmp_path: Path, command: list[str]
) -> None:
    marks = tmp_path / "marks.csv"
    marks.write_text("upn,date,session,code\n")
    env = {
        "TURNOUT_DATABASE_URL": f"postgresql://127.0.0.1:{free_port()}/nowhere",
        "TURNOUT_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    args = command + ([str(marks)] if command[0] == "import" else [])
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 1, result.output
    assert "Error: the database could not finish the command (connection failed: " in result.output
    assert "Run it again in a minute." in result.output and "Traceback" not in result.output
