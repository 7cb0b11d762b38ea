"""JSON API for MIS integrations: POST marks with a per-school bearer token; OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select

from app.api import services
from app.api.openapi import OPENAPI
from app.db import get_session
from app.extensions import csrf
from app.registers.fields import control_character
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
MAX_REASON = 500  # as on the register pages
FIELDS = ("upn", "date", "session", "code")


def _error(status: int, message: str, **extra: Any):  # type: ignore[no-untyped-def]
    response = jsonify({"error": message, **extra})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="turnout"'
    return response


def error_outside_view(status: int):  # type: ignore[no-untyped-def]
    """JSON, not the HTML error page, for an error under /api/ that no view answered (unknown path, body
    too large, a crash): an MIS reads the body, and the OpenAPI document promises JSON."""
    limit = current_app.config["MAX_CONTENT_LENGTH"] // 2**20
    messages = {
        403: "this token may not do that",
        404: "there is no such API path; the paths are listed at /api/v1/openapi.json",
        413: f"the request is larger than {limit} MiB; send the marks in smaller batches",
        429: "too many requests; wait a minute and send them again",
        500: "the server failed; nothing was written",
    }
    return _error(status, messages.get(status, "the request could not be read; nothing was written"))


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    return jsonify(OPENAPI)


def _whole(field: str | None, message: str) -> list[dict[str, Any]]:
    """A problem with the request as a whole rather than one of its marks."""
    return [{"entry": None, "field": field, "message": message}]


def _entry_problems(body: Any) -> list[dict[str, Any]]:
    """Shape checks before the register rules: an object with a list of mark objects."""
    if not isinstance(body, dict) or not isinstance(body.get("marks"), list):
        return _whole("marks", "send an object with a 'marks' list")
    if not body["marks"]:
        return _whole("marks", "the 'marks' list is empty")
    if len(body["marks"]) > MAX_ENTRIES:
        return _whole("marks", f"send at most {MAX_ENTRIES} marks per request")
    if unknown := set(body) - {"marks", "reason"}:
        return _whole(None, f"unknown fields: {', '.join(sorted(unknown))}")
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        return _whole("reason", f"'reason' should be text of at most {MAX_REASON} characters")
    if found := control_character(reason):
        return _whole("reason", f"'reason' holds a control character ({found}); write it as plain text")
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
    school = (  # URNs have six digits; a longer number overflows PostgreSQL's integer
        db.scalar(select(School).where(School.urn == urn).execution_options(**UNSCOPED))
        if 100000 <= urn <= 999999
        else None
    )
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
