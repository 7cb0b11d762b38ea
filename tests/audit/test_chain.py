"""The hash chains: appends link up, any rewrite is found and named, PostgreSQL refuses rewrites, and two
writers at once never fork a chain."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from app.audit import chain
from app.audit.models import AuditEvent
from app.audit.services import SYSTEM, record
from app.db import normalise_url
from tenants.scoping import UNSCOPED
from tests.conftest import World

pg_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _events(db: Session, trust_id: int | None, count: int) -> list[AuditEvent]:
    made = [record(db, "export", f"test event {n}", trust_id=trust_id, actor=SYSTEM) for n in range(count)]
    db.commit()
    return made


def _seqs(db: Session, trust_id: int) -> list[int]:
    return list(
        db.scalars(
            select(AuditEvent.seq)
            .where(AuditEvent.trust_id == trust_id)
            .order_by(AuditEvent.seq)
            .execution_options(**UNSCOPED)
        )
    )


def _owner(database_url: str):  # type: ignore[no-untyped-def]
    """The database owner (migrations' role), which the app never uses."""
    return create_engine(normalise_url(database_url))


def test_appends_link_each_event_to_the_one_before(db: Session, world: World) -> None:
    before = chain.verify(db, world.trust_a.id).checked
    made = _events(db, world.trust_a.id, 3)
    assert [e.seq for e in made] == [before + 1, before + 2, before + 3]
    assert made[1].prev_hash == made[0].hash and made[2].prev_hash == made[1].hash
    assert made[0].hash == chain.digest(made[0])
    result = chain.verify(db, world.trust_a.id)
    assert result.intact and result.checked == before + 3 and result.head == made[2].hash
    assert result.words == f"Chain intact: {before + 3:,} events checked."


def test_each_trust_and_the_platform_has_its_own_chain(db: Session, world: World) -> None:
    _events(db, world.trust_a.id, 1)
    a, b = chain.verify(db, world.trust_a.id).checked, chain.verify(db, world.trust_b.id).checked
    _events(db, world.trust_b.id, 2)
    platform = _events(db, None, 2)
    assert platform[0].seq == 1 and platform[0].prev_hash == chain.GENESIS
    assert chain.verify(db, world.trust_a.id).checked == a
    assert chain.verify(db, world.trust_b.id).checked == b + 2
    assert chain.verify(db, None).words == "Chain intact: 2 events checked."
    heads = chain.heads(db)
    assert heads[None] == platform[1].hash
    assert heads[world.trust_b.id] == chain.verify(db, world.trust_b.id).head
    assert set(heads) == {world.trust_a.id, world.trust_b.id, None}


def test_an_empty_chain_is_intact(db: Session, world: World) -> None:
    result = chain.verify(db, None)
    assert result.intact and result.checked == 0 and result.head is None
    assert result.words == "Chain intact: 0 events checked."


def _tamper(db: Session, database_url: str, sql: str, values: dict) -> None:
    """Rewrite the log behind the app's back: on SQLite as the app; on PostgreSQL only the owner can,
    after switching off the trigger that refuses it."""
    if db.get_bind().dialect.name == "sqlite":
        db.execute(text(sql), values)
        db.commit()
        return
    engine = _owner(database_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_events DISABLE TRIGGER audit_events_refuse_update_or_delete"))
        conn.execute(text(sql), values)
        conn.execute(text("ALTER TABLE audit_events ENABLE TRIGGER audit_events_refuse_update_or_delete"))
    engine.dispose()


def test_a_changed_event_is_found_and_named(db: Session, world: World, database_url: str) -> None:
    made = _events(db, world.trust_a.id, 4)
    victim = made[1]
    _tamper(
        db,
        database_url,
        "UPDATE audit_events SET summary = 'nothing to see' WHERE id = :id",
        {"id": victim.id},
    )
    result = chain.verify(db, world.trust_a.id)
    assert not result.intact and result.broken_at == victim.seq and result.checked == victim.seq - 1
    assert result.words.startswith(f"Broken at event {victim.seq:,}: its contents (export at ")
    assert result.words.endswith("no longer match its hash: it was changed after it was written.")


def test_a_rehashed_event_breaks_the_next_link(db: Session, world: World, database_url: str) -> None:
    """A forger who recomputes the changed event's own hash still breaks the link after it."""
    made = _events(db, world.trust_a.id, 3)
    victim = made[1]
    fields = {c.name: getattr(victim, c.name) for c in AuditEvent.__table__.columns}
    forged = chain.digest(SimpleNamespace(**{**fields, "summary": "rewritten"}))
    _tamper(
        db,
        database_url,
        "UPDATE audit_events SET summary = 'rewritten', hash = :hash WHERE id = :id",
        {"hash": forged, "id": victim.id},
    )
    result = chain.verify(db, world.trust_a.id)
    assert result.broken_at == made[2].seq
    assert result.problem == (
        f"it does not follow event {victim.seq:,}: its link to the event before does not match that event's hash."
    )


def test_a_removed_event_is_found(db: Session, world: World, database_url: str) -> None:
    made = _events(db, world.trust_a.id, 3)
    _tamper(db, database_url, "DELETE FROM audit_events WHERE id = :id", {"id": made[1].id})
    result = chain.verify(db, world.trust_a.id)
    assert result.broken_at == made[2].seq
    assert result.problem == (
        f"event {made[1].seq:,} is missing: the chain jumps from event {made[0].seq:,} to event {made[2].seq:,}."
    )


@pg_only
def test_a_forged_event_inserted_by_the_owner_is_found(db: Session, world: World, database_url: str) -> None:
    made = _events(db, world.trust_b.id, 1)[0]
    engine = _owner(database_url)
    with engine.begin() as conn:  # a plausible event at the next position, linked to a made-up hash
        conn.execute(
            text(
                "INSERT INTO audit_events (trust_id, seq, at, kind, actor_name, summary, prev_hash, hash) "
                "VALUES (:trust, :seq, now(), 'login', 'Nobody', 'Signed in', :prev, :hash)"
            ),
            {"trust": world.trust_b.id, "seq": made.seq + 1, "prev": "f" * 64, "hash": "e" * 64},
        )
    engine.dispose()
    result = chain.verify(db, world.trust_b.id)
    assert result.broken_at == made.seq + 1 and "its link to the event before" in result.words
    assert chain.verify(db, world.trust_a.id).intact


@pg_only
@pytest.mark.parametrize("statement", ["UPDATE audit_events SET summary = 'x'", "DELETE FROM audit_events"])
def test_postgresql_refuses_rewriting_the_log(
    db: Session, world: World, database_url: str, statement: str
) -> None:
    _events(db, world.trust_a.id, 1)
    count = db.scalar(select(func.count()).select_from(AuditEvent).execution_options(**UNSCOPED))
    with pytest.raises(Exception, match=f"{statement.split()[0]} on audit_events refused"):
        db.execute(text(statement))  # as the app's own role
    db.rollback()
    engine = _owner(database_url)
    with pytest.raises(Exception, match="refused"), engine.begin() as conn:
        conn.execute(text(statement))  # the owner too, while the trigger is on
    engine.dispose()
    assert db.scalar(select(func.count()).select_from(AuditEvent).execution_options(**UNSCOPED)) == count
    assert chain.verify(db, world.trust_a.id).intact


def test_two_writers_at_once_never_fork_a_chain(app: Flask, db: Session, world: World) -> None:
    """Each writer holds its transaction open after appending, so the other must wait for the chain."""
    before = chain.verify(db, world.trust_a.id).checked
    start, errors, per_writer = threading.Barrier(2), [], 25
    factory = app.extensions["turnout.db"].sessionmaker

    def write(name: str) -> None:
        try:
            start.wait(timeout=10)
            with factory() as session:
                for n in range(per_writer):
                    record(session, "export", f"{name} {n}", trust_id=world.trust_a.id, actor=SYSTEM)
                    time.sleep(0.002)  # the transaction stays open: the other writer queues meanwhile
                    session.commit()
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)

    writers = [threading.Thread(target=write, args=(name,)) for name in ("first", "second")]
    for thread in writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=60)
    assert not errors
    result = chain.verify(db, world.trust_a.id)
    assert result.intact and result.checked == before + 2 * per_writer
    assert _seqs(db, world.trust_a.id) == list(range(1, before + 2 * per_writer + 1))


def test_a_bounded_check_covers_the_newest_events_and_says_so(
    db: Session, world: World, database_url: str
) -> None:
    made = _events(db, world.trust_b.id, 6)
    total = chain.verify(db, world.trust_b.id).checked
    window = chain.verify(db, world.trust_b.id, newest=4)
    assert (
        window.intact and window.checked == 4 and window.before == total - 4 and window.head == made[-1].hash
    )
    assert window.words == (
        f"Chain intact in the newest 4 events, checked now. The {total - 4:,} before them are checked whole by "
        "the command turnout audit verify."
    )
    assert (
        chain.verify(db, world.trust_b.id, newest=total + 10).words
        == f"Chain intact: {total:,} events checked."
    )
    _tamper(db, database_url, "UPDATE audit_events SET summary = 'x' WHERE id = :id", {"id": made[-2].id})
    assert chain.verify(db, world.trust_b.id, newest=4).broken_at == made[-2].seq
