"""The frame every dashboard page sits in, matching the rest of Turnout (a function: built per request)."""

from __future__ import annotations

from datetime import date

import dash
from dash import dcc, html
from flask_login import current_user

from tenants.models import School, Trust


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


def breadcrumbs(school: School, *trail: tuple[str, str | None]) -> html.Nav:
    """Your schools › the school › …; the last step, the page itself, has no link."""
    return _crumbs((school.name, f"/schools/{school.urn}"), *trail)


def trust_breadcrumbs(trust: Trust, *trail: tuple[str, str | None]) -> html.Nav:
    """Your schools › the trust › …, for a trust's pages."""
    return _crumbs((trust.name, f"/trusts/{trust.slug}"), *trail)


def _crumbs(*trail: tuple[str, str | None]) -> html.Nav:
    steps: list = [html.A("Your schools", href="/")]
    for text, href in trail:
        steps += [" › ", html.A(text, href=href) if href else text]
    return html.Nav(steps, className="breadcrumbs", **{"aria-label": "Breadcrumb"})


def week_picker(component_id: str, weeks: list[date], chosen: str | None) -> html.Div:
    """Any week of the year so far, latest first."""
    options = [{"label": f"Week beginning {w:%-d %B %Y}", "value": w.isoformat()} for w in weeks]
    return html.Div(
        [
            html.Label("Week", htmlFor=component_id),
            dcc.Dropdown(id=component_id, options=options, value=chosen, clearable=False),
        ],
        className="field",
    )


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def one_place(value: float | None) -> float | None:
    """A rate for a chart, to one decimal place as the tables show it; None (nothing due) stays a gap."""
    return None if value is None else round(value, 1)
