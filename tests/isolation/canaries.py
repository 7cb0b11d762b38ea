"""Canary strings planted in every text field a school's data has, through the real services, so a test can
search any response, export, PDF or error for another tenant's data and say which field leaked."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.admin import services as admin
from app.api.services import create_token
from app.benchmarks import store as benchmarks
from app.calendars.services import add_entry, import_calendar, school_calendar
from app.calendars.spans import Kind, Span, academic_year
from app.calls.services import record_call
from app.db import Base
from app.interventions import services as casework
from app.letters import services as letters
from app.letters import texts
from app.letters.wording import Text
from app.registers.mark_import import import_marks
from app.registers.models import Pupil
from app.registers.recording import Recorder, week_start
from app.registers.services import add_contact
from app.returns.exports import export_school
from app.returns.models import ReturnExport
from app.reviews.packs import make as make_packs
from app.reviews.terms import term_of
from app.storage import get_storage
from app.workflow import editing
from app.workflow import services as workflow
from app.workflow.generation import generate_schools
from app.workflow.models import TaskInstance
from tenants import context
from tenants.access import system_context
from tenants.models import Membership, Role, School, Trust
from tenants.scoping import UNSCOPED
from tests.factories import Factory, PupilRef, SchoolRef, valid_upn

PASSWORD = "correct horse battery staple"


@dataclass
class Planted:
    """One school's planted data: the canaries by who may not read them, and the ids routes take."""

    school: SchoolRef
    slug: str
    pupil: dict[str, str] = field(default_factory=dict)  # canary -> field: pupil-identifiable
    school_only: dict[str, str] = field(default_factory=dict)  # the school's own, not about a pupil
    trust_shared: dict[str, str] = field(default_factory=dict)  # the school's, shown across its trust
    restricted: dict[str, str] = field(default_factory=dict)  # safeguarding notes: DSL permission only
    ids: dict[str, list[object]] = field(default_factory=dict)  # route argument -> values to try
    objects: dict[str, bytes] = field(default_factory=dict)  # stored object key -> its bytes
    days: dict[str, date] = field(
        default_factory=dict
    )  # "call": the day of the call, "last": of the register

    def query_urls(self, search: str) -> list[str]:
        """Pages that take their day (or a search) from the query string, at this school."""
        urn, call, last = self.school.urn, self.days["call"], self.days["last"]
        return [f"/schools/{urn}/first-day?date={call}", f"/schools/{urn}/first-day/golden-hour?date={call}",
                f"/schools/{urn}/tasks?date={last}", f"/schools/{urn}/returns?as_of={last}",
                f"/schools/{urn}/registers?day={call}", f"/schools/{urn}/pupils?q={search}&status=all"]  # fmt: skip

    def every(self) -> dict[str, str]:
        return {**self.pupil, **self.school_only, **self.trust_shared, **self.restricted}


def _canaries(tag: str, names: list[str]) -> dict[str, str]:
    """Lower-case letter-and-digit words, unique to the school and field (searched case-insensitively)."""
    return {f"zq{tag}{name}": name for name in names}


def _term_spans(today: date, tag: str) -> list[Span]:
    """Terms from six weeks back to four weeks on, cut at 31 July so each lies in one academic year."""
    start, end = today - timedelta(days=42), today + timedelta(days=28)
    spans = []
    while start <= end:
        year_end = date(academic_year(start) + 1, 7, 31)
        spans.append(Span(Kind.TERM, f"zq{tag}term", start, min(end, year_end)))
        start = year_end + timedelta(days=1)
    return spans


def _calendar_csv(spans: list[Span]) -> bytes:
    lines = ["kind,name,start,end"] + [f"{s.kind},{s.name},{s.start},{s.end}" for s in spans]
    return ("\n".join(lines) + "\n").encode()


def plant(
    app: Flask, db: Session, ref: SchoolRef, tag: str, today: date, *, documents: bool = True
) -> Planted:
    """Fill one school with data carrying canaries: pupils, register, calendar, casework, calls, tasks, API
    token, its trust's benchmarks and, with documents, letters, stored returns and review packs (PDFs take
    most of the time: a school whose routes are only ever refused goes without)."""
    pupil = _canaries(tag, ["surname", "forename", "middle", "prefsurname", "prefforename", "form",
                            "address", "gpname", "prevschool", "newsurname", "newforename", "contactname",
                            "contactaddress", "contactemail", "casereason", "actionnotes", "actionoutcome",
                            "worries", "wellnotes", "needs", "smartwhat", "callnotes", "amendreason"])  # fmt: skip
    school_only = _canaries(tag, ["username", "useremail", "jobtitle", "tokenname", "inset", "owntask", "owndesc",
                                  "tasknote", "lettertitle", "letterbody"])  # fmt: skip
    trust_shared = _canaries(
        tag, ["term"]
    )  # the trust's benchmark periods are named after its schools' terms
    restricted = _canaries(tag, ["safeguarding"])
    recorder = Recorder(None, f"zq{tag}username", f"zq{tag}jobtitle")
    f = Factory(db)
    monday = week_start(today)
    days = [monday - timedelta(days=21) + timedelta(days=n) for n in range(19) if n % 7 < 5]  # 3 weeks to Fri
    call_day = days[-3]  # last week's Wednesday
    child = f.pupil(
        ref, surname=f"zq{tag}surname", legal_forename=f"zq{tag}forename", middle_names=f"zq{tag}middle",
        preferred_surname=f"zq{tag}prefsurname", preferred_forename=f"zq{tag}prefforename", form=f"zq{tag}form",
        home_address=f"zq{tag}address", gp_name=f"zq{tag}gpname", previous_school=f"zq{tag}prevschool",
        admission_date=today - timedelta(days=400),
    )  # fmt: skip
    newcomer = f.pupil(
        ref, surname=f"zq{tag}newsurname", legal_forename=f"zq{tag}newforename", upn=valid_upn("926"),
        admission_date=days[-1],
    )  # a new-pupil return names them  # fmt: skip
    pupil[child.upn] = "upn"
    pupil[newcomer.upn] = "newcomer upn"
    with context.use(system_context(db, "test-canaries", trust_id=ref.trust_id)), app.app_context():
        school = db.get(School, ref.id)
        trust = db.get(Trust, ref.trust_id)
        assert school is not None and trust is not None
        user, _ = admin.add_user(db, f"zq{tag}useremail@example.org", f"zq{tag}username", f"zq{tag}jobtitle",
                                 Role.STAFF, school=school, password=PASSWORD)  # fmt: skip
        db.commit()
        import_calendar(db, school, _calendar_csv(_term_spans(today, tag)), recorder)
        inset = next(d for d in (today + timedelta(days=n) for n in range(7, 14)) if d.weekday() < 5)
        entry = add_entry(db, school, Span(Kind.INSET, f"zq{tag}inset", inset, inset), recorder)
        marks = _register(child, days, call_day)
        import_marks(db, school, io.BytesIO(marks.encode()), source="import", description="canaries",
                     recorder=recorder, reason="canaries")  # fmt: skip
        amended = marks.replace(f"{days[0]},AM,O", f"{days[0]},AM,G")
        import_marks(db, school, io.BytesIO(amended.encode()), source="import", description="canaries",
                     recorder=recorder, reason=f"zq{tag}amendreason")  # fmt: skip
        row = db.get(Pupil, (school.id, child.id))
        assert row is not None
        add_contact(db, row, {"name": f"zq{tag}contactname", "relationship_to_pupil": "Mother",
                              "phone": "01603 000111", "email": f"zq{tag}contactemail@example.org",
                              "address": f"zq{tag}contactaddress", "lives_with_pupil": True,
                              "parental_responsibility": True})  # fmt: skip
        ids = _casework(db, school, row, user.id, tag, recorder, today, days)
        record_call(db, school, row, day=call_day, outcome="reached", notes=f"zq{tag}callnotes", code="",
                    sessions="both", recorder=recorder, today=today)  # fmt: skip
        db.commit()
        ids |= _workflow(db, school, trust, user.id, tag, days[-1])
        token, _secret = create_token(db, school, f"zq{tag}tokenname", by_id=user.id, by_name=recorder.name)
        texts.save_school(db, school, "meeting", Text(f"zq{tag}lettertitle", f"zq{tag}letterbody"), recorder)
        benchmarks.refresh(db, None, trust, datetime.now(UTC))
        db.commit()
        objects = _documents(db, school, row, recorder, today, days[-1]) if documents else {}
        membership = db.scalars(select(Membership).where(Membership.user_id == user.id)).one()
        ids |= {
            "urn": [ref.urn],
            "slug": [trust.slug],
            "pupil_id": [child.id],
            "user_id": [user.id],
            "membership_id": [membership.id],
            "token_id": [str(token.id)],
            "letter_id": [1],
            "batch_id": [1],
            "entry_id": [entry.id],
            "pack_id": [1, 2],
            "export_id": [1, 2, 3, 4],
            "kind": ["meeting", "improvement"],
            "return_kind": ["unauthorised-10", "sickness-15"],
        }  # the first letter, batch, packs (full, governors') and returns of the school have these numbers
    dates = {"call": call_day, "last": days[-1]}
    return Planted(ref, trust.slug, pupil, school_only, trust_shared, restricted, ids, objects, dates)


def _documents(
    db: Session, school: School, pupil: Pupil, recorder: Recorder, today: date, day: date
) -> dict[str, bytes]:
    """A letter (in a batch of one), the day's stored LA returns and both review packs; their stored bytes."""
    store = get_storage()
    request = letters.check_request("meeting", day, today, today, time(9, 30))
    batch = letters.generate(db, school, store, [pupil], request, recorder, "canaries", today=today)
    letter = letters.letters_for_pupil(db, school, pupil.id)[0]
    export_school(db, store, school, day)
    calendar = school_calendar(db, school)
    packs = make_packs(db, store, school, calendar, term_of(calendar, day), day, recorder, datetime.now(UTC))
    db.commit()
    assert (batch.id, letter.id, [p.id for p in packs]) == (1, 1, [1, 2])
    stored = {r.storage_key: store.read_for_school(school, r.storage_key, r.storage_version)
              for r in (batch, letter, *packs)}  # fmt: skip
    exports = db.scalars(select(ReturnExport).where(ReturnExport.school_id == school.id)).all()
    return stored | {e.key: store.read_for_school(school, e.key) for e in exports}


def _register(child: PupilRef, days: list[date], call_day: date) -> str:
    """Three weeks away without leave (an unauthorised-10 return), with no reason yet on the call day."""
    lines = ["upn,date,session,code"]
    for day in days:
        code = "N" if day == call_day else "O"
        lines += [f"{child.upn},{day},AM,{code}", f"{child.upn},{day},PM,{code}"]
    return "\n".join(lines) + "\n"


def _casework(
    db: Session, school: School, pupil: Pupil, owner_id: int, tag: str, recorder: Recorder, today: date,
    days: list[date],
) -> dict[str, list[object]]:  # fmt: skip
    """An open case with an action, a restricted (safeguarding) action and a support plan awaiting review."""
    case = casework.open_case(db, school, pupil, stage="monitor", owner_id=owner_id, owner_name=recorder.name,
                              reason=f"zq{tag}casereason", opened_on=days[0], recorder=recorder, today=today)  # fmt: skip
    for notes, restricted in ((f"zq{tag}actionnotes", False), (f"zq{tag}safeguarding", True)):
        casework.record_action(db, school, case, kind="phone_call", owner_name=recorder.name, due_on=None,
                               done_on=days[1], notes=notes, outcome=f"zq{tag}actionoutcome", follow_up_on=None,
                               restricted=restricted, recorder=recorder, today=today)  # fmt: skip
    plan = casework.record_plan(db, school, case, met_on=days[2], working_well=f"zq{tag}wellnotes",
                                worries=f"zq{tag}worries", needs_to_happen=f"zq{tag}needs",
                                smart_actions=[{"what": f"zq{tag}smartwhat", "who": "Parent", "by": str(days[3])}],
                                review_on=days[2] + timedelta(days=28), recorder=recorder, today=today)  # fmt: skip
    db.commit()
    return {"plan_id": [plan.id]}


def _workflow(
    db: Session, school: School, trust: Trust, user_id: int, tag: str, day: date
) -> dict[str, list]:
    """The school's tasks for a school day, one ticked with a note, and a task of its own."""
    generate_schools(db, [school], [day])
    own = editing.add_own_task(
        db, school, editing.TaskInput(title=f"zq{tag}owntask", description=f"zq{tag}owndesc", cadence="daily",
                                      due_time="09:00", role="staff"), f"zq{tag}username",
    )  # fmt: skip
    task = db.scalars(
        select(TaskInstance).where(TaskInstance.school_id == school.id).order_by(TaskInstance.id)
    ).first()
    assert task is not None
    by = Recorder(user_id, f"zq{tag}username", f"zq{tag}jobtitle")
    workflow.add_note(db, school, task, by, f"zq{tag}tasknote")
    workflow.complete(db, school, task, by)
    return {"task_id": [task.id], "school_task_id": [own.id], "playbook_id": [1]}


def school_model(db: Session, ref: SchoolRef) -> School:
    found = db.get(School, ref.id, execution_options=UNSCOPED)
    assert found is not None
    return found


# Trust A's names as tests/conftest.py makes them: its schools, itself, its people's addresses and pupils.
TRUST_A_NAMES = {
    "Alder One Primary": "school name", "Alder Two Academy": "school name", "Alder Trust": "trust name",
    "alder.example": "trust leader email", "alder-one.example": "A1 staff email",
    "alder-two.example": "A2 staff email", "Canaryalder": "pupil surname",
}  # fmt: skip


def plant_trust(app: Flask, db: Session, trust_id: int, tag: str) -> dict[str, str]:
    """A trust's own playbook task and default letter wording, carrying canaries (plant schools after it, so
    their tasks include the playbook's)."""
    canaries = _canaries(tag, ["playbooktask", "playbookdesc", "lettertitle", "letterbody"])
    with context.use(system_context(db, "test-canaries", trust_id=trust_id)), app.app_context():
        trust = db.get(Trust, trust_id)
        assert trust is not None
        given = editing.TaskInput(title=f"zq{tag}playbooktask", description=f"zq{tag}playbookdesc",
                                  cadence="daily", due_time="10:00", role="school_lead")  # fmt: skip
        editing.add_playbook_task(db, trust, given, "Trust office")
        texts.save_trust(db, trust.id, "improvement", Text(f"zq{tag}lettertitle", f"zq{tag}letterbody"),
                         Recorder(None, "Trust office", "Director of attendance"))  # fmt: skip
        db.commit()
    return canaries


def row_counts(db: Session, school_ids: set[int]) -> dict[str, int]:
    """Rows of each tenant table belonging to the schools: what a refused request must leave alone."""
    counts = {}
    with context.use(system_context(db, "test-counts")):
        for table in Base.metadata.sorted_tables:
            if "school_id" in table.c:
                query = select(func.count()).select_from(table).where(table.c.school_id.in_(school_ids))
                counts[table.name] = db.scalar(query) or 0
    db.rollback()
    return counts
