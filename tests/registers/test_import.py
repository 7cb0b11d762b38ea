"""Pupils CSV import: all or nothing, every problem named by line, upserts keep history."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.registers.importer import ImportRejected, import_pupils, parse_pupils_csv
from app.registers.models import Pupil, PupilRevision
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tenants.scoping import UNSCOPED
from tests.conftest import World
from tests.factories import valid_upn

HEADER = "upn,legal_surname,legal_forename,date_of_birth,sex,year_group,admission_date"


def _csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _school(db: Session, world: World) -> School:
    school = db.get(School, world.a1.id, execution_options=UNSCOPED)
    assert school is not None
    return school


def _import(db: Session, world: World, data: bytes, name: str = "pupils.csv"):  # type: ignore[no-untyped-def]
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        return import_pupils(
            db,
            _school(db, world),
            data,
            source=f"CSV import: {name}",
            by_name="Ann Example",
            by_title="Data manager",
        )


def _pupils(db: Session, world: World) -> dict[str, Pupil]:
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        return {p.upn: p for p in db.scalars(select(Pupil).where(Pupil.school_id == world.a1.id))}


def test_good_file_is_imported(db: Session, world: World) -> None:
    u1, u2 = valid_upn(), valid_upn()
    result = _import(
        db,
        world,
        _csv(f"{u1},Khan,Aisha,2014-05-02,F,6,2019-09-03", f"{u2},Nowak,Kacper,2016-11-30,M,4,2021-09-01"),
    )
    assert (result.added, result.updated) == (2, 0)
    pupils = _pupils(db, world)
    assert pupils[u1].legal_surname == "Khan" and pupils[u2].year_group == "4"
    assert pupils[u1].sen == "N" and pupils[u1].fsm is False


def test_optional_columns_and_flags(db: Session, world: World) -> None:
    upn = valid_upn()
    header = HEADER + ",preferred_forename,form,fsm,sen,ethnicity,eal,looked_after,child_in_need,young_carer"
    _import(
        db,
        world,
        _csv(f"{upn},Okafor,Chidinma,2013-01-15,F,7,2024-09-04,Chidi,7K,Y,K,BAFR,Y,N,Y,N", header=header),
    )
    pupil = _pupils(db, world)[upn]
    assert pupil.display_name == "Chidi Okafor"
    assert (pupil.fsm, pupil.sen, pupil.ethnicity, pupil.eal, pupil.child_in_need) == (
        True,
        "K",
        "BAFR",
        True,
        True,
    )


def test_bad_file_names_every_line_and_writes_nothing(db: Session, world: World) -> None:
    good = valid_upn()
    wrong_letter = valid_upn()
    wrong_letter = ("A" if wrong_letter[0] != "A" else "B") + wrong_letter[1:]
    dup = valid_upn()
    data = _csv(
        f"{good},Good,Pupil,2015-01-01,F,5,2021-09-01",  # line 2
        f"{wrong_letter},Bad,Letter,2015-01-01,F,5,2021-09-01",  # line 3
        f"{dup},Bad,Date,2015-02-30,M,5,2021-09-01",  # line 4
        f"{dup},Dup,Licate,2015-01-01,M,5,2021-09-01",  # line 5
        f"{valid_upn()},Bad,Year,2015-01-01,F,Y5,2021-09-01",  # line 6
    )
    with pytest.raises(ImportRejected) as caught:
        _import(db, world, data)
    lines = {p.line for p in caught.value.problems}
    assert lines == {3, 4, 5, 6}
    messages = " | ".join(str(p) for p in caught.value.problems)
    assert "line 3, column upn" in messages and "check letter" in messages
    assert "line 4, column date_of_birth: '2015-02-30' is not a real date" in messages
    assert "line 5, column upn" in messages and "also appears on line 4" in messages
    assert "line 6, column year_group" in messages
    assert good not in _pupils(db, world)


def test_missing_required_column_is_named(db: Session, world: World) -> None:
    header = "upn,legal_surname,legal_forename,date_of_birth,sex,admission_date"
    with pytest.raises(ImportRejected) as caught:
        _import(db, world, _csv(f"{valid_upn()},A,B,2015-01-01,F,2021-09-01", header=header))
    assert [str(p) for p in caught.value.problems] == [
        "line 1, column year_group: required column 'year_group' is missing"
    ]


@pytest.mark.parametrize(
    ("row", "column", "fragment"),
    [
        ("{upn},Smith,Jo,2015-01-01,X,5,2021-09-01", "sex", "not a known sex"),
        ("{upn},Smith,Jo,01/02/2015,F,5,2021-09-01", "date_of_birth", "YYYY-MM-DD"),
        ("{upn},,Jo,2015-01-01,F,5,2021-09-01", "legal_surname", "required"),
        ("{upn},Smith,Jo,2015-01-01,F,5,2014-09-01", "admission_date", "before the date of birth"),
        ("A12345,Smith,Jo,2015-01-01,F,5,2021-09-01", "upn", "13 characters"),
    ],
)
def test_each_kind_of_bad_value_is_explained(row: str, column: str, fragment: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_pupils_csv(_csv(row.format(upn=valid_upn())))
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (2, column)
    assert fragment in problem.message


def test_ragged_row_and_non_utf8_are_refused() -> None:
    with pytest.raises(ImportRejected) as ragged:
        parse_pupils_csv(_csv(f"{valid_upn()},Smith,Jo,2015-01-01,F,5"))
    assert "has 6 fields but the header has 7" in str(ragged.value.problems[0])
    with pytest.raises(ImportRejected) as encoding:
        parse_pupils_csv(HEADER.encode() + b"\n\xff\xfe,bad\n")
    assert encoding.value.problems[0].line == 2 and "UTF-8" in encoding.value.problems[0].message


def test_reimport_updates_by_upn_and_keeps_history(db: Session, world: World) -> None:
    upn = valid_upn()
    _import(db, world, _csv(f"{upn},Brown,Lily,2015-06-01,F,4,2020-09-01"))
    again = _import(db, world, _csv(f"{upn},Brown,Lily,2015-06-01,F,4,2020-09-01"))
    assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
    changed = _import(db, world, _csv(f"{upn},Brown-Smith,Lily,2015-06-01,F,5,2020-09-01"), name="autumn.csv")
    assert changed.updated == 1
    pupil = _pupils(db, world)[upn]
    assert (pupil.legal_surname, pupil.year_group) == ("Brown-Smith", "5")
    with context.use(system_context(db, "test", trust_id=world.trust_a.id)):
        (revision,) = db.scalars(select(PupilRevision).where(PupilRevision.pupil_id == pupil.id)).all()
    assert revision.changes == {"legal_surname": ["Brown", "Brown-Smith"], "year_group": ["4", "5"]}
    assert (revision.source, revision.changed_by_name, revision.changed_by_title) == (
        "CSV import: autumn.csv",
        "Ann Example",
        "Data manager",
    )
