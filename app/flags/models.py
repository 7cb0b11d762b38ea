"""Trusts' flag rules (every version kept) and the weekly flag snapshots computed with them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from tenants.models import TenantScoped, TrustScoped


class FlagRuleSet(TrustScoped, Base):
    """One version of a trust's thresholds and next-step rules; a change adds a version."""

    __tablename__ = "flag_rule_sets"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_name: Mapped[str] = mapped_column(String(200))
    created_by_title: Mapped[str] = mapped_column(String(200))


class FlagSnapshot(TenantScoped, Base):
    """A school's flags for one week: every pupil on roll, packed column-wise (app.flags.snapshots).

    A closed snapshot (computed after its week ended) is history and is kept as it was; an open one
    is recomputed when the school has recorded marks since (`last_batch`).
    """

    __tablename__ = "flag_snapshots"
    school_foreign_key = False  # derived from pupil_weeks, which carry no foreign keys either

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)
    rules_version: Mapped[int] = mapped_column(Integer)
    closed: Mapped[bool] = mapped_column(Boolean)
    last_batch: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pupils: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
