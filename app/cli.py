"""The `turnout` command: database, tenants, users, imports, demo, jobs and the servers."""

from __future__ import annotations

import csv
import json
import logging
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import Session
from waitress import serve as waitress_serve

from app import create_app
from app.admin import services as admin_services
from app.audit.cli import audit
from app.auth.services import find_user_by_email
from app.backup_cli import backup, restore
from app.benchmarks.cli import report_benchmark
from app.calendars import services as calendar_services
from app.calendars.spans import NO_CALENDAR, year_label
from app.cli_support import command_app as _app
from app.cli_support import command_session as _session
from app.cli_support import fail as _fail
from app.clock import local
from app.config import load_config
from app.db import get_db, utcnow
from app.demo import DEMO_PASSWORD, demo_exists, load_demo
from app.flags import report as flag_report
from app.migrate import upgrade
from app.registers import importer as pupil_import
from app.registers import mark_import, reports
from app.registers.measures import quantity
from app.registers.recording import Recorder, week_start
from app.returns.cli import report_returns
from app.storage import get_storage
from app.workflow.generation import generate_schools
from jobs.definitions import JOBS, run_job
from jobs.overview import every_outcome
from jobs.scheduler import serve as serve_scheduler
from tenants import context
from tenants.access import system_context
from tenants.models import Role, School
from tenants.scoping import UNSCOPED


@click.group()
def main() -> None:
    """Turnout: attendance for multi-academy trusts."""


@main.group()
def db() -> None:
    """Create and migrate the database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring it to the latest version."""

    config = load_config()
    upgrade(config["DATABASE_URL"], config["DB_APP_ROLE"])
    click.echo("Database is up to date.")


@main.group()
def trust() -> None:
    """Manage trusts."""


@trust.command("add")
@click.argument("slug")
@click.option("--name", required=True, help="The trust's full name.")
def trust_add(slug: str, name: str) -> None:
    """Add a trust."""

    with _session() as (_app, session):
        try:
            created = admin_services.add_trust(session, slug, name)
        except admin_services.AdminError as exc:
            _fail(str(exc))
        click.echo(f"Added trust {created.slug}: {created.name}")


@main.group()
def school() -> None:
    """Manage schools."""


@school.command("add")
@click.argument("urn", type=int)
@click.option("--trust", "trust_slug", required=True, help="Slug of the trust the school joins.")
@click.option("--name", required=True)
@click.option("--phase", required=True, type=click.Choice(["primary", "secondary", "special", "alternative"]))
@click.option("--la-code", default=None, help="Three-digit local authority code, e.g. 926.")
def school_add(urn: int, trust_slug: str, name: str, phase: str, la_code: str | None) -> None:
    """Add a school to a trust."""

    with _session() as (_app, session):
        try:
            found = admin_services.find_trust(session, trust_slug)
            created = admin_services.add_school(session, found, urn, name, phase, la_code)
        except admin_services.AdminError as exc:
            _fail(str(exc))
        la = f", {created.la_name}" if created.la_name else ""
        click.echo(f"Added school {created.urn}: {created.name} ({created.phase.value}{la})")


@main.group()
def user() -> None:
    """Manage user accounts."""


@user.command("add")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--title", required=True, help="Job title, shown on every amendment the user makes.")
@click.option(
    "--role", required=True, type=click.Choice(["trust_leader", "school_lead", "staff", "governor"])
)
@click.option("--trust", "trust_slug", default=None)
@click.option("--school", "school_urn", type=int, default=None)
@click.option(
    "--safeguarding", is_flag=True, help="DSL permission: may read safeguarding notes (never a governor)."
)
def user_add(
    email: str,
    name: str,
    title: str,
    role: str,
    trust_slug: str | None,
    school_urn: int | None,
    safeguarding: bool,
) -> None:
    """Add a user with a role at a trust or a school; the password is read from stdin."""

    if (trust_slug is None) == (school_urn is None):
        _fail("give exactly one of --trust or --school")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        _fail("no password given on standard input")
    with _session() as (_app, session):
        try:
            at_trust = admin_services.find_trust(session, trust_slug) if trust_slug else None
            at_school = admin_services.find_school(session, school_urn) if school_urn else None
            created, _ = admin_services.add_user(
                session,
                email,
                name,
                title,
                Role(role),
                trust=at_trust,
                school=at_school,
                password=password,
                safeguarding=safeguarding,
            )
        except admin_services.AdminError as exc:
            _fail(str(exc))
        click.echo(f"Added {created.email} as {role}" + (" with the DSL permission" if safeguarding else ""))


@main.group("import")
def import_() -> None:
    """Import data from a school's MIS."""


@import_.command("pupils")
@click.option("--school", "school_urn", type=int, required=True)
@click.option("--by", "by_email", default=None, help="Email of the person importing (for history).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_pupils(school_urn: int, by_email: str | None, file: Path) -> None:
    """Import admission register rows (upsert by UPN); all or nothing."""
    with _session() as (_app, session):
        found, recorder = _school_and_recorder(session, school_urn, by_email)
        data = file.read_bytes()
        scope = system_context(session, "cli:import-pupils", trust_id=found.trust_id)
        bar = click.progressbar(length=max(data.count(b"\n"), 1), label="Importing", file=sys.stderr)
        with context.use(scope), bar:
            try:
                result = pupil_import.import_pupils(
                    session,
                    found,
                    data,
                    source=f"CSV import: {file.name}",
                    by_name=recorder.name,
                    by_title=recorder.title,
                    progress=lambda _line: bar.update(1),
                )
            except pupil_import.ImportRejected as exc:
                _report_rejection(bar, file.name, exc)
        click.echo(
            f"Imported {result.rows} pupils into {found.name}: "
            f"{result.added} added, {result.updated} updated, {result.unchanged} unchanged."
        )


def _school_and_recorder(session: Session, urn: int, by_email: str | None) -> tuple[School, Recorder]:
    """The school named on the command line and who the import is recorded as."""
    try:
        found = admin_services.find_school(session, urn)
    except admin_services.AdminError as exc:
        _fail(str(exc))
    if not by_email:
        return found, Recorder(None, "MIS import", "Command line")
    person = find_user_by_email(session, by_email)
    if person is None:
        _fail(f"no user with email {by_email}")
    return found, Recorder(person.id, person.name, person.job_title)


def _report_rejection(bar: Any, name: str, exc: pupil_import.ImportRejected) -> None:
    bar.render_finish()
    click.secho(f"{name} was not imported; nothing was written.", fg="red", err=True)
    for problem in exc.problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


@import_.command("marks")
@click.option("--school", "school_urn", type=int, required=True)
@click.option(
    "--by", "by_email", default=None, help="Email of the person importing (recorded on every mark)."
)
@click.option("--reason", default=None, help="Reason recorded on amendments (default: 'MIS import: FILE').")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_marks(school_urn: int, by_email: str | None, reason: str | None, file: Path) -> None:
    """Import register marks (upn,date,session,code[,minutes_late]); all or nothing."""
    with _session() as (_app, session):
        found, recorder = _school_and_recorder(session, school_urn, by_email)
        scope = system_context(session, "cli:import-marks", trust_id=found.trust_id)
        bar = click.progressbar(
            length=max(file.stat().st_size // 30, 1), label="Importing marks", file=sys.stderr
        )
        with context.use(scope), bar, file.open("rb") as stream:
            try:
                result = mark_import.import_marks(
                    session,
                    found,
                    stream,
                    source="import",
                    description=f"CSV import: {file.name}",
                    recorder=recorder,
                    reason=reason or f"MIS import: {file.name}",
                    progress=bar.update,
                )
            except pupil_import.ImportRejected as exc:
                _report_rejection(bar, file.name, exc)
        click.echo(
            f"Imported {result.rows} marks into {found.name}: {result.new} new, "
            f"{result.amended} amended, {result.unchanged} unchanged."
        )


@import_.command("calendar")
@click.option("--school", "school_urn", type=int, required=True)
@click.option(
    "--by", "by_email", default=None, help="Email of the person importing (recorded on each entry)."
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_calendar(school_urn: int, by_email: str | None, file: Path) -> None:
    """Import a school calendar (kind,name,start,end), replacing the academic years in the file; all or nothing."""
    with _session() as (_app, session):
        found, recorder = _school_and_recorder(session, school_urn, by_email)
        with context.use(system_context(session, "cli:import-calendar", trust_id=found.trust_id)):
            try:
                done = calendar_services.import_calendar(session, found, file.read_bytes(), recorder)
            except pupil_import.ImportRejected as exc:
                _calendar_refused(f"{file.name} was not imported", [str(p) for p in exc.problems])
            except calendar_services.CalendarRefused as exc:
                _calendar_refused(f"{file.name} was not imported", list(exc.problems.values()))
        click.echo(
            f"Imported {done.added} calendar entries into {found.name} for "
            f"{', '.join(year_label(y) for y in done.years)}, replacing {done.removed}."
        )


@main.group()
def calendar() -> None:
    """School calendars: terms, half-terms, holidays, INSET days and closures."""


@calendar.command("push")
@click.option(
    "--trust", "trust_slug", required=True, help="Slug of the trust whose schools get the calendar."
)
@click.option(
    "--school",
    "school_urns",
    type=int,
    multiple=True,
    help="URN of a school to push to (repeat; default: all).",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def calendar_push(trust_slug: str, school_urns: tuple[int, ...], file: Path) -> None:
    """Push a trust calendar to its schools; each keeps its own INSET days and closures; all or nothing."""
    with _session() as (_app, session):
        try:
            found = admin_services.find_trust(session, trust_slug)
        except admin_services.AdminError as exc:
            _fail(str(exc))
        with context.use(system_context(session, "cli:calendar-push", trust_id=found.id)):
            by_urn = {s.urn: s for s in found.schools}
            unknown = [str(urn) for urn in school_urns if urn not in by_urn]
            if unknown:
                _fail(f"no school with URN {', '.join(unknown)} in trust {found.slug}")
            chosen = [by_urn[urn] for urn in dict.fromkeys(school_urns)] or list(by_urn.values())
            if not chosen:
                _fail(f"trust {found.slug} has no schools")
            recorder = Recorder(None, "Trust calendar", "Command line")
            try:
                done = calendar_services.push_calendar(session, chosen, file.read_bytes(), recorder)
            except pupil_import.ImportRejected as exc:
                _calendar_refused(f"{file.name} was not pushed", [str(p) for p in exc.problems])
            except calendar_services.CalendarRefused as exc:
                _calendar_refused(
                    f"{file.name} was not pushed", [f"{name}: {text}" for name, text in exc.problems.items()]
                )
        for replaced in done:
            click.echo(
                f"Pushed {replaced.added} entries for {', '.join(year_label(y) for y in replaced.years)} to "
                f"{replaced.school.name} (URN {replaced.school.urn}), replacing {replaced.removed}."
            )


def _calendar_refused(what: str, problems: list[str]) -> None:
    click.secho(f"{what}; nothing was written.", fg="red", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


@main.group()
def report() -> None:
    """Reports as JSON or CSV on standard output."""


def _emit(payload: dict, fields: tuple[str, ...], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(payload, indent=1, default=str))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in payload["rows"]:
        writer.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()})


@report.command("attendance")
@click.option("--school", "school_urn", type=int, required=True)
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Default: 1 August.")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Default: today.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def report_attendance(school_urn: int, start: datetime | None, end: datetime | None, fmt: str) -> None:
    """Per-pupil measures for a period (rates in percent, unrounded)."""
    with _session() as (_app, session):
        found, _ = _school_and_recorder(session, school_urn, None)
        period = reports.Period.year_to_date(date.today())
        period = reports.Period(start.date() if start else period.start, end.date() if end else period.end)
        if period.start > period.end:
            _fail("--from is after --to")
        with context.use(system_context(session, "cli:report-attendance", trust_id=found.trust_id)):
            rows = reports.attendance_rows(session, found, period)
        payload = {"school": found.urn, "from": period.start, "to": period.end, "rows": rows}
        _emit(payload, reports.ATTENDANCE_FIELDS, fmt)


@report.command("flags")
@click.option("--school", "school_urn", type=int, required=True)
@click.option(
    "--week", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Any day of the week (Monday to Sunday)."
)
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def report_flags(school_urn: int, week: datetime, fmt: str) -> None:
    """Per-pupil weekly flags: year-to-date attendance, change, flag, trend and next step."""
    with _session() as (_app, session):
        found, _ = _school_and_recorder(session, school_urn, None)
        if week.date() > date.today():
            _fail("--week is in the future")
        with context.use(system_context(session, "cli:report-flags", trust_id=found.trust_id)):
            try:
                rows = flag_report.flag_rows(session, found, week.date(), date.today())
            except ValueError as exc:
                _fail(str(exc))
            session.commit()  # keeps a snapshot computed on demand
        _emit(
            {"school": found.urn, "week_start": week_start(week.date()), "rows": rows},
            flag_report.FLAG_FIELDS,
            fmt,
        )


@report.command("amendments")
@click.option("--school", "school_urn", type=int, required=True)
@click.option("--upn", default=None)
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def report_amendments(school_urn: int, upn: str | None, fmt: str) -> None:
    """Every amendment to the attendance register: original, new, reason, who and when."""
    with _session() as (_app, session):
        found, _ = _school_and_recorder(session, school_urn, None)
        with context.use(system_context(session, "cli:report-amendments", trust_id=found.trust_id)):
            rows = reports.amendment_rows(session, found, upn)
        _emit({"school": found.urn, "rows": rows}, reports.AMENDMENT_FIELDS, fmt)


report.add_command(report_returns)
report.add_command(report_benchmark)


@main.command()
@click.option(
    "--schools", default=6, show_default=True, type=click.IntRange(1, 200), help="Schools in the trust."
)
@click.option(
    "--pupils", default=5000, show_default=True, type=click.IntRange(20, 200_000), help="Pupils in the trust."
)
@click.option(
    "--weeks", default=None, type=click.IntRange(1, 52), help="Weeks of registers (default: term to date)."
)
@click.option("--seed", default=2026, show_default=True, type=int)
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day of registers.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has a trust.")
def demo(
    schools: int, pupils: int, weeks: int | None, seed: int, start: datetime | None, if_empty: bool
) -> None:
    """Load a realistic demo trust with a calendar, staff, pupils, registers and a history of ticked tasks,
    and print the logins."""
    with _session() as (_app, session):
        if demo_exists(session):
            if if_empty:
                click.echo("The database already has data; the demo was not loaded.")
                return
            _fail("the database already has trusts; load the demo into an empty database")
        logins = load_demo(
            session,
            schools=schools,
            pupils=pupils,
            weeks=weeks,
            seed=seed,
            start=start.date() if start else None,
            progress=lambda msg: click.echo(f"  loaded {msg}", err=True),
        )
    click.echo(f"\nDemo loaded. Every demo login uses the password: {DEMO_PASSWORD}")
    for login in logins:
        click.echo(f"  {login.email:<40} {login.role:<13} {login.where}")


@main.group()
def tasks() -> None:
    """Workflow tasks."""


@tasks.command("generate")
@click.option(
    "--date", "day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="One day (default: today)."
)
@click.option(
    "--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day of a range."
)
@click.option(
    "--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (default: today)."
)
@click.option(
    "--school",
    "school_urns",
    type=int,
    multiple=True,
    help="URN of a school (repeat; default: every school).",
)
def tasks_generate(
    day: datetime | None, start: datetime | None, end: datetime | None, school_urns: tuple[int, ...]
) -> None:
    """Make the workflow tasks of each school open on each day; running again makes nothing new."""
    if day and (start or end):
        _fail("give --date or --from and --to, not both")
    if end and not start:
        _fail("--to needs --from")
    today = local(utcnow()).date()
    if day:
        first = last = day.date()
    else:
        first, last = start.date() if start else today, end.date() if end else today
    if first > last:
        _fail("--from is after --to")
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    with _session() as (_app, session):
        by_trust = _schools_by_trust(session, school_urns)
        made: list[tuple[date, int, int, str | None, int]] = []  # day, created, existing, closed, URN
        count = len(days) * sum(len(ids) for ids in by_trust.values())
        with click.progressbar(length=count, label="Making tasks", file=sys.stderr) as bar:
            for trust_id, school_ids in by_trust.items():
                with context.use(system_context(session, "cli:tasks-generate", trust_id=trust_id)):
                    schools = session.scalars(
                        select(School).where(School.id.in_(school_ids)).order_by(School.urn)
                    )
                    results = generate_schools(session, list(schools), days, lambda _r: bar.update(1))
                    made += [(r.day, r.created, r.existing, r.closed, r.school.urn) for r in results]
                    session.commit()
    for when in days:
        click.echo(_tasks_made(when, [m[1:] for m in made if m[0] == when]))
    click.echo(f"Made {quantity(sum(m[1] for m in made), 'task')} over {quantity(len(days), 'day')}.")


def _schools_by_trust(session: Session, school_urns: tuple[int, ...]) -> dict[int, list[int]]:
    """The chosen schools (or every school), by trust, as ids: each trust is worked in its own context."""
    if school_urns:
        try:
            found = [admin_services.find_school(session, urn) for urn in dict.fromkeys(school_urns)]
        except admin_services.AdminError as exc:
            _fail(str(exc))
        pairs = [(s.trust_id, s.id) for s in found]
    else:
        query = select(School.trust_id, School.id).execution_options(**UNSCOPED)
        pairs = [(trust_id, school_id) for trust_id, school_id in session.execute(query)]
    if not pairs:
        _fail("there are no schools")
    by_trust: dict[int, list[int]] = {}
    for trust_id, school_id in sorted(pairs):
        by_trust.setdefault(trust_id, []).append(school_id)
    return by_trust


def _tasks_made(when: date, results: list[tuple[int, int, str | None, int]]) -> str:
    """One day's line: tasks made at the open schools, and why the others were closed (with their URNs,
    unless every school was closed for the same reason, a weekend or a holiday)."""
    open_ = [r for r in results if r[2] is None]
    closed: dict[str, list[str]] = {}
    for _created, _existing, why, urn in results:
        if why is not None:
            closed.setdefault(why, []).append(str(urn))
    everywhere = not open_ and len(closed) == 1 and NO_CALENDAR not in closed
    reasons = [why if everywhere else f"{why} at URN {', '.join(urns)}" for why, urns in closed.items()]
    if not open_:
        return f"{when.isoformat()} ({when:%A}): no tasks made: {'; '.join(reasons)}"
    existing = sum(r[1] for r in open_)
    made = f"{quantity(sum(r[0] for r in open_), 'task')} made at {quantity(len(open_), 'open school')}"
    return (
        f"{when.isoformat()} ({when:%A}): {made}"
        + (f", {existing} already there" if existing else "")
        + "".join(f"; closed: {reason}" for reason in reasons)
    )


@main.group()
def jobs() -> None:
    """Scheduled jobs."""


@jobs.command("run")
@click.argument("job")
def jobs_run(job: str) -> None:
    """Run one job now (idempotent: a second run in the same period changes nothing)."""

    if job not in JOBS:
        _fail(f"unknown job '{job}'; jobs are: {', '.join(JOBS)}")
    with _app(), get_db().session() as session:
        record = run_job(get_db(), job, store=get_storage())
        click.echo(f"{job} for {record.period}: {record.status}: {record.detail or ''}")
        for name, outcome in every_outcome(session, record.id):
            click.echo(f"  {name}: {outcome.status}: {outcome.detail or outcome.error or ''}")
    if record.error:
        _fail(record.error)


@main.command()
def scheduler() -> None:
    """Run the scheduler process (one per deployment, never inside web workers)."""

    logging.basicConfig(level=logging.INFO, format="%(asctime)s scheduler %(message)s")
    with _app() as app:
        serve_scheduler(app, get_db(), get_storage())


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app with waitress (production uses gunicorn: see infra/)."""

    from dashboards import set_up_before_serving

    app = create_app()
    set_up_before_serving(app)  # Dash's first-request setup, before waitress's threads serve anyone
    click.echo(f"Turnout is serving at http://{host}:{port}")
    waitress_serve(app, host=host, port=port, threads=threads, ident="turnout")


main.add_command(backup)
main.add_command(restore)
main.add_command(audit)

if __name__ == "__main__":
    main()
