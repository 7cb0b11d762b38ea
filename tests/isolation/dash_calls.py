"""Bodies for every registered Dash callback, as a browser would post them, with the tenant keys a forger
would change (a school's URN, a trust's slug, a list of URNs) set to any tenant's values."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.helpers import SAME_SITE, page_body

UPDATE = "/dashboards/_dash-update-component"
ROUTER = ".._pages_content.children..._pages_store.data.."
# (component id, property) -> which tenant key the browser holds there. Every callback reads one of these,
# or is PURE below; a callback that is neither fails the census of callbacks.
KEYS = {
    ("flags-school", "data"): "urn",
    ("cohort-school", "data"): "urn",
    ("wf-trust", "data"): "slug",
    ("tr-trust", "data"): "slug",
    ("wf-schools", "value"): "urns",
}
# Callbacks that only move values between controls in the browser and read no tenant data (by output,
# without the hash Dash adds to duplicate outputs).
PURE = {
    "flags-grid.dashGridOptions",  # the grid's quick search text
    "..f-year.value...f-band.value..",  # a banding number sets the year and band filters
    "..f-year.value...f-form.value...f-flag.value...f-trend.value...f-step.value...f-sen.value...f-fsm.value"
    "...f-eal.value...f-lac.value...f-band.value...flags-search.value..",  # clear every filter
}


@dataclass(frozen=True)
class Callback:
    """One registered callback: its output key and the (id, property) pairs of its inputs and state."""

    output: str
    inputs: list[tuple[str, str]]
    state: list[tuple[str, str]]

    @property
    def name(self) -> str:
        """The output without the hash Dash adds to a duplicate output."""
        return ".".join(part.split("@")[0] for part in self.output.split("."))

    def keys(self) -> set[str]:
        return {KEYS[p] for p in self.inputs + self.state if p in KEYS}


def registered(client: FlaskClient) -> list[Callback]:
    """The callbacks the browser learns from _dash-dependencies, but for Dash Pages' router."""
    found = []
    for dep in client.get("/dashboards/_dash-dependencies").get_json():
        if dep["output"] == ROUTER or dep.get("clientside_function"):  # the router, or runs in the browser
            continue
        found.append(
            Callback(
                dep["output"],
                [(i["id"], i["property"]) for i in dep["inputs"]],
                [(s["id"], s["property"]) for s in dep["state"]],
            )
        )
    return found


def layout_values(client: FlaskClient, paths: list[str]) -> dict[tuple[str, str], object]:
    """Each component's properties as the pages drew them for this user, by (id, property)."""
    values: dict[tuple[str, str], object] = {}
    for path in paths:
        response = client.post(UPDATE, json=page_body(path), headers=SAME_SITE)
        assert response.status_code == 200, (path, response.status_code)
        values |= drawn(response)
    return values


def drawn(response: TestResponse) -> dict[tuple[str, str], object]:
    """The properties of each component of a page the router drew, by (id, property)."""
    values: dict[tuple[str, str], object] = {}
    _walk(response.get_json()["response"]["_pages_content"]["children"], values)
    return values


def _walk(tree: object, values: dict[tuple[str, str], object]) -> None:
    if isinstance(tree, list):
        for item in tree:
            _walk(item, values)
    elif isinstance(tree, dict):
        props = tree.get("props", {})
        if isinstance(props.get("id"), str):
            values.update({(props["id"], k): v for k, v in props.items() if k != "children"})
        _walk(props.get("children"), values)


def body(
    callback: Callback, values: dict[tuple[str, str], object], keys: dict[str, object],
    trigger: tuple[str, str] | None = None,
) -> dict:  # fmt: skip
    """The JSON for one callback: the drawn values, one click on buttons, the tenant keys as given, fired by
    the trigger (by default its first input)."""

    def value(pair: tuple[str, str]) -> object:
        if pair in KEYS:
            return keys[KEYS[pair]]
        if pair[1] == "n_clicks":
            return 1
        return values.get(pair)

    def entry(pair: tuple[str, str]) -> object:
        if pair[0].startswith("{"):  # a pattern-matching id with ALL: the list of matches (none drawn)
            return []
        return {"id": pair[0], "property": pair[1], "value": value(pair)}

    outputs = [_split(part) for part in _parts(callback.output)]
    return {
        "output": callback.output,
        "outputs": outputs if callback.output.startswith("..") else outputs[0],
        "inputs": [entry(p) for p in callback.inputs],
        "state": [entry(p) for p in callback.state],
        "changedPropIds": ["{}.{}".format(*(trigger or callback.inputs[0]))],
    }


def triggers(callback: Callback) -> list[tuple[str, str] | None]:
    """Each button that fires the callback (a download as CSV or as a spreadsheet), or just its first input."""
    buttons = [pair for pair in callback.inputs if pair[1] == "n_clicks" and not pair[0].startswith("{")]
    return list(buttons) or [None]


def _parts(output: str) -> list[str]:
    return output[2:-2].split("...") if output.startswith("..") else [output]


def _split(part: str) -> dict[str, object]:
    id_, prop = part.rsplit(".", 1)
    return {"id": json.loads(id_) if id_.startswith("{") else id_, "property": prop}


def key_variants(own: dict[str, object], other: dict[str, object], callback: Callback) -> Iterator[dict]:
    """Every tenant key of the callback set to the other tenant's value, and each one alone."""
    wanted = sorted(callback.keys())
    yield {**own, **{k: other[k] for k in wanted}}
    if len(wanted) > 1:
        for key in wanted:
            yield {**own, key: other[key]}
