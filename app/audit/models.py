"""Audit events: append-only rows, one hash chain per trust (and one for the platform)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, Index, Integer, String, Text, func, literal_column
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime
from tenants.models import TrustScoped

PLATFORM_CHAIN = 0  # the chain key of events that belong to no trust (e.g. a sign-in attempt for no account)


class AuditEvent(TrustScoped, Base):
    """One thing that happened; `hash` covers every field and the previous event's hash.

    A trust-level row: the ORM scopes it by the trusts in the tenant context like other TrustScoped rows,
    but trust_id may be NULL (platform events), so it is a plain column here, not part of the key.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trust_id: Mapped[int | None] = mapped_column(ForeignKey("trusts.id"))  # type: ignore[assignment]
    seq: Mapped[int] = mapped_column(Integer)  # position in the trust's chain, from 1
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(40))
    school_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the log outlives what it names
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str] = mapped_column(String(200))
    actor_email: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))  # whom or what it was about
    summary: Mapped[str] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(45))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


def chain_key() -> ColumnElement[int]:
    """The chain an event belongs to: its trust's id, or PLATFORM_CHAIN (what the unique index holds)."""
    return func.coalesce(AuditEvent.trust_id, literal_column(str(PLATFORM_CHAIN)))  # as the index has it


# One event per position per chain, so two concurrent appends can never fork a chain; it also serves
# every read of a chain in order.
Index("uq_audit_events_chain_seq", chain_key(), AuditEvent.seq, unique=True)
