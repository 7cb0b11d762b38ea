"""The trust dashboard for trust leaders: every school's stored benchmark figures side by side with the trust,
its LAs and England, the trust's weekly trend against England, cohort gaps, and a way into each school."""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, dcc, html

from app.clock import local
from dashboards import shell, trust_data, trust_impact, trust_rows
from dashboards.trust_charts import cohort_table, compare_chart, trend_chart
from tenants.models import Phase

HOW = (
    "Figures come from the nightly benchmark job. Attendance is attended over possible sessions; the trust's "
    "row pools every school's sessions and enrolments (never an average of schools' percentages). Enrolments "
    "are pupils aged 5 to 15 on 31 August with at least one possible session in the period, as DfE counts "
    "them. PA (persistent absence) and SA (severe absence) are the percent of enrolments who missed 10% or "
    "more, or 50% or more, of their own possible sessions. Movement is the change in the period's attendance "
    "since a week earlier. vs LA and vs England compare with DfE's 2025/26 year-to-date figures for the "
    "school's phase; a school below England's rate for its phase is flagged for a termly Targeting Support "
    "Meeting with its LA. Rank 1 is the highest attendance in the trust. Gaps are one group's attendance "
    "minus the other's. Tasks on time: the school's checklist tasks due in the last 4 weeks done on time."
)
GRID_OPTIONS = {
    "animateRows": False, "rowHeight": 58, "enableCellTextSelection": True, "tooltipShowDelay": 300,
    "suppressColumnVirtualisation": True, "domLayout": "autoHeight",  # every row and cell in the page, for search
}  # fmt: skip
NOT_YET = (
    "The trust's benchmark figures have not been worked out yet: the nightly benchmark job has not run for "
    "this trust. They appear here the morning after it first runs."
)


def layout(slug: str | None = None, **_query: str) -> html.Div:
    trust = trust_data.trust_for_leaders(slug or "")
    found = trust_data.stored(trust)
    phases = sorted({s.phase for s in trust_data.schools_of(trust)}, key=list(Phase).index)
    intro = [
        shell.trust_breadcrumbs(trust, ("Trust dashboard", None)),
        html.H1(f"{trust.name}: trust dashboard"),
        html.P("Every school's attendance, persistent and severe absence, trend and gaps, against the trust, "
               "the local authority and England.", className="lede"),
    ]  # fmt: skip
    if found is None:
        return html.Div([*intro, html.P(NOT_YET, className="notice", role="status")])
    periods = [
        {"label": f"{label} ({_span(found.periods[key])})", "value": key}
        for key, label in trust_data.PERIODS.items()
    ]
    computed = local(found.computed_at)
    return html.Div(
        [
            *intro,
            html.P([html.Strong(f"Figures as of {found.as_of:%A %-d %B %Y}"),
                    f", worked out at {computed:%H:%M} on {computed:%-d %B %Y} (UK time)."], className="as-of"),
            html.Details([html.Summary("How these figures are worked out"), html.P(HOW), html.P(trust_impact.HOW)]),
            dcc.Store(id="tr-trust", data=trust.slug),
            html.Div([
                html.Fieldset([html.Legend("Period"),
                               dcc.RadioItems(id="tr-period", value="ytd", options=periods, inline=True)],
                              className="checks"),
                html.Fieldset([html.Legend("Phase"),
                               dcc.RadioItems(id="tr-phase", value=trust_data.ALL_PHASES, inline=True,
                                              options=[{"label": "All phases", "value": trust_data.ALL_PHASES},
                                                       *({"label": p.value.title(), "value": p.value} for p in phases)])],
                              className="checks"),
            ], className="trust-controls"),
            html.P(id="tr-summary", **{"aria-live": "polite"}),
            html.A("Download these figures (CSV)", id="tr-csv", className="button secondary",
                   href=_csv_href(trust.slug, "ytd")),
            html.H2("Schools"),
            html.P("Sort by any column (Enter on its heading). A school's name opens its benchmark; the links "
                   "beneath it open its weekly flags and attendance. The trust, LA and England rows stay at the "
                   "foot of the table.", className="hint", id="tr-grid-hint"),
            dag.AgGrid(
                id="tr-grid", columnDefs=trust_rows.COLUMNS, rowData=[],
                defaultColDef={"sortable": True, "resizable": True, "wrapHeaderText": True, "autoHeaderHeight": True},
                dashGridOptions={**GRID_OPTIONS, "pinnedBottomRowData": []},
                className="ag-theme-alpine trust-grid",
            ),
            html.H2("Trend this academic year"),
            html.Div(id="tr-trend", **{"aria-live": "polite"}),
            html.H2("Schools compared"),
            html.Div(id="tr-compare"),
            html.H2("Cohort gaps across the trust"),
            html.Div(id="tr-cohorts"),
        ]
    )  # fmt: skip


# Dash Pages tries path templates in the order of their registry keys, and "/trusts/<slug>" would also match
# "/trusts/<slug>/workflow": this key sorts after every "dashboards.pages.*" page, so the longer paths win.
dash.register_page(
    "dashboards.pages~trust_overview", path_template="/trusts/<slug>", title="Trust dashboard · Turnout",
    name="Trust dashboard", layout=layout,
)  # fmt: skip


def show_schools(period: object, phase: object, slug: object) -> tuple[str, list[dict], dict, str]:
    """Re-derives the trust from the signed-in user: another trust's slug is not found."""
    trust, found = trust_data.overview(slug, period, phase)
    if found is None:
        return NOT_YET, [], {**GRID_OPTIONS, "pinnedBottomRowData": []}, _csv_href(trust.slug, str(period))
    shown = len(found.schools)
    flagged = sum(bool(r.below_national) for _s, r in found.schools)
    pooled = found.pooled.attendance_rate
    figures = (
        f"attendance {shell.percent(pooled)} pooled, {flagged} below England for their phase (Targeting Support "
        "Meeting)."
        if pooled is not None
        else "no sessions recorded in this period yet."
    )
    summary = f"{trust_data.PERIODS[found.period]}, {_span(found.bench)}: {shown} school{'s' if shown != 1 else ''}, {figures}"
    options = {**GRID_OPTIONS, "pinnedBottomRowData": trust_rows.reference_rows(found)}
    return summary, trust_rows.school_rows(found), options, _csv_href(trust.slug, found.period)


def show_charts(period: object, phase: object, slug: object) -> tuple[list, list, list]:
    """The trend, the schools compared and the cohort gaps, each a chart with its figures as a table."""
    _trust, found = trust_data.overview(slug, period, phase)
    if found is None:
        return [], [], []
    return trend_chart(found), compare_chart(found), cohort_table(found.pooled)


def register(app: dash.Dash) -> None:
    controls = [Input("tr-period", "value"), Input("tr-phase", "value"), State("tr-trust", "data")]
    app.callback(
        Output("tr-summary", "children"), Output("tr-grid", "rowData"), Output("tr-grid", "dashGridOptions"),
        Output("tr-csv", "href"), *controls,
    )(show_schools)  # fmt: skip
    app.callback(
        Output("tr-trend", "children"), Output("tr-compare", "children"), Output("tr-cohorts", "children"),
        *controls,
    )(show_charts)  # fmt: skip


def _csv_href(slug: str, period: str) -> str:
    return f"/trusts/{slug}/benchmarks.csv?period={period}"


def _span(bench: object) -> str:
    start, end = bench.start, bench.end  # type: ignore[attr-defined]
    return f"{start:%-d %b} to {end:%-d %b %Y}"
