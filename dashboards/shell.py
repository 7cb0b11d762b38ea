"""The frame every dashboard page sits in, matching the rest of Turnout (a function: built per request)."""

from __future__ import annotations

import dash
from dash import html
from flask_login import current_user


def layout() -> html.Div:
    who = f"{current_user.user.name} · {current_user.user.job_title}" if current_user.is_authenticated else ""
    return html.Div(
        [
            html.A("Skip to main content", href="#main", className="skip-link"),
            html.Header(
                [
                    html.A(
                        [html.Span("◉", **{"aria-hidden": "true"}), " Turnout"], href="/", className="brand"
                    ),
                    html.Nav(
                        [
                            html.Span(who, className="who"),
                            html.A("Change password", href="/account/password"),
                        ],
                        **{"aria-label": "Account"},
                    ),
                ],
                className="topbar",
            ),
            html.Main(dash.page_container, id="main", tabIndex="-1"),
            html.Footer(
                "Turnout · open-source attendance for multi-academy trusts · DfE data under the Open Government "
                "Licence v3.0",
                className="footer",
            ),
        ]
    )
