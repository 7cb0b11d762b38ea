"""Casework: a case per pupil with its graduated stage, a timeline of actions, and support plans.

Rows are never deleted: a case is closed with an outcome, a plan is reviewed, an action is done.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime, utcnow
from tenants.models import TenantScoped, _enum


class Stage(enum.StrEnum):
    """The toolkit's graduated response, support first."""

    EXPECT = "expect"
    MONITOR = "monitor"
    LISTEN = "listen_understand"
    FACILITATE = "facilitate_support"
    FORMALISE = "formalise_support"
    ENFORCE = "enforce"


STAGE_LABELS = {
    Stage.EXPECT: "Expect", Stage.MONITOR: "Monitor", Stage.LISTEN: "Listen and understand",
    Stage.FACILITATE: "Facilitate support", Stage.FORMALISE: "Formalise support", Stage.ENFORCE: "Enforce",
}  # fmt: skip

ACTION_LABELS = {
    "phone_call": "Phone call",
    "text_message": "Text message",
    "letter": "Letter",
    "home_visit": "Home visit",
    "meeting": "Meeting",
    "tutor_check_in": "Tutor check-in",
    "recognition": "Recognition of attendance",
    "attendance_support_meeting": "Attendance support meeting",
    "referral_dsl": "Referral: designated safeguarding lead",
    "referral_sendco": "Referral: SENDCo",
    "referral_mental_health": "Referral: mental health lead",
    "referral_school_nurse": "Referral: school nurse",
    "referral_early_help": "Referral: early help",
    "referral_la_attendance": "Referral: LA attendance team",
    "attendance_panel": "Attendance panel",
    "parenting_contract": "Parenting contract",
    "attendance_contract": "Attendance contract",
    "penalty_notice": "Penalty notice",
    "education_supervision_order": "Education supervision order",
    "prosecution": "Prosecution",
}
# Support the case must show before any of ENFORCEMENT may be recorded (the statutory guidance's order).
SUPPORT_ACTIONS = frozenset(
    {
        "attendance_support_meeting",
        "home_visit",
        "parenting_contract",
        "attendance_contract",
        "attendance_panel",
    }
    | {kind for kind in ACTION_LABELS if kind.startswith("referral_")}
)
ENFORCEMENT = frozenset({"penalty_notice", "education_supervision_order", "prosecution"})
PLAN_REVIEW_DAYS = 42  # a support plan is reviewed at most 6 weeks after it was agreed


class Recorded:
    """Who wrote a casework entry and when, as the record shows it."""

    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    recorded_by_title: Mapped[str] = mapped_column(String(200))


class Case(TenantScoped, Base):
    """One pupil's intervention case; at most one is open per pupil at a time."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_school_id_pupil_id", "school_id", "pupil_id"),
        Index("uq_cases_one_open_per_pupil", "school_id", "pupil_id", unique=True,
              sqlite_where=text("closed_on IS NULL"), postgresql_where=text("closed_on IS NULL")),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    pupil_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[Stage] = mapped_column(_enum(Stage))
    owner_user_id: Mapped[int] = mapped_column(Integer)
    owner_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_name: Mapped[str] = mapped_column(String(200))
    created_by_title: Mapped[str] = mapped_column(String(200))

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class CaseAction(TenantScoped, Recorded, Base):
    """One step on a case's timeline: planned (due) or done, with who, notes, outcome, follow-up."""

    __tablename__ = "case_actions"
    __table_args__ = (Index("ix_case_actions_school_id_case_id", "school_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(Integer)
    pupil_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    owner_name: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    done_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    restricted: Mapped[bool] = mapped_column(Boolean, default=False)  # safeguarding: DSL permission only


class SupportPlan(TenantScoped, Recorded, Base):
    """An attendance support meeting's record, reviewed at most six weeks later."""

    __tablename__ = "support_plans"
    __table_args__ = (Index("ix_support_plans_school_id_case_id", "school_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    case_id: Mapped[int] = mapped_column(Integer)
    pupil_id: Mapped[int] = mapped_column(Integer)
    met_on: Mapped[date] = mapped_column(Date)
    working_well: Mapped[str] = mapped_column(Text)
    worries: Mapped[str] = mapped_column(Text)
    needs_to_happen: Mapped[str] = mapped_column(Text)
    smart_actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # what, who, by (YYYY-MM-DD)
    review_on: Mapped[date] = mapped_column(Date)
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    review_outcome: Mapped[str | None] = mapped_column(String(40))  # improved_close | no_change_escalate
