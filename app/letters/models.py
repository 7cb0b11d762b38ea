"""Letter templates (trust defaults and school versions, every change kept) and the letters generated.

A letter's PDF lives in object storage; its row says whose it is, which template text made it, and
which stored object and version hold its bytes, so a download reads exactly what was sent.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKeyConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.interventions.models import Recorded
from tenants.models import TenantScoped, TrustScoped


class _TemplateVersion(Recorded):
    """One saved version of a template's wording; no title and body means "use the default above it"."""

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)


class TrustLetterTemplate(TrustScoped, _TemplateVersion, Base):
    """A trust's default wording for one kind of letter; a change adds a version, reset adds an empty one."""

    __tablename__ = "trust_letter_templates"


class SchoolLetterTemplate(TenantScoped, _TemplateVersion, Base):
    """A school's own wording for one kind of letter, over the trust default; reset adds an empty one."""

    __tablename__ = "school_letter_templates"


class _StoredPdf:
    """Where a PDF is stored and what its bytes are, so a download is checked against what was made."""

    storage_key: Mapped[str] = mapped_column(String(300))
    storage_version: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)


class LetterBatch(TenantScoped, Recorded, _StoredPdf, Base):
    """Letters generated together (one or many), with all of them in one PDF for a single print run."""

    __tablename__ = "letter_batches"
    __table_args__ = (  # one scheduled batch per school, kind and period: a re-run finds it made
        Index("uq_letter_batches_school_id_kind_period", "school_id", "kind", "period", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(30))  # a key of app.letters.wording.GENERATE
    letter_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(300))  # who the letters are for, in words
    letters: Mapped[int] = mapped_column(Integer)
    period: Mapped[str | None] = mapped_column(String(60))  # a scheduled batch's half-term and part


class Letter(TenantScoped, Recorded, _StoredPdf, Base):
    """One pupil's letter or certificate as sent: never changed, so it is a record of what families got."""

    __tablename__ = "letters"
    __table_args__ = (
        ForeignKeyConstraint(["school_id", "pupil_id"], ["pupils.school_id", "pupils.id"]),
        ForeignKeyConstraint(["school_id", "batch_id"], ["letter_batches.school_id", "letter_batches.id"]),
        Index("ix_letters_school_id_pupil_id", "school_id", "pupil_id"),
        Index("ix_letters_school_id_batch_id", "school_id", "batch_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    batch_id: Mapped[int] = mapped_column(Integer)
    pupil_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))  # the template used: a key of app.letters.wording.TEMPLATES
    letter_date: Mapped[date] = mapped_column(Date)
    template_source: Mapped[str] = mapped_column(String(10))  # built-in | trust | school
    template_version: Mapped[int] = mapped_column(Integer)
    template_sha256: Mapped[str] = mapped_column(String(64))
