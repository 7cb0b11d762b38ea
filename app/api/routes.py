"""JSON API for MIS integrations: POST marks with a per-school bearer token; OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from app.api import services
from app.api.openapi import OPENAPI
from app.db import get_session
from app.extensions import csrf
from app.registers.importer import ImportRejected
from app.registers.mark_blocks import EntryRecords
from app.registers.mark_import import import_marks
from app.registers.recording import Recorder
from tenants import context
from tenants.context import TenantContext
from tenants.models import School
from tenants.scoping import UNSCOPED

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
MAX_ENTRIES = 200_000
FIELDS = ("upn", "date", "session", "code")


def _error(status: int, message: str, **extra: Any):  # type: ignore[no-untyped-def]
    response = jsonify({"error": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="turnout"'
    return response


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(OPENAPI)


def _entry_problems(body: Any) -> list[dict[str, Any]]:
    """Shape checks before the register rules: an object with a list of mark objects."""
    if not isinstance(body, dict) or not isinstance(body.get("marks"), list):
        return [{"entry": None, "field": "marks", "message": "send an object with a 'marks' list"}]
    if not body["marks"]:
        return [{"entry": None, "field": "marks", "message": "the 'marks' list is empty"}]
    if len(body["marks"]) > MAX_ENTRIES:
        return [{"entry": None, "field": "marks", "message": f"send at most {MAX_ENTRIES} marks per request"}]
    if "reason" in body and not isinstance(body["reason"], str):
        return [{"entry": None, "field": "reason", "message": "'reason' should be a string"}]
    problems = []
    for i, entry in enumerate(body["marks"]):
        if not isinstance(entry, dict):
            problems.append({"entry": i, "field": None, "message": "each mark should be an object"})
            continue
        for name in FIELDS:
            if not isinstance(entry.get(name), str):
                problems.append({"entry": i, "field": name, "message": f"'{name}' is required as a string"})
        minutes = entry.get("minutes_late")
        if minutes is not None and (not isinstance(minutes, int) or isinstance(minutes, bool)):
            problems.append(
                {"entry": i, "field": "minutes_late", "message": "'minutes_late' should be a whole number"}
            )
        unknown = set(entry) - {*FIELDS, "minutes_late"}
        if unknown:
            problems.append(
                {"entry": i, "field": None, "message": f"unknown fields: {', '.join(sorted(unknown))}"}
            )
    return problems


@bp.post("/schools/<int:urn>/marks")
def post_marks(urn: int):  # type: ignore[no-untyped-def]
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or not header[7:].strip():
        return _error(401, "send the school's API token as 'Authorization: Bearer <token>'")
    db = get_session()
    school = db.scalar(select(School).where(School.urn == urn).execution_options(**UNSCOPED))
    not_found = "no school with this URN accepts this token"
    if school is None:
        return _error(404, not_found)
    with context.use(TenantContext.of({school.id}, {school.trust_id}, reason="api-token")):
        token = services.authenticate(db, school, header[7:].strip())
        if token is None:
            db.rollback()
            return _error(404, not_found)
        db.commit()
        if not request.is_json:
            return _error(415, "send the marks as JSON (Content-Type: application/json)")
        body = request.get_json(silent=True)
        problems = _entry_problems(body)
        if problems:
            return _error(400, "the request was refused; nothing was written", problems=problems)
        try:
            result = import_marks(
                db,
                school,
                EntryRecords(body["marks"]),
                source="api",
                description=f"API: {token.name}",
                recorder=Recorder(None, f"API token '{token.name}'", "MIS integration"),
                reason=body.get("reason") or f"MIS import: API token '{token.name}'",
            )
        except ImportRejected as exc:
            listed = [
                {"entry": p.line - 2 if p.line >= 2 else None, "field": p.column, "message": p.message}
                for p in exc.problems
            ]
            return _error(400, "the marks were refused; nothing was written", problems=listed)
    return jsonify(
        {"received": result.rows, "new": result.new, "amended": result.amended, "unchanged": result.unchanged,
         "batch": result.batch_id}
    )  # fmt: skip
