"""Which wording a school's letters use: the school's own version, else the trust's, else the built-in.

Every save and every reset adds a version with who and when, so a letter names the exact text that
made it and the history shows who changed what.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.letters import merge
from app.letters.models import SchoolLetterTemplate, TrustLetterTemplate
from app.letters.wording import BUILT_IN, TEMPLATES, Text
from app.registers.recording import Recorder
from tenants.models import School

SOURCES = {"built-in": "Turnout's wording", "trust": "Trust default", "school": "This school's own"}


@dataclass(frozen=True)
class Wording:
    """The wording in use for one kind, where it comes from, and which version."""

    kind: str
    text: Text
    source: str  # a key of SOURCES
    version: int  # 0 for the built-in wording
    by: str | None = None
    at: datetime | None = None

    @property
    def sha256(self) -> str:
        """A fingerprint of the exact text, kept on each letter made with it."""
        return hashlib.sha256(f"{self.text.title}\n\n{self.text.body}".encode()).hexdigest()


Version = TrustLetterTemplate | SchoolLetterTemplate
_OWNER = {TrustLetterTemplate: "trust_id", SchoolLetterTemplate: "school_id"}


def _mine(model: type[Version], owner: int, kind: str) -> ColumnElement[bool]:
    return (getattr(model, _OWNER[model]) == owner) & (model.kind == kind)


def _newest(db: Session, model: type[Version], owner: int, kind: str) -> Version | None:
    return db.scalar(select(model).where(_mine(model, owner, kind)).order_by(model.version.desc()).limit(1))


def _wording(kind: str, row: Version | None, source: str) -> Wording | None:
    if row is None or row.title is None or row.body is None:
        return None
    return Wording(kind, Text(row.title, row.body), source, row.version, _by(row), row.recorded_at)


def _by(row: Version) -> str:
    return f"{row.recorded_by_name}, {row.recorded_by_title}"


def trust_wording(db: Session, trust_id: int, kind: str) -> Wording:
    """The trust's default for a kind: its newest version, or the built-in wording after a reset."""
    return _wording(kind, _newest(db, TrustLetterTemplate, trust_id, kind), "trust") or Wording(
        kind, BUILT_IN[kind], "built-in", 0
    )


def school_wording(db: Session, school: School, kind: str) -> Wording:
    """What the school's letters of this kind say now."""
    own = _wording(kind, _newest(db, SchoolLetterTemplate, school.id, kind), "school")
    return own or trust_wording(db, school.trust_id, kind)


def school_wordings(db: Session, school: School) -> dict[str, Wording]:
    return {kind: school_wording(db, school, kind) for kind in TEMPLATES}


def history(db: Session, model: type[Version], owner: int, kind: str) -> list[Version]:
    """Every saved version, newest first."""
    return list(db.scalars(select(model).where(_mine(model, owner, kind)).order_by(model.version.desc())))


def save_school(db: Session, school: School, kind: str, text: Text | None, recorder: Recorder) -> int | None:
    """Save the school's own wording (None: back to the trust default); TemplateRefused saves nothing;
    None when nothing changed."""
    return _save(db, SchoolLetterTemplate, school.id, kind, text, recorder)


def save_trust(db: Session, trust_id: int, kind: str, text: Text | None, recorder: Recorder) -> int | None:
    """Save the trust's default wording (None: back to the built-in); TemplateRefused saves nothing;
    None when nothing changed."""
    return _save(db, TrustLetterTemplate, trust_id, kind, text, recorder)


def _save(
    db: Session, model: type[Version], owner: int, kind: str, text: Text | None, recorder: Recorder
) -> int | None:
    if kind not in TEMPLATES:
        raise KeyError(kind)
    if text is not None:
        text = Text(text.title.strip(), text.body.replace("\r\n", "\n").strip())
        merge.check(kind, text.title, text.body)
    try:
        return _add_version(db, model, owner, kind, text, recorder)
    except IntegrityError:  # someone else took this version number a moment ago: take the next one
        db.rollback()
        return _add_version(db, model, owner, kind, text, recorder)


def _add_version(
    db: Session, model: type[Version], owner: int, kind: str, text: Text | None, recorder: Recorder
) -> int | None:
    """Add the next version, or nothing (None) when the wording would not change."""
    newest = _newest(db, model, owner, kind)
    held = (
        Text(newest.title, newest.body)
        if newest and newest.title is not None and newest.body is not None
        else None
    )
    if held == text:
        return None
    version = (newest.version if newest else 0) + 1
    db.add(
        model(
            **{_OWNER[model]: owner}, kind=kind, version=version, title=text.title if text else None,
            body=text.body if text else None, recorded_by_name=recorder.name, recorded_by_title=recorder.title,
        )
    )  # fmt: skip
    db.commit()
    return version
