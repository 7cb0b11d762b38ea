"""A NUL character in a URL, a query or a form is a bad request on both databases: PostgreSQL text cannot hold
one, so a search or slug carrying it used to reach the database and answer a server error there."""

from __future__ import annotations

from flask import Flask

from tests.conftest import World
from tests.helpers import post_form, signed_in


def test_nul_characters_are_bad_requests(app: Flask, world: World) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a server error is an answer to check, not a test crash
    client = signed_in(app.test_client(), world.users["b_leader"])
    for url in (
        "/trusts/%00",
        "/trusts/trust-b%00/audit",
        f"/schools/{world.b1.urn}/pupils?q=%00",
        f"/schools/{world.b1.urn}/pupils?form=5%00",
        f"/schools/{world.b1.urn}/pupils?%00=x",
    ):
        assert client.get(url).status_code == 400, url
    lead = signed_in(app.test_client(), world.users["b1_lead"])
    path = f"/schools/{world.b1.urn}/pupils/{world.pupils['b1'].id}/contacts"
    response = post_form(lead, path, {"name": "Nul\x00Contact"}, form_page=path.rsplit("/", 1)[0])
    assert response.status_code == 400
    assert "&#39;name&#39; holds a NUL character" in response.get_data(as_text=True)  # says which field
    assert (
        client.get(f"/schools/{world.b1.urn}/pupils?q=Canary").status_code == 200
    )  # control: no NUL, served
