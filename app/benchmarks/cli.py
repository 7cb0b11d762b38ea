"""`turnout report benchmark`: a trust's school rows, the pooled trust row, and LA and England reference
rows for a period, as JSON (`{"rows": [...]}`, design.md keys first, then the extra figures and each row's
cohorts) or CSV (the same keys but cohorts, true/false for flags)."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date

import click

from app.admin import services as admin_services
from app.benchmarks.engine import benchmark
from app.benchmarks.figures import ROW_KEYS
from app.cli_support import command_session, fail
from app.clock import parse_day, uk_today
from app.registers.reports import academic_year_start
from tenants import context
from tenants.access import system_context


def _day(option: str, text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return parse_day(text.strip())
    except ValueError as exc:
        fail(f"{option}: {exc}")
        raise  # unreachable: fail exits


@click.command("benchmark")
@click.option("--trust", "slug", required=True, help="The trust's short name (slug).")
@click.option("--from", "start", default=None, help="YYYY-MM-DD (default: 1 August of the --to year).")
@click.option("--to", "end", default=None, help="YYYY-MM-DD (default: today, UK time).")
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True)
def report_benchmark(slug: str, start: str | None, end: str | None, fmt: str) -> None:
    """Benchmarks: each school, the trust pooled, its LAs and England (rates in percent, unrounded)."""
    last = _day("--to", end, uk_today())
    first = _day("--from", start, academic_year_start(last))
    if first > last:
        fail(f"--from {first} is after --to {last}")
    if academic_year_start(first) != academic_year_start(last):
        fail(f"--from {first} and --to {last} must lie in one academic year (1 August to 31 July)")
    with command_session() as (_app, session):
        try:
            trust = admin_services.find_trust(session, slug)
        except admin_services.AdminError as exc:
            fail(str(exc))
        with context.use(system_context(session, "cli:report-benchmark", trust_id=trust.id)):
            result = benchmark(session, trust, first, last)
    if fmt == "json":
        payload = {"trust": slug, "from": first, "to": last, "rows": result.rows()}
        click.echo(json.dumps(payload, indent=1, default=str))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=ROW_KEYS, lineterminator="\n")
    writer.writeheader()
    for row in result.rows(cohorts=False):
        writer.writerow({k: ("true" if v is True else "false" if v is False else v) for k, v in row.items()})
