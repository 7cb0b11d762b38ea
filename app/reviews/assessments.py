"""Saving and reading Annex B self-assessments: each save a new version, checked whole before it is kept.

Who may do what is decided by the routes; this module keeps the rules every save follows: a rating is a
whole number 1 to 4 or left blank, text fits its box, and a save made from an older version than the
newest is refused, so two leads editing at once never silently overwrite each other.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.calendars.services import calendars_for
from app.refusals import Refused
from app.registers.recording import Recorder
from app.reviews.annex_b import ACTION_STATUSES, AREAS, BY_KEY, RATINGS, STATEMENTS
from app.reviews.models import SelfAssessment
from app.reviews.terms import Term, term_of
from tenants.models import School

MAX_TEXT = 2000


class AssessmentRefused(Refused):
    """A save that would break a rule, with a problem per field; nothing was saved."""


@dataclass
class Answer:
    rating: int | None = None
    evidence: str = ""
    actions: str = ""
    status: str = ""  # ACTION_STATUSES key: how last term's action for this statement went

    def as_json(self) -> dict[str, Any]:
        return {
            "rating": self.rating,
            "evidence": self.evidence,
            "actions": self.actions,
            "status": self.status,
        }


def answers_of(row: SelfAssessment | None) -> dict[str, Answer]:
    """Every statement's answer in a saved version (blank for statements it does not hold)."""
    saved = row.answers if row else {}
    return {s.key: Answer(**{k: v for k, v in saved.get(s.key, {}).items() if k in Answer.__annotations__})
            for s in STATEMENTS}  # fmt: skip


def parse(form: dict[str, str]) -> dict[str, Answer]:
    """Read a posted form (rating-KEY, evidence-KEY, actions-KEY, status-KEY), naming every bad field."""
    problems: dict[str, str] = {}
    answers = {}
    for number, statement in enumerate(STATEMENTS, 1):
        raw = (form.get(f"rating-{statement.key}") or "").strip()
        rating = None
        if raw:
            if raw.isascii() and raw.isdigit() and int(raw) in RATINGS:
                rating = int(raw)
            else:
                problems[f"rating-{statement.key}"] = (
                    f"Statement {number}: the rating must be a whole number from 1 to 4 (or blank), not '{raw[:10]}'."
                )
        texts = {}
        for part in ("evidence", "actions"):
            value = (form.get(f"{part}-{statement.key}") or "").strip().replace("\r\n", "\n")
            if len(value) > MAX_TEXT:
                problems[f"{part}-{statement.key}"] = (
                    f"Statement {number}: the {part} are {len(value)} characters; keep them to {MAX_TEXT}."
                )
            texts[part] = value
        status = (form.get(f"status-{statement.key}") or "").strip()
        if status not in ACTION_STATUSES:
            problems[f"status-{statement.key}"] = f"Statement {number}: choose a status from the list."
            status = ""
        answers[statement.key] = Answer(rating, texts["evidence"], texts["actions"], status)
    if problems:
        raise AssessmentRefused(problems)
    return answers


def latest(db: Session, school: School, term: Term) -> SelfAssessment | None:
    return db.scalar(
        select(SelfAssessment)
        .where(SelfAssessment.school_id == school.id, SelfAssessment.term_start == term.start)
        .order_by(SelfAssessment.version.desc())
        .limit(1)
    )


def versions(db: Session, school: School, term: Term) -> list[SelfAssessment]:
    """Every saved version of the term's assessment, newest first: who saved it and when."""
    return list(db.scalars(
        select(SelfAssessment)
        .where(SelfAssessment.school_id == school.id, SelfAssessment.term_start == term.start)
        .order_by(SelfAssessment.version.desc())
    ))  # fmt: skip


def version_of(db: Session, school: School, term: Term, version: int) -> SelfAssessment | None:
    return db.get(SelfAssessment, (school.id, term.start, version))


def save(
    db: Session, school: School, term: Term, answers: dict[str, Answer], recorder: Recorder, based_on: int
) -> SelfAssessment:
    """Keep the answers as the next version; refuse if someone saved since the form was opened."""
    newest = db.scalar(select(func.max(SelfAssessment.version)).where(
        SelfAssessment.school_id == school.id, SelfAssessment.term_start == term.start)) or 0  # fmt: skip
    if newest != based_on:
        raise AssessmentRefused({"version": (
            f"Version {newest} was saved after you opened version {based_on}: nothing was saved. "
            "Open the assessment again to see it, then make your changes."
        )})  # fmt: skip
    row = SelfAssessment(
        school_id=school.id, term_start=term.start, version=newest + 1, term_end=term.end,
        term_name=term.name, answers={k: a.as_json() for k, a in answers.items() if k in BY_KEY},
        recorded_by_name=recorder.name, recorded_by_title=recorder.title,
    )  # fmt: skip
    db.add(row)
    try:
        db.commit()
    except IntegrityError:  # two saves of the same version at once: the other one stands
        db.rollback()
        raise AssessmentRefused({"version": "Someone saved this assessment at the same moment: nothing was "
                                            "saved. Open it again to see theirs."}) from None  # fmt: skip
    return row


@dataclass
class AreaSummary:
    """An area's ratings: how many of each, the mean, and the rating words it is described by."""

    key: str
    name: str
    statements: int
    counts: Counter[int] = field(default_factory=Counter)

    @property
    def rated(self) -> int:
        return sum(self.counts.values())

    @property
    def mean(self) -> float | None:
        return sum(r * n for r, n in self.counts.items()) / self.rated if self.rated else None

    @property
    def rating(self) -> int | None:
        """The whole rating the mean rounds to, a half rounding down: never described as stronger than it is."""
        mean = self.mean
        if mean is None:
            return None
        whole = int(mean)
        return whole + 1 if mean - whole > 0.5 else whole


def summarise(answers: dict[str, Answer]) -> list[AreaSummary]:
    found = []
    for area in AREAS:
        keys = [s.key for s in STATEMENTS if s.area == area.key]
        summary = AreaSummary(area.key, area.name, len(keys))
        for key in keys:
            rating = answers[key].rating if key in answers else None
            if rating is not None:
                summary.counts[rating] += 1
        found.append(summary)
    return found


@dataclass
class HeatmapRow:
    school: School
    term: Term
    row: SelfAssessment | None
    areas: list[AreaSummary]


def trust_heatmap(db: Session, schools: list[School], day: date) -> list[HeatmapRow]:
    """Each school's current assessment for its own term holding the day, summarised by area."""
    calendars = calendars_for(db, [s.id for s in schools])
    rows = []
    for school in schools:
        term = term_of(calendars[school.id], day)
        row = latest(db, school, term)
        rows.append(HeatmapRow(school, term, row, summarise(answers_of(row))))
    return rows
