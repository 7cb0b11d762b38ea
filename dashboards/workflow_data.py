"""What the trust's workflow compliance page shows, from app.workflow.compliance (sums over task instances,
one per task and period, never marks).

Every function takes the trust's slug from the browser and finds the trust again for the signed-in user,
so a forged request naming another trust (or a school of another trust) is simply not found.
"""

from __future__ import annotations

from flask import abort

from app.access import trust_or_404
from app.clock import now_and_today
from app.db import get_session
from app.workflow.compliance import (
    TRUST_WINDOWS,
    TrustCompliance,
    TrustTrend,
    trust_compliance,
    trust_schools,
    trust_trend,
)
from tenants.models import School, Trust


def trust_for_leaders(slug: object) -> Trust:
    """The trust, if the signed-in user leads it; 404 for any other trust, and for everyone else."""
    if not isinstance(slug, str):
        abort(404)
    return trust_or_404(slug)


def schools_of(trust: Trust) -> list[School]:
    return trust_schools(get_session(), trust)


def weeks_of(value: object) -> int:
    """A window picked in the browser; anything the page does not offer is a bad request."""
    if isinstance(value, bool) or value not in TRUST_WINDOWS:
        abort(400)
    return int(value)  # type: ignore[call-overload]


def heatmap(slug: object, weeks: int) -> tuple[Trust, TrustCompliance]:
    """Each school's on-time figures by cadence over the last `weeks` weeks."""
    trust = trust_for_leaders(slug)
    now, today = now_and_today()
    return trust, trust_compliance(get_session(), schools_of(trust), today, now, weeks)


def trend(slug: object, urns: object) -> tuple[list[School], TrustTrend]:
    """The trust's weekly figures this academic year, and the schools picked for a line of their own."""
    trust = trust_for_leaders(slug)
    schools = schools_of(trust)
    picked = [] if urns is None else urns if isinstance(urns, list) else [urns]
    if not all(isinstance(u, int) and not isinstance(u, bool) for u in picked):
        abort(400)  # the page only ever sends whole-number URNs
    if not set(picked) <= {s.urn for s in schools}:
        abort(404)  # another trust's school, or one that does not exist
    now, today = now_and_today()
    return [s for s in schools if s.urn in picked], trust_trend(get_session(), schools, today, now)
