"""Meting pages: list, new, detail with inline scoring (htmx), evidence, workflow, compare,
trend and the schools overview of a board. Views parse input, call one service or query and
render; refusals inside the user's reach are a 403 page with the reason, the rest is 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from schildwacht.assessments import services
from schildwacht.assessments.forms import (
    AssessmentCreateForm,
    BoardFromSchoolsForm,
    EvidenceForm,
    ScoreForm,
)
from schildwacht.assessments.models import Assessment, NormScore
from schildwacht.assessments.queries import (
    DomainScore,
    assessment_for_user,
    assessment_scores,
    assessment_sections,
    assessments_for_user,
    comparable,
    compare_assessments,
    evidence_for_user,
    newest_framework,
    schools_overview,
    score_for_user,
    trend,
)
from schildwacht.audit.services import Actor
from schildwacht.frameworks.models import Framework, Norm
from schildwacht.lib.htmx import is_htmx
from schildwacht.organisations.context import active_organisation_for
from schildwacht.organisations.models import Organisation, OrganisationKind
from schildwacht.organisations.scoping import organisation_for_user, organisation_ids
from schildwacht.people import queries as people_queries

PAGE_SIZE = 25


def _refused(request: HttpRequest, error: services.AssessmentRefused) -> HttpResponse:
    """Inside the user's reach but not allowed (or locked): say why, with status 403."""
    return render(request, "assessments/refused.html", {"message": error.message}, status=403)


def _anchor(norm_id: str) -> str:
    return "norm-" + "".join(c if c.isalnum() else "-" for c in norm_id)


def _viewable_organisation(request: HttpRequest) -> Organisation:
    organisation = active_organisation_for(request)
    if organisation is None or organisation.pk not in organisation_ids(request.user, "view"):
        raise Http404
    return organisation


@login_required
def assessment_list(request: HttpRequest) -> HttpResponse:
    """Metingen of the active organisation and, for a board, of its schools (paginated)."""
    organisation = _viewable_organisation(request)
    page = Paginator(assessments_for_user(request.user, organisation), PAGE_SIZE).get_page(
        request.GET.get("pagina")
    )
    changeable = organisation_ids(request.user, "change")
    return render(
        request,
        "assessments/list.html",
        {
            "organisation": organisation,
            "page": page,
            "may_create": any(pk in changeable for pk in _subtree_ids(organisation)),
            "is_board": organisation.kind == OrganisationKind.BOARD,
        },
    )


def _subtree_ids(organisation: Organisation) -> list[int]:
    return list(
        Organisation.objects.filter(path__startswith=organisation.path).values_list("pk", flat=True)
    )


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest) -> HttpResponse:
    organisation = _viewable_organisation(request)
    organisations = Organisation.objects.filter(
        pk__in=organisation_ids(request.user, "change"), path__startswith=organisation.path
    ).order_by("path")
    if not organisations.exists():
        return _refused(
            request,
            services.AssessmentRefused(_("U mag voor deze organisatie geen meting aanmaken.")),
        )
    frameworks = Framework.objects.for_user(request.user).order_by("slug", "-version", "-edition")
    default = newest_framework(request.user)
    form = AssessmentCreateForm(
        request.POST or None,
        organisations=organisations,
        frameworks=frameworks,
        initial={"framework": default, "organisation": organisations.first()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.create_assessment(
                Actor.for_user(request.user),
                form.cleaned_data["organisation"],
                form.cleaned_data["framework"],
                form.cleaned_data["title"],
            )
        except services.AssessmentRefused as error:
            return _refused(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("De meting is aangemaakt."))
            return redirect("assessments:detail", assessment.pk)
    return render(request, "assessments/create.html", {"form": form})


@dataclass
class ScoreRowView:
    """One norm on the detail page: norm, score, anchor and (for editors) the form."""

    norm: Norm
    score: NormScore | None
    anchor: str
    form: ScoreForm | None


def _row(norm: Norm, score: NormScore | None, editable: bool, data: Any = None) -> ScoreRowView:
    anchor = _anchor(norm.norm_id)
    form = ScoreForm.for_score(score, anchor, data) if editable and score is not None else None
    return ScoreRowView(norm, score, anchor, form)


def _permissions(request: HttpRequest, assessment: Assessment) -> dict[str, bool]:
    actor = Actor.for_user(request.user)
    may_change = services.may(actor, assessment.organisation, "change")
    may_approve = services.may(actor, assessment.organisation, "approve")
    status = assessment.status
    return {
        "may_edit": may_change and assessment.is_editable,
        "may_submit": may_change and status == "draft",
        "may_approve": may_approve and status == "in_review",
        "may_reopen": (may_change or may_approve) and status == "in_review",
        "may_delete": may_change and status == "draft",
    }


@login_required
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = assessment_for_user(request.user, pk)
    permissions = _permissions(request, assessment)
    scores = assessment_scores(assessment)
    by_domain: dict[tuple[str, int], DomainScore] = {(d.part, d.number): d for d in scores.domains}
    sections = [
        (
            section.domain,
            by_domain.get((section.domain.part, section.domain.number)),
            [_row(r.norm, r.score, permissions["may_edit"]) for r in section.rows],
        )
        for section in assessment_sections(assessment)
    ]
    others = (
        assessments_for_user(request.user, assessment.organisation)
        .filter(organisation=assessment.organisation)
        .exclude(pk=assessment.pk)[:50]
    )
    return render(
        request,
        "assessments/detail.html",
        {
            "assessment": assessment,
            "scores": scores,
            "sections": sections,
            "others": others,
            **permissions,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def score_row(request: HttpRequest, pk: int, norm_id: str) -> HttpResponse:
    """One norm's score: the page (or, for htmx, the ``_score_row.html`` partial); POST saves."""
    assessment = assessment_for_user(request.user, pk)
    score = score_for_user(request.user, assessment, norm_id)
    norm = Norm.objects.filter(framework_id=assessment.framework_id, norm_id=norm_id).first()
    if norm is None:
        raise Http404
    permissions = _permissions(request, assessment)
    row = _row(norm, score, permissions["may_edit"], request.POST or None)
    if request.method == "POST":
        if row.form is None:
            try:
                services.update_score(Actor.for_user(request.user), score)
            except services.AssessmentRefused as error:
                return _refused(request, error)
        elif row.form.is_valid():
            try:
                services.update_score(
                    Actor.for_user(request.user), score, **row.form.score_values()
                )
            except services.AssessmentRefused as error:
                return _refused(request, error)
            except ValidationError as error:
                row.form.add_error(None, error)
            else:
                if not is_htmx(request):
                    messages.success(
                        request, _("De score van %(norm)s is opgeslagen.") % {"norm": norm_id}
                    )
                    return redirect(reverse("assessments:detail", args=[pk]) + f"#{row.anchor}")
                row = _row(norm, score, True)
                return _score_response(request, assessment, row, permissions, saved=True)
    return _score_response(request, assessment, row, permissions)


def _score_response(
    request: HttpRequest,
    assessment: Assessment,
    row: ScoreRowView,
    permissions: dict[str, bool],
    *,
    saved: bool = False,
    evidence_form: EvidenceForm | None = None,
    status: int = 200,
) -> HttpResponse:
    htmx = is_htmx(request)
    template = "assessments/_score_row.html" if htmx else "assessments/score.html"
    response = render(
        request,
        template,
        {
            "assessment": assessment,
            # Exercises and trainings count as evidence for the norms their domain concerns;
            # the htmx partial only redraws the score, so it skips the lookup.
            "activities": []
            if htmx
            else people_queries.evidence_for_norm(
                request.user, assessment.organisation, row.norm.norm_id
            ),
            "row": row,
            "saved": saved,
            "evidence_form": evidence_form or EvidenceForm(prefix="bewijs"),
            **permissions,
        },
        status=status,
    )
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def evidence_add(request: HttpRequest, pk: int, norm_id: str) -> HttpResponse:
    assessment = assessment_for_user(request.user, pk)
    score = score_for_user(request.user, assessment, norm_id)
    norm = Norm.objects.filter(framework_id=assessment.framework_id, norm_id=norm_id).first()
    if norm is None:
        raise Http404
    form = EvidenceForm(request.POST, request.FILES, prefix="bewijs")
    actor = Actor.for_user(request.user)
    if form.is_valid():
        try:
            if form.cleaned_data["file"]:
                services.add_evidence_file(
                    actor, score, form.cleaned_data["file"], form.cleaned_data["description"]
                )
            else:
                services.add_evidence_link(
                    actor, score, form.cleaned_data["url"], form.cleaned_data["description"]
                )
        except services.AssessmentRefused as error:
            return _refused(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Het bewijsstuk is toegevoegd."))
            return redirect("assessments:score", pk, norm_id)
    permissions = _permissions(request, assessment)
    row = _row(norm, score, permissions["may_edit"])
    return _score_response(request, assessment, row, permissions, evidence_form=form, status=400)


@login_required
def evidence_download(request: HttpRequest, evidence_pk: int) -> FileResponse:
    evidence = evidence_for_user(request.user, evidence_pk)
    if not evidence.file:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except OSError as error:
        raise Http404 from error
    return FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name or (evidence.file.name or "").rsplit("/", 1)[-1],
        content_type=evidence.content_type or "application/octet-stream",
    )


@login_required
@require_POST
def evidence_remove(request: HttpRequest, evidence_pk: int) -> HttpResponse:
    evidence = evidence_for_user(request.user, evidence_pk)
    score = evidence.score
    try:
        services.remove_evidence(Actor.for_user(request.user), evidence)
    except services.AssessmentRefused as error:
        return _refused(request, error)
    messages.success(request, _("Het bewijsstuk is verwijderd."))
    return redirect("assessments:score", score.assessment_id, score.norm_id)


_STEPS = {
    "indienen": (services.submit_for_review, _("De meting is ter beoordeling aangeboden.")),
    "goedkeuren": (services.approve_assessment, _("De meting is goedgekeurd en vastgezet.")),
    "heropenen": (services.reopen_assessment, _("De meting is teruggezet naar concept.")),
}


@login_required
@require_POST
def assessment_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    """A workflow step: submit for review, approve, reopen, or delete a draft."""
    assessment = assessment_for_user(request.user, pk)
    actor = Actor.for_user(request.user)
    try:
        if step == "verwijderen":
            services.delete_assessment(actor, assessment)
            messages.success(request, _("De meting is verwijderd."))
            return redirect("assessments:list")
        if step not in _STEPS:
            raise Http404
        function, message = _STEPS[step]
        function(actor, assessment)
    except services.AssessmentRefused as error:
        return _refused(request, error)
    messages.success(request, str(message))
    return redirect("assessments:detail", assessment.pk)


@login_required
def assessment_compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare this meting with another (``?met=<id>``) of the same organisation or board/school."""
    assessment = assessment_for_user(request.user, pk)
    other_id = request.GET.get("met", "")
    comparison = None
    error = ""
    if other_id:
        if not other_id.isdigit():
            raise Http404
        other = assessment_for_user(request.user, int(other_id))
        if not comparable(assessment, other):
            error = _(
                "Vergelijk metingen van dezelfde organisatie, of van een bestuur en zijn school."
            )
        else:
            first, second = sorted([other, assessment], key=lambda a: (a.created_at, a.pk))
            comparison = compare_assessments(first, second)
    nearby = (
        Assessment.objects.for_user(request.user)
        .filter(
            organisation__path__startswith=(
                assessment.organisation.parent.path
                if assessment.organisation.kind == OrganisationKind.SCHOOL
                and assessment.organisation.parent is not None
                else assessment.organisation.path
            )
        )
        .exclude(pk=assessment.pk)
        .select_related("organisation")
        .order_by("-created_at", "-pk")[:100]
    )
    candidates = [c for c in nearby if comparable(assessment, c)]
    return render(
        request,
        "assessments/compare.html",
        {
            "assessment": assessment,
            "comparison": comparison,
            "candidates": candidates,
            "chosen": other_id,
            "error": error,
        },
        status=400 if error else 200,
    )


@login_required
def assessment_trend(request: HttpRequest, org_id: int) -> HttpResponse:
    organisation = organisation_for_user(request.user, org_id)
    return render(
        request,
        "assessments/trend.html",
        {"organisation": organisation, "trend": trend(request.user, organisation)},
    )


def _board(request: HttpRequest, org_id: int) -> Organisation:
    board = organisation_for_user(request.user, org_id)
    if board.kind != OrganisationKind.BOARD:
        raise Http404
    return board


@login_required
@require_http_methods(["GET", "POST"])
def schools(request: HttpRequest, org_id: int) -> HttpResponse:
    """A board's schools: their latest metingen, per norm lowest and average level; POST builds
    a board meting from them."""
    board = _board(request, org_id)
    frameworks = Framework.objects.for_user(request.user).order_by("slug", "-version", "-edition")
    default = newest_framework(request.user)
    form = BoardFromSchoolsForm(
        request.POST or None,
        frameworks=frameworks,
        initial={"framework": default, "title": _("Bestuursmeting uit de scholen")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.create_board_assessment_from_schools(
                Actor.for_user(request.user),
                board,
                form.cleaned_data["framework"],
                form.cleaned_data["title"],
            )
        except services.AssessmentRefused as error:
            return _refused(request, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("De bestuursmeting is aangemaakt uit de scholen."))
            return redirect("assessments:detail", assessment.pk)
    framework = (
        form.cleaned_data.get("framework") if form.is_bound and form.is_valid() else None
    ) or default
    overview = schools_overview(request.user, board, framework) if framework else None
    return render(
        request,
        "assessments/schools.html",
        {
            "board": board,
            "overview": overview,
            "form": form,
            "may_build": services.may(Actor.for_user(request.user), board, "change"),
        },
    )
