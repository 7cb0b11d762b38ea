"""The load run's users, as a browser or an MIS drives Turnout: staff take their form's registers, school leads
read the weekly flags dashboard, trust leaders the trust dashboard, and each school's MIS re-sends a day of a
class's marks. Requests are named by route, not by id; any unexpected status counts as a failure.

Run by tests/bench/load.py with TURNOUT_LOAD_PLAN naming the plan it writes (accounts, forms, classes,
tokens). Only http://127.0.0.1 is ever a target, and the whole run stops after MAX_REQUESTS."""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, between, events, task
from locust.env import Environment
from locust.exception import StopUser

PLAN = json.loads(Path(os.environ["TURNOUT_LOAD_PLAN"]).read_text())
HOST = "127.0.0.1"
RANDOM = random.Random()  # noqa: S311 - think times and register codes, not secrets
MAX_REQUESTS = 200_000  # a bound on the whole run, whatever its length
PACE = float(
    os.environ.get("TURNOUT_LOAD_PACE", "1")
)  # pauses for thought times this: the smoke test's are short
UPDATE = "/dashboards/_dash-update-component"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CODE_INPUT = re.compile(r'name="code-(\d+)" value="([^"]*)"')
MINUTES_INPUT = re.compile(r'name="minutes-(\d+)" value="([^"]*)"')
ABSENCES = ["N", "I", "M", "C", "G", "O"]  # a few of the 2024 codes a register sees besides present and late
FILTERS = ("f-year", "f-form", "f-flag", "f-trend", "f-step", "f-sen", "f-fsm", "f-eal", "f-lac", "f-band")
SINGLE = {"f-fsm", "f-eal", "f-lac"}

_requests = itertools.count(1)
_tutors = itertools.count()
_integrations = itertools.count()
_run: list[Environment] = []  # the one environment, known once locust starts


@events.init.add_listener
def _only_loopback(environment: Environment, **_kwargs: object) -> None:
    if urlsplit(environment.host or "").hostname != HOST:
        raise SystemExit(f"a load run targets http://{HOST} only, not {environment.host!r}")
    _run.append(environment)


@events.request.add_listener
def _bound(**_kwargs: object) -> None:
    if next(_requests) == MAX_REQUESTS and _run and _run[0].runner is not None:
        _run[0].runner.quit()


def _registers() -> list[tuple[dict, str]]:
    """Every school's forms, interleaved so that the first n tutors spread over schools by their size."""
    slots = [
        (i / len(s["forms"]), s["urn"], s, form) for s in PLAN["schools"] for i, form in enumerate(s["forms"])
    ]
    return [(school, form) for _pos, _urn, school, form in sorted(slots, key=lambda t: t[:2])]


REGISTERS = _registers()


def _dash_body(outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]],
               state: list[tuple[str, str, object]] = (), changed: str = "") -> dict:  # type: ignore[assignment]  # fmt: skip
    """The JSON Dash's renderer posts for one callback (as tests.helpers.dash_body), after the input with id
    `changed` (by default the first) changed."""
    names = [{"id": i, "property": p, "value": v} for i, p, v in inputs]
    parts = [f"{i}.{p}" for i, p in outputs]
    several = len(outputs) > 1
    return {
        "output": f"..{'...'.join(parts)}.." if several else parts[0],
        "outputs": [{"id": i, "property": p} for i, p in outputs] if several
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": names, "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [f"{changed}.value" if changed else f"{inputs[0][0]}.{inputs[0][1]}"],
    }  # fmt: skip


def _find(tree: object, component_id: str) -> dict | None:
    """A component's props in a layout Dash sent back, by id."""
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree["props"]
        tree = list(tree.values())
    if isinstance(tree, list):
        for item in tree:
            if (found := _find(item, component_id)) is not None:
                return found
    return None


class Browser(FastHttpUser):
    """Someone at a browser: signs in once, then moves between pages with a pause to read each."""

    abstract = True
    wait_time = between(5 * PACE, 15 * PACE)  # reading a page before the next click
    email = ""

    def on_start(self) -> None:
        if urlsplit(self.host or "").hostname != HOST:
            raise StopUser()
        page = self.expect("GET", "/login", (200,), name="/login")
        token = TOKEN.search(page.text or "")
        fields = {
            "email": self.email,
            "password": PLAN["password"],
            "csrf_token": token.group(1) if token else "",
        }
        self.form("/login", fields, "/login")

    def expect(self, method: str, path: str, statuses: tuple[int, ...], *, name: str, showing: str = "",
               **kwargs: object):  # type: ignore[no-untyped-def]  # fmt: skip
        """One request that fails unless its status is one of `statuses` and its page holds the element with
        id `showing`, if given (redirects are not followed)."""
        with self.client.request(method, path, name=name, catch_response=True, allow_redirects=False,
                                 **kwargs) as response:  # fmt: skip
            if response.status_code not in statuses:
                response.failure(f"status {response.status_code}, expected {statuses}")
            elif showing and f'id="{showing}"' not in (response.text or ""):
                response.failure(f"no #{showing} on the page")
        return response

    def form(self, path: str, fields: dict[str, str], name: str):  # type: ignore[no-untyped-def]
        """A form posted as a browser does; success is the redirect that follows a save or a sign-in."""
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        return self.expect("POST", path, (302, 303), name=name, data=urlencode(fields), headers=headers)

    def dash(self, body: dict, name: str):  # type: ignore[no-untyped-def]
        """A Dash callback, with the Origin a browser sends from this site."""
        response = self.expect("POST", UPDATE, (200,), name=f"{UPDATE} {name}", json=body,
                               headers={"Origin": self.host})  # fmt: skip
        try:
            return response.json()["response"]
        except (ValueError, KeyError, TypeError):
            return {}

    def open_dashboard(self, path: str, page_name: str) -> dict:
        """A Dash page as the browser loads it: its shell, the app's layout and callbacks, then the page router."""
        self.expect("GET", path, (200,), name=page_name)
        self.expect("GET", "/dashboards/_dash-layout", (200,), name="/dashboards/_dash-layout")
        self.expect("GET", "/dashboards/_dash-dependencies", (200,), name="/dashboards/_dash-dependencies")
        router = _dash_body([("_pages_content", "children"), ("_pages_store", "data")],
                            [("_pages_location", "pathname", path), ("_pages_location", "search", "")])  # fmt: skip
        return self.dash(router, "page router")

    @staticmethod
    def think(low: float, high: float) -> None:
        time.sleep(RANDOM.uniform(low, high) * PACE)


class Staff(Browser):
    """A form tutor: the school page, then their form's register, marked and saved; amends later."""

    weight = 6

    def on_start(self) -> None:
        self.school, self.form_group = REGISTERS[next(_tutors) % len(REGISTERS)]
        self.email = self.school["staff"]
        self.to_take = [(d, s) for d in PLAN["marking_days"] for s in ("AM", "PM")]
        super().on_start()

    @task(5)
    def take_register(self) -> None:
        urn = self.school["urn"]
        self.expect("GET", f"/schools/{urn}", (200,), name="/schools/[urn]")
        self.think(2, 5)
        first = bool(self.to_take)
        day, session = self.to_take.pop(0) if first else RANDOM.choice(
            [(d, s) for d in PLAN["marking_days"] for s in ("AM", "PM")])  # fmt: skip
        query = urlencode({"group": self.form_group, "day": day, "session": session})
        register = f"/schools/{urn}/registers?{query}"
        page = self.expect("GET", register, (200,), name="/schools/[urn]/registers", showing="register-form")
        html = page.text or ""
        token, inputs, minutes = TOKEN.search(html), CODE_INPUT.findall(html), MINUTES_INPUT.findall(html)
        if token is None:
            return  # counted as a failure above: the page has no register form
        self.think(15, 40)  # typing a code for each of 30 to 80 pupils
        fields = {
            "csrf_token": token.group(1),
            "group": self.form_group,
            "day": day,
            "session": session,
            "reason": "",
        }
        fields |= {f"minutes-{pupil}": value for pupil, value in minutes}  # kept as shown
        for pupil, code in inputs:
            if code:
                fields[f"code-{pupil}"] = code
            else:
                fields[f"code-{pupil}"], fields[f"minutes-{pupil}"] = self._mark(session)
        if not first:  # a late arrival's N becomes L, as the office learns it
            absent = [p for p, code in inputs if code == "N"]
            if absent:
                pupil = RANDOM.choice(absent)
                fields[f"code-{pupil}"], fields[f"minutes-{pupil}"] = "L", str(RANDOM.randint(5, 40))
                fields["reason"] = "Arrived late; signed in at the office"
        self.form(f"/schools/{urn}/registers", fields, "/schools/[urn]/registers")
        self.expect("GET", f"/schools/{urn}/registers?{query}", (200,), name="/schools/[urn]/registers")

    @staticmethod
    def _mark(session: str) -> tuple[str, str]:
        roll = RANDOM.random()
        if roll < 0.9:
            return ("/" if session == "AM" else "\\"), ""
        if roll < 0.93:
            return "L", str(RANDOM.randint(3, 25))
        return RANDOM.choice(ABSENCES), ""

    @task(1)
    def pupils(self) -> None:
        self.expect("GET", f"/schools/{self.school['urn']}/pupils", (200,), name="/schools/[urn]/pupils")


class Lead(Browser):
    """A school's attendance lead: the weekly flags dashboard, then the red and amber pupils of one year."""

    weight = 3

    def on_start(self) -> None:
        self.school = RANDOM.choice(PLAN["schools"])
        self.email = self.school["lead"]
        super().on_start()

    @task(3)
    def weekly_flags(self) -> None:
        urn = self.school["urn"]
        layout = self.open_dashboard(f"/dashboards/schools/{urn}/week", "/dashboards/schools/[urn]/week")
        picker = _find(layout, "flags-week") or {}
        week = picker.get("value") or date.today().isoformat()
        filters = {cid: None if cid in SINGLE else [] for cid in FILTERS}
        self.dash(self._week(urn, week, filters), "flags-week")
        self.think(5, 15)  # then the red and amber pupils, then those of one year
        years = (_find(layout, "f-year") or {}).get("options") or [None]
        year = RANDOM.choice(years)
        for changed, value in (
            ("f-flag", ["red", "amber"]),
            ("f-year", [year["value"] if isinstance(year, dict) else year]),
        ):
            filters[changed] = value
            self.dash(self._week(urn, week, filters, changed), "flags-week filtered")
            self.think(5, 15)

    @staticmethod
    def _week(urn: int, week: str, filters: dict[str, object], changed: str = "") -> dict:
        outputs = [("flags-tiles", "children"), ("flags-banding", "children"), ("flags-grid", "rowData"),
                   ("flags-count", "children")]  # fmt: skip
        inputs = [("flags-week", "value", week), *((cid, "value", value) for cid, value in filters.items())]
        return _dash_body(outputs, inputs, [("flags-school", "data", urn)], changed)

    @task(1)
    def attendance(self) -> None:
        urn = self.school["urn"]
        self.expect("GET", f"/schools/{urn}", (200,), name="/schools/[urn]")
        self.expect("GET", f"/schools/{urn}/attendance", (200,), name="/schools/[urn]/attendance")


class TrustLeader(Browser):
    """A trust leader: the trust dashboard, its schools table and charts, then another period."""

    weight = 1
    TABLE = [
        ("tr-summary", "children"),
        ("tr-grid", "rowData"),
        ("tr-grid", "dashGridOptions"),
        ("tr-csv", "href"),
    ]
    CHARTS = [("tr-trend", "children"), ("tr-compare", "children"), ("tr-cohorts", "children")]

    def on_start(self) -> None:
        self.trust = PLAN["trusts"][0] if RANDOM.random() < 0.8 else RANDOM.choice(PLAN["trusts"])
        self.email = self.trust["leader"]
        super().on_start()

    @task
    def trust_dashboard(self) -> None:
        slug = self.trust["slug"]
        self.open_dashboard(f"/dashboards/trusts/{slug}", "/dashboards/trusts/[slug]")
        for period in ("ytd", RANDOM.choice(["term", "half_term"])):
            controls = [("tr-period", "value", period), ("tr-phase", "value", "all")]
            state = [("tr-trust", "data", slug)]
            self.dash(_dash_body(self.TABLE, controls, state), "tr-grid")
            self.dash(_dash_body(self.CHARTS, controls, state), "tr-charts")
            self.think(5, 15)


class Integration(FastHttpUser):
    """One school's MIS: every so often it re-sends a day of one class's marks, some of them corrected."""

    fixed_count = len(PLAN["schools"])  # one integration per school, as a school has one MIS
    wait_time = between(10 * PACE, 30 * PACE)

    def on_start(self) -> None:
        if urlsplit(self.host or "").hostname != HOST:
            raise StopUser()
        self.school = PLAN["schools"][next(_integrations) % len(PLAN["schools"])]
        self.headers = {"Authorization": f"Bearer {self.school['token']}"}

    @task
    def post_marks(self) -> None:
        day = RANDOM.choice(self.school["mis_days"])
        pupils = RANDOM.choice(list(self.school["classes"].values()))
        marks = [
            {"upn": upn, "date": day, "session": session, "code": Staff._mark(session)[0]}
            for upn, admitted, left in pupils if admitted <= day and (left is None or left >= day)
            for session in ("AM", "PM")
        ]  # fmt: skip
        for mark in marks:
            if mark["code"] == "L":
                mark["minutes_late"] = RANDOM.randint(3, 25)
        if not marks:
            return
        name = "/api/v1/schools/[urn]/marks"
        with self.client.post(f"/api/v1/schools/{self.school['urn']}/marks", json={"marks": marks}, name=name,
                              headers=self.headers, catch_response=True) as response:  # fmt: skip
            if response.status_code != 200:
                response.failure(f"status {response.status_code}: {(response.text or '')[:300]}")
