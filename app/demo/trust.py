"""A realistic demo trust: schools, calendar, staff, pupils, registers and workflow history, loaded through
the real import and calendar paths."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from stdnum.gb import upn as stdnum_upn

from app.admin import services as admin
from app.benchmarks.demo import refresh_demo
from app.calendars.csvfile import calendar_csv
from app.calendars.services import add_entry, calendars_for, push_calendar
from app.calendars.spans import SchoolCalendar, Span, academic_year, year_label
from app.clock import local
from app.db import utcnow
from app.demo import calendar
from app.demo.model import profile
from app.demo.registers import DemoPupil, pupil_lines, school_events
from app.demo.workflow import generate_history
from app.registers.importer import import_pupils
from app.registers.mark_import import import_marks
from app.registers.models import ETHNICITIES, Pupil, PupilContact
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import Role, School, Trust
from tenants.scoping import UNSCOPED

DEMO_PASSWORD = "turnout-demo-2026"  # noqa: S105 - published demo password, in the README

FORENAMES = [
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Ivy",
    "Freya",
    "Lily",
    "Florence",
    "Mia",
    "Willow",
    "Rosie",
    "Sophia",
    "Isabella",
    "Grace",
    "Evie",
    "Poppy",
    "Noah",
    "Muhammad",
    "George",
    "Oliver",
    "Leo",
    "Arthur",
    "Oscar",
    "Theodore",
    "Freddie",
    "Theo",
    "Finley",
    "Archie",
    "Harry",
    "Jack",
    "Alfie",
    "Aisha",
    "Zara",
    "Maryam",
    "Amir",
    "Yusuf",
    "Kacper",
    "Zuzanna",
    "Chidi",
    "Adaeze",
    "Priya",
    "Arjun",
    "Fatima",
    "Ibrahim",
    "Sofia",
    "Mateo",
]
SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Thomas",
    "Clarke",
    "Jackson",
    "Wood",
    "Harris",
    "Edwards",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Hughes",
    "Moore",
    "Clark",
    "King",
    "Harrison",
    "Lewis",
    "Baker",
    "Lee",
    "Allen",
    "Morris",
    "Khan",
    "Ali",
    "Begum",
    "Kowalski",
    "Okafor",
    "Nowak",
    "Hussain",
    "Ahmed",
    "Shah",
    "Campbell",
    "Kelly",
]
STREETS = [
    "Church Road",
    "Station Road",
    "Victoria Street",
    "Park Avenue",
    "Mill Lane",
    "The Green",
    "Queens Road",
    "High Street",
]
PLACES = [
    "Riverside",
    "Hillcrest",
    "Marshland",
    "Oakfield",
    "Broadland",
    "Wensum",
    "Saxon",
    "Meadow",
    "Kingsway",
    "Fenland",
]
GROUNDS = ["Park", "Vale", "Green", "Heath", "Fields", "Hill", "Brook", "Wood", "Cross", "Common"]
PHASE_YEARS = {
    "primary": ("R", "1", "2", "3", "4", "5", "6"),
    "secondary": ("7", "8", "9", "10", "11"),
    "special": ("3", "4", "5", "6", "7", "8", "9", "10", "11"),
}
PHASE_WEIGHT = {"primary": 1.0, "secondary": 4.5, "special": 0.35}
# National proportions (DfE Schools, pupils and their characteristics 2024/25, rounded).
FSM, SEN_SUPPORT, EHC_PLAN, EAL, LOOKED_AFTER, CHILD_IN_NEED, YOUNG_CARER = (
    0.26,
    0.14,
    0.05,
    0.22,
    0.008,
    0.03,
    0.012,
)
WHITE_BRITISH = 0.6
SCHOOL_SPREAD = 0.12  # some schools better, some worse: a log-normal factor on the at-risk share
RECORDER = Recorder(None, "MIS import (demo)", "Data manager")
LEAD_TITLE, STAFF_TITLE = "Senior attendance champion", "Attendance officer"


@dataclass(frozen=True)
class TrustSpec:
    slug: str
    name: str
    domain: str
    las: tuple[str, ...]
    urn_base: int
    place_offset: int
    main: bool = False  # the README's trust: its first primary closes for a polling day; one tick undone


MAIN = TrustSpec(
    "northern-lights", "Northern Lights Academy Trust", "northern-lights.example", ("926", "935"), 149001, 0, True
)  # fmt: skip
SECOND = TrustSpec("oak-valley", "Oak Valley Learning Trust", "oak-valley.example", ("335",), 149501, 7)


@dataclass(frozen=True)
class Login:
    email: str
    role: str
    where: str


def demo_exists(db: Session) -> bool:
    return db.scalar(select(Trust.id).limit(1).execution_options(**UNSCOPED)) is not None


def phases_for(schools: int) -> list[str]:
    """A realistic mix: mostly primaries, about a third secondaries, a special school from five up."""
    special = 1 if schools >= 5 else 0
    secondary = max(1, round((schools - special) * 0.3)) if schools > 1 else 0
    return ["secondary"] * secondary + ["primary"] * (schools - secondary - special) + ["special"] * special


def sizes_for(phases: list[str], pupils: int, rng: random.Random) -> list[int]:
    weights = [PHASE_WEIGHT[p] * rng.uniform(0.75, 1.25) for p in phases]
    return [max(20, round(pupils * w / sum(weights))) for w in weights]


@dataclass(frozen=True)
class Dates:
    """The demo's days: registers from `first` to `registers` (yesterday at most), tasks from `first` to
    `tasks` (today at most), and a calendar for every academic year from `first` to today."""

    first: date
    registers: date
    tasks: date
    today: date

    @property
    def calendar(self) -> list[Span]:
        return calendar.trust_spans(min(self.first, self.today), self.today)


def dates(start: date | None, weeks: int | None, today: date) -> Dates:
    """From the start of the academic year (or `start`) to today, or for `weeks`."""
    first = start or calendar.first_day(calendar.academic_year_of(today))
    end = first + timedelta(weeks=weeks) - timedelta(days=1) if weeks else today
    return Dates(first, min(end, today - timedelta(days=1)), min(end, today), today)


def period(start: date | None, weeks: int | None, today: date) -> list[date]:
    """The trust calendar's school days with registers."""
    found = dates(start, weeks, today)
    return calendar.school_days(found.first, found.registers)


def school_name(spec: TrustSpec, index: int, phase: str) -> str:
    """Distinct, plausible names: a place, then a second word once the places run out."""
    place = PLACES[(index + spec.place_offset) % len(PLACES)]
    if index >= len(PLACES):
        place += " " + GROUNDS[index // len(PLACES) % len(GROUNDS)]
    kind = {"primary": "Primary Academy", "secondary": "Academy", "special": "Special School"}[phase]
    return f"{place} {kind}"


def load_demo(
    db: Session,
    *,
    schools: int = 6,
    pupils: int = 5000,
    weeks: int | None = None,
    seed: int = 2026,
    start: date | None = None,
    now: datetime | None = None,
    second_trust: bool = True,
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[Login]:
    """Create the demo trust (and a small second trust to try isolation with) and print the logins."""
    now = now or utcnow()
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    found = dates(start, weeks, local(now).date())
    logins = _trust(db, MAIN, schools, pupils, found, now, rng, progress)
    if second_trust:
        logins += _trust(db, SECOND, 1, 240, found, now, rng, progress)
    refresh_demo(db, [MAIN.slug, SECOND.slug][: 1 + second_trust], found.tasks, now, progress)
    return logins


def _trust(
    db: Session,
    spec: TrustSpec,
    count: int,
    pupils: int,
    found: Dates,
    now: datetime,
    rng: random.Random,
    progress: Callable[[str], None],
) -> list[Login]:
    trust = admin.add_trust(db, spec.slug, spec.name)
    phases = phases_for(count)
    sizes = sizes_for(phases, pupils, rng)
    made = [
        admin.add_school(
            db, trust, spec.urn_base + i, school_name(spec, i, phase), phase, spec.las[i % len(spec.las)]
        )
        for i, phase in enumerate(phases)
    ]
    seeds = [rng.randrange(2**32) for _ in made]
    workflow_rng = random.Random(rng.randrange(2**32))  # noqa: S311 - reproducible demo data, not security
    places = [
        SchoolPlace(school.urn, school.la_code or "") for school in made
    ]  # no ORM objects in the thread
    with context.use(system_context(db, "demo", trust_id=trust.id)):
        calendars = _calendar(db, spec, made, phases, found, now)
    school_days = [calendars[s.id].school_days(found.first, found.registers) for s in made]
    years = sorted({academic_year(s.start) for s in found.calendar})
    progress(
        f"{spec.name}: calendar for {', '.join(year_label(y) for y in years)} pushed to "
        + ("its school" if len(made) == 1 else f"{len(made)} schools")
    )

    def generate(i: int) -> tuple[random.Random, SchoolData]:
        school_rng = random.Random(seeds[i])  # noqa: S311 - reproducible demo data, not security
        return school_rng, generate_school(school_rng, places[i], phases[i], sizes[i], school_days[i])

    # The next school is generated while this one is written: the thread runs while the
    # importer waits on the database.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="turnout-demo") as pool:
        upcoming = pool.submit(generate, 0)
        for i, school in enumerate(made):
            school_rng, data = upcoming.result()
            if i + 1 < len(made):
                upcoming = pool.submit(generate, i + 1)
            with context.use(system_context(db, "demo", trust_id=trust.id)):
                _load_school(db, school, data, school_days[i], school_rng)
            progress(
                f"{spec.name}: {school.name} ({phases[i]}, {sizes[i]} pupils, {len(school_days[i])} school days)"
            )
    logins, people = _people(db, spec, trust, made, workflow_rng)
    task_days = SchoolCalendar(found.calendar).school_days(found.first, found.tasks)
    with context.use(system_context(db, "demo", trust_id=trust.id)):
        made_tasks, ticked, still_open = generate_history(
            db, made, task_days, people, now, workflow_rng, mistake=spec.main
        )
    progress(f"{spec.name}: {made_tasks} workflow tasks for {len(task_days)} school days, "
             f"{ticked} ticked off, {still_open} due and not done")  # fmt: skip
    return logins


def _calendar(
    db: Session, spec: TrustSpec, schools: list[School], phases: list[str], found: Dates, now: datetime
) -> dict[int, SchoolCalendar]:
    """Push the trust's calendar to every school, close one primary for a polling day, and read the
    schools' calendars back: the registers follow what the schools' calendars say."""
    spans = found.calendar
    push_calendar(db, schools, calendar_csv(spans).encode(), RECORDER, now)
    if spec.main and "primary" in phases:
        closure = calendar.polling_day(SchoolCalendar(spans), found.tasks)
        add_entry(db, schools[phases.index("primary")], closure, RECORDER, now)
    return calendars_for(db, [s.id for s in schools])


@dataclass(frozen=True)
class SchoolPlace:
    """What generation needs of a school: its URN and local authority (for UPNs)."""

    urn: int
    la_code: str


@dataclass
class SchoolData:
    """A school's generated admission register rows and register files."""

    pupils: list[dict]
    profiles: list[DemoPupil]
    register: str
    corrections: str


def generate_school(
    rng: random.Random, school: SchoolPlace, phase: str, size: int, days: list[date]
) -> SchoolData:
    """Pupils with characteristics at national proportions, and every school day's marks."""
    years = PHASE_YEARS[phase]
    school_factor = rng.lognormvariate(0, SCHOOL_SPREAD)
    term_start = days[0] if days else date.today()
    rows, profiles = [], []
    for serial in range(size):
        row, demo = _pupil(rng, school, phase, years, serial, term_start, days, school_factor)
        rows.append(row)
        profiles.append(demo)
    header = "upn,date,session,code,minutes_late\n"
    register, corrections = [header], [header]
    if days:
        events = school_events(rng, days, list(years), snow=school.urn % 3 == 0)
        for pupil in profiles:
            lines, fixes = pupil_lines(rng, pupil, days, events)
            register.extend(lines)
            corrections.extend(fixes)
    return SchoolData(rows, profiles, "".join(register), "".join(corrections))


def _load_school(db: Session, school: School, data: SchoolData, days: list[date], rng: random.Random) -> None:
    """Write a generated school through the real imports: admission register, registers, corrections."""
    header = list(data.pupils[0])
    pupils_csv = (
        "\n".join([",".join(header), *(",".join(str(r[k]) for k in header) for r in data.pupils)]) + "\n"
    )
    import_pupils(
        db,
        school,
        pupils_csv.encode(),
        source="Demo MIS export",
        by_name=RECORDER.name,
        by_title=RECORDER.title,
    )
    _contacts(db, school, rng)
    for text, source, reason in (
        (data.register, "Demo MIS registers", "Demo MIS registers"),
        (data.corrections, "Demo MIS corrections", "Reason established after first-day calls"),
    ):
        if text.count("\n") > 1:
            import_marks(
                db, school, io.BytesIO(text.encode()), source="import", description=source,
                recorder=RECORDER, reason=reason, today=days[-1],
            )  # fmt: skip


def _pupil(
    rng: random.Random,
    school: SchoolPlace,
    phase: str,
    years: tuple[str, ...],
    serial: int,
    term_start: date,
    days: list[date],
    school_factor: float,
) -> tuple[dict, DemoPupil]:
    year = rng.choice(years)
    age = 4 if year == "R" else int(year) + 4
    year_start = date(calendar.academic_year_of(term_start), 9, 1)
    born = date(year_start.year - age - 1, 9, 1) + timedelta(days=rng.randrange(365))
    sen = (
        "E"
        if phase == "special"
        else rng.choices("NKE", (1 - SEN_SUPPORT - EHC_PLAN, SEN_SUPPORT, EHC_PLAN))[0]
    )
    fsm = rng.random() < FSM
    first_year = {"primary": "R", "secondary": "7"}.get(phase, year)
    years_in = max(0, years.index(year) - years.index(first_year)) if first_year in years else 0
    admitted = date(year_start.year - years_in, 9, 1)
    left = None
    if days and rng.random() < 0.015:  # joins during the period
        admitted = days[rng.randrange(len(days))]
    elif days and rng.random() < 0.01:  # leaves during the period
        left = days[rng.randrange(len(days))]
    upn_body = f"{school.la_code}{school.urn % 10000:04d}{(year_start.year + serial // 1000) % 100:02d}{serial % 1000:03d}"
    upn = stdnum_upn.calc_check_digit(upn_body) + upn_body
    forename, surname = rng.choice(FORENAMES), rng.choice(SURNAMES)
    row = {
        "upn": upn,
        "legal_surname": surname,
        "legal_forename": forename,
        "date_of_birth": born,
        "sex": rng.choice("FM"),
        "year_group": year,
        "form": f"{year}{rng.choice('ABCD' if phase == 'secondary' else 'AB')}",
        "admission_date": admitted,
        "leaving_date": left or "",
        "sen": sen,
        "fsm": "Y" if fsm else "N",
        "ethnicity": "WBRI" if rng.random() < WHITE_BRITISH else rng.choice(list(ETHNICITIES)[1:18]),
        "eal": "Y" if rng.random() < EAL else "N",
        "looked_after": "Y" if rng.random() < LOOKED_AFTER else "N",
        "child_in_need": "Y" if rng.random() < CHILD_IN_NEED else "N",
        "young_carer": "Y" if rng.random() < YOUNG_CARER else "N",
        "home_address": f"{rng.randint(1, 140)} {rng.choice(STREETS)}",
    }
    demo = DemoPupil(upn, year, admitted, left, profile(rng, phase, year, fsm, sen, school_factor))
    return row, demo


def _contacts(db: Session, school: School, rng: random.Random) -> None:
    """Two emergency contacts each, one of them a parent the pupil lives with."""
    rows = []
    for pupil_id, surname, address in db.execute(
        select(Pupil.id, Pupil.legal_surname, Pupil.home_address).where(Pupil.school_id == school.id)
    ):
        for priority, (name, relation, lives) in enumerate(
            (
                (f"{rng.choice(FORENAMES)} {surname}", "Parent", True),
                (f"{rng.choice(FORENAMES)} {rng.choice(SURNAMES)}", "Grandparent", False),
            ),
            start=1,
        ):
            rows.append(
                {"school_id": school.id, "pupil_id": pupil_id, "name": name, "relationship_to_pupil": relation,
                 "address": address if lives else None, "phone": f"07{rng.randint(100000000, 999999999)}",
                 "parental_responsibility": lives, "lives_with_pupil": lives, "emergency_contact": True, "priority": priority}
            )  # fmt: skip
    if rows:
        db.execute(insert(PupilContact), rows)
    db.commit()


def _people(
    db: Session, spec: TrustSpec, trust: Trust, schools: list[School], rng: random.Random
) -> tuple[list[Login], dict[int, dict[Role, Recorder]]]:
    """The trust's leader and governor, and a lead and an attendance officer at every school; with who
    ticks each school's tasks, by the task's role."""
    first = schools[0]
    people = [
        (f"leader@{spec.domain}", "Sam Okoro", "Trust attendance lead", Role.TRUST_LEADER, trust, None),
        (f"governor@{spec.domain}", "Pat Lee", "Trustee", Role.GOVERNOR, trust, None),
        (f"lead@{spec.domain}", "Alex Morgan", LEAD_TITLE, Role.SCHOOL_LEAD, None, first),
        (f"staff@{spec.domain}", "Jo Patel", STAFF_TITLE, Role.STAFF, None, first),
    ]
    names = _names(rng, 2 * (len(schools) - 1), {"Sam Okoro", "Pat Lee", "Alex Morgan", "Jo Patel"})
    for n, s in enumerate(schools[1:]):
        people += [
            (f"lead.{s.urn}@{spec.domain}", names[2 * n], LEAD_TITLE, Role.SCHOOL_LEAD, None, s),
            (f"staff.{s.urn}@{spec.domain}", names[2 * n + 1], STAFF_TITLE, Role.STAFF, None, s),
        ]
    logins = []
    recorders: dict[int, dict[Role, Recorder]] = {s.id: {} for s in schools}
    for email, name, title, role, at_trust, at_school in people:
        user, _ = admin.add_user(
            db, email, name, title, role, trust=at_trust, school=at_school, password=DEMO_PASSWORD,
            safeguarding=role == Role.SCHOOL_LEAD,  # the demo's attendance leads are also the DSL
        )  # fmt: skip
        logins.append(Login(email, role.value, at_trust.name if at_trust else at_school.name))  # type: ignore[union-attr]
        if at_school is not None:
            recorders[at_school.id][role] = Recorder(user.id, user.name, user.job_title)
    return logins, recorders


def _names(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """Distinct staff names."""
    names: list[str] = []
    while len(names) < count:
        name = f"{rng.choice(FORENAMES)} {rng.choice(SURNAMES)}"
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names
