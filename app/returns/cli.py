"""`turnout report returns`: a school's LA return list for a day, as JSON or CSV on standard output.

JSON is `{"school": URN, "kind": KIND, "as_of": DATE, "rows": [...]}` with one object per pupil; the keys
of each kind's rows are listed in app/returns/absence.py and app/returns/admissions.py. CSV has the same
keys as its header row, with true/false for flags, as the other `turnout report` commands do.
"""

from __future__ import annotations

import csv
import json
import sys

import click

from app.admin import services as admin_services
from app.cli_support import command_session, fail
from app.clock import parse_day, uk_today
from app.returns.kinds import KINDS, UnknownKind, build, kind_named
from tenants import context
from tenants.access import system_context


@click.command("returns")
@click.option("--school", "school_urn", type=int, required=True, help="The school's URN.")
@click.option("--kind", required=True, help=f"One of: {', '.join(KINDS)}.")
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default: today, UK time).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def report_returns(school_urn: int, kind: str, as_of: str | None, fmt: str) -> None:
    """An LA return list: unauthorised-10, sickness-15, new-pupils or deletions."""
    try:
        kind_named(kind)
    except UnknownKind as exc:
        fail(str(exc))
    today = uk_today()
    try:
        day = parse_day(as_of.strip()) if as_of else today
    except ValueError as exc:
        fail(f"--as-of: {exc}")
    if day > today:
        fail(f"--as-of {day} is in the future: the registers are not taken yet")
    with command_session() as (_app, session):
        try:
            school = admin_services.find_school(session, school_urn)
        except admin_services.AdminError as exc:
            fail(str(exc))
        with context.use(system_context(session, "cli:report-returns", trust_id=school.trust_id)):
            rows = build(session, school, kind, day)
    if fmt == "json":
        click.echo(
            json.dumps(
                {"school": school_urn, "kind": kind, "as_of": day, "rows": rows}, indent=1, default=str
            )
        )
        return
    writer = csv.DictWriter(
        sys.stdout, fieldnames=[field for field, _ in KINDS[kind].columns], lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()})
