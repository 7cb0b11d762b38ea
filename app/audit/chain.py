"""The hash chains: appending one event at a time per chain, checking a chain, and each chain's head.

Each event's hash is SHA-256 over a canonical JSON of its fields and the previous event's hash, so
changing, removing or reordering any event breaks every link after it. Chains are per trust (a trust's
chain can be checked, exported and restored without any other trust's rows) plus one platform chain.
These functions read across tenants on purpose (UNSCOPED): appending must find the chain's head whoever
is acting, and checking is for trust leaders' pages (after their own access check), jobs and restores.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.audit.models import PLATFORM_CHAIN, AuditEvent, chain_key
from app.db import utcnow
from tenants.scoping import UNSCOPED

GENESIS = "0" * 64  # the previous hash of each chain's first event
FORMAT = 1  # bump if the canonical form ever changes; kept in every hash
_LOCK_NAMESPACE = 0x7A0D17  # first key of pg_advisory_xact_lock(int, int): "audit chains"
_READ_BATCH = 5000


class EventFields(Protocol):
    """An event as a model or as a row read straight from the table (what verify reads)."""

    trust_id: int | None
    seq: int
    at: datetime
    kind: str
    school_id: int | None
    actor_id: int | None
    actor_name: str
    actor_email: str | None
    subject: str | None
    summary: str
    ip: str | None
    prev_hash: str
    hash: str


_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def canonical(event: EventFields) -> bytes:
    """The bytes an event's hash covers: every field but its id and own hash, as compact JSON with its
    keys in alphabetical order (written in that order, which is what sorting them would give)."""
    return _ENCODE(
        {
            "actor_email": event.actor_email,
            "actor_id": event.actor_id,
            "actor_name": event.actor_name,
            "at": event.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "format": FORMAT,
            "ip": event.ip,
            "kind": event.kind,
            "prev_hash": event.prev_hash,
            "school_id": event.school_id,
            "seq": event.seq,
            "subject": event.subject,
            "summary": event.summary,
            "trust_id": event.trust_id,
        }
    ).encode()


def digest(event: EventFields) -> str:
    return hashlib.sha256(canonical(event)).hexdigest()


def _key(trust_id: int | None) -> int:
    return PLATFORM_CHAIN if trust_id is None else trust_id


def append(db: Session, event: AuditEvent) -> AuditEvent:
    """Time-stamp an event and link it to the end of its chain, in the caller's transaction.

    On PostgreSQL an advisory lock per chain, held to the end of the transaction, puts concurrent
    appends in a queue; on SQLite a write that changes nothing takes the one writer's lock before the
    end of the chain is read (else two requests read the same end and one fails). Either way the unique
    (chain, seq) index refuses a second event at the same position, so a chain cannot fork.
    """
    key = _key(event.trust_id)
    if db.get_bind().dialect.name == "postgresql":
        db.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :key)"), {"namespace": _LOCK_NAMESPACE, "key": key}
        )
    else:
        db.execute(text("UPDATE audit_events SET seq = seq WHERE 0"))
    last = db.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(chain_key() == key)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
        .execution_options(**UNSCOPED)
    ).first()
    event.seq = last.seq + 1 if last else 1
    event.prev_hash = last.hash if last else GENESIS
    event.at = utcnow()  # both databases keep microseconds, so the time reads back exactly as hashed
    event.hash = digest(event)
    db.add(event)
    db.flush()
    return event


@dataclass(frozen=True)
class Verification:
    """What checking one chain found: how many events, and the first broken link in words."""

    trust_id: int | None
    checked: int
    head: str | None  # the last event's hash: keep a copy elsewhere to notice events removed from the end
    broken_at: int | None = None
    problem: str | None = None
    before: int = 0  # events older than those checked, when only the newest were (a page's bounded check)

    @property
    def intact(self) -> bool:
        return self.broken_at is None

    @property
    def words(self) -> str:
        if not self.intact:
            return f"Broken at event {self.broken_at:,}: {self.problem}"
        noun = "event" if self.checked == 1 else "events"
        if not self.before:
            return f"Chain intact: {self.checked:,} {noun} checked."
        return (
            f"Chain intact in the newest {self.checked:,} {noun}, checked now. The {self.before:,} before "
            "them are checked whole by the command turnout audit verify."
        )


def verify(db: Session, trust_id: int | None, *, newest: int | None = None) -> Verification:
    """Recompute every hash of a trust's chain (None: the platform chain) and report the first break;
    with `newest`, only that many of its latest events (their links to each other included)."""
    key = _key(trust_id)
    table = AuditEvent.__table__
    connection = db.connection()  # the table as stored now (never a copy the session holds), unscoped
    query = select(*table.columns).where(chain_key() == key)
    start = 1
    if newest is not None:
        last = connection.scalar(select(func.max(table.c.seq)).where(chain_key() == key)) or 0
        start = max(1, last - newest + 1)
        query = query.where(table.c.seq >= start)
    rows = connection.execute(query.order_by(table.c.seq).execution_options(yield_per=_READ_BATCH))
    expected_seq, prev_hash, checked = start, None if start > 1 else GENESIS, 0
    for event in rows:
        problem = _problem(event, expected_seq, prev_hash or event.prev_hash)
        if problem:
            rows.close()
            return Verification(trust_id, checked, None, event.seq, problem, start - 1)
        checked += 1
        expected_seq, prev_hash = event.seq + 1, event.hash
    return Verification(trust_id, checked, prev_hash if checked else None, before=start - 1)


def _problem(event: EventFields, expected_seq: int, prev_hash: str) -> str | None:
    """Why this event does not continue the chain as checked so far, in words; None if it does."""
    if event.seq != expected_seq:
        missing = (
            f"event {expected_seq:,} is missing"
            if event.seq == expected_seq + 1
            else f"events {expected_seq:,} to {event.seq - 1:,} are missing"
        )
        return f"{missing}: the chain jumps from event {expected_seq - 1:,} to event {event.seq:,}."
    if event.prev_hash != prev_hash:
        before = f"event {event.seq - 1:,}" if event.seq > 1 else "the start of the chain"
        return f"it does not follow {before}: its link to the event before does not match that event's hash."
    if digest(event) != event.hash:
        return (
            f"its contents ({event.kind} at {event.at:%Y-%m-%d %H:%M:%S} UTC) no longer match its hash: "
            "it was changed after it was written."
        )
    return None


def heads(db: Session) -> dict[int | None, str]:
    """Every chain's last hash, by trust id (None: the platform chain): compare them after a restore."""
    last = (
        select(chain_key().label("chain"), func.max(AuditEvent.seq).label("seq"))
        .group_by(chain_key())
        .subquery()
    )
    rows = db.execute(
        select(AuditEvent.trust_id, AuditEvent.hash)
        .join(last, (chain_key() == last.c.chain) & (AuditEvent.seq == last.c.seq))
        .execution_options(**UNSCOPED)
    )
    return {trust_id: hash_ for trust_id, hash_ in rows}
