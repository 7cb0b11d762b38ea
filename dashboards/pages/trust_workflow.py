"""Workflow compliance across a trust: each school's on-time rate by cadence as a heatmap with the same
figures in a table, and the trust's weekly trend with a line for any school a leader picks."""

from __future__ import annotations

import dash
from dash import Input, Output, State, dcc, html

from app.workflow.compliance import ALL_CADENCES, TRUST_WINDOWS, Tally, TrustCompliance, TrustTrend
from app.workflow.models import CADENCE_LABELS, Cadence
from dashboards import shell, workflow_data
from tenants.models import School

POOLED = "Trust (pooled)"
HOW = (
    "A task counts once it is due, or as soon as it is ticked: on time if ticked by its due time, late if "
    "after it, missed if past due and not ticked. The on-time rate is on time over all counted tasks. The "
    "trust's figures pool every school's tasks (all on time over all counted), never an average of schools' "
    "rates, so a school with more tasks weighs more."
)


def layout(slug: str | None = None, **_query: str) -> html.Div:
    trust = workflow_data.trust_for_leaders(slug or "")
    schools = workflow_data.schools_of(trust)
    return html.Div(
        [
            shell.trust_breadcrumbs(trust, ("Workflow compliance", None)),
            html.H1("Workflow compliance"),
            html.P(f"How many of each school's checklist tasks were done on time, across {trust.name}.",
                   className="lede"),
            html.Details([html.Summary("How these figures are worked out"), html.P(HOW)]),
            dcc.Store(id="wf-trust", data=trust.slug),
            html.H2("On time by school and cadence"),
            html.Fieldset(
                [html.Legend("Tasks due in"),
                 dcc.RadioItems(id="wf-weeks", value=TRUST_WINDOWS[0], inline=True,
                                options=[{"label": f"the last {n} weeks", "value": n} for n in TRUST_WINDOWS])],
                className="checks",
            ),
            html.A("Download these figures (CSV)", id="wf-csv", className="button secondary",
                   href=_csv_href(trust.slug, TRUST_WINDOWS[0])),
            html.Div(id="wf-heatmap", **{"aria-live": "polite"}),
            html.H2("Trend this academic year"),
            html.Fieldset(
                [html.Legend("Add a line for"),
                 dcc.Checklist(id="wf-schools", value=[], inline=True,
                               options=[{"label": s.name, "value": s.urn} for s in schools])],
                className="checks",
            ),
            html.Div(id="wf-trend", **{"aria-live": "polite"}),
        ]
    )  # fmt: skip


dash.register_page(
    __name__,
    path_template="/trusts/<slug>/workflow",
    title="Workflow compliance · Turnout",
    name="Workflow compliance",
    layout=layout,
)


def show_heatmap(weeks: object, slug: object) -> tuple[list, str]:
    """Re-derives the trust from the signed-in user: another trust's slug is not found."""
    window = workflow_data.weeks_of(weeks)
    trust, found = workflow_data.heatmap(slug, window)
    return _heatmap(found), _csv_href(trust.slug, window)


def show_trend(urns: object, slug: object) -> list:
    """Re-derives the trust from the signed-in user; only its own schools can have a line."""
    picked, found = workflow_data.trend(slug, urns)
    return _trend(found, picked)


def register(app: dash.Dash) -> None:
    app.callback(
        Output("wf-heatmap", "children"), Output("wf-csv", "href"), Input("wf-weeks", "value"),
        State("wf-trust", "data"),
    )(show_heatmap)  # fmt: skip
    app.callback(Output("wf-trend", "children"), Input("wf-schools", "value"), State("wf-trust", "data"))(
        show_trend
    )


def _csv_href(slug: str, weeks: int) -> str:
    return f"/trusts/{slug}/workflow/compliance.csv?weeks={weeks}"


def _heatmap(found: TrustCompliance) -> list:
    columns = [*(CADENCE_LABELS[c] for c in Cadence), ALL_CADENCES]
    rows: list[tuple[str, list[Tally]]] = [
        (s.name, [*(found.cell(s.id, c) for c in Cadence), found.school_total(s.id)]) for s in found.schools
    ]
    rows.append((POOLED, [*(found.cadence_total(c) for c in Cadence), found.total]))
    span = f"{found.start:%A %-d %B} to {found.end:%A %-d %B %Y}"
    if not found.total.due:
        return [html.P(f"No tasks were due at any school from {span}. Tasks are made only on school days, at "
                       "schools with a calendar for this year.")]  # fmt: skip
    figure = {
        "data": [{
            "type": "heatmap", "x": columns, "y": [name for name, _ in rows],
            "z": [[shell.one_place(t.rate) for t in tallies] for _, tallies in rows],
            "text": [[_short(t) for t in tallies] for _, tallies in rows],
            "customdata": [[_counts(t) for t in tallies] for _, tallies in rows],
            "texttemplate": "%{text}", "hovertemplate": "%{y}, %{x}: %{text}<br>%{customdata}<extra></extra>",
            "zmin": 0, "zmax": 100, "colorscale": "Cividis", "hoverongaps": False,
            "colorbar": {"title": {"text": "On time %"}},
        }],
        "layout": {
            "height": 80 + 48 * len(rows), "margin": {"l": 190, "r": 16, "t": 40, "b": 16},
            "xaxis": {"side": "top", "fixedrange": True}, "yaxis": {"autorange": "reversed", "fixedrange": True},
        },
    }  # fmt: skip
    head = html.Tr(
        [html.Th("School", scope="col"), *(html.Th(c, scope="col", className="num") for c in columns)]
    )
    body = [
        html.Tr([html.Th(name, scope="row"), *(html.Td(_long(t), className="num") for t in tallies)])
        for name, tallies in rows
    ]
    return [
        html.P(f"Tasks due from {span}. Across the trust: {_long(found.total)} on time; {found.total.late} late, "
               f"{found.total.missed} missed."),
        html.Figure(dcc.Graph(figure=figure, config={"displayModeBar": False}), **{"aria-hidden": "true"}),
        html.Div(html.Table(
            [html.Caption("On-time rate by school and cadence (on time of counted); – where nothing was due"),
             html.Thead(head), html.Tbody(body[:-1]), html.Tfoot(body[-1])],
            className="table compact",
        ), className="scroll"),
    ]  # fmt: skip


def _trend(found: TrustTrend, picked: list[School]) -> list:
    if not found.weeks:
        return [html.P("No tasks have been due at any school this academic year.")]
    labels = [f"{w:%-d %b}" for w in found.weeks]
    lines = [(POOLED, found.pooled, 3.5)] + [(s.name, found.by_school[s.id], 1.5) for s in picked]
    figure = {
        "data": [
            {"type": "scatter", "mode": "lines+markers", "name": name, "x": labels, "connectgaps": False,
             "y": [shell.one_place(tallies.get(w, Tally()).rate) for w in found.weeks], "line": {"width": width},
             "hovertemplate": f"{name}, week beginning %{{x}}: %{{y:.1f}}% on time<extra></extra>"}
            for name, tallies, width in lines
        ],
        "layout": {
            "height": 320, "margin": {"l": 56, "r": 16, "t": 8, "b": 48},
            "yaxis": {"title": {"text": "On time %"}, "range": [0, 100], "fixedrange": True},
            "xaxis": {"title": {"text": "Week beginning"}, "fixedrange": True},
            "legend": {"orientation": "h", "y": -0.3},
        },
    }  # fmt: skip
    head = html.Tr([html.Th("Week beginning", scope="col"),
                    *(html.Th(name, scope="col", className="num") for name, _t, _w in lines)])  # fmt: skip
    body = [
        html.Tr([html.Th(f"{w:%-d %B %Y}", scope="row"),
                 *(html.Td(_long(tallies.get(w, Tally())), className="num") for _n, tallies, _w in lines)])
        for w in found.weeks
    ]  # fmt: skip
    return [
        html.Figure(dcc.Graph(figure=figure, config={"displayModeBar": False}), **{"aria-hidden": "true"}),
        html.Div(html.Table(
            [html.Caption("Weekly on-time rate this academic year (on time of counted)"), html.Thead(head),
             html.Tbody(body)],
            className="table compact",
        ), className="scroll"),
    ]  # fmt: skip


def _short(t: Tally) -> str:
    """A heatmap cell's text: the rate to the nearest whole percent, or a dash where nothing was due."""
    return "–" if t.rate is None else f"{t.rate:.0f}%"


def _counts(t: Tally) -> str:
    if not t.due:
        return "Nothing due"
    return f"{t.on_time} on time, {t.late} late, {t.missed} missed of {t.due}"


def _long(t: Tally) -> str:
    return "–" if t.rate is None else f"{t.rate:.1f}% ({t.on_time} of {t.due})"
