"""`turnout import calendar` and `turnout calendar push`: a refused file prints every problem with its line,
exits 1 and writes nothing; a good one says what it replaced."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy.orm import Session

from app.cli import main
from tenants.models import School
from tests.calendars.sample import AUTUMN_2026, give_calendar
from tests.calendars.test_pages import BAD_FILE, count, rows
from tests.calendars.test_push import SHORT_AUTUMN, TRUST_FILE
from tests.conftest import World


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def file(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "calendar.csv"
    path.write_bytes(data)
    return str(path)


def test_import_refuses_a_bad_file_naming_each_line_and_writes_nothing(
    db: Session, world: World, tmp_path: Path
) -> None:
    refused = run("import", "calendar", "--school", "100001", file(tmp_path, BAD_FILE))
    assert refused.exit_code == 1
    assert "calendar.csv was not imported; nothing was written." in refused.output
    assert (
        "  line 4: term 'Spring' (Tue 1 Dec 2026 to Fri 26 Mar 2027) overlaps term 'Autumn term' "
        "(Wed 2 Sep 2026 to Fri 18 Dec 2026) on line 2\n" in refused.output
    )
    assert "  line 6, column start: unknown date '2026-02-30'" in refused.output
    assert count(db) == 0
    done = run(
        "import",
        "calendar",
        "--school",
        "100001",
        "--by",
        world.users["a1_lead"],
        file(tmp_path, AUTUMN_2026),
    )
    assert done.exit_code == 0, done.output
    assert "Imported 8 calendar entries into Alder One Primary for 2026/27, replacing 0." in done.output
    assert count(db, world.a1.id) == 8
    assert run("import", "calendar", "--school", "999999", file(tmp_path, AUTUMN_2026)).exit_code == 1


def test_push_goes_to_the_named_schools_or_all_and_refuses_whole(
    db: Session, world: World, school: School, tmp_path: Path
) -> None:
    give_calendar(db, school)
    refused = run("calendar", "push", "--trust", "trust-a", file(tmp_path, SHORT_AUTUMN))
    assert refused.exit_code == 1
    assert (
        "Alder One Primary: Planned closure 'Polling station' (Thu 26 Nov 2026) is not in any term"
        in refused.output
    )
    assert count(db, world.a1.id) == 8 and count(db, world.a2.id) == 0
    only_a2 = run("calendar", "push", "--trust", "trust-a", "--school", "100002", file(tmp_path, TRUST_FILE))
    assert only_a2.exit_code == 0, only_a2.output
    assert only_a2.output == "Pushed 2 entries for 2026/27 to Alder Two Academy (URN 100002), replacing 0.\n"
    assert count(db, world.a1.id) == 8
    both = run("calendar", "push", "--trust", "trust-a", file(tmp_path, TRUST_FILE))
    assert both.exit_code == 0, both.output
    assert (
        "to Alder One Primary (URN 100001), replacing 6." in both.output
    )  # its own INSET day and closure stay
    assert [r[4] for r in rows(db, world.a1.id)] == ["trust", "trust", "school", "school"]
    other_trust = run(
        "calendar", "push", "--trust", "trust-a", "--school", "200001", file(tmp_path, TRUST_FILE)
    )
    assert other_trust.exit_code == 1 and "no school with URN 200001 in trust trust-a" in other_trust.output
    assert run("calendar", "push", "--trust", "nope", file(tmp_path, TRUST_FILE)).exit_code == 1
    assert count(db, world.b1.id) == 0
