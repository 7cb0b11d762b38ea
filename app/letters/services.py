"""Generating letters, singly or for a filtered list, all or nothing; and finding them again by school.

Every letter is drawn before anything is stored, so bad data or a template fault stores nothing. PDFs
are stored under content-addressed keys (the SHA-256 of their bytes) and listed only through their rows,
written in one transaction after the objects: if storage fails midway, the objects already written are
referenced by no row, so no page lists them. Identical bytes share a key, which is harmless: storage is
versioned and each row records the version and SHA-256 it wrote, so a download reads exactly its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from hashlib import sha256

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.letters import render
from app.letters.figures import (
    Register,
    address_lines,
    flag_of,
    long_date,
    merge_values,
    parent_carer,
    read_register,
)
from app.letters.improvement import NEEDS, not_improved_because
from app.letters.models import Letter, LetterBatch
from app.letters.texts import Wording, school_wordings
from app.letters.wording import GENERATE, TEMPLATES
from app.refusals import Refused
from app.registers.measures import Counts
from app.registers.models import Pupil, on_roll_on
from app.registers.recording import Recorder
from app.storage import Storage, StorageError, StoredObject, school_key
from tenants.counters import allocate
from tenants.models import School

MAX_BATCH = 400  # drawn while the user waits (about 0.1 s a letter); larger lists go by year group
PDF = "application/pdf"


class LettersRefused(Refused):
    """A request that cannot make letters, with a problem per form field; nothing was stored."""


@dataclass(frozen=True)
class LetterRequest:
    """What to generate, checked: the kind, the date the figures run to, and a meeting's date and time."""

    kind: str
    letter_date: date
    meeting: tuple[date, time] | None = None


def check_request(
    kind: str, letter_date: date | None, today: date, meeting_date: date | None, meeting_time: time | None
) -> LetterRequest:
    """Refuse an unknown kind, a letter dated ahead, or an invitation without a meeting after its date."""
    problems = {}
    if kind not in GENERATE:
        problems["kind"] = "Choose a kind of letter."
    if letter_date is None:
        problems["letter_date"] = "Give the letter's date."
    elif letter_date > today:
        problems["letter_date"] = "The letter's date cannot be in the future: its figures run to that day."
    meeting = None
    if kind == "meeting":
        if meeting_date is None:
            problems["meeting_date"] = "Give the meeting's date."
        elif letter_date and meeting_date < letter_date:
            problems["meeting_date"] = "The meeting must be on or after the letter's date."
        if meeting_time is None:
            problems["meeting_time"] = "Give the meeting's time, for example 09:30."
        if meeting_date and meeting_time:
            meeting = (meeting_date, meeting_time)
    if problems:
        raise LettersRefused(problems)
    assert letter_date is not None
    return LetterRequest(kind, letter_date, meeting)


def template_for(kind: str, register: Register, pupil_id: int) -> str:
    """The template a pupil's letter uses: a traffic-light letter's wording follows their flag."""
    return f"traffic_{flag_of(register, pupil_id)}" if kind == "traffic_light" else kind


def left_out_because(kind: str, register: Register, pupil: Pupil) -> str | None:
    """Why this pupil cannot get this kind of letter on this date, or None if they can."""
    c = register.counts.get(pupil.id, Counts())
    if kind == "traffic_light" and flag_of(register, pupil.id) == "new":
        return "has too few sessions this year for a flag yet"
    if kind == "certificate_full" and (not c.possible or c.absent):
        return "has not attended every possible session this year"
    if kind == "lateness" and not c.late:
        return "has not arrived late this year"
    if kind in NEEDS:
        return not_improved_because(kind, register.comparison, pupil.id)
    return None


@dataclass
class Selection:
    """The pupils a batch would go to, and who was left out, in words."""

    pupils: list[Pupil]
    left_out: dict[str, int]  # reason -> how many pupils
    register: Register


def select_pupils(
    db: Session,
    school: School,
    request: LetterRequest,
    *,
    year_group: str = "",
    form: str = "",
    flag: str = "",
) -> Selection:
    """Pupils on roll on the letter's date, by year group, form and flag, who can get the kind."""
    query = (
        select(Pupil)
        .where(Pupil.school_id == school.id, on_roll_on(request.letter_date))
        .options(selectinload(Pupil.contacts))
        .order_by(Pupil.year_group, Pupil.form, Pupil.legal_surname, Pupil.legal_forename, Pupil.id)
    )
    if year_group:
        query = query.where(Pupil.year_group == year_group)
    if form:
        query = query.where(Pupil.form == form)
    register = read_register(db, school, request.letter_date)
    # the flag that picks a traffic-light letter's wording, at the letter's date: chosen as red, worded red
    pupils = [p for p in db.scalars(query) if not flag or flag_of(register, p.id) == flag]
    chosen, left_out = [], {}
    for pupil in pupils:
        reason = left_out_because(request.kind, register, pupil)
        if reason:
            left_out[reason] = left_out.get(reason, 0) + 1
        else:
            chosen.append(pupil)
    return Selection(chosen, left_out, register)


def generate(
    db: Session, school: School, store: Storage, pupils: list[Pupil], request: LetterRequest,
    recorder: Recorder, description: str, *, register: Register | None = None, today: date,
) -> LetterBatch:  # fmt: skip
    """Draw every letter, then store them and their rows in one go; any failure stores no row at all."""
    if not pupils:
        raise LettersRefused({"kind": "No pupils match these choices, so there is nothing to generate."})
    if len(pupils) > MAX_BATCH:
        raise LettersRefused({"kind": f"{len(pupils)} pupils: generate at most {MAX_BATCH} at a time, "
                              "for example one year group at a time."})  # fmt: skip
    register = register or read_register(db, school, request.letter_date)
    refused = [
        f"{p.display_name} {why}" for p in pupils if (why := left_out_because(request.kind, register, p))
    ]
    if refused:
        raise LettersRefused({"kind": f"No letters were made: {'; '.join(refused)}."})
    wordings = school_wordings(db, school)
    try:
        batch_id = allocate(db, school.id, "letter_batches")
        first_id = allocate(db, school.id, "letters", len(pupils))
        drawn = [
            _draw(school, register, wordings, request, recorder, pupil, first_id + n, today)
            for n, pupil in enumerate(pupils)
        ]
        batch = _store_batch(db, school, store, drawn, batch_id, request, recorder, description)
        for letter, pdf in drawn:
            _keep(letter, _put(store, school, pdf))
            letter.batch_id = batch.id
            db.add(letter)
        db.commit()
    except BaseException:
        db.rollback()
        raise
    return batch


def _draw(
    school: School, register: Register, wordings: dict[str, Wording], request: LetterRequest,
    recorder: Recorder, pupil: Pupil, letter_id: int, today: date,
) -> tuple[Letter, render.Document]:  # fmt: skip
    """Lay out one pupil's letter; its row is filled in once the PDF is stored."""
    kind = template_for(request.kind, register, pupil.id)
    wording = wordings[kind]
    page = render.Page(
        school=school, kind=kind, reference=f"{school.urn}-{letter_id}", letter_date=long_date(request.letter_date),
        addressee=parent_carer(pupil), address=address_lines(pupil),
        text=render.fill(wording.text, merge_values(register, pupil, request.meeting)),
        signed_name=recorder.name, signed_title=recorder.title, generated_on=today,
    )  # fmt: skip
    letter = Letter(
        school_id=school.id, id=letter_id, pupil_id=pupil.id, kind=kind, letter_date=request.letter_date,
        template_source=wording.source, template_version=wording.version, template_sha256=wording.sha256,
        recorded_by_name=recorder.name, recorded_by_title=recorder.title,
    )  # fmt: skip
    return letter, render.layout(page)


def _store_batch(
    db: Session, school: School, store: Storage, drawn: list[tuple[Letter, render.Document]], batch_id: int,
    request: LetterRequest, recorder: Recorder, description: str,
) -> LetterBatch:  # fmt: skip
    """Store the batch's print run (every letter in one PDF) and add its row."""
    stored = _put(store, school, render.combined([document for _letter, document in drawn]), "batches")
    batch = LetterBatch(
        school_id=school.id, id=batch_id, kind=request.kind, letter_date=request.letter_date,
        description=description[:300], letters=len(drawn), recorded_by_name=recorder.name,
        recorded_by_title=recorder.title,
    )  # fmt: skip
    _keep(batch, stored)
    db.add(batch)
    db.flush()
    return batch


def _put(store: Storage, school: School, pdf: render.Document | bytes, *folder: str) -> StoredObject:
    """Store a PDF under its own SHA-256, in the school's letters folder."""
    data = pdf if isinstance(pdf, bytes) else render.to_pdf(pdf)
    return store.put(school_key(school, "letters", *folder, f"{sha256(data).hexdigest()}.pdf"), data, PDF)


def _keep(row: Letter | LetterBatch, stored: StoredObject) -> None:
    row.storage_key, row.storage_version = stored.key, stored.version
    row.sha256, row.size = stored.sha256, stored.size


def describe(
    request: LetterRequest, count: int, *, year_group: str = "", form: str = "", flag: str = ""
) -> str:
    """Who a batch went to, in words, for the list of recent batches."""
    parts = [f"Year group {year_group}" if year_group else "", f"form {form}" if form else "",
             f"{flag} flag on {long_date(request.letter_date)}" if flag else ""]  # fmt: skip
    chosen = ", ".join(p for p in parts if p) or "all pupils on roll"
    return f"{GENERATE[request.kind]}: {chosen}; {count} pupil{'' if count == 1 else 's'}"


def letters_for_pupil(db: Session, school: School, pupil_id: int) -> list[Letter]:
    """A pupil's letters and certificates, newest first."""
    return list(
        db.scalars(
            select(Letter)
            .where(Letter.school_id == school.id, Letter.pupil_id == pupil_id)
            .order_by(Letter.id.desc())
        )
    )


def letter_in(db: Session, school: School, letter_id: int) -> Letter | None:
    """A letter of this school by its number; another school's number finds nothing."""
    return db.get(Letter, (school.id, letter_id))


def batch_in(db: Session, school: School, batch_id: int) -> LetterBatch | None:
    return db.get(LetterBatch, (school.id, batch_id))


def recent_batches(db: Session, school: School, limit: int = 20) -> list[LetterBatch]:
    return list(
        db.scalars(
            select(LetterBatch)
            .where(LetterBatch.school_id == school.id)
            .order_by(LetterBatch.id.desc())
            .limit(limit)
        )
    )


def read_pdf(store: Storage, school: School, row: Letter | LetterBatch) -> bytes:
    """The exact bytes made, read only inside the school's prefix, and checked against their SHA-256."""
    data = store.read_for_school(school, row.storage_key, row.storage_version)
    if sha256(data).hexdigest() != row.sha256:
        raise StorageError(f"object {row.storage_key!r} does not match the letter made")
    return data


def file_name(school: School, kind: str, letter_date: date, who: str) -> str:
    """A download's file name a person can file: school, kind, who and date, in safe characters."""
    label = TEMPLATES.get(kind) or GENERATE.get(kind, kind)
    safe = re.sub(
        r"[^A-Za-z0-9]+", "-", f"{school.urn} {label} {who}".encode("ascii", "ignore").decode()
    ).strip("-")
    return f"{safe[:120]}-{letter_date.isoformat()}.pdf"
