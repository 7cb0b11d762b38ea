"""The trust dashboard's charts (Plotly, served from this site), each followed by its figures as a table."""

from __future__ import annotations

from dash import dcc, html

from app.benchmarks.figures import COHORT_KEYS, BenchmarkRow, cohort_label
from dashboards import shell
from dashboards.trust_data import Overview
from dashboards.trust_rows import cohort_gaps, signed

ENGLAND = "England 2025/26 year to date"
NO_WEEKLY = (
    "DfE's published file gives England's 2025/26 year-to-date rate only, with no weekly national series, so "
    "England is drawn as one level line."
)


def trend_chart(o: Overview) -> list:
    """The shown schools' pooled weekly attendance this year against England's year-to-date rate."""
    weekly = o.pooled_weekly()
    total = next((r for r in o.bench.national if r.phase.lower() == "total"), None)
    england = total.attendance_rate if total else None
    if not weekly.weeks:
        return [html.P("No weeks of registers yet this academic year.")]
    labels = [f"{w:%-d %b}" for w in weekly.weeks]
    rates = [shell.one_place(weekly.rate(w)) for w in weekly.weeks]
    data = [{"type": "scatter", "mode": "lines+markers", "name": o.pooled.name if o.phase_only else o.trust.name,
             "x": labels, "y": rates, "line": {"width": 3},
             "hovertemplate": "Week beginning %{x}: %{y:.1f}%<extra></extra>"}]  # fmt: skip
    shapes, notes = [], []
    if england is not None:
        data.append({"type": "scatter", "mode": "lines", "name": f"{ENGLAND} ({england:.1f}%)", "x": labels,
                     "y": [shell.one_place(england)] * len(labels), "line": {"dash": "dash", "color": "#4a5560"},
                     "hovertemplate": f"{ENGLAND}: {england:.1f}%<extra></extra>"})  # fmt: skip
    low = min([v for v in rates if v is not None] + ([england] if england is not None else []))
    figure = {
        "data": data,
        "layout": {"height": 340, "margin": {"l": 56, "r": 16, "t": 8, "b": 48}, "shapes": shapes,
                   "annotations": notes, "legend": {"orientation": "h", "y": -0.25},
                   "yaxis": {"title": {"text": "Attendance %"}, "range": [max(0, int(low) - 3), 100], "fixedrange": True},
                   "xaxis": {"title": {"text": "Week beginning"}, "fixedrange": True}},
    }  # fmt: skip
    body = [
        html.Tr([html.Th(f"{w:%-d %B %Y}", scope="row"), html.Td(shell.percent(weekly.rate(w)), className="num"),
                 html.Td(f"{weekly.attended.get(w, 0):,} of {weekly.possible.get(w, 0):,}", className="num")])
        for w in weekly.weeks
    ]  # fmt: skip
    head = html.Tr([html.Th("Week beginning", scope="col"), html.Th("Attendance", scope="col", className="num"),
                    html.Th("Sessions attended of possible", scope="col", className="num")])  # fmt: skip
    return [
        html.P(
            [NO_WEEKLY, f" England: {shell.percent(england)}." if england is not None else ""],
            className="hint",
        ),
        html.Figure(_graph(figure), **{"aria-hidden": "true"}),
        _table("Weekly attendance this year, all shown schools pooled", head, body),
    ]


def compare_chart(o: Overview) -> list:
    """Each school's attendance as a bar, with its LA's and England's rate for its phase as marks."""
    if not o.schools:
        return [html.P("No schools of this phase in the trust.")]
    rows = sorted(o.schools, key=lambda pair: pair[1].attendance_rate or 0)
    repeated = {r.name for _s, r in rows if sum(x.name == r.name for _t, x in rows) > 1}
    names = [f"{r.name} ({s.urn})" if r.name in repeated else r.name for s, r in rows]  # one bar per school
    la = [_rate(o.bench.la(r.la_code, r.phase)) for _s, r in rows]
    england = [_rate(o.bench.england(r.phase)) for _s, r in rows]
    figure = {
        "data": [
            {"type": "bar", "orientation": "h", "name": "School attendance", "y": names,
             "x": [shell.one_place(r.attendance_rate) for _s, r in rows], "marker": {"color": "#1f5f8b"},
             "hovertemplate": "%{y}: %{x:.1f}%<extra></extra>"},
            {"type": "scatter", "mode": "markers", "name": "Its LA (same phase)", "y": names, "x": la,
             "marker": {"symbol": "diamond", "size": 11, "color": "#e6a100", "line": {"width": 1, "color": "#000"}},
             "hovertemplate": "%{y}'s LA: %{x:.1f}%<extra></extra>"},
            {"type": "scatter", "mode": "markers", "name": "England (same phase)", "y": names, "x": england,
             "marker": {"symbol": "line-ns-open", "size": 20, "color": "#a3121f", "line": {"width": 3, "color": "#a3121f"}},
             "hovertemplate": "England for %{y}'s phase: %{x:.1f}%<extra></extra>"},
        ],
        "layout": {"height": 140 + 26 * len(rows), "margin": {"l": 220, "r": 16, "t": 48, "b": 40},
                   "legend": {"orientation": "h", "y": 0, "yanchor": "top"}, "barmode": "overlay",
                   "xaxis": {"title": {"text": "Attendance %"}, "side": "top", "range": [max(0, min(v for v in _all(rows, la, england)) - 3), 100],
                             "fixedrange": True},
                   "yaxis": {"fixedrange": True, "automargin": True, "range": [-0.5, len(rows) - 0.5]}},
    }  # fmt: skip
    return [
        html.P("Bars are each school's attendance for the period; the diamond is its LA's rate and the red mark "
               "England's, both for the school's phase (DfE 2025/26 year to date). The same figures are in the "
               "schools table above (Attendance %, vs LA, vs England).", className="hint"),
        html.Figure(_graph(figure), **{"aria-hidden": "true"}),
    ]  # fmt: skip


def cohort_table(row: BenchmarkRow) -> list:
    """The trust's cohorts pooled, and the gaps between them in percentage points."""
    keys = [k for k in COHORT_KEYS if k in row.cohorts] + sorted(
        k for k in row.cohorts if k.startswith("year:")
    )
    if not keys:
        return [html.P("No cohort figures for this period.")]
    head = html.Tr([html.Th("Group", scope="col"), *(html.Th(h, scope="col", className="num") for h in
                    ("Enrolments", "Attendance", "Absence", "PA (of enrolments)", "SA (of enrolments)"))])  # fmt: skip
    body = [
        html.Tr([html.Th(cohort_label(k), scope="row"), html.Td(f"{c.enrolments:,}", className="num"),
                 *(html.Td(shell.percent(v), className="num") for v in
                   (c.attendance_rate, c.absence_rate, c.persistent_rate, c.severe_rate))])
        for k in keys for c in [row.cohorts[k]]
    ]  # fmt: skip
    gaps = html.Ul([
        html.Li(f"{name}: " + ("no pupils in one of the groups" if gap is None else f"{signed(gap, 'higher', 'lower')} attendance"))
        for name, gap in cohort_gaps(row)
    ])  # fmt: skip
    return [gaps, _table(f"Attendance by group: {row.name}", head, body)]


def _rate(row: BenchmarkRow | None) -> float | None:
    return shell.one_place(row.attendance_rate) if row is not None else None


def _all(rows: list, *marks: list) -> list[float]:
    values = [r.attendance_rate for _s, r in rows if r.attendance_rate is not None]
    return values + [v for m in marks for v in m if v is not None] or [100.0]


def _graph(figure: dict) -> dcc.Graph:
    return dcc.Graph(figure=figure, config={"displayModeBar": False})


def _table(caption: str, head: html.Tr, body: list) -> html.Div:
    return html.Div(
        html.Table([html.Caption(caption), html.Thead(head), html.Tbody(body)], className="table compact"),
        className="scroll",
    )
