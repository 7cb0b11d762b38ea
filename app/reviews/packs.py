"""Making termly review packs: drawn as HTML, printed by WeasyPrint, stored, and listed through their rows.

Both editions are drawn before anything is stored, so a fault stores nothing; a pack is stored under
its own SHA-256 in the school's reviews folder and a row per pack is added in the same transaction, so
no page lists an object that was not finished. Making a pack again adds a pack: none is overwritten.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from hashlib import sha256

from flask import render_template
from sqlalchemy import select
from sqlalchemy.orm import Session
from weasyprint import HTML

from app.calendars.services import calendars_for
from app.calendars.spans import SchoolCalendar
from app.clock import local
from app.registers.recording import Recorder
from app.reviews.annex_b import ACTION_STATUSES, RATINGS, SHORT
from app.reviews.figures import PackFigures, gap_rows, gather
from app.reviews.models import EDITIONS, ReviewPack
from app.reviews.terms import Term, term_of
from app.storage import Storage, StorageError, school_key
from tenants.counters import allocate
from tenants.models import School, Trust

PDF = "application/pdf"
DUE_SCHOOL_DAYS = 10  # the job makes a term's pack from its 10th-last school day, for meetings in those weeks
JOB = Recorder(None, "Turnout (scheduled)", "Termly review packs job")


def draw(figures: PackFigures) -> bytes:
    """The pack as PDF bytes; the page's base URL is unset so drawing can never fetch anything."""
    weeks = [(w, c.attendance_rate) for w, c in figures.weeks if c.attendance_rate is not None]
    england = figures.headline[3][1]
    refs = [
        ("Trust", figures.trust_row.attendance_rate),
        ("England", england.attendance_rate if england else None),
    ]
    html = render_template(
        "reviews/pack_pdf.html", f=figures, gaps=gap_rows(figures.school_row, figures.trust_row),
        chart=trend_chart(weeks, refs), ratings=RATINGS, short=SHORT, statuses=ACTION_STATUSES,
        editions=EDITIONS,
    )  # fmt: skip
    return HTML(string=html, base_url=None).render().write_pdf()


def make(
    db: Session, store: Storage, school: School, calendar: SchoolCalendar, term: Term, as_of: date,
    recorder: Recorder, now: datetime, *, scheduled: bool = False, computed: dict | None = None,
) -> list[ReviewPack]:  # fmt: skip
    """Draw both editions, store them, and add their rows (flushed: the caller commits)."""
    drawn = {
        edition: draw(gather(db, school, calendar, term, as_of, edition, now, computed))
        for edition in EDITIONS
    }
    first = allocate(db, school.id, "review_packs", len(drawn))
    rows = []
    for n, (edition, pdf) in enumerate(drawn.items()):
        stored = store.put(school_key(school, "reviews", f"{sha256(pdf).hexdigest()}.pdf"), pdf, PDF)
        row = ReviewPack(
            school_id=school.id, id=first + n, term_start=term.start, term_end=term.end, term_name=term.name,
            as_of=as_of, edition=edition, scheduled=scheduled, storage_key=stored.key,
            storage_version=stored.version, sha256=stored.sha256, size=stored.size,
            recorded_by_name=recorder.name, recorded_by_title=recorder.title,
        )  # fmt: skip
        db.add(row)
        rows.append(row)
    db.flush()
    return rows


def packs_of(db: Session, school: School, editions: tuple[str, ...] = tuple(EDITIONS)) -> list[ReviewPack]:
    """The school's packs of the given editions, newest first."""
    return list(db.scalars(
        select(ReviewPack)
        .where(ReviewPack.school_id == school.id, ReviewPack.edition.in_(editions))
        .order_by(ReviewPack.id.desc())
    ))  # fmt: skip


def pack_in(db: Session, school: School, pack_id: int) -> ReviewPack | None:
    return db.get(ReviewPack, (school.id, pack_id))


def read_pdf(store: Storage, school: School, pack: ReviewPack) -> bytes:
    """The exact bytes made, read only inside the school's prefix, checked against their SHA-256."""
    data = store.read_for_school(school, pack.storage_key, pack.storage_version)
    if sha256(data).hexdigest() != pack.sha256:
        raise StorageError(f"object {pack.storage_key!r} does not match the pack made")
    return data


def file_name(school: School, pack: ReviewPack) -> str:
    label = "governors" if pack.edition == "governors" else "full"
    safe = re.sub(r"[^A-Za-z0-9]+", "-", f"{school.urn} review pack {pack.term_name} {label}".encode(
        "ascii", "ignore").decode()).strip("-")  # fmt: skip
    return f"{safe[:120]}-{pack.as_of.isoformat()}-{pack.id}.pdf"


def due_term(calendar: SchoolCalendar, today: date) -> Term | None:
    """The term whose pack is due today: from its 10th-last school day until the next term starts."""
    term = term_of(calendar, today)
    days = term.school_days(calendar)
    if not days:
        return None
    return term if today >= days[max(len(days) - DUE_SCHOOL_DAYS, 0)] else None


def make_due_packs(db: Session, store: Storage, trust: Trust, now: datetime) -> str:
    """The termly job: each school's term pack once (both editions), figures to yesterday or the term's end.

    Re-running finds the scheduled packs already made and makes nothing; the unique index on scheduled
    packs turns an overlapping run's second copy into a failure that the job runner rolls back.
    """
    today = local(now).date()
    schools = list(db.scalars(select(School).where(School.trust_id == trust.id).order_by(School.name)))
    calendars = calendars_for(db, [s.id for s in schools])
    computed: dict = {}
    made, skipped, not_due = [], 0, 0
    for school in schools:
        term = due_term(calendars[school.id], today)
        if term is None:
            not_due += 1
            continue
        if db.scalar(select(ReviewPack.id).where(
            ReviewPack.school_id == school.id, ReviewPack.term_start == term.start, ReviewPack.scheduled
        ).limit(1)) is not None:  # fmt: skip
            skipped += 1
            continue
        as_of = max(min(date.fromordinal(today.toordinal() - 1), term.end), term.start)
        make(
            db, store, school, calendars[school.id], term, as_of, JOB, now, scheduled=True, computed=computed
        )
        made.append(f"{school.name} ({term.name})")
    summary = f"review packs for {today.isoformat()}: {len(made)} school{'' if len(made) == 1 else 's'} made"
    return (
        summary + (f" ({'; '.join(made)})" if made else "") + f", {skipped} already made, {not_due} not due"
    )


def trend_chart(
    weeks: list[tuple[date, float]], refs: list[tuple[str, float | None]], width: int = 620, height: int = 210
) -> dict:
    """Coordinates for the weekly trend as inline SVG (WeasyPrint draws it): the school's line and
    horizontal lines for the trust and England over the same term, on a scale in whole 5% steps."""
    values = [v for _w, v in weeks] + [v for _n, v in refs if v is not None]
    low = min([*values, 90.0]) // 5 * 5
    high = min(100.0, (max([*values, 95.0]) // 5 + 1) * 5)
    left, right, top, bottom = 44, width - 110, 12, height - 30

    def y(value: float) -> float:
        return round(bottom - (value - low) / (high - low) * (bottom - top), 1)

    step = (right - left) / max(len(weeks) - 1, 1)
    points = [(round(left + n * step, 1), y(v), f"{w:%-d %b}", v) for n, (w, v) in enumerate(weeks)]
    every = max(-(-len(points) // 6), 1)  # at most about six week labels, so they never overlap
    return {
        "width": width, "height": height, "left": left, "right": right, "bottom": bottom,
        "ticks": [(y(t), int(t)) for t in range(int(low), int(high) + 1, 5)],
        "points": points, "line": " ".join(f"{x},{yy}" for x, yy, _l, _v in points),
        "labels": [p for n, p in enumerate(points) if n % every == 0 or n == len(points) - 1],
        "refs": [(name, y(v), v) for name, v in refs if v is not None],
    }  # fmt: skip
