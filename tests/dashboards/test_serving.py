"""A server process finishes Dash's first-request setup before its threads serve anyone (gunicorn's
post_worker_init and `turnout serve`): Dash does it unlocked, and two threads met there under load."""

from __future__ import annotations

import pytest
from flask import Flask

from dashboards import set_up_before_serving


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_dash_is_set_up_before_the_first_request(app: Flask) -> None:
    dash_app = app.extensions["turnout.dash"]
    assert dash_app._got_first_request == {"pages": False, "setup_server": False}  # a fresh process
    set_up_before_serving(app)
    assert dash_app._got_first_request == {"pages": True, "setup_server": True}
    assert any("_pages_content" in c["output"] for c in dash_app._callback_list)  # the page router is listed
