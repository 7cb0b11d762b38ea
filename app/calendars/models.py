"""A school's calendar entries, each with who set it and whether the trust pushed it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.calendars.spans import Kind, Span
from app.db import Base
from app.interventions.models import Recorded
from tenants.models import TenantScoped, _enum

ORIGINS = ("school", "trust")  # set by the school, or pushed to it by its trust


class CalendarEntry(TenantScoped, Recorded, Base):
    """One term, half-term, holiday, INSET day or closure; an import or a push replaces a year's entries."""

    __tablename__ = "calendar_entries"
    __table_args__ = (Index("ix_calendar_entries_school_id_starts_on", "school_id", "starts_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[Kind] = mapped_column(_enum(Kind))
    name: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    origin: Mapped[str] = mapped_column(String(10), default="school")

    @property
    def span(self) -> Span:
        return Span(self.kind, self.name, self.starts_on, self.ends_on)
