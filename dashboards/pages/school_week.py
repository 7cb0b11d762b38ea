"""The weekly flags view for a school: headline tiles, the banding matrix and every pupil's flag, trend
and next step, narrowed by named filters and exported as the lead sees it."""

from __future__ import annotations

from datetime import date

import dash
import dash_ag_grid as dag
from dash import ALL, Input, Output, State, ctx, dcc, html
from flask import abort

from app.audit.services import record_export
from app.db import get_session
from app.downloads import csv_text
from app.flags.rules import FLAGS, STEPS
from app.registers.models import YEAR_GROUPS
from dashboards import data, export, shell, week_parts
from dashboards.week_filters import WeekFilters, apply, matrix

COLUMNS = [
    {"field": "name", "headerName": "Pupil", "cellRenderer": "PupilLink", "pinned": "left", "minWidth": 170},
    {"field": "year", "headerName": "Year", "maxWidth": 90},
    {"field": "form", "headerName": "Form", "maxWidth": 100},
    {"field": "flag_label", "headerName": "Flag", "cellRenderer": "FlagCell", "minWidth": 230},
    {"field": "ytd", "headerName": "Year to date %", "type": "numericColumn", "filter": "agNumberColumnFilter"},
    {"field": "week", "headerName": "This week %", "type": "numericColumn", "filter": "agNumberColumnFilter"},
    {"field": "change", "headerName": "Change (points)", "type": "numericColumn", "filter": "agNumberColumnFilter"},
    {"field": "trend", "headerName": "Trend"},
    {"field": "days_missed", "headerName": "Days missed", "type": "numericColumn", "filter": "agNumberColumnFilter"},
    {"field": "next_step_text", "headerName": "Next step", "cellRenderer": "StepLink", "minWidth": 280,
     "tooltipField": "next_step_text"},
    {"field": "owner", "headerName": "Owner", "minWidth": 140},
    {"field": "open_case", "headerName": "Open intervention", "minWidth": 180},
    {"field": "last_action", "headerName": "Last action", "minWidth": 200, "tooltipField": "last_action"},
    {"field": "fsm", "headerName": "FSM", "maxWidth": 90},
    {"field": "sen", "headerName": "SEN", "minWidth": 150},
    {"field": "eal", "headerName": "EAL", "maxWidth": 90},
    {"field": "looked_after", "headerName": "Looked after", "maxWidth": 130},
]  # fmt: skip
EXPORT_COLUMNS = [(c["field"], c["headerName"]) for c in COLUMNS]
FILTER_IDS = [cid for cid, *_ in week_parts.FILTERS]


def layout(urn: str | None = None, flag: str = "", year: str = "", step: str = "", **_query: str) -> html.Div:
    """A link may open the view already filtered (?flag=red&year=9&step=support)."""
    school = data.school_for_pupil_data(data.whole_number(urn or 0))
    weeks = data.week_choices(date.today())
    years, forms = data.filter_choices(school)
    chosen = {
        "flags": [flag] if flag in FLAGS else [],
        "years": [year] if year in YEAR_GROUPS else [],
        "steps": [step] if step in STEPS else [],
    }
    return html.Div(
        [
            shell.breadcrumbs(school, ("Weekly flags", None)),
            html.H1("Weekly flags"),
            html.P(
                ["Every pupil's flag from year-to-date attendance, the change since last week and the next step. ",
                 html.A("Compare groups of pupils", href=f"{data.PREFIX}schools/{school.urn}/cohorts"), "."],
                className="lede",
            ),
            dcc.Store(id="flags-school", data=school.urn),
            shell.week_picker("flags-week", weeks, data.default_week(weeks, date.today())),
            html.Div(id="flags-tiles", className="tiles", **{"aria-live": "polite"}),
            html.H2("Banding: absence by year group"),
            html.Div(id="flags-banding"),
            html.H2("Pupils"),
            week_parts.filter_bar(years, forms, chosen),
            html.Div(
                [
                    html.Label("Search pupils", htmlFor="flags-search"),
                    dcc.Input(id="flags-search", type="search", debounce=False,
                              placeholder="Name, form, flag or step"),
                    html.Button("Download the list (CSV)", id="flags-export", className="button secondary"),
                    html.Button("Download the list (Excel)", id="flags-export-xlsx", className="button secondary"),
                ],
                className="toolbar",
            ),
            html.P(id="flags-count", **{"aria-live": "polite"}),
            dag.AgGrid(
                id="flags-grid", columnDefs=COLUMNS, rowData=[],
                defaultColDef={"sortable": True, "filter": True, "floatingFilter": True, "resizable": True},
                dashGridOptions={
                    "animateRows": False, "rowHeight": 36, "enableCellTextSelection": True,
                    "suppressColumnVirtualisation": True,  # every cell readable by assistive tech and search
                },
                style={"height": "620px"},
            ),
            dcc.Download(id="flags-download"),
        ]
    )  # fmt: skip


dash.register_page(
    __name__,
    path_template="/schools/<urn>/week",
    title="Weekly flags · Turnout",
    name="Weekly flags",
    layout=layout,
)


def show_week(week: str, *values: object) -> tuple[list, list, list[dict], str]:
    """Re-derives the school from the signed-in user: a forged URN is not found."""
    *choices, urn = values
    filters = WeekFilters.of(*choices)
    school, flags = data.school_week(data.whole_number(urn), data.week_of(week), date.today())
    rows = data.week_rows(school, flags)
    shown = apply(rows, filters)
    count = f"Showing {len(shown):,} of {len(rows):,} pupils on roll that week."
    if ctx.triggered_id not in (None, "flags-week"):  # a filter changed: the school's headline has not
        return dash.no_update, dash.no_update, shown, count
    return week_parts.tiles(data.tiles(flags)), week_parts.banding(matrix(rows)), shown, count


def search(text: object, options: object) -> dict:
    """The grid's quick filter; anything but the page's own text box and grid options is a bad request."""
    if not isinstance(text, str | None) or not isinstance(options, dict):
        abort(400)
    return {**options, "quickFilterText": text or ""}


def pick_band(_clicks: list) -> tuple:
    """A number in the matrix narrows the list to its year (or every year) and band."""
    chosen = ctx.triggered_id
    if not isinstance(chosen, dict) or not any(_clicks):
        return dash.no_update, dash.no_update
    year, band = chosen.get("year"), chosen.get("band")  # the main callback checks both, as for any filter
    return ([year] if year else []), [band]


def clear(_clicks: int) -> list:
    return [[] if multi else None for *_ids, multi in week_parts.FILTERS] + [""]


def download(_csv: int, _xlsx: int, week: str, *values: object) -> dict:
    """The filtered list exactly as the grid shows it (search, column filters, sort), rebuilt from the
    server's own rows: the browser only says which pupils and in what order."""
    *choices, urn, shown = values
    if not isinstance(shown, list | None):
        abort(400)  # the grid reports its rows as a list
    school, flags = data.school_week(data.whole_number(urn), data.week_of(week), date.today())
    rows = apply(data.week_rows(school, flags), WeekFilters.of(*choices))
    ids = None if shown is None else [r.get("pupil_id") for r in shown if isinstance(r, dict)]
    picked = export.pick(rows, ids)
    name = f"weekly-flags-{school.urn}-{week}"
    spreadsheet = ctx.triggered_id == "flags-export-xlsx"
    record_export(get_session(), school, f"{name}.{'xlsx' if spreadsheet else 'csv'}")  # in the audit log
    if spreadsheet:
        title = f"{school.name}: weekly flags, week beginning {data.week_of(week):%-d %B %Y}"
        return dcc.send_bytes(export.xlsx(picked, EXPORT_COLUMNS, title), f"{name}.xlsx")
    return dcc.send_string(csv_text(picked, EXPORT_COLUMNS), f"{name}.csv", type="text/csv")


def register(app: dash.Dash) -> None:
    """Callbacks belong to each Dash app (tests build several in one process)."""
    filters = [Input(cid, "value") for cid in FILTER_IDS]
    app.callback(
        Output("flags-tiles", "children"), Output("flags-banding", "children"), Output("flags-grid", "rowData"),
        Output("flags-count", "children"), Input("flags-week", "value"), *filters, State("flags-school", "data"),
    )(show_week)  # fmt: skip
    app.callback(
        Output("flags-grid", "dashGridOptions"),
        Input("flags-search", "value"),
        State("flags-grid", "dashGridOptions"),
    )(search)
    app.callback(
        Output("f-year", "value", allow_duplicate=True), Output("f-band", "value", allow_duplicate=True),
        Input({"type": "flags-band", "year": ALL, "band": ALL}, "n_clicks"), prevent_initial_call=True,
    )(pick_band)  # fmt: skip
    app.callback(
        *[Output(cid, "value", allow_duplicate=True) for cid in FILTER_IDS], Output("flags-search", "value"),
        Input("flags-clear", "n_clicks"), prevent_initial_call=True,
    )(clear)  # fmt: skip
    app.callback(
        Output("flags-download", "data"), Input("flags-export", "n_clicks"), Input("flags-export-xlsx", "n_clicks"),
        State("flags-week", "value"), *[State(cid, "value") for cid in FILTER_IDS], State("flags-school", "data"),
        State("flags-grid", "virtualRowData"), prevent_initial_call=True,
    )(download)  # fmt: skip
