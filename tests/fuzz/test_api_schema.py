"""Schemathesis against /api/v1/openapi.json, in process: no server error, and every answer (status, content
type, body) is one the document describes; a refused request writes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
import schemathesis
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, CheckFunction, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session

from app.registers.codes import CODES, LATE_CODES
from tests.conftest import World
from tests.fuzz.conftest import api_token, bounded
from tests.fuzz.snapshot import Snapshot
from tests.fuzz.tables import ADMITTED, LAST_WEEK

MARKS = "/schools/{urn}/marks"
EXAMPLES = 60  # per run with a real token
REFUSED_EXAMPLES = 20  # per generation mode and kind of missing token
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
_DAYS = [d for d in (LAST_WEEK - timedelta(days=n) for n in range(60)) if d.weekday() < 5 and d > ADMITTED]
_CODES = sorted(CODES)


def _steer(case: Case, data: st.DataObject, on_roll: tuple[str, ...]) -> None:
    """Make most generated marks real (a pupil on roll, a school day, a code) so requests reach the register
    rules and some are accepted; the other fields stay as schemathesis made them."""
    body = case.body
    if not (isinstance(body, dict) and isinstance(body.get("marks"), list)):
        return
    for entry in body["marks"]:
        if isinstance(entry, dict) and data.draw(st.integers(0, 4), label="steer this mark") > 0:
            code = data.draw(st.sampled_from(_CODES), label="code")
            entry.update(
                upn=data.draw(st.sampled_from(on_roll), label="upn"),
                date=data.draw(st.sampled_from(_DAYS), label="day").isoformat(),
                session=data.draw(st.sampled_from(["AM", "PM"]), label="session"),
                code=code,
            )
            if code not in LATE_CODES:
                entry.pop("minutes_late", None)


def _statuses(
    snap: Snapshot,
    strategy: st.SearchStrategy[Case],
    checks: list[CheckFunction],
    steer: Callable[[Case, st.DataObject], None] | None = None,
    examples: int = EXAMPLES,
) -> Counter[int]:
    """Send each generated case; every answer passes the checks, and one that is not 200 wrote nothing."""
    seen: Counter[int] = Counter()

    @bounded(examples)
    @given(case=strategy, data=st.data())
    def run(case: Case, data: st.DataObject) -> None:
        if steer:
            steer(case, data)
        before = snap.digest()
        response = case.call_and_validate(checks=checks)
        seen[response.status_code] += 1
        if response.status_code == 200:
            snap.written()
        else:
            assert snap.changed(before) == [], f"{response.status_code} but the database changed"

    run()
    return seen


@pytest.fixture
def marks_operation(app: Flask) -> APIOperation:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)[MARKS]["POST"]


def test_valid_requests_with_a_real_token_conform_and_some_are_accepted(
    db: Session, world: World, on_roll: tuple[str, ...], snap: Snapshot, marks_operation: APIOperation
) -> None:
    auth = {"Authorization": f"Bearer {api_token(db, world.a1.id)}"}
    strategy = marks_operation.as_strategy(
        GenerationMode.POSITIVE, headers=auth, path_parameters={"urn": world.a1.urn}
    )
    seen = _statuses(snap, strategy, CHECKS, lambda case, data: _steer(case, data, on_roll))
    assert seen[200] and seen[400], seen  # the register took some, and refused others with their problems


def test_invalid_requests_with_a_real_token_are_refused_as_documented(
    db: Session, world: World, snap: Snapshot, marks_operation: APIOperation
) -> None:
    auth = {"Authorization": f"Bearer {api_token(db, world.a1.id)}"}
    strategy = marks_operation.as_strategy(GenerationMode.NEGATIVE, headers=auth)
    seen = _statuses(snap, strategy, [*CHECKS, negative_data_rejection])
    assert set(seen) <= {400, 404, 413, 415}, seen


def test_requests_without_this_school_s_token_are_refused_as_documented(
    db: Session, world: World, snap: Snapshot, marks_operation: APIOperation
) -> None:
    tokens = {
        "none": {},
        "unknown": {"Authorization": "Bearer tnt_not-a-real-token"},
        "another school's": {"Authorization": f"Bearer {api_token(db, world.b1.id)}"},
    }
    for token, headers in tokens.items():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = marks_operation.as_strategy(
                mode, headers=headers, path_parameters={"urn": world.a1.urn}
            )
            seen = _statuses(snap, strategy, CHECKS, examples=REFUSED_EXAMPLES)
            assert set(seen) <= {401, 404}, (token, mode, seen)
