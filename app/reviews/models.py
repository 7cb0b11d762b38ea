"""Annex B self-assessments (every save a new version) and the termly review packs made from them.

Both tables are append-only: an edit adds a version and making a pack again adds a pack, so the record
of who said what, and which pack a meeting used, is never lost.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, false, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.interventions.models import Recorded
from tenants.models import TenantScoped

EDITIONS = {"full": "Full (names pupils)", "governors": "Governors' (no pupil-level data)"}


class SelfAssessment(TenantScoped, Recorded, Base):
    """One saved version of a school's Annex B self-assessment for a term; the highest version is current."""

    __tablename__ = "self_assessments"

    term_start: Mapped[date] = mapped_column(Date, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    term_end: Mapped[date] = mapped_column(Date)
    term_name: Mapped[str] = mapped_column(String(100))
    # statement key -> {"rating": 1..4 | None, "evidence": str, "actions": str, "status": str}
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)


class ReviewPack(TenantScoped, Recorded, Base):
    """A termly review pack as made: its edition, term, the day its figures run to, and its stored PDF."""

    __tablename__ = "review_packs"
    __table_args__ = (
        Index("ix_review_packs_school_id_term_start", "school_id", "term_start"),
        # The scheduled job makes each term's pack once per edition, even if two runs overlap.
        Index("uq_review_packs_scheduled", "school_id", "term_start", "edition", unique=True,
              sqlite_where=text("scheduled"), postgresql_where=text("scheduled")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    term_name: Mapped[str] = mapped_column(String(100))
    as_of: Mapped[date] = mapped_column(Date)
    edition: Mapped[str] = mapped_column(String(10))  # an EDITIONS key
    scheduled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    storage_key: Mapped[str] = mapped_column(String(300))
    storage_version: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
