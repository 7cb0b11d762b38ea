"""Generating letters on a hand-made register: the figures a family reads, storage under the school's
prefix on a folder and on S3, and all or nothing when storage fails midway."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date, time

import pytest
from flask import Flask
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.letters import services, texts
from app.letters.models import Letter, LetterBatch
from app.letters.wording import Text
from app.registers.models import Pupil, PupilContact
from app.registers.recording import Recorder
from app.storage import FolderStorage, ObjectNotFound, Storage, StorageError, StoredObject
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.letters.register import FIRST_DAY, LETTER_DATE, add_register

LEAD = Recorder(None, "Alex Morgan", "Senior attendance champion")
TODAY = date.today()


@pytest.fixture
def pupils(app: Flask, db: Session, world: World, school: School) -> Iterator[dict[str, Pupil]]:
    """Okafor and Brooks as models, inside the trust's tenant context and an app context for drawing."""
    refs = add_register(db, world, school)
    with app.app_context(), context.use(system_context(db, "test", trust_id=school.trust_id)):
        yield {name: db.get(Pupil, (school.id, ref.id)) for name, ref in refs.items()}  # type: ignore[misc]


def text_of(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def _make(
    db: Session, school: School, store: Storage, pupils: list[Pupil], kind: str, **extra: object
) -> LetterBatch:
    request = services.check_request(
        kind, LETTER_DATE, TODAY, extra.get("meeting_date"), extra.get("meeting_time")
    )  # type: ignore[arg-type]
    return services.generate(db, school, store, pupils, request, LEAD, "test", today=TODAY)


def test_the_letter_gives_the_register_s_figures_in_days_and_lessons(
    db: Session, school: School, pupils: dict[str, Pupil], store: Storage
) -> None:
    okafor = pupils["Okafor"]
    batch = _make(db, school, store, [okafor], "traffic_light")
    (letter,) = services.letters_for_pupil(db, school, okafor.id)
    assert (letter.kind, letter.batch_id, letter.template_source) == ("traffic_red", batch.id, "built-in")
    words = text_of(services.read_pdf(store, school, letter))
    assert "attended 70.0% of the time" in words
    assert "missed 3 days of school, which is 15 lessons, out of 10 days" in words  # Y2 is not possible
    assert "Attendance of 90% or below is called persistent absence" in words  # red wording
    assert "798 days (159.6 weeks, 4.2 school years)" in words  # 30% of 190 days × 14 years
    assert "Dear Parent/carer of Sam Okafor" in words
    assert f"Between {FIRST_DAY.day} {FIRST_DAY:%B %Y} and {LETTER_DATE.day} {LETTER_DATE:%B %Y}" in words
    assert "Alex Morgan Senior attendance champion" in words
    assert letter.storage_key.startswith(f"schools/{school.id}/letters/")
    assert store.list_keys(f"schools/{school.id}/letters/") == sorted([letter.storage_key, batch.storage_key])


def test_lateness_is_put_into_lessons_and_days(
    db: Session, school: School, pupils: dict[str, Pupil], store: Storage
) -> None:
    okafor = pupils["Okafor"]
    db.add(PupilContact(school_id=school.id, pupil_id=okafor.id, name="Grace Okafor", relationship_to_pupil="Mother",
                        address="4 Elm Road, Leeds, LS1 4AB", parental_responsibility=True))  # fmt: skip
    db.commit()
    _make(db, school, store, [okafor], "lateness")
    words = text_of(services.read_pdf(store, school, services.letters_for_pupil(db, school, okafor.id)[0]))
    assert "Dear Grace Okafor" in words and "4 Elm Road Leeds LS1 4AB" in words
    # 30 minutes: 0.5 of a 60-minute lesson, 0.1 of a 5-lesson day
    assert "arrived late 1 time, adding up to 30 minutes. That is 0.5 lessons, or 0.1 days of school" in words


def test_the_school_s_own_wording_is_used_and_named_on_the_letter(
    db: Session, school: School, pupils: dict[str, Pupil], store: Storage
) -> None:
    wording = Text("Meeting for {{ pupil_first_name }}", "We will meet on {{ meeting_date }} at {{ meeting_time }}: "
                   "{{ days_missed }} missed. <b>bold</b>")  # fmt: skip
    version = texts.save_school(db, school, "meeting", wording, LEAD)
    _make(
        db, school, store, [pupils["Okafor"]], "meeting", meeting_date=LETTER_DATE, meeting_time=time(15, 30)
    )
    (letter,) = services.letters_for_pupil(db, school, pupils["Okafor"].id)
    assert (letter.template_source, letter.template_version) == ("school", version)
    words = text_of(services.read_pdf(store, school, letter))
    assert (
        f"We will meet on {LETTER_DATE:%A} {LETTER_DATE.day} {LETTER_DATE:%B %Y} at 3:30pm: 3 days missed. <b>bold</b>"
        in words
    )


def test_a_batch_goes_to_the_filtered_list_in_one_print_run(
    db: Session, school: School, pupils: dict[str, Pupil], store: Storage
) -> None:
    request = services.check_request("certificate_full", LETTER_DATE, TODAY, None, None)
    selection = services.select_pupils(db, school, request, year_group="9", form="9K")
    assert [p.legal_surname for p in selection.pupils] == ["Brooks"]
    assert selection.left_out == {"has not attended every possible session this year": 1}
    batch = services.generate(
        db, school, store, selection.pupils, request, LEAD, "Year 9", register=selection.register, today=TODAY
    )
    assert batch.letters == 1 and batch.storage_key.startswith(f"schools/{school.id}/letters/batches/")
    assert "100% attendance" in text_of(services.read_pdf(store, school, batch))

    everyone = services.select_pupils(
        db, school, services.check_request("traffic_light", LETTER_DATE, TODAY, None, None)
    )
    batch = _make(db, school, store, everyone.pupils, "traffic_light")
    kinds = dict(db.execute(select(Letter.pupil_id, Letter.kind).where(Letter.batch_id == batch.id)).all())
    assert kinds == {pupils["Okafor"].id: "traffic_red", pupils["Brooks"].id: "traffic_green"}
    words = text_of(services.read_pdf(store, school, batch))
    assert words.index("Sam Brooks") < words.index("Sam Okafor")  # both letters, in the listed order


class FailsAfter(FolderStorage):
    """A folder whose disk fills up after some objects: storage failing midway through a batch."""

    def __init__(self, root: object, writes: int) -> None:
        super().__init__(root)  # type: ignore[arg-type]
        self.writes = writes

    def put(self, key: str, data: object, content_type: str = "application/octet-stream") -> StoredObject:
        if self.writes == 0:
            raise StorageError("No space left on device")
        self.writes -= 1
        return super().put(key, data, content_type)  # type: ignore[arg-type]


def test_a_batch_that_fails_midway_stores_no_letter(
    db: Session, school: School, pupils: dict[str, Pupil], tmp_path: object
) -> None:
    store = FailsAfter(tmp_path / "objects", writes=2)  # type: ignore[operator]
    with pytest.raises(StorageError):
        _make(db, school, store, [pupils["Okafor"], pupils["Brooks"]], "traffic_light")
    assert db.scalar(select(func.count()).select_from(Letter)) == 0
    assert db.scalar(select(func.count()).select_from(LetterBatch)) == 0
    assert services.recent_batches(db, school) == []
    store.writes = 10
    batch = _make(db, school, store, [pupils["Okafor"], pupils["Brooks"]], "traffic_light")
    assert batch.letters == 2 and len(services.letters_for_pupil(db, school, pupils["Okafor"].id)) == 1


def test_a_letter_that_cannot_be_made_refuses_the_whole_batch(
    db: Session, school: School, pupils: dict[str, Pupil], store: Storage
) -> None:
    with pytest.raises(services.LettersRefused) as refused:
        _make(db, school, store, [pupils["Brooks"], pupils["Okafor"]], "certificate_full")
    assert refused.value.problems == {
        "kind": "No letters were made: Sam Okafor has not attended every possible session this year."
    }
    with pytest.raises(services.LettersRefused) as no_meeting:
        services.check_request("meeting", LETTER_DATE, TODAY, None, None)
    assert set(no_meeting.value.problems) == {"meeting_date", "meeting_time"}
    assert db.scalar(select(func.count()).select_from(Letter)) == 0
    assert store.list_keys(f"schools/{school.id}/") == []


def test_another_school_s_key_is_not_found(
    db: Session, school: School, world: World, pupils: dict[str, Pupil], store: Storage
) -> None:
    _make(db, school, store, [pupils["Okafor"]], "traffic_light")
    (letter,) = services.letters_for_pupil(db, school, pupils["Okafor"].id)
    a2 = db.get(School, world.a2.id)
    assert a2 is not None
    with pytest.raises(ObjectNotFound):
        store.read_for_school(a2, letter.storage_key)
    assert services.letter_in(db, a2, letter.id) is None
