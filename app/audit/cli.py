"""`turnout audit verify`: check the audit log's hash chains from the command line (exit 1 if one is broken)."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.audit import chain
from app.cli_support import command_session, fail
from tenants.models import Trust
from tenants.scoping import UNSCOPED


@click.group("audit")
def audit() -> None:
    """The audit log."""


@audit.command("verify")
@click.option(
    "--trust",
    "slug",
    default=None,
    help="Check one trust's chain (default: every trust's and the platform's).",
)
def verify(slug: str | None) -> None:
    """Recompute every hash of each chain and say, for each, that it is intact or where it first breaks."""
    with command_session() as (_app, db):
        query = (
            select(Trust.id, Trust.name).order_by(Trust.name).execution_options(**UNSCOPED)
        )  # platform task
        trusts = db.execute(query.where(Trust.slug == slug) if slug else query).all()
        if slug and not trusts:
            fail(f"no trust with slug '{slug}'")
        chains = [(name, trust_id) for trust_id, name in trusts] + ([] if slug else [("Platform", None)])
        broken = 0
        for name, trust_id in chains:
            result = chain.verify(db, trust_id)
            broken += not result.intact
            click.echo(f"{name}: {result.words}")
    if broken:
        fail(f"{broken} chain{'' if broken == 1 else 's'} broken: see above")
