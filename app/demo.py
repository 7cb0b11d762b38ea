"""A small demo: two trusts with schools, pupils and one user per role, for trying Turnout out."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.gb import upn as stdnum_upn

from app.admin import services as admin
from app.registers.models import ETHNICITIES, Pupil, PupilContact
from app.registers.services import add_pupil
from tenants import context
from tenants.access import system_context
from tenants.models import Phase, Role, School, Trust
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
]
STREETS = [
    "Church Road",
    "Station Road",
    "Victoria Street",
    "Park Avenue",
    "Mill Lane",
    "The Green",
    "Queens Road",
]


@dataclass(frozen=True)
class DemoSchool:
    urn: int
    name: str
    phase: Phase
    la_code: str
    years: tuple[str, ...]


@dataclass(frozen=True)
class DemoTrust:
    slug: str
    name: str
    domain: str
    schools: tuple[DemoSchool, ...]


PRIMARY_YEARS = ("R", "1", "2", "3", "4", "5", "6")
SECONDARY_YEARS = ("7", "8", "9", "10", "11")
TRUSTS = (
    DemoTrust(
        "northern-lights",
        "Northern Lights Academy Trust",
        "northern-lights.example",
        (
            DemoSchool(149001, "Riverside Primary Academy", Phase.PRIMARY, "926", PRIMARY_YEARS),
            DemoSchool(149002, "Hillcrest Academy", Phase.SECONDARY, "926", SECONDARY_YEARS),
            DemoSchool(149003, "Marshland Primary School", Phase.PRIMARY, "926", PRIMARY_YEARS),
        ),
    ),
    DemoTrust(
        "oak-valley",
        "Oak Valley Learning Trust",
        "oak-valley.example",
        (
            DemoSchool(149101, "Oak Valley Primary", Phase.PRIMARY, "335", PRIMARY_YEARS),
            DemoSchool(149102, "Walsall Wood Academy", Phase.SECONDARY, "335", SECONDARY_YEARS),
            DemoSchool(149103, "Brook Lane Primary", Phase.PRIMARY, "335", PRIMARY_YEARS),
        ),
    ),
)


@dataclass(frozen=True)
class Login:
    email: str
    role: str
    where: str


def academic_year_start(today: date) -> date:
    """1 September of the current academic year (the year runs 1 August to 31 July)."""
    year = today.year if today.month >= 8 else today.year - 1
    return date(year, 9, 1)


def make_upn(rng: random.Random, la_code: str, serial: int) -> str:
    """A valid UPN: check letter, LA code, a school number, allocation year and serial."""
    body = f"{la_code}{rng.randint(2000, 7999):04d}{rng.randint(10, 25):02d}{serial % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body


def _age_for_year(year_group: str) -> int:
    return 4 if year_group == "R" else int(year_group) + 4


def _pupil_values(rng: random.Random, school: DemoSchool, serial: int, today: date) -> dict:
    year_group = rng.choice(school.years)
    start = academic_year_start(today)
    born = date(start.year - _age_for_year(year_group) - 1, 9, 1) + timedelta(days=rng.randint(0, 364))
    entry_year = {"R": 0, "7": 0}.get(year_group, rng.randint(0, 3))
    admitted = date(start.year - entry_year, 9, rng.randint(2, 6))
    sen = rng.choices("NKE", weights=(83, 13, 4))[0]
    values = {
        "upn": make_upn(rng, school.la_code, serial),
        "legal_forename": rng.choice(FORENAMES),
        "legal_surname": rng.choice(SURNAMES),
        "date_of_birth": born,
        "sex": rng.choice("FM"),
        "year_group": year_group,
        "form": f"{year_group}{rng.choice('ABC')}",
        "home_address": f"{rng.randint(1, 120)} {rng.choice(STREETS)}",
        "postcode": f"NR{rng.randint(1, 30)} {rng.randint(1, 9)}{rng.choice('ABDEFG')}{rng.choice('HJLNPQ')}",
        "sen": sen,
        "fsm": rng.random() < 0.26,
        "ethnicity": rng.choices(list(ETHNICITIES), k=1)[0] if rng.random() < 0.3 else "WBRI",
        "eal": rng.random() < 0.2,
        "looked_after": rng.random() < 0.01,
        "child_in_need": rng.random() < 0.03,
        "young_carer": rng.random() < 0.02,
        "admission_date": admitted,
    }
    return values


def _add_contacts(db: Session, pupil: Pupil, rng: random.Random) -> None:
    parent = f"{rng.choice(FORENAMES)} {pupil.legal_surname}"
    other = f"{rng.choice(FORENAMES)} {rng.choice(SURNAMES)}"
    for priority, (name, relation, pr, lives) in enumerate(
        [(parent, "Parent", True, True), (other, "Grandparent", False, False)], start=1
    ):
        db.add(
            PupilContact(
                school_id=pupil.school_id,
                pupil_id=pupil.id,
                name=name,
                relationship_to_pupil=relation,
                address=pupil.home_address if lives else None,
                phone=f"07{rng.randint(100000000, 999999999)}",
                parental_responsibility=pr,
                lives_with_pupil=lives,
                emergency_contact=True,
                priority=priority,
            )
        )


def demo_exists(db: Session) -> bool:
    return db.scalar(select(Trust.id).limit(1).execution_options(**UNSCOPED)) is not None


def load_demo(
    db: Session,
    *,
    schools_per_trust: int = 2,
    pupils_per_school: int = 12,
    seed: int = 2026,
    today: date | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[Login]:
    """Create the demo trusts; refuses to run twice so real data is never mixed with it."""
    today = today or date.today()
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    logins: list[Login] = []
    for spec in TRUSTS:
        trust = admin.add_trust(db, spec.slug, spec.name)
        schools: list[School] = []
        for school_spec in spec.schools[:schools_per_trust]:
            schools.append(
                admin.add_school(
                    db, trust, school_spec.urn, school_spec.name, school_spec.phase, school_spec.la_code
                )
            )
            progress(f"{spec.name}: {school_spec.name}")
        with context.use(system_context(db, "demo", trust_id=trust.id)):
            for school, school_spec in zip(schools, spec.schools, strict=False):
                for serial in range(pupils_per_school):
                    pupil = add_pupil(db, school, _pupil_values(rng, school_spec, serial, today))
                    db.flush()
                    _add_contacts(db, pupil, rng)
            db.commit()
        first = schools[0]
        people = [
            (f"leader@{spec.domain}", "Sam Okoro", "Trust attendance lead", Role.TRUST_LEADER, trust, None),
            (f"governor@{spec.domain}", "Pat Lee", "Trustee", Role.GOVERNOR, trust, None),
            (
                f"lead@{spec.domain}",
                "Alex Morgan",
                "Senior attendance champion",
                Role.SCHOOL_LEAD,
                None,
                first,
            ),
            (f"staff@{spec.domain}", "Jo Patel", "Attendance officer", Role.STAFF, None, first),
        ]
        for email, name, title, role, at_trust, at_school in people:
            admin.add_user(
                db, email, name, title, role, trust=at_trust, school=at_school, password=DEMO_PASSWORD
            )
            where = at_trust.name if at_trust else at_school.name  # type: ignore[union-attr]
            logins.append(Login(email, role.value, where))
    return logins
