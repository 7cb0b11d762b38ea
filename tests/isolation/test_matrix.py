"""The isolation matrix: every route x every role that may not see a school x that school's ids, on SQLite and
PostgreSQL, with canaries planted in every text field of the school's data and searched for in every answer
(pages, JSON, CSV, PDF text, spreadsheets, Dash callbacks and downloads, error pages)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.conftest import World
from tests.helpers import SAME_SITE, csrf_token, page_body, signed_in
from tests.isolation import dash_calls, probe
from tests.isolation.canaries import TRUST_A_NAMES, Planted, plant, plant_trust, row_counts

POSTED = {"name": "x", "leaving_date": "2025-01-01", "note": "x", "reason": "x", "title": "x", "body": "x"}


@dataclass
class Tenants:
    """Trust A's two schools and trust B's one, each full of canaries, and trust A's own."""

    a1: Planted
    a2: Planted
    b1: Planted
    trust_a: dict[str, str]

    def of_trust_a(self) -> dict[str, str]:
        return {**self.a1.every(), **self.a2.every(), **self.trust_a, **TRUST_A_NAMES}


@pytest.fixture
def tenants(app: Flask, db: Session, world: World) -> Tenants:
    today = date.today()
    trust_a = plant_trust(app, db, world.trust_a.id, "ta")
    return Tenants(
        plant(app, db, world.a1, "a1", today),
        plant(app, db, world.a2, "a2", today, documents=False),  # its routes are only ever refused
        plant(app, db, world.b1, "b1", today),
        trust_a,
    )


class Findings:
    """Every problem of a run, so one failure lists them all (a server error is one, not the end)."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def check(
        self, who: str, what: str, send: Callable[[], TestResponse], canaries: dict[str, str],
        statuses: set[int] | None,
    ) -> tuple[TestResponse | None, str]:  # fmt: skip
        """Send the request; note a wrong status, any server error and every canary in the answer, and
        return the answer with its text."""
        try:
            response = send()
        except Exception as exc:  # noqa: BLE001 - the app raised: a server error, noted with its cause
            self.found.append(f"{who}: {what} raised {exc!r}")
            return None, ""
        text = probe.text_of(response)
        if statuses is not None and response.status_code not in statuses:
            self.found.append(f"{who}: {what} answered {response.status_code}, expected {sorted(statuses)}")
        elif response.status_code >= 500:
            self.found.append(f"{who}: {what} answered {response.status_code}")
        for leak in probe.leaks(text, canaries):
            self.found.append(f"{who}: {what} ({response.status_code}) shows {leak}")
        return response, text

    def assert_none(self) -> None:
        assert not self.found, f"{len(self.found)} findings:\n" + "\n".join(self.found[:80])


def _visit_own(
    app: Flask, client: FlaskClient, who: str, own: Planted, canaries: dict[str, str], findings: Findings
) -> str:
    """Every GET of the user's own school and trust, Dash pages and callbacks included, and a search of their
    own school for a name they may not read (cut short, so a hit shows more than the search typed);
    returns all the text they were shown."""
    seen = []
    name = next((c for c, f in canaries.items() if f == "surname"), "Canaryalder")
    urls = [c.url for c in probe.calls(app, own.ids, frozenset({"GET"})) + probe.plain_gets(app)]
    for url in urls + own.query_urls(name[:-2]):
        seen.append(findings.check(who, f"GET {url}", partial(client.get, url), canaries, None)[1])
    values: dict[tuple[str, str], object] = {}
    for path in probe.dash_page_paths(own.ids):
        send = partial(client.post, dash_calls.UPDATE, json=page_body(path), headers=SAME_SITE)
        response, text = findings.check(who, f"Dash page {path}", send, canaries, None)
        seen.append(text)
        if response is not None and response.status_code == 200:
            values |= dash_calls.drawn(response)
    keys = {"urn": own.school.urn, "slug": own.slug, "urns": [own.school.urn]}
    for callback in dash_calls.registered(client):
        for trigger in dash_calls.triggers(callback):
            body = dash_calls.body(callback, values, keys, trigger)
            send = partial(client.post, dash_calls.UPDATE, json=body, headers=SAME_SITE)
            seen.append(
                findings.check(who, f"Dash callback {callback.name} by {trigger}", send, canaries, None)[1]
            )
    return "\n".join(seen)


def _visit_foreign(
    app: Flask, client: FlaskClient, who: str, other: Planted, canaries: dict[str, str], findings: Findings
) -> None:
    """Every route with the other school's ids, GET and POST (with a valid CSRF token): not found."""
    token = csrf_token(client, "/account/password")
    first = {name: values[:1] for name, values in other.ids.items()}  # the second of a kind adds nothing here
    for call in probe.calls(app, first):
        if call.method == "GET":
            send = partial(client.get, call.url)
        else:
            send = partial(client.post, call.url, data={**POSTED, "csrf_token": token})
        expected = {401} if call.endpoint.startswith("api.") else {404}  # the API takes tokens, not sessions
        findings.check(who, f"{call.method} {call.url}", send, canaries, expected)
    for url in other.query_urls("zq"):
        findings.check(who, f"GET {url}", partial(client.get, url), canaries, {404})
    for path in probe.dash_page_paths(other.ids):
        send = partial(client.post, dash_calls.UPDATE, json=page_body(path), headers=SAME_SITE)
        findings.check(who, f"Dash page {path}", send, canaries, {404})


@dataclass(frozen=True)
class Case:
    """A user, the school whose pages are theirs, the schools they may not open, and what they may not read."""

    who: str
    own: str
    others: tuple[str, ...]
    forbidden: Callable[[Tenants], dict[str, str]]


def _not_a1(t: Tenants) -> dict[str, str]:
    return {**t.a1.pupil, **t.a1.school_only, **t.a1.restricted, **t.a2.restricted}


def _not_a2(t: Tenants) -> dict[str, str]:
    return {**t.a2.pupil, **t.a2.school_only, **t.a2.restricted, **t.a1.restricted}


def _no_pupils(t: Tenants) -> dict[str, str]:
    return {**t.a1.pupil, **t.a1.restricted, **t.a2.pupil, **t.a2.restricted}


CASES = [
    Case("b_leader", "b1", ("a1",), Tenants.of_trust_a),
    Case("b1_lead", "b1", ("a1",), Tenants.of_trust_a),
    Case("b1_staff", "b1", ("a1",), Tenants.of_trust_a),
    Case("a1_lead", "a1", ("a2",), _not_a2),  # safeguarding notes need the DSL permission, which no one has
    Case("a1_staff", "a1", ("a2",), _not_a2),
    Case("a2_lead", "a2", ("a1",), _not_a1),
    Case("a_governor", "a1", (), _no_pupils),  # design.md rule 6: aggregate figures only
]
REFUSED = {204, 400, 403, 404}  # a forged callback: refused, or PreventUpdate's empty answer
# Reading one's own pages runs the same ORM filters on both databases, and PostgreSQL's row-level security
# can only hide more, so SQLite is the stricter place to search them; on PostgreSQL one case reads its own
# pages too, trust B's leader (the widest view: trust pages, the audit log and benchmarks, kept in tables that
# are keyed by trust and so have no RLS), and every case is refused the other schools' routes.
OWN_ON_POSTGRESQL = {"b_leader"}


def _forge(
    client: FlaskClient, who: str, own: Planted, other: Planted, values: dict, canaries: dict[str, str],
    findings: Findings,
) -> None:  # fmt: skip
    """Every callback that reads tenant data, with the other school's keys (all, then each alone)."""
    mine = {"urn": own.school.urn, "slug": own.slug, "urns": [own.school.urn]}
    theirs = {"urn": other.school.urn, "slug": other.slug, "urns": [other.school.urn]}
    for callback in dash_calls.registered(client):
        if not callback.keys():
            continue
        for keys in dash_calls.key_variants(mine, theirs, callback):
            body = dash_calls.body(callback, values, keys)
            send = partial(client.post, dash_calls.UPDATE, json=body, headers=SAME_SITE)
            findings.check(who, f"forged callback {callback.name} with {keys}", send, canaries, REFUSED)


def test_no_one_reads_what_is_not_theirs(
    app: Flask, db: Session, world: World, tenants: Tenants, database_url: str
) -> None:
    """Each case: the other schools' routes (404, nothing written), their own routes and callbacks, and
    forged callbacks naming the other schools; no canary they may not read appears anywhere."""
    postgresql = database_url.startswith("postgresql")
    findings = Findings()
    owner = signed_in(app.test_client(), world.users["a_leader"])
    paths = probe.dash_page_paths(tenants.a1.ids)
    values = dash_calls.layout_values(owner, paths)
    a1_keys = {"urn": world.a1.urn, "slug": "trust-a", "urns": [world.a1.urn]}
    for callback in dash_calls.registered(owner):  # control: the forged bodies are ones the owner may send
        response = owner.post(
            dash_calls.UPDATE, json=dash_calls.body(callback, values, a1_keys), headers=SAME_SITE
        )
        assert response.status_code == 200, (callback.name, response.status_code, response.data[:300])
    seen = {}
    for case in CASES:
        canaries = case.forbidden(tenants)
        own = getattr(tenants, case.own)
        client = signed_in(app.test_client(), world.users[case.who])
        for name in case.others:
            other = getattr(tenants, name)
            before = row_counts(db, {other.school.id})
            _visit_foreign(app, client, case.who, other, canaries, findings)
            _forge(client, case.who, own, other, values, canaries, findings)
            after = row_counts(db, {other.school.id})
            changed = {t: (n, after[t]) for t, n in before.items() if after[t] != n}
            if changed:
                findings.found.append(
                    f"{case.who}: refused requests changed {other.school.name}'s rows {changed}"
                )
        if not postgresql or case.who in OWN_ON_POSTGRESQL:
            seen[case.who] = _visit_own(app, client, case.who, own, canaries, findings)
    if not postgresql:
        shown = {**tenants.a1.pupil, **tenants.a1.school_only, **tenants.trust_a}
        missing = [f"{c} ({f})" for c, f in shown.items() if c.lower() not in seen["a1_lead"]]
        assert not missing, f"control: A1's own lead never saw {missing}, so a leak of them would go unseen"
    findings.assert_none()
