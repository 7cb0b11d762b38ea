"""First-day response: each call made about a pupil's unexplained absence, as a record."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKeyConstraint, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.interventions.models import Recorded
from tenants.models import TenantScoped

CALL_OUTCOMES = {
    "reached": "Reached: spoke to a parent or carer",
    "no_answer": "No answer",
    "reason_given": "Reason given",
}
CALLERS = {1: "Tutor", 2: "Head of year", 3: "Senior leader"}  # escalation by consecutive day of absence
# Codes a reason given on a call can amend an N (or a missing mark) to, from the DfE 2024 codes:
# illness and leave first, then the "unable to attend" codes, then reasons the school does not accept.
CALL_CODES = ("I", "M", "J1", "C", "R", "T", "E", "Y1", "Y2", "Y7", "G", "O")
CALL_SESSIONS = {"both": "Both sessions (AM and PM)", "AM": "Morning (AM) only", "PM": "Afternoon (PM) only"}


class FirstDayCall(TenantScoped, Recorded, Base):
    """One call about one day's absence; rows are never changed, a later call is a new row."""

    __tablename__ = "first_day_calls"
    __table_args__ = (
        ForeignKeyConstraint(["school_id", "pupil_id"], ["pupils.school_id", "pupils.id"]),
        Index("ix_first_day_calls_school_id_absent_on", "school_id", "absent_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pupil_id: Mapped[int] = mapped_column(Integer)
    absent_on: Mapped[date] = mapped_column(Date)
    escalation_day: Mapped[int] = mapped_column(SmallInteger)  # 1 tutor, 2 head of year, 3+ senior leader
    outcome: Mapped[str] = mapped_column(String(20))  # a key of CALL_OUTCOMES
    notes: Mapped[str] = mapped_column(Text, default="")
    amended_code: Mapped[str | None] = mapped_column(String(2))  # the code the day's marks were amended to
