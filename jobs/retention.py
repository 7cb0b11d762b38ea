"""The weekly retention review: which records of each school are past the 6 years registers are kept.

It lists, never deletes: registers are legal records, and removing one is a decision for people. Each
school's list is a CSV under its own prefix, then a small JSON summary written last (a review without its
summary did not finish); both are versioned objects, so the summaries are the record the pages list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.calls.models import FirstDayCall
from app.clock import local
from app.downloads import csv_text
from app.interventions.models import Case
from app.letters.models import Letter
from app.registers.marks import Mark, MarkAmendment
from app.registers.models import Pupil
from app.storage import ObjectNotFound, Storage, school_key, school_prefix
from app.storage import StoredObject as Stored
from tenants.models import School, Trust

YEARS = 6  # "preserve every entry ... for 6 years from the date of entry" (registers); the design's floor
FOLDER = "retention"
COLUMNS = [
    ("record", "Record"),
    ("upn", "UPN"),
    ("pupil", "Pupil"),
    ("reference", "Reference"),
    ("dated", "Dated"),
    ("marks", "Marks"),
    ("amendments", "Amendments"),
    ("cases", "Cases"),
    ("letters", "Letters"),
    ("calls", "First-day calls"),
    ("note", "Note"),
]
COUNTED = ("leavers", "marks", "amendments", "cases", "letters", "calls")


@dataclass(frozen=True)
class Review:
    """One school's finished review, as its summary object records it."""

    school_id: int
    as_of: date
    cutoff: date
    counts: dict[str, int]
    csv_key: str
    csv_version: str


def cutoff_for(day: date) -> date:
    """Six years before the day (29 February falls back to 28): records dated before it are past 6 years."""
    try:
        return day.replace(year=day.year - YEARS)
    except ValueError:
        return day.replace(year=day.year - YEARS, day=28)


def review_retention(db: Session, store: Storage, trust: Trust, now: datetime) -> str:
    """List each school's records past 6 years in a CSV under its prefix; delete nothing."""
    as_of = local(now).date()
    cutoff = cutoff_for(as_of)
    schools = db.scalars(select(School).where(School.trust_id == trust.id).order_by(School.urn)).all()
    reviews = [
        _existing(store, school, as_of) or _review(db, store, school, as_of, cutoff) for school in schools
    ]
    totals = {k: sum(r.counts[k] for r in reviews) for k in COUNTED}
    return (
        f"retention review {as_of.isoformat()} (records dated before {cutoff.isoformat()}): "
        f"{_n(len(reviews), 'school')}; {_n(totals['leavers'], 'leaver')}, {_n(totals['marks'], 'mark')} "
        f"({_n(totals['amendments'], 'amendment')}), {_n(totals['cases'], 'closed case')}, "
        f"{_n(totals['letters'], 'letter')}, {_n(totals['calls'], 'first-day call')} past 6 years; "
        "nothing deleted"
    )


def _n(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _summary_key(school: School, as_of: date) -> str:
    return school_key(school, FOLDER, f"{as_of.isoformat()}.json")


def _existing(store: Storage, school: School, as_of: date) -> Review | None:
    """Today's finished review of the school, so a re-run the same day writes nothing new."""
    try:
        return _parse(school.id, store.get(_summary_key(school, as_of)))
    except ObjectNotFound:
        return None


def _parse(school_id: int, data: bytes) -> Review:
    record = json.loads(data)
    return Review(
        school_id, date.fromisoformat(record["as_of"]), date.fromisoformat(record["cutoff"]),
        {k: int(record["counts"][k]) for k in COUNTED}, record["csv_key"], record["csv_version"],
    )  # fmt: skip


def _review(db: Session, store: Storage, school: School, as_of: date, cutoff: date) -> Review:
    rows, counts = old_records(db, school, cutoff)
    stored: Stored = store.put(
        school_key(school, FOLDER, f"{as_of.isoformat()}.csv"), csv_text(rows, COLUMNS).encode(), "text/csv"
    )
    record = {
        "as_of": as_of.isoformat(), "cutoff": cutoff.isoformat(), "counts": counts,
        "csv_key": stored.key, "csv_version": stored.version, "csv_sha256": stored.sha256,
        "deleted": 0,
    }  # fmt: skip
    store.put(_summary_key(school, as_of), json.dumps(record).encode(), "application/json")
    return Review(school.id, as_of, cutoff, counts, stored.key, stored.version)


def old_records(db: Session, school: School, cutoff: date) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The school's rows past 6 years, one CSV row each (marks: one row per pupil), and their counts."""
    sid = school.id
    leavers = select(Pupil.id).where(Pupil.school_id == sid, Pupil.leaving_date < cutoff)
    per_leaver = {
        name: _per_pupil(db, model, sid, model.pupil_id.in_(leavers))
        for name, model in (("marks", Mark), ("amendments", MarkAmendment), ("cases", Case),
                            ("letters", Letter), ("calls", FirstDayCall))
    }  # fmt: skip
    old_marks = db.execute(
        select(Mark.pupil_id, func.count(), func.min(Mark.date), func.max(Mark.date))
        .where(Mark.school_id == sid, Mark.date < cutoff)
        .group_by(Mark.pupil_id)
    ).all()
    old_amendments = _per_pupil(db, MarkAmendment, sid, MarkAmendment.date < cutoff)
    cases = db.execute(
        select(Case.pupil_id, Case.id, Case.closed_on, Case.stage).where(
            Case.school_id == sid, Case.closed_on < cutoff
        )
    ).all()
    letters = db.execute(
        select(Letter.pupil_id, Letter.id, Letter.letter_date, Letter.kind).where(
            Letter.school_id == sid, Letter.letter_date < cutoff
        )
    ).all()
    calls = db.execute(
        select(FirstDayCall.pupil_id, FirstDayCall.id, FirstDayCall.absent_on, FirstDayCall.outcome).where(
            FirstDayCall.school_id == sid, FirstDayCall.absent_on < cutoff
        )
    ).all()
    pupils = {
        p.id: p
        for p in db.execute(
            select(Pupil.id, Pupil.upn, Pupil.legal_surname, Pupil.legal_forename, Pupil.leaving_date).where(
                Pupil.school_id == sid
            )
        )
    }

    def who(pupil_id: int) -> dict[str, Any]:
        p = pupils.get(pupil_id)
        return (
            {"upn": p.upn, "pupil": f"{p.legal_surname}, {p.legal_forename}"}
            if p
            else {"upn": "", "pupil": ""}
        )

    rows: list[dict[str, Any]] = []
    for pupil in sorted((p for p in pupils.values() if p.leaving_date and p.leaving_date < cutoff),
                        key=lambda p: (p.leaving_date, p.id)):  # fmt: skip
        counts = {name: per_leaver[name].get(pupil.id, 0) for name in per_leaver}
        rows.append({"record": "leaver", **who(pupil.id), "reference": pupil.id,
                     "dated": pupil.leaving_date, **counts, "note": "left more than 6 years ago"})  # fmt: skip
    for pupil_id, count, first, last in sorted(old_marks, key=lambda r: (r[3], r[0])):
        rows.append({"record": "marks", **who(pupil_id), "dated": last, "marks": count,
                     "amendments": old_amendments.get(pupil_id, 0), "note": f"marks from {first} to {last}"})  # fmt: skip
    for pupil_id, case_id, closed_on, stage in sorted(cases, key=lambda r: (r[2], r[1])):
        rows.append({"record": "closed case", **who(pupil_id), "reference": case_id, "dated": closed_on,
                     "cases": 1, "note": f"stage: {stage}"})  # fmt: skip
    for pupil_id, letter_id, letter_date, kind in sorted(letters, key=lambda r: (r[2], r[1])):
        rows.append({"record": "letter", **who(pupil_id), "reference": letter_id, "dated": letter_date,
                     "letters": 1, "note": kind})  # fmt: skip
    for pupil_id, call_id, absent_on, outcome in sorted(calls, key=lambda r: (r[2], r[1])):
        rows.append({"record": "first-day call", **who(pupil_id), "reference": call_id, "dated": absent_on,
                     "calls": 1, "note": outcome})  # fmt: skip
    counts = {
        "leavers": sum(1 for r in rows if r["record"] == "leaver"),
        "marks": sum(r[1] for r in old_marks),
        "amendments": sum(old_amendments.values()),
        "cases": len(cases),
        "letters": len(letters),
        "calls": len(calls),
    }
    return rows, counts


def _per_pupil(db: Session, model: Any, school_id: int, condition: Any) -> dict[int, int]:
    """How many of a table's rows each pupil has, among rows meeting the condition."""
    return dict(
        db.execute(
            select(model.pupil_id, func.count())
            .where(model.school_id == school_id, condition)
            .group_by(model.pupil_id)
        ).all()
    )


def reviews(store: Storage, schools: list[School]) -> list[Review]:
    """Every finished review of these schools, newest first: what a page lists."""
    found = []
    for school in schools:
        for key in store.list_keys(school_prefix(school) + FOLDER + "/"):
            if key.endswith(".json"):
                found.append(_parse(school.id, store.get(key)))
    return sorted(found, key=lambda r: (r.as_of, r.school_id), reverse=True)
