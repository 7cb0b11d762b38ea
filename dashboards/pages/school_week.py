"""The weekly flags view for a school: headline tiles and every pupil's flag, trend and next step."""

from __future__ import annotations

from datetime import date

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, dcc, html

from app.flags.rules import FLAG_ICONS
from dashboards import data

dash.register_page(
    __name__, path_template="/schools/<urn>/week", title="Weekly flags · Turnout", name="Weekly flags"
)

COLUMNS = [
    {"field": "name", "headerName": "Pupil", "cellRenderer": "PupilLink", "pinned": "left", "minWidth": 170},
    {"field": "year", "headerName": "Year", "maxWidth": 90},
    {"field": "form", "headerName": "Form", "maxWidth": 100},
    {"field": "flag_label", "headerName": "Flag", "cellRenderer": "FlagCell", "minWidth": 230},
    {
        "field": "ytd",
        "headerName": "Year to date %",
        "type": "numericColumn",
        "filter": "agNumberColumnFilter",
    },
    {"field": "week", "headerName": "This week %", "type": "numericColumn", "filter": "agNumberColumnFilter"},
    {
        "field": "change",
        "headerName": "Change (points)",
        "type": "numericColumn",
        "filter": "agNumberColumnFilter",
    },
    {"field": "trend", "headerName": "Trend"},
    {
        "field": "days_missed",
        "headerName": "Days missed",
        "type": "numericColumn",
        "filter": "agNumberColumnFilter",
    },
    {"field": "next_step_text", "headerName": "Next step", "minWidth": 280, "tooltipField": "next_step_text"},
    {"field": "fsm", "headerName": "FSM", "maxWidth": 90},
    {"field": "sen", "headerName": "SEN", "minWidth": 150},
    {"field": "eal", "headerName": "EAL", "maxWidth": 90},
    {"field": "looked_after", "headerName": "Looked after", "maxWidth": 130},
]


def layout(urn: str | None = None, **_query: str) -> html.Div:
    school = data.school_for_pupil_data(int(urn or 0))
    weeks = data.week_choices(date.today())
    return html.Div(
        [
            html.Nav(
                [
                    html.A("Your schools", href="/"),
                    " › ",
                    html.A(school.name, href=f"/schools/{school.urn}"),
                    " › Weekly flags",
                ],
                className="breadcrumbs",
                **{"aria-label": "Breadcrumb"},
            ),  # fmt: skip
            html.H1("Weekly flags"),
            dcc.Store(id="flags-school", data=school.urn),
            html.Div(
                [
                    html.Label("Week", htmlFor="flags-week"),
                    dcc.Dropdown(
                        id="flags-week",
                        options=[
                            {"label": f"Week beginning {w:%-d %B %Y}", "value": w.isoformat()} for w in weeks
                        ],
                        value=data.default_week(weeks, date.today()),
                        clearable=False,
                    ),
                ],
                className="field",
            ),
            html.Div(id="flags-tiles", className="tiles", **{"aria-live": "polite"}),
            html.Div(
                [
                    html.Label("Search pupils", htmlFor="flags-search"),
                    dcc.Input(
                        id="flags-search",
                        type="search",
                        debounce=False,
                        placeholder="Name, form, flag or step",
                    ),
                    html.Button("Export the list as CSV", id="flags-export", className="button secondary"),
                ],
                className="toolbar",
            ),
            dag.AgGrid(
                id="flags-grid",
                columnDefs=COLUMNS,
                rowData=[],
                defaultColDef={"sortable": True, "filter": True, "floatingFilter": True, "resizable": True},
                dashGridOptions={
                    "animateRows": False,
                    "rowHeight": 36,
                    "enableCellTextSelection": True,
                    "suppressColumnVirtualisation": True,  # every cell readable by assistive tech and search
                },
                csvExportParams={"fileName": f"flags-{school.urn}.csv"},
                style={"height": "620px"},
            ),
        ]
    )


dash.register_page(
    __name__,
    path_template="/schools/<urn>/week",
    title="Weekly flags · Turnout",
    name="Weekly flags",
    layout=layout,
)


def show_week(week: str, urn: int) -> tuple[list, list[dict]]:
    """Re-derives the school from the signed-in user: a forged URN is not found."""
    school, flags = data.school_week(data.whole_number(urn), data.week_of(week), date.today())
    return _tiles(data.tiles(flags)), data.week_rows(school, flags)


def search(text: str | None, options: dict) -> dict:
    return {**options, "quickFilterText": text or ""}


def export(_clicks: int) -> bool:
    return True


def register(app: dash.Dash) -> None:
    """Callbacks belong to each Dash app (tests build several in one process)."""
    app.callback(
        Output("flags-tiles", "children"),
        Output("flags-grid", "rowData"),
        Input("flags-week", "value"),
        State("flags-school", "data"),
    )(show_week)
    app.callback(
        Output("flags-grid", "dashGridOptions"),
        Input("flags-search", "value"),
        State("flags-grid", "dashGridOptions"),
    )(search)
    app.callback(
        Output("flags-grid", "exportDataAsCsv"), Input("flags-export", "n_clicks"), prevent_initial_call=True
    )(export)


def _pupils(count: int) -> str:
    return f"{count} pupil" if count == 1 else f"{count} pupils"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def _tiles(t: data.Tiles) -> list:
    change = (
        "no earlier week"
        if t.change_pp is None
        else f"{round(t.change_pp, 1) + 0:+.1f} points since last week"
    )
    share = (lambda n: f"{n / t.counted * 100:.1f}%") if t.counted else (lambda _n: "–")
    days = t.ytd_absent_sessions / 2
    return [
        _tile("Year to date", _percent(t.ytd_attendance), f"attendance · {change}"),
        _tile("This week", _percent(t.week_attendance), "attendance"),
        _tile(
            "Persistent absence",
            _pupils(t.persistent),
            f"{share(t.persistent)} of pupils (10% or more missed)",
        ),
        _tile("Severe absence", _pupils(t.severe), f"{share(t.severe)} of pupils (50% or more missed)"),
        _tile("Days missed", f"{days:,.0f}", "school days missed this year, all pupils"),
        html.Section(
            [
                html.H2("Pupils by flag"),
                html.Ul(
                    [
                        html.Li(
                            [
                                html.Span(f"{FLAG_ICONS[f]} {f.title()}", className=f"flag flag-{f}"),
                                f" {n}",
                            ]
                        )
                        for f, n in t.by_flag.items()
                    ]
                ),
            ],
            className="tile",
        ),  # fmt: skip
    ]


def _tile(title: str, figure: str, note: str) -> html.Section:
    return html.Section(
        [html.H2(title), html.P(figure, className="figure"), html.P(note, className="note")], className="tile"
    )
