"""Reading the audit log: one chain's events, filtered by kind, person and dates, a page or all at once.

A trust's events are read through the ORM's tenant scoping (AuditEvent is TrustScoped) and by its chain,
after the route has checked the reader leads the trust; the platform's chain (no trust) is read
unscoped, for platform administrators only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.audit.models import PLATFORM_CHAIN, AuditEvent, chain_key
from app.audit.services import KINDS
from app.clock import local, parse_day, uk_moment
from tenants.models import School
from tenants.scoping import UNSCOPED

PER_PAGE = 50
COLUMNS = [
    ("seq", "Event"),
    ("when", "When (UK time)"),
    ("what", "What"),
    ("actor_name", "Who"),
    ("actor_email", "Their email"),
    ("school", "School"),
    ("subject", "About"),
    ("summary", "Details"),
    ("ip", "IP address"),
    # enough to check the chain outside Turnout: see app/audit/chain.py for the canonical form
    ("at", "At (UTC)"),
    ("kind", "Kind"),
    ("trust_id", "Trust id"),
    ("school_id", "School id"),
    ("actor_id", "User id"),
    ("prev_hash", "Previous hash"),
    ("hash", "Hash"),
]


@dataclass(frozen=True)
class LogFilter:
    """What the reader asked for, and what was wrong with it (each problem by field, in words)."""

    kind: str = ""
    person: str = ""
    start: date | None = None
    end: date | None = None
    problems: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, args: MultiDict[str, str]) -> LogFilter:
        problems: dict[str, str] = {}
        kind = (args.get("kind") or "").strip()
        if kind and kind not in KINDS:
            problems["kind"] = f"'{kind[:40]}' is not a kind of event: pick one from the list."
            kind = ""
        days: dict[str, date | None] = {}
        for name in ("start", "end"):
            text = (args.get(name) or "").strip()
            try:
                days[name] = parse_day(text) if text else None
            except ValueError as exc:
                problems[name], days[name] = str(exc), None
        start, end = days["start"], days["end"]
        if start and end and end < start:
            problems["end"] = f"The end date ({end:%-d %B %Y}) is before the start date ({start:%-d %B %Y})."
            end = None
        person = (args.get("person") or "").strip()[:200]
        return cls(kind, person, start, end, problems)

    def query_args(self) -> dict[str, str]:
        """The filter as URL parameters, for the page links and the CSV link."""
        found = {"kind": self.kind, "person": self.person}
        found |= {
            "start": self.start.isoformat() if self.start else "",
            "end": self.end.isoformat() if self.end else "",
        }
        return {k: v for k, v in found.items() if v}


@dataclass(frozen=True)
class LogPage:
    events: list[AuditEvent]
    total: int
    page: int
    pages: int

    @property
    def first(self) -> int:
        return (self.page - 1) * PER_PAGE + 1 if self.events else 0

    @property
    def last(self) -> int:
        return self.first + len(self.events) - 1 if self.events else 0


def _query(trust_id: int | None, wanted: LogFilter) -> Select:
    query = select(AuditEvent).where(chain_key() == (PLATFORM_CHAIN if trust_id is None else trust_id))
    if trust_id is None:
        query = query.execution_options(**UNSCOPED)  # platform events belong to no trust
    if wanted.kind:
        query = query.where(AuditEvent.kind == wanted.kind)
    if wanted.person:
        needle = wanted.person.lower()
        query = query.where(
            or_(
                *(
                    func.lower(column).contains(needle, autoescape=True)
                    for column in (AuditEvent.actor_name, AuditEvent.actor_email, AuditEvent.subject)
                )
            )
        )
    if wanted.start:
        query = query.where(AuditEvent.at >= uk_moment(wanted.start, time(0)))
    if wanted.end:
        query = query.where(AuditEvent.at < uk_moment(wanted.end + timedelta(days=1), time(0)))
    return query


def page_of(db: Session, trust_id: int | None, wanted: LogFilter, page: int) -> LogPage:
    """One page of a chain's events, newest first."""
    query = _query(trust_id, wanted)
    total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    events = db.scalars(query.order_by(AuditEvent.seq.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE))
    return LogPage(list(events), total, page, pages)


def school_names(db: Session, trust_id: int | None) -> dict[int, str]:
    if trust_id is None:
        return {}
    return {
        school_id: name
        for school_id, name in db.execute(select(School.id, School.name).where(School.trust_id == trust_id))
    }


def rows(db: Session, trust_id: int | None, wanted: LogFilter) -> list[dict]:
    """Every event the filter matches, oldest first, as rows for the CSV."""
    names = school_names(db, trust_id)
    return [
        {
            "seq": e.seq,
            "when": f"{local(e.at):%Y-%m-%d %H:%M:%S}",
            "what": KINDS.get(e.kind, e.kind),
            "actor_name": e.actor_name,
            "actor_email": e.actor_email,
            "school": names.get(e.school_id, "") if e.school_id else "",
            "subject": e.subject,
            "summary": e.summary,
            "ip": e.ip,
            "at": e.at.isoformat(timespec="microseconds"),
            "kind": e.kind,
            "trust_id": e.trust_id,
            "school_id": e.school_id,
            "actor_id": e.actor_id,
            "prev_hash": e.prev_hash,
            "hash": e.hash,
        }
        for e in db.scalars(_query(trust_id, wanted).order_by(AuditEvent.seq))
    ]
