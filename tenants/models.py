"""Trusts, schools and who belongs to them."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Enum,
    ForeignKey,
    Integer,
    String,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from app.db import Base, UTCDateTime, utcnow


class Role(enum.StrEnum):
    """What a membership lets a person do; governors see aggregates only."""

    TRUST_LEADER = "trust_leader"
    SCHOOL_LEAD = "school_lead"
    STAFF = "staff"
    GOVERNOR = "governor"


class Phase(enum.StrEnum):
    """School phases as DfE reports them."""

    PRIMARY = "primary"
    SECONDARY = "secondary"
    SPECIAL = "special"
    ALTERNATIVE = "alternative"


def _enum(kind: type[enum.StrEnum]) -> Enum:
    """Store an enum's values (as in the CLI and CSVs) in a plain checked string column."""
    return Enum(
        kind,
        native_enum=False,
        length=20,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class TenantScoped:
    """Mixin for every row owned by a school: the ORM filters it by the tenant context.

    school_id leads every key so tables distribute on Citus by school.
    """

    school_foreign_key = True  # False on the largest tables, where a per-row check costs too much

    @declared_attr
    def school_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        if not cls.school_foreign_key:
            return mapped_column(Integer, primary_key=True, sort_order=-10)
        return mapped_column(ForeignKey("schools.id"), primary_key=True, sort_order=-10)


class TrustScoped:
    """Mixin for settings a trust owns: the ORM filters it by the trusts in the tenant context."""

    @declared_attr
    def trust_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(ForeignKey("trusts.id"), primary_key=True, sort_order=-10)


class UuidKeyed:
    """A random row id for low-volume tenant rows whose key is (school_id, id)."""

    @declared_attr
    def id(cls) -> Mapped[uuid.UUID]:  # noqa: N805 - declared_attr receives the class
        return mapped_column(Uuid, primary_key=True, default=uuid.uuid4)


class Trust(Base):
    """A multi-academy trust: the unit that owns schools and settings."""

    __tablename__ = "trusts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    mfa_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # app/auth/mfa
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    schools: Mapped[list[School]] = relationship(back_populates="trust", order_by="School.name")


class School(Base):
    """A school in a trust, identified nationally by its URN."""

    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trust_id: Mapped[int] = mapped_column(ForeignKey("trusts.id"), index=True)
    urn: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    phase: Mapped[Phase] = mapped_column(_enum(Phase))
    la_code: Mapped[str | None] = mapped_column(String(3))
    la_name: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    trust: Mapped[Trust] = relationship(back_populates="schools")


class Membership(Base):
    """A user's role at one trust or one school; the source of every access decision."""

    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("(trust_id IS NULL) <> (school_id IS NULL)", name="trust_xor_school"),
        CheckConstraint("NOT (safeguarding AND role = 'governor')", name="no_governor_safeguarding"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    trust_id: Mapped[int | None] = mapped_column(ForeignKey("trusts.id"), index=True)
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Designated safeguarding lead (or deputy): may read safeguarding notes; never a governor.
    safeguarding: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[Any] = relationship("User", back_populates="memberships")
    trust: Mapped[Trust | None] = relationship()
    school: Mapped[School | None] = relationship()


class SchoolCounter(TenantScoped, Base):
    """Per-school sequences, so high-volume keys stay small integers on every backend."""

    __tablename__ = "school_counters"

    name: Mapped[str] = mapped_column(String(30), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)
