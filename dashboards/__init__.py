"""One Dash app (Pages) embedded in Flask under /dashboards/, behind the guard of design.md rule 5."""

from __future__ import annotations

from pathlib import Path

import dash
from flask import Flask

from dashboards import guard, shell

HERE = Path(__file__).parent


def init_dashboards(app: Flask) -> dash.Dash:
    """Mount the Dash app on the Flask server; its scripts and styles are served from here (no CDN)."""
    dash_app = dash.Dash(
        __name__,
        server=app,
        url_base_pathname=guard.PREFIX,
        use_pages=True,
        pages_folder="",
        assets_folder=str(HERE / "assets"),
        serve_locally=True,
        external_stylesheets=["/static/turnout.css"],
        title="Turnout dashboards",
        suppress_callback_exceptions=True,
        update_title=None,
    )
    from dashboards.pages import cohorts, pupil, school_week, trust_overview, trust_workflow  # noqa: F401 - importing a page registers it

    school_week.register(dash_app)
    cohorts.register(dash_app)
    trust_workflow.register(dash_app)
    trust_overview.register(dash_app)
    dash_app.layout = shell.layout
    guard.install(app)
    from app.extensions import csrf

    for endpoint, view in app.view_functions.items():
        if endpoint.startswith(guard.PREFIX):  # Dash's routes; the guard checks origin and JSON instead
            csrf.exempt(view)
    app.extensions["turnout.dash"] = dash_app  # its inline scripts' hashes go into the CSP
    return dash_app


def set_up_before_serving(app: Flask) -> None:
    """Dash finishes its own setup (page router, callback list) on a process's first request, with no lock:
    under load, two threads of a fresh gunicorn worker met there and one request failed ("dictionary changed
    size during iteration"). One request before the process serves does that setup on one thread."""
    with app.test_client() as client:
        client.get("/static/turnout.css").close()
