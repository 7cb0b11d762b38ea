"""One pupil, as the attendance lead opens them from the weekly list: the flag and next step, the plain
sentence of days and lessons missed, the year's line, where the absence falls, and the register."""

from __future__ import annotations

from datetime import date

import dash
from dash import dcc, html

from app.flags.rules import FLAG_ICONS
from app.registers.measures import Counts
from app.registers.pupil_patterns import Patterns
from app.registers.school_view import PupilRegister
from dashboards import data, shell

EXPECTED, PERSISTENT = 96, 90  # the lines drawn on the chart: the flag thresholds by default


def layout(urn: str | None = None, pupil_id: str | None = None, **_query: str) -> html.Div:
    page = data.pupil_page(data.whole_number(urn or 0), data.whole_number(pupil_id or 0), date.today())
    school, pupil = page.school, page.pupil
    week_view = f"{data.PREFIX}schools/{school.urn}/week"
    return html.Div(
        [
            shell.breadcrumbs(school, ("Weekly flags", week_view), (pupil.display_name, None)),
            html.H1(pupil.display_name),
            html.P(
                [f"Year {pupil.year_group}", f" · Form {pupil.form}" if pupil.form else "", " · UPN ",
                 html.Code(pupil.upn), " · ",
                 html.A("Admission register and amendments", href=f"/schools/{school.urn}/pupils/{pupil.id}")],
                className="lede",
            ),
            _flag(page),
            html.P(page.sentence, className="sentence"),
            html.H2("Attendance through the year"),
            _trend(page.patterns, page.milestones),
            html.H2("Where the absence falls"),
            _patterns(page.patterns, page.lesson_minutes),
            html.H2("Register this year"),
            _calendar(page.register),
            html.H2("Codes this year"),
            _codes(page.register),
        ]
    )  # fmt: skip


dash.register_page(
    __name__,
    path_template="/schools/<urn>/pupils/<pupil_id>",
    title="Pupil · Turnout",
    name="Pupil",
    layout=layout,
)


def _flag(page: data.PupilPage) -> html.Section:
    flag = page.flag
    if flag is None:
        return html.Section(
            html.P("Not on roll in the last week that ended, so there is no flag."), className="notice"
        )
    return html.Section(
        [
            html.P([html.Span(f"{FLAG_ICONS[flag.flag]} {flag.label}", className=f"flag flag-{flag.flag}"),
                    f" in the week beginning {flag.week_start:%-d %B %Y} · trend: {flag.trend}"]),
            html.P([html.Strong("Next step: "), flag.next_step]),
        ],
        className="notice pupil-flag",
    )  # fmt: skip


def _trend(p: Patterns, milestones: list[tuple[date, str]]) -> html.Div:
    if not p.weeks:
        return html.P("No registers have been recorded for this pupil this year.")
    weeks = [w.week_start.isoformat() for w in p.weeks]
    ytd = [None if w.year_to_date is None else round(w.year_to_date, 1) for w in p.weeks]
    last = next((v for v in reversed(ytd) if v is not None), None)
    first = next((v for v in ytd if v is not None), None)
    summary = (
        f"Year-to-date attendance was {first:.1f}% after the first week and {last:.1f}% after the last "
        f"({len(weeks)} weeks)."
        if first is not None and last is not None
        else "No possible sessions yet."
    )
    figure = {
        "data": [
            {"type": "bar", "x": weeks, "y": [w.week for w in p.weeks], "name": "That week",
             "marker": {"color": "#b9cbe6"}, "hovertemplate": "Week of %{x}: %{y:.1f}%<extra></extra>"},
            {"type": "scatter", "mode": "lines+markers", "x": weeks, "y": ytd, "name": "Year to date",
             "line": {"color": "#1d4f91", "width": 3}, "hovertemplate": "Year to date by %{x}: %{y:.1f}%<extra></extra>"},
            {"type": "scatter", "mode": "markers", "x": [d.isoformat() for d, _ in milestones],
             "y": [99] * len(milestones), "text": [what for _, what in milestones], "name": "Interventions",
             "marker": {"symbol": "triangle-down", "size": 12, "color": "#5b2a86"},
             "hovertemplate": "%{x}: %{text}<extra></extra>"},
        ],
        "layout": {
            "height": 320, "margin": {"l": 48, "r": 16, "t": 16, "b": 40}, "bargap": 0.35,
            "yaxis": {"range": [0, 100.5], "title": {"text": "Attendance %"}, "fixedrange": True},
            "xaxis": {"type": "date", "fixedrange": True}, "legend": {"orientation": "h", "y": -0.2},
            "shapes": [_line(EXPECTED, "#0b6b3a"), _line(PERSISTENT, "#a3121f")],
            "annotations": [_note(EXPECTED, "96%: expected", "bottom"), _note(PERSISTENT, "90%: persistent absence", "top")],
        },
    }  # fmt: skip
    table = html.Table(
        [html.Thead(html.Tr([html.Th("Week beginning", scope="col"), html.Th("That week", scope="col", className="num"),
                             html.Th("Year to date", scope="col", className="num")])),
         html.Tbody([html.Tr([html.Th(f"{w.week_start:%-d %b}", scope="row"), html.Td(shell.percent(w.week), className="num"),
                              html.Td(shell.percent(w.year_to_date), className="num")]) for w in p.weeks])],
        className="table compact",
    )  # fmt: skip
    steps = "; ".join(f"{what} on {day:%-d %b}" for day, what in milestones)
    return html.Div(
        [
            html.P(summary + (f" Interventions (▼ on the chart): {steps}." if steps else "")),
            html.Figure(dcc.Graph(id="pupil-trend", figure=figure, config={"displayModeBar": False}),
                        **{"aria-hidden": "true"}),
            html.Details([html.Summary("The same figures as a table"), table]),
        ]
    )  # fmt: skip


def _line(y: int, colour: str) -> dict:
    return {"type": "line", "xref": "paper", "x0": 0, "x1": 1, "y0": y, "y1": y,
            "line": {"color": colour, "width": 1.5, "dash": "dash"}}  # fmt: skip


def _note(y: int, text: str, side: str) -> dict:
    return {"xref": "paper", "x": 0, "y": y, "text": text, "showarrow": False, "xanchor": "left",
            "yanchor": side, "font": {"size": 11}}  # fmt: skip


def _patterns(p: Patterns, lesson_minutes: int) -> html.Div:
    rows = [
        html.Tr([html.Th(day, scope="row"), html.Td(_missed(s["AM"]), className="num"),
                 html.Td(_missed(s["PM"]), className="num")])
        for day, s in p.weekdays.items()
    ]  # fmt: skip
    lessons = p.minutes_late / lesson_minutes if lesson_minutes else 0
    return html.Div(
        [
            html.Table(
                [html.Caption("Sessions missed by weekday, morning and afternoon"),
                 html.Thead(html.Tr([html.Th("Day", scope="col"), html.Th("Morning", scope="col", className="num"),
                                     html.Th("Afternoon", scope="col", className="num")])),
                 html.Tbody(rows)],
                className="table compact",
            ),
            html.P(_breaks(p)),
            html.P(
                f"Late before the register closed {_times(p.late_before_close)} (code L) and after it closed "
                f"{_times(p.late_after_close)} (code U, an unauthorised absence): {p.minutes_late:,} minutes late "
                f"in all, about {lessons:.1f} lessons of {lesson_minutes} minutes."
            ),
        ]
    )  # fmt: skip


def _breaks(p: Patterns) -> str:
    near, other = p.next_to_breaks, p.other_days
    if not near.possible:
        return "No school days next to a holiday yet this year."
    text = (
        f"On the school days either side of a holiday: missed {near.absent} of {near.possible} sessions "
        f"({near.absence_rate:.1f}%)"
    )
    text += f", against {other.absence_rate:.1f}% on other days." if other.possible else "."
    if p.breaks_from_calendar:
        return text + " Holidays, INSET days and closures from the school calendar."
    return text + " No school calendar for this year: holidays are guessed from the days with no register."


def _missed(c: Counts) -> str:
    return f"{c.absent} of {c.possible}" if c.possible else "–"


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _calendar(register: PupilRegister) -> html.Div:
    if not register.weeks:
        return html.P("No marks recorded this academic year.")
    head = html.Tr([html.Th("Week of", scope="col")] +
                   [html.Th(d, scope="col", colSpan=2) for d in ("Mon", "Tue", "Wed", "Thu", "Fri")])  # fmt: skip
    body = [
        html.Tr([html.Th(f"{week:%d %b}", scope="row")] + [
            html.Td(cell[0], className=f"cat-{cell[1]}", title=cell[2]) if cell
            else html.Td(html.Span("no mark", className="visually-hidden"), className="cat-none", title="No mark")
            for cell in cells
        ])
        for week, cells in register.weeks
    ]  # fmt: skip
    return html.Div(
        [
            html.Div(
                html.Table(
                    [html.Caption("Register marks, one row a week (Monday morning to Friday afternoon). Each cell "
                                  "shows the code; colour repeats the category in the key."),
                     html.Thead(head), html.Tbody(body)],
                    className="table calendar", id="pupil-calendar",
                ),
                className="scroll",
            ),
            html.P([html.Span("/ present", className="cat-present"), " ",
                    html.Span("B approved activity", className="cat-approved_educational_activity"), " ",
                    html.Span("I authorised", className="cat-authorised"), " ",
                    html.Span("O unauthorised", className="cat-unauthorised"), " ",
                    html.Span("X not counted", className="cat-not_counted")], className="key"),
        ]
    )  # fmt: skip


def _codes(register: PupilRegister) -> html.Table | html.P:
    if not register.codes:
        return html.P("No marks recorded this academic year.")
    return html.Table(
        [html.Thead(html.Tr([html.Th("Code", scope="col"), html.Th("Meaning", scope="col"),
                             html.Th("Sessions", scope="col", className="num")])),
         html.Tbody([html.Tr([html.Td(html.Code(code)), html.Td(meaning), html.Td(n, className="num")])
                     for code, meaning, n in register.codes])],
        className="table compact",
    )  # fmt: skip
