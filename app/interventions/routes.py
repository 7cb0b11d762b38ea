"""Casework pages: a pupil's cases with their timeline, and the forms that add to them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from app.access import current_recorder, pupil_or_404, require_role, school_or_404
from app.db import get_session
from app.flags import report as flag_report
from app.flags.rules import FLAG_ICONS, STEPS
from app.interventions import forms, impact, next_steps, services
from app.interventions.models import STAGE_LABELS, Case, SupportPlan
from app.interventions.timeline import pupil_cases
from app.registers import school_view
from app.registers.measures import describe_absence
from app.registers.models import Pupil
from app.schools.settings import lessons_per_day
from tenants.access import PUPIL_READERS
from tenants.models import School

bp = Blueprint("casework", __name__, url_prefix="/schools/<int:urn>")


def _pupil(urn: int, pupil_id: int) -> tuple[School, Pupil]:
    school = school_or_404(urn)
    require_role(school, PUPIL_READERS)
    return school, pupil_or_404(school, pupil_id)


@bp.get("/cases")
@login_required
def cases(urn: int):  # type: ignore[no-untyped-def]
    """The school's open cases: who owns each, what was done last, what is due."""
    school = school_or_404(urn)
    require_role(school, PUPIL_READERS)
    db = get_session()
    summaries = services.open_case_summaries(db, school)
    pupils = {
        p.id: p
        for p in db.scalars(select(Pupil).where(Pupil.school_id == school.id, Pupil.id.in_(summaries)))
    }
    rows = sorted(((pupils[pid], s) for pid, s in summaries.items()), key=lambda r: r[0].display_name)
    return render_template("interventions/cases.html", school=school, rows=rows)


@bp.get("/pupils/<int:pupil_id>/case")
@login_required
def pupil(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    school, found = _pupil(urn, pupil_id)
    return _page(school, found)


@bp.post("/pupils/<int:pupil_id>/case/next-step")
@login_required
def act(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    """The weekly next step becomes a planned action (opening a case if need be) in one submit."""
    school, found = _pupil(urn, pupil_id)
    form = _with_owners(forms.StepForm(), school)
    return _save(school, found, "step_form", form, lambda db, owner: next_steps.act_on_step(
        db, school, found, step=form.step.data, kind=form.kind.data, owner_id=form.owner.data, owner_name=owner,
        due_on=form.due_on.data, recorder=current_recorder(), today=date.today(),
    ), "Next step added as an action.")  # fmt: skip


@bp.post("/pupils/<int:pupil_id>/case/open")
@login_required
def open_case(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    school, found = _pupil(urn, pupil_id)
    form = _with_owners(forms.OpenCaseForm(), school)
    return _save(school, found, "open_form", form, lambda db, owner: services.open_case(
        db, school, found, stage=form.stage.data, owner_id=form.owner.data, owner_name=owner,
        reason=form.reason.data, opened_on=form.opened_on.data, recorder=current_recorder(), today=date.today(),
    ), "Case opened.")  # fmt: skip


@bp.post("/pupils/<int:pupil_id>/case/actions")
@login_required
def action(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    school, found = _pupil(urn, pupil_id)
    form = _with_owners(forms.ActionForm(), school)
    return _save(school, found, "action_form", form, lambda db, owner: services.record_action(
        db, school, _open_case(db, school, found), kind=form.kind.data, owner_name=owner, due_on=form.due_on.data,
        done_on=form.done_on.data, notes=form.notes.data or "", outcome=form.outcome.data or "",
        follow_up_on=form.follow_up_on.data, restricted=_restricted(form, school), recorder=current_recorder(),
        today=date.today(),
    ), "Action recorded.")  # fmt: skip


@bp.post("/pupils/<int:pupil_id>/case/plans")
@login_required
def plan(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    """The attendance support meeting: its record, SMART actions, and the review date."""
    school, found = _pupil(urn, pupil_id)
    form = forms.PlanForm()
    return _save(school, found, "plan_form", form, lambda db, _owner: services.record_plan(
        db, school, _open_case(db, school, found), met_on=form.met_on.data, working_well=form.working_well.data or "",
        worries=form.worries.data or "", needs_to_happen=form.needs_to_happen.data or "", smart_actions=_smart_rows(),
        review_on=form.review_on.data, recorder=current_recorder(), today=date.today(),
    ), "Support plan recorded; its review is on the timeline.")  # fmt: skip


@bp.post("/pupils/<int:pupil_id>/case/plans/<int:plan_id>/review")
@login_required
def review(urn: int, pupil_id: int, plan_id: int):  # type: ignore[no-untyped-def]
    school, found = _pupil(urn, pupil_id)
    db = get_session()
    held = db.get(SupportPlan, (school.id, plan_id))
    if held is None or held.pupil_id != found.id:
        abort(404)
    form = forms.ReviewForm(prefix=f"review-{plan_id}")
    return _save(school, found, f"review_form_{plan_id}", form, lambda db, _owner: services.review_plan(
        db, school, _open_case(db, school, found), held, reviewed_on=form.reviewed_on.data,
        outcome=form.outcome.data, today=date.today(),
    ), "Review recorded.")  # fmt: skip


@bp.post("/pupils/<int:pupil_id>/case/close")
@login_required
def close(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    school, found = _pupil(urn, pupil_id)
    form = forms.CloseForm()
    return _save(school, found, "close_form", form, lambda db, _owner: services.close_case(
        db, school, _open_case(db, school, found), closed_on=form.closed_on.data, outcome=form.outcome.data,
        today=date.today(),
    ), "Case closed.")  # fmt: skip


def _restricted(form: forms.ActionForm, school: School) -> bool:
    """Only the DSL (who may read it back) marks a note as safeguarding."""
    if form.restricted.data and not current_user.principal.reads_safeguarding(school.id):
        raise services.CaseworkRefused(
            {"restricted": "Only staff with the DSL permission record safeguarding notes."}
        )
    return bool(form.restricted.data)


def _open_case(db: Session, school: School, found: Pupil) -> Case:
    case = services.open_case_of(db, school, found.id)
    if case is None:
        raise services.CaseworkRefused({"case": f"{found.display_name} has no open case: open one first."})
    return case


def _with_owners(form: FlaskForm, school: School, owners: list[services.Owner] | None = None) -> FlaskForm:
    """Offer the school's staff as owners; the chosen one must be among them."""
    owners = services.case_owners(get_session(), school) if owners is None else owners
    form.owner.choices = [SelectChoice(o.user_id, f"{o.name}, {o.title}") for o in owners]  # type: ignore[attr-defined]
    form.owner_names = {o.user_id: o.name for o in owners}  # type: ignore[attr-defined]
    return form


def _save(school: School, found: Pupil, name: str, form: FlaskForm, work: Callable, done: str):  # type: ignore[no-untyped-def]
    """Run one casework use case; any refusal shows every problem by its field and saves nothing."""
    db = get_session()
    if form.validate_on_submit():
        names = getattr(form, "owner_names", None)
        owner = names.get(form.owner.data, "") if names else ""  # type: ignore[attr-defined]
        try:
            work(db, owner)
        except services.CaseworkRefused as refused:
            db.rollback()
            _show_problems(form, refused.problems)
        else:
            db.commit()
            flash(done, "success")
            return redirect(url_for("casework.pupil", urn=school.urn, pupil_id=found.id) + "#timeline")
    return _page(school, found, **{name: form}), 400


def _show_problems(form: FlaskForm, problems: dict[str, str]) -> None:
    """Field problems go next to their field; the rest (case, plan, SMART rows) to the form's own list."""
    form.problems = []  # type: ignore[attr-defined]
    for key, message in problems.items():
        field = getattr(form, key, None)
        if field is not None and hasattr(field, "errors") and key != "meta":
            field.errors = [*field.errors, message]
        else:
            form.problems.append((key, message))  # type: ignore[attr-defined]


def _smart_rows() -> list[dict[str, str]]:
    """SMART actions as typed; a row left wholly empty is not an action."""
    rows = []
    for i in range(1, forms.SMART_ROWS + 1):
        row = {k: request.form.get(f"smart-{i}-{k}", "").strip()[:500] for k in ("what", "who", "by")}
        if any(row.values()):
            rows.append(row)
    return rows


def _page(school: School, found: Pupil, **given: FlaskForm) -> str:
    """Draw the casework page; a refused form comes back as typed, the others fresh."""
    db = get_session()
    today = date.today()
    me = current_user.user.id
    flag = flag_report.pupil_flag(db, school, found.id, today)
    posted = given["step_form"].step.data if "step_form" in given else None  # type: ignore[attr-defined]
    asked = posted if posted is not None else request.args.get("step", "")
    step = asked if asked in STEPS else (flag.step if flag else "")
    plan_due = next_steps.suggested_due(step, today) if step else today
    defaults: dict[str, FlaskForm] = {
        "step_form": forms.StepForm(formdata=None, step=step, owner=me, due_on=plan_due,
                                     kind=next_steps.STEP_ACTIONS[step].kind if step else "phone_call"),
        "open_form": forms.OpenCaseForm(formdata=None, owner=me, opened_on=today,
                                        stage=next_steps.STEP_ACTIONS[step].stage.value if step else "monitor"),
        "action_form": forms.ActionForm(formdata=None, owner=me),
        "plan_form": forms.PlanForm(formdata=None, met_on=today),
        "close_form": forms.CloseForm(formdata=None, closed_on=today),
    }  # fmt: skip
    chosen = {**defaults, **given}
    owners = services.case_owners(db, school)
    for name in ("step_form", "open_form", "action_form"):
        _with_owners(chosen[name], school, owners)
    counts = school_view.pupil_register(db, school, found, today).counts
    safeguarding = current_user.principal.reads_safeguarding(school.id)
    stories = pupil_cases(db, school, found.id, safeguarding=safeguarding, today=today)
    review_forms = {  # one form per plan awaiting review, each with its own field ids
        plan.id: chosen.pop(f"review_form_{plan.id}", None)
        or forms.ReviewForm(formdata=None, prefix=f"review-{plan.id}", reviewed_on=today)
        for story in stories
        for plan in story.plans
        if story.case.is_open and plan.reviewed_on is None
    }
    for name in [n for n in chosen if n.startswith("review_form_")]:  # a plan no longer open to review
        for _key, message in getattr(chosen.pop(name), "problems", []):
            flash(f"Review not saved: {message}", "error")
    return render_template(
        "interventions/pupil.html",
        school=school,
        pupil=found,
        flag=flag,
        flag_icons=FLAG_ICONS,
        step=step,
        step_text=STEPS.get(step, ""),
        absence_sentence=describe_absence(counts, lessons_per_day(school)),
        stories=stories,
        open_story=next((s for s in stories if s.case.is_open), None),
        impacts=impact.case_impacts(db, school, stories[0].case, today) if stories else [],
        safeguarding=safeguarding,
        review_forms=review_forms,
        smart_rows=_smart_rows() if "plan_form" in given else [],
        smart_row_count=forms.SMART_ROWS,
        stage_labels=STAGE_LABELS,
        **chosen,
    )
