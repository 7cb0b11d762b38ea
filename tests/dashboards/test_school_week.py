"""The weekly view's filters, banding matrix and downloads, through _dash-update-component as a browser
calls them; every one refuses another trust's school."""

from __future__ import annotations

import base64
import csv
import io
import json
import zipfile
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from app.interventions import services
from app.registers.models import Pupil
from app.registers.recording import Recorder
from tenants import context
from tenants.access import system_context
from tenants.models import School
from tests.conftest import World
from tests.helpers import FILTER_IDS, SAME_SITE, SINGLE, callback_output, dash_body, show_week_body, signed_in
from tests.weekly import LAST_WEEK, add_registers

UPDATE = "/dashboards/_dash-update-component"


@pytest.fixture
def lead(app: Flask, db: Session, world: World, school: School) -> FlaskClient:
    add_registers(db, world, school, Okafor={"fsm": True, "legal_forename": '=HYPERLINK("x")'})
    return signed_in(app.test_client(), world.users["a1_lead"])


def _rows(client: FlaskClient, **filters: object) -> list[dict]:
    response = client.post(
        UPDATE, json=show_week_body(100001, LAST_WEEK.isoformat(), **filters), headers=SAME_SITE
    )
    assert response.status_code == 200, response.data[:300]
    return response.get_json()["response"]["flags-grid"]["rowData"]


def _surnames(rows: list[dict]) -> list[str]:
    return sorted(r["name"].split()[-1] for r in rows)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["Brooks", "Canaryalder", "Chen", "Okafor"]),
        ({"f_flag": ["red"]}, ["Okafor"]),
        ({"f_flag": ["red", "amber"]}, ["Chen", "Okafor"]),
        ({"f_step": ["support"]}, ["Okafor"]),
        ({"f_trend": ["declined"]}, ["Chen", "Okafor"]),
        ({"f_fsm": "Yes"}, ["Okafor"]),
        ({"f_fsm": "No", "f_year": ["9"]}, ["Brooks", "Chen"]),
        ({"f_form": ["9K"], "f_band": [1]}, ["Chen"]),
        ({"f_sen": ["E"]}, []),
    ],
)
def test_named_filters_narrow_the_list(lead: FlaskClient, filters: dict, expected: list[str]) -> None:
    assert _surnames(_rows(lead, **filters)) == expected


def test_the_count_and_banding_describe_the_school(lead: FlaskClient) -> None:
    body = show_week_body(100001, LAST_WEEK.isoformat(), f_flag=["red"])
    answer = lead.post(UPDATE, json=body, headers=SAME_SITE).get_json()["response"]
    assert answer["flags-count"]["children"] == "Showing 1 of 4 pupils on roll that week."
    labels = [b["props"]["aria-label"] for b in _buttons(answer["flags-banding"]["children"])]
    assert "1 pupil in year 9 with 10% to under 15% absence: show them" in labels  # Okafor: 2 of 20
    assert "1 pupil in year 9 with 5% to under 10% absence: show them" in labels  # Chen: 1 of 20
    assert "1 pupil in year 9 with 0% to under 5% absence: show them" in labels
    assert "1 pupil with fewer than 20 possible sessions" in json.dumps(answer["flags-banding"])


def _buttons(tree: object) -> list[dict]:
    if isinstance(tree, list):
        return [b for item in tree for b in _buttons(item)]
    if isinstance(tree, dict):
        found = [tree] if tree.get("type") == "Button" else []
        return found + _buttons(tree.get("props", {}).get("children"))
    return []


def test_a_banding_number_sets_the_year_and_band_filters(lead: FlaskClient) -> None:
    cell = {"band": 2, "type": "flags-band", "year": "9"}
    output = callback_output(lead, "flags-band")
    body = {
        "output": output,
        "outputs": [
            {"id": i, "property": p} for i, p in (part.split(".") for part in output.strip(".").split("..."))
        ],
        "inputs": [[{"id": cell, "property": "n_clicks", "value": 1}]],
        "changedPropIds": [json.dumps(cell, separators=(",", ":"), sort_keys=True) + ".n_clicks"],
    }
    response = lead.post(UPDATE, json=body, headers=SAME_SITE)
    assert response.status_code == 200, response.data[:300]
    answer = response.get_json()["response"]
    assert answer["f-year"]["value"] == ["9"] and answer["f-band"]["value"] == [2]


@pytest.mark.parametrize(
    ("control", "value"),
    [("f-flag", ["scarlet"]), ("f-band", [11]), ("f-fsm", "maybe"), ("f-form", ["x" * 21]), ("f-year", [{}])],
)
def test_values_no_control_offers_are_bad_requests(lead: FlaskClient, control: str, value: object) -> None:
    body = show_week_body(100001, LAST_WEEK.isoformat(), **{control.replace("-", "_"): value})
    response = lead.post(UPDATE, json=body, headers=SAME_SITE)
    assert response.status_code == 400 and b"Okafor" not in response.data


def _download_body(
    urn: object, shown: list[dict] | None, trigger: str = "flags-export", **filters: object
) -> dict:
    return dash_body(
        [("flags-download", "data")],
        [(trigger, "n_clicks", 1), ("flags-export-xlsx" if trigger == "flags-export" else "flags-export", "n_clicks", None)],
        [("flags-week", "value", LAST_WEEK.isoformat()),
         *((cid, "value", filters.get(cid, None if cid in SINGLE else [])) for cid in FILTER_IDS),
         ("flags-school", "data", urn), ("flags-grid", "virtualRowData", shown)],
    )  # fmt: skip


def test_the_csv_download_follows_the_grid_and_keeps_formulas_inert(lead: FlaskClient) -> None:
    rows = _rows(lead)
    order = sorted(rows, key=lambda r: r["name"].split()[-1], reverse=True)
    shown = [{"pupil_id": r["pupil_id"]} for r in order if "Chen" not in r["name"]] + [{"pupil_id": 987654}]
    response = lead.post(UPDATE, json=_download_body(100001, shown), headers=SAME_SITE)
    sent = response.get_json()["response"]["flags-download"]["data"]
    assert sent["filename"] == f"weekly-flags-100001-{LAST_WEEK}.csv"
    table = list(csv.reader(io.StringIO(sent["content"])))
    assert table[0][:4] == ["Pupil", "Year", "Form", "Flag"]
    assert [line[0] for line in table[1:]] == ['\'=HYPERLINK("x") Okafor', "Sam Canaryalder", "Sam Brooks"]
    assert table[1][3] == "▲ Red: persistent absence" and table[1][8] == "1.0"  # days missed


def test_the_excel_download_has_the_filtered_rows_and_no_formulas(lead: FlaskClient) -> None:
    body = _download_body(100001, None, "flags-export-xlsx", **{"f-flag": ["red", "amber"]})
    sent = lead.post(UPDATE, json=body, headers=SAME_SITE).get_json()["response"]["flags-download"]["data"]
    assert sent["filename"].endswith(".xlsx") and sent["base64"]

    book = zipfile.ZipFile(io.BytesIO(base64.b64decode(sent["content"])))
    strings = book.read("xl/sharedStrings.xml").decode()
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    assert "Okafor" in strings and "Chen" in strings and "Brooks" not in strings
    assert "<f>" not in sheet  # the name beginning "=" is text, not a formula


def test_downloads_for_another_trusts_school_are_not_found(
    app: Flask, world: World, lead: FlaskClient
) -> None:
    other = signed_in(app.test_client(), world.users["b1_lead"])
    for trigger in ("flags-export", "flags-export-xlsx"):
        response = other.post(UPDATE, json=_download_body(100001, None, trigger), headers=SAME_SITE)
        assert response.status_code == 404 and b"Okafor" not in response.data


def test_open_cases_show_their_owner_stage_and_last_action(
    lead: FlaskClient, db: Session, school: School
) -> None:
    okafor = next(r for r in _rows(lead) if r["name"].endswith("Okafor"))
    with context.use(system_context(db, "test", trust_id=school.trust_id)):
        pupil = db.get(Pupil, (school.id, okafor["pupil_id"]))
        assert pupil is not None
        who = Recorder(None, "Alex Morgan", "Senior attendance champion")
        case = services.open_case(db, school, pupil, stage="monitor", owner_id=1, owner_name="Alex Morgan",
                                  reason="Red", opened_on=date.today(), recorder=who, today=date.today())  # fmt: skip
        services.record_action(db, school, case, kind="phone_call", owner_name="Alex Morgan", due_on=None,
                               done_on=date.today(), notes="", outcome="Reached mum", follow_up_on=None,
                               restricted=False, recorder=who, today=date.today())  # fmt: skip
        db.commit()
    rows = {r["name"].split()[-1]: r for r in _rows(lead)}
    assert (rows["Okafor"]["owner"], rows["Okafor"]["open_case"]) == ("Alex Morgan", "Yes: Monitor")
    assert rows["Okafor"]["last_action"] == f"Phone call, done {date.today():%-d %b}"
    assert (rows["Chen"]["open_case"], rows["Chen"]["owner"]) == ("No", "")
