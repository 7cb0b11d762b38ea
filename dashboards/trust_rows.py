"""The trust dashboard's schools table: one grid row per school with figures in words as well as numbers,
and the trust (pooled), LA and England rows pinned beneath it so they never sort in among the schools."""

from __future__ import annotations

from app.benchmarks.figures import GAPS, BenchmarkRow
from app.benchmarks.reference import reference_phase
from dashboards.shell import one_place
from dashboards.trust_data import Overview, Weekly
from tenants.models import School

QUARTERS = {1: "top quarter", 2: "second quarter", 3: "third quarter", 4: "bottom quarter"}
TSM_FLAG = "⚑ Targeting Support Meeting"
TSM_CLEAR = "✓ At or above England"

COLUMNS = [
    {"field": "name", "headerName": "School", "cellRenderer": "SchoolCell", "pinned": "left", "minWidth": 250,
     "tooltipField": "name"},
    {"field": "phase", "headerName": "Phase", "maxWidth": 110},
    {"field": "enrolments", "headerName": "Enrolments", "type": "numericColumn", "maxWidth": 120},
    {"field": "attendance", "headerName": "Attendance %", "type": "numericColumn", "maxWidth": 130},
    {"field": "spark_text", "headerName": "Weekly attendance this year (first → last week)",
     "cellRenderer": "Sparkline", "sortable": False, "minWidth": 215},
    {"field": "days_missed", "headerName": "Days missed", "type": "numericColumn", "maxWidth": 125},
    {"field": "pa", "headerName": "PA %", "type": "numericColumn", "maxWidth": 95,
     "headerTooltip": "Persistent absence: enrolments missing 10% or more of their sessions"},
    {"field": "sa", "headerName": "SA %", "type": "numericColumn", "maxWidth": 95,
     "headerTooltip": "Severe absence: enrolments missing 50% or more of their sessions"},
    {"field": "movement", "headerName": "Movement", "cellRenderer": "Worded", "minWidth": 150,
     "headerTooltip": "Change in the period's attendance since a week earlier, in percentage points"},
    {"field": "vs_la", "headerName": "vs LA", "cellRenderer": "Worded", "minWidth": 140},
    {"field": "vs_england", "headerName": "vs England", "cellRenderer": "Worded", "minWidth": 140},
    {"field": "rank", "headerName": "Rank", "cellRenderer": "Worded", "type": "numericColumn", "minWidth": 175},
    {"field": "tsm", "headerName": "Targeting Support Meeting", "cellRenderer": "TsmCell", "minWidth": 240,
     "tooltipField": "tsm_reason"},
    {"field": "fsm_gap", "headerName": "FSM gap", "cellRenderer": "Worded", "minWidth": 130,
     "headerTooltip": "Attendance of pupils on free school meals minus the others', percentage points"},
    {"field": "sen_gap", "headerName": "SEN gap", "cellRenderer": "Worded", "minWidth": 130,
     "headerTooltip": "Attendance of pupils with SEN support minus those with no SEN, percentage points"},
    {"field": "on_time", "headerName": "Tasks on time (4 weeks)", "cellRenderer": "Worded", "minWidth": 190},
    {"field": "impact", "headerName": "Intervention impact", "cellRenderer": "Worded", "minWidth": 210},
]  # fmt: skip


def signed(pp: float | None, above: str = "above", below: str = "below", same: str = "same") -> str:
    """A difference in percentage points, signed and in words ("+1.2 pp above"; "0.0 pp, just below")."""
    if pp is None:
        return "–"
    value = round(pp, 1) + 0  # no "-0.0"
    if value == 0:
        return f"0.0 pp, just {above}" if pp > 0 else f"0.0 pp, just {below}" if pp < 0 else f"0.0 pp {same}"
    return f"{value:+.1f} pp {above if value > 0 else below}"


def movement(pp: float | None) -> str:
    """An arrow AND a word, so the direction never rests on a symbol alone."""
    if pp is None:
        return "– no earlier week"
    value = round(pp, 1) + 0
    if value > 0:
        return f"↑ up {value:.1f} pp"
    return f"↓ down {-value:.1f} pp" if value < 0 else "→ no change"


def school_rows(o: Overview) -> list[dict]:
    count = len(o.bench.schools)
    rows = []
    for school, r in o.schools:
        compared = reference_phase(r.phase)  # alternative provision compares with all schools
        la, england = o.bench.la(r.la_code, compared), o.bench.england(compared)
        tally, impact = o.compliance.get(school.id), o.impact.get(school.id)
        on_time = tally.rate if tally else None
        rows.append({
            **_figures(r), "level": "school", "urn": school.urn, "phase": school.phase.value.title(),
            "links": school_links(school), **_spark(o.weekly.get(school.id)),
            **_worded("vs_la", _diff(r, la), signed(_diff(r, la)) + (f" {la.name}" if la else "")),
            **_worded("vs_england", _diff(r, england), signed(_diff(r, england))),
            **_worded("rank", r.rank, f"{r.rank} of {count} · {QUARTERS.get(r.quartile or 0, '')}" if r.rank else "–"),
            "tsm": _tsm(r.below_national), "tsm_flagged": bool(r.below_national), "tsm_reason": r.tsm_reason or "",
            **_worded("on_time", one_place(on_time),
                      "no tasks due" if tally is None or not tally.due else f"{on_time:.1f}% ({tally.on_time} of {tally.due})"),
            **_worded("impact", one_place(impact.mean_change) if impact else None,
                      impact.words() if impact else "no actions yet"),
        })  # fmt: skip
    return rows


def reference_rows(o: Overview) -> list[dict]:
    """The pooled trust row, then each LA and England row the shown schools are compared with."""
    phases = {r.phase for _s, r in o.schools}
    las = {(r.la_code, r.phase) for _s, r in o.schools}
    pooled_name = o.pooled.name if o.phase_only else f"{o.trust.name} (pooled)"
    total = next((r for r in o.bench.national if r.phase.lower() == "total"), None)
    rows = [{**_figures(o.pooled), "name": pooled_name, "level": "trust", "phase": "All" if not o.phase_only else "",
             **_spark(o.pooled_weekly()),
             **_worded("vs_england", _diff(o.pooled, total), signed(_diff(o.pooled, total)) + " (all schools)")}]  # fmt: skip
    refs = [r for r in o.bench.las if (r.la_code, r.phase) in las] + [
        r for r in o.bench.national if r.phase in phases or r.phase.lower() == "total"
    ]
    for r in refs:
        name = f"{r.name} LA" if r.level == "la" else r.name
        phase = "all schools" if r.phase.lower() == "total" else f"{r.phase.lower()} schools"
        rows.append({**_figures(r), "name": f"{name}, {phase}", "level": r.level, "phase": r.phase,
                     "days_missed": None, "spark_text": "DfE: no weekly series"})  # fmt: skip
    return rows


def cohort_gaps(row: BenchmarkRow) -> list[tuple[str, float | None]]:
    return [(name, row.gap(a, b)) for name, a, b in GAPS]


def _figures(r: BenchmarkRow) -> dict:
    return {
        "name": r.name, "enrolments": r.enrolments, "attendance": one_place(r.attendance_rate),
        "days_missed": r.days_missed, "pa": one_place(r.persistent_rate), "sa": one_place(r.severe_rate),
        **_worded("movement", one_place(r.movement_pp), movement(r.movement_pp) if r.level != "la" and r.level != "national" else "–"),
        **_worded("fsm_gap", one_place(r.gap("fsm", "not_fsm")), signed(r.gap("fsm", "not_fsm"), "higher", "lower")),
        **_worded("sen_gap", one_place(r.gap("sen_support", "no_sen")),
                  signed(r.gap("sen_support", "no_sen"), "higher", "lower")),
    }  # fmt: skip


def _worded(field: str, value: object, text: str) -> dict:
    """A number to sort by and the words a cell shows for it (the Worded renderer reads FIELD_text)."""
    return {field: value, f"{field}_text": text}


def _diff(row: BenchmarkRow, other: BenchmarkRow | None) -> float | None:
    if other is None or row.attendance_rate is None or other.attendance_rate is None:
        return None
    return one_place(row.attendance_rate - other.attendance_rate)


def _tsm(below: bool | None) -> str:
    return "– no England figure" if below is None else TSM_FLAG if below else TSM_CLEAR


def _spark(weekly: Weekly | None) -> dict:
    """Weekly rates for the sparkline, and the text alternative: the first and last weeks' figures."""
    points = [(w, weekly.rate(w)) for w in weekly.weeks] if weekly else []
    points = [(w, one_place(v)) for w, v in points if v is not None]
    if not points:
        return {"spark": [], "spark_text": "no weeks yet"}
    (first, a), (last, b) = points[0], points[-1]
    return {"spark": [v for _w, v in points],
            "spark_text": f"{first:%-d %b} {a:.1f}% → {last:%-d %b} {b:.1f}%"}  # fmt: skip


def school_links(school: School) -> dict[str, str]:
    return {
        "benchmark": f"/schools/{school.urn}/benchmark",
        "week": f"/dashboards/schools/{school.urn}/week",
        "attendance": f"/schools/{school.urn}/attendance",
    }
