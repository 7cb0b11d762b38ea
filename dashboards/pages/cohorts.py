"""Cohort gaps for a school: absence and persistent absence by group, with England beside each."""

from __future__ import annotations

from datetime import date

import dash
from dash import Input, Output, State, dcc, html

from dashboards import data, shell
from dashboards.cohorts import Dimension, cohorts


def layout(urn: str | None = None, **_query: str) -> html.Div:
    school = data.school_for_pupil_data(data.whole_number(urn or 0))
    weeks = data.week_choices(date.today())
    return html.Div(
        [
            shell.breadcrumbs(school, ("Weekly flags", f"{data.PREFIX}schools/{school.urn}/week"), ("Cohorts", None)),
            html.H1("Cohort gaps"),
            html.P("Year-to-date absence for groups of pupils at the end of the chosen week, next to England's "
                   "figure for the same group (or for all pupils in the phase where the DfE publishes no group "
                   "figure). Persistent absence is 10% or more of sessions missed.", className="lede"),
            dcc.Store(id="cohort-school", data=school.urn),
            shell.week_picker("cohort-week", weeks, data.default_week(weeks, date.today())),
            html.Div(id="cohort-body", **{"aria-live": "polite"}),
        ]
    )  # fmt: skip


dash.register_page(
    __name__,
    path_template="/schools/<urn>/cohorts",
    title="Cohort gaps · Turnout",
    name="Cohorts",
    layout=layout,
)


def show_cohorts(week: str, urn: object) -> list:
    """Re-derives the school from the signed-in user: a forged URN is not found."""
    school, flags = data.school_week(data.whole_number(urn), data.week_of(week), date.today())
    return [part for dimension in cohorts(school, flags) for part in _dimension(dimension)]


def register(app: dash.Dash) -> None:
    app.callback(
        Output("cohort-body", "children"), Input("cohort-week", "value"), State("cohort-school", "data")
    )(show_cohorts)


def _dimension(d: Dimension) -> list:
    if not d.groups:
        return [html.H2(d.title), html.P("No pupils with possible sessions yet.")]
    names = [g.name for g in d.groups]
    figure = {
        "data": [
            {"type": "bar", "orientation": "h", "y": names, "x": [_round(g.absence_rate) for g in d.groups],
             "name": "This school", "marker": {"color": "#1d4f91"},
             "hovertemplate": "%{y}: %{x:.1f}% absence<extra></extra>"},
            {"type": "scatter", "mode": "markers", "y": names, "x": [g.england.absence if g.england else None
                                                                      for g in d.groups],
             "name": "England", "marker": {"symbol": "diamond", "size": 12, "color": "#b10e1e"},
             "hovertemplate": "England, %{y}: %{x:.1f}%<extra></extra>"},
        ],
        "layout": {
            "height": 90 + 34 * len(d.groups), "margin": {"l": 170, "r": 16, "t": 8, "b": 40},
            "xaxis": {"title": {"text": "Absence % (year to date)"}, "rangemode": "tozero", "fixedrange": True},
            "yaxis": {"autorange": "reversed", "fixedrange": True}, "legend": {"orientation": "h", "y": -0.35},
        },
    }  # fmt: skip
    head = ["Group", "Pupils", "Absence", "England", "Persistent absence", "England", "Days missed"]
    rows = [
        html.Tr([html.Th(g.name, scope="row"), _num(f"{g.pupils:,}"), _num(shell.percent(g.absence_rate)),
                 _num(f"{g.england.absence:.1f}%" if g.england else "–"),
                 _num(f"{g.persistent:,} ({shell.percent(g.persistent_rate)})"),
                 _num(f"{g.england.persistent:.1f}%" if g.england and g.england.persistent is not None else "–"),
                 _num(f"{g.absent / 2:,g}")])
        for g in d.groups
    ]  # fmt: skip
    return [
        html.H2(d.title),
        html.P(d.gap) if d.gap else None,
        html.Figure(dcc.Graph(figure=figure, config={"displayModeBar": False}), **{"aria-hidden": "true"}),
        html.Table(
            [html.Caption(f"{d.title}: year-to-date absence, with England's figure"),
             html.Thead(html.Tr([html.Th(h, scope="col", className="num" if i else None) for i, h in enumerate(head)])),
             html.Tbody(rows)],
            className="table",
        ),
        html.P(_sources(d), className="hint"),
    ]  # fmt: skip


def _sources(d: Dimension) -> str:
    sources = sorted({f"{g.england.who}, {g.england.period}" for g in d.groups if g.england})
    return "England (DfE): " + "; ".join(sources) + "." if sources else ""


def _num(text: str) -> html.Td:
    return html.Td(text, className="num")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
