"""Per-school API tokens for MIS integrations: stored hashed, revocable."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from tenants.models import TenantScoped, UuidKeyed


class ApiToken(TenantScoped, UuidKeyed, Base):
    """A bearer token that may write one school's registers; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (Index("ix_api_tokens_school_id_token_hash", "school_id", "token_hash", unique=True),)

    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(12))
    created_by_id: Mapped[int] = mapped_column(Integer)
    created_by_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
