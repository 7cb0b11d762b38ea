"""Letters pages: templates (school and trust), generating for a pupil or a filtered list, and downloads.

Downloads take a school's URN and a letter or batch number, never a storage key: the row is looked up
within the school, and its key is read only inside that school's prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from app.access import current_recorder, pupil_or_404, require_role, school_or_404, trust_or_404
from app.audit.services import record_export
from app.db import get_session
from app.letters import services, texts
from app.letters.figures import year_group_name
from app.letters.forms import BatchForm, CsrfForm, GenerateForm, TemplateForm
from app.letters.improvement import RULE
from app.letters.merge import TemplateRefused, fields_for
from app.letters.models import SchoolLetterTemplate, TrustLetterTemplate
from app.letters.wording import BUILT_IN, GENERATE, TEMPLATES, Text
from app.registers.models import YEAR_GROUPS, Pupil, on_roll_on
from app.storage import get_storage
from tenants.access import PUPIL_READERS
from tenants.models import Role, School, Trust

bp = Blueprint("letters", __name__)
TEMPLATE_EDITORS = frozenset({Role.SCHOOL_LEAD, Role.TRUST_LEADER})


def _request(form: GenerateForm) -> services.LetterRequest:
    return services.check_request(
        form.kind.data or "",
        form.letter_date.data,
        date.today(),
        form.meeting_date.data,
        form.meeting_time.data,
    )


def _show_problems(form: FlaskForm, problems: dict[str, str]) -> None:
    """Put each refusal next to its field."""
    for name, message in problems.items():
        getattr(form, name).errors = [message]


@bp.route("/schools/<int:urn>/letters", methods=["GET", "POST"])
@login_required
def school(urn: int):  # type: ignore[no-untyped-def]
    """Templates in use, the batch form (preview, then generate), and recent batches."""
    found = school_or_404(urn)
    role = require_role(found, PUPIL_READERS)
    db = get_session()
    form = BatchForm()
    _batch_choices(found, form)
    if not form.validate_on_submit():
        return _school_page(found, role, form), 400 if form.is_submitted() else 200
    today = date.today()
    filters = {"year_group": form.year_group.data, "form": form.form_name.data, "flag": form.flag.data}
    try:
        wanted = _request(form)
        selection = services.select_pupils(db, found, wanted, **filters)
        if request.form.get("action") != "generate":  # preview: who would get one, and who not
            return _school_page(found, role, form, selection)
        description = services.describe(wanted, len(selection.pupils), **filters)
        batch = services.generate(
            db, found, get_storage(), selection.pupils, wanted, current_recorder(), description,
            register=selection.register, today=today,
        )  # fmt: skip
    except services.LettersRefused as refused:
        _show_problems(form, refused.problems)
        return _school_page(found, role, form), 400
    flash(f"Made {batch.letters} letter{'' if batch.letters == 1 else 's'} (batch {batch.id}).", "success")
    return redirect(url_for("letters.school", urn=urn, _anchor="h-batches"))


def _batch_choices(school: School, form: BatchForm) -> None:
    """Year groups and forms of pupils on roll today, for the filters."""
    rows = get_session().execute(
        select(Pupil.year_group, Pupil.form)
        .where(Pupil.school_id == school.id, on_roll_on(date.today()))
        .distinct()
    )
    years, forms = set(), set()
    for year_group, form_name in rows:
        years.add(year_group)
        if form_name:
            forms.add(form_name)
    ordered = sorted(years, key=lambda y: YEAR_GROUPS.index(y) if y in YEAR_GROUPS else len(YEAR_GROUPS))
    form.year_group.choices = [SelectChoice("", "Any year group")] + [
        SelectChoice(y, year_group_name(y)) for y in ordered
    ]
    form.form_name.choices = [SelectChoice("", "Any form")] + [SelectChoice(f, f) for f in sorted(forms)]


def _school_page(
    school: School, role: Role, form: BatchForm, selection: services.Selection | None = None
) -> str:
    db = get_session()
    return render_template(
        "letters/school.html",
        school=school,
        form=form,
        selection=selection,
        wordings=texts.school_wordings(db, school),
        sources=texts.SOURCES,
        templates=TEMPLATES,
        batches=services.recent_batches(db, school),
        generate=GENERATE,
        can_edit=role in TEMPLATE_EDITORS,
        leads_trust=current_user.principal.leads_trust(school.trust_id),
        improvement_rule=RULE,
    )


@bp.route("/schools/<int:urn>/pupils/<int:pupil_id>/letters", methods=["GET", "POST"])
@login_required
def pupil(urn: int, pupil_id: int):  # type: ignore[no-untyped-def]
    """A pupil's letters and certificates, and the form to make one."""
    found = school_or_404(urn)
    require_role(found, PUPIL_READERS)
    child = pupil_or_404(found, pupil_id)
    form = GenerateForm()
    if not form.validate_on_submit():
        return _pupil_page(found, child, form), 400 if form.is_submitted() else 200
    try:
        wanted = _request(form)
        batch = services.generate(
            get_session(), found, get_storage(), [child], wanted, current_recorder(), child.display_name,
            today=date.today(),
        )  # fmt: skip
    except services.LettersRefused as refused:
        _show_problems(form, refused.problems)
        return _pupil_page(found, child, form), 400
    flash(f"Made the {GENERATE[batch.kind].lower()} for {child.display_name}.", "success")
    return redirect(url_for("letters.pupil", urn=urn, pupil_id=pupil_id))


def _pupil_page(school: School, child: Pupil, form: GenerateForm) -> str:
    return render_template(
        "letters/pupil.html",
        school=school,
        pupil=child,
        form=form,
        letters=services.letters_for_pupil(get_session(), school, child.id),
        templates=TEMPLATES,
        improvement_rule=RULE,
    )


@bp.get("/schools/<int:urn>/letters/<int:letter_id>.pdf")
@login_required
def download(urn: int, letter_id: int):  # type: ignore[no-untyped-def]
    """One letter's PDF, found by its number within this school only."""
    found = school_or_404(urn)
    require_role(found, PUPIL_READERS)
    letter = services.letter_in(get_session(), found, letter_id)
    if letter is None:
        abort(404)
    child = pupil_or_404(found, letter.pupil_id)
    name = services.file_name(found, letter.kind, letter.letter_date, child.display_name)
    return _pdf(services.read_pdf(get_storage(), found, letter), name, found)


@bp.get("/schools/<int:urn>/letters/batches/<int:batch_id>.pdf")
@login_required
def batch_download(urn: int, batch_id: int):  # type: ignore[no-untyped-def]
    """A batch's letters in one PDF, in order, each on its own pages: one print run."""
    found = school_or_404(urn)
    require_role(found, PUPIL_READERS)
    batch = services.batch_in(get_session(), found, batch_id)
    if batch is None:
        abort(404)
    name = services.file_name(found, batch.kind, batch.letter_date, f"batch {batch.id}")
    return _pdf(services.read_pdf(get_storage(), found, batch), name, found)


def _pdf(data: bytes, name: str, school: School) -> Response:
    record_export(get_session(), school, name, "download")  # in the trust's audit log
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"  # a family's letter stays off shared caches
    return response


@dataclass(frozen=True)
class _Owner:
    """Whose wording a template page changes: a school's own (over its trust's) or the trust's default."""

    trust: Trust
    school: School | None = None

    def in_use(self, db: Session, kind: str) -> texts.Wording:
        if self.school:
            return texts.school_wording(db, self.school, kind)
        return texts.trust_wording(db, self.trust.id, kind)

    def fallback(self, db: Session, kind: str) -> texts.Wording:
        """What a reset goes back to: the trust default for a school, Turnout's wording for a trust."""
        if self.school:
            return texts.trust_wording(db, self.trust.id, kind)
        return texts.Wording(kind, BUILT_IN[kind], "built-in", 0)

    def history(self, db: Session, kind: str) -> list[texts.Version]:
        if self.school:
            return texts.history(db, SchoolLetterTemplate, self.school.id, kind)
        return texts.history(db, TrustLetterTemplate, self.trust.id, kind)

    def save(self, db: Session, kind: str, text: Text | None) -> int | None:
        if self.school:
            return texts.save_school(db, self.school, kind, text, current_recorder())
        return texts.save_trust(db, self.trust.id, kind, text, current_recorder())


def _owner(kind: str, urn: int | None, slug: str | None) -> _Owner:
    """The school (its template editors only) or trust (its leaders only); 404 for a kind that is unknown."""
    if urn is not None:
        found = school_or_404(urn)
        require_role(found, TEMPLATE_EDITORS)
        owner = _Owner(found.trust, found)
    else:
        owner = _Owner(trust_or_404(slug or ""))
    if kind not in TEMPLATES:
        abort(404)
    return owner


_RESET = {  # each owner's template page and its reset (URLs and endpoint names others link to)
    "letters.edit_template": "letters.reset_template",
    "letters.trust_template": "letters.reset_trust_template",
}
_PAGE = {reset: page for page, reset in _RESET.items()}


@bp.route("/schools/<int:urn>/letters/templates/<kind>", methods=["GET", "POST"], endpoint="edit_template")
@bp.route("/trusts/<slug>/letter-templates/<kind>", methods=["GET", "POST"], endpoint="trust_template")
@login_required
def template(kind: str, urn: int | None = None, slug: str | None = None):  # type: ignore[no-untyped-def]
    """One kind's wording, a school's own or its trust's default: a save adds a version, bad fields save nothing."""
    owner = _owner(kind, urn, slug)
    db = get_session()
    in_use = owner.in_use(db, kind)
    form = TemplateForm(data={"title": in_use.text.title, "body": in_use.text.body})
    if form.validate_on_submit():
        try:
            version = owner.save(db, kind, Text(form.title.data or "", form.body.data or ""))
        except TemplateRefused as refused:
            _show_problems(form, refused.problems)
        else:
            _flash_saved(version)
            return redirect(url_for(request.endpoint or "", **(request.view_args or {})))
    page = render_template(
        "letters/template.html", form=form, kind=kind, label=TEMPLATES[kind], in_use=in_use,
        versions=owner.history(db, kind), sources=texts.SOURCES, fields=fields_for(kind), reset_form=CsrfForm(),
        fallback=owner.fallback(db, kind), school=owner.school, trust=owner.trust,
        reset_url=url_for(_RESET[request.endpoint or ""], **(request.view_args or {})),
    )  # fmt: skip
    return page, 400 if form.is_submitted() else 200


@bp.post("/schools/<int:urn>/letters/templates/<kind>/reset", endpoint="reset_template")
@bp.post("/trusts/<slug>/letter-templates/<kind>/reset", endpoint="reset_trust_template")
@login_required
def reset(kind: str, urn: int | None = None, slug: str | None = None):  # type: ignore[no-untyped-def]
    """Go back to the wording above (trust default, or Turnout's), as a new version so the history shows who."""
    owner = _owner(kind, urn, slug)
    if not CsrfForm().validate_on_submit():
        abort(400)
    _flash_saved(owner.save(get_session(), kind, None))
    return redirect(url_for(_PAGE[request.endpoint or ""], **(request.view_args or {})))


def _flash_saved(version: int | None) -> None:
    if version is None:
        flash("Nothing changed: this is already the wording in use.", "info")
    else:
        flash(f"Saved as version {version}; letters made from now on use it.", "success")
