"""Pieces of the weekly view built on the server: headline tiles, the banding matrix, the filter bar."""

from __future__ import annotations

from dash import dcc, html

from app.flags.rules import FLAG_ICONS, FLAG_LABELS, FLAGS, STEPS, TRENDS
from app.registers.models import SEN_STATUSES
from app.registers.school_view import BANDS
from dashboards import data, shell
from dashboards.week_filters import YES_NO, Matrix, band_label

# (control id, label, WeekFilters field, several at once?) in WeekFilters' field order
FILTERS = (
    ("f-year", "Year", "years", True),
    ("f-form", "Form", "forms", True),
    ("f-flag", "Flag", "flags", True),
    ("f-trend", "Trend", "trends", True),
    ("f-step", "Next step", "steps", True),
    ("f-sen", "SEN", "sen", True),
    ("f-fsm", "Free school meals", "fsm", False),
    ("f-eal", "EAL", "eal", False),
    ("f-lac", "Looked after", "looked_after", False),
    ("f-band", "Absence band", "bands", True),
)


def filter_bar(years: list[str], forms: list[str], chosen: dict[str, list]) -> html.Fieldset:
    """Named filters a lead can reach by keyboard; each says what it narrows to."""
    options = {
        "years": [{"label": f"Year {y}", "value": y} for y in years],
        "forms": [{"label": f, "value": f} for f in forms],
        "flags": [{"label": f"{FLAG_ICONS[f]} {FLAG_LABELS[f]}", "value": f} for f in FLAGS],
        "trends": [{"label": data.TREND_ARROWS[t], "value": t} for t in TRENDS],
        "steps": [{"label": f"{s.title()}: {text}", "value": s} for s, text in STEPS.items()],
        "sen": [{"label": text, "value": code} for code, text in SEN_STATUSES.items()],
        "bands": [{"label": f"{band_label(i)} absence", "value": i} for i in range(len(BANDS))],
    }
    yes_no = [{"label": v, "value": v} for v in YES_NO]
    controls = [
        html.Div(
            [
                html.Label(label, htmlFor=cid),
                dcc.Dropdown(
                    id=cid,
                    options=options.get(field, yes_no),
                    multi=multi,
                    placeholder="Any",
                    value=chosen.get(field, [] if multi else None),
                    searchable=True,
                ),
            ],
            className="field",
        )  # fmt: skip
        for cid, label, field, multi in FILTERS
    ]
    return html.Fieldset(
        [
            html.Legend("Filter pupils"),
            html.Div(controls, className="filters"),
            html.Button("Clear filters", id="flags-clear", className="button secondary"),
        ],
        className="filter-bar",
    )


def tiles(t: data.Tiles) -> list:
    change = (
        "no earlier week"
        if t.change_pp is None
        else f"{round(t.change_pp, 1) + 0:+.1f} points since last week"
    )
    share = (lambda n: f"{n / t.counted * 100:.1f}%") if t.counted else (lambda _n: "–")
    days = t.ytd_absent_sessions / 2
    return [
        _tile("Year to date", shell.percent(t.ytd_attendance), f"attendance · {change}"),
        _tile("This week", shell.percent(t.week_attendance), "attendance"),
        _tile("Persistent absence", _pupils(t.persistent), f"{share(t.persistent)} of pupils (10% or more missed)"),
        _tile("Severe absence", _pupils(t.severe), f"{share(t.severe)} of pupils (50% or more missed)"),
        _tile("Days missed", f"{days:,.0f}", "school days missed this year, all pupils"),
        html.Section(
            [
                html.H2("Pupils by flag"),
                html.Ul([
                    html.Li([html.Span(f"{FLAG_ICONS[f]} {f.title()}", className=f"flag flag-{f}"), f" {n}"])
                    for f, n in t.by_flag.items()
                ]),
            ],
            className="tile",
        ),
    ]  # fmt: skip


def banding(m: Matrix) -> list:
    """Severity by year group; every count is a button that filters the list to those pupils."""
    if not m.years:
        return [html.P("No pupil has 20 possible sessions yet, so nobody is banded.")]
    head = html.Tr(
        [html.Th("Absence this year", scope="col")]
        + [html.Th(f"Year {y}", scope="col", className="num") for y in m.years]
        + [html.Th("All years", scope="col", className="num")]
    )
    body = []
    for band in range(len(BANDS)):
        severity = "band-severe" if BANDS[band][0] >= 50 else "band-pa" if BANDS[band][0] >= 10 else ""
        label = band_label(band)
        cells = [html.Th([label, _severity_note(band)], scope="row")]
        for year in [*m.years, None]:
            n = m.counts[(year, band)] if year else m.total(band)
            where = f"year {year}" if year else "all years"
            cells.append(
                html.Td(
                    html.Button(
                        str(n), id={"type": "flags-band", "year": year or "", "band": band},
                        className="link-button", **{"aria-label": f"{_pupils(n)} in {where} with {label} absence: show them"},
                    ) if n else "·",
                    className=f"num {severity}",
                )
            )  # fmt: skip
        body.append(html.Tr(cells))
    note = (
        f" {_pupils(m.left_out)} with fewer than 20 possible sessions {'is' if m.left_out == 1 else 'are'} not banded."
        if m.left_out
        else ""
    )
    return [
        html.Div(
            html.Table(
                [html.Caption("Pupils by year group and 5% band of year-to-date absence"), html.Thead(head),
                 html.Tbody(body)],
                className="table banding",
            ),
            className="scroll",
        ),
        html.P("Choose a number to list those pupils below." + note, className="hint"),
    ]  # fmt: skip


def _severity_note(band: int) -> html.Span | str:
    low = BANDS[band][0]
    if low >= 50:
        return html.Span(" (severe)", className="hint")
    return html.Span(" (persistent)", className="hint") if low >= 10 else ""


def _pupils(count: int) -> str:
    return f"{count} pupil" if count == 1 else f"{count:,} pupils"


def _tile(title: str, figure: str, note: str) -> html.Section:
    return html.Section(
        [html.H2(title), html.P(figure, className="figure"), html.P(note, className="note")], className="tile"
    )
