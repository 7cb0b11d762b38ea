"""The LA return lists the daily job stored: one row per school, kind and day, kept as a record."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from tenants.models import TenantScoped


class ReturnExport(TenantScoped, Base):
    """One stored CSV of one return list for one day; never changed, so it shows what the list said then."""

    __tablename__ = "return_exports"
    __table_args__ = (UniqueConstraint("school_id", "kind", "as_of"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))  # a key of app.returns.kinds.KINDS
    as_of: Mapped[date] = mapped_column(Date)
    key: Mapped[str] = mapped_column(String(300))
    rows: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
