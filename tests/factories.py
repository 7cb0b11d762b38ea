"""Factories that create data through the real services, as an administrator would."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session
from stdnum.gb import upn as stdnum_upn

from app.admin import services as admin
from app.registers.services import add_pupil
from tenants import context
from tenants.access import system_context
from tenants.models import Role, School, Trust
from tenants.scoping import UNSCOPED

PASSWORD = "correct horse battery staple"
_serial = itertools.count(1)


@dataclass(frozen=True)
class TrustRef:
    id: int
    slug: str


@dataclass(frozen=True)
class SchoolRef:
    id: int
    urn: int
    trust_id: int
    name: str


@dataclass(frozen=True)
class PupilRef:
    id: int
    upn: str
    school_id: int
    urn: int


def valid_upn(la_code: str = "801", serial: int | None = None) -> str:
    body = f"{la_code}{1234:04d}{24:02d}{(serial if serial is not None else next(_serial)) % 1000:03d}"
    return stdnum_upn.calc_check_digit(body) + body


class Factory:
    def __init__(self, db: Session) -> None:
        self.db = db

    def trust(self, slug: str, name: str) -> TrustRef:
        trust = admin.add_trust(self.db, slug, name)
        return TrustRef(trust.id, trust.slug)

    def school(self, trust: TrustRef, urn: int, name: str, phase: str, la_code: str = "926") -> SchoolRef:
        found = self.db.get(Trust, trust.id, execution_options=UNSCOPED)
        assert found is not None
        school = admin.add_school(self.db, found, urn, name, phase, la_code)
        return SchoolRef(school.id, school.urn, school.trust_id, school.name)

    def user(
        self,
        email: str,
        role: str,
        *,
        trust: TrustRef | None = None,
        school: SchoolRef | None = None,
        password: str = PASSWORD,
        title: str = "Attendance officer",
    ) -> str:
        user, _ = admin.add_user(
            self.db,
            email,
            email.split("@")[0].replace(".", " ").title(),
            title,
            Role(role),
            trust=self.db.get(Trust, trust.id, execution_options=UNSCOPED) if trust else None,
            school=self.db.get(School, school.id, execution_options=UNSCOPED) if school else None,
            password=password,
        )
        return user.email

    def pupil(self, school: SchoolRef, *, surname: str = "Smith", **values: object) -> PupilRef:
        fields = {
            "upn": valid_upn(),
            "legal_surname": surname,
            "legal_forename": "Sam",
            "date_of_birth": date(2015, 3, 14),
            "sex": "F",
            "year_group": "5",
            "form": "5A",
            "admission_date": date(2021, 9, 1),
        }
        fields.update(values)
        with context.use(system_context(self.db, "test-factory", trust_id=school.trust_id)):
            school_row = self.db.get(School, school.id)
            pupil = add_pupil(self.db, school_row, fields)
            self.db.commit()
            return PupilRef(pupil.id, pupil.upn, school.id, school.urn)
