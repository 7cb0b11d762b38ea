"""`turnout audit verify` names each chain's state and fails (exit 1) when one is broken."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.audit.services import SYSTEM, record
from app.cli import main
from tests.conftest import World


def _verify(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, ["audit", "verify", *args])


def test_every_chain_is_checked(app: Flask, db: Session, world: World) -> None:
    intact = _verify()
    assert intact.exit_code == 0, intact.output
    assert intact.output.splitlines() == [
        "Alder Trust: Chain intact: 5 events checked.",
        "Birch Trust: Chain intact: 3 events checked.",
        "Platform: Chain intact: 0 events checked.",
    ]
    assert _verify("--trust", "trust-b").output == "Birch Trust: Chain intact: 3 events checked.\n"
    unknown = _verify("--trust", "nope")
    assert unknown.exit_code == 1 and "no trust with slug 'nope'" in unknown.output


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL refuses it: test_chain.py
def test_a_broken_chain_fails_the_command(app: Flask, db: Session, world: World) -> None:
    record(db, "export", "x", trust_id=world.trust_b.id, actor=SYSTEM)
    db.commit()
    db.execute(text("UPDATE audit_events SET actor_name = 'Someone else' WHERE seq = 2 AND trust_id = :b"),
               {"b": world.trust_b.id})  # fmt: skip
    db.commit()
    broken = _verify()
    assert broken.exit_code == 1
    assert "Alder Trust: Chain intact: 5 events checked." in broken.output
    assert "Birch Trust: Broken at event 2: its contents (membership_granted at " in broken.output
    assert "Error: 1 chain broken: see above" in broken.output
